//! The detection engine: Sigma detection rules routed by event class, feeding Sigma correlation
//! rules (chains included), producing [`Alert`]s.
//!
//! Semantics:
//! - An event is only tested against the detection rules of its [`EventClass`].
//! - A rule referenced by a correlation does not emit alerts of its own unless a correlation that
//!   references it says `generate: true` (Sigma correlation specification, "Generate").
//! - Correlations whose custom `reconwatch.merge` keys are equal share one aggregation (same
//!   rules, group-by, timespan and aliases required) and emit one alert per window and group,
//!   attributed to the first member (in load order) whose condition held; the alert's evidence
//!   names every condition that held.
//! - A chained correlation sees each firing of the inner correlation as one event at the time of
//!   the last event the inner one counted, whose fields are the inner group-by values. A
//!   correlation that feeds another runs with lateness 0 (its late events are dropped and
//!   counted), so that its firings reach the outer one in event-time order.
//! - Event time drives every window; see [`crate::correlation`] for windows, lateness and caps.

mod alert;
mod feed;
mod matcher;
mod plan;
mod prepare;
mod route;

pub use matcher::Matcher;
pub use prepare::{FieldSlot, FieldTexts};

use feed::{observe_event, observe_firing, Feed, Scratch};

use crate::correlation::{AggStats, Aggregator, CorrelationSpec, Emit, Firing, OutputKind, WindowMode};
use crate::derived::WithDerived;
use crate::{Alert, DetectionRule, RuleError, RuleMeta, RuleSet, Zones};
use event::{Event, EventClass, FieldId};

/// How the engine windows and bounds correlations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineConfig {
    pub window: WindowMode,
    /// Out-of-order tolerance, ns of event time (per correlation group).
    pub lateness: i64,
    /// Live groups kept by all correlations together (any one may use all of them): the memory
    /// bound under a flood of distinct sources. Beyond it the correlation holding the most groups
    /// sheds its stalest ones (windows decided first, evictions counted).
    pub max_groups: usize,
    /// Distinct values kept per group and value field.
    pub max_values_per_group: usize,
    /// Values listed in alerts (`values(F)` outputs, evidence), per field.
    pub max_listed_values: usize,
    /// When a correlation window that held is reported.
    pub emit: Emit,
    /// The zones the servers serve, for the derived `Zone` field (empty: Public Suffix List).
    pub zones: Zones,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            window: WindowMode::Sliding,
            lateness: 5 * event::NANOS_PER_SEC,
            max_groups: 30_000,
            max_values_per_group: 100_000,
            max_listed_values: 20,
            emit: Emit::WindowTotals,
            zones: Zones::default(),
        }
    }
}

/// Counters since the engine was built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub events: u64,
    pub events_per_class: Vec<(EventClass, u64)>,
    /// Detection rule id → events matched.
    pub matches_per_rule: Vec<(String, u64)>,
    /// Rule id (detection or correlation) → alerts emitted.
    pub alerts_per_rule: Vec<(String, u64)>,
    /// Correlation state, summed over all aggregations: groups live/peak/evicted/expired,
    /// observations late-dropped or absorbed, values dropped.
    pub correlation: AggStats,
}

struct Det {
    rule: DetectionRule,
    fields: Vec<(String, FieldId)>,
    emits: bool,
    feeds: Vec<Feed>,
    matches: u64,
    alerts: u64,
}

struct Corr {
    meta: RuleMeta,
    spec: CorrelationSpec,
    emits: bool,
    feeds: Vec<Feed>,
    alerts: u64,
}

/// One aggregation: a correlation, or a merge group of them.
struct Unit {
    agg: Aggregator,
    /// Correlation indices, in member order.
    members: Vec<usize>,
    group_by: Vec<String>,
    /// Field names of each value slot.
    slot_fields: Vec<Vec<String>>,
    /// Output columns (union over members) and the slot they read.
    outputs: Vec<(String, OutputKind, Option<usize>)>,
}

