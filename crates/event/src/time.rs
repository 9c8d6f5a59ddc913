//! Event time: nanoseconds since the Unix epoch, UTC, with civil-date conversion and RFC 3339
//! parsing/formatting written out here (no dependency, no allocation on the parse path).

use std::fmt;

/// Nanoseconds since 1970-01-01T00:00:00Z. Covers the years 1678–2262.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

pub const NANOS_PER_SEC: i64 = 1_000_000_000;

impl Timestamp {
    pub const MIN: Timestamp = Timestamp(i64::MIN);
    pub const MAX: Timestamp = Timestamp(i64::MAX);

    pub fn from_secs(s: i64) -> Self {
        Timestamp(s.saturating_mul(NANOS_PER_SEC))
    }
    pub fn from_millis(ms: i64) -> Self {
        Timestamp(ms.saturating_mul(1_000_000))
    }
    pub fn from_micros(us: i64) -> Self {
        Timestamp(us.saturating_mul(1_000))
    }
    /// From fractional epoch seconds as written by Zeek (`1700000000.123456`), parsed exactly.
    pub fn from_epoch_str(s: &str) -> Option<Self> {
        if let Some(t) = epoch_fast(s.as_bytes()) {
            return Some(t);
        }
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, ""),
        };
        let neg = int.starts_with('-');
        let secs: i64 = int.parse().ok()?;
        let nanos = parse_fraction(frac)?;
        let nanos = if neg { -nanos } else { nanos };
        Some(Timestamp(secs.checked_mul(NANOS_PER_SEC)?.checked_add(nanos)?))
    }
    /// Builds a timestamp from a UTC civil date and time. Returns `None` for impossible dates.
    pub fn from_civil(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32, nanos: u32) -> Option<Self> {
        if !valid_date(y, mo, d) {
            return None;
        }
        Timestamp::from_days(days_from_civil(y, mo, d), h, mi, s, nanos)
    }
    pub fn secs(self) -> i64 {
        self.0.div_euclid(NANOS_PER_SEC)
    }
    pub fn subsec_nanos(self) -> u32 {
        self.0.rem_euclid(NANOS_PER_SEC) as u32
    }
    /// Civil UTC fields: (year, month, day, hour, minute, second, nanos).
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let secs = self.secs();
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, (rem / 3600) as u32, (rem % 3600 / 60) as u32, (rem % 60) as u32, self.subsec_nanos())
    }
    /// Parses RFC 3339 / ISO 8601 date-times: `2026-11-27T13:14:15Z`, with `T` or a space, optional
    /// fraction (up to 9 digits), `Z`, `+hh:mm`, `+hhmm` or no zone (taken as UTC).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        Self::parse_rfc3339_cached(s, &mut DayCache::default())
    }
    /// [`Timestamp::parse_rfc3339`], reusing the day number of the date parsed last when the
    /// date (`YYYY-MM-DD`) is the same: for a reader, the date changes once a day.
    pub fn parse_rfc3339_cached(s: &str, cache: &mut DayCache) -> Option<Self> {
        let b = s.trim().as_bytes();
        if b.len() < 19 {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<u32> {
            let mut v = 0u32;
            for &c in &b[r] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + u32::from(c - b'0');
            }
            Some(v)
        };
        if b[4] != b'-'
            || b[7] != b'-'
            || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        // The seconds since the epoch of the date and time: the last ones when the 19 bytes are
        // the same as last time (many events share a second), else computed and remembered.
        let secs = match cache.second {
            Some((key, secs)) if key == b[..19] => secs,
            _ => {
                let days = cache.days(&b[..10], || {
                    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
                    valid_date(i64::from(y), mo, d).then(|| days_from_civil(i64::from(y), mo, d))
                })?;
                let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
                if h > 23 || mi > 59 || sec > 60 {
                    return None;
                }
                let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(sec);
                let mut key = [0u8; 19];
                key.copy_from_slice(&b[..19]);
                cache.second = Some((key, secs));
                secs
            }
        };
        let mut i = 19;
        let mut nanos = 0u32;
        if i < b.len() && (b[i] == b'.' || b[i] == b',') {
            let start = i + 1;
            i = start;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            nanos = fraction_digits(&b[start..i]) as u32;
        }
        let offset_secs: i64 = match &b[i..] {
            [] | [b'Z'] | [b'z'] => 0,
            [sign @ (b'+' | b'-'), rest @ ..] => {
                let digits: Vec<u8> = rest.iter().copied().filter(|c| *c != b':').collect();
                if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let hh = i64::from((digits[0] - b'0') * 10 + (digits[1] - b'0'));
                let mm = i64::from((digits[2] - b'0') * 10 + (digits[3] - b'0'));
                let off = hh * 3600 + mm * 60;
                if *sign == b'+' {
                    off
                } else {
                    -off
                }
            }
            _ => return None,
        };
        let t = secs.checked_mul(NANOS_PER_SEC)?.checked_add(i64::from(nanos))?;
        Some(Timestamp(t.checked_sub(offset_secs.checked_mul(NANOS_PER_SEC)?)?))
    }
    /// A time of day on a day number (days since 1970-01-01, see [`days_from_civil`]); `None`
    /// for an impossible time (leap second 60 allowed, as in [`Timestamp::from_civil`]).
    pub fn from_days(days: i64, h: u32, mi: u32, s: u32, nanos: u32) -> Option<Self> {
        if h > 23 || mi > 59 || s > 60 {
            return None;
        }
        let secs = days * 86_400 + i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s);
        secs.checked_mul(NANOS_PER_SEC)?.checked_add(i64::from(nanos)).map(Timestamp)
    }
    /// Floor to a multiple of `width` nanoseconds since the epoch (KQL `bin()`).
    pub fn bin(self, width: i64) -> Timestamp {
        Timestamp(self.0 - self.0.rem_euclid(width))
    }
}

