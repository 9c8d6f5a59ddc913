//! Zone-less local times, shared by the text formats whose timestamps carry no offset (BIND
//! `print-time`, RFC 3164 syslog, the Windows DNS debug log): `ReadOptions.timezone` names the
//! server's zone.
//!
//! Accepted: `UTC` (the default), fixed offsets (`+02:00`, `+0200`, `-05`, `UTC+01:00`), and IANA
//! names (`Europe/Berlin`) resolved with `jiff` and the tz database bundled into it (so results
//! do not depend on the machine's zoneinfo). Daylight-saving transitions follow the tz rules: a
//! local time repeated when clocks go back is read as the first (daylight) one, a local time
//! skipped when they go forward is shifted by the gap ("compatible" disambiguation, as RFC 5545
//! and Temporal do); logs do not say which occurrence they meant. An unknown name is refused
//! when the input is opened, never silently read as UTC.

use event::{Timestamp, NANOS_PER_SEC};
use jiff::tz::{AmbiguousOffset, TimeZone};
use std::cell::Cell;

/// The zone local times are read in.
#[derive(Debug, Clone)]
pub struct LocalZone {
    kind: Kind,
    /// The last local hour (hours since the epoch, local) with one unambiguous offset, and that
    /// offset in seconds: DST transitions never fall inside such an hour, so it is reused.
    cache: Cell<(i64, i64)>,
}

#[derive(Debug, Clone)]
enum Kind {
    Fixed(i64),
    Iana(TimeZone),
}

const SECS_PER_HOUR: i64 = 3600;

impl LocalZone {
    pub fn utc() -> Self {
        Self::fixed(0)
    }

    /// A fixed offset east of UTC, in seconds.
    pub fn fixed(secs: i64) -> Self {
        LocalZone { kind: Kind::Fixed(secs), cache: Cell::new((i64::MIN, 0)) }
    }

    /// Parses `ReadOptions.timezone`; `None` or empty means UTC.
    pub fn parse(tz: Option<&str>) -> Result<LocalZone, String> {
        let Some(raw) = tz.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Self::utc());
        };
        let upper = raw.to_ascii_uppercase();
        let rest = upper.strip_prefix("UTC").or_else(|| upper.strip_prefix("GMT")).unwrap_or(&upper);
        if rest.is_empty() || rest == "Z" {
            return Ok(Self::utc());
        }
        if let Some(secs) = fixed_offset(rest) {
            return Ok(Self::fixed(secs));
        }
        match TimeZone::get(raw) {
            Ok(tz) => Ok(LocalZone { kind: Kind::Iana(tz), cache: Cell::new((i64::MIN, 0)) }),
            Err(e) => {
                Err(format!("time zone `{raw}`: not a fixed offset (UTC, +02:00, -0500) nor a known IANA name ({e})"))
            }
        }
    }

    /// The UTC instant of a local civil time (given as a timestamp whose civil fields are the
    /// local ones).
    pub fn to_utc(&self, local: Timestamp) -> Timestamp {
        let offset = match &self.kind {
            Kind::Fixed(secs) => *secs,
            Kind::Iana(tz) => self.iana_offset(tz, local),
        };
        Timestamp(local.0.saturating_sub(offset.saturating_mul(NANOS_PER_SEC)))
    }

    /// The local civil time (as a timestamp) of a UTC instant.
    pub fn to_local(&self, utc: Timestamp) -> Timestamp {
        let offset = match &self.kind {
            Kind::Fixed(secs) => *secs,
            Kind::Iana(tz) => {
                jiff::Timestamp::from_second(utc.secs()).map(|t| i64::from(tz.to_offset(t).seconds())).unwrap_or(0)
            }
        };
        Timestamp(utc.0.saturating_add(offset.saturating_mul(NANOS_PER_SEC)))
    }

    fn iana_offset(&self, tz: &TimeZone, local: Timestamp) -> i64 {
        let hour = local.secs().div_euclid(SECS_PER_HOUR);
        let (cached_hour, cached) = self.cache.get();
        if hour == cached_hour {
            return cached;
        }
        let at = |secs: i64| -> Option<AmbiguousOffset> {
            let (y, mo, d, h, mi, s, _) = Timestamp::from_secs(secs).to_civil();
            let dt =
                jiff::civil::DateTime::new(i16::try_from(y).ok()?, mo as i8, d as i8, h as i8, mi as i8, s as i8, 0)
                    .ok()?;
            Some(tz.to_ambiguous_timestamp(dt).offset())
        };
        let start = at(hour * SECS_PER_HOUR);
        let end = at(hour * SECS_PER_HOUR + SECS_PER_HOUR - 1);
        if let (Some(AmbiguousOffset::Unambiguous { offset: a }), Some(AmbiguousOffset::Unambiguous { offset: b })) =
            (start, end)
        {
            if a == b {
                let secs = i64::from(a.seconds());
                self.cache.set((hour, secs));
                return secs;
            }
        }
        // An hour with a transition in it: resolve this very second ("compatible": the offset
        // in force before the transition).
        match at(local.secs()) {
            Some(AmbiguousOffset::Unambiguous { offset }) => i64::from(offset.seconds()),
            Some(AmbiguousOffset::Gap { before, .. } | AmbiguousOffset::Fold { before, .. }) => {
                i64::from(before.seconds())
            }
            None => 0,
        }
    }
}

