//! Packet capture output, pcap (microsecond time stamps, as tcpdump writes) or pcapng (one
//! Ethernet interface with nanosecond time stamps, as dumpcap can write): Ethernet frames with
//! IPv4 or IPv6 (the client's family), checksums computed.
//!
//! An ordinary query is a UDP datagram to port 53 and its response. A zone transfer (AXFR,
//! IXFR) is a TCP connection: handshake; the query with its two-byte length prefix split over
//! two segments; the response stream (every message length-prefixed) cut into 536-byte segments,
//! so messages straddle segments and several share one; then FIN both ways.

use crate::dns::Query;
use crate::wire;
use std::net::IpAddr;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Pcap,
    PcapNg,
}

const SYN: u8 = 0x02;
const FIN: u8 = 0x01;
const PSH: u8 = 0x08;
const ACK: u8 = 0x10;
const MSS: usize = 536;
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x53];
const ROUTER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];

/// The file header: pcap's global header, or pcapng's section header and interface description.
pub fn header(c: Container, out: &mut Vec<u8>) {
    match c {
        Container::Pcap => {
            out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
            out.extend_from_slice(&2u16.to_le_bytes());
            out.extend_from_slice(&4u16.to_le_bytes());
            out.extend_from_slice(&[0; 8]); // thiszone, sigfigs
            out.extend_from_slice(&65_535u32.to_le_bytes());
            out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        }
        Container::PcapNg => {
            let mut shb = 0x1a2b_3c4du32.to_le_bytes().to_vec();
            shb.extend_from_slice(&1u16.to_le_bytes());
            shb.extend_from_slice(&0u16.to_le_bytes());
            shb.extend_from_slice(&(-1i64).to_le_bytes()); // section length unknown
            block(out, 0x0a0d_0d0a, &shb);
            let mut idb = 1u16.to_le_bytes().to_vec(); // LINKTYPE_ETHERNET
            idb.extend_from_slice(&[0, 0]);
            idb.extend_from_slice(&65_535u32.to_le_bytes());
            idb.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0]); // if_tsresol = 10^-9, padded
            idb.extend_from_slice(&[0; 4]); // opt_endofopt
            block(out, 1, &idb);
        }
    }
}

