//! Time values in the seed's exports.
//!
//! - ISO 8601 / RFC 3339, any fraction length: the API responses and Defender's advanced hunting
//!   CSV write `2026-11-27T13:14:15.1234567Z` (7 fraction digits, .NET ticks).
//! - The Log Analytics portal's "Export to CSV" writes times as the browser locale shows them
//!   (in UTC when the column is `… [UTC]`): en-US `11/27/2026, 1:14:15.123 PM` (month first, 12-hour
//!   clock, comma optional), year-first locales `2026/11/27 13:14:15.123`, dotted day-first locales
//!   `27.11.2026 13:14:15.123`, and slashed day-first 24-hour locales (en-GB, fr-FR)
//!   `27/11/2026 13:14:15`. A slashed date is read month-first only when an AM/PM marker says it
//!   is en-US, day-first otherwise. The Defender portal's tables show `Nov 27, 2026 1:14:15 PM`
//!   (month name first), which users copy out of it; that is read too.
//! - Epoch seconds (what `event::parse_time` also accepts).

use event::{month_from_name, parse_time, DayCache, Timestamp};

/// Parses one exported time value as UTC. `None` when it is none of the forms above.
pub fn parse_export_time(v: &str) -> Option<Timestamp> {
    parse_export_time_cached(v, &mut TimeCache::default())
}

/// What [`parse_export_time_cached`] remembers from one value to the next: the day of the last
/// ISO 8601 date, and the last ISO 8601 second (`YYYY-MM-DDTHH:MM:SS`, the bytes before the
/// fraction, which consecutive rows mostly share) with its time.
#[derive(Debug, Default)]
pub struct TimeCache {
    days: DayCache,
    second: Option<([u8; 19], Timestamp)>,
}

/// [`parse_export_time`], answering an ISO 8601 UTC time in the same second as the last one from
/// its fraction alone, and reusing the day of the last ISO 8601 date when it is the same.
#[inline]
pub fn parse_export_time_cached(v: &str, cache: &mut TimeCache) -> Option<Timestamp> {
    match same_second(v.as_bytes(), cache) {
        Some(t) => Some(t),
        None => parse_and_remember(v, cache),
    }
}

/// [`parse_export_time_cached`] past the cache, out of line: the cached answer is a short call.
#[inline(never)]
fn parse_and_remember(v: &str, cache: &mut TimeCache) -> Option<Timestamp> {
    let t = parse_export_time_general(v, &mut cache.days)?;
    remember_second(v.as_bytes(), t, cache);
    Some(t)
}

/// `YYYY-MM-DDTHH:MM:SS`, then nothing, `Z`, or a fraction (`.` or `,` and digits) and optionally
/// `Z`: the value's first 19 bytes and its nanoseconds. `None` for anything else (an offset,
/// spaces, …), which only the general path reads.
fn utc_second(b: &[u8]) -> Option<(&[u8; 19], i64)> {
    let (key, rest) = b.split_first_chunk::<19>()?;
    Some((key, utc_fraction(rest)?))
}

/// What may follow the second in [`utc_second`]: its nanoseconds.
#[inline(always)]
fn utc_fraction(rest: &[u8]) -> Option<i64> {
    let rest = match rest {
        [r @ .., b'Z' | b'z'] => r,
        r => r,
    };
    match rest {
        [] => Some(0),
        [b'.' | b',', digits @ ..] if !digits.is_empty() => fraction_nanos(digits),
        _ => None,
    }
}

/// The nanoseconds of a fraction's digits (the first nine; any further ones only checked).
#[inline(always)]
fn fraction_nanos(digits: &[u8]) -> Option<i64> {
    match digits {
        // Milliseconds, as the portal and most tools write them: no loop.
        &[a, b, c] => {
            let [a, b, c] = [a, b, c].map(|d| i64::from(d.wrapping_sub(b'0')));
            (a <= 9 && b <= 9 && c <= 9).then_some((a * 100 + b * 10 + c) * 1_000_000)
        }
        _ if digits.len() > 9 => {
            let (nine, more) = digits.split_at(9);
            more.iter().all(u8::is_ascii_digit).then_some(())?;
            event::fraction_nanos(nine)
        }
        _ => event::fraction_nanos(digits),
    }
}

/// The time of `b` when it is an ISO 8601 UTC time in the second [`remember_second`] kept. The
/// 19 bytes compare as a fixed-size array (a few word compares, no `memcmp` call).
fn same_second(b: &[u8], cache: &TimeCache) -> Option<Timestamp> {
    let (key, base) = cache.second.as_ref()?;
    let (head, rest) = b.split_first_chunk::<19>()?;
    if head != key {
        return None;
    }
    base.0.checked_add(utc_fraction(rest)?).map(Timestamp)
}

