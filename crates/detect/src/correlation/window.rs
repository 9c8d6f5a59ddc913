//! The window of one group: counts, distinct values, rules seen, evaluated in event-time order
//! (the group's reorder buffer in `agg.rs` guarantees the order).
//!
//! Window semantics (a window always holds ≥ 1 event; an event at `e` is inside a window of
//! length `span` ending at `t` when `t - span < e ≤ t`):
//!
//! * **Tumbling** (KQL `bin(TimeGenerated, span)`): bucket = floor(t / span) · span, aligned to
//!   the epoch. Monotone conditions (only gt/gte; temporal types) fire when they first hold;
//!   the rest of the bucket is absorbed (no second alert). Other conditions are decided when
//!   the bucket closes. Alert time = earliest event of the bucket.
//! * **Sliding, monotone conditions**: the window is the last `span` of event time, ending at
//!   each event. The group fires as soon as the condition holds over it. "Once per window":
//!   the fired window `[first, first + span)` is then *closed*: its state is dropped and every
//!   further event of the group before `first + span` is absorbed; the next event at or after
//!   `first + span` opens a fresh window. So a burst fires once per `span`, even when it
//!   straddles a clock boundary (where tumbling bins split it).
//! * **Reporting** ([`super::Emit`]): with `WindowTotals` (the default) a window whose
//!   monotone condition held keeps counting until it ends — the bucket's end (tumbling) or
//!   `first + span` (sliding) — and is reported then with its totals, exactly as KQL's
//!   `summarize` reports a bin; with `WhenHeld` it is reported at once and the rest of the
//!   window is absorbed as described above.
//! * **Sliding, conditions with an upper bound** (lt/lte/eq/neq, ranges): "fewer than N in any
//!   span" is not decidable per event, so windows are anchored at the group's first event:
//!   `[t0, t0 + span)`, decided when the group's time passes `t0 + span` (or at flush); the next
//!   event opens the next window.
//!
//! Per-event cost does not grow with window contents: distinct values live in a hash map
//! (value hash → last-seen time) plus a time-ordered queue for expiry, compacted when it holds
//! many stale entries; event times are run-length coded and coarsened (keeping the earlier time,
//! so counts only err low) beyond the per-group cap.

use super::condition::Condition;
use super::key::Key;
use super::spec::CorrelationType;
use super::{AggConfig, AggStats, Emit, Firing, WindowMode};
use std::collections::VecDeque;
use std::hash::{BuildHasherDefault, Hasher};

/// One correlation sharing an aggregation (several with a `reconwatch.merge` key).
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub kind: CorrelationType,
    pub condition: Condition,
    /// value_count: the value slot whose distinct count the condition tests.
    pub slot: Option<usize>,
}

/// What one value slot keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlotSpec {
    /// Count distinct values.
    pub distinct: bool,
    /// List the values seen (capped at `max_listed_values`).
    pub listed: bool,
}

/// What an aggregation computes: shared by all members of a merge group.
#[derive(Debug, Clone, PartialEq)]
pub struct AggSpec {
    /// Window length, ns.
    pub span: i64,
    /// Number of referenced rules (temporal types count them).
    pub n_rules: usize,
    pub members: Vec<Member>,
    pub slots: Vec<SlotSpec>,
}

impl AggSpec {
    /// True when every member can fire as soon as it holds.
    pub fn monotone(&self) -> bool {
        self.members.iter().all(|m| m.condition.is_monotone())
    }
}

/// Identity hasher for keys that already are hashes.
#[derive(Default)]
pub(crate) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type IdMap = hashbrown::HashMap<u64, i64, BuildHasherDefault<IdHasher>>;

#[derive(Debug, Default)]
struct SlotState {
    /// value hash → last time seen.
    seen: IdMap,
    /// Sliding: (time, hash) in time order, possibly stale (superseded by a later sighting).
    queue: VecDeque<(i64, u64)>,
    saturated: bool,
    /// (hash, last seen, end of its text in `listed_text`), first values seen, capped. The texts
    /// share one buffer, so listing a value allocates nothing once the window has been used.
    listed: Vec<(u64, i64, u32)>,
    listed_text: String,
}

