//! Which detection rules an event is tested against: the rules of its class, and for DNS events
//! with a typed query type below 256 only those whose query-type pre-check admits that type —
//! one table lookup per event instead of one pre-check per rule — and, among those, only the
//! ones whose result-code terms (`ResultCode: NXDOMAIN`, `not ResultCode|exists`) the event's
//! result code passes: most traffic is answered NOERROR (or logged without a code), and those
//! rules then cost nothing. Rule order is kept, so alerts come out in the same order as when
//! every rule is asked in turn.

use super::class_index;
use crate::DetectionRule;
use event::{Event, QType, Rcode};

/// DNS classes routed by query type: query, response, transfer (their `class_index`).
const DNS_CLASSES: usize = 3;

/// Result codes routed one by one: 0..15 (the header's four bits, where nearly all answers are).
const ROUTED_RCODES: u16 = 16;
/// Result-code slots of a query type's table: no code, codes 0..15, and every other code (whose
/// list keeps every rule the query type admits).
const RCODE_SLOTS: usize = ROUTED_RCODES as usize + 2;

/// The slot of a result code in a [`Routes::by_rcode`] table.
fn rcode_slot(rcode: Option<Rcode>) -> usize {
    match rcode {
        None => 0,
        Some(Rcode(r)) => usize::from(r.min(ROUTED_RCODES)) + 1,
    }
}

pub(super) struct Routes {
    /// Every rule of each class, in load order.
    by_class: [Vec<usize>; 5],
    /// Distinct rule lists of the DNS classes' query types and result codes.
    lists: Vec<Vec<usize>>,
    /// Per DNS class and query type below 256: its table in `by_rcode`.
    by_qtype: Vec<[u16; 256]>,
    /// Per distinct rule list of a query type, and result-code slot (see [`rcode_slot`]): the
    /// list in `lists`.
    by_rcode: Vec<[u16; RCODE_SLOTS]>,
    /// Per list of `lists`: a term every rule of the list has (a rule, and the term's index
    /// among its terms, as [`DetectionRule::guards`] gives it), tested once before the list: internal traffic fails `not
    /// private` and then skips the whole list.
    guards: Vec<Option<(usize, usize)>>,
}

/// The rules to test an event against.
pub(super) struct Route<'a> {
    pub rules: &'a [usize],
    /// The rules' query-type pre-checks were applied by the routing: test with
    /// `matches_admitted`.
    pub gated: bool,
    /// Routed by result code too: the event's code passes the rules' result-code terms, which
    /// need no test again.
    pub rcode_known: bool,
    /// A term each of the rules has: an event failing it matches none (see [`Routes::guards`]).
    pub guard: Option<(usize, usize)>,
}

impl Routes {
    pub(super) fn new<'r>(rules: impl Iterator<Item = &'r DetectionRule>) -> Routes {
        let mut by_class: [Vec<usize>; 5] = Default::default();
        let rules: Vec<&DetectionRule> = rules.collect();
        for (i, r) in rules.iter().enumerate() {
            by_class[class_index(r.class)].push(i);
        }
        let mut qtype_lists: Vec<Vec<usize>> = Vec::new();
        let mut by_qtype = Vec::with_capacity(DNS_CLASSES);
        for class in &by_class[..DNS_CLASSES] {
            let mut table = [0u16; 256];
            for (q, slot) in table.iter_mut().enumerate() {
                let list: Vec<usize> =
                    class.iter().copied().filter(|&i| rules[i].admits_qtype(QType(q as u16))).collect();
                *slot = intern(&mut qtype_lists, list);
            }
            by_qtype.push(table);
        }
        let mut lists: Vec<Vec<usize>> = Vec::new();
        let by_rcode = qtype_lists
            .iter()
            .map(|list| {
                let mut table = [0u16; RCODE_SLOTS];
                for (slot, entry) in table.iter_mut().enumerate() {
                    // The last slot (codes from 16 up) keeps the query type's whole list.
                    let rcode = (1..RCODE_SLOTS - 1).contains(&slot).then(|| Rcode(slot as u16 - 1));
                    let keep = |&&i: &&usize| slot == RCODE_SLOTS - 1 || rules[i].admits_rcode(rcode);
                    *entry = intern(&mut lists, list.iter().filter(keep).copied().collect());
                }
                table
            })
            .collect();
        let guards = lists.iter().map(|list| guard(&rules, list)).collect();
        Routes { by_class, lists, by_qtype, by_rcode, guards }
    }

    #[inline]
    pub(super) fn route(&self, ci: usize, ev: &Event) -> Route<'_> {
        if ci < DNS_CLASSES {
            if let Event::Dns(d) = ev {
                if let Some(QType(q)) = d.qtype.filter(|q| q.0 < 256) {
                    let by_rcode = &self.by_rcode[usize::from(self.by_qtype[ci][usize::from(q)])];
                    let slot = rcode_slot(d.rcode);
                    let list = usize::from(by_rcode[slot]);
                    let (rules, guard) = (&self.lists[list], self.guards[list]);
                    return Route { rules, gated: true, rcode_known: slot < RCODE_SLOTS - 1, guard };
                }
            }
        }
        Route { rules: &self.by_class[ci], gated: false, rcode_known: false, guard: None }
    }
}

