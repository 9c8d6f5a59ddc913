//! The prefixes in front of a BIND message: a syslog header (RFC 3164, RFC 5424, or the
//! RFC 3339 stamp rsyslog writes by default), BIND's own `print-time` stamp (`27-Nov-2026
//! 13:14:15.123` or ISO 8601), and the `print-category` / `print-severity` words.

use crate::localtime::{parse_hms, small_num, LocalZone};
use crate::split::find_byte;
use crate::RecordError;
use event::{civil_days, month_from_name, DayCache, Timestamp};

/// How zone-less times become UTC: the configured offset, and the instant that RFC 3164 years
/// are inferred from (the file's modification time, else now).
#[derive(Debug, Clone)]
pub struct TimeCtx {
    pub zone: LocalZone,
    pub reference: Timestamp,
    /// The day number of the last print-time date (`27-Nov-2026`) read.
    pub days: DayCache,
    /// The last print-time stamp to the second (`27-Nov-2026 13:14:15`) and its UTC time.
    pub second: Option<([u8; 20], Timestamp)>,
}

/// One line split into its prefixes and the BIND message.
#[derive(Debug, Default, PartialEq)]
pub struct Header<'a> {
    /// UTC time from the syslog header or BIND's print-time, if either is there.
    pub time: Option<Timestamp>,
    /// The syslog header's host, the DNS server.
    pub host: Option<&'a str>,
    /// Whether a syslog header was found.
    pub syslog: bool,
    pub category: Option<&'a str>,
    pub severity: Option<&'a str>,
    pub msg: &'a str,
}

const SEVERITIES: [&str; 7] = ["critical", "error", "warning", "notice", "info", "debug", "dynamic"];

fn bad_time(s: &str) -> RecordError {
    RecordError::BadTimestamp(RecordError::quote(s))
}

/// Splits off the first space-separated token.
fn token(s: &str) -> (&str, &str) {
    match find_byte(s.as_bytes(), b' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

#[inline]
pub fn parse<'a>(line: &'a str, ctx: &mut TimeCtx) -> Result<Header<'a>, RecordError> {
    let mut h = Header { msg: line, ..Header::default() };
    let mut s = line;
    let mut pri = false;
    if let Some(rest) = s.strip_prefix('<') {
        if let Some(end) = rest.get(..4).and_then(|x| x.find('>')).filter(|&e| e > 0) {
            if rest[..end].bytes().all(|b| b.is_ascii_digit()) {
                s = &rest[end + 1..];
                pri = true;
            }
        }
    }
    if pri && s.starts_with("1 ") {
        rfc5424(&s[2..], &mut h)?;
    } else if s.len() > 16 && s.as_bytes()[3] == b' ' && s.as_bytes()[..3].iter().all(u8::is_ascii_alphabetic) {
        rfc3164(s, ctx, &mut h)?;
    } else if s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        stamped(s, ctx, &mut h)?;
    } else {
        h.msg = s;
    }
    categories(&mut h);
    Ok(h)
}

/// `<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG` (the `<PRI>1 ` is already stripped).
fn rfc5424<'a>(s: &'a str, h: &mut Header<'a>) -> Result<(), RecordError> {
    let (ts, s) = token(s);
    let (host, s) = token(s);
    let (_app, s) = token(s);
    let (_procid, s) = token(s);
    let (_msgid, s) = token(s);
    if s.is_empty() {
        return Err(RecordError::Truncated("RFC 5424 syslog header"));
    }
    h.syslog = true;
    h.time = if ts == "-" { None } else { Some(Timestamp::parse_rfc3339(ts).ok_or_else(|| bad_time(ts))?) };
    h.host = (host != "-").then_some(host);
    let msg = if let Some(rest) = s.strip_prefix("- ") {
        rest
    } else if s == "-" {
        ""
    } else if s.starts_with('[') {
        skip_structured_data(s).ok_or(RecordError::Truncated("RFC 5424 structured data"))?
    } else {
        s
    };
    // rsyslog's RFC 5424 template writes the legacy message with its leading space.
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    h.msg = msg.trim_start_matches(' ');
    Ok(())
}

