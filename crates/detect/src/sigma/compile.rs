//! Compiles the search identifiers of a Sigma `detection:` map (rules specification v2,
//! "Detection"): maps (AND of field items), lists of maps (OR), keyword lists (OR over every
//! string of the event, `|all` for AND), field value lists (OR, `|all` for AND), `null` (missing or
//! null) versus `''` (empty string), and `expand` placeholders.
//!
//! Quirks: a keyword without a type modifier matches as a substring of any string of the event
//! (full-text search); `null` may appear in a value list (it then ORs a missing/null test).

use super::modifier::{self, Kind, ModError, Mods, Transform};
use super::strset::{self, Shape, StrSet};
use super::test::{FieldTest, Net, RefOp, TestKind, ValueSet};
use crate::rule::{resolve_field, scalar_text, RuleErrorKind};
use event::{DnsField, EventClass, FieldId, QType, Rcode};
use serde_yaml::Value as Yaml;
use std::collections::HashMap;
use std::net::IpAddr;

/// Options for compiling rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompileOptions {
    /// Values of `expand` placeholders (`%Servers%` → `Servers`); a rule using a placeholder
    /// missing here is rejected.
    pub placeholders: HashMap<String, Vec<String>>,
    /// Compile every rule for this event class instead of its log source's (e.g. `Json` to run
    /// `process_creation` rules over raw Sysmon JSON with Sigma's own field names).
    pub event_class: Option<EventClass>,
}

/// A compiled search identifier: OR over alternatives, each an AND of field tests.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    pub alts: Vec<Vec<FieldTest>>,
}

impl Selection {
    pub(crate) fn eval<R: event::Record + ?Sized>(&self, r: &R) -> bool {
        self.alts.iter().any(|alt| alt.iter().all(|t| t.eval(r)))
    }

    #[cfg(test)]
    pub(crate) fn eval_general<R: event::Record + ?Sized>(&self, r: &R) -> bool {
        self.alts.iter().any(|alt| alt.iter().all(|t| t.eval_general(r)))
    }
}

pub(crate) struct Ctx<'a> {
    pub class: EventClass,
    pub opts: &'a CompileOptions,
}

/// Compiles one search identifier's value; `section` (`detection`, `filter`) prefixes error places.
pub(crate) fn selection(ctx: &Ctx<'_>, section: &str, name: &str, v: &Yaml) -> Result<Selection, RuleErrorKind> {
    let at = format!("{section}.{name}");
    let alts = match v {
        Yaml::Mapping(m) => vec![map(ctx, &at, m)?],
        Yaml::Sequence(items) if items.is_empty() => {
            return Err(RuleErrorKind::BadValue { at, expected: "a non-empty list" });
        }
        Yaml::Sequence(items) if items.iter().all(|i| !matches!(i, Yaml::Mapping(_))) => {
            vec![vec![item(ctx, &at, None, &[], v)?]]
        }
        Yaml::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(i, it)| match it {
                Yaml::Mapping(m) => map(ctx, &format!("{at}[{i}]"), m),
                other => Ok(vec![item(ctx, &format!("{at}[{i}]"), None, &[], other)?]),
            })
            .collect::<Result<_, _>>()?,
        Yaml::String(_) | Yaml::Number(_) | Yaml::Bool(_) => vec![vec![item(ctx, &at, None, &[], v)?]],
        _ => return Err(RuleErrorKind::BadValue { at, expected: "a map, a list of maps or a list of keywords" }),
    };
    Ok(Selection { alts })
}

fn map(ctx: &Ctx<'_>, at: &str, m: &serde_yaml::Mapping) -> Result<Vec<FieldTest>, RuleErrorKind> {
    if m.is_empty() {
        return Err(RuleErrorKind::BadValue { at: at.into(), expected: "a non-empty map" });
    }
    m.iter()
        .map(|(k, v)| {
            let key =
                scalar_text(k).ok_or_else(|| RuleErrorKind::BadValue { at: at.into(), expected: "string keys" })?;
            let mut parts = key.split('|');
            let field = parts.next().unwrap_or_default();
            let mods: Vec<&str> = parts.collect();
            let here = format!("{at}.{key}");
            let fid = (!field.is_empty()).then(|| resolve_field(ctx.class, field));
            item(ctx, &here, fid, &mods, v)
        })
        .collect()
}

