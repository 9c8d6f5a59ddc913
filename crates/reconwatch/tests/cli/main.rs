//! End-to-end tests of the `reconwatch` binary: one test binary, tiny helpers, one module per
//! concern.

mod boundaries;
mod differential;
mod endpoint;
mod examples;
mod lab;
mod lab_live;
mod live;
mod outcome;
mod parallel;
mod progress;
mod scenario;
mod usage;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_reconwatch"))
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn run(args: &[&str]) -> Output {
    bin().current_dir(root()).args(args).output().expect("run reconwatch")
}

/// Runs `reconwatch hunt --format jsonl ARGS` and returns the alerts, asserting success.
pub fn hunt(args: &[&str]) -> Vec<Value> {
    let mut full = vec!["hunt", "--format", "jsonl"];
    full.extend_from_slice(args);
    let out = run(&full);
    assert!(out.status.success(), "reconwatch {full:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l}: {e}")))
        .collect()
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "rw-cli-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn write(&self, name: &str, text: &str) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `(AlertType, TimeGenerated, key)` of each alert, sorted, for compact assertions. The key is
/// ClientIP for DNS alerts and DeviceName for process alerts.
pub fn brief(alerts: &[Value]) -> Vec<(String, String, String)> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out: Vec<_> = alerts
        .iter()
        .map(|a| {
            let key = if a.get("ClientIP").is_some() { s(a, "ClientIP") } else { s(a, "DeviceName") };
            (s(a, "AlertType"), s(a, "TimeGenerated"), key)
        })
        .collect();
    out.sort();
    out
}