impl SlotState {
    /// The listed values: (hash, last seen, text).
    fn listed(&self) -> impl Iterator<Item = (u64, i64, &str)> {
        let mut start = 0;
        self.listed.iter().map(move |&(h, last, end)| {
            let text = &self.listed_text[start..end as usize];
            start = end as usize;
            (h, last, text)
        })
    }

    /// Lists a new value (fewer than `max` are listed). Room grows 1 → 4 → `max`: a flood's
    /// one-value windows stay small, and a window listing more does not regrow (and copy) its
    /// list and texts at every doubling; the texts get room for `max` of their average length.
    fn list(&mut self, h: u64, t: i64, text: &str, max: usize) {
        let n = self.listed.len();
        if n == self.listed.capacity() {
            let room = if n < 4 { 4 - n.min(3) } else { max.saturating_sub(n).max(1) };
            self.listed.reserve_exact(room);
            if n >= 4 {
                self.listed_text.reserve(self.listed_text.len() / n * (room - 1) + text.len());
            }
        }
        if n == 1 {
            // A second value: texts for four at once (doubling would regrow at the third).
            self.listed_text.reserve(self.listed_text.len() * 2 + text.len());
        }
        self.listed_text.push_str(text);
        self.listed.push((h, t, self.listed_text.len() as u32));
    }

    /// Keeps the listed values last seen after `cut`.
    fn retain_listed(&mut self, cut: i64) {
        let mut text = String::with_capacity(self.listed_text.len());
        let mut kept = Vec::with_capacity(self.listed.len());
        for (h, last, t) in self.listed() {
            if last > cut {
                text.push_str(t);
                kept.push((h, last, text.len() as u32));
            }
        }
        (self.listed, self.listed_text) = (kept, text);
    }
}

/// An observation ready to be applied: owned, so it can wait in a reorder buffer; pooled.
/// Two allocations whatever the number of slots (a flood fills many of them at once).
#[derive(Debug, Default)]
pub(crate) struct Pending {
    pub time: i64,
    pub rule: usize,
    /// Per value slot.
    pub vals: Vec<Val>,
    /// The texts of the listed slots, concatenated.
    pub text: String,
}

/// One value slot of a [`Pending`] observation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Val {
    /// Hash of the value (ASCII case folded); `None`: the event lacks the field.
    pub hash: Option<u64>,
    /// End of its text in [`Pending::text`] (empty unless the slot is listed).
    pub end: u32,
}

impl Pending {
    /// The text of slot `i` (empty unless the slot is listed).
    fn text(&self, i: usize) -> &str {
        let start = i.checked_sub(1).map_or(0, |j| self.vals[j].end);
        self.text.get(start as usize..self.vals[i].end as usize).unwrap_or_default()
    }
}

/// The window state of one group.
#[derive(Debug)]
pub(crate) struct Win {
    active: bool,
    start: i64,
    fired: bool,
    closed_until: i64,
    first: i64,
    last: i64,
    count: u64,
    times: VecDeque<(i64, u64)>,
    slots: Vec<SlotState>,
    /// Per referenced rule: (last time seen, time the ordered chain up to it was last completed),
    /// in one allocation.
    rules: Vec<(i64, i64)>,
    /// Sliding: events at or before this time have left the window.
    cut: i64,
}

const NEVER: i64 = i64::MIN;

impl Win {
    pub fn new(spec: &AggSpec) -> Win {
        Win {
            active: false,
            start: 0,
            fired: false,
            closed_until: NEVER,
            first: 0,
            last: 0,
            count: 0,
            times: VecDeque::new(),
            slots: spec.slots.iter().map(|_| SlotState::default()).collect(),
            rules: vec![(NEVER, NEVER); spec.n_rules],
            cut: NEVER,
        }
    }

    /// Back to the state of [`Win::new`], keeping allocations (a recycled group's window).
    pub fn renew(&mut self) {
        self.reset();
        self.start = 0;
        self.closed_until = NEVER;
        self.first = 0;
        self.last = 0;
    }

