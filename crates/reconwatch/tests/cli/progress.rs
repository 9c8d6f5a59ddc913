//! The progress line: drawn on a terminal (a PTY made by `script`), never when stderr is piped
//! or with `-q`, and never in the alerts. `RECONWATCH_PROGRESS_DELAY_MS=0` makes it draw at once,
//! however short the hunt.

use crate::{bin, TempDir};
use std::process::Command;

/// A DnsEvents CSV with one bulk-enumeration burst in 20 000 rows.
fn csv(d: &TempDir) -> String {
    let mut s = String::from("TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n");
    for i in 0..20_000 {
        let (client, qtype) = if i % 500 == 0 { ("203.0.113.9", "MX") } else { ("10.1.2.3", "A") };
        s.push_str(&format!(
            "2026-11-27T10:{:02}:{:02}.000Z,dns1,{client},h{i}.example.com,{qtype},0\n",
            i / 6000,
            i / 100 % 60
        ));
    }
    d.write("dns.csv", &s)
}

fn has_progress(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.contains("events/s") || text.contains("\x1b[K") || text.contains('\r')
}

#[test]
fn piped_stderr_gets_no_progress() {
    let d = TempDir::new("progress-pipe");
    let file = csv(&d);
    let out =
        bin().env("RECONWATCH_PROGRESS_DELAY_MS", "0").args(["hunt", "--format", "jsonl", &file]).output().unwrap();
    assert!(out.status.success());
    assert!(!has_progress(&out.stderr), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!has_progress(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Bulk External DNS Enumeration"));
}

#[test]
fn a_terminal_gets_progress_unless_quiet() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("SKIPPED progress on a terminal: `script` (util-linux) is not installed");
        return;
    }
    let d = TempDir::new("progress-tty");
    let file = csv(&d);
    let exe = env!("CARGO_BIN_EXE_reconwatch");
    for quiet in [false, true] {
        let alerts = d.0.join(format!("alerts-{quiet}.jsonl"));
        let q = if quiet { " -q" } else { "" };
        let cmd = format!("{exe} hunt --format jsonl{q} -o {} {file}", alerts.display());
        let out = Command::new("script")
            .env("RECONWATCH_PROGRESS_DELAY_MS", "0")
            .args(["-qec", &cmd, "/dev/null"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let screen = String::from_utf8_lossy(&out.stdout);
        if quiet {
            assert!(!has_progress(&out.stdout), "-q drew progress: {screen:?}");
        } else {
            assert!(screen.contains("events/s") && screen.contains("\r\x1b[K"), "no progress drawn: {screen:?}");
        }
        let written = std::fs::read(&alerts).unwrap();
        assert!(!has_progress(&written) && !written.is_empty(), "progress bytes in the alerts");
    }
}
