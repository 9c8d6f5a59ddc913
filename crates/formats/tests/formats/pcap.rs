//! The `pcap`/`pcapng` formats on generated captures: link types, VLANs, IPv6, DNS over UDP and
//! TCP (several messages per segment, messages split over segments, retransmissions,
//! out-of-order segments), transfers, malformed packets.

use crate::dnstap::enc::{
    self, a, ethernet, ip_packet, message, soa, tcp_framed, AA, L4, QR, TCP_ACK, TCP_PSH, TCP_SYN,
};
use crate::dnstap::read_all;
use event::{DnsKind, QType, Rcode, TransferOutcome, Transport};
use formats::wire::link;
use formats::{ReadOptions, RecordError};
use std::net::IpAddr;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

const SERVER: &str = "192.0.2.53";

fn udp(src: &str, dst: &str, sport: u16, dport: u16, m: &[u8]) -> Vec<u8> {
    ip_packet(ip(src), ip(dst), sport, dport, &L4::Udp(m))
}

fn tcp(src: &str, dst: &str, sport: u16, dport: u16, seq: u32, flags: u8, p: &[u8]) -> Vec<u8> {
    ip_packet(ip(src), ip(dst), sport, dport, &L4::Tcp { seq, flags, payload: p })
}

#[test]
fn udp_queries_and_responses_over_every_link_type() {
    let q = message(7, 0, Some(("Mail.Example.test.", 15)), &[]);
    let r = message(7, QR | AA, Some(("Mail.Example.test.", 15)), &[a([192, 0, 2, 25])]);
    let q6 = message(8, 0, Some(("v6.example.test", 28)), &[]);
    let cases: Vec<(u32, Vec<Vec<u8>>)> = vec![
        (
            link::ETHERNET,
            vec![
                ethernet(&udp("198.51.100.7", SERVER, 5353, 53, &q), &[]),
                ethernet(&udp(SERVER, "198.51.100.7", 53, 5353, &r), &[10, 20]),
                ethernet(&udp("2001:db8::7", "2001:db8::53", 5354, 53, &q6), &[]),
            ],
        ),
        (link::RAW, vec![udp("198.51.100.7", SERVER, 5353, 53, &q), udp(SERVER, "198.51.100.7", 53, 5353, &r)]),
        (
            link::LINUX_SLL,
            vec![sll(&udp("198.51.100.7", SERVER, 5353, 53, &q)), sll(&udp(SERVER, "198.51.100.7", 53, 5353, &r))],
        ),
        (
            link::LINUX_SLL2,
            vec![sll2(&udp("198.51.100.7", SERVER, 5353, 53, &q)), sll2(&udp(SERVER, "198.51.100.7", 53, 5353, &r))],
        ),
    ];
    for (lt, frames) in cases {
        let pkts: Vec<(u64, Vec<u8>)> =
            frames.into_iter().enumerate().map(|(i, f)| (1_700_000_000_000_000 + i as u64, f)).collect();
        let bytes = enc::pcap_file(lt, &pkts);
        assert_eq!(formats::sniff(&bytes).map(|f| f.name), Some("pcap"));
        let (evs, rej) = read_all(bytes, None, &ReadOptions::default());
        assert_eq!(rej.count, 0, "linktype {lt}: {:?}", rej.kept);
        assert!(evs.len() >= 2, "linktype {lt}");
        let (qe, re) = (&evs[0], &evs[1]);
        assert_eq!((qe.kind, qe.name.as_str(), qe.qtype), (DnsKind::Query, "Mail.Example.test", Some(QType::MX)));
        assert_eq!(
            (qe.client_ip, qe.client_port, qe.server_ip),
            (Some(ip("198.51.100.7")), Some(5353), Some(ip(SERVER)))
        );
        assert_eq!(qe.transport, Some(Transport::Udp));
        assert_eq!(qe.time.0, 1_700_000_000_000_000_000);
        assert_eq!((re.kind, re.rcode, re.answer_count), (DnsKind::Response, Some(Rcode::NOERROR), Some(1)));
        assert_eq!(re.client_ip, Some(ip("198.51.100.7")), "response client is its receiver");
        assert_eq!(re.time.0, 1_700_000_000_000_001_000);
        if lt == link::ETHERNET {
            assert_eq!((evs[2].client_ip, evs[2].qtype), (Some(ip("2001:db8::7")), Some(QType::AAAA)));
        }
    }
}

fn sll(ipp: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, 0x08, 0x00];
    f.extend_from_slice(ipp);
    f
}

fn sll2(ipp: &[u8]) -> Vec<u8> {
    let mut f = vec![0x08, 0x00, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0];
    f.extend_from_slice(ipp);
    f
}

