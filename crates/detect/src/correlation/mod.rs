//! Sigma correlation rules (specification v2.1, sigma-correlation-rules-specification.md):
//! parsing ([`spec`]), conditions ([`condition`]) and the event-time windowed state machine
//! ([`Aggregator`]), built around an abstract [`Observation`] so it can be tested without the
//! detection part.
//!
//! The engine turns each event matched by a referenced rule (or each firing of a referenced
//! correlation, for chains) into an [`Observation`]: its time, the group-by values, which of the
//! correlation's rules it came from, and the text of each tracked value slot (the value_count
//! field, `distinct(F)` / `values(F)` outputs). The aggregator answers with [`Firing`]s.
//! See `window.rs` for the exact window semantics and `agg.rs` for lateness and caps.

mod agg;
pub mod condition;
mod fold;
mod key;
pub mod spec;
mod window;

#[cfg(test)]
mod tests;

pub use agg::Aggregator;
pub use condition::{Condition, Op};
pub use spec::{parse, parse_timespan, CorrelationError, CorrelationSpec, CorrelationType, Loc, OutputKind};
pub use window::{AggSpec, Member, SlotSpec};

/// How correlation windows are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum WindowMode {
    /// Any span of `timespan` of event time (the spec's intent): a burst straddling a clock
    /// boundary still fires.
    #[default]
    Sliding,
    /// Epoch-aligned bins, identical to KQL `bin(TimeGenerated, timespan)`.
    Tumbling,
}

impl WindowMode {
    pub fn parse(s: &str) -> Option<WindowMode> {
        match s {
            "sliding" => Some(WindowMode::Sliding),
            "tumbling" => Some(WindowMode::Tumbling),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            WindowMode::Sliding => "sliding",
            WindowMode::Tumbling => "tumbling",
        }
    }
}

/// When a window whose condition held is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Emit {
    /// When the window closes, with the window's totals (count, distinct values, last event):
    /// what KQL's `summarize ... by bin()` reports, and what a hunt over logs wants. The
    /// condition is still decided as soon as it holds (the alert time is the window's first
    /// event); only the report waits for the window's end (at most `timespan` of event time).
    #[default]
    WindowTotals,
    /// As soon as the condition holds, with the aggregate at that moment; the rest of the
    /// window is absorbed. For live streams, where an alert should not wait.
    WhenHeld,
}

/// Windowing and limits of an aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AggConfig {
    pub mode: WindowMode,
    /// How far (ns of event time) an observation may arrive behind the newest one of its group
    /// and still be placed correctly.
    pub lateness: i64,
    pub max_groups: usize,
    pub max_values_per_group: usize,
    pub max_listed_values: usize,
    pub emit: Emit,
}

impl Default for AggConfig {
    fn default() -> Self {
        AggConfig {
            mode: WindowMode::Sliding,
            lateness: 5 * 1_000_000_000,
            max_groups: 100_000,
            max_values_per_group: 100_000,
            max_listed_values: 20,
            emit: Emit::WindowTotals,
        }
    }
}

/// One input to an aggregation.
#[derive(Debug, Clone, Copy)]
pub struct Observation<'a> {
    /// Event time, ns since the epoch.
    pub time: i64,
    /// Group-by values, in `group-by` order.
    pub group: &'a [&'a str],
    /// Index of the referenced rule (in the correlation's `rules`) it came from.
    pub rule: usize,
    /// Text of each value slot of the [`AggSpec`]; `None` when the event lacks the field.
    pub values: &'a [Option<&'a str>],
}

/// A window in which at least one member's condition held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub group: Vec<String>,
    /// Earliest event of the window (the alert time).
    pub first: i64,
    /// Latest event counted.
    pub last: i64,
    /// Events in the window.
    pub count: u64,
    /// Distinct values per slot (0 for slots not counted).
    pub distinct: Vec<u64>,
    /// Per slot: the distinct cap was reached, the count is a lower bound.
    pub saturated: Vec<bool>,
    /// Values seen per slot (listed slots only), first ones, capped.
    pub values: Vec<Vec<String>>,
    /// Indices of the referenced rules seen in the window.
    pub rules_seen: Vec<usize>,
    /// Indices of the members whose condition held.
    pub held: Vec<usize>,
    /// Decided when the window closed (conditions with an upper bound), not as soon as it held.
    pub at_close: bool,
}

/// Counters of an aggregation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AggStats {
    pub observations: u64,
    /// Observations behind their group's newest by more than the lateness.
    pub late_dropped: u64,
    /// Observations inside a window that had already fired.
    pub absorbed: u64,
    pub firings: u64,
    pub live_groups: usize,
    pub peak_groups: usize,
    /// Groups dropped because the group cap was reached.
    pub groups_evicted: u64,
    /// Groups finished because their windows were over.
    pub groups_expired: u64,
    /// New values not counted because the per-group distinct cap was reached.
    pub values_dropped: u64,
    /// Times a group's event-time queue was coarsened to stay within the cap.
    pub coarsened: u64,
}

impl AggStats {
    /// Adds another aggregation's counters (live/peak groups are summed too).
    pub fn add(&mut self, o: &AggStats) {
        self.observations += o.observations;
        self.late_dropped += o.late_dropped;
        self.absorbed += o.absorbed;
        self.firings += o.firings;
        self.live_groups += o.live_groups;
        self.peak_groups += o.peak_groups;
        self.groups_evicted += o.groups_evicted;
        self.groups_expired += o.groups_expired;
        self.values_dropped += o.values_dropped;
        self.coarsened += o.coarsened;
    }
}
