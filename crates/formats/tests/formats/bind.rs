//! The `bind` format on its fixtures: real BIND 9.18 output captured by `tests/real_bind.rs`,
//! hand-written syslog (RFC 3164 / RFC 5424, Infoblox style) and old-version lines, and a round of
//! malformed input.

mod accounting;

use event::{DnsEvent, DnsKind, Event, QType, Rcode, Timestamp, TransferOutcome, Transport};
use formats::bind::BindReader;
use formats::{input, open_reader, sniff, EventReader, LocalZone, ReadOptions, Rejects, Source};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn source(name: &str) -> Source {
    input::open(&input::InputPath::File(fixture(name))).unwrap()
}

/// Reads a fixture with a fixed reference time (for RFC 3164 years); returns the events, the
/// rejects and the skipped count.
fn read(name: &str, opts: &ReadOptions) -> (Vec<DnsEvent>, Rejects, u64) {
    let reference = Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap();
    let zone = LocalZone::parse(opts.timezone.as_deref()).unwrap();
    let mut r = BindReader::new(source(name), opts, zone, reference);
    let mut rejects = Rejects::default();
    let mut out = Event::Dns(DnsEvent::default());
    let mut events = Vec::new();
    while r.read(&mut out, &mut rejects).unwrap() {
        let Event::Dns(d) = &out else { panic!("{out:?}") };
        assert_eq!(d.source_format, "bind");
        events.push(d.clone());
    }
    (events, rejects, r.skipped())
}

fn ip(s: &str) -> Option<std::net::IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn real_bind_fixture() {
    let (q, rej, skipped) = read("bind/real-queries.log", &ReadOptions::default());
    assert_eq!((q.len(), rej.count, skipped), (18, 0, 0));
    assert!(q.iter().all(|e| e.kind == DnsKind::Query && e.qclass == Some(1) && e.server.is_empty()));
    let axfr = &q[1];
    assert_eq!(axfr.time.to_string(), "2026-11-27T13:40:26.527Z");
    assert_eq!((axfr.client_ip, axfr.client_port), (ip("198.51.100.7"), Some(36159)));
    assert_eq!(
        (axfr.name.as_str(), axfr.qtype, axfr.transport),
        ("example.test", Some(QType::AXFR), Some(Transport::Tcp))
    );
    assert_eq!((axfr.server_ip, axfr.view.as_deref()), (ip("192.0.2.53"), Some("external")));
    assert_eq!(axfr.extra.get("Flags"), Some("-E(0)TK"));
    let per_type = |t: QType| q.iter().filter(|e| e.qtype == Some(t)).count();
    assert_eq!((per_type(QType::AXFR), per_type(QType::IXFR), per_type(QType::ANY)), (5, 2, 1));

    let (x, rej, skipped) = read("bind/real-xfer.log", &ReadOptions::default());
    assert_eq!((x.len(), rej.count, skipped), (10, 0, 1), "the IXFR fall-back note is skipped");
    let outcomes: Vec<_> = x.iter().map(|e| (e.transfer.unwrap(), e.qtype)).collect();
    use TransferOutcome::*;
    assert_eq!(
        outcomes,
        [
            (Started, Some(QType::AXFR)),
            (Completed, Some(QType::AXFR)),
            (Started, Some(QType::IXFR)),
            (Completed, Some(QType::IXFR)),
            (Failed, Some(QType::AXFR)),
            (Denied, Some(QType::AXFR)),
            (Denied, Some(QType::IXFR)),
            (Failed, None),
            (Started, Some(QType::AXFR)),
            (Completed, Some(QType::AXFR))
        ]
    );
    assert_eq!((x[1].transfer_records, x[1].transfer_bytes), (Some(9), Some(290)));
    assert_eq!((x[4].rcode, x[4].extra.get("Reason")), (Some(Rcode(1)), Some("attempted AXFR over UDP")));
    assert_eq!((x[5].client_ip, x[5].rcode), (ip("203.0.113.9"), Some(Rcode::REFUSED)));
    assert_eq!((x[7].name.as_str(), x[7].rcode), ("example.org", Some(Rcode::NOTAUTH)));
    assert_eq!(x[8].view.as_deref(), Some("internal"));
}

#[test]
fn real_iso8601_print_time_fixtures() {
    // `print-time iso8601-utc` (with `Z`, no category/severity) and `iso8601` (local, no zone,
    // severity only) from one run: the same events at the same instants.
    let (utc, rej_utc, _) = read("bind/real-queries-iso-utc.log", &ReadOptions::default());
    let (local, rej_local, _) = read("bind/real-queries-iso-local.log", &ReadOptions::default());
    assert_eq!((utc.len(), rej_utc.count, rej_local.count), (18, 0, 0));
    assert_eq!(utc, local);
    assert_eq!(utc[17].client_ip, ip("10.0.0.5"));
    let mut berlin = ReadOptions::default();
    berlin.timezone = Some("Europe/Berlin".into());
    let (utc_b, _, _) = read("bind/real-queries-iso-utc.log", &berlin);
    let (local_b, _, _) = read("bind/real-queries-iso-local.log", &berlin);
    assert_eq!(utc_b[0].time, utc[0].time, "a stamp with Z ignores the configured zone");
    assert_eq!(local_b[0].time.0, utc[0].time.0 - 3_600_000_000_000, "a zone-less stamp is Berlin time");
}

