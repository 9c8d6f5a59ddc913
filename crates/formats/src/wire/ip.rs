//! IPv4 (RFC 791) and IPv6 (RFC 8200) headers, and the UDP (RFC 768) and TCP (RFC 9293)
//! headers above them, checked against the captured bytes.
//!
//! Quirks: the IPv4 total length / IPv6 payload length bound the payload, so Ethernet padding is
//! dropped; a capture shorter than the IP length (snaplen) is an error; fragments (IPv4 MF or
//! offset, IPv6 Fragment header) are reported as [`IpError::Fragment`] since they are not
//! reassembled; IPv6 extension headers (hop-by-hop, routing, destination options, AH) are
//! walked, at most [`MAX_EXT_HEADERS`]; checksums are not verified (capture offload makes them
//! unreliable on the sending host).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub const MAX_EXT_HEADERS: usize = 8;
pub const PROTO_TCP: u8 = 6;
pub const PROTO_UDP: u8 = 17;

/// Why an IP packet could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IpError {
    #[error("truncated {0}")]
    Truncated(&'static str),
    #[error("bad {0}")]
    Bad(&'static str),
    #[error("IP fragment (not reassembled)")]
    Fragment,
}

/// A transport segment: addresses, ports and payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub sport: u16,
    pub dport: u16,
    pub tcp: Option<TcpInfo>,
    pub payload: &'a [u8],
}

/// The TCP header fields reassembly needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpInfo {
    pub seq: u32,
    pub syn: bool,
    pub fin: bool,
    pub rst: bool,
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Decodes an IPv4 packet down to UDP/TCP; `Ok(None)` for other protocols.
pub fn ipv4(p: &[u8]) -> Result<Option<Segment<'_>>, IpError> {
    if p.len() < 20 {
        return Err(IpError::Truncated("IPv4 header"));
    }
    if p[0] >> 4 != 4 {
        return Err(IpError::Bad("IPv4 version"));
    }
    let ihl = usize::from(p[0] & 0xf) * 4;
    let total = usize::from(be16(p, 2));
    if ihl < 20 || total < ihl {
        return Err(IpError::Bad("IPv4 header length"));
    }
    if p.len() < total {
        return Err(IpError::Truncated("IPv4 packet (capture shorter than total length)"));
    }
    let frag = be16(p, 6);
    if frag & 0x2000 != 0 || frag & 0x1fff != 0 {
        return Err(IpError::Fragment);
    }
    let src = IpAddr::V4(Ipv4Addr::new(p[12], p[13], p[14], p[15]));
    let dst = IpAddr::V4(Ipv4Addr::new(p[16], p[17], p[18], p[19]));
    transport(p[9], src, dst, &p[ihl..total])
}

/// Decodes an IPv6 packet down to UDP/TCP; `Ok(None)` for other protocols.
pub fn ipv6(p: &[u8]) -> Result<Option<Segment<'_>>, IpError> {
    if p.len() < 40 {
        return Err(IpError::Truncated("IPv6 header"));
    }
    if p[0] >> 4 != 6 {
        return Err(IpError::Bad("IPv6 version"));
    }
    let plen = usize::from(be16(p, 4));
    if plen == 0 {
        return Err(IpError::Bad("IPv6 payload length 0 (jumbogram)"));
    }
    if p.len() < 40 + plen {
        return Err(IpError::Truncated("IPv6 packet (capture shorter than payload length)"));
    }
    let mut a = [0u8; 16];
    a.copy_from_slice(&p[8..24]);
    let src = IpAddr::V6(Ipv6Addr::from(a));
    a.copy_from_slice(&p[24..40]);
    let dst = IpAddr::V6(Ipv6Addr::from(a));
    let mut next = p[6];
    let mut rest = &p[40..40 + plen];
    for _ in 0..=MAX_EXT_HEADERS {
        let len = match next {
            0 | 43 | 60 => (usize::from(*rest.get(1).ok_or(IpError::Truncated("IPv6 extension header"))?) + 1) * 8,
            51 => (usize::from(*rest.get(1).ok_or(IpError::Truncated("IPv6 AH header"))?) + 2) * 4,
            44 => return Err(IpError::Fragment),
            _ => return transport(next, src, dst, rest),
        };
        if rest.len() < len {
            return Err(IpError::Truncated("IPv6 extension header"));
        }
        next = rest[0];
        rest = &rest[len..];
    }
    Err(IpError::Bad("IPv6 extension header chain too long"))
}

fn transport(proto: u8, src: IpAddr, dst: IpAddr, p: &[u8]) -> Result<Option<Segment<'_>>, IpError> {
    match proto {
        PROTO_UDP => {
            if p.len() < 8 {
                return Err(IpError::Truncated("UDP header"));
            }
            let len = usize::from(be16(p, 4));
            if len < 8 || len > p.len() {
                return Err(IpError::Bad("UDP length"));
            }
            Ok(Some(Segment { src, dst, sport: be16(p, 0), dport: be16(p, 2), tcp: None, payload: &p[8..len] }))
        }
        PROTO_TCP => {
            if p.len() < 20 {
                return Err(IpError::Truncated("TCP header"));
            }
            let off = usize::from(p[12] >> 4) * 4;
            if off < 20 || off > p.len() {
                return Err(IpError::Bad("TCP data offset"));
            }
            let flags = p[13];
            let info = TcpInfo {
                seq: u32::from_be_bytes([p[4], p[5], p[6], p[7]]),
                syn: flags & 0x02 != 0,
                fin: flags & 0x01 != 0,
                rst: flags & 0x04 != 0,
            };
            Ok(Some(Segment { src, dst, sport: be16(p, 0), dport: be16(p, 2), tcp: Some(info), payload: &p[off..] }))
        }
        _ => Ok(None),
    }
}