/// Skips `[id k="v" ...][...]` (with `\"`, `\]` escapes inside values); returns what follows.
fn skip_structured_data(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        let mut in_quotes = false;
        i += 1;
        loop {
            match *b.get(i)? {
                b'\\' if in_quotes => i += 1,
                b'"' => in_quotes = !in_quotes,
                b']' if !in_quotes => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    Some(s[i..].strip_prefix(' ').unwrap_or(&s[i..]))
}

/// `Mmm dd hh:mm:ss HOST TAG: MSG`. The year is missing: it is the reference time's year, or
/// the year before when that would put the line more than a day after the reference (a file
/// written in December and read in January).
fn rfc3164<'a>(s: &'a str, ctx: &TimeCtx, h: &mut Header<'a>) -> Result<(), RecordError> {
    let stamp = s.get(..15).ok_or_else(|| bad_time(s))?;
    let field = |r: std::ops::Range<usize>| stamp.get(r).ok_or_else(|| bad_time(stamp));
    let month = month_from_name(field(0..3)?).ok_or_else(|| bad_time(stamp))?;
    let day = small_num(field(4..6)?.trim_start(), 2).ok_or_else(|| bad_time(stamp))?;
    let (hh, mm, ss, _) = parse_hms(field(7..15)?).ok_or_else(|| bad_time(stamp))?;
    let rest = s[15..].strip_prefix(' ').ok_or_else(|| bad_time(stamp))?;
    let (host, rest) = token(rest);
    let (tag, msg) = token(rest);
    if !tag.ends_with(':') || host.is_empty() {
        return Err(RecordError::Truncated("RFC 3164 syslog header"));
    }
    let ref_local = ctx.zone.to_local(ctx.reference);
    let year = ref_local.to_civil().0;
    let at = |y: i64| Timestamp::from_civil(y, month, day, hh, mm, ss, 0).map(|t| ctx.zone.to_utc(t));
    let mut t = at(year);
    if t.is_none_or(|t| t.0 > ctx.reference.0 + 86_400 * event::NANOS_PER_SEC) {
        t = at(year - 1).or(t);
    }
    h.time = Some(t.ok_or_else(|| bad_time(stamp))?);
    h.host = Some(host);
    h.syslog = true;
    h.msg = msg;
    Ok(())
}

/// A line starting with a digit: rsyslog's `2026-11-27T13:14:15.123+01:00 HOST TAG: MSG`, or
/// BIND's print-time `27-Nov-2026 13:14:15.123 ` / ISO 8601 (local time unless it has a zone).
fn stamped<'a>(s: &'a str, ctx: &mut TimeCtx, h: &mut Header<'a>) -> Result<(), RecordError> {
    let b = s.as_bytes();
    if b.len() >= 19 && b[4] == b'-' && b[7] == b'-' && (b[10] == b'T' || b[10] == b' ') {
        // ISO: the date and time may be joined by `T` (one token) or a space (two).
        let split =
            if b[10] == b'T' { s.find(' ').unwrap_or(s.len()) } else { s[11..].find(' ').map_or(s.len(), |i| i + 11) };
        let ts = &s[..split];
        let rest = s[split..].strip_prefix(' ').unwrap_or("");
        let zoned = ts.get(19..).is_some_and(|tail| tail.contains(['Z', 'z', '+', '-']));
        let t = Timestamp::parse_rfc3339(ts).ok_or_else(|| bad_time(ts))?;
        h.time = Some(if zoned { t } else { ctx.zone.to_utc(t) });
        let (t1, after1) = token(rest);
        let (t2, after2) = token(after1);
        if t1 != "client" && !t1.is_empty() && !t1.ends_with(':') && t2.ends_with(':') && t2.len() > 1 {
            h.syslog = true;
            h.host = Some(t1);
            h.msg = after2;
        } else {
            h.msg = rest;
        }
        return Ok(());
    }
    // `27-Nov-2026 13:14:15.123` (the day may be one digit in old versions).
    // Many lines share the second: when the first 20 bytes are those of the last stamp read (and
    // the usual `.fff ` follows), only the milliseconds are new. Zone offsets change on whole
    // seconds, so the cached second's UTC time plus the milliseconds is what the long way gives.
    if let (Some((key, utc)), Some(tail)) = (&ctx.second, b.get(20..25)) {
        if b[..20] == key[..] && tail[0] == b'.' && tail[4] == b' ' {
            if let Some(ms) = three_digits(&tail[1..4]) {
                h.time = Some(Timestamp(utc.0 + i64::from(ms) * 1_000_000));
                h.msg = &s[25..];
                return Ok(());
            }
        }
    }
    let cacheable = b.len() >= 25
        && b[2] == b'-'
        && b[6] == b'-'
        && b[11] == b' '
        && b[20] == b'.'
        && b[24] == b' '
        && b[..2].iter().all(u8::is_ascii_digit);
    stamped_long(s, ctx, h)?;
    if let (true, Some(t), Some(ms)) = (cacheable, h.time, b.get(21..24).and_then(three_digits)) {
        if h.msg.len() == s.len() - 25 {
            let mut key = [0u8; 20];
            key.copy_from_slice(&b[..20]);
            ctx.second = Some((key, Timestamp(t.0 - i64::from(ms) * 1_000_000)));
        }
    }
    Ok(())
}