#[test]
fn tcp_axfr_split_and_coalesced_messages_retransmits_and_reordering() {
    let c = "198.51.100.7";
    let q = tcp_framed(&message(99, 0, Some(("example.test", 252)), &[]));
    let m1 = message(99, QR | AA, Some(("example.test", 252)), &[soa(9), a([192, 0, 2, 1])]);
    let m2 = message(99, QR | AA, None, &[a([192, 0, 2, 2]), a([192, 0, 2, 3]), a([192, 0, 2, 4])]);
    let m3 = message(99, QR | AA, None, &[a([192, 0, 2, 5]), soa(9)]);
    let mut stream = tcp_framed(&m1);
    stream.extend_from_slice(&tcp_framed(&m2));
    stream.extend_from_slice(&tcp_framed(&m3));
    // Server stream cut at odd places: [0..5) [5..x) with m1 whole + part of m2, rest.
    let cut1 = 5;
    let cut2 = tcp_framed(&m1).len() + 7;
    let (s0, s1, s2) = (&stream[..cut1], &stream[cut1..cut2], &stream[cut2..]);
    let isn_c = 1000u32;
    let isn_s = 0xffff_fff0u32; // sequence numbers wrap inside the transfer
    let mut p = vec![
        tcp(c, SERVER, 40001, 53, isn_c, TCP_SYN, &[]),
        tcp(SERVER, c, 53, 40001, isn_s, TCP_SYN | TCP_ACK, &[]),
        tcp(c, SERVER, 40001, 53, isn_c + 1, TCP_ACK | TCP_PSH, &q),
        tcp(SERVER, c, 53, 40001, isn_s.wrapping_add(1), TCP_ACK, s0),
        // out of order: s2 before s1
        tcp(SERVER, c, 53, 40001, isn_s.wrapping_add(1 + s0.len() as u32 + s1.len() as u32), TCP_ACK, s2),
        tcp(SERVER, c, 53, 40001, isn_s.wrapping_add(1 + s0.len() as u32), TCP_ACK, s1),
        // retransmission of s0
        tcp(SERVER, c, 53, 40001, isn_s.wrapping_add(1), TCP_ACK, s0),
    ];
    // A refused AXFR from .9, query and response in one segment each.
    let dq = tcp_framed(&message(5, 0, Some(("example.test", 252)), &[]));
    let dr = tcp_framed(&message(5, QR | 5, Some(("example.test", 252)), &[]));
    p.push(tcp("203.0.113.9", SERVER, 40002, 53, 10, TCP_SYN, &[]));
    p.push(tcp("203.0.113.9", SERVER, 40002, 53, 11, TCP_ACK, &dq));
    p.push(tcp(SERVER, "203.0.113.9", 53, 40002, 500, TCP_SYN | TCP_ACK, &[]));
    p.push(tcp(SERVER, "203.0.113.9", 53, 40002, 501, TCP_ACK | enc::TCP_FIN, &dr));
    let pkts: Vec<(u64, Vec<u8>)> = p.iter().enumerate().map(|(i, f)| (i as u64 * 1000, ethernet(f, &[]))).collect();
    let (evs, rej) = read_all(enc::pcap_file(link::ETHERNET, &pkts), Some("pcap"), &ReadOptions::default());
    assert_eq!(rej.count, 0, "{:?}", rej.kept);
    let kinds: Vec<_> = evs.iter().map(|e| (e.kind, e.transfer, e.client_ip)).collect();
    assert_eq!(
        kinds,
        [
            (DnsKind::Query, None, Some(ip(c))),
            (DnsKind::Transfer, Some(TransferOutcome::Completed), Some(ip(c))),
            (DnsKind::Query, None, Some(ip("203.0.113.9"))),
            (DnsKind::Transfer, Some(TransferOutcome::Denied), Some(ip("203.0.113.9"))),
        ]
    );
    let t = &evs[1];
    assert_eq!((t.transfer_records, t.transfer_bytes), (Some(7), Some((m1.len() + m2.len() + m3.len()) as u64)));
    assert_eq!((t.name.as_str(), t.qtype, t.transport), ("example.test", Some(QType::AXFR), Some(Transport::Tcp)));
    assert_eq!(t.time.0, 5_000_000, "transfer time: the packet that completed its first message");
    assert_eq!(evs[3].rcode, Some(Rcode::REFUSED));
}

