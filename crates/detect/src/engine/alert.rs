//! Building [`Alert`]s. Columns: the rule's `reconwatch:` custom attributes `alert_type`,
//! `risk_score`, `confidence` as `AlertType`, `RiskScore`, `Confidence`; then, for detections,
//! the rule's `fields:` read from the event (missing → null), for correlations the group-by
//! fields and the `reconwatch.output` columns.

use super::{Corr, Det, EngineConfig, Unit};
use crate::correlation::{CorrelationType, Firing, OutputKind};
use crate::derived::WithDerived;
use crate::{Alert, RuleMeta};
use event::{FieldValue, Record, Timestamp};
use serde_json::{json, Map, Value};

const CUSTOM_COLUMNS: &[(&str, &str)] =
    &[("alert_type", "AlertType"), ("risk_score", "RiskScore"), ("confidence", "Confidence")];

fn custom_columns(meta: &RuleMeta, fields: &mut Vec<(String, Value)>) {
    let Some(rw) = meta.reconwatch() else { return };
    for (key, col) in CUSTOM_COLUMNS {
        if let Some(v) = rw.get(*key) {
            fields.push((col.to_string(), v.clone()));
        }
    }
}

/// A field value as JSON: text stays text, numbers numbers; typed values as their text form.
pub(crate) fn value_json(v: FieldValue<'_>) -> Value {
    match v {
        FieldValue::Missing | FieldValue::Null => Value::Null,
        FieldValue::Str(s) => Value::String(s.to_string()),
        FieldValue::Int(i) => json!(i),
        FieldValue::Float(f) => json!(f),
        FieldValue::Bool(b) => Value::Bool(b),
        FieldValue::Ip(ip) => Value::String(ip.to_string()),
        FieldValue::QType(q) => Value::String(q.to_string()),
        FieldValue::Rcode(r) => Value::String(r.to_string()),
        FieldValue::Time(t) => Value::String(t.to_string()),
        FieldValue::Json(v) => v.clone(),
    }
}

fn base(meta: &RuleMeta, time: i64, last: i64) -> Alert {
    Alert {
        rule_id: meta.id.clone(),
        rule_name: meta.name.clone(),
        rule_title: meta.title.clone(),
        level: meta.level,
        time: Timestamp(time),
        last_time: Timestamp(last),
        techniques: meta.techniques(),
        fields: Vec::new(),
        evidence: Vec::new(),
    }
}

pub(super) fn detection(det: &Det, ev: &WithDerived) -> Alert {
    let meta = &det.rule.meta;
    let t = ev.time().0;
    let mut a = base(meta, t, t);
    custom_columns(meta, &mut a.fields);
    for (name, id) in &det.fields {
        a.fields.push((name.clone(), value_json(ev.field(id))));
    }
    let matched: Vec<Value> = det.rule.matched_selections(ev).into_iter().map(|s| json!(s)).collect();
    a.evidence.push(("matched".into(), Value::Array(matched)));
    a.evidence.push(("source_format".into(), json!(ev.event().source_format())));
    a
}

/// The number a member's condition tested.
fn measure(kind: CorrelationType, slot: Option<usize>, f: &Firing, n_rules: usize) -> u64 {
    match kind {
        CorrelationType::EventCount => f.count,
        CorrelationType::ValueCount => slot.and_then(|s| f.distinct.get(s).copied()).unwrap_or(0),
        CorrelationType::Temporal => f.rules_seen.len() as u64,
        CorrelationType::TemporalOrdered => n_rules as u64,
    }
}

fn span_text(ns: i64) -> String {
    let s = ns / event::NANOS_PER_SEC;
    for (unit, n) in [("w", 604_800), ("d", 86_400), ("h", 3600), ("m", 60)] {
        if s % n == 0 {
            return format!("{}{unit}", s / n);
        }
    }
    format!("{s}s")
}

pub(super) fn correlation(corr: &Corr, unit: &Unit, f: &Firing, corrs: &[Corr], cfg: &EngineConfig) -> Alert {
    let mut a = base(&corr.meta, f.first, f.last);
    custom_columns(&corr.meta, &mut a.fields);
    let spec = unit.agg.spec();
    for (g, v) in unit.group_by.iter().zip(&f.group) {
        a.fields.push((g.clone(), json!(v)));
    }
    for (col, kind, slot) in &unit.outputs {
        let v = match kind {
            OutputKind::Count => json!(f.count),
            OutputKind::Distinct(_) => json!(slot.and_then(|s| f.distinct.get(s)).copied().unwrap_or(0)),
            OutputKind::Values(_) => json!(slot.and_then(|s| f.values.get(s)).cloned().unwrap_or_default()),
            OutputKind::First => json!(Timestamp(f.first).to_string()),
            OutputKind::Last => json!(Timestamp(f.last).to_string()),
        };
        a.fields.push((col.clone(), v));
    }

    let held: Vec<Value> = f
        .held
        .iter()
        .map(|&m| {
            let c = &corrs[unit.members[m]];
            let mem = &spec.members[m];
            let mut o = Map::new();
            o.insert("rule".into(), json!(c.meta.id));
            o.insert("title".into(), json!(c.meta.title));
            o.insert("type".into(), json!(c.spec.kind.as_str()));
            if !c.spec.value_fields.is_empty() {
                o.insert("field".into(), json!(c.spec.value_fields.join(", ")));
            }
            o.insert("condition".into(), json!(c.spec.condition.to_string()));
            o.insert("value".into(), json!(measure(mem.kind, mem.slot, f, spec.n_rules)));
            Value::Object(o)
        })
        .collect();
    a.evidence.push(("conditions_held".into(), Value::Array(held)));
    let group: Map<String, Value> = unit.group_by.iter().cloned().zip(f.group.iter().map(|v| json!(v))).collect();
    a.evidence.push(("group".into(), Value::Object(group)));
    a.evidence.push(("count".into(), json!(f.count)));
    let mut distinct = Map::new();
    let mut values = Map::new();
    let mut saturated = Vec::new();
    for (i, (fields, sp)) in unit.slot_fields.iter().zip(&spec.slots).enumerate() {
        let name = fields.join(", ");
        if sp.distinct {
            distinct.insert(name.clone(), json!(f.distinct[i]));
            if f.saturated[i] {
                saturated.push(json!(name.clone()));
            }
        }
        if sp.listed {
            values.insert(name, json!(f.values[i]));
        }
    }
    if !distinct.is_empty() {
        a.evidence.push(("distinct".into(), Value::Object(distinct)));
    }
    if !values.is_empty() {
        a.evidence.push(("values".into(), Value::Object(values)));
    }
    if !saturated.is_empty() {
        a.evidence.push(("distinct_capped".into(), Value::Array(saturated)));
    }
    if spec.members.iter().any(|m| matches!(m.kind, CorrelationType::Temporal | CorrelationType::TemporalOrdered)) {
        let seen: Vec<Value> = f.rules_seen.iter().map(|&r| json!(corr.spec.rules.get(r))).collect();
        a.evidence.push(("rules_seen".into(), Value::Array(seen)));
    }
    a.evidence.push((
        "window".into(),
        json!({
            "mode": cfg.window.as_str(),
            "timespan": span_text(spec.span),
            "first": Timestamp(f.first).to_string(),
            "last": Timestamp(f.last).to_string(),
            "decided": if f.at_close { "at window end" } else { "when the condition first held" },
        }),
    ));
    a
}
