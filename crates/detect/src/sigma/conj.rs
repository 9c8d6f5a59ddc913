//! A short cut through the condition for DNS events: the top-level `and` terms that are a
//! selection (or `not` a selection) made only of typed DNS tests (`fast.rs`) are checked first,
//! in a flat loop; an event failing one cannot match, whatever the rest says. When those terms
//! (and the query-type gate's selection) are the whole condition, passing them is the match.
//! Most DNS traffic fails the first or second term (`not private`, `ResultCode: NXDOMAIN`), so
//! the general condition walk runs for few events.
//!
//! Rules often share a term (`not private` is in most of the built-in rules): the [`Matcher`]
//! gives each term found in several rules a [`TermId`], and a term with one is evaluated once
//! per event, its answer kept in a [`Memo`] for the other rules.
//!
//! [`Matcher`]: crate::Matcher

use super::compile::Selection;
use super::condition::Cond;
use super::fast::Fast;
use event::{DnsEvent, Rcode};

/// Fast tests (each with its `neq`) ORed over alternatives that AND them: a selection, or an
/// `or` of selections.
type Alts = Vec<Vec<(Fast, bool)>>;

/// One term: a selection (or an `or` of selections, `(nsec_types or walker_names)`) made of fast
/// tests, and whether the term is its negation.
#[derive(Debug, Clone)]
struct Term {
    /// The selection's index in the rule, when the term is one selection.
    sel: Option<usize>,
    alts: Alts,
    negated: bool,
    /// Set when other rules have the same tests: the selection's answer is shared through the
    /// event's [`Memo`].
    shared: Option<TermId>,
}

impl Term {
    /// The answer of the selection(s), before `negated`.
    #[inline]
    fn eval(&self, d: &DnsEvent) -> bool {
        self.alts.iter().any(|alt| alt.iter().all(|(f, neq)| f.eval(d) != *neq))
    }

    fn reads_only_rcode(&self) -> bool {
        self.alts.iter().flatten().all(|(f, _)| f.reads_only_rcode())
    }
}

/// A term shared by several rules: its bit in a [`Memo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TermId(u8);

/// The answers of the shared terms evaluated so far for one event.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    known: u64,
    held: u64,
}

impl Memo {
    /// How many shared terms a memo holds; terms beyond them are evaluated by each rule.
    const CAPACITY: usize = 64;

    fn get_or(&mut self, TermId(k): TermId, eval: impl FnOnce() -> bool) -> bool {
        let bit = 1u64 << k;
        if self.known & bit != 0 {
            return self.held & bit != 0;
        }
        let v = eval();
        self.known |= bit;
        if v {
            self.held |= bit;
        }
        v
    }
}

/// Gives every term that more than one of `conjs` has (the same tests, negated or not) one
/// [`TermId`], up to [`Memo::CAPACITY`] of them, first found first.
pub(crate) fn share_terms<'c>(conjs: impl Iterator<Item = &'c mut Conj>) {
    let mut terms: Vec<&mut Term> = conjs.flat_map(|c| c.terms.iter_mut()).collect();
    let mut distinct: Vec<(Alts, usize)> = Vec::new();
    for t in &terms {
        match distinct.iter_mut().find(|(alts, _)| *alts == t.alts) {
            Some((_, n)) => *n += 1,
            None => distinct.push((t.alts.clone(), 1)),
        }
    }
    distinct.retain(|(_, n)| *n > 1);
    distinct.truncate(Memo::CAPACITY);
    for t in &mut terms {
        t.shared = distinct.iter().position(|(alts, _)| *alts == t.alts).map(|k| TermId(k as u8));
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Conj {
    /// The terms testing nothing but the result code first, then the others.
    terms: Vec<Term>,
    /// How many terms test nothing but the result code.
    rcode_terms: usize,
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
            let (inner, negated) = match c {
                Cond::Not(inner) => (&**inner, true),
                other => (other, false),
            };
            // The gate's selection holds for routed events, and so does an `or` naming it.
            let gated = |c: &Cond| matches!(c, Cond::Sel(i) if Some(*i) == gate);
            if !negated && (gated(inner) || matches!(inner, Cond::Or(cs) if cs.iter().any(gated))) {
                continue;
            }
            match term(inner, selections) {
                Some((sel, alts)) => terms.push(Term { sel, alts, negated, shared: None }),
                None => complete = false,
            }
        }
        // Stable: the result-code terms keep their order, and the others theirs.
        terms.sort_by_key(|t| !t.reads_only_rcode());
        let rcode_terms = terms.iter().filter(|t| t.reads_only_rcode()).count();
        (!terms.is_empty()).then_some(Conj { terms, rcode_terms, complete })
    }

    /// The verdict for an event routed by a query type the gate admits (or a rule without
    /// gate, whose terms then hold no gate selection). Shared terms are answered from `memo`
    /// (one memo per event). `rcode_known`: the routing found that the event's result code passes
    /// the terms testing nothing but it ([`Conj::admits_rcode`]), which are then skipped.
    /// Inlined into the matcher's loop: out of line it costs ~30 instructions per call in moves
    /// and spills.
    #[inline]
    pub(crate) fn check(&self, d: &DnsEvent, memo: &mut Memo, rcode_known: bool) -> Verdict {
        let from = if rcode_known { self.rcode_terms } else { 0 };
        for k in from..self.terms.len() {
            if !self.passes(k, d, memo) {
                return Verdict::No;
            }
        }
        if self.complete {
            Verdict::Yes
        } else {
            Verdict::Maybe
        }
    }

    /// False when an event with this result code fails a term that tests nothing but the result
    /// code (`ResultCode: NXDOMAIN`, `not ResultCode|exists`): [`Conj::check`] would say
    /// [`Verdict::No`] for it whatever the rest of the event holds, so the routing may drop the rule.
    pub(crate) fn admits_rcode(&self, rcode: Option<Rcode>) -> bool {
        let d = DnsEvent { rcode, ..DnsEvent::default() };
        self.terms[..self.rcode_terms].iter().all(|t| t.eval(&d) != t.negated)
    }

    /// The shared terms that do not test the result code alone, as (id, negated, index): an event
    /// failing one matches no rule that has it.
    pub(crate) fn guards(&self) -> impl Iterator<Item = (TermId, bool, usize)> + '_ {
        let terms = self.terms.iter().enumerate().skip(self.rcode_terms);
        terms.filter_map(|(k, t)| t.shared.map(|id| (id, t.negated, k)))
    }

    /// Whether the event passes term `k` (of [`Conj::guards`]), answered through `memo`.
    #[inline]
    pub(crate) fn passes(&self, k: usize, d: &DnsEvent, memo: &mut Memo) -> bool {
        let t = &self.terms[k];
        let sel = match t.shared {
            Some(id) => memo.get_or(id, || t.eval(d)),
            None => t.eval(d),
        };
        sel != t.negated
    }

    /// After a [`Verdict::Maybe`] for the event: selection `i`'s value if it is one of the
    /// terms (which all held), so the condition walk does not evaluate it again.
    pub(crate) fn held(&self, i: usize) -> Option<bool> {
        self.terms.iter().find(|t| t.sel == Some(i)).map(|t| !t.negated)
    }
}

