//! Test-only encoders: DNS messages (RFC 1035), Frame Streams files, and pcap files with
//! Ethernet/IPv4/IPv6/UDP/TCP framing. Shared by the tests and the bench (via `#[path]`).
#![allow(dead_code)]

use formats::wire::fstrm;
use std::net::IpAddr;

pub const QR: u16 = 0x8000;
pub const AA: u16 = 0x0400;
pub const RD: u16 = 0x0100;

/// A resource record to encode; `name = None` compresses to the question name (pointer 0xc00c).
pub struct Rr {
    pub name: Option<String>,
    pub rtype: u16,
    pub rdata: Vec<u8>,
}

pub fn name(out: &mut Vec<u8>, n: &str) {
    for label in n.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
        out.push(label.len() as u8);
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
}

pub fn soa_rdata(serial: u32) -> Vec<u8> {
    let mut r = Vec::new();
    name(&mut r, "ns1.example.test");
    name(&mut r, "hostmaster.example.test");
    for v in [serial, 3600, 600, 86400, 300] {
        r.extend_from_slice(&v.to_be_bytes());
    }
    r
}

pub fn a(ip: [u8; 4]) -> Rr {
    Rr { name: None, rtype: 1, rdata: ip.to_vec() }
}

pub fn soa(serial: u32) -> Rr {
    Rr { name: None, rtype: 6, rdata: soa_rdata(serial) }
}

/// Encodes a message with an optional question and the given answers.
pub fn message(id: u16, flags: u16, question: Option<(&str, u16)>, answers: &[Rr]) -> Vec<u8> {
    let mut m = Vec::with_capacity(64);
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&flags.to_be_bytes());
    m.extend_from_slice(&u16::from(question.is_some()).to_be_bytes());
    m.extend_from_slice(&(answers.len() as u16).to_be_bytes());
    m.extend_from_slice(&[0, 0, 0, 0]);
    if let Some((q, t)) = question {
        name(&mut m, q);
        m.extend_from_slice(&t.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
    }
    for rr in answers {
        match &rr.name {
            Some(n) => name(&mut m, n),
            None if question.is_some() => m.extend_from_slice(&[0xc0, 12]),
            None => name(&mut m, "example.test"),
        }
        m.extend_from_slice(&rr.rtype.to_be_bytes());
        m.extend_from_slice(&1u16.to_be_bytes());
        m.extend_from_slice(&300u32.to_be_bytes());
        m.extend_from_slice(&(rr.rdata.len() as u16).to_be_bytes());
        m.extend_from_slice(&rr.rdata);
    }
    m
}

/// A Frame Streams file of dnstap frames.
pub fn fstrm_file(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = fstrm::control_frame(fstrm::CONTROL_START, Some(fstrm::DNSTAP_CONTENT_TYPE));
    for f in frames {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f);
    }
    out.extend_from_slice(&fstrm::control_frame(fstrm::CONTROL_STOP, None));
    out
}

pub const TCP_SYN: u8 = 0x02;
pub const TCP_ACK: u8 = 0x10;
pub const TCP_FIN: u8 = 0x01;
pub const TCP_PSH: u8 = 0x08;

/// Transport of a generated packet.
pub enum L4<'a> {
    Udp(&'a [u8]),
    Tcp { seq: u32, flags: u8, payload: &'a [u8] },
}

fn l4_bytes(sport: u16, dport: u16, l4: &L4<'_>) -> (u8, Vec<u8>) {
    match l4 {
        L4::Udp(p) => {
            let mut u = Vec::with_capacity(8 + p.len());
            u.extend_from_slice(&sport.to_be_bytes());
            u.extend_from_slice(&dport.to_be_bytes());
            u.extend_from_slice(&((8 + p.len()) as u16).to_be_bytes());
            u.extend_from_slice(&[0, 0]);
            u.extend_from_slice(p);
            (17, u)
        }
        L4::Tcp { seq, flags, payload } => {
            let mut t = Vec::with_capacity(20 + payload.len());
            t.extend_from_slice(&sport.to_be_bytes());
            t.extend_from_slice(&dport.to_be_bytes());
            t.extend_from_slice(&seq.to_be_bytes());
            t.extend_from_slice(&0u32.to_be_bytes());
            t.extend_from_slice(&[0x50, *flags, 0xff, 0xff, 0, 0, 0, 0]);
            t.extend_from_slice(payload);
            (6, t)
        }
    }
}

/// An IP packet (v4 or v6 by the addresses) carrying `l4`.
pub fn ip_packet(src: IpAddr, dst: IpAddr, sport: u16, dport: u16, l4: &L4<'_>) -> Vec<u8> {
    let (proto, body) = l4_bytes(sport, dport, l4);
    let mut p = Vec::with_capacity(40 + body.len());
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            p.extend_from_slice(&[0x45, 0]);
            p.extend_from_slice(&((20 + body.len()) as u16).to_be_bytes());
            p.extend_from_slice(&[0, 1, 0x40, 0, 64, proto, 0, 0]);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            p.extend_from_slice(&[0x60, 0, 0, 0]);
            p.extend_from_slice(&(body.len() as u16).to_be_bytes());
            p.extend_from_slice(&[proto, 64]);
            p.extend_from_slice(&s.octets());
            p.extend_from_slice(&d.octets());
        }
        _ => panic!("mixed address families"),
    }
    p.extend_from_slice(&body);
    p
}

/// An Ethernet frame around an IP packet, with optional VLAN tags.
pub fn ethernet(ip: &[u8], vlans: &[u16]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
    for v in vlans {
        f.extend_from_slice(&[0x81, 0x00]);
        f.extend_from_slice(&v.to_be_bytes());
    }
    f.extend_from_slice(if ip[0] >> 4 == 6 { &[0x86, 0xdd] } else { &[0x08, 0x00] });
    f.extend_from_slice(ip);
    f
}

/// A little-endian microsecond pcap file of (time in µs, frame) records.
pub fn pcap_file(linktype: u32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&linktype.to_le_bytes());
    for (t, p) in packets {
        out.extend_from_slice(&((t / 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&((t % 1_000_000) as u32).to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// A big-endian nanosecond pcap file of (time in ns, frame) records.
pub fn pcap_file_be_nanos(linktype: u32, packets: &[(u64, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b23c4du32.to_be_bytes());
    out.extend_from_slice(&2u16.to_be_bytes());
    out.extend_from_slice(&4u16.to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_be_bytes());
    out.extend_from_slice(&linktype.to_be_bytes());
    for (t, p) in packets {
        out.extend_from_slice(&((t / 1_000_000_000) as u32).to_be_bytes());
        out.extend_from_slice(&((t % 1_000_000_000) as u32).to_be_bytes());
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(&(p.len() as u32).to_be_bytes());
        out.extend_from_slice(p);
    }
    out
}

/// Prefixes a DNS message with its two-byte TCP length.
pub fn tcp_framed(m: &[u8]) -> Vec<u8> {
    let mut out = (m.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(m);
    out
}
