//! A short cut through the condition for DNS events: the top-level `and` terms that are a
//! selection (or `not` a selection) made only of typed DNS tests (`fast.rs`) are checked first,
//! in a flat loop; an event failing one cannot match, whatever the rest says. When those terms
//! (and the query-type gate's selection) are the whole condition, passing them is the match.
//! Most DNS traffic fails the first or second term (`not private`, `ResultCode: NXDOMAIN`), so
//! the general condition walk runs for few events.

use super::compile::Selection;
use super::condition::Cond;
use super::fast::Fast;
use event::DnsEvent;

/// One term: the tests of a one-alternative selection (each with its `neq`), and whether the
/// term is the selection's negation.
#[derive(Debug, Clone)]
struct Term {
    tests: Vec<(Fast, bool)>,
    negated: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Conj {
    terms: Vec<Term>,
    /// The terms (with the gate's selection) are the whole condition.
    complete: bool,
}

/// What the short cut says about an event.
pub(crate) enum Verdict {
    No,
    Yes,
    /// The terms hold; the full condition decides.
    Maybe,
}

impl Conj {
    /// The short cut of a condition, if it has any fast term. `gate` is the selection the
    /// query-type gate stands for (true for routed events).
    pub(crate) fn of(cond: &Cond, selections: &[Selection], gate: Option<usize>) -> Option<Conj> {
        let mut conjuncts = Vec::new();
        flatten(cond, &mut conjuncts);
        let mut terms = Vec::new();
        let mut complete = true;
        for c in conjuncts {
            let (i, negated) = match c {
                Cond::Sel(i) => (*i, false),
                Cond::Not(inner) => match &**inner {
                    Cond::Sel(i) => (*i, true),
                    _ => {
                        complete = false;
                        continue;
                    }
                },
                _ => {
                    complete = false;
                    continue;
                }
            };
            if Some(i) == gate && !negated {
                continue;
            }
            match selections.get(i).and_then(fast_tests) {
                Some(tests) => terms.push(Term { tests, negated }),
                None => complete = false,
            }
        }
        (!terms.is_empty()).then_some(Conj { terms, complete })
    }

    /// The verdict for an event routed by a query type the gate admits (or a rule without
    /// gate, whose terms then hold no gate selection).
    pub(crate) fn check(&self, d: &DnsEvent) -> Verdict {
        for t in &self.terms {
            let sel = t.tests.iter().all(|(f, neq)| f.eval(d) != *neq);
            if sel == t.negated {
                return Verdict::No;
            }
        }
        if self.complete {
            Verdict::Yes
        } else {
            Verdict::Maybe
        }
    }
}

/// The conjuncts of nested top-level `and`s.
fn flatten<'c>(cond: &'c Cond, out: &mut Vec<&'c Cond>) {
    match cond {
        Cond::And(cs) => cs.iter().for_each(|c| flatten(c, out)),
        other => out.push(other),
    }
}

/// The fast tests of a selection with one alternative made only of fast tests.
fn fast_tests(sel: &Selection) -> Option<Vec<(Fast, bool)>> {
    let [alt] = sel.alts.as_slice() else { return None };
    alt.iter().map(|t| t.fast.clone().map(|f| (f, t.neq))).collect()
}

#[cfg(test)]
mod tests {
    use crate::{load_str, Rule};
    use event::{DnsEvent, DnsField, Event, QType, Rcode};
    use std::path::Path;

    /// For every event a routing admits, the short cut answers as the general walk.
    #[test]
    fn short_cut_answers_as_the_general_condition() {
        let private = "ClientIP|cidr: [10.0.0.0/8, '::1/128', 'fc00::/7']";
        let detections = [
            format!("  s: {{QueryType: [A, AAAA]}}\n  nx: {{ResultCode: NXDOMAIN}}\n  p: {{{private}}}\n  condition: s and nx and not p\n"),
            format!("  s: {{QueryType: [A]}}\n  a: {{ResultCode|exists: true}}\n  p: {{{private}}}\n  condition: s and not a and not p\n"),
            format!("  n: {{QueryType: [NSEC]}}\n  w: {{Name|contains: '-.'}}\n  p: {{{private}}}\n  condition: not p and (n or w)\n"),
            format!("  s: {{QueryType: [A], ResultCode: [0, 3]}}\n  p: {{{private}}}\n  condition: (s and not p) and s\n"),
            format!("  s: {{QueryType: [PTR]}}\n  r: {{ReverseNetwork|exists: true}}\n  p: {{{private}}}\n  condition: s and r and not p\n"),
            "  x: {QueryType: [A]}\n  y: {ResultCode: [NXDOMAIN]}\n  condition: x or y\n".to_string(),
            format!("  x:\n    - {{ResultCode: [NXDOMAIN]}}\n    - {{ResultCode: [5]}}\n  p: {{{private}}}\n  condition: x and not p\n"),
        ];
        for det in &detections {
            let text = format!("title: T\nlogsource: {{category: dns}}\ndetection:\n{det}");
            let Rule::Detection(r) = load_str(&text, Path::new("t.yml")).unwrap().remove(0) else { unreachable!() };
            for qtype in [1u16, 12, 47, 252] {
                if !r.admits_qtype(QType(qtype)) {
                    continue;
                }
                for rcode in [None, Some(0), Some(3), Some(5)] {
                    for client in [None, Some("10.1.2.3"), Some("::ffff:10.1.2.3"), Some("203.0.113.9"), Some("::1")] {
                        for name in ["www.example.com", "a-.example.com", "4.3.2.1.in-addr.arpa"] {
                            let mut d =
                                DnsEvent { qtype: Some(QType(qtype)), rcode: rcode.map(Rcode), ..DnsEvent::default() };
                            d.set(DnsField::Name, name).unwrap();
                            if let Some(c) = client {
                                d.set(DnsField::ClientIp, c).unwrap();
                            }
                            let e = Event::Dns(d);
                            assert_eq!(r.matches_admitted(&e), r.matches_generally(&e), "{det} on {e:?}");
                        }
                    }
                }
            }
        }
    }
}