/// The conjuncts of nested top-level `and`s.
fn flatten<'c>(cond: &'c Cond, out: &mut Vec<&'c Cond>) {
    match cond {
        Cond::And(cs) => cs.iter().for_each(|c| flatten(c, out)),
        other => out.push(other),
    }
}

/// A conjunct as a term: a selection made only of fast tests (its index too), or an `or` of them.
fn term(c: &Cond, selections: &[Selection]) -> Option<(Option<usize>, Alts)> {
    match c {
        Cond::Sel(i) => Some((Some(*i), fast_alts(selections.get(*i)?)?)),
        Cond::Or(cs) => {
            let mut alts = Vec::new();
            for c in cs {
                let Cond::Sel(i) = c else { return None };
                alts.extend(fast_alts(selections.get(*i)?)?);
            }
            Some((None, alts))
        }
        _ => None,
    }
}

/// The alternatives of a selection made only of fast tests.
fn fast_alts(sel: &Selection) -> Option<Alts> {
    sel.alts.iter().map(|alt| alt.iter().map(|t| t.fast.clone().map(|f| (f, t.neq))).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::{Memo, TermId};
    use crate::{load_str, DetectionRule, Rule};
    use event::{DnsEvent, DnsField, Event, QType, Rcode, Record};
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
            // An `or` naming the gate's selection holds for routed events.
            format!("  s: {{QueryType: [A, PTR]}}\n  w: {{Name|contains: ['\\000', '-.']}}\n  p: {{{private}}}\n  condition: s and (w or s) and not p\n"),
            "  w: {Name|contains|cased: ['\\000', 'A-.']}\n  x: {ResultCode: [3, 5]}\n  condition: not (w or x)\n".to_string(),
        ];
        let mut rules: Vec<_> = detections
            .iter()
            .map(|det| {
                let text = format!("title: T\nlogsource: {{category: dns}}\ndetection:\n{det}");
                let Rule::Detection(r) = load_str(&text, Path::new("t.yml")).unwrap().remove(0) else { unreachable!() };
                r
            })
            .collect();
        // Each rule alone (its own memo per event), then all of them sharing one memo per event
        // as the matcher does, in both orders (a shared term first met negated or not).
        for shared in [false, true] {
            if shared {
                DetectionRule::share_terms(&mut rules);
                let ids = rules.iter().flat_map(|r| &r.conj).flat_map(|c| &c.terms).filter(|t| t.shared.is_some());
                let ids: Vec<_> = ids.map(|t| t.shared).collect();
                // `p` in six rules, and the fourth rule's `s`, which it has twice.
                let (p, s) = (Some(TermId(0)), Some(TermId(1)));
                assert_eq!(ids, [p, p, p, s, p, s, p, p, p]);
            }
            for order in [false, true] {
                let order: Vec<&DetectionRule> =
                    if order { rules.iter().rev().collect() } else { rules.iter().collect() };
                for_each_event(|e| {
                    let mut memo = Memo::default();
                    for r in &order {
                        if !r.admits_qtype(e.dns().and_then(|d| d.qtype).unwrap()) {
                            continue;
                        }
                        let mut own = Memo::default();
                        let memo = if shared { &mut memo } else { &mut own };
                        assert_eq!(
                            r.matches_admitted_memo(e, memo, false),
                            r.matches_generally(e),
                            "{:?} on {e:?}",
                            r.meta
                        );
                    }
                });
            }
        }
    }

    fn for_each_event(mut f: impl FnMut(&Event)) {
        for qtype in [1u16, 12, 47, 252] {
            for rcode in [None, Some(0), Some(3), Some(5)] {
                for client in [None, Some("10.1.2.3"), Some("::ffff:10.1.2.3"), Some("203.0.113.9"), Some("::1")] {
                    for name in ["www.example.com", "a-.example.com", "A-.x", "a\\000.x", "4.3.2.1.in-addr.arpa"] {
                        let mut d =
                            DnsEvent { qtype: Some(QType(qtype)), rcode: rcode.map(Rcode), ..DnsEvent::default() };
                        d.set(DnsField::Name, name).unwrap();
                        if let Some(c) = client {
                            d.set(DnsField::ClientIp, c).unwrap();
                        }
                        f(&Event::Dns(d));
                    }
                }
            }
        }
    }
}