#[test]
fn malformed_packets_are_counted_by_number_and_good_ones_kept() {
    let q = message(1, 0, Some(("good.test", 1)), &[]);
    let good = ethernet(&udp("198.51.100.7", SERVER, 1111, 53, &q), &[]);
    let mut short_ip = good.clone();
    short_ip.truncate(14 + 30); // IPv4 total length says more than captured
    let mut bad_ihl = good.clone();
    bad_ihl[14] = 0x43;
    let mut frag = good.clone();
    frag[14 + 6] = 0x20; // more fragments
    let mut bad_udp_len = good.clone();
    bad_udp_len[14 + 20 + 4] = 0xff;
    let bad_dns = ethernet(&udp("198.51.100.7", SERVER, 1111, 53, &q[..q.len() - 1]), &[]);
    let not_dns = ethernet(&udp("198.51.100.7", SERVER, 1111, 123, &[1, 2, 3]), &[]);
    let arp = vec![0xff; 14]
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            if i == 12 {
                0x08
            } else if i == 13 {
                0x06
            } else {
                b
            }
        })
        .collect();
    let frames =
        vec![good.clone(), short_ip, bad_ihl, frag, bad_udp_len, bad_dns, not_dns, arp, vec![1, 2, 3], good.clone()];
    let pkts: Vec<(u64, Vec<u8>)> = frames.into_iter().map(|f| (0, f)).collect();
    let mut bytes = enc::pcap_file(link::ETHERNET, &pkts);
    let (evs, rej) = read_all(bytes.clone(), Some("pcap"), &ReadOptions::default());
    assert_eq!(evs.len(), 2);
    let lines: Vec<u64> = rej.kept.iter().map(|r| r.location.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 9]);
    assert_eq!(
        rej.kept[2].error,
        RecordError::Malformed { what: "IPv4 packet", detail: "IP fragment (not reassembled)".into() }
    );
    // A capture cut inside its last record: everything before is kept, one more reject.
    bytes.truncate(bytes.len() - 3);
    let (evs, rej) = read_all(bytes, Some("pcap"), &ReadOptions::default());
    assert_eq!((evs.len(), rej.count), (1, 7));
    assert_eq!(rej.kept[6].error.to_string(), "malformed capture block: capture ends in the middle of a block");

    // A record header claiming 100 MB in a small file: one reject, the packet before it kept.
    let mut huge = enc::pcap_file(link::ETHERNET, &[(0, good.clone())]);
    huge.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    huge.extend_from_slice(&100_000_000u32.to_le_bytes());
    huge.extend_from_slice(&100_000_000u32.to_le_bytes());
    huge.extend_from_slice(&[0; 300_000]);
    let (evs, rej) = read_all(huge, Some("pcap"), &ReadOptions::default());
    assert_eq!((evs.len(), rej.count), (1, 1));
}

#[test]
fn nanosecond_big_endian_pcap_and_sniffing() {
    let q = message(1, 0, Some(("ns.test", 1)), &[]);
    let bytes =
        enc::pcap_file_be_nanos(link::RAW, &[(1_700_000_000_123_456_789, udp("198.51.100.7", SERVER, 1, 53, &q))]);
    assert_eq!(formats::sniff(&bytes).map(|f| f.name), Some("pcap"));
    let (evs, rej) = read_all(bytes, None, &ReadOptions::default());
    assert_eq!(rej.count, 0);
    assert_eq!(evs[0].time.0, 1_700_000_000_123_456_789);
    let ng_le = [0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a];
    let ng_be = [0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d];
    assert_eq!(formats::sniff(&ng_le).map(|f| f.name), Some("pcapng"));
    assert_eq!(formats::sniff(&ng_be).map(|f| f.name), Some("pcapng"));
    assert!(formats::sniff(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0]).is_some_and(|f| f.name == "pcap"));
    assert!(formats::sniff(&[0x4d, 0x3c, 0xb2, 0xa1]).is_some_and(|f| f.name == "pcap"));
}

/// Captures of tests/real_wire.rs (dumpcap pcapng and tcpdump pcap of the same traffic): a
/// 68-record AXFR in three TCP messages for .7, REFUSED for .9.
#[test]
fn bind_capture_fixtures() {
    use crate::dnstap::{kinds, query_list, real_run_queries};
    for (file, fmt) in [("bind-9.18-axfr.pcapng", "pcapng"), ("bind-9.18-axfr.pcap", "pcap")] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pcap").join(file);
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(formats::sniff(&bytes).map(|f| f.name), Some(fmt));
        let (evs, rej) = read_all(bytes, None, &ReadOptions::default());
        assert_eq!(rej.count, 0, "{file}: {:?}", rej.kept);
        let k = kinds(&evs);
        assert_eq!(
            (k["query"], k["response"], k["transfer/completed"], k["transfer/denied"], k.len()),
            (10, 8, 1, 1, 4),
            "{file}"
        );
        assert_eq!(query_list(&evs), real_run_queries(), "{file}");
        let done = evs.iter().find(|e| e.transfer == Some(TransferOutcome::Completed)).unwrap();
        assert_eq!(
            (done.client_ip, done.transfer_records, done.transport),
            (Some(ip("198.51.100.7")), Some(68), Some(Transport::Tcp))
        );
        let denied = evs.iter().find(|e| e.transfer == Some(TransferOutcome::Denied)).unwrap();
        assert_eq!((denied.client_ip, denied.rcode), (Some(ip("203.0.113.9")), Some(Rcode::REFUSED)));
        assert!(evs.iter().all(|e| e.server_ip == Some(ip(SERVER)) && e.source_format == fmt));
    }
}