/// The common Zeek form `1795737600.009002`: 1 to 12 integer digits, a dot, 1 to 9 fraction
/// digits, nothing else. `None` for anything else (the general path then decides).
fn epoch_fast(b: &[u8]) -> Option<Timestamp> {
    let mut secs = 0i64;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        secs = secs * 10 + i64::from(d);
        i += 1;
    }
    if !(1..=12).contains(&i) || b.get(i) != Some(&b'.') {
        return None;
    }
    let nanos = fraction_nanos(&b[i + 1..])?;
    secs.checked_mul(NANOS_PER_SEC)?.checked_add(nanos).map(Timestamp)
}

/// The nanoseconds that one to nine ASCII fraction digits stand for (`009002` → 9 002 000); `None`
/// for no digit, more than nine, or a byte that is not a digit. The readers' fast paths for
/// epoch and ISO times share it.
#[inline]
pub fn fraction_nanos(digits: &[u8]) -> Option<i64> {
    // 10^(9 - n) for n digits.
    const SCALE: [i64; 10] = [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];
    if digits.len() > 9 {
        return None;
    }
    // At most 9 digits: below 10^9, so the cast is exact.
    Some(crate::decimal(digits)? as i64 * SCALE[digits.len()])
}

/// Nanoseconds from ASCII digits (the caller checked them): the first nine count.
fn fraction_digits(frac: &[u8]) -> i64 {
    let mut nanos = 0i64;
    for i in 0..9 {
        nanos = nanos * 10 + frac.get(i).map_or(0, |c| i64::from(c - b'0'));
    }
    nanos
}

/// Remembers the day number of the last date a reader parsed, keyed by the date's exact bytes
/// (`2026-11-27`, `27-Nov-2026`, up to 16 bytes): the date of a log changes once a day, so the
/// civil-date checks and arithmetic run once a day instead of once an event.
#[derive(Debug, Clone, Default)]
pub struct DayCache {
    key: [u8; 16],
    len: u8,
    days: i64,
    /// For [`Timestamp::parse_rfc3339_cached`]: the last `YYYY-MM-DDTHH:MM:SS` and its seconds
    /// since the epoch.
    second: Option<([u8; 19], i64)>,
}

