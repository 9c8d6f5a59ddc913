//! Golden tests on the bundled example exports (examples/README.md tells their story).

use crate::{brief, hunt, run};

const ZONE: &str = "External DNS Zone Transfer Attempt";
const BULK: &str = "Bulk External DNS Enumeration";
const TOOL: &str = "DNS Enumeration Tool Execution on Endpoint";
const SUCCESS: &str = "Successful External Zone Transfer";

fn expected(sliding: bool, tuned: bool) -> Vec<(String, String, String)> {
    let mut v = vec![
        (ZONE, "2026-11-27T12:05:01Z", "203.0.113.66"),
        (ZONE, "2026-11-27T12:08:00Z", "2001:db8::bad"),
        (ZONE, "2026-11-27T12:09:00Z", "192.0.2.10"),
        (BULK, "2026-11-27T12:20:00Z", "203.0.113.77"),
        (TOOL, "2026-11-27T12:02:00Z", "WKS-017"),
        (TOOL, "2026-11-27T12:03:00Z", "WKS-017"),
        (TOOL, "2026-11-27T12:06:00Z", "lnx-build-3"),
        (TOOL, "2026-11-27T12:08:00Z", "WKS-031"),
        (TOOL, "2026-11-27T12:11:00Z", "WKS-041"),
    ];
    if sliding {
        v.push((BULK, "2026-11-27T12:37:00Z", "203.0.113.88"));
    }
    if !tuned {
        v.push((ZONE, "2026-11-27T12:07:00Z", "198.51.100.53"));
        // The secondary's AXFR row says NOERROR: the zone left (rules/recon/successful_zone_transfer.yml).
        v.push((SUCCESS, "2026-11-27T12:07:00Z", "198.51.100.53"));
        v.push((TOOL, "2026-11-27T12:09:00Z", "dnsadmin-ws01"));
    }
    let mut v: Vec<_> = v.into_iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    v.sort();
    v
}

#[test]
fn sliding_is_the_default_and_catches_the_straddling_burst() {
    assert_eq!(brief(&hunt(&["examples/sentinel"])), expected(true, false));
}

#[test]
fn tumbling_reproduces_the_seed_bins() {
    assert_eq!(brief(&hunt(&["--window", "tumbling", "examples/sentinel"])), expected(false, false));
}

#[test]
fn example_tuning_suppresses_the_secondary_and_the_dns_admin_and_says_so() {
    let out = run(&["hunt", "--format", "jsonl", "--config", "examples/reconwatch.yml", "examples/sentinel"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let alerts: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(brief(&alerts), expected(true, true));
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("3 suppressed"), "{summary}");
    assert!(summary.contains("allow.zone_transfer_clients: ns2.example.com secondary (zone replication)"), "{summary}");
    assert!(summary.contains("allow.tool_users: DNS administrators troubleshooting"), "{summary}");
}

#[test]
fn alerts_carry_the_seed_columns_newest_first() {
    let alerts = hunt(&["examples/sentinel"]);
    let times: Vec<&str> = alerts.iter().map(|a| a["TimeGenerated"].as_str().unwrap()).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");

    let zone = alerts.iter().find(|a| a["ClientIP"] == "203.0.113.66").unwrap();
    for (k, v) in [
        ("AlertType", serde_json::json!(ZONE)),
        ("RiskScore", serde_json::json!(90)),
        ("Computer", serde_json::json!("dns2.corp.example")),
        ("Name", serde_json::json!("example.com")),
        ("QueryType", serde_json::json!("AXFR")),
        ("ResultCode", serde_json::json!("REFUSED")),
        ("Severity", serde_json::json!("low")),
        ("Technique", serde_json::json!(["T1590.002"])),
    ] {
        assert_eq!(zone[k], v, "{k} in {zone}");
    }

    let bulk = alerts.iter().find(|a| a["ClientIP"] == "203.0.113.77").unwrap();
    assert_eq!(bulk["QueryCount"], 40, "{bulk}");
    assert_eq!(bulk["UniqueNames"], 25, "{bulk}");
    assert_eq!(bulk["QueryTypes"], serde_json::json!(["NS", "MX", "TXT", "SOA"]), "{bulk}",);
    assert_eq!(bulk["RiskScore"], 70);

    let tool = alerts.iter().find(|a| a["DeviceName"] == "WKS-041").unwrap();
    assert_eq!(tool["FileName"], "Python3.EXE");
    assert_eq!(tool["ProcessCommandLine"], "Python3.EXE sublist3r.py -d example.com");
    assert_eq!(tool["AccountName"], "eve");
    assert_eq!(tool["InitiatingProcessFileName"], "cmd.exe");
    assert_eq!(tool["RiskScore"], 60);
}

#[test]
fn every_output_format_carries_the_same_alerts() {
    let jsonl = hunt(&["examples/sentinel"]);
    let json = run(&["hunt", "--format", "json", "examples/sentinel"]);
    let array: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(array, jsonl);
    let csv = run(&["hunt", "--format", "csv", "examples/sentinel"]);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert_eq!(text.lines().count(), jsonl.len() + 1, "{text}");
    assert!(text.starts_with("TimeGenerated,AlertType,RiskScore,"), "{text}");
    let table = run(&["hunt", "--format", "table", "--color", "never", "examples/sentinel"]);
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.starts_with("TimeGenerated"), "{text}");
    // Four alert rows and the summary's per-type line.
    assert_eq!(text.matches("External DNS Zone Transfer Attempt").count(), 5, "{text}");
    assert!(text.contains("Summary:"), "table output ends with the summary: {text}");
}
