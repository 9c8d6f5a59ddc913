//! Link layers of captured packets (tcpdump.org LINKTYPE_* list): Ethernet with 802.1Q/802.1ad
//! VLAN tags, Linux cooked capture v1 (SLL) and v2 (SLL2), raw IP (LINKTYPE_RAW, and the
//! LINKTYPE_IPV4/IPV6 pair), and BSD loopback (NULL, host byte order; LOOP, network order).
//! Only IPv4 and IPv6 payloads are returned; anything else (ARP, LLDP, ...) is `None`.

/// A link-layer decoding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("truncated {0} header")]
    Truncated(&'static str),
    #[error("unsupported link type {0}")]
    Unsupported(u32),
    #[error("more than {MAX_VLAN_TAGS} VLAN tags")]
    TooManyTags,
}

pub const ETHERNET: u32 = 1;
pub const NULL: u32 = 0;
pub const RAW: u32 = 101;
pub const LOOP: u32 = 108;
pub const LINUX_SLL: u32 = 113;
pub const IPV4: u32 = 228;
pub const IPV6: u32 = 229;
pub const LINUX_SLL2: u32 = 276;
pub const MAX_VLAN_TAGS: usize = 4;

/// The network-layer packet inside a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network<'a> {
    V4(&'a [u8]),
    V6(&'a [u8]),
}

fn by_ethertype(et: u16, p: &[u8]) -> Option<Network<'_>> {
    match et {
        0x0800 => Some(Network::V4(p)),
        0x86dd => Some(Network::V6(p)),
        _ => None,
    }
}

fn by_version(p: &[u8]) -> Option<Network<'_>> {
    match p.first()? >> 4 {
        4 => Some(Network::V4(p)),
        6 => Some(Network::V6(p)),
        _ => None,
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Strips the link layer of `linktype` from `frame`.
pub fn network(linktype: u32, frame: &[u8]) -> Result<Option<Network<'_>>, LinkError> {
    match linktype {
        ETHERNET => {
            if frame.len() < 14 {
                return Err(LinkError::Truncated("Ethernet"));
            }
            let mut et = be16(frame, 12);
            let mut pos = 14;
            let mut tags = 0;
            while matches!(et, 0x8100 | 0x88a8 | 0x9100) {
                tags += 1;
                if tags > MAX_VLAN_TAGS {
                    return Err(LinkError::TooManyTags);
                }
                if frame.len() < pos + 4 {
                    return Err(LinkError::Truncated("802.1Q"));
                }
                et = be16(frame, pos + 2);
                pos += 4;
            }
            Ok(by_ethertype(et, &frame[pos..]))
        }
        LINUX_SLL => {
            if frame.len() < 16 {
                return Err(LinkError::Truncated("Linux cooked (SLL)"));
            }
            Ok(by_ethertype(be16(frame, 14), &frame[16..]))
        }
        LINUX_SLL2 => {
            if frame.len() < 20 {
                return Err(LinkError::Truncated("Linux cooked (SLL2)"));
            }
            Ok(by_ethertype(be16(frame, 0), &frame[20..]))
        }
        RAW | IPV4 | IPV6 | 12 | 14 => Ok(by_version(frame)),
        NULL | LOOP => {
            let h = frame.get(..4).ok_or(LinkError::Truncated("loopback"))?;
            let family = if linktype == LOOP { u32::from_be_bytes([h[0], h[1], h[2], h[3]]) } else { host_family(h) };
            Ok(match family {
                2 => Some(Network::V4(&frame[4..])),
                24 | 28 | 30 => Some(Network::V6(&frame[4..])),
                _ => None,
            })
        }
        other => Err(LinkError::Unsupported(other)),
    }
}

/// The NULL link type writes the address family in the capturing host's byte order: small
/// values tell which.
fn host_family(h: &[u8]) -> u32 {
    let le = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
    if le < 256 {
        le
    } else {
        u32::from_be_bytes([h[0], h[1], h[2], h[3]])
    }
}
