//! One aggregation (a correlation rule, or a merge group of them): the table of live groups,
//! each with its own event-time watermark and reorder buffer, bounded by caps.
//!
//! * Out-of-order input: each group keeps the latest time it has seen (`max_seen`). An
//!   observation older than `max_seen - lateness` is dropped and counted (`late_dropped`); the
//!   others wait in the group's small time-ordered buffer and are applied once the group's
//!   watermark (`max_seen - lateness`) passes them, so windows see events in time order.
//!   Alerts are therefore emitted up to `lateness` of event time after the condition held
//!   (their content is unchanged); [`Aggregator::flush`] applies everything at end of input.
//! * Groups are independent: nothing about one group depends on another group's events, except
//!   the caps below. So hunting file A and file B in separate aggregators and concatenating the
//!   alerts gives the same alerts as one aggregator fed A then B, as long as no group has events
//!   in both files (and the group cap is not reached).
//! * Bounded state: at most `max_groups` live groups. Groups whose last event is more than
//!   `span + lateness` behind the newest event seen are finished (windows decided, state
//!   dropped) by a periodic sweep once they have also been idle for a while (≥ min(4096,
//!   max_groups / 4) observations); when the cap is still reached, the least recently updated
//!   eighth of the groups is evicted, counted in `groups_evicted`. Distinct values per
//!   group are capped at `max_values_per_group` (further new values counted in
//!   `values_dropped`, the firing flagged `saturated`).
//! * Distinct values are compared ignoring ASCII case, as Sigma compares values (and as DNS
//!   compares names): `WWW.Example.COM` and `www.example.com` are one name.

use super::fold::AsciiFolded;
use super::key::Key;
use super::window::{AggSpec, Pending, Val, Win};
use super::{AggConfig, AggStats, Firing, Observation};
use hashbrown::{DefaultHashBuilder, HashTable};
use std::collections::VecDeque;
use std::hash::BuildHasher;

struct Group {
    key: Key,
    hash: u64,
    pending: VecDeque<Pending>,
    win: Win,
}

/// What sweeps and evictions read of every group, kept apart from the groups in one dense array:
/// a pass over 16 bytes per group instead of a cache line or more of each.
#[derive(Clone, Copy)]
struct Age {
    /// The latest event time the group has seen.
    max_seen: i64,
    /// Observation number of the group's latest observation (recency); [`FREE`]: no group.
    touched: u64,
}

const FREE: u64 = u64::MAX;

/// Finished groups kept for reuse per aggregation.
const SPARE_GROUPS: usize = 1024;

/// The state machine of one aggregation.
pub struct Aggregator {
    spec: AggSpec,
    cfg: AggConfig,
    hasher: DefaultHashBuilder,
    table: HashTable<u32>,
    groups: Vec<Option<Group>>,
    /// Per entry of `groups`.
    ages: Vec<Age>,
    free: Vec<u32>,
    pool: Vec<Pending>,
    /// Finished groups kept for reuse, allocations and all (a flood of short-lived groups would
    /// otherwise spend its time in the allocator).
    spare: Vec<Group>,
    newest: i64,
    since_sweep: usize,
    stats: AggStats,
}

impl Aggregator {
    pub fn new(spec: AggSpec, cfg: AggConfig) -> Aggregator {
        Aggregator {
            spec,
            cfg,
            hasher: DefaultHashBuilder::default(),
            table: HashTable::new(),
            groups: Vec::new(),
            ages: Vec::new(),
            free: Vec::new(),
            pool: Vec::new(),
            spare: Vec::new(),
            newest: i64::MIN,
            since_sweep: 0,
            stats: AggStats::default(),
        }
    }

    pub fn spec(&self) -> &AggSpec {
        &self.spec
    }

    pub fn stats(&self) -> AggStats {
        self.stats.clone()
    }