/// After the general path read `b` as `t`: keeps `t`'s whole second when `b` is an ISO 8601 UTC
/// time, whose second then is exactly `t` less the fraction (no offset, no rounding).
fn remember_second(b: &[u8], t: Timestamp, cache: &mut TimeCache) {
    if let Some((key, nanos)) = utc_second(b).filter(|(key, _)| is_iso_second(key)) {
        cache.second = Some((*key, Timestamp(t.0 - nanos)));
    }
}

/// `YYYY-MM-DDTHH:MM:SS` (`T`, `t` or a space between date and time), digits where digits go.
fn is_iso_second(key: &[u8; 19]) -> bool {
    key.iter().enumerate().all(|(i, &c)| match i {
        4 | 7 => c == b'-',
        10 => matches!(c, b'T' | b't' | b' '),
        13 | 16 => c == b':',
        _ => c.is_ascii_digit(),
    })
}

/// [`parse_export_time`] without the second cache.
fn parse_export_time_general(v: &str, days: &mut DayCache) -> Option<Timestamp> {
    let v = v.trim();
    let b = v.as_bytes();
    if b.len() >= 19 && b[4] == b'-' {
        return Timestamp::parse_rfc3339_cached(v, days);
    }
    if b.first().is_some_and(u8::is_ascii_alphabetic) {
        return parse_month_name(v);
    }
    parse_locale(v).or_else(|| parse_time(v))
}

/// `Nov 27, 2026 1:14:15 PM` / `November 27, 2026, 1:14:15.123 PM`.
fn parse_month_name(v: &str) -> Option<Timestamp> {
    let (month, rest) = v.split_once(' ')?;
    if !month.bytes().all(|b| b.is_ascii_alphabetic()) || !(3..=9).contains(&month.len()) {
        return None;
    }
    let mo = month_from_name(month)?;
    let (d, rest) = digits(rest.trim_start(), 2)?;
    let rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    let (y, rest) = digits(rest, 4)?;
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let (h, mi, s, nanos, pm) = clock(rest.strip_prefix(' ')?.trim_start())?;
    Timestamp::from_civil(i64::from(y), mo, d, hour24(h, pm)?, mi, s, nanos)
}

/// `h:mm:ss[.fraction][ AM|PM]` → (hour as written, minute, second, nanos, Some(pm) if marked).
fn clock(v: &str) -> Option<(u32, u32, u32, u32, Option<bool>)> {
    let (h, rest) = digits(v, 2)?;
    let (mi, rest) = digits(rest.strip_prefix(':')?, 2)?;
    let (s, rest) = digits(rest.strip_prefix(':')?, 2)?;
    let (nanos, rest) = match rest.strip_prefix('.') {
        Some(f) => {
            let n = f.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return None;
            }
            let mut ns = 0u32;
            for d in f.bytes().take(n.min(9)) {
                ns = ns * 10 + u32::from(d - b'0');
            }
            (ns * 10u32.pow(9u32.saturating_sub(n as u32)), &f[n..])
        }
        None => (0, rest),
    };
    let marker = rest.trim();
    let pm = if marker.is_empty() {
        None
    } else if marker.eq_ignore_ascii_case("AM") {
        Some(false)
    } else if marker.eq_ignore_ascii_case("PM") {
        Some(true)
    } else {
        return None;
    };
    Some((h, mi, s, nanos, pm))
}

/// A 12-hour clock hour (1–12 with AM/PM) as 0–23; a 24-hour one as is.
fn hour24(h: u32, pm: Option<bool>) -> Option<u32> {
    match pm {
        None => Some(h),
        Some(_) if !(1..=12).contains(&h) => None,
        Some(false) => Some(h % 12),
        Some(true) => Some(h % 12 + 12),
    }
}

/// Splits leading ASCII digits off `s` (1 to `max` of them).
fn digits(s: &str, max: usize) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    if n == 0 || n > max {
        return None;
    }
    Some((s[..n].parse().ok()?, &s[n..]))
}

