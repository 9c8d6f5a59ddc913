//! Generic JSON events, so users' own rules can run over any JSON/JSONL log.

use crate::{FieldValue, Timestamp};
use serde_json::Value;

/// One JSON object. Field names in rules are top-level keys, or dotted paths into nested objects
/// (`dns.question.name`); a top-level key that itself contains dots wins over the path.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonEvent {
    pub time: Timestamp,
    pub value: Value,
    pub source_format: &'static str,
}

impl JsonEvent {
    pub fn lookup(&self, key: &str) -> FieldValue<'_> {
        let v = match self.value.get(key) {
            Some(v) => Some(v),
            None if key.contains('.') => key.split('.').try_fold(&self.value, |v, part| v.get(part)),
            None => None,
        };
        match v {
            None => FieldValue::Missing,
            Some(Value::Null) => FieldValue::Null,
            Some(Value::String(s)) => FieldValue::Str(s),
            Some(Value::Bool(b)) => FieldValue::Bool(*b),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(i) => FieldValue::Int(i),
                None => n.as_f64().map_or(FieldValue::Json(v.unwrap()), FieldValue::Float),
            },
            Some(other) => FieldValue::Json(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_and_nested_keys() {
        let e = JsonEvent {
            time: Timestamp(0),
            value: serde_json::json!({"a.b": "flat", "a": {"b": "nested", "c": {"d": 5}}, "n": null, "l": [1, 2]}),
            source_format: "json",
        };
        assert_eq!(e.lookup("a.b"), FieldValue::Str("flat"));
        assert_eq!(e.lookup("a.c.d"), FieldValue::Int(5));
        assert_eq!(e.lookup("n"), FieldValue::Null);
        assert_eq!(e.lookup("zz"), FieldValue::Missing);
        assert!(matches!(e.lookup("l"), FieldValue::Json(_)));
    }
}
