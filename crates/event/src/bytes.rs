//! Byte-slice equality for the short strings compared per record (column names, group-by values,
//! Zeek's `-` markers, cached time digits), without a call to `memcmp`: up to 16 bytes as two
//! overlapping words (or three bytes under 4), longer ones word by word.

/// `a == b`.
#[inline]
pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if b.len() != n {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => w4(a, 0) == w4(b, 0) && w4(a, n - 4) == w4(b, n - 4),
        8..=16 => w8(a, 0) == w8(b, 0) && w8(a, n - 8) == w8(b, n - 8),
        _ => long_eq(a, b),
    }
}

/// The value of `b` when every byte is an ASCII digit (`None` otherwise, and for no bytes):
/// ports, classes, fraction digits, fixed-width time fields. The caller bounds the length (at
/// most 19 digits fit).
#[inline]
pub fn decimal(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let mut v = 0u64;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    Some(v)
}

/// [`bytes_eq`] from 17 bytes on (lengths equal): 8-byte words, the last one overlapping.
fn long_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    let mut at = 0;
    loop {
        if w8(a, at) != w8(b, at) {
            return false;
        }
        if at + 8 == n {
            return true;
        }
        at = (at + 8).min(n - 8);
    }
}

#[inline(always)]
fn w4(s: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([s[i], s[i + 1], s[i + 2], s[i + 3]])
}

#[inline(always)]
fn w8(s: &[u8], i: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&s[i..i + 8]);
    u64::from_le_bytes(w)
}

#[cfg(test)]
mod tests {
    use super::{bytes_eq, decimal};

    /// Digit strings of every length to 19 against `str::parse`, and every byte that is not a
    /// digit at every place (a sign, a space, a dot, a letter, the bytes around `0` and `9`).
    #[test]
    fn decimal_is_the_value_of_all_digit_strings_only() {
        assert_eq!(decimal(b""), None);
        let digits = b"9876543210123456789";
        for len in 1..=digits.len() {
            let d = &digits[..len];
            let want: u64 = std::str::from_utf8(d).unwrap().parse().unwrap();
            assert_eq!(decimal(d), Some(want), "{len}");
            for at in 0..len {
                for bad in [b'+', b'-', b' ', b'.', b'a', b'/', b':', 0x80] {
                    let mut b = d.to_vec();
                    b[at] = bad;
                    assert_eq!(decimal(&b), None, "{len} {at} {bad}");
                }
            }
        }
        assert_eq!(decimal(b"0"), Some(0));
        assert_eq!(decimal(b"00042"), Some(42));
    }

    /// Every length to 40, against `==`: equal slices, one byte changed at each position, and
    /// lengths one apart.
    #[test]
    fn bytes_eq_is_slice_equality() {
        let text: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for len in 0..=text.len() {
            let a = &text[..len];
            assert!(bytes_eq(a, a), "{len}");
            assert!(bytes_eq(a, a.to_vec().as_slice()), "{len}");
            for i in 0..len {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                assert!(!bytes_eq(a, &b), "{len} {i}");
            }
            if len > 0 {
                assert!(!bytes_eq(a, &text[..len - 1]), "{len}");
                assert!(!bytes_eq(&text[..len - 1], a), "{len}");
            }
        }
        let pairs =
            [("uid", "uie"), ("answers", "answerz"), ("-", "("), ("(empty)", "(emptY)"), ("1795737600", "1795737601")];
        for (a, b) in pairs {
            assert_eq!(bytes_eq(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
        }
    }
}
