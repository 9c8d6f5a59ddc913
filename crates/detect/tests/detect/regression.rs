//! SigmaHQ's regression data (`shared/sigmahq/regression_data`, when present): each rule's
//! positive sample events (evtx rendered as JSON) must match the rule, `match_count` times when
//! given (at least). Rules are compiled for generic JSON events with Sigma's Windows field names; the events
//! are flattened the way Sigma's Windows taxonomy names them (`EventData` fields at the top,
//! `EventID`, `Channel`, `Computer`, `Provider_Name`).

use super::corpus::{corpus, files};
use detect::{DetectionRule, Rule};
use event::{JsonEvent, Timestamp};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::path::Path;

fn flatten(ev: &Value) -> Value {
    let e = ev.get("Event").unwrap_or(ev);
    let mut out = Map::new();
    if let Some(sys) = e.get("System") {
        for k in ["EventID", "Channel", "Computer", "Level", "Task", "Opcode", "Keywords", "Version"] {
            if let Some(v) = sys.get(k) {
                let v = v.get("#text").unwrap_or(v);
                out.insert(k.into(), v.clone());
            }
        }
        if let Some(p) = sys.pointer("/Provider/#attributes/Name") {
            out.insert("Provider_Name".into(), p.clone());
        }
    }
    for part in ["EventData", "UserData"] {
        let Some(Value::Object(m)) = e.get(part) else { continue };
        for (k, v) in m {
            match (part, v) {
                // UserData wraps its fields in one element named after the event.
                ("UserData", Value::Object(inner)) => {
                    for (k2, v2) in inner {
                        if k2 != "#attributes" {
                            out.insert(k2.clone(), v2.clone());
                        }
                    }
                }
                // Sigma's field names drop the spaces of Windows field names (`Source Name`).
                _ => {
                    out.insert(k.replace(' ', ""), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

fn events(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    serde_json::Deserializer::from_str(&text).into_iter::<Value>().filter_map(Result::ok).map(|v| flatten(&v)).collect()
}

#[test]
fn sigmahq_regression_samples_match() {
    let Some(corpus) = corpus() else {
        println!("SKIPPED: no shared/sigmahq beside the workspace");
        return;
    };
    let root = &corpus.root;
    let mut by_id: HashMap<&str, &DetectionRule> = HashMap::new();
    for (_, _, res) in &corpus.files {
        for r in res.iter().flatten().flatten() {
            if let Rule::Detection(d) = r {
                by_id.insert(&d.meta.id, d);
            }
        }
    }
    let mut infos = Vec::new();
    files(&root.join("regression_data"), &mut infos);
    infos.retain(|p| p.file_name().is_some_and(|n| n == "info.yml"));
    let (mut checked, mut failed) = (0, Vec::new());
    for info in &infos {
        let y: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(info).unwrap_or_default()).unwrap();
        let Some(id) = y.pointer_id() else { continue };
        let Some(rule) = by_id.get(id.as_str()) else { continue };
        let Some(tests) = y.get("regression_tests_info").and_then(|t| t.as_sequence()) else { continue };
        for t in tests {
            let want = t.get("match_count").and_then(|c| c.as_u64());
            let Some(evtx) = t.get("path").and_then(|p| p.as_str()) else { continue };
            let json = root.join(evtx).with_extension("json");
            let evs = events(&json);
            if evs.is_empty() {
                continue;
            }
            let n = evs
                .into_iter()
                .filter(|v| rule.matches(&JsonEvent { time: Timestamp(0), value: v.clone(), source_format: "t" }))
                .count() as u64;
            checked += 1;
            // `match_count` is a lower bound here: several samples hold more events that match the
            // rule than the count says (e.g. three AnyDesk `user.conf*` writes, count 1).
            if n < want.unwrap_or(1).max(1) {
                failed.push(format!("{} ({}): {n} matches, want {want:?}", rule.meta.title, json.display()));
            }
        }
    }
    println!("regression samples: {checked} checked, {} failed", failed.len());
    for f in &failed {
        println!("  {f}");
    }
    assert!(checked > 100, "only {checked} samples found");
    assert!(failed.is_empty(), "{} samples do not match", failed.len());
}

trait RuleId {
    fn pointer_id(&self) -> Option<String>;
}

impl RuleId for serde_yaml::Value {
    fn pointer_id(&self) -> Option<String> {
        let meta = self.get("rule_metadata")?.as_sequence()?.first()?;
        meta.get("id")?.as_str().map(str::to_string)
    }
}
