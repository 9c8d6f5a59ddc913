//! The `windns-debug` format (Windows DNS Server debug log) on hand-written fixtures that follow
//! Microsoft's documented layout (header block, field key, details dumps), in three date locales.

use event::{DnsEvent, DnsKind, Event, QType, Rcode, Transport};
use formats::windns_debug::{detect_order, DateOrder, WinDnsReader};
use formats::{input, open_reader, sniff, EventReader, LocalZone, ReadOptions, Rejects, Source};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windns-debug").join(name)
}

fn source(name: &str) -> Source {
    input::open(&input::InputPath::File(fixture(name))).unwrap()
}

/// Reads through the registry (sniffing, date-order detection), like the CLI does.
fn read(name: &str, opts: &ReadOptions) -> (Vec<DnsEvent>, Rejects) {
    let (spec, mut r) = open_reader(source(name), None, opts).unwrap();
    assert_eq!(spec.name, "windns-debug");
    let mut rejects = Rejects::default();
    let mut out = Event::Dns(DnsEvent::default());
    let mut events = Vec::new();
    while r.read(&mut out, &mut rejects).unwrap() {
        let Event::Dns(d) = &out else { panic!("{out:?}") };
        assert_eq!(d.source_format, "windns-debug");
        events.push(d.clone());
    }
    (events, rejects)
}

fn ip(s: &str) -> Option<std::net::IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn en_us_queries_responses_and_skipped_lines() {
    let mut opts = ReadOptions::default();
    opts.server = Some("DC01".into());
    let (e, rej) = read("en-us.log", &opts);
    assert_eq!(rej.count, 0, "{:?}", rej.kept);
    let got: Vec<_> = e.iter().map(|x| (x.kind, x.qtype.unwrap(), x.name.as_str(), x.rcode)).collect();
    use DnsKind::*;
    assert_eq!(
        got,
        [
            (Query, QType::A, "www.example.com", None),
            (Response, QType::A, "www.example.com", Some(Rcode::NOERROR)),
            (Query, QType::AXFR, "example.com", None),
            (Response, QType::AXFR, "example.com", Some(Rcode::REFUSED)),
            (Query, QType::ANY, "example.com", None),
            (Query, QType::MX, "example.com", None),
            (Query, QType::TXT, ".", None),
            (Response, QType::AAAA, "nope.example.com", Some(Rcode::NXDOMAIN)),
        ]
    );
    assert!(e.iter().all(|x| x.server == "DC01"));
    assert_eq!(
        (e[0].time.to_string(), e[0].client_ip, e[0].transport),
        ("2026-11-27T13:14:15Z".into(), ip("198.51.100.7"), Some(Transport::Udp))
    );
    assert_eq!(e[2].transport, Some(Transport::Tcp));
    assert_eq!((e[5].client_ip, e[6].time.to_string()), (ip("203.0.113.9"), "2026-11-27T00:00:01Z".into()));

    // The same file through the concrete reader: what was skipped, and a fixed offset.
    opts.timezone = Some("-0500".into());
    let mut r =
        WinDnsReader::new(source("en-us.log"), &opts, LocalZone::parse(Some("-0500")).unwrap(), DateOrder::MonthFirst);
    let (mut out, mut rejects, mut n) = (Event::Dns(DnsEvent::default()), Rejects::default(), 0);
    while r.read(&mut out, &mut rejects).unwrap() {
        if n == 0 {
            let Event::Dns(d) = &out else { panic!() };
            assert_eq!(d.time.to_string(), "2026-11-27T18:14:15Z");
        }
        n += 1;
    }
    // 3 header lines + 25 key-table lines + 1 EVENT + 34 + 7 details-dump lines (the second
    // dump ends at a packet line, not a blank one) + 3 non-client packets.
    assert_eq!((n, rejects.count, r.skipped()), (8, 0, 73));
}

