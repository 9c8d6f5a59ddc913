//! Differential test against pySigma: `tests/pysigma/run.py` converts `tests/pysigma/rules.yml`
//! with pySigma's SQLite backend and runs the queries over generated events; we run our engine
//! over the same events (as JSON events) and compare the matching event ids rule by rule.
//! Skips, saying so, when python3 cannot import `sigma.backends.sqlite` (PyPI: `pysigma`,
//! `pysigma-backend-sqlite`). What the backend cannot express is listed in `rules.yml`.

use detect::{load_str_with, CompileOptions, Rule};
use event::{EventClass, JsonEvent, Timestamp};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// A small deterministic generator (64-bit LCG), so both engines see the same events.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.next(xs.len())]
    }
}

const IMAGES: &[&str] = &[
    "C:\\Windows\\System32\\cmd.exe",
    "C:\\Tools\\nslookup.exe",
    "C:\\Windows\\System32\\NSLOOKUP.EXE",
    "/usr/bin/dig",
    "C:\\x\\prog1.exe",
    "C:\\x\\progAB.exe",
    "C:\\x\\prog*.exe",
    "c:\\*\\prog.exe",
    "C:\\Python\\python.exe",
];
const TOKENS: &[&str] = &[
    "nslookup",
    "-type=ns",
    "/type=ns",
    "\u{2013}type=ns",
    "-type=nsx",
    "dig",
    "AXFR",
    "axfr",
    "example.com",
    "+short",
    "ls -d",
    "corp.local",
    "dnsrecon",
    "NS",
    "ns1",
    "L2Jpbi9zaA==",
    "eC9iaW4vc2g=",
    "L2Jpbi9iYXNo",
    "whoami",
];
const USERS: &[&str] = &["alice", "ALICE", "bob", "svc_scan", ""];
const IPS: &[&str] = &[
    "10.1.2.3",
    "10.200.0.1",
    "192.168.1.5",
    "172.16.4.4",
    "172.32.0.1",
    "203.0.113.9",
    "198.51.100.7",
    "2001:db8::5",
    "2001:db9::1",
    "127.0.0.1",
];

fn events(n: usize) -> Vec<Value> {
    let mut g = Lcg(0x5eed);
    (0..n)
        .map(|id| {
            let mut m = Map::new();
            m.insert("id".into(), json!(id));
            let image = g.pick(IMAGES);
            m.insert("Image".into(), json!(image));
            let words: Vec<&str> = (0..1 + g.next(5)).map(|_| g.pick(TOKENS)).collect();
            let first = if g.next(2) == 0 { "nslookup" } else { g.pick(TOKENS) };
            m.insert("CommandLine".into(), json!(format!("{first} {}", words.join(" "))));
            match g.next(6) {
                0 => {}
                1 => {
                    m.insert("User".into(), Value::Null);
                }
                _ => {
                    m.insert("User".into(), json!(g.pick(USERS)));
                }
            }
            if g.next(5) > 0 {
                m.insert("ClientIP".into(), json!(g.pick(IPS)));
            }
            if g.next(4) > 0 {
                m.insert("Count".into(), json!(g.next(100)));
            }
            if g.next(2) == 0 {
                m.insert("Tag".into(), json!(g.pick(&["a", "b"])));
            }
            match g.next(4) {
                0 => {}
                1 => {
                    m.insert("Opt".into(), Value::Null);
                }
                2 => {
                    m.insert("Opt".into(), json!(""));
                }
                _ => {
                    m.insert("Opt".into(), json!("x"));
                }
            }
            let parent = if g.next(3) == 0 { image.to_ascii_uppercase() } else { g.pick(IMAGES).to_string() };
            m.insert("Parent".into(), json!(parent));
            let time =
                format!("2026-{:02}-{:02}T{:02}:{:02}:00Z", 1 + g.next(12), 1 + g.next(28), g.next(24), g.next(60));
            m.insert("Time".into(), json!(time));
            Value::Object(m)
        })
        .collect()
}

#[test]
fn agrees_with_pysigma_sqlite_backend() {
    let probe = Command::new("python3").args(["-c", "import sigma.backends.sqlite"]).output();
    if !probe.is_ok_and(|o| o.status.success()) {
        println!("SKIPPED: python3 cannot import sigma.backends.sqlite (pip install pysigma pysigma-backend-sqlite)");
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pysigma");
    let tmp = std::env::temp_dir().join(format!("detect-pysigma-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let evs = events(600);
    let jsonl: String = evs.iter().map(|e| format!("{e}\n")).collect();
    std::fs::write(tmp.join("events.jsonl"), jsonl).unwrap();
    let out = Command::new("python3")
        .arg(dir.join("run.py"))
        .arg(dir.join("rules.yml"))
        .arg(tmp.join("events.jsonl"))
        .arg(tmp.join("out.json"))
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "run.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let theirs: BTreeMap<String, Vec<u64>> =
        serde_json::from_str(&std::fs::read_to_string(tmp.join("out.json")).unwrap()).unwrap();
    std::fs::remove_dir_all(&tmp).unwrap();

    let text = std::fs::read_to_string(dir.join("rules.yml")).unwrap();
    let opts = CompileOptions { event_class: Some(EventClass::Json), ..CompileOptions::default() };
    let rules = load_str_with(&text, &dir.join("rules.yml"), &opts).expect("rules load");
    let json_events: Vec<JsonEvent> =
        evs.into_iter().map(|v| JsonEvent { time: Timestamp(0), value: v, source_format: "test" }).collect();
    let mut ours = BTreeMap::new();
    for r in &rules {
        let Rule::Detection(d) = r else { continue };
        let ids: Vec<u64> = json_events
            .iter()
            .filter(|e| d.matches(*e))
            .filter_map(|e| e.value.get("id").and_then(Value::as_u64))
            .collect();
        ours.insert(d.meta.title.clone(), ids);
    }
    assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>());
    let mut differ = Vec::new();
    for (title, ids) in &ours {
        let t = &theirs[title];
        println!("{title}: {} matches (pySigma {})", ids.len(), t.len());
        if ids != t {
            differ.push(format!("{title}: ours {ids:?}, pySigma {t:?}"));
        }
        // Each case must select some events but not all, or it tests nothing.
        assert!(
            !ids.is_empty() && ids.len() < json_events.len(),
            "{title}: {} of {} match",
            ids.len(),
            json_events.len()
        );
    }
    assert!(differ.is_empty(), "differences:\n{}", differ.join("\n"));
}
