//! Parsing the `correlation:` section of a Sigma correlation rule (specification v2.1,
//! sigma-correlation-rules-specification.md) plus reconwatch's custom attributes.
//!
//! Supported: `type` event_count / value_count / temporal / temporal_ordered (the metric types
//! value_sum / value_avg / value_percentile are rejected with a clear error), `rules` (ids or
//! names), `group-by` (one or more fields; an empty list means one global group), `timespan`
//! (`<n>s|m|h|d|w`, lower-case as the spec says), `condition` (gt/gte/lt/lte/eq/neq, all ANDed,
//! `field` for value_count, one name or a list forming a tuple), `aliases` (alias → rule name →
//! field), `generate`. Temporal types default to "all rules seen"; an explicit condition counts
//! the distinct rules seen (temporal) and is rejected for temporal_ordered, whose condition is the
//! full ordered sequence.
//!
//! reconwatch attributes (under the rule's custom key `reconwatch`): `merge: <key>` (rules with
//! the same key share one aggregation and one alert per window), `output: {Column: count |
//! distinct(Field) | values(Field) | first | last}`.

use super::condition::{Condition, Op};
use serde_yaml::Value;

/// Where a correlation rule comes from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Loc {
    pub file: String,
    pub title: String,
}

/// A correlation rule that cannot be used, with where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: correlation `{}`: {what}", loc.file, loc.title)]
pub struct CorrelationError {
    pub loc: Loc,
    pub what: String,
}

/// Correlation `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

impl CorrelationType {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrelationType::EventCount => "event_count",
            CorrelationType::ValueCount => "value_count",
            CorrelationType::Temporal => "temporal",
            CorrelationType::TemporalOrdered => "temporal_ordered",
        }
    }
}

/// An extra aggregate column declared in `reconwatch.output`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OutputKind {
    Count,
    Distinct(String),
    Values(String),
    First,
    Last,
}

/// A parsed correlation section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationSpec {
    pub kind: CorrelationType,
    /// Referenced rules (ids or names), in order.
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    /// Window length in nanoseconds.
    pub timespan: i64,
    pub condition: Condition,
    /// value_count: the field(s) whose distinct values (tuples, for several) are counted.
    pub value_fields: Vec<String>,
    /// alias → [(rule name or id, field)].
    pub aliases: Vec<(String, Vec<(String, String)>)>,
    pub generate: bool,
    pub merge: Option<String>,
    pub outputs: Vec<(String, OutputKind)>,
}

impl CorrelationSpec {
    /// The field that group-by entry `group` names in events of rule `rule` (matched against a
    /// rule's id or name): the alias mapping when there is one, else the name itself.
    pub fn group_field<'a>(&'a self, group: &'a str, rule_id: &str, rule_name: Option<&str>) -> &'a str {
        self.aliases
            .iter()
            .find(|(a, _)| a == group)
            .and_then(|(_, m)| m.iter().find(|(r, _)| r == rule_id || Some(r.as_str()) == rule_name))
            .map_or(group, |(_, f)| f.as_str())
    }
}

const NANOS: i64 = 1_000_000_000;

