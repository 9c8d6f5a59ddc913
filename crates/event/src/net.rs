//! IP networks: CIDR matching shared by rules (`|cidr`) and tuning (allow-lists).

use crate::parse_ip;
use std::net::{IpAddr, Ipv4Addr};

/// An IPv4 or IPv6 network. Addresses are canonicalised, so an IPv4-mapped IPv6 address
/// (`::ffff:10.1.2.3`) is inside the IPv4 network that holds its IPv4 address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Parses `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a host network); addresses as
    /// [`parse_ip`] reads them (`[v6]`, zone suffixes).
    pub fn parse(s: &str) -> Option<IpNet> {
        let s = s.trim();
        let (a, p) = s.split_once('/').map_or((s, None), |(a, p)| (a, Some(p)));
        let addr = parse_ip(a)?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max)?,
        };
        Some(IpNet { addr, prefix })
    }

    /// The network address (canonical: IPv4 for an IPv4-mapped network).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Appends `ip` as `Display` writes it (`10.0.2.1`), without the formatting machinery (which
/// costs ~300 instructions per address on the rules' hot path): each octet's digits and dot
/// come from a table, four bytes at a time.
pub(crate) fn push_ipv4(out: &mut String, ip: Ipv4Addr) {
    // Room for four 4-byte writes; the last octet's dot is dropped.
    let mut b = [0u8; 16];
    let mut n = 0;
    for o in ip.octets() {
        let (text, len) = OCTETS[usize::from(o)];
        b[n..n + 4].copy_from_slice(&text);
        n += usize::from(len);
    }
    // ASCII digits and dots only.
    out.push_str(std::str::from_utf8(&b[..n - 1]).unwrap_or_default());
}

/// Per octet value: its decimal digits followed by a dot (zero-padded to 4 bytes), and the
/// length of digits and dot.
const OCTETS: [([u8; 4], u8); 256] = {
    let mut t = [([0u8; 4], 0u8); 256];
    let mut o = 0;
    while o < 256 {
        let d = [b'0' + (o / 100) as u8, b'0' + (o / 10 % 10) as u8, b'0' + (o % 10) as u8];
        t[o] = match o {
            0..=9 => ([d[2], b'.', 0, 0], 2),
            10..=99 => ([d[1], d[2], b'.', 0], 3),
            _ => ([d[0], d[1], d[2], b'.'], 4),
        };
        o += 1;
    }
    t
};

/// Appends an IPv6 address as std's `Display` writes it (RFC 5952: lower-case hex, the first
/// longest run of two or more zero groups as `::`, `::ffff:a.b.c.d` for IPv4-mapped addresses),
/// without the formatting machinery.
pub(crate) fn push_ipv6(buf: &mut String, a: std::net::Ipv6Addr) {
    if let Some(v4) = a.to_ipv4_mapped() {
        buf.push_str("::ffff:");
        push_ipv4(buf, v4);
        return;
    }
    let seg = a.segments();
    let (mut best, mut best_len, mut cur, mut cur_len) = (0, 0, 0, 0);
    for (i, &s) in seg.iter().enumerate() {
        if s == 0 {
            if cur_len == 0 {
                cur = i;
            }
            cur_len += 1;
            if cur_len > best_len {
                (best, best_len) = (cur, cur_len);
            }
        } else {
            cur_len = 0;
        }
    }
    let hex = |buf: &mut String, part: &[u16]| {
        for (i, &s) in part.iter().enumerate() {
            if i > 0 {
                buf.push(':');
            }
            let digits = if s == 0 { 1 } else { 4 - s.leading_zeros() as usize / 4 };
            for d in (0..digits).rev() {
                buf.push(char::from(b"0123456789abcdef"[usize::from(s >> (4 * d) & 0xf)]));
            }
        }
    };
    if best_len > 1 {
        hex(buf, &seg[..best]);
        buf.push_str("::");
        hex(buf, &seg[best + best_len..]);
    } else {
        hex(buf, &seg);
    }
}

/// Dotted-quad IPv4 exactly as std's parser accepts it (four decimal octets of one to three
/// digits, no leading zeros, each at most 255), without its general machinery; `None` for
/// anything else, which callers then hand to the general parser.
pub(crate) fn parse_ipv4_fast(b: &[u8]) -> Option<Ipv4Addr> {
    if b.len() < 7 || b.len() > 15 {
        return None;
    }
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (n, o) in octets.iter_mut().enumerate() {
        if n > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let start = i;
        let mut v = 0u32;
        while i < b.len() && i - start < 3 && b[i].is_ascii_digit() {
            v = v * 10 + u32::from(b[i] - b'0');
            i += 1;
        }
        let len = i - start;
        if len == 0 || v > 255 || (len > 1 && b[start] == b'0') {
            return None;
        }
        *o = v as u8;
    }
    (i == b.len()).then(|| Ipv4Addr::from(octets))
}

