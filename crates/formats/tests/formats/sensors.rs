//! Helpers shared by the DNS sensor format tests (zeek-dns, suricata-eve, route53-resolver, coredns,
//! ecs-dns), and the sniffing matrix over their fixtures.

use event::{DnsEvent, Event};
use formats::{by_name, sniff, ReadOptions, RecordError, Rejects, Source, FORMATS};
use std::path::PathBuf;

/// The sensor formats and their fixture files.
pub const FIXTURES: &[(&str, &[&str])] = &[
    ("zeek-dns", &["dns.log", "dns.json"]),
    ("suricata-eve", &["eve-v2.json", "eve-v3.json"]),
    ("route53-resolver", &["resolver.jsonl"]),
    ("coredns", &["coredns.log"]),
    ("ecs-dns", &["packetbeat.ndjson"]),
];

pub fn fixture(format: &str, file: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(format).join(file);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub struct Read {
    pub events: Vec<DnsEvent>,
    pub rejects: Rejects,
    pub ignored: u64,
}

impl Read {
    /// `(line, reason)` of every kept reject.
    pub fn reasons(&self) -> Vec<(u64, RecordError)> {
        self.rejects.kept.iter().map(|r| (r.location.line, r.error.clone())).collect()
    }
}

pub fn read_with(format: &str, bytes: &[u8], opts: &ReadOptions) -> Read {
    let spec = by_name(format).unwrap_or_else(|| panic!("{format} not registered"));
    let src = Source {
        name: format!("{format}-test").into(),
        path: None,
        reader: Box::new(std::io::Cursor::new(bytes.to_vec())),
    };
    let mut r = (spec.open)(src, opts).expect("open");
    let mut ev = Event::Dns(DnsEvent::default());
    let mut rejects = Rejects::default();
    let mut events = Vec::new();
    while r.read(&mut ev, &mut rejects).expect("read") {
        match &ev {
            Event::Dns(d) => {
                assert_eq!(d.source_format, format);
                events.push(d.clone());
            }
            other => panic!("not a DNS event: {other:?}"),
        }
    }
    for rj in &rejects.kept {
        assert_eq!(&*rj.location.source, format!("{format}-test"), "reject names its file");
    }
    Read { events, rejects, ignored: r.ignored() }
}

pub fn read(format: &str, bytes: &[u8]) -> Read {
    read_with(format, bytes, &ReadOptions::default())
}

pub fn opts_server(s: &str) -> ReadOptions {
    let mut o = ReadOptions::default();
    o.server = Some(s.to_string());
    o
}

pub fn opts_max(n: usize) -> ReadOptions {
    let mut o = ReadOptions::default();
    o.max_record = n;
    o
}

/// The sniff score of format `name` for `head`.
pub fn score(name: &str, head: &[u8]) -> u8 {
    (by_name(name).expect("registered").sniff)(head)
}

pub fn ip(s: &str) -> Option<std::net::IpAddr> {
    Some(s.parse().expect("test IP"))
}

#[test]
fn every_fixture_sniffs_to_its_own_format_and_no_other_sensor_format_claims_it() {
    for (format, files) in FIXTURES {
        for file in *files {
            let head = fixture(format, file);
            assert_eq!(sniff(&head).map(|f| f.name), Some(*format), "{format}/{file}");
            for (other, _) in FIXTURES.iter().filter(|(o, _)| o != format) {
                assert_eq!(score(other, &head), 0, "{other} claims {format}/{file}");
            }
        }
    }
}

#[test]
fn gzipped_fixtures_open_by_sniffing_through_the_public_api() {
    use std::io::Write;
    let dir = std::env::temp_dir().join(format!("rw-sensors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (format, files) in FIXTURES {
        for file in *files {
            let raw = fixture(format, file);
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&raw).expect("gzip");
            let path = dir.join(format!("{file}.gz"));
            std::fs::write(&path, gz.finish().expect("gzip")).expect("write");
            let src = formats::input::open(&formats::input::InputPath::File(path)).expect("open");
            let (spec, mut r) = formats::open_reader(src, None, &ReadOptions::default()).expect("sniffed");
            assert_eq!(spec.name, *format);
            let (mut ev, mut rejects, mut n) = (Event::Dns(DnsEvent::default()), Rejects::default(), 0);
            while r.read(&mut ev, &mut rejects).expect("read") {
                n += 1;
            }
            assert_eq!((n, rejects.count), (read(format, &raw).events.len(), 0), "{format}/{file}");
        }
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn generic_json_and_text_sniff_as_no_sensor_format() {
    let heads: [&[u8]; 5] = [
        br#"{"timestamp":"2026-11-27T13:14:15Z","message":"hello","level":"info"}"#,
        br#"{"@timestamp":"2026-11-27T13:14:15Z","message":"hello","host":{"name":"x"}}"#,
        br#"{"ts":1795785255.0,"uid":"C1","id.orig_h":"10.0.0.1","service":"ssl"}"#,
        b"Nov 27 13:14:15 host named[123]: client 10.0.0.1#5353: query: a.example IN A +\n",
        b"[INFO] starting up\n[WARNING] nothing to see\n",
    ];
    for head in heads {
        for (format, _) in FIXTURES {
            assert_eq!(score(format, head), 0, "{format} claims {:?}", String::from_utf8_lossy(head));
        }
    }
    assert!(FORMATS.len() >= FIXTURES.len());
}