/// Three ASCII digits.
fn three_digits(d: &[u8]) -> Option<u32> {
    // Three digits are below 1000: the cast is exact.
    event::decimal(d.get(..3)?).map(|v| v as u32)
}

/// The print-time stamp read the long way.
fn stamped_long<'a>(s: &'a str, ctx: &mut TimeCtx, h: &mut Header<'a>) -> Result<(), RecordError> {
    // The date is the same on every line of a day: a date seen last time is already checked.
    let (date, rest) = token(s);
    let (time, rest) = token(rest);
    let stamp_end = if time.is_empty() { date.len() } else { date.len() + 1 + time.len() };
    let stamp = || s.get(..stamp_end).unwrap_or(s);
    let mut three_parts = true;
    let days = ctx.days.days(date.as_bytes(), || {
        let mut parts = date.split('-');
        let (d, mo, y) = (parts.next(), parts.next(), parts.next());
        let (Some(d), Some(mo), Some(y), None) = (d, mo, y, parts.next()) else {
            three_parts = false;
            return None;
        };
        let day = small_num(d, 2)?;
        let month = month_from_name(mo).filter(|_| mo.len() == 3)?;
        let year = small_num(y, 4).filter(|_| y.len() == 4)?;
        civil_days(i64::from(year), month, day)
    });
    if !three_parts {
        h.msg = s;
        return Ok(());
    }
    let (hh, mm, ss, ns) = parse_hms(time).ok_or_else(|| bad_time(stamp()))?;
    let t = days.and_then(|d| Timestamp::from_days(d, hh, mm, ss, ns)).ok_or_else(|| bad_time(stamp()))?;
    h.time = Some(ctx.zone.to_utc(t));
    h.msg = rest;
    Ok(())
}