/// A shared term (same tests, same polarity) that every rule of a non-empty list has: the first
/// rule's index and the term's index among its terms.
fn guard(rules: &[&DetectionRule], list: &[usize]) -> Option<(usize, usize)> {
    let (&first, rest) = list.split_first()?;
    let others: Vec<_> = rest.iter().map(|&i| rules[i].guards()).collect();
    let has = |g: &[(_, bool, usize)], id, neg| g.iter().any(|&(i, n, _)| i == id && n == neg);
    let found = rules[first].guards().into_iter().find(|&(id, neg, _)| others.iter().all(|g| has(g, id, neg)));
    found.map(|(_, _, k)| (first, k))
}

/// The index of `list` in `lists`, added if new.
fn intern(lists: &mut Vec<Vec<usize>>, list: Vec<usize>) -> u16 {
    match lists.iter().position(|l| *l == list) {
        Some(k) => k as u16,
        None => {
            lists.push(list);
            (lists.len() - 1) as u16
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigma::Memo;
    use crate::{load_str, Rule};
    use event::{DnsEvent, DnsField, DnsKind, EventClass, Record};
    use std::path::Path;

    fn rule(category: &str, detection: &str) -> DetectionRule {
        let text = format!("title: T\nlogsource: {{category: {category}}}\ndetection:\n{detection}");
        match load_str(&text, Path::new("t.yml")).unwrap().remove(0) {
            Rule::Detection(d) => d,
            _ => unreachable!(),
        }
    }

    #[test]
    fn routes_by_class_and_query_type_in_rule_order() {
        let rules = [
            rule("dns", "  s: {QueryType: [AXFR, IXFR]}\n  condition: s\n"),
            rule("dns", "  s: {Name|endswith: .test}\n  condition: s\n"),
            rule("dns", "  s: {QueryType: [A, AXFR, CAA]}\n  condition: s\n"),
            rule("dns_response", "  s: {QueryType: A}\n  condition: s\n"),
        ];
        let routes = Routes::new(rules.iter());
        let dns = |q: Option<u16>, kind| Event::Dns(DnsEvent { qtype: q.map(QType), kind, ..DnsEvent::default() });
        let query = class_index(EventClass::DnsQuery);
        let r = routes.route(query, &dns(Some(252), DnsKind::Query));
        assert_eq!((r.rules, r.gated), (&[0, 1, 2][..], true));
        let r = routes.route(query, &dns(Some(1), DnsKind::Query));
        assert_eq!((r.rules, r.gated), (&[1, 2][..], true));
        let r = routes.route(query, &dns(Some(16), DnsKind::Query));
        assert_eq!((r.rules, r.gated), (&[1][..], true));
        // Types from 256 up and missing types: every rule of the class, each with its pre-check.
        for q in [Some(257), None] {
            let r = routes.route(query, &dns(q, DnsKind::Query));
            assert_eq!((r.rules, r.gated), (&[0, 1, 2][..], false));
        }
        let r = routes.route(class_index(EventClass::DnsResponse), &dns(Some(1), DnsKind::Response));
        assert_eq!((r.rules, r.gated), (&[3][..], true));
        let r = routes.route(class_index(EventClass::DnsTransfer), &dns(Some(252), DnsKind::Transfer));
        assert_eq!(r.rules, &[] as &[usize]);
    }

    /// Routing by query type and result code drops only rules that could not match: for every
    /// event, the routed rules that match are exactly the rules of its class the general
    /// evaluation matches.
    #[test]
    fn routing_by_result_code_keeps_every_match() {
        let private = "ClientIP|cidr: [10.0.0.0/8, '::1/128']";
        let rules = [
            rule("dns", &format!("  s: {{QueryType: [A, AAAA]}}\n  nx: {{ResultCode: NXDOMAIN}}\n  p: {{{private}}}\n  condition: s and nx and not p\n")),
            rule("dns", &format!("  s: {{QueryType: [A]}}\n  a: {{ResultCode|exists: true}}\n  p: {{{private}}}\n  condition: s and not a and not p\n")),
            rule("dns", "  s: {QueryType: [AXFR, IXFR]}\n  ok: {ResultCode: [NOERROR, null]}\n  condition: s and ok\n"),
            rule("dns", "  nx: {ResultCode|neq: NXDOMAIN}\n  w: {Name|endswith: .test}\n  condition: nx and w\n"),
            rule("dns", "  x: {ResultCode: [5, 16]}\n  y: {QueryType: [A]}\n  condition: x or y\n"),
            rule("dns_response", "  s: {QueryType: [A]}\n  nx: {ResultCode: NXDOMAIN}\n  condition: s and not nx\n"),
        ];
        let routes = Routes::new(rules.iter());
        for (class, kind) in [(EventClass::DnsQuery, DnsKind::Query), (EventClass::DnsResponse, DnsKind::Response)] {
            let ci = class_index(class);
            for q in [None, Some(1), Some(28), Some(252), Some(251), Some(257)] {
                for rcode in [None, Some(0), Some(3), Some(5), Some(15), Some(16), Some(300)] {
                    for client in ["10.1.2.3", "203.0.113.9"] {
                        for name in ["a.test", "a.example"] {
                            let mut d =
                                DnsEvent { qtype: q.map(QType), rcode: rcode.map(Rcode), kind, ..DnsEvent::default() };
                            d.set(DnsField::ClientIp, client).unwrap();
                            d.set(DnsField::Name, name).unwrap();
                            let e = Event::Dns(d);
                            let r = routes.route(ci, &e);
                            let dns = e.dns().unwrap();
                            let guarded = r.guard.is_none_or(|(g, k)| rules[g].passes(k, dns, &mut Memo::default()));
                            let routed = |i: usize| {
                                guarded
                                    && r.rules.contains(&i)
                                    && if r.gated {
                                        rules[i].matches_admitted_memo(&e, &mut Memo::default(), r.rcode_known)
                                    } else {
                                        rules[i].matches(&e)
                                    }
                            };
                            for &i in &routes.by_class[ci] {
                                assert_eq!(routed(i), rules[i].matches_generally(&e), "rule {i} on {e:?}");
                            }
                        }
                    }
                }
            }
        }
        // NOERROR A queries skip the NXDOMAIN rule and the rule for unanswered queries.
        let e = Event::Dns(DnsEvent { qtype: Some(QType(1)), rcode: Some(Rcode(0)), ..DnsEvent::default() });
        assert_eq!(routes.route(class_index(EventClass::DnsQuery), &e).rules, &[3, 4][..]);
    }

    /// A term every rule of a route has (`not private` once the rules share their terms, as the
    /// `Matcher` makes them) is that route's guard; events failing it match none of its rules,
    /// and the routed, guarded answers are the general evaluation's.
    #[test]
    fn a_term_all_rules_of_a_route_share_guards_it() {
        let private = "ClientIP|cidr: [10.0.0.0/8, '::1/128']";
        let mut rules = vec![
            rule("dns", &format!("  s: {{QueryType: [A, AAAA]}}\n  p: {{{private}}}\n  condition: s and not p\n")),
            rule("dns", &format!("  s: {{QueryType: [A]}}\n  w: {{Name|endswith: .test}}\n  p: {{{private}}}\n  condition: s and w and not p\n")),
            rule("dns", &format!("  s: {{QueryType: [TXT]}}\n  p: {{{private}}}\n  condition: s and p\n")),
            rule("dns", "  s: {QueryType: [MX]}\n  condition: s\n"),
        ];
        DetectionRule::share_terms(&mut rules);
        let routes = Routes::new(rules.iter());
        let ci = class_index(EventClass::DnsQuery);
        let event = |q: u16, client: &str, name: &str| {
            let mut d = DnsEvent { qtype: Some(QType(q)), kind: DnsKind::Query, ..DnsEvent::default() };
            d.set(DnsField::ClientIp, client).unwrap();
            d.set(DnsField::Name, name).unwrap();
            Event::Dns(d)
        };
        // A: rules 0 and 1, both with `not p`; AAAA: rule 0 alone; TXT has `p` (other polarity)
        // alone, MX no shared term.
        let guard_of = |q: u16| routes.route(ci, &event(q, "10.0.0.1", "a.test")).guard;
        assert!(guard_of(1).is_some() && guard_of(28).is_some() && guard_of(16).is_some());
        assert_eq!(guard_of(15), None);
        let mut checked = 0;
        for q in [1, 15, 16, 28] {
            for client in ["10.1.2.3", "203.0.113.9", "::1", "2001:db8::1"] {
                for name in ["a.test", "a.example"] {
                    let e = event(q, client, name);
                    let r = routes.route(ci, &e);
                    let mut memo = Memo::default();
                    let guarded = r.guard.is_none_or(|(g, k)| rules[g].passes(k, e.dns().unwrap(), &mut memo));
                    for &i in &routes.by_class[ci] {
                        let routed = guarded
                            && r.rules.contains(&i)
                            && rules[i].matches_admitted_memo(&e, &mut memo, r.rcode_known);
                        assert_eq!(routed, rules[i].matches_generally(&e), "rule {i} on {e:?}");
                        checked += usize::from(routed);
                    }
                }
            }
        }
        // Both polarities of the guard were seen to let matches through.
        assert!(checked >= 6, "{checked}");
    }
}
