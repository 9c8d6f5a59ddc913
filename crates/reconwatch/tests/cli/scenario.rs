//! One scenario, every DNS format, the same alerts (issue 4, "How we will know").
//!
//! `tests/fixtures/scenario/make.py` writes one scenario in each DNS format reconwatch reads, from each
//! format's documented layout; its doc string tells the story. Every file is hunted on its own (format
//! sniffed, not named) and must give exactly the hand-computed alerts:
//!
//! - External DNS Zone Transfer Attempt, 203.0.113.66, 2026-11-27T10:02:00Z (AXFR of example.com, refused);
//! - Bulk External DNS Enumeration, 203.0.113.77, 2026-11-27T10:10:00Z, QueryCount 40, UniqueNames 25;
//! - nothing for the internal secondary's AXFR (10.0.0.53) nor for the background lookups.
//!
//! What differs between formats, on purpose and checked below rather than ignored:
//! - **Route 53 Resolver** is a recursive resolver, not an authoritative server: it serves no zone transfer,
//!   so its file has no AXFR query and it gives only the bulk alert.
//! - **ResultCode** of the zone-transfer alert is REFUSED where the format logs a query and its answer as one
//!   record (DnsEvents, Zeek, CoreDNS, ECS/Packetbeat), and empty where the query is a record of its own and
//!   the answer another (BIND query log, Windows debug log and Analytical events, Suricata EVE): the alert is
//!   raised on the query, which does not know its answer yet.
//! - **Evidence.transfer** (the outcome joined by `hunt/outcome.rs`) is `denied` where the server logs the
//!   transfer outcome itself (BIND `security` "denied", Windows Analytical 271 AXFR_RESP_OUT with RCODE 5);
//!   a sensor's or resolver's REFUSED answer is not a transfer outcome record, so the others carry none.
//! - Event counts differ by how many records a query makes (one, or a query and an answer, plus transfer
//!   records); the alerts do not.

use crate::{root, run};
use serde_json::{json, Value};

const DIR: &str = "crates/reconwatch/tests/fixtures/scenario";
const ZONE: &str = "External DNS Zone Transfer Attempt";
const BULK: &str = "Bulk External DNS Enumeration";

/// One format's file and what is expected of it beyond the common alerts.
struct Case {
    file: &'static str,
    /// The format sniffed from the content (as `reconwatch formats` names it).
    format: &'static str,
    /// Events read: the summary's count.
    events: u64,
    /// Extra arguments (the time zone of formats written in local time).
    args: &'static [&'static str],
    /// The format carries the AXFR queries (all but Route 53 Resolver).
    has_transfers: bool,
    /// ResultCode of the zone-transfer alert.
    result_code: Value,
    /// Evidence.transfer of the zone-transfer alert.
    transfer: Value,
}

fn cases() -> Vec<Case> {
    let denied = json!({"outcome": "denied", "rcode": "REFUSED"});
    let c = |file, format, events, has_transfers, result_code: Value, transfer: &Value| Case {
        file,
        format,
        args: &[],
        events,
        has_transfers,
        result_code,
        transfer: transfer.clone(),
    };
    let (r, n) = (json!("REFUSED"), Value::Null);
    let local = |mut c: Case| {
        c.args = &["--timezone", "+01:00"];
        c
    };
    vec![
        c("dnsevents.csv", "sentinel-csv", 76, true, r.clone(), &n),
        // 76 queries + the denied line + AXFR started/ended for the secondary.
        c("bind.log", "bind", 79, true, n.clone(), &denied),
        // Syslog names the server itself (dns1), stamped in local time.
        local(c("bind-syslog.log", "bind", 79, true, n.clone(), &denied)),
        // A Rcv and a Snd line per query (the header's 24 lines are counted as ignored).
        c("windns-debug.log", "windns-debug", 152, true, n.clone(), &n),
        local(c("windns-debug-de.log", "windns-debug", 152, true, n.clone(), &n)),
        // 256 + 257/258 per query; AXFR: 256 + 270 + 271.
        c("dns-analytical.xml", "winevent-xml", 154, true, n.clone(), &denied),
        c("winlogbeat.ndjson", "winlogbeat-json", 154, true, n.clone(), &denied),
        c("zeek-dns.log", "zeek-dns", 76, true, r.clone(), &n),
        c("zeek-dns.json", "zeek-dns", 76, true, r.clone(), &n),
        c("zeek-dns-iso.json", "zeek-dns", 76, true, r.clone(), &n),
        c("eve.json", "suricata-eve", 152, true, n.clone(), &n),
        c("eve-v3.json", "suricata-eve", 152, true, n.clone(), &n),
        c("route53-resolver.jsonl", "route53-resolver", 74, false, n.clone(), &n),
        c("coredns.log", "coredns", 76, true, r.clone(), &n),
        c("packetbeat.ndjson", "ecs-dns", 76, true, r, &n),
    ]
}

