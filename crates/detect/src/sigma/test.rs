//! One compiled `field|modifiers: values` item of a selection, evaluated against a field value.
//!
//! Typed fields compare typed values: QueryType against `QType` numbers (`AXFR` = `252`),
//! ResultCode against `Rcode`, IP fields against parsed addresses and CIDR networks (IPv4-mapped
//! IPv6 addresses are canonicalised, so `::ffff:10.1.2.3` is in `10.0.0.0/8`), numbers for
//! `lt`/`gt`. Other values are matched as text; typed values are formatted into a stack buffer,
//! never allocated. JSON arrays match if any element matches.

use super::modifier::{CmpOp, TimePart};
use super::strset::StrSet;
use event::{FieldId, FieldValue, QType, Rcode, Timestamp};
use regex::Regex;
use std::fmt::Write;
use std::net::IpAddr;

/// An IP network from a `cidr` value.
pub(crate) use event::IpNet as Net;

/// An OR over compiled values of one field key.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueSet {
    /// `null`: the field is missing or null.
    pub null: bool,
    pub strs: Option<StrSet>,
    pub regex: Option<Regex>,
    pub nets: Vec<Net>,
    pub cmps: Vec<(CmpOp, f64)>,
    pub qtypes: Vec<QType>,
    pub rcodes: Vec<Rcode>,
    pub ips: Vec<IpAddr>,
}

/// What a field key tests.
#[derive(Debug, Clone)]
pub(crate) enum TestKind {
    /// OR over values (the default).
    Any(Box<ValueSet>),
    /// `|all`: every value set must match.
    All(Vec<ValueSet>),
    /// `|exists: true/false`.
    Exists(bool),
    /// `|minute`, `|hour`, ...: that part of the field's date (UTC) is one of the values.
    Time { part: TimePart, values: Vec<i64> },
    /// `|fieldref`: equal (or contains/starts/ends with, per `op`) to another field's value.
    FieldRef { other: FieldId, op: RefOp, cased: bool },
}

/// Comparison of `fieldref`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefOp {
    Eq,
    Prefix,
    Suffix,
    Contains,
}

/// One compiled item: a field (or, for keywords, every string of the event) and its test.
#[derive(Debug, Clone)]
pub(crate) struct FieldTest {
    /// `None` for keyword search.
    pub field: Option<FieldId>,
    pub kind: TestKind,
    /// `|neq`: the field matches none of the values (a missing field does, as in pySigma, where
    /// `neq` is the negated comparison).
    pub neq: bool,
    /// The same test on a typed DNS field, read straight from the event (see `fast.rs`).
    pub fast: Option<super::fast::Fast>,
}

/// Formats a typed value into a stack buffer; falls back to a `String` only if it overflows.
struct StackText {
    buf: [u8; 80],
    len: usize,
}

impl Write for StackText {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Calls `f` with the value as text, without allocating for Sigma's usual values.
pub(crate) fn with_text(v: &FieldValue<'_>, f: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        FieldValue::Str(s) => f(s),
        FieldValue::Json(serde_json::Value::String(s)) => f(s),
        FieldValue::Missing | FieldValue::Null | FieldValue::Json(_) => {
            // Arrays and objects have no text; other JSON scalars are never wrapped in `Json`.
            false
        }
        other => {
            let mut st = StackText { buf: [0; 80], len: 0 };
            let ok = match other {
                FieldValue::Int(i) => write!(st, "{i}"),
                FieldValue::Float(x) => write!(st, "{x}"),
                FieldValue::Bool(b) => st.write_str(if *b { "true" } else { "false" }),
                FieldValue::Ip(ip) => write!(st, "{ip}"),
                FieldValue::QType(q) => write!(st, "{q}"),
                FieldValue::Rcode(r) => write!(st, "{r}"),
                FieldValue::Time(t) => write!(st, "{t}"),
                _ => Ok(()),
            };
            match ok {
                Ok(()) => std::str::from_utf8(&st.buf[..st.len]).is_ok_and(f),
                Err(_) => {
                    let mut s = String::new();
                    other.as_text(&mut s).is_some_and(f)
                }
            }
        }
    }
}

