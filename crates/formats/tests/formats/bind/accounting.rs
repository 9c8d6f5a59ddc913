//! Every line is accounted for: an event, a counted reject, a counted skip, or blank. Checked on
//! each fixture after deterministic mutations (truncations, inserted bytes and characters,
//! removed spaces), for both readers. (Kept under `bind` so that main.rs lists only the two
//! format modules.)

use event::{DnsEvent, Event};
use formats::bind::BindReader;
use formats::windns_debug::{DateOrder, WinDnsReader};
use formats::{EventReader, LocalZone, ReadOptions, Rejects, Source};
use std::path::PathBuf;

fn fixtures(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(dir);
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains("utf16"))
        .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
        .collect();
    out.sort();
    out
}

/// A small deterministic generator (no dependency, same cases on every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn mutate(data: &[u8], rng: &mut Lcg) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 64);
    for line in data.split_inclusive(|b| *b == b'\n') {
        let mut l = line.to_vec();
        match rng.next(8) {
            0 => l.truncate(rng.next(l.len())),
            1 => {
                let at = rng.next(l.len());
                let junk: &[&[u8]] = &[b"\xff", "ü".as_bytes(), b" ", b"(", b"'", b"#", b":", b"\t", b"\x00"];
                l.splice(at..at, junk[rng.next(junk.len())].iter().copied());
            }
            2 => l.retain(|b| *b != b' '),
            _ => {}
        }
        out.extend_from_slice(&l);
    }
    out
}

fn lines_and_blanks(data: &[u8], max: usize) -> (u64, u64) {
    let mut lines = 0;
    let mut blank = 0;
    for line in data.split_inclusive(|b| *b == b'\n') {
        lines += 1;
        let body = line.strip_suffix(b"\n").unwrap_or(line);
        let body = body.strip_suffix(b"\r").unwrap_or(body);
        if body.len() <= max && std::str::from_utf8(body).is_ok_and(|s| s.trim_ascii().is_empty()) {
            blank += 1;
        }
    }
    (lines, blank)
}

fn run(reader: &mut dyn EventReader) -> (u64, Rejects) {
    let (mut out, mut rejects, mut events) = (Event::Dns(DnsEvent::default()), Rejects::default(), 0);
    while reader.read(&mut out, &mut rejects).unwrap() {
        events += 1;
    }
    (events, rejects)
}

fn src(data: Vec<u8>) -> Source {
    Source { name: "mutated".into(), path: None, reader: Box::new(std::io::Cursor::new(data)) }
}

#[test]
fn every_line_is_accounted_for() {
    let mut opts = ReadOptions::default();
    opts.max_record = 4096;
    let mut rng = Lcg(0x5eed);
    let mut total = 0;
    for round in 0..20 {
        for (name, data) in fixtures("bind") {
            let data = if round == 0 { data } else { mutate(&data, &mut rng) };
            let (lines, blank) = lines_and_blanks(&data, opts.max_record);
            let mut r = BindReader::new(src(data), &opts, LocalZone::utc(), event::Timestamp(0));
            let (events, rejects) = run(&mut r);
            assert_eq!(events + rejects.count + r.skipped() + blank, lines, "{name} round {round}");
            total += lines;
        }
        for (name, data) in fixtures("windns-debug") {
            let data = if round == 0 { data } else { mutate(&data, &mut rng) };
            let (lines, blank) = lines_and_blanks(&data, opts.max_record);
            let mut r = WinDnsReader::new(src(data), &opts, LocalZone::utc(), DateOrder::MonthFirst);
            let (events, rejects) = run(&mut r);
            assert_eq!(events + rejects.count + r.skipped() + blank, lines, "{name} round {round}");
            total += lines;
        }
    }
    assert!(total > 5_000, "{total}");
}