fn parse_locale(v: &str) -> Option<Timestamp> {
    let (a, rest) = digits(v, 4)?;
    let sep = rest.bytes().next()?;
    if sep != b'/' && sep != b'.' && sep != b'-' {
        return None;
    }
    let (b, rest) = digits(rest.get(1..)?, 2)?;
    let rest = rest.strip_prefix(sep as char)?;
    let (c, rest) = digits(rest, 4)?;
    let rest = rest.strip_prefix(',').unwrap_or(rest);
    let rest = rest.strip_prefix([' ', 'T'])?.trim_start();
    let (h, mi, s, nanos, pm) = clock(rest)?;
    let h = hour24(h, pm)?;
    let (y, mo, d) = if a > 31 {
        // Year first: 2026/11/27.
        (a, b, c)
    } else if sep == b'/' && pm.is_some() {
        // en-US: 11/27/2026, 1:14:15 PM.
        (c, a, b)
    } else {
        // Day first: 27.11.2026, 27/11/2026 13:14:15.
        (c, b, a)
    };
    if y < 1000 {
        return None;
    }
    Timestamp::from_civil(i64::from(y), mo, d, h, mi, s, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        parse_export_time(s).map(|t| t.to_string()).unwrap_or_else(|| "none".into())
    }

    #[test]
    fn export_forms() {
        assert_eq!(t("2026-11-27T13:14:15.1234567Z"), "2026-11-27T13:14:15.123456700Z");
        assert_eq!(t("11/27/2026, 1:14:15.123 PM"), "2026-11-27T13:14:15.123Z");
        assert_eq!(t("11/27/2026 12:00:00 AM"), "2026-11-27T00:00:00Z");
        assert_eq!(t("1/2/2026, 12:30:00.000 PM"), "2026-01-02T12:30:00Z");
        assert_eq!(t("2026/11/27 0:00:01.403"), "2026-11-27T00:00:01.403Z");
        assert_eq!(t("27.11.2026 13:14:15"), "2026-11-27T13:14:15Z");
        assert_eq!(t("27/11/2026 13:14:15"), "2026-11-27T13:14:15Z");
        assert_eq!(t("1795785255"), "2026-11-27T13:14:15Z");
        assert_eq!(t("Nov 27, 2026 1:14:15 PM"), "2026-11-27T13:14:15Z");
        assert_eq!(t("November 27, 2026, 1:14:15.5 AM"), "2026-11-27T01:14:15.500Z");
        assert_eq!(t("Nov 31, 2026 1:14:15 PM"), "none");
        assert_eq!(t("Now 27, 2026 1:14:15 PM"), "none");
        assert_eq!(t("13/27/2026, 1:14:15 PM"), "none");
        assert_eq!(t("11/27/2026, 13:14:15 PM"), "none");
        assert_eq!(t("11/27/2026, 1:14:15 XM"), "none");
        assert_eq!(t("yesterday"), "none");
        assert_eq!(t(""), "none");
    }

    /// Values read with the second cache warmed by each of `warm`, against the general path.
    #[test]
    fn the_second_cache_gives_the_general_answers() {
        let warm = [
            "2026-11-27T13:14:15.1234567Z",
            "2026-11-27T13:14:15Z",
            "2026-11-27 13:14:15,5",
            "2026-11-27T13:14:15.9+02:00",
            "1795785255         ",
            "11/27/2026, 1:14:15.123 PM",
            "1969-12-31T23:59:59.5Z",
        ];
        let values = [
            "2026-11-27T13:14:15.1234567Z",
            "2026-11-27T13:14:15.123456789123Z",
            "2026-11-27T13:14:15.000000001z",
            "2026-11-27T13:14:15.123456789Z",
            "2026-11-27T13:14:15.12345678",
            "2026-11-27T13:14:15.009Z",
            "2026-11-27T13:14:15.999Z",
            "2026-11-27T13:14:15.0/9Z",
            "2026-11-27T13:14:15.:09Z",
            "2026-11-27T13:14:15.90a",
            "2026-11-27T13:14:15,123",
            "2026-11-27T13:14:15.1234567891x",
            "2026-11-27T13:14:15.12x4Z",
            "2026-11-27T13:14:15Z",
            "2026-11-27T13:14:15",
            "2026-11-27T13:14:15.",
            "2026-11-27T13:14:15.Z",
            "2026-11-27T13:14:15.5 Z",
            "2026-11-27T13:14:15.5 ",
            "2026-11-27T13:14:15.5x",
            "2026-11-27T13:14:15,25",
            "2026-11-27T13:14:15.25+01:00",
            "2026-11-27T13:14:15.25-0130",
            "2026-11-27 13:14:15,5",
            "2026-11-27T13:14:16.5Z",
            " 2026-11-27T13:14:15.5Z",
            "1795785255         ",
            "1795785255         .5Z",
            "1969-12-31T23:59:59.5Z",
            "1969-12-31T23:59:59.25",
            "",
        ];
        for w in warm {
            for v in values {
                let mut cache = TimeCache::default();
                let warmed = parse_export_time_cached(w, &mut cache);
                assert_eq!(warmed, parse_export_time(w), "{w}");
                let got = parse_export_time_cached(v, &mut cache);
                let want = parse_export_time_general(v, &mut DayCache::default());
                assert_eq!(got, want, "{v:?} after {w:?}");
            }
        }
    }
}
