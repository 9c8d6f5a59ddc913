//! DNS wire parser round trips and robustness, and the `dnstap` format: mapping of every
//! message type, transfers, malformed frame streams.

#[path = "enc.rs"]
pub mod enc;

use enc::{a, message, soa, Rr, AA, QR, RD};
use event::{DnsEvent, DnsKind, Event, QType, Rcode, TransferOutcome, Transport};
use formats::wire::dns::{self, DnsError};
use formats::wire::dnstap_pb::{encode, Message};
use formats::wire::fstrm;
use formats::{open_reader, ReadOptions, RecordError, Rejects, Source};
use std::io::Cursor;
use std::net::IpAddr;

/// Reads every event of `bytes` with `format` (sniffed when `None`).
pub fn read_all(bytes: Vec<u8>, format: Option<&str>, opts: &ReadOptions) -> (Vec<DnsEvent>, Rejects) {
    let src = Source { name: "t".into(), path: None, reader: Box::new(Cursor::new(bytes)) };
    let (_, mut r) = open_reader(src, format, opts).expect("open");
    let mut out = Event::Dns(DnsEvent::default());
    let mut rejects = Rejects::default();
    let mut evs = Vec::new();
    while r.read(&mut out, &mut rejects).expect("read") {
        let Event::Dns(d) = &out else { panic!("not a DNS event: {out:?}") };
        evs.push(d.clone());
    }
    (evs, rejects)
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn dns_round_trip_header_question_answers() {
    let m = message(0xbeef, QR | AA | RD | 3, Some(("WWW.Example.test.", 28)), &[a([192, 0, 2, 1]), soa(7)]);
    let mut name = String::new();
    let s = dns::parse(&m, &mut name).unwrap();
    assert_eq!(name, "WWW.Example.test");
    assert_eq!(s.header.id, 0xbeef);
    assert!(s.header.is_response() && s.header.authoritative() && s.header.recursion_desired());
    assert_eq!(s.header.rcode(), 3);
    assert_eq!(s.header.opcode(), 0);
    assert_eq!(s.question, Some(dns::Question { qtype: 28, qclass: 1 }));
    assert_eq!((s.answers, s.answer_soas, s.first_answer_soa, s.last_answer_soa), (2, 1, false, true));
    assert_eq!(s.last_soa_serial, Some(7));
    // Root name, no question, truncations at every length are errors, never panics.
    let root = message(1, 0, Some((".", 2)), &[]);
    dns::parse(&root, &mut name).unwrap();
    assert_eq!(name, ".");
    for cut in 0..m.len() {
        assert!(dns::parse(&m[..cut], &mut name).is_err(), "cut at {cut}");
    }
}

#[test]
fn dns_rejects_long_names_and_bad_soa() {
    let long = vec!["a".repeat(63); 4].join(".");
    let mut name = String::new();
    assert_eq!(dns::parse(&message(1, 0, Some((&long, 1)), &[]), &mut name), Err(DnsError::NameTooLong));
    let bad_soa = Rr { name: None, rtype: 6, rdata: vec![0, 0, 0] };
    let m = message(1, QR, Some(("x.test", 252)), &[bad_soa]);
    assert_eq!(dns::parse(&m, &mut name), Err(DnsError::BadSoa));
}

/// Stable stand-in for the cargo-fuzz target: random mutations of valid messages must give
/// `Ok` or a typed error, never a panic, and an `Ok` must agree with the header counts.
/// `RW_FUZZ_ITERS` sets the number of rounds (default 200 000).
#[test]
fn dns_randomized_mutations_never_panic() {
    let iters: u64 = std::env::var("RW_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);
    let seeds = [
        message(1, QR, Some(("a.b.example.test", 252)), &[soa(5), a([1, 2, 3, 4]), soa(5)]),
        message(2, 0, Some(("x.test", 255)), &[]),
        message(3, QR | 5, Some(("zone.test", 251)), &[]),
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let (mut ok, mut err) = (0u64, 0u64);
    let mut name = String::new();
    for _ in 0..iters {
        let mut m = seeds[(rnd() % 3) as usize].clone();
        for _ in 0..=(rnd() % 4) {
            let r = rnd();
            let at = (r >> 8) as usize % m.len();
            match r % 4 {
                0 => m[at] = (r >> 32) as u8,
                1 => m.truncate(at),
                2 => m.insert(at, 0xc0 | (r >> 40) as u8 & 0x3f),
                _ => m[at] ^= 1 << ((r >> 24) % 8),
            }
            if m.is_empty() {
                m.push(0);
            }
        }
        match dns::parse(&m, &mut name) {
            Ok(s) => {
                assert_eq!(s.answers, u32::from(s.header.ancount));
                assert!(name.len() <= 4 * 255);
                ok += 1;
            }
            Err(_) => err += 1,
        }
    }
    assert_eq!(ok + err, iters);
    assert!(ok > 0 && err > 0, "ok {ok} err {err}");
}

fn frame(mtype: u64, qmsg: Option<&[u8]>, rmsg: Option<&[u8]>, client: &[u8], t: u64) -> Vec<u8> {
    let m = Message {
        mtype: Some(mtype),
        socket_family: Some(1),
        socket_protocol: Some(1),
        query_address: Some(client),
        response_address: Some(&[192, 0, 2, 53]),
        query_port: Some(40000),
        response_port: Some(53),
        query_time_sec: Some(t),
        query_time_nsec: Some(250),
        query_message: qmsg,
        response_time_sec: rmsg.map(|_| t + 1),
        response_time_nsec: rmsg.map(|_| 500),
        response_message: rmsg,
        ..Message::default()
    };
    encode::dnstap(b"ns1.example.test", &m)
}

#[test]
fn every_message_type_maps_once_and_transfers_are_one_event() {
    let q = message(10, RD, Some(("Host.Example.test.", 16)), &[]);
    let r = message(10, QR | RD, Some(("Host.Example.test.", 16)), &[a([192, 0, 2, 9]), a([192, 0, 2, 10])]);
    let mut frames = Vec::new();
    for t in 1..=14u64 {
        if t % 2 == 1 {
            frames.push(frame(t, Some(&q), None, &[198, 51, 100, 7], 1_700_000_000 + t));
        } else {
            frames.push(frame(t, Some(&q), Some(&r), &[198, 51, 100, 7], 1_700_000_000 + t));
        }
    }
    // AXFR allowed for .7 over three messages (SOA .. SOA), refused for .9.
    let xq = message(77, 0, Some(("example.test", 252)), &[]);
    let x1 = message(77, QR | AA, Some(("example.test", 252)), &[soa(42), a([192, 0, 2, 1])]);
    let x2 = message(77, QR | AA, None, &[a([192, 0, 2, 2]), a([192, 0, 2, 3])]);
    let x3 = message(77, QR | AA, None, &[a([192, 0, 2, 4]), soa(42)]);
    frames.push(frame(1, Some(&xq), None, &[198, 51, 100, 7], 1_700_000_100));
    for x in [&x1, &x2, &x3] {
        frames.push(frame(2, None, Some(x), &[198, 51, 100, 7], 1_700_000_100));
    }
    let dq = message(78, 0, Some(("example.test", 252)), &[]);
    let dr = message(78, QR | 5, Some(("example.test", 252)), &[]);
    frames.push(frame(1, Some(&dq), None, &[203, 0, 113, 9], 1_700_000_200));
    frames.push(frame(2, None, Some(&dr), &[203, 0, 113, 9], 1_700_000_200));
    let bytes = enc::fstrm_file(&frames);
    assert_eq!(formats::sniff(&bytes).map(|f| f.name), Some("dnstap"));
    let (evs, rej) = read_all(bytes, None, &ReadOptions::default());
    assert_eq!(rej.count, 0, "{:?}", rej.kept);
    assert_eq!(evs.len(), 14 + 1 + 1 + 1 + 1);
    for (i, e) in evs[..14].iter().enumerate() {
        let t = i as u64 + 1;
        assert_eq!(e.kind, if t % 2 == 1 { DnsKind::Query } else { DnsKind::Response }, "type {t}");
        assert_eq!(e.name, "Host.Example.test");
        assert_eq!(e.qtype, Some(QType::TXT));
        assert_eq!(e.client_ip, Some(ip("198.51.100.7")));
        assert_eq!(e.client_port, Some(40000));
        assert_eq!(e.server_ip, Some(ip("192.0.2.53")));
        assert_eq!(e.server, "ns1.example.test");
        assert_eq!(e.source_format, "dnstap");
        if t & 1 == 0 {
            assert_eq!((e.rcode, e.answer_count), (Some(Rcode::NOERROR), Some(2)));
            assert_eq!(e.time.0, (1_700_000_001 + t as i64) * 1_000_000_000 + 500);
        } else {
            assert_eq!(e.time.0, (1_700_000_000 + t as i64) * 1_000_000_000 + 250);
        }
    }
    let axfr_q = &evs[14];
    assert_eq!((axfr_q.kind, axfr_q.qtype), (DnsKind::Query, Some(QType::AXFR)));
    let done = &evs[15];
    assert_eq!(done.kind, DnsKind::Transfer);
    assert_eq!(done.transfer, Some(TransferOutcome::Completed));
    assert_eq!(done.transfer_records, Some(6));
    assert_eq!(done.transfer_bytes, Some((x1.len() + x2.len() + x3.len()) as u64));
    assert_eq!((done.name.as_str(), done.client_ip), ("example.test", Some(ip("198.51.100.7"))));
    assert_eq!(done.transport, Some(Transport::Udp));
    assert_eq!(evs[16].kind, DnsKind::Query);
    let denied = &evs[17];
    assert_eq!(
        (denied.kind, denied.transfer, denied.rcode),
        (DnsKind::Transfer, Some(TransferOutcome::Denied), Some(Rcode::REFUSED))
    );
    assert_eq!(denied.client_ip, Some(ip("203.0.113.9")));
}

#[test]
fn unfinished_transfer_is_reported_failed_at_the_end() {
    let x1 = message(5, QR | AA, Some(("example.test", 252)), &[soa(1), a([192, 0, 2, 1])]);
    let bytes = enc::fstrm_file(&[frame(2, None, Some(&x1), &[198, 51, 100, 7], 1)]);
    let (evs, rej) = read_all(bytes, Some("dnstap"), &ReadOptions::default());
    assert_eq!(rej.count, 0);
    assert_eq!(evs.len(), 1);
    assert_eq!((evs[0].transfer, evs[0].transfer_records), (Some(TransferOutcome::Failed), Some(2)));
}

#[test]
fn malformed_frames_are_counted_and_good_ones_kept() {
    let q = message(1, 0, Some(("ok.test", 1)), &[]);
    let good = frame(1, Some(&q), None, &[198, 51, 100, 7], 5);
    let mut opts = ReadOptions::default();
    opts.max_record = 200;
    let frames = vec![
        good.clone(),
        vec![0x0b, 1, 2],                                // group wire type
        vec![0xaa; 300],                                 // over the 200-byte limit: skipped, stream goes on
        frame(1, Some(&q[..5]), None, &[1, 2, 3, 4], 5), // DNS message cut short
        frame(99, Some(&q), None, &[1, 2, 3, 4], 5),     // unknown message type
        frame(1, Some(&q), None, &[1, 2, 3], 5),         // 3-byte address
        frame(2, Some(&q), None, &[1, 2, 3, 4], 5),      // response without response_message
        good.clone(),
    ];
    let (evs, rej) = read_all(enc::fstrm_file(&frames), Some("dnstap"), &opts);
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| e.name == "ok.test"));
    assert_eq!(rej.count, 6);
    let lines: Vec<u64> = rej.kept.iter().map(|r| r.location.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
    assert_eq!(
        rej.kept[1].error,
        RecordError::Malformed {
            what: "frame stream",
            detail: "data frame of 300 bytes exceeds the limit of 200".into()
        }
    );
    assert_eq!(rej.kept[5].error, RecordError::MissingField("response_message"));

    // Truncated file: the good frame is kept, the cut one and the missing STOP are one reject.
    let mut cut = enc::fstrm_file(&[good.clone(), good.clone()]);
    cut.truncate(cut.len() - 12 - 10);
    let (evs, rej) = read_all(cut, Some("dnstap"), &ReadOptions::default());
    assert_eq!((evs.len(), rej.count), (1, 1));
    assert_eq!(
        rej.kept[0].error,
        RecordError::Malformed { what: "frame stream", detail: "truncated data frame".into() }
    );

    // No STOP frame.
    let mut nostop = enc::fstrm_file(std::slice::from_ref(&good));
    nostop.truncate(nostop.len() - 12);
    let (evs, rej) = read_all(nostop, Some("dnstap"), &ReadOptions::default());
    assert_eq!((evs.len(), rej.count), (1, 1));

    // Wrong content type and missing START: one reject, no events.
    let mut other = fstrm::control_frame(fstrm::CONTROL_START, Some(b"protobuf:other"));
    other.extend_from_slice(&fstrm::control_frame(fstrm::CONTROL_STOP, None));
    let (evs, rej) = read_all(other, Some("dnstap"), &ReadOptions::default());
    assert_eq!((evs.len(), rej.count), (0, 1));
    let (evs, rej) = read_all(vec![0, 0, 0, 5, 1, 2, 3, 4, 5], Some("dnstap"), &ReadOptions::default());
    assert_eq!((evs.len(), rej.count), (0, 1));
    assert_eq!(
        rej.kept[0].error.to_string(),
        "malformed frame stream: stream does not start with a START control frame"
    );
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)).unwrap()
}

