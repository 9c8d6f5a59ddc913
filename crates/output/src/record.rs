//! The one shape every sink prints.

use detect::Alert;
use serde_json::{Map, Value};

/// An alert as an ordered JSON object: `TimeGenerated` (RFC 3339 UTC), the alert's columns in
/// rule order, then `RuleId`, `RuleTitle`, `Severity`, `Technique` (array) and `Evidence`
/// (object).
pub fn record(a: &Alert) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("TimeGenerated".into(), Value::String(a.time.to_string()));
    for (k, v) in &a.fields {
        m.insert(k.clone(), v.clone());
    }
    m.insert("RuleId".into(), Value::String(a.rule_id.clone()));
    m.insert("RuleTitle".into(), Value::String(a.rule_title.clone()));
    m.insert("Severity".into(), Value::String(a.level.as_str().into()));
    m.insert("Technique".into(), Value::Array(a.techniques.iter().cloned().map(Value::String).collect()));
    let evidence: Map<String, Value> = a.evidence.iter().cloned().collect();
    m.insert("Evidence".into(), Value::Object(evidence));
    m
}

/// A value as one line of text: strings bare, arrays joined with `, `, null empty, the rest JSON.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alert;
    use serde_json::json;

    #[test]
    fn record_order_and_names() {
        let a =
            alert("2026-11-27T13:14:15Z", "External DNS Zone Transfer Attempt", &[("ClientIP", json!("203.0.113.5"))]);
        let keys: Vec<_> = record(&a).keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "TimeGenerated",
                "AlertType",
                "RiskScore",
                "ClientIP",
                "RuleId",
                "RuleTitle",
                "Severity",
                "Technique",
                "Evidence"
            ]
        );
        assert_eq!(record(&a)["TimeGenerated"], json!("2026-11-27T13:14:15Z"));
        assert_eq!(text(&json!(["MX", "NS"])), "MX, NS");
        assert_eq!(text(&json!(null)), "");
        assert_eq!(text(&json!(31)), "31");
    }
}
