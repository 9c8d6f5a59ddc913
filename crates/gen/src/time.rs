//! Time stamps as each format writes them, from nanoseconds since the Unix epoch (UTC).

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Civil date of a day count since 1970-01-01 (H. Hinnant's algorithm).
pub fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn split(ns: i64) -> (i64, u32, u32, u32, u32) {
    let secs = ns.div_euclid(1_000_000_000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let ms = (ns.rem_euclid(1_000_000_000) / 1_000_000) as u32;
    (days, sod / 3600, sod / 60 % 60, sod % 60, ms)
}

/// `2026-11-27T13:14:15.123Z`
pub fn rfc3339(ns: i64, out: &mut String) {
    use std::fmt::Write;
    let (days, h, mi, s, ms) = split(ns);
    let (y, m, d) = civil(days);
    let _ = write!(out, "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{ms:03}Z");
}

/// BIND `print-time`: `27-Nov-2026 13:14:15.123`
pub fn bind(ns: i64, out: &mut String) {
    use std::fmt::Write;
    let (days, h, mi, s, ms) = split(ns);
    let (y, m, d) = civil(days);
    let mon = MONTHS[(m - 1) as usize];
    let _ = write!(out, "{d:02}-{mon}-{y:04} {h:02}:{mi:02}:{s:02}.{ms:03}");
}

/// Epoch seconds with `digits` decimals (Zeek: 6, auditd: 3).
pub fn epoch(ns: i64, digits: u32, out: &mut String) {
    use std::fmt::Write;
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000) / 10i64.pow(9 - digits);
    let _ = write!(out, "{secs}.{frac:0w$}", w = digits as usize);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_one_instant_each_way() {
        let ns = (days_from_civil(2026, 11, 27) * 86_400 + 13 * 3600 + 14 * 60 + 15) * 1_000_000_000 + 123_456_789;
        let mut s = String::new();
        rfc3339(ns, &mut s);
        assert_eq!(s, "2026-11-27T13:14:15.123Z");
        s.clear();
        bind(ns, &mut s);
        assert_eq!(s, "27-Nov-2026 13:14:15.123");
        s.clear();
        epoch(ns, 6, &mut s);
        assert_eq!(s, "1795785255.123456");
        s.clear();
        epoch(ns, 3, &mut s);
        assert_eq!(s, "1795785255.123");
        assert_eq!(civil(days_from_civil(2024, 2, 29)), (2024, 2, 29));
    }
}