/// A pcapng block: type, total length, body padded to 32 bits, total length again.
fn block(out: &mut Vec<u8>, btype: u32, body: &[u8]) {
    let padded = body.len().div_ceil(4) * 4;
    let total = (12 + padded) as u32;
    out.extend_from_slice(&btype.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.resize(out.len() + padded - body.len(), 0);
    out.extend_from_slice(&total.to_le_bytes());
}

/// One direction of a conversation: from `src` to `dst`.
#[derive(Clone, Copy)]
struct Dir {
    src: IpAddr,
    sport: u16,
    dst: IpAddr,
    dport: u16,
    to_server: bool,
}

impl Dir {
    fn back(self) -> Dir {
        Dir { src: self.dst, sport: self.dport, dst: self.src, dport: self.sport, to_server: !self.to_server }
    }
}

/// Reused buffers for writing packets.
pub struct Writer {
    container: Container,
    dns: Vec<u8>,
    xfr: Vec<Vec<u8>>,
    stream: Vec<u8>,
    pkt: Vec<u8>,
    block: Vec<u8>,
    ip_id: u16,
}

impl Writer {
    pub fn new(container: Container) -> Self {
        Writer {
            container,
            dns: Vec::new(),
            xfr: Vec::new(),
            stream: Vec::new(),
            pkt: Vec::new(),
            block: Vec::new(),
            ip_id: 0,
        }
    }

    /// Appends the packets of one query and its response to `out`.
    pub fn query(&mut self, q: &Query, out: &mut Vec<u8>) {
        let (client, server) = wire::addresses(q);
        let up = Dir { src: client, sport: q.port, dst: server, dport: 53, to_server: true };
        let t = q.time_ns;
        let tr = t + wire::RESPONSE_DELAY_NS;
        self.dns.clear();
        wire::query(q, &mut self.dns);
        if !q.tcp {
            self.udp(up, t, out);
            self.dns.clear();
            wire::response(q, &mut self.dns);
            self.udp(up.back(), tr, out);
            return;
        }
        let (c_isn, s_isn) = (u32::from(wire::message_id(q)) << 12, u32::from(q.port) << 16);
        let down = up.back();
        self.tcp(up, t - 30_000, c_isn, 0, SYN, &[], out);
        let (c1, s1) = (c_isn.wrapping_add(1), s_isn.wrapping_add(1));
        self.tcp(down, t - 20_000, s_isn, c1, SYN | ACK, &[], out);
        self.tcp(up, t - 10_000, c1, s1, ACK, &[], out);
        let mut query = (self.dns.len() as u16).to_be_bytes().to_vec();
        query.extend_from_slice(&self.dns);
        let cut = 5.min(query.len());
        self.tcp(up, t - 5_000, c1, s1, PSH | ACK, &query[..cut], out);
        self.tcp(up, t, c1.wrapping_add(cut as u32), s1, PSH | ACK, &query[cut..], out);
        let c_next = c1.wrapping_add(query.len() as u32);
        self.stream.clear();
        if wire::is_completed_axfr(q) {
            wire::axfr(q, &mut self.xfr);
        } else {
            self.xfr.clear();
            let mut m = Vec::new();
            wire::response(q, &mut m);
            self.xfr.push(m);
        }
        for m in &self.xfr {
            self.stream.extend_from_slice(&(m.len() as u16).to_be_bytes());
            self.stream.extend_from_slice(m);
        }
        let stream = std::mem::take(&mut self.stream);
        let mut seq = s1;
        for (k, seg) in stream.chunks(MSS).enumerate() {
            self.tcp(down, tr + k as i64 * 1000, seq, c_next, PSH | ACK, seg, out);
            seq = seq.wrapping_add(seg.len() as u32);
        }
        self.stream = stream;
        let tf = tr + 100_000;
        self.tcp(down, tf, seq, c_next, FIN | ACK, &[], out);
        self.tcp(up, tf + 10_000, c_next, seq.wrapping_add(1), FIN | ACK, &[], out);
        self.tcp(down, tf + 20_000, seq.wrapping_add(1), c_next.wrapping_add(1), ACK, &[], out);
    }

    fn udp(&mut self, d: Dir, t: i64, out: &mut Vec<u8>) {
        let len = 8 + self.dns.len();
        let mut l4 = Vec::with_capacity(len);
        l4.extend_from_slice(&d.sport.to_be_bytes());
        l4.extend_from_slice(&d.dport.to_be_bytes());
        l4.extend_from_slice(&(len as u16).to_be_bytes());
        l4.extend_from_slice(&[0, 0]);
        l4.extend_from_slice(&self.dns);
        let sum = match checksum(d, 17, &l4) {
            0 => 0xffff,
            s => s,
        };
        l4[6..8].copy_from_slice(&sum.to_be_bytes());
        self.packet(d, 17, &l4, t, out);
    }

    #[allow(clippy::too_many_arguments)]
    fn tcp(&mut self, d: Dir, t: i64, seq: u32, ack: u32, flags: u8, data: &[u8], out: &mut Vec<u8>) {
        let mut l4 = Vec::with_capacity(20 + data.len());
        l4.extend_from_slice(&d.sport.to_be_bytes());
        l4.extend_from_slice(&d.dport.to_be_bytes());
        l4.extend_from_slice(&seq.to_be_bytes());
        l4.extend_from_slice(&(if flags & ACK != 0 { ack } else { 0 }).to_be_bytes());
        l4.extend_from_slice(&[0x50, flags, 0xff, 0xff, 0, 0, 0, 0]);
        l4.extend_from_slice(data);
        let sum = checksum(d, 6, &l4);
        l4[16..18].copy_from_slice(&sum.to_be_bytes());
        self.packet(d, 6, &l4, t, out);
    }

    /// Wraps a UDP or TCP segment in IP and Ethernet, then in a capture record.
    fn packet(&mut self, d: Dir, proto: u8, l4: &[u8], t: i64, out: &mut Vec<u8>) {
        let p = &mut self.pkt;
        p.clear();
        let (dst_mac, src_mac) = if d.to_server { (SERVER_MAC, ROUTER_MAC) } else { (ROUTER_MAC, SERVER_MAC) };
        p.extend_from_slice(&dst_mac);
        p.extend_from_slice(&src_mac);
        match (d.src, d.dst) {
            (IpAddr::V4(from), IpAddr::V4(to)) => {
                p.extend_from_slice(&0x0800u16.to_be_bytes());
                let ip = p.len();
                self.ip_id = self.ip_id.wrapping_add(1);
                p.extend_from_slice(&[0x45, 0]);
                p.extend_from_slice(&((20 + l4.len()) as u16).to_be_bytes());
                p.extend_from_slice(&self.ip_id.to_be_bytes());
                p.extend_from_slice(&[0x40, 0, 64, proto, 0, 0]);
                p.extend_from_slice(&from.octets());
                p.extend_from_slice(&to.octets());
                let sum = !fold(sum16(&p[ip..ip + 20]));
                p[ip + 10..ip + 12].copy_from_slice(&sum.to_be_bytes());
            }
            (from, to) => {
                p.extend_from_slice(&0x86ddu16.to_be_bytes());
                p.extend_from_slice(&[0x60, 0, 0, 0]);
                p.extend_from_slice(&(l4.len() as u16).to_be_bytes());
                p.extend_from_slice(&[proto, 64]);
                p.extend_from_slice(&ip16(from));
                p.extend_from_slice(&ip16(to));
            }
        }
        p.extend_from_slice(l4);
        let len = p.len() as u32;
        match self.container {
            Container::Pcap => {
                out.extend_from_slice(&((t / 1_000_000_000) as u32).to_le_bytes());
                out.extend_from_slice(&((t % 1_000_000_000 / 1000) as u32).to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
                out.extend_from_slice(p);
            }
            Container::PcapNg => {
                let b = &mut self.block;
                b.clear();
                b.extend_from_slice(&0u32.to_le_bytes());
                b.extend_from_slice(&((t as u64 >> 32) as u32).to_le_bytes());
                b.extend_from_slice(&(t as u32).to_le_bytes());
                b.extend_from_slice(&len.to_le_bytes());
                b.extend_from_slice(&len.to_le_bytes());
                b.extend_from_slice(p);
                block(out, 6, b);
            }
        }
    }
}

fn ip16(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

fn sum16(b: &[u8]) -> u32 {
    b.chunks(2).map(|c| u32::from(c[0]) << 8 | u32::from(*c.get(1).unwrap_or(&0))).sum()
}

fn fold(mut s: u32) -> u16 {
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    s as u16
}

/// The UDP/TCP checksum over the IPv4 or IPv6 pseudo-header and the segment.
fn checksum(d: Dir, proto: u8, l4: &[u8]) -> u16 {
    let mut s = sum16(l4) + u32::from(proto) + l4.len() as u32;
    match (d.src, d.dst) {
        (IpAddr::V4(a), IpAddr::V4(b)) => s += sum16(&a.octets()) + sum16(&b.octets()),
        (a, b) => s += sum16(&ip16(a)) + sum16(&ip16(b)),
    }
    !fold(s)
}
