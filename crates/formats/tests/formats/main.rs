//! Integration tests of the input formats, one module per format, over hand-written fixtures in
//! `tests/fixtures/`.

mod auditd;
mod bind;
mod coredns;
mod dnstap;
mod ecs;
mod ecs_process;
mod json;
mod pcap;
mod robust;
mod route53;
mod sensors;
mod sentinel;
mod sniff;
mod suricata;
mod windns_debug;
mod windows;
mod zeek;

use event::Event;
use formats::{open_reader, ReadOptions, Rejects, Source};
use std::path::PathBuf;

pub fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// Reads every event of `bytes` with `format` (or the sniffed format), returning the events, the
/// rejects and the format's name.
pub fn read_bytes(
    name: &str,
    bytes: Vec<u8>,
    format: Option<&str>,
    opts: &ReadOptions,
) -> (Vec<Event>, Rejects, &'static str) {
    let src = Source { name: name.into(), path: None, reader: Box::new(std::io::Cursor::new(bytes)) };
    let (spec, mut reader) = open_reader(src, format, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut rejects = Rejects { keep: 1000, ..Rejects::default() };
    let mut out = Vec::new();
    let mut ev =
        Event::Json(event::JsonEvent { time: event::Timestamp(0), value: serde_json::Value::Null, source_format: "" });
    while reader.read(&mut ev, &mut rejects).unwrap() {
        out.push(ev.clone());
    }
    (out, rejects, spec.name)
}

pub fn read_fixture(rel: &str, format: &str) -> (Vec<Event>, Rejects) {
    let bytes = std::fs::read(fixture(rel)).unwrap();
    let (ev, rej, _) = read_bytes(rel, bytes, Some(format), &ReadOptions::default());
    (ev, rej)
}

/// `(line, error message)` of every kept reject.
pub fn reject_lines(r: &Rejects) -> Vec<(u64, String)> {
    r.kept.iter().map(|r| (r.location.line, r.error.to_string())).collect()
}

pub fn dns(e: &Event) -> &event::DnsEvent {
    match e {
        Event::Dns(d) => d,
        other => panic!("not a DNS event: {other:?}"),
    }
}

pub fn process(e: &Event) -> &event::ProcessEvent {
    match e {
        Event::Process(p) => p,
        other => panic!("not a process event: {other:?}"),
    }
}