/// Parses a spec timespan: a positive integer followed by `s`, `m`, `h`, `d` or `w`.
pub fn parse_timespan(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let mult = match unit {
        's' => NANOS,
        'm' => 60 * NANOS,
        'h' => 3600 * NANOS,
        'd' => 86_400 * NANOS,
        'w' => 7 * 86_400 * NANOS,
        _ => return None,
    };
    let digits = &s[..s.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    if n == 0 {
        return None;
    }
    n.checked_mul(mult)
}

fn string_list(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Sequence(items) => items.iter().map(scalar_text).collect(),
        _ => None,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn count_value(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Parses `distinct(Name)` style output declarations.
fn parse_output(s: &str) -> Option<OutputKind> {
    let s = s.trim();
    let call = |prefix: &str| {
        s.strip_prefix(prefix).and_then(|r| r.strip_suffix(')')).map(|f| f.trim().to_string()).filter(|f| !f.is_empty())
    };
    match s {
        "count" => Some(OutputKind::Count),
        "first" => Some(OutputKind::First),
        "last" => Some(OutputKind::Last),
        _ => call("distinct(").map(OutputKind::Distinct).or_else(|| call("values(").map(OutputKind::Values)),
    }
}

/// Parses a `correlation:` section. `reconwatch` is the rule's custom `reconwatch:` map, if any
/// (as [`crate::RuleMeta::custom`] keeps it: JSON).
pub fn parse(
    body: &Value,
    reconwatch: Option<&serde_json::Value>,
    loc: &Loc,
) -> Result<CorrelationSpec, CorrelationError> {
    let err = |what: String| CorrelationError { loc: loc.clone(), what };
    let map = body.as_mapping().ok_or_else(|| err("`correlation` must be a map".into()))?;
    for (k, _) in map {
        let k = k.as_str().unwrap_or("");
        if !matches!(k, "type" | "rules" | "group-by" | "timespan" | "condition" | "aliases" | "generate") {
            return Err(err(format!("unknown key `correlation.{k}`")));
        }
    }
    let kind = match map.get("type").and_then(Value::as_str) {
        Some("event_count") => CorrelationType::EventCount,
        Some("value_count") => CorrelationType::ValueCount,
        Some("temporal") => CorrelationType::Temporal,
        Some("temporal_ordered") => CorrelationType::TemporalOrdered,
        Some(t @ ("value_sum" | "value_avg" | "value_percentile")) => {
            return Err(err(format!("correlation type `{t}` is not supported")))
        }
        Some(t) => return Err(err(format!("unknown correlation type `{t}`"))),
        None => return Err(err("missing `correlation.type`".into())),
    };
    let rules = match map.get("rules") {
        Some(v) => string_list(v).ok_or_else(|| err("`rules` must be a list of rule ids or names".into()))?,
        None => return Err(err("missing `correlation.rules`".into())),
    };
    if rules.is_empty() {
        return Err(err("`rules` is empty".into()));
    }
    for (i, r) in rules.iter().enumerate() {
        if rules[..i].contains(r) {
            return Err(err(format!("rule `{r}` is listed twice in `rules`")));
        }
    }
    if matches!(kind, CorrelationType::Temporal | CorrelationType::TemporalOrdered) && rules.len() > 64 {
        return Err(err("temporal correlations support at most 64 rules".into()));
    }
    let group_by = match map.get("group-by") {
        Some(v) => string_list(v).ok_or_else(|| err("`group-by` must be a list of field names".into()))?,
        None => Vec::new(),
    };
    let timespan = match map.get("timespan") {
        Some(Value::String(s)) => {
            parse_timespan(s).ok_or_else(|| err(format!("bad `timespan` `{s}`: expected <number><s|m|h|d|w>")))?
        }
        Some(_) => return Err(err("bad `timespan`: expected a string such as `10m`".into())),
        None => return Err(err("missing `correlation.timespan`".into())),
    };
    let generate = match map.get("generate") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(err("`generate` must be true or false".into())),
    };

    let mut ops = Vec::new();
    let mut value_fields = Vec::new();
    match map.get("condition") {
        None => {}
        Some(Value::Mapping(c)) => {
            for (k, v) in c {
                let k = k.as_str().unwrap_or("");
                if k == "field" {
                    value_fields = string_list(v)
                        .filter(|l| !l.is_empty())
                        .ok_or_else(|| err("`condition.field` must be a field name or a list of them".into()))?;
                    continue;
                }
                let op = Op::parse(k).ok_or_else(|| err(format!("unknown condition operator `{k}`")))?;
                let n = count_value(v).ok_or_else(|| err(format!("`condition.{k}` must be a non-negative integer")))?;
                ops.push((op, n));
            }
        }
        Some(_) => return Err(err("`condition` must be a map such as `{gte: 10}`".into())),
    }
    let condition = match kind {
        CorrelationType::EventCount | CorrelationType::ValueCount if ops.is_empty() => {
            return Err(err(format!("`{}` needs a `condition` with gt/gte/lt/lte/eq/neq", kind.as_str())))
        }
        CorrelationType::TemporalOrdered if !ops.is_empty() => {
            return Err(err("temporal_ordered takes no condition: all rules must match in order".into()))
        }
        CorrelationType::Temporal | CorrelationType::TemporalOrdered if ops.is_empty() => {
            Condition::at_least(rules.len() as u64)
        }
        _ => Condition::new(ops),
    };
    if !condition.is_satisfiable() {
        return Err(err(format!("condition `{condition}` can never hold")));
    }
    match kind {
        CorrelationType::ValueCount if value_fields.is_empty() => {
            return Err(err("value_count needs `condition.field`".into()))
        }
        CorrelationType::ValueCount => {}
        _ if !value_fields.is_empty() => {
            return Err(err(format!("`condition.field` is only for value_count, not {}", kind.as_str())))
        }
        _ => {}
    }

    let mut aliases = Vec::new();
    if let Some(a) = map.get("aliases") {
        let a = a.as_mapping().ok_or_else(|| err("`aliases` must be a map alias → {rule: field}".into()))?;
        for (alias, per_rule) in a {
            let alias = scalar_text(alias).ok_or_else(|| err("alias names must be strings".into()))?;
            let per_rule = per_rule
                .as_mapping()
                .ok_or_else(|| err(format!("alias `{alias}` must map rule names to field names")))?;
            let mut m = Vec::new();
            for (r, f) in per_rule {
                let r = scalar_text(r).ok_or_else(|| err(format!("alias `{alias}`: rule names must be strings")))?;
                let f = f.as_str().ok_or_else(|| err(format!("alias `{alias}`: field for `{r}` must be a string")))?;
                if !rules.contains(&r) {
                    return Err(err(format!("alias `{alias}` names rule `{r}`, which is not in `rules`")));
                }
                m.push((r, f.to_string()));
            }
            aliases.push((alias, m));
        }
    }

    let (merge, outputs) = parse_reconwatch(reconwatch, &err)?;
    Ok(CorrelationSpec { kind, rules, group_by, timespan, condition, value_fields, aliases, generate, merge, outputs })
}

type Custom = (Option<String>, Vec<(String, OutputKind)>);

fn parse_reconwatch(
    v: Option<&serde_json::Value>,
    err: &dyn Fn(String) -> CorrelationError,
) -> Result<Custom, CorrelationError> {
    use serde_json::Value as J;
    let text = |v: &J| match v {
        J::String(s) => Some(s.clone()),
        J::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let Some(v) = v else { return Ok((None, Vec::new())) };
    let Some(m) = v.as_object() else { return Err(err("`reconwatch` must be a map".into())) };
    let merge = match m.get("merge") {
        None => None,
        Some(v) => Some(text(v).ok_or_else(|| err("`reconwatch.merge` must be a string".into()))?),
    };
    let mut outputs = Vec::new();
    if let Some(o) = m.get("output") {
        let o = o.as_object().ok_or_else(|| err("`reconwatch.output` must be a map column → aggregate".into()))?;
        for (col, what) in o {
            let kind = what.as_str().and_then(parse_output).ok_or_else(|| {
                err(format!(
                    "output `{col}`: expected count, distinct(Field), values(Field), first or last, got {what}"
                ))
            })?;
            outputs.push((col.clone(), kind));
        }
    }
    Ok((merge, outputs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(yaml: &str) -> Result<CorrelationSpec, CorrelationError> {
        let v: Value = serde_yaml::from_str(yaml).unwrap();
        let loc = Loc { file: "r.yml".into(), title: "T".into() };
        let rw = v.get("reconwatch").map(crate::rule::yaml_to_json);
        parse(&v["correlation"], rw.as_ref(), &loc)
    }

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("10m"), Some(600 * NANOS));
        assert_eq!(parse_timespan("90s"), Some(90 * NANOS));
        assert_eq!(parse_timespan("2w"), Some(14 * 86_400 * NANOS));
        assert_eq!(parse_timespan("1d"), Some(86_400 * NANOS));
        for bad in ["10", "m", "10M", "1.5h", "-1h", "0s", "h1", "99999999999999999w"] {
            assert_eq!(parse_timespan(bad), None, "{bad}");
        }
    }

    #[test]
    fn value_count_with_range_and_outputs() {
        let s = p("correlation:\n  type: value_count\n  rules: [a, b]\n  group-by: [ClientIP, Computer]\n  \
                   timespan: 10m\n  condition: {field: Name, gt: 20, lte: 500}\n\
                   reconwatch:\n  merge: bulk\n  output: {QueryCount: count, UniqueNames: distinct(Name), \
                   QueryTypes: values(QueryType), Earliest: first}\n")
        .unwrap();
        assert_eq!(s.kind, CorrelationType::ValueCount);
        assert_eq!(s.rules, ["a", "b"]);
        assert_eq!(s.group_by, ["ClientIP", "Computer"]);
        assert_eq!(s.timespan, 600 * NANOS);
        assert_eq!(s.condition, Condition::new(vec![(Op::Gt, 20), (Op::Lte, 500)]));
        assert_eq!(s.value_fields, ["Name"]);
        assert_eq!(s.merge.as_deref(), Some("bulk"));
        assert_eq!(
            s.outputs,
            vec![
                ("QueryCount".to_string(), OutputKind::Count),
                ("UniqueNames".to_string(), OutputKind::Distinct("Name".into())),
                ("QueryTypes".to_string(), OutputKind::Values("QueryType".into())),
                ("Earliest".to_string(), OutputKind::First),
            ]
        );
    }

    #[test]
    fn temporal_defaults_and_aliases() {
        let s = p("correlation:\n  type: temporal\n  rules: [internal_error, new_conn]\n  group-by: [ip]\n  \
                   timespan: 10s\n  aliases:\n    ip: {internal_error: destination.ip, new_conn: source.ip}\n")
        .unwrap();
        assert_eq!(s.condition, Condition::at_least(2));
        assert_eq!(s.group_field("ip", "x", Some("new_conn")), "source.ip");
        assert_eq!(s.group_field("ip", "internal_error", None), "destination.ip");
        assert_eq!(s.group_field("other", "x", Some("new_conn")), "other");
        assert!(!s.generate);
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let e = |y: &str| p(y).unwrap_err().to_string();
        assert_eq!(
            e("correlation: {type: event_count, rules: [a], timespan: 10x, condition: {gt: 1}}"),
            "r.yml: correlation `T`: bad `timespan` `10x`: expected <number><s|m|h|d|w>"
        );
        assert!(e("correlation: {type: event_count, rules: [a], timespan: 1m}").contains("needs a `condition`"));
        assert!(e("correlation: {type: value_count, rules: [a], timespan: 1m, condition: {gt: 1}}")
            .contains("value_count needs `condition.field`"));
        assert!(e("correlation: {type: value_sum, rules: [a], timespan: 1m}").contains("not supported"));
        assert!(e("correlation: {type: event_count, rules: [a], timespan: 1m, condition: {gt: 9, lt: 3}}")
            .contains("can never hold"));
        assert!(e("correlation: {type: event_count, rules: [a], timespan: 1m, condition: {more: 3}}")
            .contains("unknown condition operator `more`"));
        assert!(e("correlation: {type: event_count, rules: [], timespan: 1m, condition: {gt: 3}}")
            .contains("`rules` is empty"));
        assert!(e("correlation: {type: temporal, rules: [a], timespan: 1m, aliases: {x: {b: f}}}")
            .contains("not in `rules`"));
        assert!(e("correlation: {type: temporal_ordered, rules: [a, b], timespan: 1m, condition: {gte: 1}}")
            .contains("takes no condition"));
        assert!(e("correlation: {type: event_count, rules: [a], timespan: 1m, condition: {gt: 1}}\n\
                   reconwatch: {output: {X: median(Name)}}")
        .contains("output `X`"));
        assert!(e("correlation: {type: event_count, rules: [a], timespan: 1m, condition: {gt: 1}, groupby: [x]}")
            .contains("unknown key `correlation.groupby`"));
    }
}
