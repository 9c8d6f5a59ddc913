//! Throughput of the Windows readers (ignored by default; run with
//! `cargo test --release -p formats --test formats throughput -- --ignored --nocapture`).

use super::{fixture, tempdir};
use event::{Event, Timestamp};
use formats::input::{open, InputPath};
use formats::{open_reader, ReadOptions, Rejects};
use std::path::Path;

/// CPU seconds (user + system) used by this thread so far: the machine is shared, so wall time
/// says little.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).and_then(|u| u.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|s| s.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Reads a whole input without keeping the events: (events, rejects).
fn count(path: &Path) -> (usize, u64) {
    let src = open(&InputPath::File(path.to_path_buf())).unwrap();
    let (_, mut reader) = open_reader(src, None, &ReadOptions::default()).unwrap();
    let mut rejects = Rejects::default();
    let mut slot =
        Event::Json(event::JsonEvent { time: Timestamp(0), value: serde_json::Value::Null, source_format: "" });
    let mut n = 0;
    while reader.read(&mut slot, &mut rejects).unwrap() {
        n += 1;
    }
    (n, rejects.count)
}

fn measure(label: &str, path: &Path, want: usize) {
    let bytes = std::fs::metadata(path).unwrap().len();
    let t = cpu_secs();
    let (n, rejects) = count(path);
    let secs = (cpu_secs() - t).max(0.01);
    assert_eq!((n, rejects), (want, 0));
    eprintln!(
        "{label}: {want} events, {:.1} MB in {secs:.2} CPU s: {:.0} events/s, {:.1} MB/s",
        bytes as f64 / 1e6,
        want as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

#[test]
#[ignore]
fn throughput() {
    const REPEAT: usize = 25_000;
    let dir = tempdir("throughput");
    let xml = std::fs::read_to_string(fixture("sysmon1.xml")).unwrap();
    let path = dir.join("big.xml");
    std::fs::write(&path, xml.repeat(REPEAT)).unwrap();
    measure("winevent-xml (Sysmon 1)", &path, 4 * REPEAT);
    let json = std::fs::read_to_string(fixture("sysmon1-winlogbeat.ndjson")).unwrap();
    let path = dir.join("big.ndjson");
    std::fs::write(&path, json.repeat(REPEAT)).unwrap();
    measure("winlogbeat-json (Sysmon 1)", &path, 4 * REPEAT);
    let an = std::fs::read_to_string(fixture("dns-analytical.xml")).unwrap();
    let path = dir.join("big-dns.xml");
    std::fs::write(&path, an.repeat(REPEAT / 2)).unwrap();
    measure("winevent-xml (DNS Analytical)", &path, 10 * REPEAT / 2);
    std::fs::remove_dir_all(dir).unwrap();

    if let Some(files) = super::samples::sample_files() {
        let t = cpu_secs();
        let mut n = 0;
        let mut bytes = 0;
        for _ in 0..5 {
            for f in &files {
                n += count(f).0;
                bytes += std::fs::metadata(f).unwrap().len();
            }
        }
        let secs = (cpu_secs() - t).max(0.01);
        eprintln!(
            "evtx (reference samples x5): {n} events, {:.1} MB in {secs:.2} CPU s: {:.0} events/s",
            bytes as f64 / 1e6,
            n as f64 / secs
        );
    }
}
