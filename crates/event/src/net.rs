//! IP networks: CIDR matching shared by rules (`|cidr`) and tuning (allow-lists).

use crate::parse_ip;
use std::net::IpAddr;

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

#[cfg(test)]
mod tests {
    use super::IpNet;

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
}