#[test]
fn real_rsyslog_fixtures_in_three_syslog_formats() {
    let (files, _, _) = read("bind/real-queries.log", &ReadOptions::default());
    let (xfers, _, _) = read("bind/real-xfer.log", &ReadOptions::default());
    let mut want: Vec<_> = files
        .iter()
        .chain(&xfers)
        .map(|e| (e.client_port, e.kind.as_str(), e.transfer.map(|t| t.as_str()), e.qtype))
        .collect();
    want.sort();
    for f in ["real-syslog-3164.log", "real-syslog-5424.log", "real-syslog-3339.log"] {
        let (e, rej, skipped) = read(&format!("bind/{f}"), &ReadOptions::default());
        assert_eq!((e.len(), rej.count, skipped), (28, 0, 44), "{f}: {:?}", rej.kept);
        assert!(e.iter().all(|x| x.server == "ns1" && x.time.to_string().starts_with("2026-11-27T13:40:2")), "{f}");
        let mut got: Vec<_> =
            e.iter().map(|e| (e.client_port, e.kind.as_str(), e.transfer.map(|t| t.as_str()), e.qtype)).collect();
        got.sort();
        assert_eq!(got, want, "{f}");
    }
}

#[test]
fn syslog_rfc3164_host_is_the_server_and_the_year_is_inferred() {
    let mut opts = ReadOptions::default();
    opts.server = Some("fallback".into());
    let (e, rej, skipped) = read("bind/syslog-rfc3164.log", &opts);
    assert_eq!((e.len(), rej.count, skipped), (6, 0, 2), "{:?}", rej.kept);
    assert_eq!((e[0].time.to_string(), e[0].server.as_str()), ("2026-11-27T13:14:15Z".into(), "ns1"));
    assert_eq!((e[1].client_ip, e[1].server_ip, e[1].qtype), (ip("2001:db8::7"), ip("2001:db8::53"), Some(QType::ANY)));
    assert_eq!(e[2].transfer, Some(TransferOutcome::Denied));
    assert_eq!((e[3].transfer, e[3].transfer_records), (Some(TransferOutcome::Started), None));
    assert_eq!(
        (e[4].server.as_str(), e[4].transfer_records, e[4].transfer_bytes),
        ("infoblox-gm", Some(12), Some(345))
    );
    let bad = &e[5];
    assert_eq!((bad.time.to_string(), bad.name.as_str()), ("2026-11-03T09:00:01Z".into(), "example.org"));
    assert_eq!(
        (bad.transfer, bad.rcode, bad.client_port),
        (Some(TransferOutcome::Failed), Some(Rcode::NOTAUTH), Some(4243))
    );

    // A fixed offset: the syslog stamps are local time.
    opts.timezone = Some("+01:00".into());
    let (e, _, _) = read("bind/syslog-rfc3164.log", &opts);
    assert_eq!(e[0].time.to_string(), "2026-11-27T12:14:15Z");
}

#[test]
fn syslog_rfc5424() {
    let (e, rej, skipped) = read("bind/syslog-rfc5424.log", &ReadOptions::default());
    assert_eq!((e.len(), rej.count, skipped), (3, 0, 0));
    assert_eq!(
        (e[0].time.to_string(), e[0].server.as_str()),
        ("2026-11-27T12:14:15.123456Z".into(), "ns2.example.com")
    );
    assert_eq!((e[0].qtype, e[1].qtype, e[2].qtype), (Some(QType::MX), Some(QType::TXT), Some(QType::IXFR)));
    assert_eq!(e[2].transfer, Some(TransferOutcome::Denied));
}