/// The engine. Build once per run (or per test), feed events in roughly time order.
pub struct Engine {
    cfg: EngineConfig,
    dets: Vec<Det>,
    matcher: std::sync::Arc<Matcher>,
    corrs: Vec<Corr>,
    units: Vec<Unit>,
    events: [u64; 5],
    scratch: Scratch,
    queue: std::collections::VecDeque<(usize, Firing)>,
}

fn class_index(c: EventClass) -> usize {
    match c {
        EventClass::DnsQuery => 0,
        EventClass::DnsResponse => 1,
        EventClass::DnsTransfer => 2,
        EventClass::ProcessCreation => 3,
        EventClass::Json => 4,
    }
}

impl Engine {
    /// Builds the engine: parses correlations, resolves their references by id or name, routes
    /// detection rules by event class. Every problem found is returned.
    pub fn new(rules: RuleSet, cfg: EngineConfig) -> Result<Engine, Vec<RuleError>> {
        plan::build(rules, cfg)
    }

    pub fn config(&self) -> &EngineConfig {
        &self.cfg
    }

    /// Tests one event; alerts (detections, and correlations whose window decided) go to `out`.
    pub fn process(&mut self, ev: &Event, out: &mut Vec<Alert>) {
        let mut hits = std::mem::take(&mut self.scratch.hits);
        hits.clear();
        {
            let Engine { cfg, matcher, events, dets, units, scratch, queue, .. } = self;
            // Derived fields are computed only if a rule reads them (and the zone once per event).
            let wd = WithDerived::new(ev, &cfg.zones);
            matcher.matches_derived(ev, &wd, &mut hits);
            apply(Parts { events, dets, units, scratch, queue }, &wd, &hits, ("", &[]), out);
        }
        if !hits.is_empty() {
            self.keep_budget();
        }
        self.scratch.hits = hits;
        if !self.queue.is_empty() {
            self.drain(out);
        }
    }

    /// [`Engine::process`] for an event whose matching rules were found already, by this
    /// engine's [`Engine::matcher`] (in another thread): `hits` is what `Matcher::matches` gave.
    pub fn process_matched(&mut self, ev: &Event, hits: &[u32], out: &mut Vec<Alert>) {
        self.process_prepared(ev, hits, "", &[], out);
    }

    /// [`Engine::process_matched`] for an event whose correlation field texts were made with
    /// its hits, by [`Matcher::matches_prepared`]: `text` and `slots` are its
    /// [`FieldTexts::get`] (empty slots: none were made, they are made here).
    pub fn process_prepared(
        &mut self,
        ev: &Event,
        hits: &[u32],
        text: &str,
        slots: &[FieldSlot],
        out: &mut Vec<Alert>,
    ) {
        {
            let Engine { cfg, events, dets, units, scratch, queue, .. } = self;
            let wd = WithDerived::new(ev, &cfg.zones);
            apply(Parts { events, dets, units, scratch, queue }, &wd, hits, (text, slots), out);
        }
        if !hits.is_empty() {
            self.keep_budget();
        }
        if !self.queue.is_empty() {
            self.drain(out);
        }
    }

    /// The rule matching of this engine, to run where the events are (see [`Matcher`]).
    pub fn matcher(&self) -> std::sync::Arc<Matcher> {
        self.matcher.clone()
    }

    /// Live input: event time has reached `t` although no event says so (the stream is quiet),
    /// so observations held for lateness up to `t - lateness` are applied and their alerts
    /// emitted, as an event at `t` would (see [`crate::correlation`]'s `advance`).
    pub fn advance(&mut self, t: event::Timestamp, out: &mut Vec<Alert>) {
        for u in 0..self.units.len() {
            self.units[u].agg.advance(t.0, &mut self.scratch.firings);
            self.queue.extend(self.scratch.firings.drain(..).map(|f| (u, f)));
        }
        if !self.queue.is_empty() {
            self.drain(out);
        }
    }