/// Compiles one `field|mods: value(s)` item (`field` = None: keywords).
fn item(ctx: &Ctx<'_>, at: &str, field: Option<FieldId>, mods: &[&str], v: &Yaml) -> Result<FieldTest, RuleErrorKind> {
    let mut m = Mods::parse(mods).map_err(|e| match e {
        ModError::Unknown(modifier) => RuleErrorKind::UnknownModifier { at: at.into(), modifier },
        ModError::Bad(message) => RuleErrorKind::BadModifier { at: at.into(), message },
    })?;
    let bad = |message: &str| RuleErrorKind::BadModifier { at: at.into(), message: message.into() };
    let values: Vec<&Yaml> = match v {
        Yaml::Sequence(items) if items.is_empty() => {
            return Err(RuleErrorKind::BadValue { at: at.into(), expected: "a non-empty list of values" })
        }
        Yaml::Sequence(items) => items.iter().collect(),
        other => vec![other],
    };
    if values.iter().any(|v| matches!(v, Yaml::Sequence(_) | Yaml::Mapping(_))) {
        return Err(RuleErrorKind::BadValue { at: at.into(), expected: "a value or a list of values" });
    }
    if field.is_none() && matches!(m.kind, Kind::Cidr | Kind::Cmp(_)) {
        return Err(bad("keywords take string or `re` values; this modifier needs a field name"));
    }
    if field.is_none() && matches!(m.kind, Kind::Str) && m.transforms.is_empty() {
        m.transforms.push(Transform::Contains);
    }
    let kind = match m.kind {
        Kind::Exists => {
            let [one] = values.as_slice() else { return Err(bad("`exists` takes one boolean")) };
            let want = match one {
                Yaml::Bool(b) => *b,
                Yaml::String(s) if s.eq_ignore_ascii_case("true") || s.eq_ignore_ascii_case("yes") => true,
                Yaml::String(s) if s.eq_ignore_ascii_case("false") || s.eq_ignore_ascii_case("no") => false,
                _ => return Err(bad("`exists` takes true or false")),
            };
            if field.is_none() {
                return Err(bad("`exists` needs a field name"));
            }
            TestKind::Exists(want)
        }
        Kind::Time(part) => {
            let values = values
                .iter()
                .map(|v| scalar_text(v).and_then(|t| t.trim().parse::<i64>().ok()))
                .collect::<Option<Vec<i64>>>()
                .ok_or_else(|| RuleErrorKind::BadValue { at: at.into(), expected: "whole numbers" })?;
            if field.is_none() {
                return Err(bad("time modifiers need a field name"));
            }
            TestKind::Time { part, values }
        }
        Kind::FieldRef => {
            let [Yaml::String(other)] = values.as_slice() else {
                return Err(bad("`fieldref` takes one field name"));
            };
            let op = match m.transforms.last() {
                None => RefOp::Eq,
                Some(Transform::StartsWith) => RefOp::Prefix,
                Some(Transform::EndsWith) => RefOp::Suffix,
                Some(_) => RefOp::Contains,
            };
            TestKind::FieldRef { other: resolve_field(ctx.class, other), op, cased: m.cased }
        }
        _ if m.all && values.len() > 1 => TestKind::All(
            values.iter().map(|v| value_set(ctx, at, field.as_ref(), &m, &[*v])).collect::<Result<_, _>>()?,
        ),
        _ => TestKind::Any(Box::new(value_set(ctx, at, field.as_ref(), &m, &values)?)),
    };
    if m.neq && field.is_none() {
        return Err(bad("`neq` needs a field name"));
    }
    let mut test = FieldTest { field, kind, neq: m.neq, fast: None };
    test.fast = super::fast::Fast::of(&test);
    Ok(test)
}

/// Expands `%name%` placeholders (`\%` is a plain percent sign).
fn expand(ctx: &Ctx<'_>, at: &str, s: &str) -> Result<Vec<String>, RuleErrorKind> {
    let mut outs = vec![String::new()];
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        if rest[..i].ends_with('\\') {
            let lit = format!("{}%", &rest[..i - 1]);
            outs.iter_mut().for_each(|o| o.push_str(&lit));
            rest = &rest[i + 1..];
            continue;
        }
        let Some(j) = rest[i + 1..].find('%') else { break };
        let name = &rest[i + 1..i + 1 + j];
        let vals = ctx
            .opts
            .placeholders
            .get(name)
            .ok_or_else(|| RuleErrorKind::UnresolvedPlaceholder { at: at.into(), placeholder: name.into() })?;
        let prefix = &rest[..i];
        outs = outs.iter().flat_map(|o| vals.iter().map(move |v| format!("{o}{prefix}{v}"))).collect();
        rest = &rest[i + 2 + j..];
    }
    outs.iter_mut().for_each(|o| o.push_str(rest));
    Ok(outs)
}