    fn reset(&mut self) {
        self.active = false;
        self.fired = false;
        self.count = 0;
        self.times.clear();
        for s in &mut self.slots {
            s.seen.clear();
            s.queue.clear();
            s.saturated = false;
            s.listed.clear();
            s.listed_text.clear();
        }
        self.rules.fill((NEVER, NEVER));
        self.cut = NEVER;
    }

    /// End of the current window, if one is open and decided or reported at its end.
    pub fn end(&self, spec: &AggSpec, cfg: &AggConfig) -> Option<i64> {
        let anchored = cfg.mode == WindowMode::Tumbling || !spec.monotone();
        if self.active && anchored {
            return Some(self.start.saturating_add(spec.span));
        }
        // A sliding window that fired and waits for its totals ends `span` after its first event.
        (self.active && self.fired).then(|| self.first.saturating_add(spec.span))
    }

    /// Whether applying `n` observations (the earliest at `earliest`) and then closing the window
    /// could report or count anything. Not when no window is open (nothing counted, nothing to
    /// decide at its close), every condition is monotone and fails at `n` (no window those
    /// observations open can count more than `n` events, values or rules), none of them would be
    /// absorbed by a window that already fired, and `n` stays within the caps (nothing would be
    /// dropped or coarsened, and counted as such).
    pub fn could_report(&self, spec: &AggSpec, cfg: &AggConfig, n: usize, earliest: i64) -> bool {
        if self.active || !spec.monotone() || earliest < self.closed_until || n > cfg.max_values_per_group {
            return true;
        }
        spec.members.iter().any(|m| {
            let most = match m.kind {
                CorrelationType::EventCount | CorrelationType::ValueCount => n,
                CorrelationType::Temporal | CorrelationType::TemporalOrdered => n.min(spec.n_rules),
            };
            m.condition.holds(most as u64)
        })
    }

    /// Applies one in-order observation; a firing, if any, is pushed to `out`.
    pub fn add(
        &mut self,
        spec: &AggSpec,
        cfg: &AggConfig,
        p: &Pending,
        key: &Key,
        stats: &mut AggStats,
        out: &mut Vec<Firing>,
    ) {
        let t = p.time;
        let monotone = spec.monotone();
        let totals = cfg.emit == Emit::WindowTotals;
        if cfg.mode == WindowMode::Sliding && monotone {
            if t < self.closed_until {
                stats.absorbed += 1;
                return;
            }
            if self.fired {
                // Fired, reporting totals: the window is now anchored at [first, first + span).
                if t < self.first.saturating_add(spec.span) {
                    self.insert(spec, cfg, p, true, stats);
                    return;
                }
                self.close(spec, cfg, key, stats, out);
            }
            let cut = t.saturating_sub(spec.span);
            self.expire(cut);
            if !self.active {
                self.reset();
                self.active = true;
            }
            self.insert(spec, cfg, p, true, stats);
            if let Some(f) = self.evaluate(spec, cut, false, key) {
                if totals {
                    self.fired = true;
                } else {
                    self.closed_until = f.first.saturating_add(spec.span);
                    out.push(f);
                    stats.firings += 1;
                    self.reset();
                }
            }
            return;
        }
        // Tumbling, or anchored sliding windows for conditions decided at window end.
        let start = match cfg.mode {
            WindowMode::Tumbling => t.div_euclid(spec.span).saturating_mul(spec.span),
            WindowMode::Sliding if self.active && t < self.start.saturating_add(spec.span) => self.start,
            WindowMode::Sliding => t,
        };
        if self.active && start != self.start {
            self.close(spec, cfg, key, stats, out);
        }
        if !self.active {
            self.reset();
            self.active = true;
            self.start = start;
            self.first = t;
        }
        if self.fired {
            if totals {
                self.insert(spec, cfg, p, false, stats);
            } else {
                stats.absorbed += 1;
            }
            return;
        }
        self.insert(spec, cfg, p, false, stats);
        if monotone && totals {
            self.fired = self.evaluate(spec, NEVER, false, key).is_some();
        } else if monotone {
            if let Some(f) = self.evaluate(spec, NEVER, false, key) {
                out.push(f);
                stats.firings += 1;
                self.fired = true;
                // Nothing more is needed from this window; free its memory now.
                let (start, first) = (self.start, self.first);
                self.reset();
                (self.active, self.fired, self.start, self.first) = (true, true, start, first);
            }
        }
    }

