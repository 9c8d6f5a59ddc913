//! The acceptance scenario of "DNS on the wire" against real BIND 9 (lab/live_bind.sh): an
//! external AXFR that succeeds, one that is refused, bulk enumeration, background lookups. The
//! same alerts — per alert type and client address, with their counts — must come from BIND's
//! dnstap streamed live to `reconwatch hunt --dnstap-socket`, from BIND's dnstap file, from a
//! tcpdump capture of each run, and from BIND's query log with its xfer-out/security log.
//!
//! BIND writes dnstap to one destination only, so the scenario runs twice (socket, then file)
//! against the same configuration; the capture and the logs of both runs are checked too.
//!
//! Knot DNS (mod-dnstap) and Unbound (dnstap) stream to a live reconwatch too
//! (lab/live_others.sh), one after the other on the same socket.
//!
//! Needs root and named (bind9), dig (bind9-dnsutils), tcpdump, ip (iproute2), and for the second
//! test knotd (knot, knot-module-dnstap) and unbound built with dnstap; skips with a printed
//! reason otherwise. Nothing leaves the test's network namespaces.

use crate::{hunt, TempDir};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const ZONE_TRANSFER: &str = "External DNS Zone Transfer Attempt";
const BULK: &str = "Bulk External DNS Enumeration";

fn missing_prerequisite(tools: &[&str]) -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref() != Some("0") {
        return Some("not root (network namespaces)".into());
    }
    for tool in tools {
        let found = Command::new("sh").args(["-c", &format!("PATH=$PATH:/usr/sbin:/sbin command -v {tool}")]).output();
        if !found.is_ok_and(|o| o.status.success()) {
            return Some(format!("`{tool}` not installed (scripts/install-test-deps)"));
        }
    }
    None
}