/// Strips `category: ` and `severity: ` (either, both, in BIND's order) from the message. Both
/// are single words ending in `:` (`debug 3:` aside), so only the first word is looked at.
fn categories(h: &mut Header<'_>) {
    // The query log's usual prefix, as the loop below reads it.
    if let Some(rest) = h.msg.strip_prefix("queries: info: ") {
        (h.category, h.severity, h.msg) = (Some("queries"), Some("info"), rest);
        return;
    }
    for _ in 0..2 {
        let b = h.msg.as_bytes();
        let Some(sp) = find_byte(b, b' ') else { return };
        let (word, next) = if sp > 0 && b[sp - 1] == b':' {
            (&h.msg[..sp - 1], sp + 1)
        } else if &b[..sp] == b"debug" {
            // `debug N: `
            let rest = &b[sp + 1..];
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || rest.get(digits) != Some(&b':') || rest.get(digits + 1) != Some(&b' ') {
                return;
            }
            (&h.msg[..sp + 1 + digits], sp + digits + 3)
        } else {
            return;
        };
        if (SEVERITIES.contains(&word) || word.starts_with("debug ")) && h.severity.is_none() {
            h.severity = Some(word);
        } else if h.category.is_none()
            && h.severity.is_none()
            && !word.is_empty()
            && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            h.category = Some(word);
        } else {
            return;
        }
        h.msg = &h.msg[next..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> TimeCtx {
        TimeCtx {
            zone: LocalZone::utc(),
            reference: Timestamp::parse_rfc3339("2027-01-02T00:00:00Z").unwrap(),
            days: DayCache::default(),
            second: None,
        }
    }

    #[test]
    fn print_time_category_severity() {
        let h = parse("27-Nov-2026 13:14:15.123 queries: info: client x", &mut ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-27T13:14:15.123Z");
        assert_eq!((h.category, h.severity, h.msg, h.syslog), (Some("queries"), Some("info"), "client x", false));
        let h = parse("2026-11-27T13:14:15.123Z security: error: zone", &mut ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-27T13:14:15.123Z");
        assert_eq!((h.category, h.severity, h.msg), (Some("security"), Some("error"), "zone"));
        let h = parse("27-Nov-2026 13:14:15.123 resolver: debug 3: x y", &mut ctx()).unwrap();
        assert_eq!((h.category, h.severity, h.msg), (Some("resolver"), Some("debug 3"), "x y"));
        let h = parse("client 1.2.3.4#5: query: x IN A +", &mut ctx()).unwrap();
        assert_eq!((h.time, h.category, h.msg), (None, None, "client 1.2.3.4#5: query: x IN A +"));
    }

    #[test]
    fn no_prefix_of_any_line_panics() {
        let lines = [
            "27-Nov-2026 13:14:15.123 queries: info: client x",
            "Dec 31 23:59:59 ns1 named[123]: client x",
            "<30>1 2026-11-27T13:14:15.5+01:00 ns2 named 77 - [a b=\"c\"] client y",
            "2026-11-27T13:14:15.000001+00:00 ns3 named[9]: client w",
        ];
        for l in lines {
            for (i, _) in l.char_indices() {
                for insert in ["", "ü", "🦀", " ", "-"] {
                    let s = format!("{}{insert}{}", &l[..i], &l[i..]);
                    let _ = parse(&s, &mut ctx());
                    let _ = parse(&l[..i], &mut ctx());
                }
            }
        }
    }

    #[test]
    fn second_cache_gives_the_long_answers() {
        let lines = [
            "27-Nov-2026 13:14:15.123 queries: info: client x",
            "27-Nov-2026 13:14:15.999 queries: info: client y",
            "27-Nov-2026 13:14:15.000 security: error: z",
            "27-Nov-2026 13:14:15.12x queries: info: client x",
            "27-Nov-2026 13:14:15.1234 queries: info: client x",
            "27-Nov-2026 13:14:15.12 queries: info: client x",
            "27-Nov-2026 13:14:15.001",
            "27-Nov-2026 13:14:15.001 ",
            "27-Nov-2026 13:14:16.000 x",
            "27-Nov-2026 13:14:16.5 x",
            "27-Nov-2026 13:14:16.500 x",
            "31-Nov-2026 13:14:16.500 x",
            "31-Nov-2026 13:14:16.501 x",
            "29-Mar-2026 01:59:59.999 x",
            "29-Mar-2026 02:30:00.000 x",
            "29-Mar-2026 02:30:00.001 x",
            "29-Mar-2026 03:00:00.001 x",
            "25-Oct-2026 02:30:00.001 x",
            "25-Oct-2026 02:30:00.002 x",
            "7-Nov-2026 13:14:15.123 x",
            "27-Nov-2026 13:14:15.123 x",
            "27-Nov-2026 13:14:1🦀.123 x",
            "27-Nov-2026 13:14:15.123 x",
            "27-Nov-2026 24:14:15.123 x",
            "27-Nov-2026 24:14:15.124 x",
        ];
        for zone in [None, Some("+02:00"), Some("Europe/Berlin")] {
            let fresh = || TimeCtx { zone: LocalZone::parse(zone).unwrap(), ..ctx() };
            let mut shared = fresh();
            for _ in 0..2 {
                for l in lines {
                    assert_eq!(parse(l, &mut shared), parse(l, &mut fresh()), "{l} in {zone:?}");
                }
            }
        }
    }

    #[test]
    fn syslog_forms() {
        let h = parse("Dec 31 23:59:59 ns1 named[123]: client x", &mut ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-12-31T23:59:59Z");
        assert_eq!((h.host, h.msg, h.syslog), (Some("ns1"), "client x", true));
        let h = parse("Jan  1 00:00:01 ns1 named[123]: queries: info: client x", &mut ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2027-01-01T00:00:01Z");
        assert_eq!((h.category, h.msg), (Some("queries"), "client x"));
        let h = parse("<30>1 2026-11-27T13:14:15.5+01:00 ns2 named 77 - - client y", &mut ctx()).unwrap();
        assert_eq!(h.time.unwrap().to_string(), "2026-11-27T12:14:15.500Z");
        assert_eq!((h.host, h.msg), (Some("ns2"), "client y"));
        let h = parse(r#"<30>1 2026-11-27T13:14:15Z ns2 named 77 - [a b="x\]y"][c] client z"#, &mut ctx()).unwrap();
        assert_eq!(h.msg, "client z");
        let h = parse("<30>1 2026-11-27T13:14:15Z ns1 named 642 - -  queries: info: client v", &mut ctx()).unwrap();
        assert_eq!((h.category, h.msg), (Some("queries"), "client v"));
        let h = parse("2026-11-27T13:14:15.000001+00:00 ns3 named[9]: client w", &mut ctx()).unwrap();
        assert_eq!((h.host, h.msg), (Some("ns3"), "client w"));
        assert!(parse("Nov 31 13:14:15 ns1 named[1]: x", &mut ctx()).is_err());
        assert!(parse("27-Nov-2026 25:14:15.123 queries: info: client x", &mut ctx()).is_err());
    }
}
