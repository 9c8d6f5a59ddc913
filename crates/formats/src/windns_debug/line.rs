//! One PACKET line of the Windows DNS Server debug log, and its locale-dependent date and time.
//!
//! ```text
//! 11/27/2026 1:14:15 PM 0E3C PACKET  000001D5E2B3C8E0 UDP Rcv 198.51.100.7    a1b2   Q …
//! date       time [AM|PM] thread ctx packet-id       proto dir remote-ip      xid  [R] opcode …
//!
//! … [0001   D   NOERROR] A      (3)www(7)example(3)com(0)
//! … [flags-hex chars rcode] qtype qname
//! ```
//! Windows Server 2003 writes `YYYYMMDD HH:MM:SS` and no packet id.

use crate::localtime::{parse_hms, small_num, LocalZone};
use crate::RecordError;
use event::{parse_ip, DnsEvent, DnsKind, QType, Rcode, Timestamp, Transport};

/// How a numeric date is ordered when it is not `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateOrder {
    /// `11/27/2026` (en-US, the Windows Server default).
    MonthFirst,
    /// `27/11/2026`, `27.11.2026` (most other locales).
    DayFirst,
}

/// What a date-led line is.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// `ev` holds a query or a response.
    Event,
    /// A packet the server sent as a client (recursion, forwarding), an upstream answer, a
    /// notify or update, or a non-PACKET line (`EVENT`, `Note`): not a client query.
    Skip,
}

fn bad(what: &'static str, detail: &str) -> RecordError {
    RecordError::Malformed { what, detail: RecordError::quote(detail) }
}

/// The two leading numbers of a `a/b/yyyy` or `a.b.yyyy` date, for date-order detection.
pub fn date_parts(date: &str) -> Option<(u32, u32, u8)> {
    let sep = date.bytes().find(|b| *b == b'/' || *b == b'.')?;
    let mut it = date.split(sep as char);
    let (a, b, y) = (small_num(it.next()?, 2)?, small_num(it.next()?, 2)?, it.next()?);
    (y.len() == 4 && small_num(y, 4).is_some() && it.next().is_none()).then_some((a, b, sep))
}

/// Parses the date token: `M/D/YYYY` or `D/M/YYYY` (also with `.` or `-`), `YYYY-MM-DD`
/// (also `/` or `.`), or `YYYYMMDD`.
pub fn parse_date(s: &str, order: DateOrder) -> Option<(i64, u32, u32)> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Some((i64::from(small_num(&s[..4], 4)?), small_num(&s[4..6], 2)?, small_num(&s[6..], 2)?));
    }
    let sep = s.bytes().find(|b| !b.is_ascii_digit())? as char;
    let mut it = s.split(sep);
    let (p1, p2, p3) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    if p1.len() == 4 {
        return Some((i64::from(small_num(p1, 4)?), small_num(p2, 2)?, small_num(p3, 2)?));
    }
    if p3.len() != 4 {
        return None;
    }
    let (a, b, y) = (small_num(p1, 2)?, small_num(p2, 2)?, i64::from(small_num(p3, 4)?));
    Some(match order {
        DateOrder::MonthFirst => (y, a, b),
        DateOrder::DayFirst => (y, b, a),
    })
}

/// Splits off the next whitespace-separated token (runs of spaces are one separator).
fn next_token(s: &str) -> Option<(&str, &str)> {
    let start = s.bytes().position(|b| b != b' ' && b != b'\t')?;
    let s = &s[start..];
    let end = memchr::memchr2(b' ', b'\t', s.as_bytes()).unwrap_or(s.len());
    Some((&s[..end], &s[end..]))
}