    /// Closes the open window: conditions decided at window end are evaluated, and a window
    /// that fired is reported with its totals (`Emit::WindowTotals`).
    pub fn close(&mut self, spec: &AggSpec, cfg: &AggConfig, key: &Key, stats: &mut AggStats, out: &mut Vec<Firing>) {
        if self.active && self.fired && cfg.emit == Emit::WindowTotals {
            if let Some(f) = self.evaluate(spec, NEVER, false, key) {
                out.push(f);
                stats.firings += 1;
            }
        } else if self.active && !self.fired && !spec.monotone() {
            if let Some(f) = self.evaluate(spec, NEVER, true, key) {
                out.push(f);
                stats.firings += 1;
            }
        }
        self.reset();
    }

    fn expire(&mut self, cut: i64) {
        while let Some(&(t, n)) = self.times.front() {
            if t > cut {
                break;
            }
            self.count -= n.min(self.count);
            self.times.pop_front();
        }
        for s in &mut self.slots {
            while let Some(&(t, h)) = s.queue.front() {
                if t > cut {
                    break;
                }
                s.queue.pop_front();
                if s.seen.get(&h) == Some(&t) {
                    s.seen.remove(&h);
                }
            }
        }
        self.cut = cut;
        if self.times.is_empty() {
            self.active = false;
        }
    }

    fn insert(&mut self, spec: &AggSpec, cfg: &AggConfig, p: &Pending, sliding: bool, stats: &mut AggStats) {
        let t = p.time;
        self.count += 1;
        self.last = t;
        if sliding {
            match self.times.back_mut() {
                Some((bt, n)) if *bt == t => *n += 1,
                _ => self.times.push_back((t, 1)),
            }
            if self.times.len() > cfg.max_values_per_group.max(16) {
                coarsen(&mut self.times);
                stats.coarsened += 1;
            }
            self.first = self.times.front().map_or(t, |x| x.0);
        }
        for (i, (s, sp)) in self.slots.iter_mut().zip(&spec.slots).enumerate() {
            let Some(h) = p.vals[i].hash else { continue };
            if sp.distinct {
                if s.seen.len() < cfg.max_values_per_group {
                    if s.seen.len() == s.seen.capacity() {
                        grow_seen(&mut s.seen);
                    }
                    // One probe for a new value (get, then insert, would probe twice).
                    s.seen.entry(h).and_modify(|last| *last = t).or_insert(t);
                } else if let Some(last) = s.seen.get_mut(&h) {
                    *last = t;
                } else {
                    s.saturated = true;
                    stats.values_dropped += 1;
                }
                if sliding {
                    s.queue.push_back((t, h));
                    if s.queue.len() > 4 * s.seen.len() + 1024 {
                        let mut live: Vec<(i64, u64)> = s.seen.iter().map(|(h, t)| (*t, *h)).collect();
                        live.sort_unstable();
                        s.queue.clear();
                        s.queue.extend(live);
                    }
                }
            }
            if sp.listed {
                if let Some(e) = s.listed.iter_mut().find(|e| e.0 == h) {
                    e.1 = t;
                } else {
                    if s.listed.len() >= cfg.max_listed_values && sliding {
                        // Make room: values whose last sighting left the window.
                        let cut = self.cut;
                        s.retain_listed(cut);
                    }
                    if s.listed.len() < cfg.max_listed_values {
                        s.list(h, t, p.text(i), cfg.max_listed_values);
                    }
                }
            }
        }
        let r = p.rule;
        if r < self.rules.len() {
            self.rules[r].0 = t;
            if r == 0 {
                self.rules[0].1 = t;
            } else if self.rules[r - 1].1 != NEVER {
                self.rules[r].1 = self.rules[r].1.max(self.rules[r - 1].1);
            }
        }
    }

