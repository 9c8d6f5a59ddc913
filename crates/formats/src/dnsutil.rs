//! Small DNS value parsers shared by the sensor formats (Zeek, Suricata, Route 53, CoreDNS, ECS).

use crate::RecordError;
use event::{QType, Rcode, Transport};

/// A transport name as sensors write it (`udp`, `UDP`, `tcp`, `DoH`, `DoT`); `None` if unknown.
pub fn transport(s: &str) -> Option<Transport> {
    // Zeek's spellings, without trimming or case folding.
    match s.as_bytes() {
        b"udp" => return Some(Transport::Udp),
        b"tcp" => return Some(Transport::Tcp),
        _ => {}
    }
    let s = s.trim();
    let eq = |n: &str| s.eq_ignore_ascii_case(n);
    if eq("udp") {
        Some(Transport::Udp)
    } else if eq("tcp") {
        Some(Transport::Tcp)
    } else if eq("tls") || eq("dot") {
        Some(Transport::Tls)
    } else if eq("https") || eq("doh") {
        Some(Transport::Https)
    } else if eq("quic") || eq("doq") {
        Some(Transport::Quic)
    } else {
        None
    }
}

/// A DNS class as a mnemonic (`IN`, `CH`, `HS`, `ANY`, `CLASS3`) or a number.
pub fn qclass(s: &str) -> Option<u16> {
    let s = s.trim();
    if let Ok(n) = s.parse() {
        return Some(n);
    }
    match s.to_ascii_uppercase().as_str() {
        "IN" | "C_INTERNET" => Some(1),
        "CH" | "CHAOS" | "C_CHAOS" => Some(3),
        "HS" | "HESIOD" | "C_HESIOD" => Some(4),
        "NONE" => Some(254),
        "ANY" | "*" => Some(255),
        u => u.strip_prefix("CLASS").and_then(|n| n.parse().ok()),
    }
}

pub fn qtype(field: &'static str, s: &str) -> Result<QType, RecordError> {
    QType::parse(s).ok_or_else(|| RecordError::BadValue { field, value: RecordError::quote(s) })
}

pub fn rcode(field: &'static str, s: &str) -> Result<Rcode, RecordError> {
    Rcode::parse(s).ok_or_else(|| RecordError::BadValue { field, value: RecordError::quote(s) })
}

/// Ports DNS servers listen on: plain DNS, DNS over TLS, mDNS, LLMNR.
pub fn is_dns_port(p: u16) -> bool {
    matches!(p, 53 | 853 | 5353 | 5355)
}

/// Which side of a logged message is the server, from the ports: `Some(true)` if the source port
/// is a DNS port and the destination's is not, `Some(false)` for the reverse, `None` if the ports
/// do not tell.
pub fn source_is_server(src_port: Option<u16>, dst_port: Option<u16>) -> Option<bool> {
    match (src_port.map(is_dns_port), dst_port.map(is_dns_port)) {
        (Some(true), Some(false)) | (Some(true), None) => Some(true),
        (Some(false), Some(true)) | (None, Some(true)) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_transports_and_sides() {
        assert_eq!(qclass("IN"), Some(1));
        assert_eq!(qclass("CLASS3"), Some(3));
        assert_eq!(qclass("bogus"), None);
        assert_eq!(transport("DoH"), Some(Transport::Https));
        assert_eq!(transport("icmp"), None);
        assert_eq!(source_is_server(Some(53), Some(40000)), Some(true));
        assert_eq!(source_is_server(Some(40000), Some(53)), Some(false));
        assert_eq!(source_is_server(Some(53), Some(53)), None);
    }
}