#[test]
fn date_locales_are_detected() {
    let (e, rej) = read("de-de.log", &ReadOptions::default());
    assert_eq!((e.len(), rej.count), (2, 0));
    assert_eq!((e[0].time.to_string(), e[0].client_ip), ("2026-11-05T13:14:15Z".into(), ip("2001:db8::7")));
    assert_eq!((e[0].qtype, e[1].kind), (Some(QType::NS), DnsKind::Response));

    let (e, rej) = read("en-gb.log", &ReadOptions::default());
    assert_eq!(rej.count, 0);
    let times: Vec<_> = e.iter().map(|x| x.time.to_string()).collect();
    assert_eq!(times, ["2026-11-12T23:59:59Z", "2026-11-13T00:00:01Z"]);

    // The same file as PowerShell 5 copies it: UTF-16LE with a byte-order mark.
    let (utf16, rej16) = read("en-us-utf16le.log", &ReadOptions::default());
    let plain: Vec<_> = read("en-us.log", &ReadOptions::default()).0;
    assert_eq!((utf16, rej16.count), (plain, 0));

    let mut ny = ReadOptions::default();
    ny.timezone = Some("America/New_York".into());
    let (e, _) = read("en-us.log", &ny);
    assert_eq!(e[0].time.to_string(), "2026-11-27T18:14:15Z", "EST in November");

    let (e, rej) = read("iso-wrapped.log", &ReadOptions::default());
    assert_eq!((e.len(), rej.count), (2, 0));
    assert_eq!(
        (e[0].qtype, e[0].transport, e[1].rcode),
        (Some(QType::IXFR), Some(Transport::Tcp), Some(Rcode::REFUSED))
    );

    // The option overrides detection: de-DE read month first puts the day in May; en-GB read month
    // first cannot place `13/11/2026` and rejects that line (counted, line 32).
    let mut opts = ReadOptions::default();
    opts.day_first = Some(false);
    let (e, _) = read("de-de.log", &opts);
    assert_eq!(e[0].time.to_string(), "2026-05-11T13:14:15Z");
    let (e, rej) = read("en-gb.log", &opts);
    assert_eq!((e.len(), rej.count, rej.kept[0].location.line), (1, 1, 32));
    assert_eq!(e[0].time.to_string(), "2026-12-11T23:59:59Z");

    assert_eq!(detect_order(b"11/05/2026 1:00:00 PM x\n11/27/2026 1:00:00 PM x\n"), DateOrder::MonthFirst);
    assert_eq!(detect_order(b"11/05/2026 13:00:00 x\n27/11/2026 13:00:00 x\n"), DateOrder::DayFirst);
    assert_eq!(detect_order(b"11/05/2026 13:00:00 x\n"), DateOrder::MonthFirst);
    assert_eq!(detect_order(b"11.05.2026 13:00:00 x\n"), DateOrder::DayFirst);
}

#[test]
fn malformed_round_counts_every_bad_line_and_keeps_every_good_one() {
    let mut opts = ReadOptions::default();
    opts.max_record = 4096;
    let (e, rej) = read("malformed.log", &opts);
    let names: Vec<_> = e.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["a.example.com", "d.example.com", "h.example.com", "l.example.com"]);
    let lines: Vec<u64> = rej.kept.iter().map(|r| r.location.line).collect();
    assert_eq!(lines, [2, 3, 5, 6, 7, 9, 10, 11]);
    assert_eq!(rej.count, 8);
    let reasons: Vec<String> = rej.kept.iter().map(|r| r.error.to_string()).collect();
    assert_eq!(reasons[0], "record truncated: packet line");
    assert_eq!(reasons[1], "bad IP address `198.51.100.777`");
    assert_eq!(reasons[2], "malformed question type: BOGUS");
    assert_eq!(reasons[3], "bad timestamp `13/27/2026 1:14:15 (read month first)`");
    assert_eq!(reasons[4], "unrecognised record: random garbage line");
    assert_eq!(reasons[5], "line is not valid UTF-8");
    assert_eq!(reasons[6], "line longer than 4096 bytes");
}

#[test]
fn windns_fixtures_sniff_as_windns_and_bind_ones_do_not() {
    for f in ["en-us.log", "en-us-utf16le.log", "de-de.log", "en-gb.log", "iso-wrapped.log", "malformed.log"] {
        let head = std::fs::read(fixture(f)).unwrap();
        assert_eq!(sniff(&head).map(|s| s.name), Some("windns-debug"), "{f}");
    }
    let bind = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bind");
    for f in std::fs::read_dir(bind).unwrap() {
        let head = std::fs::read(f.unwrap().path()).unwrap();
        assert_ne!(sniff(&head).map(|s| s.name), Some("windns-debug"));
    }
}

/// Throughput on generated PACKET lines (run with `--release -- --ignored`).
#[test]
#[ignore]
fn throughput() {
    let line = "11/27/2026 1:14:15 PM 0E3C PACKET  000001D5E2B3C8E0 UDP Rcv 198.51.100.7    a1b2   Q [0001   D   \
                NOERROR] A      (3)www(7)example(3)com(0)\r\n";
    let n = 1_000_000;
    let data = line.repeat(n).into_bytes();
    let src = Source { name: "gen".into(), path: None, reader: Box::new(std::io::Cursor::new(data)) };
    // An IANA zone: the DST-aware path (its hour cache) is the one measured.
    let zone = LocalZone::parse(Some("Europe/Berlin")).unwrap();
    let mut r = WinDnsReader::new(src, &ReadOptions::default(), zone, DateOrder::MonthFirst);
    let (mut out, mut rejects, mut count) = (Event::Dns(DnsEvent::default()), Rejects::default(), 0);
    let start = std::time::Instant::now();
    while r.read(&mut out, &mut rejects).unwrap() {
        count += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "windns-debug: {count} events in {secs:.3} s = {:.0} events/s, {:.0} MB/s",
        count as f64 / secs,
        (n * line.len()) as f64 / secs / 1e6
    );
    assert_eq!((count, rejects.count), (n, 0));
}
