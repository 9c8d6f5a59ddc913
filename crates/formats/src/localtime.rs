//! Zone-less local times, shared by the text formats whose timestamps carry no offset (BIND
//! `print-time`, RFC 3164 syslog, the Windows DNS debug log): `ReadOptions.timezone` gives a
//! fixed UTC offset.
//!
//! Decision: only fixed offsets (`UTC`, `Z`, `GMT`, `+02:00`, `+0200`, `-05`, `UTC+01:00`) are
//! accepted. IANA names (`Europe/Berlin`) would need a time-zone database; no small dependency
//! with a bundled tzdb is vendored here, so a name is refused when the input is opened (with a
//! message saying which offset forms work) instead of being silently read as UTC.

use event::{Timestamp, NANOS_PER_SEC};

/// A fixed offset east of UTC, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Offset(pub i64);

impl Offset {
    /// Parses `ReadOptions.timezone`; `None` or empty means UTC.
    pub fn parse(tz: Option<&str>) -> Result<Offset, String> {
        let Some(raw) = tz.map(str::trim).filter(|s| !s.is_empty()) else {
            return Ok(Offset(0));
        };
        let upper = raw.to_ascii_uppercase();
        let rest = upper.strip_prefix("UTC").or_else(|| upper.strip_prefix("GMT")).unwrap_or(&upper);
        if rest.is_empty() || rest == "Z" {
            return Ok(Offset(0));
        }
        let bad = || {
            format!(
                "time zone `{raw}`: only fixed offsets are supported (UTC, +02:00, -0500); IANA names are not, \
                 convert with the offset in force when the log was written"
            )
        };
        let (sign, digits) = match rest.as_bytes().first() {
            Some(b'+') => (1, &rest[1..]),
            Some(b'-') => (-1, &rest[1..]),
            _ => return Err(bad()),
        };
        let digits: String = digits.chars().filter(|c| *c != ':').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) || !(1..=4).contains(&digits.len()) || digits.len() == 3 {
            return Err(bad());
        }
        let (h, m) = if digits.len() <= 2 { (&digits[..], "0") } else { (&digits[..2], &digits[2..]) };
        let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if h > 18 || m > 59 {
            return Err(bad());
        }
        Ok(Offset(sign * (h * 3600 + m * 60)))
    }

    /// The UTC instant of a local civil time in this offset.
    pub fn to_utc(self, local: Timestamp) -> Timestamp {
        Timestamp(local.0.saturating_sub(self.0.saturating_mul(NANOS_PER_SEC)))
    }
}

/// Parses `HH:MM:SS` with an optional `.fraction` (up to 9 digits kept) into (h, m, s, nanos).
pub fn parse_hms(s: &str) -> Option<(u32, u32, u32, u32)> {
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

    #[test]
    fn offsets() {
        assert_eq!(Offset::parse(None), Ok(Offset(0)));
        assert_eq!(Offset::parse(Some("UTC")), Ok(Offset(0)));
        assert_eq!(Offset::parse(Some("+02:00")), Ok(Offset(7200)));
        assert_eq!(Offset::parse(Some("-0500")), Ok(Offset(-18000)));
        assert!(Offset::parse(Some("UTC+5:30")).is_err());
        assert_eq!(Offset::parse(Some("UTC+05:30")), Ok(Offset(19800)));
        assert_eq!(Offset::parse(Some("-05")), Ok(Offset(-18000)));
        assert!(Offset::parse(Some("Europe/Berlin")).unwrap_err().contains("IANA"));
        assert!(Offset::parse(Some("+25:00")).is_err());
        let local = Timestamp::parse_rfc3339("2026-11-27T15:00:00Z").unwrap();
        assert_eq!(Offset(7200).to_utc(local).to_string(), "2026-11-27T13:00:00Z");
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
