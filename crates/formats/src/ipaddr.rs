//! IP addresses as logs write them, the plain forms first: a dotted quad or plain IPv6 hex groups
//! are read in one tight pass; anything else (brackets, zones, embedded IPv4, spaces) goes to
//! [`event::parse_ip`], which gives the answers. The fast readers accept exactly what std's
//! parser accepts for those forms, with the same address (checked against it in the tests).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// [`event::parse_ip`]'s answer, faster for the plain forms. Out of line: BIND's line parser
/// calls it for what is not a dotted quad, where inlining it costs more than it saves.
#[inline(never)]
pub(crate) fn parse_ip(s: &str) -> Option<IpAddr> {
    parse_ip_inline(s)
}

/// [`parse_ip`] inlined, with the rest out of line: a dotted quad costs no call. For columns of
/// mostly dotted quads (DnsEvents `ClientIP`, Zeek `id.orig_h`).
#[inline]
pub(crate) fn parse_ip_inline(s: &str) -> Option<IpAddr> {
    match ipv4(s.as_bytes()) {
        Some(v4) => Some(IpAddr::V4(v4)),
        None => parse_ip_not_v4(s),
    }
}

/// [`parse_ip`] for anything but a plain dotted quad.
#[inline(never)]
fn parse_ip_not_v4(s: &str) -> Option<IpAddr> {
    if let Some(v6) = ipv6(s.as_bytes()) {
        return Some(IpAddr::V6(v6));
    }
    event::parse_ip(s)
}

/// A dotted quad of decimal octets (one to three digits, no leading zero, at most 255); `None`
/// for anything else.
#[inline]
fn ipv4(b: &[u8]) -> Option<Ipv4Addr> {
    quad(b).filter(|&(_, end)| end == b.len()).map(|(a, _)| a)
}

/// A dotted quad at the front of `b`, up to the first byte that is neither a digit nor a dot,
/// and that offset: what [`ipv4`] gives for `b[..offset]`.
///
/// A dotted quad is 7 to 15 bytes, so the first 16 bytes decide: read from a fixed-size copy,
/// where no offset needs a bounds check.
pub(crate) fn ipv4_prefix(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    quad(b)
}

/// [`ipv4_prefix`] inlined: [`ipv4`]'s callers (one column each) gain by it, BIND's line reader
/// (two calls in a long function) loses.
#[inline(always)]
fn quad(b: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let w = window(b)?;
    let (a, i) = octet(&w, 0, b'.')?;
    let (o2, i) = octet(&w, i + 1, b'.')?;
    let (o3, i) = octet(&w, i + 1, b'.')?;
    // Not followed by a dot (nor by a fourth digit: `octet` never ends at a digit).
    let (o4, i) = octet(&w, i + 1, 0).filter(|&(_, i)| w[i & 15] != b'.')?;
    Some((Ipv4Addr::from(a << 24 | o2 << 16 | o3 << 8 | o4), i))
}

/// The first 16 bytes of `b`, zeros past its end (a zero is neither a digit nor a dot: it ends an
/// address as the end of `b` does). A short `b` is read as two overlapping words, not byte by
/// byte. `None` when `b` is too short to hold a dotted quad.
///
/// No read of a dotted quad goes past offset 15 (its last octet starts at 12 at the latest, and
/// the byte after it is at 15 at the latest), so the readers below index with `& 15`, which
/// never changes an offset they read and spares the bounds checks.
#[inline(always)]
fn window(b: &[u8]) -> Option<[u8; 16]> {
    let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
    let half = |i: usize| u64::from(u32::from_le_bytes(b[i..i + 4].try_into().unwrap()));
    let (lo, hi) = match b.len() {
        16.. => return Some(b[..16].try_into().unwrap()),
        n @ 9..=15 => (word(0), word(n - 8) >> (8 * (16 - n))),
        n @ 7..=8 => (half(0) | half(n - 4) << (8 * (n - 4)), 0),
        _ => return None,
    };
    Some((u128::from(hi) << 64 | u128::from(lo)).to_le_bytes())
}