impl DayCache {
    /// The day number for the date written as `key`: the cached one when `key` is the same
    /// bytes as last time, else `compute()`'s (kept when it is `Some`).
    pub fn days(&mut self, key: &[u8], compute: impl FnOnce() -> Option<i64>) -> Option<i64> {
        if self.len > 0 && key == &self.key[..usize::from(self.len)] {
            return Some(self.days);
        }
        let days = compute()?;
        if let Some(slot) = self.key.get_mut(..key.len()).filter(|_| !key.is_empty()) {
            slot.copy_from_slice(key);
            self.len = key.len() as u8;
            self.days = days;
        }
        Some(days)
    }
}

/// The day number of a real date (days since 1970-01-01), `None` for an impossible one.
pub fn civil_days(y: i64, mo: u32, d: u32) -> Option<i64> {
    valid_date(y, mo, d).then(|| days_from_civil(y, mo, d))
}

/// Whether `y-mo-d` is a real date of the proleptic Gregorian calendar.
fn valid_date(y: i64, mo: u32, d: u32) -> bool {
    (1..=12).contains(&mo) && d != 0 && d <= days_in_month(y, mo)
}

/// Parses up to nine fraction digits into nanoseconds; extra digits are truncated.
fn parse_fraction(frac: &str) -> Option<i64> {
    let mut nanos = 0i64;
    let mut n = 0;
    for c in frac.bytes() {
        if !c.is_ascii_digit() {
            return None;
        }
        if n < 9 {
            nanos = nanos * 10 + i64::from(c - b'0');
            n += 1;
        }
    }
    while n < 9 {
        nanos *= 10;
        n += 1;
    }
    Some(nanos)
}