#[cfg(test)]
mod tests {
    use super::{parse_ipv4_fast, push_ipv4, push_ipv6, IpNet};
    use std::net::Ipv4Addr;

    #[test]
    fn push_ipv4_is_display() {
        let mut s = String::from("x");
        // Every octet value in every position.
        for a in 0..=255u8 {
            for b in [0u8, 7, 10, 64, 100, 255] {
                for ip in [Ipv4Addr::new(a, b, 255 - b, a.wrapping_mul(7)), Ipv4Addr::new(b, a, b, a)] {
                    s.truncate(1);
                    push_ipv4(&mut s, ip);
                    assert_eq!(s, format!("x{ip}"));
                }
            }
        }
    }

    #[test]
    fn fast_ipv4_agrees_with_std() {
        let cases = [
            "10.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "1.2.3.4",
            "192.0.2.100",
            "256.1.1.1",
            "01.2.3.4",
            "1.2.3",
            "1.2.3.4.5",
            "1..3.4",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.04",
            "1.2.3.1000",
            "1.2.3.",
            ".1.2.3",
            "a.b.c.d",
            "1.2.3.4%eth0",
            "1.2.3.-4",
            "1.2.3.+4",
            "99.99.99.99",
            "199.199.199.199",
            "100.200.250.255",
            "00.1.2.3",
            "0.0.0.00",
            "1.2.3.4.",
            "1.2.3.0255",
            "255.255.255.256",
            "1.2.3.4..",
            "1.2.3..",
            "0.0.0.0.0",
            "10.0.0.1/",
            "1.2.3.4\u{e9}",
        ];
        for c in cases {
            let fast = parse_ipv4_fast(c.as_bytes());
            let std = c.parse::<Ipv4Addr>().ok();
            assert!(fast.is_none() || fast == std, "{c}: {fast:?} vs {std:?}");
            if c.len() <= 15 && c.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                assert_eq!(fast, std, "{c}");
            }
        }
        for n in (0..=u32::MAX).step_by(7_919_993) {
            let s = Ipv4Addr::from(n).to_string();
            assert_eq!(parse_ipv4_fast(s.as_bytes()), Some(Ipv4Addr::from(n)), "{s}");
        }
    }

    #[test]
    fn networks_v4_v6_mapped_and_bad_input() {
        let n = IpNet::parse("198.51.100.0/24").unwrap();
        assert!(n.contains("198.51.100.77".parse().unwrap()));
        assert!(n.contains("::ffff:198.51.100.77".parse().unwrap()));
        assert!(!n.contains("198.51.101.1".parse().unwrap()));
        assert!(IpNet::parse("2001:db8::/32").unwrap().contains("2001:db8:1::5".parse().unwrap()));
        assert!(IpNet::parse("0.0.0.0/0").unwrap().contains("203.0.113.1".parse().unwrap()));
        assert!(IpNet::parse("[2001:db8::1]").unwrap().contains("2001:db8::1".parse().unwrap()));
        assert!(IpNet::parse("::ffff:10.0.0.0/8").is_some_and(|n| n.contains("10.1.2.3".parse().unwrap())));
        assert!(IpNet::parse("10.0.0.0/33").is_none());
        assert!(IpNet::parse("nope").is_none());
    }

    #[test]
    fn ipv6_text_is_what_display_writes() {
        let mut samples: Vec<std::net::Ipv6Addr> = [
            "::",
            "::1",
            "1::",
            "2001:db8::1",
            "2001:db8:0:0:1:0:0:1",
            "::ffff:10.1.2.3",
            "::10.1.2.3",
            "fe80::1:0:0:0",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        // Every pattern of zero and non-zero groups, with values of each hex width.
        for mask in 0u32..256 {
            for width in [0x1u16, 0x2a, 0x3ff, 0xbeef] {
                let seg: [u16; 8] = std::array::from_fn(|i| if mask >> i & 1 == 1 { width } else { 0 });
                samples.push(seg.into());
            }
        }
        let mut buf = String::new();
        for a in samples {
            buf.clear();
            push_ipv6(&mut buf, a);
            assert_eq!(buf, a.to_string());
        }
    }
}