    /// End of input: applies buffered observations and decides every open window.
    pub fn finish(&mut self, out: &mut Vec<Alert>) {
        // Inner correlations of chains feed outer ones while flushing: repeat until quiet.
        for _ in 0..=self.units.len() {
            for u in 0..self.units.len() {
                self.units[u].agg.flush(&mut self.scratch.firings);
                self.queue.extend(self.scratch.firings.drain(..).map(|f| (u, f)));
            }
            if self.queue.is_empty() {
                break;
            }
            self.drain(out);
        }
    }

    pub fn stats(&self) -> EngineStats {
        let mut correlation = AggStats::default();
        for u in &self.units {
            correlation.add(&u.agg.stats());
        }
        let mut alerts_per_rule: Vec<(String, u64)> =
            self.dets.iter().map(|d| (d.rule.meta.id.clone(), d.alerts)).collect();
        alerts_per_rule.extend(self.corrs.iter().map(|c| (c.meta.id.clone(), c.alerts)));
        EngineStats {
            events: self.events.iter().sum(),
            events_per_class: EventClass::ALL.iter().map(|&c| (c, self.events[class_index(c)])).collect(),
            matches_per_rule: self.dets.iter().map(|d| (d.rule.meta.id.clone(), d.matches)).collect(),
            alerts_per_rule,
            correlation,
        }
    }

    /// Keeps the live groups of all correlations within `max_groups`: the largest sheds until
    /// the total fits (its firings are queued like any other).
    fn keep_budget(&mut self) {
        let budget = self.cfg.max_groups.max(1);
        loop {
            let (mut total, mut largest, mut most) = (0, 0, 0);
            for (u, unit) in self.units.iter().enumerate() {
                let n = unit.agg.live_groups();
                total += n;
                if n > most {
                    (largest, most) = (u, n);
                }
            }
            if total <= budget || most == 0 {
                return;
            }
            self.units[largest].agg.shed(&mut self.scratch.firings);
            self.queue.extend(self.scratch.firings.drain(..).map(|f| (largest, f)));
        }
    }

    /// Turns queued firings into alerts and feeds them to the correlations chained on them.
    fn drain(&mut self, out: &mut Vec<Alert>) {
        let Engine { cfg, corrs, units, scratch, queue, .. } = self;
        while let Some((u, f)) = queue.pop_front() {
            let unit = &units[u];
            let held: Vec<usize> = f.held.iter().map(|&m| unit.members[m]).collect();
            if let Some(&c) = held.iter().find(|&&c| corrs[c].emits) {
                out.push(alert::correlation(&corrs[c], unit, &f, corrs, cfg));
                corrs[c].alerts += 1;
            }
            for &c in &held {
                for feed in &corrs[c].feeds {
                    observe_firing(&mut units[feed.unit], feed, &f, scratch);
                    queue.extend(scratch.firings.drain(..).map(|x| (feed.unit, x)));
                }
            }
        }
    }
}

/// Counts the event and acts on the rules it matched: detection alerts, correlation feeds (their
/// firings queued for `Engine::drain`). The feeds take the event's field texts from `prepared`
/// when they were made with its hits (see [`FieldTexts`]), else make them.
fn apply(parts: Parts<'_>, ev: &WithDerived<'_>, hits: &[u32], prepared: (&str, &[FieldSlot]), out: &mut Vec<Alert>) {
    let Parts { events, dets, units, scratch, queue } = parts;
    events[class_index(ev.event().class())] += 1;
    if !hits.is_empty() {
        scratch.next_event(prepared);
    }
    for &d in hits {
        let det = &mut dets[d as usize];
        det.matches += 1;
        if det.emits {
            out.push(alert::detection(det, ev));
            det.alerts += 1;
        }
        for feed in &det.feeds {
            observe_event(&mut units[feed.unit], feed, ev, scratch);
            queue.extend(scratch.firings.drain(..).map(|f| (feed.unit, f)));
        }
    }
}

/// The engine's mutable state, borrowed apart from its configuration and matcher.
struct Parts<'a> {
    events: &'a mut [u64; 5],
    dets: &'a mut [Det],
    units: &'a mut [Unit],
    scratch: &'a mut Scratch,
    queue: &'a mut std::collections::VecDeque<(usize, Firing)>,
}

#[cfg(test)]
mod tests;
