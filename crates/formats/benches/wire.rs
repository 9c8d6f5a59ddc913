//! Events/s for the `dnstap` and `pcap` readers on generated inputs (50 000 query/response
//! pairs each: 100 000 events), read from memory; and `pcap_tcp_axfr`: DNS over TCP, 2 000
//! completed AXFRs of 3 messages × 40 records each, the response stream cut into 536-byte
//! segments (reassembly, length-prefix framing, transfer tracking; bytes/s).

mod common;
#[path = "../tests/formats/enc.rs"]
mod enc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use formats::wire::dnstap_pb::{encode, Message};
use std::net::IpAddr;
use std::sync::Arc;

const PAIRS: usize = 50_000;

fn names(i: usize) -> String {
    format!("host{}.sub{}.example.test", i % 977, i % 13)
}

fn dnstap_input() -> Vec<u8> {
    let mut frames = Vec::with_capacity(2 * PAIRS);
    for i in 0..PAIRS {
        let n = names(i);
        let q = enc::message(i as u16, enc::RD, Some((&n, 1)), &[]);
        let r = enc::message(i as u16, enc::QR | enc::AA, Some((&n, 1)), &[enc::a([192, 0, 2, (i % 250) as u8])]);
        let client = [198, 51, 100, (i % 250) as u8];
        let mut m = Message {
            mtype: Some(1),
            socket_family: Some(1),
            socket_protocol: Some(1),
            query_address: Some(&client),
            response_address: Some(&[192, 0, 2, 53]),
            query_port: Some(40000),
            response_port: Some(53),
            query_time_sec: Some(1_700_000_000 + i as u64),
            query_time_nsec: Some(1),
            query_message: Some(&q),
            ..Message::default()
        };
        frames.push(encode::dnstap(b"ns1", &m));
        m.mtype = Some(2);
        m.query_message = None;
        m.response_time_sec = m.query_time_sec;
        m.response_time_nsec = Some(2);
        m.response_message = Some(&r);
        frames.push(encode::dnstap(b"ns1", &m));
    }
    enc::fstrm_file(&frames)
}

fn pcap_input() -> Vec<u8> {
    let server: IpAddr = "192.0.2.53".parse().unwrap();
    let mut pkts = Vec::with_capacity(2 * PAIRS);
    for i in 0..PAIRS {
        let n = names(i);
        let client: IpAddr = format!("198.51.100.{}", i % 250).parse().unwrap();
        let q = enc::message(i as u16, enc::RD, Some((&n, 1)), &[]);
        let r = enc::message(i as u16, enc::QR | enc::AA, Some((&n, 1)), &[enc::a([192, 0, 2, 1])]);
        let qp = enc::ip_packet(client, server, 40000, 53, &enc::L4::Udp(&q));
        let rp = enc::ip_packet(server, client, 53, 40000, &enc::L4::Udp(&r));
        pkts.push((i as u64 * 10, enc::ethernet(&qp, &[])));
        pkts.push((i as u64 * 10 + 5, enc::ethernet(&rp, &[])));
    }
    enc::pcap_file(1, &pkts)
}

const TRANSFERS: usize = 2_000;

fn pcap_tcp_axfr_input() -> Vec<u8> {
    let server: IpAddr = "192.0.2.53".parse().unwrap();
    let mut pkts = Vec::new();
    for i in 0..TRANSFERS {
        let client: IpAddr = format!("198.51.100.{}", i % 250).parse().unwrap();
        let port = 20_000 + (i % 40_000) as u16;
        let id = i as u16;
        let query = enc::tcp_framed(&enc::message(id, 0, Some(("example.test", 252)), &[]));
        let mut stream = Vec::new();
        for m in 0..3 {
            let mut rrs: Vec<_> = (0..40).map(|k| enc::a([192, 0, 2, (k + m) as u8])).collect();
            if m == 0 {
                rrs[0] = enc::soa(7);
            }
            if m == 2 {
                rrs[39] = enc::soa(7);
            }
            let question = if m == 0 { Some(("example.test", 252)) } else { None };
            stream.extend(enc::tcp_framed(&enc::message(id, enc::QR | enc::AA, question, &rrs)));
        }
        let t = i as u64 * 100;
        let up = enc::L4::Tcp { seq: 1, flags: 0x18, payload: &query };
        pkts.push((t, enc::ethernet(&enc::ip_packet(client, server, port, 53, &up), &[])));
        for (k, seg) in stream.chunks(536).enumerate() {
            let seq = 1 + (k * 536) as u32;
            let down = enc::L4::Tcp { seq, flags: 0x18, payload: seg };
            pkts.push((t + 1 + k as u64, enc::ethernet(&enc::ip_packet(server, client, 53, port, &down), &[])));
        }
    }
    enc::pcap_file(1, &pkts)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("wire");
    g.sample_size(10);
    g.throughput(Throughput::Elements(2 * PAIRS as u64));
    let tap: Arc<[u8]> = dnstap_input().into();
    assert_eq!(common::read_all(&tap, "dnstap"), 2 * PAIRS as u64);
    g.bench_function("dnstap_file", |b| b.iter(|| common::read_all(&tap, "dnstap")));
    let cap: Arc<[u8]> = pcap_input().into();
    assert_eq!(common::read_all(&cap, "pcap"), 2 * PAIRS as u64);
    g.bench_function("pcap_file", |b| b.iter(|| common::read_all(&cap, "pcap")));
    let axfr: Arc<[u8]> = pcap_tcp_axfr_input().into();
    // One query and one transfer event per connection.
    assert_eq!(common::read_all(&axfr, "pcap"), 2 * TRANSFERS as u64);
    g.throughput(Throughput::Bytes(axfr.len() as u64));
    g.bench_function("pcap_tcp_axfr", |b| b.iter(|| common::read_all(&axfr, "pcap")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