/// One octet at `i` (one to three digits, no leading zero, at most 255) and the offset of the
/// byte after it, which is never a digit, and which is `sep` when `sep` is a dot. The byte that
/// ends a short octet is the one already read to see it is not a digit: testing it for the dot
/// here costs no second read (the last octet, `sep` 0, leaves its test to the caller).
#[inline(always)]
fn octet(w: &[u8; 16], i: usize, sep: u8) -> Option<(u32, usize)> {
    let d = |k: usize| u32::from(w[k & 15].wrapping_sub(b'0'));
    let ends = |k: usize| sep == 0 || w[k & 15] == sep;
    let d0 = d(i);
    if d0 > 9 {
        return None;
    }
    let d1 = d(i + 1);
    if d1 > 9 {
        return ends(i + 1).then_some((d0, i + 1));
    }
    if d0 == 0 {
        return None;
    }
    let d2 = d(i + 2);
    if d2 > 9 {
        return ends(i + 2).then_some((d0 * 10 + d1, i + 2));
    }
    let v = d0 * 100 + d1 * 10 + d2;
    (v <= 255 && d(i + 3) > 9 && ends(i + 3)).then_some((v, i + 3))
}

/// Plain IPv6: up to eight groups of one to four hex digits split by `:`, at most one `::`
/// standing for one or more zero groups; `None` for anything else (also for forms std accepts
/// that are left to it: embedded IPv4, zones, brackets).
fn ipv6(b: &[u8]) -> Option<Ipv6Addr> {
    if b.len() < 2 || b.len() > 39 {
        return None;
    }
    let mut groups = [0u16; 8];
    let mut n = 0; // groups read
    let mut gap: Option<usize> = None; // where `::` is, in groups
    let mut i = 0;
    if b[0] == b':' {
        if b[1] != b':' {
            return None;
        }
        gap = Some(0);
        i = 2;
        if i == b.len() {
            return Some(Ipv6Addr::UNSPECIFIED);
        }
    }
    loop {
        // One group.
        let mut v = 0u32;
        let start = i;
        while i < b.len() && i - start < 4 {
            let d = match b[i] {
                c @ b'0'..=b'9' => c - b'0',
                c @ b'a'..=b'f' => c - b'a' + 10,
                c @ b'A'..=b'F' => c - b'A' + 10,
                _ => break,
            };
            v = v << 4 | u32::from(d);
            i += 1;
        }
        if i == start || n == 8 {
            return None;
        }
        groups[n] = v as u16;
        n += 1;
        if i == b.len() {
            break;
        }
        if b[i] != b':' {
            return None;
        }
        i += 1;
        if i < b.len() && b[i] == b':' {
            if gap.is_some() {
                return None;
            }
            gap = Some(n);
            i += 1;
            if i == b.len() {
                break;
            }
        } else if i == b.len() {
            return None;
        }
    }
    match gap {
        None if n == 8 => Some(Ipv6Addr::from(groups)),
        Some(at) if n < 8 => {
            let mut out = [0u16; 8];
            out[..at].copy_from_slice(&groups[..at]);
            out[8 - (n - at)..].copy_from_slice(&groups[at..n]);
            Some(Ipv6Addr::from(out))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast readers never disagree with `event::parse_ip` (std): same answer when they answer.
    fn check(s: &str) {
        let want = event::parse_ip(s);
        assert_eq!(parse_ip(s), want, "{s:?}");
        if let Some(v4) = ipv4(s.as_bytes()) {
            assert_eq!(Some(IpAddr::V4(v4)), want, "{s:?}");
        }
        // The prefix reader: the address of the digits and dots in front, when they are one.
        let b = s.as_bytes();
        let end = b.iter().position(|c| !c.is_ascii_digit() && *c != b'.').unwrap_or(b.len());
        let want_prefix = match event::parse_ip(&s[..end]) {
            Some(IpAddr::V4(a)) => Some((a, end)),
            _ => None,
        };
        assert_eq!(ipv4_prefix(b), want_prefix, "{s:?}");
        if let Some(v6) = ipv6(s.as_bytes()) {
            assert_eq!(Some(IpAddr::V6(v6)), want, "{s:?}");
        }
    }

    #[test]
    fn plain_forms_are_read_fast() {
        for s in ["10.0.2.1", "255.255.255.255", "0.0.0.0", "2001:db8:1::470", "::", "::1", "1::", "fe80::1:0:0:0"] {
            assert!(ipv4(s.as_bytes()).is_some() || ipv6(s.as_bytes()).is_some(), "{s}");
            check(s);
        }
        for s in ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "ABCD:ef01::", "0000:0:00:000::"] {
            assert!(ipv6(s.as_bytes()).is_some(), "{s}");
            check(s);
        }
    }

    #[test]
    fn agrees_with_std_on_edge_cases() {
        let cases = [
            "",
            ".",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.04",
            "0.0.0.00",
            "256.1.1.1",
            "1.2.3.256",
            "1..3.4",
            "1.2.3.4.",
            ".1.2.3",
            "1.2.3.1000",
            "1.2.3.0255",
            "99.99.99.99",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.4%x",
            "[::1]",
            "::ffff:1.2.3.4",
            "::1.2.3.4",
            "fe80::1%eth0",
            ":",
            ":::",
            "1:::2",
            "1::2::3",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7:8::",
            "::1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7",
            "12345::",
            "1:",
            ":1",
            "1::2:",
            "g::",
            "1:2:3:4:5:6:7:8:",
            "0x1::",
            "+1::",
            "1.2.3.4:5",
            "2001:db8::7#53",
            "10.0.2.1#5",
            "10.0.1.53)",
            "1.2.3.4#",
            "1.2.3.45)",
            "٣.1.1.1",
            "1.2.3.\u{e9}",
        ];
        for c in cases {
            check(c);
        }
    }

    /// Every text of one to three digits (valid octets, leading zeros, values past 255) in each of
    /// the four places, with each kind of byte after the address.
    #[test]
    fn agrees_with_std_on_every_octet_text_in_every_place() {
        let tails = ["", "#", ")", ".", "0", "9", "x", " ", ".1", "\u{e9}"];
        let texts = (0..1000).flat_map(|n| [format!("{n}"), format!("{n:02}"), format!("{n:03}")]);
        for t in texts.filter(|t| t.len() <= 3) {
            for place in 0..4 {
                let mut parts = ["7", "25", "199", "3"];
                parts[place] = &t;
                for tail in tails {
                    check(&format!("{}{tail}", parts.join(".")));
                }
            }
        }
    }

    /// Every length from 0 to 20, cut from addresses and from runs of digits and dots.
    #[test]
    fn agrees_with_std_at_every_cut() {
        for full in ["255.255.255.255.255", "1.2.3.4#53 (x)", "100.20.3.45)  ", "9.99.199.255999", "1..2.3.4.5.6.7.8"] {
            let padded = format!("{full:0<20}");
            for len in 0..=20 {
                check(&padded[..len]);
                check(&full[..len.min(full.len())]);
            }
        }
    }

    /// A seeded generator of numbers below its argument.
    fn below(mut seed: u64) -> impl FnMut(u64) -> u64 {
        move |n| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % n
        }
    }

    /// The reader looks at the first 16 bytes, read in three ways by length (7–8, 9–15, 16 and
    /// more): every length from 0 to past 16, and what follows the address, goes through each.
    #[test]
    fn agrees_with_std_at_every_length_and_tail() {
        let mut next = below(8);
        let tails =
            ["", "#", ")", ".", "0", "9", "x", " ", "#55201 (a.example): query", ").", "\u{e9}", "0000000000000000"];
        let mut s = String::new();
        for round in 0..200_000 {
            s.clear();
            if round % 2 == 0 {
                let a = Ipv4Addr::from(next(1 << 32) as u32 >> next(32));
                s.push_str(&a.to_string());
            } else {
                for _ in 0..next(18) {
                    s.push(char::from(b"0123456789.."[next(12) as usize]));
                }
            }
            s.push_str(tails[next(tails.len() as u64) as usize]);
            check(&s);
        }
    }

    #[test]
    fn agrees_with_std_on_random_strings() {
        let mut next = below(1590);
        let v4: &[u8] = b"0123456789..";
        let v6: &[u8] = b"0123456789abcdefABCDEF::::.";
        let mut s = String::new();
        for round in 0..400_000 {
            s.clear();
            let alphabet = if round % 2 == 0 { v4 } else { v6 };
            let len = next(if round % 2 == 0 { 17 } else { 42 });
            for _ in 0..len {
                s.push(char::from(alphabet[next(alphabet.len() as u64) as usize]));
            }
            check(&s);
        }
        // Real addresses and their one-byte mutations.
        for _ in 0..20_000 {
            let a: IpAddr = if next(2) == 0 {
                Ipv4Addr::from(next(1 << 32) as u32).into()
            } else {
                let seg: [u16; 8] = std::array::from_fn(|_| if next(3) == 0 { 0 } else { next(1 << 16) as u16 });
                Ipv6Addr::from(seg).into()
            };
            let text = a.to_string();
            check(&text);
            check(&text.to_uppercase());
            let b = text.as_bytes();
            let at = next(b.len() as u64) as usize;
            for c in [b'0', b'1', b'9', b'f', b'.', b':', b'x'] {
                let mut m = b.to_vec();
                m[at] = c;
                check(std::str::from_utf8(&m).unwrap());
                m.insert(at, c);
                check(std::str::from_utf8(&m).unwrap());
                m.remove(at);
                m.remove(at);
                check(std::str::from_utf8(&m).unwrap());
            }
        }
    }
}