/// Counts of (kind, transfer outcome) in `evs`.
pub fn kinds(evs: &[DnsEvent]) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for e in evs {
        let k = format!("{}{}", e.kind.as_str(), e.transfer.map(|t| format!("/{}", t.as_str())).unwrap_or_default());
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

/// The queries real `dig` sent in the capture run (tests/real_wire.rs), as (client, name, type).
pub fn real_run_queries() -> Vec<(String, String, String)> {
    let mut v: Vec<_> = [
        ("198.51.100.7", "www.example.test", "A"),
        ("198.51.100.7", "example.test", "NS"),
        ("198.51.100.7", "example.test", "MX"),
        ("198.51.100.7", "example.test", "TXT"),
        ("198.51.100.7", "example.test", "ANY"),
        ("198.51.100.7", "host7.example.test", "A"),
        ("198.51.100.7", "example.test", "AXFR"),
        ("203.0.113.9", "nope.example.test", "A"),
        ("203.0.113.9", "mail.example.test", "A"),
        ("203.0.113.9", "example.test", "AXFR"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    v.sort();
    v
}

pub fn query_list(evs: &[DnsEvent]) -> Vec<(String, String, String)> {
    let mut v: Vec<_> = evs
        .iter()
        .filter(|e| e.kind == DnsKind::Query)
        .map(|e| (e.client_ip.unwrap().to_string(), e.name.clone(), e.qtype.unwrap().to_string()))
        .collect();
    v.sort();
    v
}

/// A dnstap file written by BIND 9.18 (`dnstap { all; }`) during tests/real_wire.rs: BIND logs
/// AUTH_QUERY + CLIENT_RESPONSE, the refused AXFR as AUTH_RESPONSE, and no xfr-out messages.
#[test]
fn bind_dnstap_fixture() {
    let bytes = fixture("dnstap/bind-9.18.dnstap");
    assert_eq!(formats::sniff(&bytes).map(|f| f.name), Some("dnstap"));
    let (evs, rej) = read_all(bytes, None, &ReadOptions::default());
    assert_eq!(rej.count, 0, "{:?}", rej.kept);
    let k = kinds(&evs);
    assert_eq!((k["query"], k["response"], k["transfer/denied"], k.len()), (10, 8, 1, 3));
    assert_eq!(query_list(&evs), real_run_queries());
    let denied = evs.iter().find(|e| e.kind == DnsKind::Transfer).unwrap();
    assert_eq!(
        (denied.client_ip, denied.rcode, denied.transfer_records),
        (Some(ip("203.0.113.9")), Some(Rcode::REFUSED), Some(0))
    );
    let nx = evs.iter().find(|e| e.kind == DnsKind::Response && e.name == "nope.example.test").unwrap();
    assert_eq!((nx.rcode, nx.answer_count), (Some(Rcode::NXDOMAIN), Some(0)));
    let www = evs.iter().find(|e| e.kind == DnsKind::Response && e.name == "www.example.test").unwrap();
    assert_eq!((www.rcode, www.answer_count, www.transport), (Some(Rcode::NOERROR), Some(1), Some(Transport::Udp)));
    assert!(evs.iter().all(|e| e.server == "ns1.example.test" && e.server_ip == Some(ip("192.0.2.53"))));
    // Every truncation of the real file: events before the cut are kept, one reject at most.
    let full = fixture("dnstap/bind-9.18.dnstap");
    for cut in (1..full.len()).step_by(97) {
        let (evs, rej) = read_all(full[..cut].to_vec(), Some("dnstap"), &ReadOptions::default());
        assert!(rej.count <= 1 && evs.len() <= 19, "cut {cut}");
    }
}

/// The live-socket handshake (READY → ACCEPT, START, frames, STOP → FINISH) over a socketpair,
/// our receiver against a sender written from the Frame Streams spec.
#[test]
fn bidirectional_handshake_over_a_socketpair() {
    use formats::wire::fstrm_bidi;
    use std::io::{BufReader, Read, Write};
    use std::os::unix::net::UnixStream;
    let q = message(3, 0, Some(("live.test", 1)), &[]);
    let f = frame(1, Some(&q), None, &[198, 51, 100, 7], 9);
    let (mut sender, receiver) = UnixStream::pair().unwrap();
    let frames = vec![f.clone(), f];
    let peer = std::thread::spawn(move || {
        let offer = [&b"protobuf:other"[..], fstrm::DNSTAP_CONTENT_TYPE];
        let mut ready = fstrm::control_frame(fstrm::CONTROL_READY, Some(offer[0]));
        let extra = fstrm::control_frame(0, Some(offer[1]));
        ready.extend_from_slice(&extra[12..]); // a second content-type field
        let body_len = (ready.len() - 8) as u32;
        ready[4..8].copy_from_slice(&body_len.to_be_bytes());
        sender.write_all(&ready).unwrap();
        let mut accept = vec![0u8; 8 + 4 + 8 + fstrm::DNSTAP_CONTENT_TYPE.len()];
        sender.read_exact(&mut accept).unwrap();
        assert_eq!(accept, fstrm::control_frame(fstrm::CONTROL_ACCEPT, Some(fstrm::DNSTAP_CONTENT_TYPE)));
        sender.write_all(&enc::fstrm_file(&frames)).unwrap();
        let mut finish = [0u8; 12];
        sender.read_exact(&mut finish).unwrap();
        assert_eq!(finish.to_vec(), fstrm::control_frame(fstrm::CONTROL_FINISH, None));
    });
    fstrm_bidi::accept(&mut &receiver, fstrm::DNSTAP_CONTENT_TYPE).unwrap();
    let mut r = fstrm::FstrmReader::new(BufReader::new(&receiver), fstrm::DNSTAP_CONTENT_TYPE, 1 << 16).bidirectional();
    let mut names = Vec::new();
    let mut name = String::new();
    while let fstrm::Step::Data(d) = r.next_frame().unwrap() {
        let m = formats::wire::dnstap_pb::decode(d).unwrap().message;
        dns::parse(m.query_message.unwrap(), &mut name).unwrap();
        names.push(name.clone());
    }
    assert_eq!(names, ["live.test", "live.test"]);
    fstrm_bidi::finish(&mut &receiver).unwrap();
    peer.join().unwrap();

    // A sender offering only another content type is refused.
    let (mut sender, receiver) = UnixStream::pair().unwrap();
    sender.write_all(&fstrm::control_frame(fstrm::CONTROL_READY, Some(b"protobuf:other"))).unwrap();
    let err = fstrm_bidi::accept(&mut &receiver, fstrm::DNSTAP_CONTENT_TYPE).unwrap_err().unwrap();
    assert_eq!(err, fstrm::FstrmError::ContentType("protobuf:other".into()));
}
