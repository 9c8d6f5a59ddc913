//! The end-of-run summary: what was read from each input, the alerts per type, what the tuning
//! suppressed and why, every rejected record (the first 100 in full), and the engine's state
//! counters.

use detect::tuning::Suppressed;
use detect::{Alert, EngineStats};
use formats::Rejects;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Default)]
pub struct Summary {
    /// (input, format, events, rejected records)
    pub inputs: Vec<(String, &'static str, u64, u64)>,
    /// Files inside directories whose format could not be told.
    pub skipped: Vec<String>,
    pub outside_time: u64,
    pub alerts: BTreeMap<String, u64>,
    pub suppressed: Vec<Suppressed>,
    pub rejects: Rejects,
    pub engine: Option<EngineStats>,
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
        let events: u64 = self.inputs.iter().map(|i| i.2).sum();
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
            let width = self.inputs.iter().map(|i| i.0.len()).max().unwrap_or(0);
            for (name, format, n, rej) in &self.inputs {
                writeln!(w, "    {name:<width$}  {format:<24} {n:>10} events  {rej:>6} rejected")?;
            }
        }
        if self.outside_time > 0 {
            writeln!(w, "  events outside --since/--until: {}", self.outside_time)?;
        }
        for s in &self.skipped {
            writeln!(w, "  skipped: {s}")?;
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
