
        Event::Dns(d) => d,
        Event::Json(event::JsonEvent { time: event::Timestamp(0), value: serde_json::Value::Null, source_format: "" });
        Event::Process(p) => p,
        other => panic!("not a DNS event: {other:?}"),
        other => panic!("not a process event: {other:?}"),
        out.push(ev.clone());
    (ev, rej)
    (out, rejects, spec.name)
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
    bytes: Vec<u8>,
    format: Option<&str>,
    let (ev, rej, _) = read_bytes(rel, bytes, Some(format), &ReadOptions::default());
    let (spec, mut reader) = open_reader(src, format, opts).unwrap_or_else(|e| panic!("{name}: {e}"));
    let bytes = std::fs::read(fixture(rel)).unwrap();
    let mut ev =
    let mut out = Vec::new();
    let mut rejects = Rejects { keep: 1000, ..Rejects::default() };
    let src = Source { name: name.into(), path: None, reader: Box::new(std::io::Cursor::new(bytes)) };
    match e {
    name: &str,
    opts: &ReadOptions,
    r.kept.iter().map(|r| (r.location.line, r.error.to_string())).collect()
    while reader.read(&mut ev, &mut rejects).unwrap() {
    }
) -> (Vec<Event>, Rejects, &'static str) {
//! Integration tests of the input formats, one module per format, over hand-written fixtures in
//! `tests/fixtures/`.
/// Reads every event of `bytes` with `format` (or the sniffed format), returning the events, the
/// `(line, error message)` of every kept reject.
/// rejects and the format's name.
mod auditd;
mod bind;
mod ecs_process;
mod json;
mod robust;
mod sentinel;
mod sniff;
mod windns_debug;
pub fn dns(e: &Event) -> &event::DnsEvent {
pub fn fixture(rel: &str) -> PathBuf {
pub fn process(e: &Event) -> &event::ProcessEvent {
pub fn read_bytes(
pub fn read_fixture(rel: &str, format: &str) -> (Vec<Event>, Rejects) {
pub fn reject_lines(r: &Rejects) -> Vec<(u64, String)> {
use event::Event;
use formats::{open_reader, ReadOptions, Rejects, Source};
use std::path::PathBuf;
}
