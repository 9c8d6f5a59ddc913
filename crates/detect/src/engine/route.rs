//! Which detection rules an event is tested against: the rules of its class, and for DNS events
//! with a typed query type below 256 only those whose query-type pre-check admits that type —
//! one table lookup per event instead of one pre-check per rule. Rule order is kept, so alerts
//! come out in the same order as when every rule is asked in turn.

use super::class_index;
use crate::DetectionRule;
use event::{Event, QType};

/// DNS classes routed by query type: query, response, transfer (their `class_index`).
const DNS_CLASSES: usize = 3;

pub(super) struct Routes {
    /// Every rule of each class, in load order.
    by_class: [Vec<usize>; 5],
    /// Distinct rule lists of the DNS classes' query types.
    lists: Vec<Vec<usize>>,
    /// Per DNS class and query type below 256: its list in `lists`.
    by_qtype: Vec<[u16; 256]>,
}

/// The rules to test an event against.
pub(super) struct Route<'a> {
    pub rules: &'a [usize],
    /// The rules' query-type pre-checks were applied by the routing: test with
    /// `matches_admitted`.
    pub gated: bool,
}

impl Routes {
    pub(super) fn new<'r>(rules: impl Iterator<Item = &'r DetectionRule>) -> Routes {
        let mut by_class: [Vec<usize>; 5] = Default::default();
        let rules: Vec<&DetectionRule> = rules.collect();
        for (i, r) in rules.iter().enumerate() {
            by_class[class_index(r.class)].push(i);
        }
        let mut lists: Vec<Vec<usize>> = Vec::new();
        let mut by_qtype = Vec::with_capacity(DNS_CLASSES);
        for class in &by_class[..DNS_CLASSES] {
            let mut table = [0u16; 256];
            for (q, slot) in table.iter_mut().enumerate() {
                let list: Vec<usize> =
                    class.iter().copied().filter(|&i| rules[i].admits_qtype(QType(q as u16))).collect();
                *slot = match lists.iter().position(|l| *l == list) {
                    Some(k) => k as u16,
                    None => {
                        lists.push(list);
                        (lists.len() - 1) as u16
                    }
                };
            }
            by_qtype.push(table);
        }
        Routes { by_class, lists, by_qtype }
    }

    pub(super) fn route(&self, ci: usize, ev: &Event) -> Route<'_> {
        if ci < DNS_CLASSES {
            if let Event::Dns(d) = ev {
                if let Some(QType(q)) = d.qtype.filter(|q| q.0 < 256) {
                    return Route { rules: &self.lists[usize::from(self.by_qtype[ci][usize::from(q)])], gated: true };
                }
            }
        }
        Route { rules: &self.by_class[ci], gated: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{load_str, Rule};
    use event::{DnsEvent, DnsKind, EventClass};
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
}