/// Parses a date-led line into `ev` (already reset).
pub fn parse(line: &str, order: DateOrder, zone: &LocalZone, ev: &mut DnsEvent) -> Result<Line, RecordError> {
    let trunc = || RecordError::Truncated("packet line");
    let (date, rest) = next_token(line).ok_or_else(trunc)?;
    let (time, mut rest) = next_token(rest).ok_or_else(trunc)?;
    let (y, mo, d) = parse_date(date, order).ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(date)))?;
    let (mut h, mi, s, ns) = parse_hms(time).ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(time)))?;
    if let Some((ampm, after)) = next_token(rest).filter(|(t, _)| matches!(*t, "AM" | "PM" | "am" | "pm")) {
        if h == 0 || h > 12 {
            return Err(RecordError::BadTimestamp(RecordError::quote(time)));
        }
        h = match (h, ampm.eq_ignore_ascii_case("PM")) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        rest = after;
    }
    let order_name = if order == DateOrder::DayFirst { "day first" } else { "month first" };
    let local = Timestamp::from_civil(y, mo, d, h, mi, s, ns)
        .ok_or_else(|| RecordError::BadTimestamp(format!("{date} {time} (read {order_name})")))?;
    ev.time = zone.to_utc(local);
    let (_thread, rest) = next_token(rest).ok_or_else(trunc)?;
    let (context, rest) = next_token(rest).ok_or_else(trunc)?;
    if context != "PACKET" {
        return Ok(Line::Skip);
    }
    let (mut proto, mut rest) = next_token(rest).ok_or_else(trunc)?;
    if proto != "UDP" && proto != "TCP" {
        // The internal packet identifier (absent in Windows Server 2003).
        (proto, rest) = next_token(rest).ok_or_else(trunc)?;
    }
    ev.transport = Some(match proto {
        "UDP" => Transport::Udp,
        "TCP" => Transport::Tcp,
        _ => return Err(bad("transport", proto)),
    });
    let (dir, rest) = next_token(rest).ok_or_else(trunc)?;
    let received = match dir {
        "Rcv" => true,
        "Snd" => false,
        _ => return Err(bad("direction", dir)),
    };
    let (remote, rest) = next_token(rest).ok_or_else(trunc)?;
    ev.client_ip = Some(parse_ip(remote).ok_or_else(|| RecordError::BadIp(RecordError::quote(remote)))?);
    let (xid, rest) = next_token(rest).ok_or_else(trunc)?;
    if xid.is_empty() || xid.len() > 4 || !xid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("xid", xid));
    }
    let (mut opcode, mut rest) = next_token(rest).ok_or_else(trunc)?;
    let response = opcode == "R";
    if response {
        (opcode, rest) = next_token(rest).ok_or_else(trunc)?;
    }
    if !matches!(opcode, "Q" | "N" | "U" | "?") {
        return Err(bad("opcode", opcode));
    }
    let rest = rest.trim_start().strip_prefix('[').ok_or_else(trunc)?;
    let (flags, rest) = rest.split_once(']').ok_or_else(trunc)?;
    let mut words = flags.split_whitespace();
    let hex = words.next().ok_or_else(trunc)?;
    if hex.len() != 4 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad("flags", hex));
    }
    let rcode_word = words.last().ok_or_else(trunc)?;
    // The common codes without `Rcode::parse`'s upper-casing allocation.
    let rcode = match rcode_word {
        "NOERROR" => Rcode::NOERROR,
        "NXDOMAIN" => Rcode::NXDOMAIN,
        "SERVFAIL" => Rcode::SERVFAIL,
        "REFUSED" => Rcode::REFUSED,
        "NOTIMPL" => Rcode(4),
        w => Rcode::parse(w).ok_or_else(|| bad("response code", w))?,
    };
    let (qtype, rest) = next_token(rest).ok_or_else(trunc)?;
    ev.qtype = Some(QType::parse(qtype).ok_or_else(|| bad("question type", qtype))?);
    let qname = rest.trim();
    if qname.is_empty() {
        return Err(trunc());
    }
    decode_name(qname, &mut ev.name)?;
    if opcode != "Q" || received == response {
        // Sent queries (recursion), received answers (from upstream), notify, update.
        return Ok(Line::Skip);
    }
    if response {
        ev.kind = DnsKind::Response;
        ev.rcode = Some(rcode);
    } else {
        ev.kind = DnsKind::Query;
    }
    Ok(Line::Event)
}