    /// Evaluates every member; `cut`: events at or before it are outside the window.
    fn evaluate(&self, spec: &AggSpec, cut: i64, at_close: bool, key: &Key) -> Option<Firing> {
        let mut held = Vec::new();
        for (i, m) in spec.members.iter().enumerate() {
            let n = match m.kind {
                CorrelationType::EventCount => self.count,
                CorrelationType::ValueCount => m.slot.map_or(0, |s| self.slots[s].seen.len() as u64),
                CorrelationType::Temporal => self.rules.iter().filter(|r| r.0 > cut).count() as u64,
                CorrelationType::TemporalOrdered => {
                    let done = self.rules.last().is_some_and(|&(_, c)| c != NEVER && c > cut);
                    if done {
                        spec.n_rules as u64
                    } else {
                        0
                    }
                }
            };
            if m.condition.holds(n) {
                held.push(i);
            }
        }
        if held.is_empty() {
            return None;
        }
        let rules_seen: Vec<usize> = (0..self.rules.len()).filter(|&i| self.rules[i].0 > cut).collect();
        let listed = |s: &SlotState| s.listed().filter(|e| e.1 > cut).map(|e| e.2.to_string()).collect();
        Some(Firing {
            group: key.to_vec(),
            first: self.first,
            last: self.last,
            count: self.count,
            distinct: self.slots.iter().map(|s| s.seen.len() as u64).collect(),
            saturated: self.slots.iter().map(|s| s.saturated).collect(),
            values: self.slots.iter().map(listed).collect(),
            rules_seen,
            held,
            at_close,
        })
    }
}

/// Makes room in a full distinct-value map: four times the values once it holds a few (a
/// window that keeps finding new names rehashes half as often as with doubling; each rehash
/// is an allocation, a re-insert of every value and a free), room for 3 at first (a flood's
/// one-value windows stay small).
fn grow_seen(seen: &mut IdMap) {
    seen.reserve(if seen.is_empty() { 3 } else { 3 * seen.len() });
}

/// Halves a run-length time queue by merging neighbours, keeping the earlier time (the merged
/// events then expire early: counts err low, never high).
fn coarsen(q: &mut VecDeque<(i64, u64)>) {
    let old: Vec<(i64, u64)> = q.drain(..).collect();
    for pair in old.chunks(2) {
        let n = pair.iter().map(|x| x.1).sum();
        q.push_back((pair[0].0, n));
    }
}

#[cfg(test)]
mod tests {
    use super::{grow_seen, IdMap, SlotState};

    #[test]
    fn growing_the_seen_map_keeps_every_value_and_room_for_one_more() {
        let mut seen = IdMap::default();
        for v in 0..1000u64 {
            if seen.len() == seen.capacity() {
                grow_seen(&mut seen);
            }
            assert!(seen.capacity() > seen.len());
            // Every value twice: a value seen again is updated, not counted twice.
            for t in [v as i64, v as i64 + 1] {
                seen.entry(v.wrapping_mul(0x9e37_79b9_7f4a_7c15)).and_modify(|last| *last = t).or_insert(t);
            }
            assert_eq!(seen.len() as u64, v + 1);
        }
        assert!((0..1000u64).all(|v| seen.get(&v.wrapping_mul(0x9e37_79b9_7f4a_7c15)) == Some(&(v as i64 + 1))));
    }

    #[test]
    fn listing_keeps_values_in_order_within_max_room() {
        for max in [1, 3, 4, 5, 20] {
            let mut s = SlotState::default();
            let names: Vec<String> = (0..max).map(|i| format!("name{i}.example.com")).collect();
            for (i, n) in names.iter().enumerate() {
                s.list(i as u64, i as i64, n, max);
            }
            let got: Vec<(u64, i64, &str)> = s.listed().collect();
            let want: Vec<(u64, i64, &str)> =
                names.iter().enumerate().map(|(i, n)| (i as u64, i as i64, n.as_str())).collect();
            assert_eq!(got, want);
            assert!(s.listed.capacity() <= max.max(4), "{max}: room {}", s.listed.capacity());
        }
    }
}