/// The compared projection of an alert: AlertType, ClientIP, Computer, TimeGenerated, QueryCount, UniqueNames.
fn projection(a: &Value) -> Value {
    json!({
        "AlertType": a["AlertType"], "ClientIP": a["ClientIP"], "Computer": a["Computer"],
        "TimeGenerated": a["TimeGenerated"], "QueryCount": a.get("QueryCount"), "UniqueNames": a.get("UniqueNames"),
    })
}

fn expected(has_transfers: bool) -> Vec<Value> {
    let mut v = vec![json!({
        "AlertType": BULK, "ClientIP": "203.0.113.77", "Computer": "dns1", "TimeGenerated": "2026-11-27T10:10:00Z",
        "QueryCount": 40, "UniqueNames": 25,
    })];
    if has_transfers {
        v.push(json!({
            "AlertType": ZONE, "ClientIP": "203.0.113.66", "Computer": "dns1", "TimeGenerated": "2026-11-27T10:02:00Z",
            "QueryCount": null, "UniqueNames": null,
        }));
    }
    v
}

/// Hunts one file (format sniffed), returning its alerts and the summary.
fn hunt_file(file: &str, extra: &[&str]) -> (Vec<Value>, String) {
    let path = format!("{DIR}/{file}");
    // --server names the server for the formats that do not (BIND, debug log, Zeek, CoreDNS, Route 53);
    // the others name it "dns1" themselves, and --server does not change that.
    let mut args = vec!["hunt", "--format", "jsonl", "--server", "dns1"];
    args.extend_from_slice(extra);
    args.push(&path);
    let out = run(&args);
    assert!(out.status.success(), "{file}: {}", String::from_utf8_lossy(&out.stderr));
    let alerts = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{file}: bad JSON {l}: {e}")))
        .collect();
    (alerts, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn every_format_gives_the_same_alerts() {
    let mut seen: Vec<(&str, Vec<Value>)> = Vec::new();
    for case in cases() {
        let (alerts, summary) = hunt_file(case.file, case.args);
        let got: Vec<Value> = alerts.iter().map(projection).collect();
        assert_eq!(got, expected(case.has_transfers), "{}: alerts", case.file);

        let line = summary.lines().find(|l| l.contains(case.file)).unwrap_or_default();
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words.get(1).copied(), Some(case.format), "{}: sniffed format in `{line}`", case.file);
        assert_eq!(words.get(2).copied(), Some(case.events.to_string().as_str()), "{}: events in `{line}`", case.file);
        assert!(summary.contains(" 0 rejected record(s)"), "{}: {summary}", case.file);

        if let Some(zone) = alerts.iter().find(|a| a["AlertType"] == ZONE) {
            assert_eq!(zone["Name"], "example.com", "{}", case.file);
            assert_eq!(zone["QueryType"], "AXFR", "{}", case.file);
            assert_eq!(zone["ResultCode"], case.result_code, "{}: ResultCode", case.file);
            let transfer = zone["Evidence"].get("transfer").cloned().unwrap_or(Value::Null);
            assert_eq!(transfer, case.transfer, "{}: Evidence.transfer", case.file);
        }
        seen.push((case.file, got));
    }
    // Identical across formats, field for field; Route 53 is the others minus the zone-transfer alert.
    let (first, reference) = &seen[0];
    for (file, got) in &seen {
        let want: Vec<&Value> =
            reference.iter().filter(|a| *file != "route53-resolver.jsonl" || a["AlertType"] != ZONE).collect();
        assert_eq!(got.iter().collect::<Vec<_>>(), want, "{file} differs from {first}");
    }
}

/// The burst sits inside one 10-minute bin, so the seed's tumbling bins give the same alerts in every format.
#[test]
fn tumbling_windows_agree() {
    for case in cases() {
        let mut args = vec!["--window", "tumbling"];
        args.extend_from_slice(case.args);
        let (alerts, _) = hunt_file(case.file, &args);
        assert_eq!(alerts.iter().map(projection).collect::<Vec<_>>(), expected(case.has_transfers), "{}", case.file);
    }
}

#[test]
fn fixtures_are_what_make_py_writes() {
    let tmp = crate::TempDir::new("scenario");
    let script = root().join(DIR).join("make.py");
    let out = match std::process::Command::new("python3").arg(&script).arg(&tmp.0).output() {
        Ok(o) => o,
        Err(e) => {
            println!("SKIPPED fixtures_are_what_make_py_writes: python3 not runnable ({e})");
            return;
        }
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for case in cases() {
        let want = std::fs::read(tmp.0.join(case.file)).unwrap();
        let have = std::fs::read(root().join(DIR).join(case.file)).unwrap();
        assert!(want == have, "{} is stale: run python3 {DIR}/make.py", case.file);
    }
}

/// The README's "Input formats" table lists what `reconwatch formats` prints, in the same order.
#[test]
fn readme_formats_table_matches_reconwatch_formats() {
    let out = run(&["formats"]);
    assert!(out.status.success());
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme.split("## Input formats").nth(1).expect("README has an Input formats section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let table: Vec<String> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next().map(str::to_string))
        .collect();
    assert_eq!(table, listed);
}
