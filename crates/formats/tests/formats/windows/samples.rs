//! The EVTX reader against the reference samples in the shared directory (SigmaHQ regression
//! data: `.evtx` files with the `evtx` crate's JSON rendering beside them). Skipped, saying so,
//! when the directory is absent.

use super::read_all;
use event::Event;
use formats::windows::{json::from_evtx_json, map::map, WinEvent};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `shared/` beside the checkout (CI), or one level further up (a worktree under `wt/`).
fn shared() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../../shared", "../../../../shared"]
        .iter()
        .map(|up| root.join(up).join("sigmahq/regression_data"))
        .find(|d| d.is_dir())
}

fn evtx_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            evtx_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "evtx") {
            out.push(p);
        }
    }
}

/// Every JSON object of a rendering (one object, or several back to back).
fn renderings(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::Deserializer::from_str(&text).into_iter::<Value>().map(|v| v.unwrap()).collect()
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A mapped value against the JSON rendering beside the sample. Those renderings drop trailing
/// spaces the records hold (`"powershell.exe" `), and at least one was edited by hand
/// (`Explorer.exe` where the record, and `evtx_dump`, say `Explorer.EXE`): compared ignoring
/// both; the reader keeps values exactly as the record has them.
fn same(at: &str, field: &str, got: &str, rendering: &str) {
    assert!(got.trim_end().eq_ignore_ascii_case(rendering.trim_end()), "{at}: {field}: {got:?} vs {rendering:?}");
}

pub fn sample_files() -> Option<Vec<PathBuf>> {
    let Some(dir) = shared() else {
        eprintln!("SKIPPED: no shared/sigmahq/regression_data beside the checkout: EVTX reference samples not checked");
        return None;
    };
    let mut files = Vec::new();
    evtx_files(&dir, &mut files);
    Some(files)
}

#[test]
fn every_reference_evtx_record_parses_and_matches_its_json_rendering() {
    let Some(files) = sample_files() else { return };
    assert!(!files.is_empty());
    let (mut records, mut sysmon1, mut sysmon22, mut s4688, mut generic) = (0, 0, 0, 0, 0);
    for path in &files {
        let (fmt, events, rejects) = read_all(path, None);
        assert_eq!(fmt, "evtx", "{}", path.display());
        assert_eq!(rejects.count, 0, "{}: {:?}", path.display(), rejects.kept);
        let json = renderings(&path.with_extension("json"));
        assert_eq!(events.len(), json.len(), "{}: record count", path.display());
        records += events.len();
        for (ev, j) in events.iter().zip(&json) {
            let e = &j["Event"];
            let data = &e["EventData"];
            let sys = &e["System"];
            let provider = text(&sys["Provider"]["#attributes"]["Name"]);
            let id = sys["EventID"].as_u64().unwrap_or_else(|| sys["EventID"]["#text"].as_u64().unwrap());
            // The same record through the JSON path maps to the same event.
            let mut w = WinEvent::default();
            from_evtx_json(e, &mut w).unwrap();
            let mut via_json = ev.clone();
            map(&w, "evtx", &mut via_json).unwrap();
            match (provider.as_str(), id, ev) {
                ("Microsoft-Windows-Sysmon", 1, Event::Process(p)) => {
                    sysmon1 += 1;
                    let at = format!("{} record {}", path.display(), sys["EventRecordID"]);
                    // Sysmon writes `-` for an unknown parent; the reader leaves the field empty.
                    let unset = |v: String| if v == "-" { String::new() } else { v };
                    same(&at, "Image", &p.folder_path, &text(&data["Image"]));
                    same(&at, "CommandLine", &p.command_line, &text(&data["CommandLine"]));
                    same(&at, "ParentImage", &p.parent_folder_path, &unset(text(&data["ParentImage"])));
                    same(&at, "ParentCommandLine", &p.parent_command_line, &unset(text(&data["ParentCommandLine"])));
                    assert_eq!(p.process_id, data["ProcessId"].as_u64(), "{at}");
                    assert_eq!(p.parent_process_id, data["ParentProcessId"].as_u64(), "{at}");
                    assert_eq!(p.device, text(&sys["Computer"]), "{at}");
                    let user = text(&data["User"]);
                    let want = user.rsplit('\\').next().unwrap();
                    assert_eq!(p.account, want, "{at}");
                    // Through the JSON path: the same event (up to the rendering's precision).
                    let Event::Process(q) = &via_json else { panic!("{at}") };
                    assert_eq!(
                        (&p.folder_path, &p.device, &p.account, p.time.0 / 1000),
                        (&q.folder_path, &q.device, &q.account, q.time.0 / 1000),
                        "{at}"
                    );
                }
                ("Microsoft-Windows-Security-Auditing", 4688, Event::Process(p)) => {
                    s4688 += 1;
                    let at = format!("{} record {}", path.display(), sys["EventRecordID"]);
                    same(&at, "NewProcessName", &p.folder_path, &text(&data["NewProcessName"]));
                    same(&at, "CommandLine", &p.command_line, &text(&data["CommandLine"]));
                }
                ("Microsoft-Windows-Sysmon", 22, Event::Dns(d)) => {
                    sysmon22 += 1;
                    assert_eq!(d.name, text(&data["QueryName"]).trim_end_matches('.'));
                }
                (_, _, Event::Json(g)) => {
                    generic += 1;
                    assert_eq!(g.value["EventID"], id);
                    assert_eq!(g.value["Provider"], provider.as_str());
                    assert_eq!(g.value["Computer"], sys["Computer"]);
                    assert_eq!(g.value["Channel"], sys["Channel"]);
                    assert_eq!(g.value["EventRecordID"], sys["EventRecordID"]);
                    let Event::Json(h) = &via_json else { panic!() };
                    // The JSON rendering keeps microseconds, the record 100 ns.
                    assert_eq!(g.time.0 / 1000, h.time.0 / 1000);
                    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
                    assert_eq!(keys(&g.value), keys(&h.value), "{}", path.display());
                }
                (p, i, other) => panic!("{}: {p} {i} mapped to {other:?}", path.display()),
            }
        }
    }
    eprintln!(
        "EVTX samples: {} files, {records} records: {sysmon1} Sysmon 1, {s4688} Security 4688, {sysmon22} Sysmon 22, \
         {generic} generic",
        files.len()
    );
    assert!(sysmon1 > 0);
}

/// `evtx_dump -o jsonl` output (the renderings beside the samples, one object per line) reads
/// through `winlogbeat-json` into the same events as the EVTX files.
#[test]
fn evtx_dump_jsonl_reads_like_the_evtx_files() {
    let Some(files) = sample_files() else { return };
    let dir = super::tempdir("jsonl");
    let mut compared = 0;
    for (i, path) in files.iter().enumerate().take(40) {
        let lines: Vec<String> = renderings(&path.with_extension("json")).iter().map(Value::to_string).collect();
        let jsonl = dir.join(format!("{i}.jsonl"));
        std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();
        let (fmt, from_json, rejects) = read_all(&jsonl, None);
        assert_eq!(fmt, "winlogbeat-json", "{}", path.display());
        assert_eq!(rejects.count, 0, "{}: {:?}", path.display(), rejects.kept);
        let (_, from_evtx, _) = read_all(path, None);
        assert_eq!(from_json.len(), from_evtx.len());
        for (j, e) in from_json.iter().zip(&from_evtx) {
            assert_eq!(j.class(), e.class(), "{}", path.display());
            assert_eq!(j.source_format(), "winlogbeat-json");
            if let (Event::Process(a), Event::Process(b)) = (j, e) {
                assert_eq!((&a.folder_path, &a.device, a.process_id), (&b.folder_path, &b.device, b.process_id));
            }
            compared += 1;
        }
    }
    assert!(compared > 0);
    std::fs::remove_dir_all(dir).unwrap();
}