fn value_set(
    ctx: &Ctx<'_>,
    at: &str,
    field: Option<&FieldId>,
    m: &Mods,
    values: &[&Yaml],
) -> Result<ValueSet, RuleErrorKind> {
    let mut set = ValueSet::default();
    let mut shapes: Vec<Shape> = Vec::new();
    let mut regexes: Vec<String> = Vec::new();
    let typed = match field {
        Some(FieldId::Dns(f)) if m.kind == Kind::Str && m.transforms.is_empty() => Some(*f),
        _ => None,
    };
    for v in values {
        if matches!(v, Yaml::Null) {
            if field.is_none() || m.kind != Kind::Str {
                return Err(RuleErrorKind::BadValue { at: at.into(), expected: "a value other than null" });
            }
            set.null = true;
            continue;
        }
        let raw = scalar_text(v)
            .ok_or_else(|| RuleErrorKind::BadValue { at: at.into(), expected: "a string, number or boolean" })?;
        let texts = if m.expand { expand(ctx, at, &raw)? } else { vec![raw] };
        for text in texts {
            match m.kind {
                Kind::Re => regexes.push(text),
                Kind::Cidr => set.nets.push(
                    Net::parse(&text).ok_or_else(|| RuleErrorKind::BadCidr { at: at.into(), value: text.clone() })?,
                ),
                Kind::Cmp(op) => {
                    let n: f64 = text
                        .trim()
                        .parse()
                        .map_err(|_| RuleErrorKind::BadValue { at: at.into(), expected: "a number" })?;
                    set.cmps.push((op, n));
                }
                Kind::Str => {
                    if let Some(f) = typed {
                        if typed_value(&mut set, f, &text) {
                            continue;
                        }
                    }
                    let mut variants = vec![modifier::parse_wildcards(&text)];
                    for t in &m.transforms {
                        variants = modifier::apply(*t, variants)
                            .map_err(|message| RuleErrorKind::BadModifier { at: at.into(), message })?;
                    }
                    for var in variants {
                        shapes.push(
                            strset::shape(&var)
                                .map_err(|message| RuleErrorKind::BadModifier { at: at.into(), message })?,
                        );
                    }
                }
                Kind::Exists | Kind::FieldRef | Kind::Time(_) => {}
            }
        }
    }
    if !shapes.is_empty() {
        set.strs = Some(
            StrSet::new(shapes, m.cased).map_err(|message| RuleErrorKind::BadModifier { at: at.into(), message })?,
        );
    }
    if !regexes.is_empty() {
        let joined = if regexes.len() == 1 {
            regexes[0].clone()
        } else {
            regexes.iter().map(|r| format!("(?:{r})")).collect::<Vec<_>>().join("|")
        };
        let (i, ml, s) = m.re_flags;
        let build = |pattern: &str| {
            regex::RegexBuilder::new(pattern)
                .case_insensitive(i)
                .multi_line(ml)
                .dot_matches_new_line(s)
                .size_limit(64 << 20)
                .build()
        };
        // Compiled once; only when that fails is each pattern compiled alone, so that the error
        // names the bad one.
        let re = build(&joined).map_err(|e| {
            let bad = regexes.iter().find_map(|r| build(r).err().map(|e| (r, e)));
            let message = match bad {
                Some((r, e)) => format!("{r:?}: {}", first_line(&e.to_string())),
                None => first_line(&e.to_string()),
            };
            RuleErrorKind::BadRegex { at: at.into(), message }
        })?;
        set.regex = Some(re);
    }
    Ok(set)
}

fn first_line(s: &str) -> String {
    s.lines().rfind(|l| !l.trim().is_empty()).unwrap_or(s).trim().to_string()
}

/// Compiles a plain value of a typed DNS field to a typed comparison; false when it is not one
/// (wildcards, names the type does not know), so the caller falls back to text.
fn typed_value(set: &mut ValueSet, f: DnsField, text: &str) -> bool {
    if text.contains(['*', '?']) {
        return false;
    }
    match f {
        DnsField::QueryType => QType::parse(text).map(|q| set.qtypes.push(q)).is_some(),
        DnsField::ResultCode => Rcode::parse(text).map(|r| set.rcodes.push(r)).is_some(),
        DnsField::ClientIp | DnsField::ServerIp => {
            text.parse::<IpAddr>().map(|ip| set.ips.push(ip.to_canonical())).is_ok()
        }
        _ => false,
    }
}