    /// Feeds one observation; firings (possibly of earlier observations, released by this
    /// one's time) are appended to `out`.
    pub fn observe(&mut self, obs: &Observation<'_>, out: &mut Vec<Firing>) {
        self.stats.observations += 1;
        let t = obs.time;
        self.newest = self.newest.max(t);
        let hash = self.hasher.hash_one(obs.group);
        let groups = &self.groups;
        let found = self.table.find(hash, |&i| groups[i as usize].as_ref().is_some_and(|g| g.key.is(obs.group)));
        let idx = match found {
            Some(&i) => i as usize,
            None => self.create(obs.group, hash, t, out),
        };
        let lateness = self.cfg.lateness;
        let mut p = self.pool.pop().unwrap_or_default();
        self.fill(&mut p, obs);
        let Some(g) = self.groups[idx].as_mut() else { return };
        let age = &mut self.ages[idx];
        age.touched = self.stats.observations;
        if t < age.max_seen.saturating_sub(lateness) {
            self.stats.late_dropped += 1;
            self.pool.push(p);
            return;
        }
        age.max_seen = age.max_seen.max(t);
        let max_seen = age.max_seen;
        if lateness <= 0 {
            g.win.add(&self.spec, &self.cfg, &p, &g.key, &mut self.stats, out);
            self.pool.push(p);
        } else {
            let pos = g.pending.iter().rposition(|q| q.time <= t).map_or(0, |i| i + 1);
            if g.pending.capacity() == 0 {
                // Most groups of a flood hold one observation: room for one, not the default four.
                g.pending.reserve_exact(1);
            }
            g.pending.insert(pos, p);
            let wm = max_seen.saturating_sub(lateness);
            release(g, wm, &self.spec, &self.cfg, &mut self.stats, &mut self.pool, out);
        }
        self.since_sweep += 1;
        if self.since_sweep >= self.live().max(4096) {
            self.sweep(out);
        }
    }

    /// Event time has reached `t` without an observation (a quiet live stream): every group
    /// behaves as if it had seen one at `t` — buffered observations up to `t - lateness` are
    /// applied, windows that ended by then are decided, and an observation that arrives later
    /// older than `t - lateness` is late. Costs one pass over the live groups.
    pub fn advance(&mut self, t: i64, out: &mut Vec<Firing>) {
        self.newest = self.newest.max(t);
        for (g, age) in self.groups.iter_mut().zip(&mut self.ages) {
            let Some(g) = g else { continue };
            if t > age.max_seen {
                age.max_seen = t;
                let wm = t.saturating_sub(self.cfg.lateness);
                release(g, wm, &self.spec, &self.cfg, &mut self.stats, &mut self.pool, out);
            }
        }
    }

    /// Applies everything buffered and decides every open window (end of input).
    pub fn flush(&mut self, out: &mut Vec<Firing>) {
        // The finished groups are kept for reuse (see `remove`): room for them at once, rather
        // than regrowing (and copying) the spares at every doubling.
        let room = self.spare_cap().saturating_sub(self.spare.len());
        self.spare.reserve_exact(self.live().min(room));
        for i in 0..self.groups.len() {
            if self.groups[i].is_some() {
                self.finish_group(i, out);
            }
        }
        self.since_sweep = 0;
    }

    /// Up to one eviction's worth of spare groups: a flood then reuses what the last eviction
    /// freed.
    fn spare_cap(&self) -> usize {
        (self.cfg.max_groups / 8).max(SPARE_GROUPS)
    }

    fn live(&self) -> usize {
        self.groups.len() - self.free.len()
    }

    /// Live groups now.
    pub fn live_groups(&self) -> usize {
        self.live()
    }

    /// Frees state for the engine's budget over all aggregations: finishes groups no event can
    /// reach any more, then, if that freed nothing, evicts the least recently updated eighth.
    pub fn shed(&mut self, out: &mut Vec<Firing>) {
        let before = self.live();
        self.sweep(out);
        if self.live() == before {
            self.evict(out);
        }
    }

    fn fill(&self, p: &mut Pending, obs: &Observation<'_>) {
        p.time = obs.time;
        p.rule = obs.rule;
        p.vals.clear();
        p.text.clear();
        for (i, sp) in self.spec.slots.iter().enumerate() {
            let v = obs.values.get(i).copied().flatten();
            if let (true, Some(v)) = (sp.listed, v) {
                p.text.push_str(v);
            }
            let hash = v.map(|v| self.hasher.hash_one(AsciiFolded(v)));
            p.vals.push(Val { hash, end: p.text.len() as u32 });
        }
    }