/// Lost TCP bytes, a connection reset mid-message, IPv6 extension headers and fragments, too
/// many VLAN tags: each counted against its packet, the rest still read.
#[test]
fn tcp_gaps_resets_ipv6_extensions_and_vlan_limits() {
    use formats::wire::ip::TcpInfo;
    use formats::wire::tcp::{FlowId, Limits, Messages, Reassembler, TcpError};
    let c = "198.51.100.7";
    let m = tcp_framed(&message(1, 0, Some(("a.test", 1)), &[]));
    let id = FlowId { src: ip(c), sport: 4000, dst: ip(SERVER), dport: 53 };
    let seg = |seq: u32, syn: bool, rst: bool| TcpInfo { seq, syn, fin: false, rst };
    let mut r = Reassembler::new(Limits { max_pending: 8, max_flows: 2 });
    let mut out = Messages::default();
    r.segment(id, seg(0, true, false), &[], 1, &mut out).unwrap();
    // 20 bytes arrive 100 bytes ahead: more than the 8-byte pending limit, the flow is lost.
    assert_eq!(r.segment(id, seg(101, false, false), &[0; 20], 2, &mut out), Err(TcpError::Gap(100)));
    r.segment(id, seg(1, false, false), &m, 3, &mut out).unwrap();
    assert!(out.is_empty(), "a broken flow yields nothing until its next SYN");
    r.segment(id, seg(500, true, false), &[], 4, &mut out).unwrap();
    r.segment(id, seg(501, false, false), &m, 5, &mut out).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!(out.get(0), Some(&m[2..]));
    // Half a message, then RST.
    assert_eq!(
        r.segment(id, seg(501 + m.len() as u32, false, true), &m[..5], 6, &mut out),
        Err(TcpError::EndedMidMessage(5))
    );
    // Too many flows: the least recently active one holding data is reported when dropped.
    let fid = |p: u16| FlowId { src: ip(c), sport: p, dst: ip(SERVER), dport: 53 };
    r.segment(fid(1), seg(0, true, false), &[0, 9, 1], 7, &mut out).unwrap();
    r.segment(fid(2), seg(0, true, false), &[], 8, &mut out).unwrap();
    assert_eq!(r.segment(fid(3), seg(0, true, false), &[], 9, &mut out), Err(TcpError::Evicted(3)));

    // IPv6 with a hop-by-hop header is read; an IPv6 fragment and a 5-tag VLAN stack are rejected.
    let q = message(2, 0, Some(("v6.test", 28)), &[]);
    let plain = udp("2001:db8::7", "2001:db8::53", 1000, 53, &q);
    let with_ext = |next: u8| {
        let mut p = plain.clone();
        let ext = [17, 0, 0, 0, 0, 0, 0, 0]; // next header UDP, length 0 (8 bytes)
        let len = u16::from_be_bytes([p[4], p[5]]) + 8;
        p[4..6].copy_from_slice(&len.to_be_bytes());
        p[6] = next;
        p.splice(40..40, ext);
        p
    };
    let frames = vec![
        ethernet(&with_ext(0), &[]),
        ethernet(&with_ext(44), &[]),
        ethernet(&plain, &[1, 2, 3, 4, 5]),
        ethernet(&plain, &[1, 2, 3, 4]),
    ];
    let pkts: Vec<(u64, Vec<u8>)> = frames.into_iter().map(|f| (0, f)).collect();
    let (evs, rej) = read_all(enc::pcap_file(link::ETHERNET, &pkts), Some("pcap"), &ReadOptions::default());
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| e.name == "v6.test" && e.client_ip == Some(ip("2001:db8::7"))));
    let got: Vec<(u64, String)> = rej.kept.iter().map(|r| (r.location.line, r.error.to_string())).collect();
    assert_eq!(
        got,
        [
            (2, "malformed IPv6 packet: IP fragment (not reassembled)".to_string()),
            (3, "malformed link layer: more than 4 VLAN tags".to_string()),
        ]
    );
}