/// `(3)www(7)example(3)com(0)` → `www.example.com`; `(0)` → `.`.
pub fn decode_name(s: &str, out: &mut String) -> Result<(), RecordError> {
    out.clear();
    let mut rest = s;
    loop {
        let inner = rest.strip_prefix('(').ok_or_else(|| bad("question name", s))?;
        let close = inner.find(')').ok_or_else(|| bad("question name", s))?;
        let len: usize = small_num(&inner[..close], 2).ok_or_else(|| bad("question name", s))? as usize;
        rest = &inner[close + 1..];
        if len == 0 {
            if !rest.is_empty() {
                return Err(bad("question name", s));
            }
            if out.is_empty() {
                out.push('.');
            }
            return Ok(());
        }
        let label = rest.get(..len).ok_or_else(|| bad("question name", s))?;
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(label);
        rest = &rest[len..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let mut n = String::new();
        decode_name("(3)www(7)example(3)com(0)", &mut n).unwrap();
        assert_eq!(n, "www.example.com");
        decode_name("(0)", &mut n).unwrap();
        assert_eq!(n, ".");
        decode_name("(6)_dmarc(7)example(3)com(0)", &mut n).unwrap();
        assert_eq!(n, "_dmarc.example.com");
        assert!(decode_name("(3)ww", &mut n).is_err());
        assert!(decode_name("(3)www(7)example", &mut n).is_err());
        assert!(decode_name("www.example.com", &mut n).is_err());
    }

    #[test]
    fn no_mutation_of_a_good_line_panics() {
        let l = "11/27/2026 1:14:15 PM 0E3C PACKET  000001D5E2B3C8E0 UDP Snd 2001:db8::7    a1b2 R Q \
                 [8581   DR NXDOMAIN] AAAA   (4)nope(7)example(3)com(0)";
        let mut ev = DnsEvent::default();
        for (i, _) in l.char_indices() {
            for insert in ["", "ü", "🦀", " ", "(", ")", "[", "]", "9"] {
                let s = format!("{}{insert}{}", &l[..i], &l[i..]);
                for order in [DateOrder::MonthFirst, DateOrder::DayFirst] {
                    let _ = parse(&s, order, &LocalZone::utc(), &mut ev);
                    let _ = parse(&l[..i], order, &LocalZone::utc(), &mut ev);
                }
            }
        }
    }

    #[test]
    fn dates_and_lines() {
        assert_eq!(parse_date("11/27/2026", DateOrder::MonthFirst), Some((2026, 11, 27)));
        assert_eq!(parse_date("27.11.2026", DateOrder::DayFirst), Some((2026, 11, 27)));
        assert_eq!(parse_date("2026-11-27", DateOrder::DayFirst), Some((2026, 11, 27)));
        assert_eq!(parse_date("20261127", DateOrder::MonthFirst), Some((2026, 11, 27)));
        assert_eq!(date_parts("27/11/2026"), Some((27, 11, b'/')));
        let mut ev = DnsEvent::default();
        let l = "11/27/2026 12:14:15 AM 0E3C PACKET  000001D5E2B3C8E0 UDP Snd 198.51.100.7    a1b2 R Q \
                 [8581   DR NXDOMAIN] AAAA   (4)nope(7)example(3)com(0)";
        assert_eq!(parse(l, DateOrder::MonthFirst, &LocalZone::fixed(-3600), &mut ev), Ok(Line::Event));
        assert_eq!(ev.time.to_string(), "2026-11-27T01:14:15Z");
        assert_eq!((ev.kind, ev.rcode, ev.qtype), (DnsKind::Response, Some(Rcode::NXDOMAIN), Some(QType::AAAA)));
        let l =
            "20061127 13:14:15 5C8 PACKET  UDP Rcv 192.0.2.1  0001   Q [0001   D   NOERROR] MX     (7)example(3)com(0)";
        let mut ev = DnsEvent::default();
        assert_eq!(parse(l, DateOrder::MonthFirst, &LocalZone::utc(), &mut ev), Ok(Line::Event));
        assert_eq!(
            (ev.kind, ev.name.as_str(), ev.time.to_string()),
            (DnsKind::Query, "example.com", "2006-11-27T13:14:15Z".into())
        );
        let l = "11/27/2026 13:14:15 PM 0E3C PACKET  0 UDP Rcv 192.0.2.1 0001 Q [0001 D NOERROR] A (0)";
        assert!(matches!(
            parse(l, DateOrder::MonthFirst, &LocalZone::utc(), &mut ev),
            Err(RecordError::BadTimestamp(_))
        ));
    }
}
