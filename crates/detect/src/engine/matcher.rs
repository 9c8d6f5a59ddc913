//! The stateless half of the engine: which detection rules an event matches. It holds no
//! window or counter, so one `Arc<Matcher>` serves any number of threads: parallel hunting
//! evaluates rules in the parsing threads and hands the engine thread only the hits
//! ([`Engine::process_matched`](super::Engine::process_matched)), which keeps the serial part
//! of a hunt small.

use super::class_index;
use super::prepare::{FieldTexts, Reads};
use super::route::Routes;
use crate::derived::WithDerived;
use crate::sigma::Memo;
use crate::{DetectionRule, Zones};
use event::Event;

pub struct Matcher {
    rules: Vec<DetectionRule>,
    routes: Routes,
    zones: Zones,
    reads: Reads,
}

impl Matcher {
    pub(super) fn new(mut rules: Vec<DetectionRule>, zones: Zones, reads: Reads) -> Matcher {
        DetectionRule::share_terms(&mut rules);
        let routes = Routes::new(rules.iter());
        Matcher { rules, routes, zones, reads }
    }

    /// Appends to `hits` the detection rules the event matches (the engine's rule indices), in
    /// rule order, which is the order the engine raises their alerts in.
    pub fn matches(&self, ev: &Event, hits: &mut Vec<u32>) {
        self.matches_derived(ev, &WithDerived::new(ev, &self.zones), hits);
    }

    /// [`Matcher::matches`], and the event added to `texts` with the texts of the fields that the
    /// correlations fed by the matched rules read (for
    /// [`Engine::process_prepared`](super::Engine::process_prepared)).
    pub fn matches_prepared(&self, ev: &Event, hits: &mut Vec<u32>, texts: &mut FieldTexts) {
        let wd = WithDerived::new(ev, &self.zones);
        let from = hits.len();
        self.matches_derived(ev, &wd, hits);
        texts.add(&self.reads, &wd, &hits[from..]);
    }

    /// [`Matcher::matches`] with the caller's derived-field view of the event (so that a zone
    /// computed here is not computed again for the correlations).
    pub(super) fn matches_derived(&self, ev: &Event, wd: &WithDerived<'_>, hits: &mut Vec<u32>) {
        let route = self.routes.route(class_index(ev.class()), ev);
        // Terms several rules share (`not private`) are evaluated once per event.
        let mut memo = Memo::default();
        if let (Some((r, k)), Event::Dns(dns)) = (route.guard, ev) {
            if !self.rules[r].passes(k, dns, &mut memo) {
                return;
            }
        }
        for &d in route.rules {
            let rule = &self.rules[d];
            let hit = if route.gated {
                rule.matches_admitted_memo(wd, &mut memo, route.rcode_known)
            } else {
                rule.matches(wd)
            };
            if hit {
                hits.push(d as u32);
            }
        }
    }

    /// How many detection rules there are (hits are below this).
    pub fn rules(&self) -> usize {
        self.rules.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_matcher_is_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<Matcher>();
    }
}