fn number(v: &FieldValue<'_>) -> Option<f64> {
    match v {
        FieldValue::Int(i) => Some(*i as f64),
        FieldValue::Float(f) => Some(*f),
        FieldValue::QType(q) => Some(f64::from(q.0)),
        FieldValue::Rcode(r) => Some(f64::from(r.0)),
        FieldValue::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn ip(v: &FieldValue<'_>) -> Option<IpAddr> {
    match v {
        FieldValue::Ip(ip) => Some(*ip),
        FieldValue::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A JSON array element as a field value.
fn element(v: &serde_json::Value) -> FieldValue<'_> {
    match v {
        serde_json::Value::Null => FieldValue::Null,
        serde_json::Value::String(s) => FieldValue::Str(s),
        serde_json::Value::Bool(b) => FieldValue::Bool(*b),
        serde_json::Value::Number(n) => {
            n.as_i64().map(FieldValue::Int).or_else(|| n.as_f64().map(FieldValue::Float)).unwrap_or(FieldValue::Json(v))
        }
        other => FieldValue::Json(other),
    }
}

impl ValueSet {
    /// Whether `v` matches any value (arrays: any element).
    pub(crate) fn matches(&self, v: &FieldValue<'_>) -> bool {
        match v {
            FieldValue::Missing | FieldValue::Null => return self.null,
            FieldValue::Json(serde_json::Value::Array(items)) => {
                return items.iter().any(|e| self.matches(&element(e)));
            }
            _ => {}
        }
        if !self.qtypes.is_empty() {
            let q = match v {
                FieldValue::QType(q) => Some(*q),
                FieldValue::Int(i) => u16::try_from(*i).ok().map(QType),
                FieldValue::Str(s) => QType::parse(s),
                _ => None,
            };
            if q.is_some_and(|q| self.qtypes.contains(&q)) {
                return true;
            }
        }
        if !self.rcodes.is_empty() {
            let r = match v {
                FieldValue::Rcode(r) => Some(*r),
                FieldValue::Int(i) => u16::try_from(*i).ok().map(Rcode),
                FieldValue::Str(s) => Rcode::parse(s),
                _ => None,
            };
            if r.is_some_and(|r| self.rcodes.contains(&r)) {
                return true;
            }
        }
        if !self.ips.is_empty() || !self.nets.is_empty() {
            if let Some(a) = ip(v) {
                let a = a.to_canonical();
                if self.ips.contains(&a) || self.nets.iter().any(|n| n.contains(a)) {
                    return true;
                }
            }
        }
        if !self.cmps.is_empty() {
            if let Some(n) = number(v) {
                if self.cmps.iter().any(|(op, b)| op.holds(n, *b)) {
                    return true;
                }
            }
        }
        if self.strs.is_none() && self.regex.is_none() {
            return false;
        }
        with_text(v, &mut |t| {
            self.strs.as_ref().is_some_and(|s| s.is_match(t)) || self.regex.as_ref().is_some_and(|r| r.is_match(t))
        })
    }

    /// Whether a text (keyword search) matches any string or regex value.
    pub(crate) fn matches_text(&self, t: &str) -> bool {
        self.strs.as_ref().is_some_and(|s| s.is_match(t)) || self.regex.as_ref().is_some_and(|r| r.is_match(t))
    }
}

impl FieldTest {
    /// Evaluates the test against a record.
    pub(crate) fn eval<R: event::Record + ?Sized>(&self, r: &R) -> bool {
        if let (Some(f), Some(d)) = (&self.fast, r.dns()) {
            return f.eval(d) != self.neq;
        }
        self.eval_general(r)
    }

    /// [`FieldTest::eval`] without the typed fast path.
    pub(crate) fn eval_general<R: event::Record + ?Sized>(&self, r: &R) -> bool {
        let Some(field) = &self.field else {
            return match &self.kind {
                TestKind::Any(set) => r.any_text(&mut |t| set.matches_text(t)),
                TestKind::All(sets) => sets.iter().all(|set| r.any_text(&mut |t| set.matches_text(t))),
                _ => false,
            };
        };
        let v = r.field(field);
        let hit = match &self.kind {
            TestKind::Any(set) => set.matches(&v),
            TestKind::All(sets) => sets.iter().all(|s| s.matches(&v)),
            TestKind::Exists(want) => v.is_missing() != *want,
            TestKind::Time { part, values } => {
                let t = match v {
                    FieldValue::Time(t) => Some(t),
                    FieldValue::Str(s) => event::parse_time(s),
                    _ => None,
                };
                t.is_some_and(|t| values.contains(&time_part(t, *part)))
            }
            TestKind::FieldRef { other, op, cased } => {
                let o = r.field(other);
                with_text(&v, &mut |a| with_text(&o, &mut |b| ref_match(a, b, *op, *cased)))
            }
        };
        hit != self.neq
    }
}

/// The number a time modifier takes from a date (UTC).
pub(crate) fn time_part(t: Timestamp, part: TimePart) -> i64 {
    let (y, mo, d, h, mi, _, _) = t.to_civil();
    match part {
        TimePart::Minute => mi.into(),
        TimePart::Hour => h.into(),
        TimePart::Day => d.into(),
        TimePart::Month => mo.into(),
        TimePart::Year => y,
        TimePart::Week => iso_week(t.secs().div_euclid(86_400), y),
    }
}

/// ISO 8601 week number of the day `days` since 1970-01-01, which falls in year `y`.
fn iso_week(days: i64, y: i64) -> i64 {
    // 1970-01-01 was a Thursday (ISO weekday 4).
    let weekday = (days + 3).rem_euclid(7) + 1;
    let ordinal = days - event::days_from_civil(y, 1, 1) + 1;
    let weeks_in = |y: i64| {
        let p = |y: i64| (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)).rem_euclid(7);
        if p(y) == 4 || p(y - 1) == 3 {
            53
        } else {
            52
        }
    };
    let w = (ordinal - weekday + 10).div_euclid(7);
    if w < 1 {
        weeks_in(y - 1)
    } else if w > weeks_in(y) {
        1
    } else {
        w
    }
}

fn ref_match(a: &str, b: &str, op: RefOp, cased: bool) -> bool {
    if !(cased || a.is_ascii() && b.is_ascii()) {
        return ref_match(&a.to_lowercase(), &b.to_lowercase(), op, true);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let eq = |x: &[u8], y: &[u8]| if cased { x == y } else { x.eq_ignore_ascii_case(y) };
    match op {
        RefOp::Eq => eq(a, b),
        RefOp::Prefix => a.len() >= b.len() && eq(&a[..b.len()], b),
        RefOp::Suffix => a.len() >= b.len() && eq(&a[a.len() - b.len()..], b),
        RefOp::Contains => b.is_empty() || a.windows(b.len()).any(|w| eq(w, b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_v4_v6_and_mapped() {
        let n = Net::parse("10.0.0.0/8").unwrap();
        assert!(n.contains("10.1.2.3".parse().unwrap()));
        assert!(n.contains("::ffff:10.1.2.3".parse().unwrap()));
        assert!(!n.contains("11.0.0.1".parse().unwrap()));
        let six = Net::parse("2001:db8::/32").unwrap();
        assert!(six.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!six.contains("2001:db9::1".parse().unwrap()));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains("203.0.113.9".parse().unwrap()));
        assert_eq!(Net::parse("10.0.0.0/33"), None);
        assert_eq!(Net::parse("10.0.0/8"), None);
    }

    #[test]
    fn iso_weeks() {
        let wk = |s: &str| time_part(Timestamp::parse_rfc3339(s).unwrap(), TimePart::Week);
        assert_eq!(wk("2026-01-01T00:00:00Z"), 1);
        assert_eq!(wk("2021-01-03T12:00:00Z"), 53);
        assert_eq!(wk("2024-12-30T00:00:00Z"), 1);
        assert_eq!(wk("2026-11-27T13:00:00Z"), 48);
        assert_eq!(wk("2020-12-31T00:00:00Z"), 53);
    }

    #[test]
    fn typed_values_as_text_without_allocating() {
        let mut seen = String::new();
        assert!(with_text(&FieldValue::QType(QType::AXFR), &mut |t| {
            seen.push_str(t);
            true
        }));
        assert_eq!(seen, "AXFR");
        assert!(!with_text(&FieldValue::Missing, &mut |_| true));
    }
}