impl fmt::Display for Timestamp {
    /// RFC 3339 UTC with as many fraction digits as needed (none, 3, 6 or 9).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, ns) = self.to_civil();
        write!(f, "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}")?;
        if ns != 0 {
            if ns % 1_000_000 == 0 {
                write!(f, ".{:03}", ns / 1_000_000)?;
            } else if ns % 1_000 == 0 {
                write!(f, ".{:06}", ns / 1_000)?;
            } else {
                write!(f, ".{ns:09}")?;
            }
        }
        f.write_str("Z")
    }
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Month number (1–12) from an English month name or its three-letter abbreviation, any case.
pub fn month_from_name(s: &str) -> Option<u32> {
    const NAMES: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let s = s.get(..3)?;
    NAMES.iter().position(|n| n.eq_ignore_ascii_case(s)).map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_over_four_centuries() {
        for days in (-200_000..200_000).step_by(97) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn rfc3339_forms() {
        let t = Timestamp::parse_rfc3339("2026-11-27T13:14:15Z").unwrap();
        assert_eq!(t.to_string(), "2026-11-27T13:14:15Z");
        assert_eq!(t.secs(), 1_795_785_255);
        let t2 = Timestamp::parse_rfc3339("2026-11-27 14:14:15.5+01:00").unwrap();
        assert_eq!(t2.0, t.0 + 500_000_000);
        assert_eq!(t2.to_string(), "2026-11-27T13:14:15.500Z");
        assert_eq!(Timestamp::parse_rfc3339("2026-11-27T13:14:15.123456789-0000").unwrap().subsec_nanos(), 123_456_789);
        assert!(Timestamp::parse_rfc3339("2026-02-30T00:00:00Z").is_none());
        assert!(Timestamp::parse_rfc3339("2026-11-27T13:14:15Q").is_none());
        assert!(Timestamp::parse_rfc3339("garbage").is_none());
    }

    #[test]
    fn epoch_strings_are_exact() {
        assert_eq!(Timestamp::from_epoch_str("1700000000.123456").unwrap().0, 1_700_000_000_123_456_000);
        assert_eq!(Timestamp::from_epoch_str("1700000000").unwrap().0, 1_700_000_000_000_000_000);
        assert!(Timestamp::from_epoch_str("17x").is_none());
    }

    #[test]
    fn day_cache_agrees_across_midnight_month_year_and_leap_days() {
        let mut cache = DayCache::default();
        // Every 7 h 13 min over six years (three Februaries in leap years), plus the edges.
        let mut stamps: Vec<String> = (0..7000)
            .map(|i| Timestamp::from_secs(1_703_980_800 + i * 26_011).to_string().replace('Z', ".250Z"))
            .collect();
        stamps.extend(
            [
                "2024-02-28T23:59:59.999Z",
                "2024-02-29T00:00:00Z",
                "2024-02-29T23:59:60Z",
                "2024-03-01T00:00:00Z",
                "2025-02-29T00:00:00Z",
                "2025-02-28T00:00:00Z",
                "2025-12-31T23:59:59.999999999Z",
                "2026-01-01T00:00:00Z",
                "2026-01-01 00:00:00+01:00",
                "2026-01-01 00:00:00.5+01:00",
                "2026-01-01 00:00:00.25Z",
                "2026-01-01 00:00:00.25x",
                "2026-01-01 00:00:00",
                "2026-01-01 00:00:00,123",
                "2026-01-01T00:00:00.123",
                "2026-01-01T24:00:00Z",
                "2026-01-01T24:00:00.5Z",
                "2026-01-01T00:00:00Q",
                "2026-13-01T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-01-01T00:00:00Z",
                "2100-02-29T00:00:00Z",
                "2000-02-29T00:00:00Z",
            ]
            .map(String::from),
        );
        for s in &stamps {
            let fresh = Timestamp::parse_rfc3339(s);
            let cached = Timestamp::parse_rfc3339_cached(s, &mut cache);
            assert_eq!(cached, fresh, "{s}");
            // The uncached path is the arithmetic itself: check it against from_civil.
            if let Some(t) = fresh.filter(|_| s.ends_with('Z')) {
                let (y, mo, d, h, mi, sec, ns) = t.to_civil();
                assert_eq!(Timestamp::from_civil(y, mo, d, h, mi, sec, ns), Some(t), "{s}");
            }
        }
        assert!(Timestamp::parse_rfc3339_cached("2025-02-29T00:00:00Z", &mut cache).is_none());
        assert!(Timestamp::parse_rfc3339_cached("2024-02-29T00:00:00Z", &mut cache).is_some());
    }

    #[test]
    fn fraction_nanos_is_the_digits_padded_to_nine() {
        for len in 0..=11usize {
            for seed in 0..200u64 {
                let digits: Vec<u8> =
                    (0..len).map(|i| b'0' + ((seed * 7 + i as u64 * 13 + seed / 10 * i as u64) % 10) as u8).collect();
                let want = (1..=9).contains(&len).then(|| {
                    let padded = format!("{:0<9}", std::str::from_utf8(&digits).unwrap());
                    padded.parse::<i64>().unwrap()
                });
                assert_eq!(fraction_nanos(&digits), want, "{digits:?}");
                for at in 0..len {
                    for bad in [b'/', b':', b'a', b' ', 0xC3] {
                        let mut d = digits.clone();
                        d[at] = bad;
                        assert_eq!(fraction_nanos(&d), None, "{d:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn epoch_fast_path_agrees_with_the_general_one() {
        for s in [
            "1795737600.009002",
            "0.1",
            "1.123456789",
            "1.1234567891",
            "-1.5",
            "+1.5",
            "999999999999.5",
            "9223372036.854775807",
            "9223372037.0",
            "1.",
            ".5",
            "1.5x",
        ] {
            let (int, frac) = s.split_once('.').unwrap_or((s, ""));
            let general = int.parse::<i64>().ok().and_then(|secs| {
                let n = parse_fraction(frac)?;
                let n = if int.starts_with('-') { -n } else { n };
                secs.checked_mul(NANOS_PER_SEC)?.checked_add(n).map(Timestamp)
            });
            assert_eq!(Timestamp::from_epoch_str(s), general, "{s}");
        }
    }

    #[test]
    fn bin_matches_kql_floor() {
        let w = 600 * NANOS_PER_SEC;
        let t = Timestamp::parse_rfc3339("2026-11-27T13:19:59.999Z").unwrap();
        assert_eq!(t.bin(w).to_string(), "2026-11-27T13:10:00Z");
        assert_eq!(Timestamp(-1).bin(w).0, -w);
    }
}