/// Runs lab script `name` in a fresh directory; the directory and the live hunt's alerts.
fn run_lab(name: &str) -> (TempDir, Vec<Value>) {
    let dir = TempDir::new("lab-live");
    let w = dir.0.to_string_lossy().into_owned();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/lab").join(name);
    // Distinct per test: the tests of this binary run in parallel.
    let tag = format!("{}{}", std::process::id() % 100_000, &name[5..6]);
    let out = Command::new("sh").arg(&script).args([&w, &tag, env!("CARGO_BIN_EXE_reconwatch")]).output().unwrap();
    assert!(
        out.status.success(),
        "{name} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |f: &str| std::fs::read_to_string(dir.0.join(f)).unwrap_or_default();
    assert_eq!(read("live.rc").trim(), "0", "live hunt exit status; stderr:\n{}", read("live.err"));
    assert!(read("live.err").contains("0 rejected record(s)"), "{}", read("live.err"));
    let live = read("live.jsonl").lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (dir, live)
}

/// Answer records dig printed for a transfer.
fn dig_records(text: &str) -> u64 {
    text.lines().filter(|l| !l.starts_with(';') && !l.trim().is_empty()).count() as u64
}

/// (alert type, client) → alerts, for the scenario's two alert types. Compared by alert type,
/// not rule title: a live hunt reports a merged correlation when its first condition holds
/// (the distinct-names member), a hunt over files at the window's end (the count member).
fn tally(alerts: &[Value]) -> BTreeMap<(String, String), usize> {
    let mut m = BTreeMap::new();
    for a in alerts {
        let kind = a["AlertType"].as_str().unwrap_or_default();
        if kind == ZONE_TRANSFER || kind == BULK {
            *m.entry((kind.to_string(), a["ClientIP"].as_str().unwrap_or_default().to_string())).or_default() += 1;
        }
    }
    m
}

fn outcome(alerts: &[Value], client: &str) -> Value {
    let a = alerts.iter().find(|a| a["AlertType"] == ZONE_TRANSFER && a["ClientIP"] == client).expect("transfer alert");
    a["Evidence"]["transfer"].clone()
}

#[test]
fn same_alerts_from_live_dnstap_dnstap_file_pcap_and_query_log() {
    if let Some(why) = missing_prerequisite(&["named", "dig", "tcpdump", "ip"]) {
        println!("SKIPPED: {why}");
        return;
    }
    let (dir, live) = run_lab("live_bind.sh");
    let w = dir.0.to_string_lossy().into_owned();
    let read = |f: &str| std::fs::read_to_string(dir.0.join(f)).unwrap_or_default();
    let err = read("live.err");
    assert!(err.contains("1 connection(s): 1 ended with STOP, 0 closed on an error"), "{err}");

    let p = |f: &str| format!("{w}/{f}");
    let sources: Vec<(&str, Vec<Value>)> = vec![
        ("dnstap socket (live)", live.clone()),
        ("dnstap file", hunt(&[&p("file/dnstap.tap")])),
        ("pcap (socket run)", hunt(&[&p("sock/dns.pcap")])),
        ("pcap (file run)", hunt(&[&p("file/dns.pcap")])),
        ("query+xfer log (socket run)", hunt(&["--server", "ns1", &p("sock/queries.log"), &p("sock/xfer.log")])),
        ("query+xfer log (file run)", hunt(&["--server", "ns1", &p("file/queries.log"), &p("file/xfer.log")])),
    ];
    let want: BTreeMap<(String, String), usize> =
        [((ZONE_TRANSFER, "198.51.100.7"), 1), ((ZONE_TRANSFER, "203.0.113.9"), 1), ((BULK, "203.0.113.9"), 1)]
            .into_iter()
            .map(|((k, c), n)| ((k.to_string(), c.to_string()), n))
            .collect();
    for (name, alerts) in &sources {
        assert_eq!(tally(alerts), want, "{name}");
        assert_eq!(outcome(alerts, "203.0.113.9")["outcome"], "denied", "{name}");
    }
    // The transfer that succeeded: the capture and the xfer-out log say so with the record
    // count dig saw; BIND 9.18's dnstap logs no AXFR response messages, so dnstap cannot.
    let records = dig_records(&read("sock/axfr-allowed.txt"));
    for (name, alerts) in &sources[2..] {
        let o = outcome(alerts, "198.51.100.7");
        assert_eq!((o["outcome"].as_str(), o["records"].as_u64()), (Some("completed"), Some(records)), "{name}");
    }
    for (name, alerts) in &sources[..2] {
        let o = outcome(alerts, "198.51.100.7");
        println!("{name}: allowed AXFR outcome from dnstap: {o}");
        assert!(o.is_null() || o["outcome"] == "completed", "{name}: {o}");
    }
}

#[test]
fn knot_and_unbound_stream_dnstap_to_a_live_hunt() {
    if let Some(why) = missing_prerequisite(&["knotd", "unbound", "dig", "ip"]) {
        println!("SKIPPED: {why}");
        return;
    }
    let knot_module = Command::new("sh").args(["-c", "ls /usr/lib/*/knot/modules-*/dnstap.so"]).output();
    if !knot_module.is_ok_and(|o| o.status.success()) {
        println!("SKIPPED: Knot's dnstap module not installed (knot-module-dnstap)");
        return;
    }
    let unbound = Command::new("sh").args(["-c", "PATH=$PATH:/usr/sbin unbound -V"]).output().unwrap();
    if !String::from_utf8_lossy(&unbound.stdout).contains("--enable-dnstap") {
        println!("SKIPPED: this unbound is built without dnstap");
        return;
    }
    let (dir, live) = run_lab("live_others.sh");
    let read = |f: &str| std::fs::read_to_string(dir.0.join(f)).unwrap_or_default();
    let err = read("live.err");
    assert!(err.contains("2 connection(s): 2 ended with STOP, 0 closed on an error"), "{err}");
    for server in ["knot1", "unbound1"] {
        let mine: Vec<Value> = live.iter().filter(|a| a["Computer"] == server).cloned().collect();
        let want: BTreeMap<(String, String), usize> =
            [((ZONE_TRANSFER, "198.51.100.7"), 1), ((ZONE_TRANSFER, "203.0.113.9"), 1), ((BULK, "203.0.113.9"), 1)]
                .into_iter()
                .map(|((k, c), n)| ((k.to_string(), c.to_string()), n))
                .collect();
        assert_eq!(tally(&mine), want, "{server}");
        assert_eq!(outcome(&mine, "203.0.113.9")["outcome"], "denied", "{server}");
    }
    // Knot's dnstap carries the transfer's response messages: the outcome with dig's record count.
    let knot: Vec<Value> = live.iter().filter(|a| a["Computer"] == "knot1").cloned().collect();
    let o = outcome(&knot, "198.51.100.7");
    assert_eq!(
        (o["outcome"].as_str(), o["records"].as_u64()),
        (Some("completed"), Some(dig_records(&read("knot-axfr-allowed.txt"))))
    );
    // Unbound serves no transfers: refused.
    let unbound: Vec<Value> = live.iter().filter(|a| a["Computer"] == "unbound1").cloned().collect();
    assert_eq!(outcome(&unbound, "198.51.100.7")["outcome"], "denied");
}