    fn create(&mut self, key: &[&str], hash: u64, t: i64, out: &mut Vec<Firing>) -> usize {
        if self.live() >= self.cfg.max_groups.max(1) {
            if self.since_sweep >= self.live() / 8 {
                self.sweep(out);
            }
            if self.live() >= self.cfg.max_groups.max(1) {
                self.evict(out);
            }
        }
        let g = match self.spare.pop() {
            Some(mut g) => {
                g.key.set(key);
                g.hash = hash;
                g.win.renew();
                g
            }
            None => Group { key: Key::new(key), hash, pending: VecDeque::new(), win: Win::new(&self.spec) },
        };
        let age = Age { max_seen: t, touched: self.stats.observations };
        let idx = match self.free.pop() {
            Some(i) => {
                self.groups[i as usize] = Some(g);
                self.ages[i as usize] = age;
                i as usize
            }
            None => {
                self.groups.push(Some(g));
                self.ages.push(age);
                self.groups.len() - 1
            }
        };
        let groups = &self.groups;
        self.table.insert_unique(hash, idx as u32, |&i| groups[i as usize].as_ref().map_or(0, |g| g.hash));
        self.stats.peak_groups = self.stats.peak_groups.max(self.live());
        self.stats.live_groups = self.live();
        idx
    }

    /// Finishes groups that no event can reach any more: behind the newest event by more than
    /// span + lateness, and idle (no observation among the last `idle` ones; so the groups of
    /// an older file read after a newer one are not finished while they are active).
    fn sweep(&mut self, out: &mut Vec<Firing>) {
        self.since_sweep = 0;
        let horizon = self.newest.saturating_sub(self.spec.span).saturating_sub(self.cfg.lateness);
        let idle = (self.cfg.max_groups as u64 / 4).clamp(1, 4096);
        let now = self.stats.observations;
        for i in 0..self.ages.len() {
            let a = self.ages[i];
            if a.touched != FREE && a.max_seen < horizon && now - a.touched >= idle {
                self.finish_group(i, out);
                self.stats.groups_expired += 1;
            }
        }
    }

    /// Evicts the least recently updated eighth of the groups. Their windows are decided first,
    /// so a window whose condition already held is still reported.
    fn evict(&mut self, out: &mut Vec<Firing>) {
        let mut ages: Vec<(u64, u32)> = self
            .ages
            .iter()
            .enumerate()
            .filter(|(_, a)| a.touched != FREE)
            .map(|(i, a)| (a.touched, i as u32))
            .collect();
        let k = (ages.len() / 8).max(1);
        if k < ages.len() {
            ages.select_nth_unstable(k - 1);
        }
        for &(_, i) in &ages[..k.min(ages.len())] {
            self.finish_group(i as usize, out);
            self.stats.groups_evicted += 1;
        }
    }

    fn finish_group(&mut self, i: usize, out: &mut Vec<Firing>) {
        if let Some(g) = self.groups[i].as_mut() {
            // Most groups of a flood of sources are finished holding one buffered observation and
            // nothing else: applying it to a window that is then decided is work with no outcome.
            let earliest = g.pending.front().map_or(i64::MAX, |p| p.time);
            if g.win.could_report(&self.spec, &self.cfg, g.pending.len(), earliest) {
                release(g, i64::MAX, &self.spec, &self.cfg, &mut self.stats, &mut self.pool, out);
                g.win.close(&self.spec, &self.cfg, &g.key, &mut self.stats, out);
            }
        }
        self.remove(i);
    }

    fn remove(&mut self, i: usize) {
        if let Some(mut g) = self.groups[i].take() {
            if let Ok(e) = self.table.find_entry(g.hash, |&j| j as usize == i) {
                e.remove();
            }
            self.pool.extend(g.pending.drain(..).take(64));
            self.ages[i].touched = FREE;
            self.free.push(i as u32);
            if self.spare.len() < self.spare_cap() {
                g.pending.clear();
                self.spare.push(g);
            }
        }
        self.stats.live_groups = self.live();
    }
}

/// Applies a group's buffered observations up to watermark `wm`, then closes its window if the
/// watermark passed its end.
fn release(
    g: &mut Group,
    wm: i64,
    spec: &AggSpec,
    cfg: &AggConfig,
    stats: &mut AggStats,
    pool: &mut Vec<Pending>,
    out: &mut Vec<Firing>,
) {
    while g.pending.front().is_some_and(|p| p.time <= wm) {
        if let Some(p) = g.pending.pop_front() {
            g.win.add(spec, cfg, &p, &g.key, stats, out);
            pool.push(p);
        }
    }
    if wm != i64::MAX
        && g.win.end(spec, cfg).is_some_and(|end| wm >= end && g.pending.front().is_none_or(|p| p.time >= end))
    {
        g.win.close(spec, cfg, &g.key, stats, out);
    }
}
