//! The end-of-run summary: what was read from each input, the alerts per type, what the tuning
//! suppressed and why, every rejected record (the first 100 in full), and the engine's state
//! counters.

use detect::tuning::Suppressed;
use detect::{Alert, EngineStats};
use formats::Rejects;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// What was read from one input.
pub struct InputSummary {
    pub name: String,
    pub format: &'static str,
    pub events: u64,
    pub rejected: u64,
    /// Records that are not events by design (other log categories, other event types).
    pub ignored: u64,
}

#[derive(Default)]
pub struct Summary {
    pub inputs: Vec<InputSummary>,
    /// Files inside directories whose format could not be told.
    pub skipped: Vec<String>,
    pub outside_time: u64,
    pub alerts: BTreeMap<String, u64>,
    pub suppressed: Vec<Suppressed>,
    pub rejects: Rejects,
    pub engine: Option<EngineStats>,
    /// Other lines about the run (a live hunt's connections).
    pub notes: Vec<String>,
}

impl Summary {
    pub fn count_alerts(&mut self, alerts: &[Alert]) {
        for a in alerts {
            let kind = a.field("AlertType").and_then(|v| v.as_str()).unwrap_or(&a.rule_title).to_string();
            *self.alerts.entry(kind).or_default() += 1;
        }
    }

    pub fn print(&self, w: &mut dyn Write, color: bool) -> io::Result<()> {
        let (b, r) = if color { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
        let events: u64 = self.inputs.iter().map(|i| i.events).sum();
        let alerts: u64 = self.alerts.values().sum();
        let suppressed: u64 = self.suppressed.iter().map(|s| s.count).sum();
        writeln!(w)?;
        writeln!(
            w,
            "{b}Summary:{r} {} input(s), {events} events, {} rejected record(s), {alerts} alert(s), {suppressed} suppressed",
            self.inputs.len(),
            self.rejects.count
        )?;
        if !self.inputs.is_empty() {
            writeln!(w, "  events read per input:")?;
            let width = self.inputs.iter().map(|i| i.name.len()).max().unwrap_or(0);
            for i in &self.inputs {
                let (name, format, n, rej) = (&i.name, i.format, i.events, i.rejected);
                write!(w, "    {name:<width$}  {format:<20} {n:>10} events  {rej:>6} rejected")?;
                if i.ignored > 0 {
                    write!(w, "  {:>6} not events (ignored)", i.ignored)?;
                }
                writeln!(w)?;
            }
        }
        if self.outside_time > 0 {
            writeln!(w, "  events outside --since/--until: {}", self.outside_time)?;
        }
        for s in &self.skipped {
            writeln!(w, "  skipped: {s}")?;
        }
        for n in &self.notes {
            writeln!(w, "  {n}")?;
        }
        if !self.alerts.is_empty() {
            writeln!(w, "  alerts per type:")?;
            for (k, n) in &self.alerts {
                writeln!(w, "    {n:>6}  {k}")?;
            }
        }
        if !self.suppressed.is_empty() {
            writeln!(w, "  suppressed by tuning:")?;
            for s in &self.suppressed {
                writeln!(w, "    {:>6}  allow.{}: {}", s.count, s.list, s.reason)?;
            }
        }
        if self.rejects.count > 0 {
            let shown = self.rejects.kept.len() as u64;
            writeln!(
                w,
                "  rejected records ({}{}):",
                self.rejects.count,
                if shown < self.rejects.count { format!(", first {shown} shown") } else { String::new() }
            )?;
            for rj in &self.rejects.kept {
                writeln!(w, "    {}:{}: {}", rj.location.source, rj.location.line, rj.error)?;
            }
        }
        if let Some(e) = &self.engine {
            let c = &e.correlation;
            writeln!(
                w,
                "  engine: {} events evaluated; correlation groups: {} peak, {} evicted at the cap, {} late events dropped, {} values over the per-group cap",
                e.events, c.peak_groups, c.groups_evicted, c.late_dropped, c.values_dropped
            )?;
        }
        Ok(())
    }
}