#[test]
fn old_forms_prefix_combinations_and_the_server_option() {
    let mut opts = ReadOptions::default();
    opts.server = Some("ns-opt".into());
    let (e, rej, skipped) = read("bind/plain-old.log", &opts);
    assert_eq!((e.len(), rej.count, skipped), (7, 0, 2), "{:?}", rej.kept);
    assert!(e.iter().all(|x| x.server == "ns-opt"));
    let kinds: Vec<_> = e.iter().map(|x| (x.kind, x.qtype, x.transfer)).collect();
    use TransferOutcome::*;
    assert_eq!(
        kinds,
        [
            (DnsKind::Query, Some(QType::NS), None),
            (DnsKind::Query, Some(QType::SOA), None),
            (DnsKind::Query, Some(QType::AXFR), None),
            (DnsKind::Transfer, Some(QType::IXFR), Some(Started)),
            (DnsKind::Transfer, Some(QType::IXFR), Some(Completed)),
            (DnsKind::Transfer, None, Some(Failed)),
            (DnsKind::Query, Some(QType::TXT), None),
        ]
    );
    assert_eq!((e[1].server_ip, e[1].transport), (None, Some(Transport::Udp)));
    assert_eq!(e[5].extra.get("Reason"), Some("sending zone data: connection reset"));
    assert_eq!((e[6].client_ip, e[6].client_port, e[6].qclass), (ip("2001:db8::9"), Some(53), Some(3)));
    assert_eq!(e[6].time.to_string(), "2026-11-27T13:14:15.009Z");
}

#[test]
fn malformed_round_counts_every_bad_line_and_keeps_every_good_one() {
    let mut opts = ReadOptions::default();
    opts.max_record = 4096;
    let (e, rej, skipped) = read("bind/malformed.log", &opts);
    let names: Vec<_> = e.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["a.example.com", "h.example.com", "l.example.com"]);
    assert_eq!(skipped, 0);
    let lines: Vec<u64> = rej.kept.iter().map(|r| r.location.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10, 11, 12]);
    assert_eq!(rej.count, 10);
    let reasons: Vec<String> = rej.kept.iter().map(|r| r.error.to_string()).collect();
    assert_eq!(reasons[0], "record truncated: query");
    assert!(reasons[1].starts_with("unrecognised record: this is not"), "{}", reasons[1]);
    assert_eq!(reasons[2], "bad IP address `198.51.100.999`");
    assert_eq!(reasons[5], "missing field `timestamp`");
    assert_eq!(reasons[7], "line is not valid UTF-8");
    assert_eq!(reasons[8], "line longer than 4096 bytes");
    assert!(rej.kept.iter().all(|r| r.location.source.ends_with("malformed.log")));
}

#[test]
fn iana_zones_apply_to_zone_less_stamps_and_unknown_zones_are_refused() {
    let mut opts = ReadOptions::default();
    opts.timezone = Some("Europe/Berlin".into());
    let (e, rej, _) = read("bind/plain-old.log", &opts);
    assert_eq!(rej.count, 0);
    assert_eq!(e[0].time.to_string(), "2026-11-27T12:14:15.001Z", "CET in November");
    assert_eq!(e[6].time.to_string(), "2026-11-27T13:14:15.009Z", "an ISO stamp with Z keeps its zone");
    opts.timezone = Some("Mars/Olympus_Mons".into());
    let err = open_reader(source("bind/plain-old.log"), Some("bind"), &opts).err().unwrap();
    assert!(err.to_string().contains("Mars/Olympus_Mons"), "{err}");
}

#[test]
fn bind_fixtures_sniff_as_bind_and_windns_ones_do_not() {
    for f in [
        "real-queries.log",
        "real-xfer.log",
        "real-queries-iso-utc.log",
        "real-queries-iso-local.log",
        "syslog-rfc3164.log",
        "syslog-rfc5424.log",
        "plain-old.log",
        "malformed.log",
    ] {
        let head = std::fs::read(fixture("bind").join(f)).unwrap();
        assert_eq!(sniff(&head).map(|s| s.name), Some("bind"), "{f}");
    }
    for f in std::fs::read_dir(fixture("windns-debug")).unwrap() {
        let head = std::fs::read(f.unwrap().path()).unwrap();
        assert_ne!(sniff(&head).map(|s| s.name), Some("bind"));
    }
}

/// Throughput on generated print-time query lines (run with `--release -- --ignored`).
#[test]
#[ignore]
fn throughput() {
    let line = "27-Nov-2026 13:14:15.123 queries: info: client @0x7f3a2c0a8b68 198.51.100.7#53124 (www.example.com): \
                view external: query: www.example.com IN A +E(0)K (192.0.2.53)\n";
    let n = 1_000_000;
    let data = line.repeat(n).into_bytes();
    let src = Source { name: "gen".into(), path: None, reader: Box::new(std::io::Cursor::new(data)) };
    let mut r = BindReader::new(src, &ReadOptions::default(), LocalZone::utc(), Timestamp(0));
    let (mut out, mut rejects, mut count) = (Event::Dns(DnsEvent::default()), Rejects::default(), 0);
    let start = std::time::Instant::now();
    while r.read(&mut out, &mut rejects).unwrap() {
        count += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "bind: {count} events in {secs:.3} s = {:.0} events/s, {:.0} MB/s",
        count as f64 / secs,
        (n * line.len()) as f64 / secs / 1e6
    );
    assert_eq!((count, rejects.count), (n, 0));
}
