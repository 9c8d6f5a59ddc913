//! Zone-transfer alerts carry the outcome the server logged (`hunt/outcome.rs`), on the real BIND captures
//! of crates/formats/tests/fixtures/bind (tests/lab/bind_lab.sh): the query log and the xfer-out/security
//! log hunted together.

use crate::hunt;
use serde_json::{json, Value};

const QUERIES: &str = "crates/formats/tests/fixtures/bind/real-queries.log";
const XFER: &str = "crates/formats/tests/fixtures/bind/real-xfer.log";

/// `(TimeGenerated, ClientIP, QueryType, Evidence.transfer)` of each zone-transfer attempt alert, newest first.
fn outcomes(alerts: &[Value]) -> Vec<(String, String, String, Value)> {
    alerts
        .iter()
        .filter(|a| a["AlertType"] == "External DNS Zone Transfer Attempt")
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (
                s("TimeGenerated"),
                s("ClientIP"),
                s("QueryType"),
                a["Evidence"].get("transfer").cloned().unwrap_or(Value::Null),
            )
        })
        .collect()
}

fn expected() -> Vec<(String, String, String, Value)> {
    let completed = json!({"outcome": "completed", "records": 9, "bytes": 290});
    [
        (
            "13:40:27.755",
            "203.0.113.9",
            "AXFR",
            json!({"outcome": "failed", "rcode": "NOTAUTH", "reason": "non-authoritative zone"}),
        ),
        ("13:40:27.667", "203.0.113.9", "IXFR", json!({"outcome": "denied", "rcode": "REFUSED"})),
        ("13:40:27.587", "203.0.113.9", "AXFR", json!({"outcome": "denied", "rcode": "REFUSED"})),
        (
            "13:40:27.207",
            "198.51.100.7",
            "AXFR",
            json!({"outcome": "failed", "rcode": "FORMERR", "reason": "attempted AXFR over UDP"}),
        ),
        // ANY is flagged by the seed but is no transfer: nothing to join.
        ("13:40:26.663", "198.51.100.7", "ANY", Value::Null),
        ("13:40:26.603", "198.51.100.7", "IXFR", completed.clone()),
        ("13:40:26.527", "198.51.100.7", "AXFR", completed),
    ]
    .into_iter()
    .map(|(t, ip, q, v)| (format!("2026-11-27T{t}Z"), ip.to_string(), q.to_string(), v))
    .collect()
}

#[test]
fn completed_and_denied_transfers_are_told_apart_in_the_evidence() {
    let alerts = hunt(&["--server", "dns1", QUERIES, XFER]);
    assert_eq!(outcomes(&alerts), expected());
    // The internal 10.0.0.5 transfer (completed) raises nothing; no alert is added by the join.
    assert!(alerts.iter().all(|a| a["ClientIP"] != "10.0.0.5"), "{alerts:?}");
}

#[test]
fn completed_external_transfers_also_raise_the_success_alert() {
    // rules/recon/successful_zone_transfer.yml: one alert per transfer log line that says the zone left for
    // an external client; the internal 10.0.0.5 transfer and the refused or failed ones raise none.
    let alerts = hunt(&["--server", "dns1", QUERIES, XFER]);
    let success: Vec<(String, String, String, i64)> = alerts
        .iter()
        .filter(|a| a["AlertType"] == "Successful External Zone Transfer")
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (s("TimeGenerated"), s("ClientIP"), s("QueryType"), a["TransferRecords"].as_i64().unwrap_or(-1))
        })
        .collect();
    let want = |t: &str, q: &str| (format!("2026-11-27T13:40:{t}Z"), "198.51.100.7".to_string(), q.to_string(), 9);
    assert_eq!(success, [want("26.603", "IXFR"), want("26.527", "AXFR")]);
    assert!(alerts.iter().all(|a| a["RiskScore"] != 100 || a["AlertType"] == "Successful External Zone Transfer"));
}

#[test]
fn the_order_of_the_inputs_does_not_matter() {
    assert_eq!(outcomes(&hunt(&["--server", "dns1", XFER, QUERIES])), expected());
}

#[test]
fn without_the_transfer_log_the_alerts_are_the_same_minus_the_outcome() {
    let alerts = hunt(&["--server", "dns1", QUERIES]);
    let mut want = expected();
    for w in &mut want {
        w.3 = Value::Null;
    }
    assert_eq!(outcomes(&alerts), want);
}