/// `+02:00`, `+0200`, `-05`, `+5`.
fn fixed_offset(rest: &str) -> Option<i64> {
    let (sign, digits) = match rest.as_bytes().first() {
        Some(b'+') => (1, &rest[1..]),
        Some(b'-') => (-1, &rest[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(1..=4).contains(&digits.len()) || digits.len() == 3 {
        return None;
    }
    let (h, m) = if digits.len() <= 2 { (&digits[..], "0") } else { (&digits[..2], &digits[2..]) };
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 18 && m <= 59).then_some(sign * (h * 3600 + m * 60))
}

/// Parses `HH:MM:SS` with an optional `.fraction` (up to 9 digits kept) into (h, m, s, nanos).
pub fn parse_hms(s: &str) -> Option<(u32, u32, u32, u32)> {
    if let Some(t) = hms_fast(s.as_bytes()) {
        return Some(t);
    }
    let (hms, frac) = match s.split_once(['.', ',']) {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let mut it = hms.split(':');
    let h = small_num(it.next()?, 2)?;
    let m = small_num(it.next()?, 2)?;
    let sec = small_num(it.next()?, 2)?;
    if it.next().is_some() || h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let nanos = match frac {
        None => 0,
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            let mut n: u32 = f.parse().ok()?;
            for _ in f.len()..9 {
                n *= 10;
            }
            n
        }
        Some(_) => return None,
    };
    Some((h, m, sec, nanos))
}

/// The usual `HH:MM:SS` / `HH:MM:SS.fff` (two-digit fields, a `.` and 1 to 9 fraction digits)
/// without splitting; `None` for anything else, which [`parse_hms`] then reads the long way
/// (with the same answer for what this accepts).
fn hms_fast(b: &[u8]) -> Option<(u32, u32, u32, u32)> {
    let two = |i: usize| -> Option<u32> {
        let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (x < 10 && y < 10).then(|| u32::from(x) * 10 + u32::from(y))
    };
    if b.len() < 8 || b[2] != b':' || b[5] != b':' || (b.len() > 8 && (b[8] != b'.' || b.len() > 18)) {
        return None;
    }
    let (h, m, sec) = (two(0)?, two(3)?, two(6)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut nanos = 0u32;
    if b.len() > 8 {
        let frac = &b[9..];
        if frac.is_empty() {
            return None;
        }
        for i in 0..9 {
            let d = match frac.get(i) {
                Some(c) if c.is_ascii_digit() => u32::from(c - b'0'),
                Some(_) => return None,
                None => 0,
            };
            nanos = nanos * 10 + d;
        }
    }
    Some((h, m, sec, nanos))
}

/// A decimal number of 1..=`max_len` ASCII digits.
pub fn small_num(s: &str, max_len: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    #[test]
    fn fixed_offsets() {
        let local = utc("2026-11-27T15:00:00Z");
        for (tz, want) in [
            (None, "2026-11-27T15:00:00Z"),
            (Some("UTC"), "2026-11-27T15:00:00Z"),
            (Some("+02:00"), "2026-11-27T13:00:00Z"),
            (Some("-0500"), "2026-11-27T20:00:00Z"),
            (Some("-05"), "2026-11-27T20:00:00Z"),
            (Some("UTC+05:30"), "2026-11-27T09:30:00Z"),
        ] {
            assert_eq!(LocalZone::parse(tz).unwrap().to_utc(local).to_string(), want, "{tz:?}");
        }
        assert!(LocalZone::parse(Some("UTC+5:30")).is_err());
        assert!(LocalZone::parse(Some("+25:00")).is_err());
        assert!(LocalZone::parse(Some("Mars/Olympus_Mons")).unwrap_err().contains("IANA"));
    }

    #[test]
    fn iana_zones_follow_dst_with_compatible_disambiguation() {
        let z = LocalZone::parse(Some("Europe/Berlin")).unwrap();
        assert_eq!(z.to_utc(utc("2026-07-01T12:00:00Z")).to_string(), "2026-07-01T10:00:00Z");
        assert_eq!(z.to_utc(utc("2026-11-27T12:00:00Z")).to_string(), "2026-11-27T11:00:00Z");
        // 2026-03-29 02:30 does not exist in Berlin (gap): read with the offset before it.
        assert_eq!(z.to_utc(utc("2026-03-29T02:30:00Z")).to_string(), "2026-03-29T01:30:00Z");
        // 2026-10-25 02:30 happens twice (fold): the first, still in summer time.
        assert_eq!(z.to_utc(utc("2026-10-25T02:30:00Z")).to_string(), "2026-10-25T00:30:00Z");
        assert_eq!(z.to_utc(utc("2026-10-25T03:30:00Z")).to_string(), "2026-10-25T02:30:00Z");
        // The hour cache gives the same answers in any order.
        assert_eq!(z.to_utc(utc("2026-07-01T12:59:59Z")).to_string(), "2026-07-01T10:59:59Z");
        assert_eq!(z.to_local(utc("2026-07-01T10:00:00Z")).to_string(), "2026-07-01T12:00:00Z");
        let ny = LocalZone::parse(Some("America/New_York")).unwrap();
        assert_eq!(ny.to_utc(utc("2026-11-27T08:00:00Z")).to_string(), "2026-11-27T13:00:00Z");
    }

    #[test]
    fn hms_fast_path_agrees_with_the_long_way() {
        let cases = [
            "13:14:15",
            "13:14:15.123",
            "00:00:00.000000001",
            "23:59:60.999999999",
            "23:59:59.1234567891",
            "24:00:00",
            "23:60:00",
            "1:02:03",
            "13:14:15.",
            "13:14:15,5",
            "13:14:15.12a",
            "13:14",
            "13:14:15:16",
            "ab:cd:ef",
            "13:14:15.5 ",
            "+1:02:03",
        ];
        for c in cases {
            if let Some(fast) = hms_fast(c.as_bytes()) {
                let (hms, frac) = c.split_once('.').map_or((c, None), |(a, b)| (a, Some(b)));
                let mut it = hms.split(':').map(|x| small_num(x, 2));
                let (h, m, s) = (it.next().flatten(), it.next().flatten(), it.next().flatten());
                let ns = frac.map_or(Some(0), |f| f.parse::<u32>().ok().map(|n| n * 10u32.pow(9 - f.len() as u32)));
                assert_eq!(Some(fast), h.zip(m).zip(s).zip(ns).map(|(((h, m), s), ns)| (h, m, s, ns)), "{c}");
            }
        }
        assert_eq!(parse_hms("13:14:15.5"), Some((13, 14, 15, 500_000_000)));
        assert_eq!(parse_hms("1:02:03"), Some((1, 2, 3, 0)));
        assert_eq!(parse_hms("13:14:15,25"), Some((13, 14, 15, 250_000_000)));
        assert_eq!(parse_hms("24:00:00"), None);
        assert_eq!(parse_hms("13:14:15.1234567891"), None);
    }

    #[test]
    fn hms() {
        assert_eq!(parse_hms("13:14:15.123"), Some((13, 14, 15, 123_000_000)));
        assert_eq!(parse_hms("1:14:15"), Some((1, 14, 15, 0)));
        assert_eq!(parse_hms("24:00:00"), None);
        assert_eq!(parse_hms("13:14"), None);
        assert_eq!(parse_hms("13:14:15.x"), None);
    }
}
