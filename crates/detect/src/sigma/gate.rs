//! A pre-check that skips most DNS queries without walking a rule's selections: when the
//! condition requires (through its top-level `and`s) a selection that is nothing but
//! `QueryType: [list]`, an event whose query type is outside the list cannot match. Exactly the
//! full evaluation's answer, only sooner: both seed DNS rules start with such a list, and most DNS
//! traffic (A, AAAA) is outside it.

use super::compile::Selection;
use super::condition::Cond;
use super::fast::QTypeSet;
use super::test::TestKind;
use event::{DnsField, FieldId, FieldValue, QType, Record};

/// The query types a rule can match at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QTypeGate {
    types: QTypeSet,
    /// The selection the gate stands for: true for every event the gate admits by a typed query
    /// type.
    pub(crate) sel: usize,
}

const QUERY_TYPE: FieldId = FieldId::Dns(DnsField::QueryType);

impl QTypeGate {
    /// The gate of a rule, if its condition requires a QueryType-only selection.
    pub(crate) fn of(cond: &Cond, selections: &[Selection]) -> Option<QTypeGate> {
        let mut required = Vec::new();
        required_selections(cond, &mut required);
        required
            .into_iter()
            .find_map(|i| selections.get(i).and_then(qtype_only).map(|t| (i, t)))
            .map(|(sel, types)| QTypeGate { types: QTypeSet::new(types), sel })
    }

    /// False when the event's query type rules the rule out; true when the full evaluation must
    /// decide (a listed type, or a value that is not a typed query type).
    pub(crate) fn admits<R: Record + ?Sized>(&self, r: &R) -> bool {
        match r.field(&QUERY_TYPE) {
            FieldValue::QType(q) => self.admits_type(q),
            _ => true,
        }
    }

    /// Whether an event of this (typed) query type can match.
    pub(crate) fn admits_type(&self, q: QType) -> bool {
        self.types.contains(q)
    }
}

/// Selections every match needs: `Sel(i)` itself, or any conjunct of a top-level `and`.
fn required_selections(cond: &Cond, out: &mut Vec<usize>) {
    match cond {
        Cond::Sel(i) => out.push(*i),
        Cond::And(cs) => cs.iter().for_each(|c| required_selections(c, out)),
        Cond::Or(_) | Cond::Not(_) => {}
    }
}

/// The query types of a selection that is exactly one plain `QueryType` list and nothing else.
fn qtype_only(sel: &Selection) -> Option<&[QType]> {
    let [alt] = sel.alts.as_slice() else { return None };
    let [test] = alt.as_slice() else { return None };
    if test.field.as_ref() != Some(&QUERY_TYPE) || test.neq {
        return None;
    }
    let TestKind::Any(set) = &test.kind else { return None };
    let only_types = !set.null
        && set.strs.is_none()
        && set.regex.is_none()
        && set.nets.is_empty()
        && set.cmps.is_empty()
        && set.rcodes.is_empty()
        && set.ips.is_empty()
        && !set.qtypes.is_empty();
    only_types.then_some(set.qtypes.as_slice())
}

#[cfg(test)]
mod tests {
    use crate::load_str;
    use crate::Rule;
    use event::{DnsEvent, DnsField, Event, QType};
    use std::path::Path;

    fn rule(detection: &str) -> crate::DetectionRule {
        let text = format!("title: T\nlogsource: {{category: dns}}\ndetection:\n{detection}");
        match load_str(&text, Path::new("t.yml")).unwrap().remove(0) {
            Rule::Detection(d) => d,
            _ => unreachable!(),
        }
    }

    fn dns(qtype: u16, client: &str) -> Event {
        let mut e = DnsEvent { qtype: Some(QType(qtype)), ..DnsEvent::default() };
        e.set(DnsField::ClientIp, client).unwrap();
        Event::Dns(e)
    }

    #[test]
    fn gated_rules_answer_exactly_as_the_full_evaluation() {
        let gated = [
            "  sel: {QueryType: [AXFR, IXFR, 255, CAA]}\n  private: {ClientIP|cidr: 10.0.0.0/8}\n  condition: sel and not private\n",
            "  sel: {QueryType: [NS, MX]}\n  condition: sel\n",
            "  a: {QueryType: [TXT]}\n  b: {ClientIP|cidr: 203.0.113.0/24}\n  condition: b and (a and b)\n",
        ];
        let ungated = [
            "  sel: {QueryType: [AXFR]}\n  other: {Name: x}\n  condition: sel or other\n",
            "  sel: {QueryType|neq: AXFR}\n  condition: sel\n",
            "  sel: {QueryType: [AXFR], ClientIP: 1.2.3.4}\n  condition: sel\n",
            "  sel: {QueryType: [AXFR, null]}\n  condition: sel\n",
            "  sel: {QueryType|contains: XF}\n  condition: sel\n",
            "  sel: {QueryType: [AXFR]}\n  condition: not sel\n",
        ];
        for d in gated {
            assert!(rule(d).gate.is_some(), "{d}");
        }
        for d in ungated {
            assert!(rule(d).gate.is_none(), "{d}");
        }
        for d in gated.iter().chain(&ungated) {
            let r = rule(d);
            for q in [1, 2, 15, 16, 28, 251, 252, 255, 257, 65280] {
                for ip in ["10.1.1.1", "203.0.113.9"] {
                    let e = dns(q, ip);
                    let full = r.matches_without_gate(&e);
                    assert_eq!(r.matches(&e), full, "{d} type {q} from {ip}");
                    if r.admits_qtype(QType(q)) {
                        assert_eq!(r.matches_admitted(&e), full, "{d} type {q} from {ip}, routed");
                    }
                }
            }
        }
    }
}
