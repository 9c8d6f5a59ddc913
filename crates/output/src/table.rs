//! The terminal table: one row per alert — time, severity, risk, alert type, then the alert's
//! columns as `key=value` — aligned, with colour by risk when writing to a terminal.

use crate::record::text;
use crate::Sink;
use detect::Alert;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, Default)]
pub struct TableStyle {
    /// ANSI colours (only on a terminal, and never when `NO_COLOR` is set).
    pub color: bool,
    /// Wrap width for the details column; 0 = no limit.
    pub width: usize,
}

pub struct TableSink<'w> {
    w: Box<dyn Write + 'w>,
    style: TableStyle,
    rows: Vec<[String; 5]>,
    risks: Vec<i64>,
}

impl<'w> TableSink<'w> {
    pub fn new(w: Box<dyn Write + 'w>, style: TableStyle) -> Self {
        TableSink { w, style, rows: Vec::new(), risks: Vec::new() }
    }
}

/// An alert's cells (time, severity, risk, alert type, details) and its risk score.
pub(crate) fn cells(a: &Alert) -> ([String; 5], i64) {
    let risk = a.field("RiskScore").and_then(|v| v.as_i64()).unwrap_or(0);
    let alert_type = a.field("AlertType").map(text).unwrap_or_else(|| a.rule_title.clone());
    let details = a
        .fields
        .iter()
        .filter(|(k, v)| k != "AlertType" && k != "RiskScore" && k != "Confidence" && !v.is_null())
        .map(|(k, v)| format!("{k}={}", text(v)))
        .collect::<Vec<_>>()
        .join("  ");
    let risk_cell = if risk > 0 { risk.to_string() } else { String::new() };
    ([a.time.to_string(), a.level.as_str().to_string(), risk_cell, alert_type, details], risk)
}

pub(crate) const HEAD: [&str; 5] = ["TimeGenerated", "Severity", "Risk", "AlertType", "Details"];

pub(crate) fn colour(risk: i64) -> &'static str {
    match risk {
        90.. => "\x1b[1;31m",
        70..=89 => "\x1b[31m",
        50..=69 => "\x1b[33m",
        _ => "\x1b[36m",
    }
}

impl Sink for TableSink<'_> {
    fn write_alert(&mut self, a: &Alert) -> io::Result<()> {
        let (row, risk) = cells(a);
        self.rows.push(row);
        self.risks.push(risk);
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        if self.rows.is_empty() {
            writeln!(self.w, "No alerts.")?;
            return self.w.flush();
        }
        let mut widths = HEAD.map(str::len);
        for r in &self.rows {
            for (w, c) in widths.iter_mut().zip(r.iter()).take(4) {
                *w = (*w).max(c.chars().count());
            }
        }
        let (bold, reset) = if self.style.color { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
        let line = |cells: [&str; 5]| (pad_columns(&cells, &widths), cells[4].to_string());
        let (head, tail) = line(HEAD);
        writeln!(self.w, "{bold}{head}{tail}{reset}")?;
        let indent: usize = widths.iter().take(4).map(|w| w + 2).sum();
        for (r, risk) in self.rows.iter().zip(&self.risks) {
            let (left, details) = line([&r[0], &r[1], &r[2], &r[3], &r[4]]);
            let details = wrap(&details, self.style.width.saturating_sub(indent), indent);
            if self.style.color {
                writeln!(self.w, "{}{left}{reset}{details}", colour(*risk))?;
            } else {
                writeln!(self.w, "{left}{details}")?;
            }
        }
        self.rows.clear();
        self.w.flush()
    }
}

/// Wraps `s` at two-space separators to `width` columns (0 = no wrapping), indenting
/// continuation lines.
pub(crate) fn wrap(s: &str, width: usize, indent: usize) -> String {
    if width < 20 {
        return s.to_string();
    }
    let mut out = String::new();
    let mut col = 0;
    for part in s.split("  ") {
        let len = part.chars().count();
        if col > 0 && col + 2 + len > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = 0;
        } else if col > 0 {
            out.push_str("  ");
            col += 2;
        }
        out.push_str(part);
        col += len;
    }
    out
}

/// The first four cells, each padded to its width (the risk, third, right-aligned), two spaces apart.
pub(crate) fn pad_columns(cells: &[&str; 5], widths: &[usize; 5]) -> String {
    let mut s = String::new();
    for (i, c) in cells.iter().enumerate().take(4) {
        let pad = " ".repeat(widths[i].saturating_sub(c.chars().count()));
        if i == 2 {
            s.push_str(&pad);
            s.push_str(c);
        } else {
            s.push_str(c);
            s.push_str(&pad);
        }
        s.push_str("  ");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alert;
    use serde_json::json;

    #[test]
    fn rows_align_and_wrap() {
        let mut buf = Vec::new();
        {
            let mut s = TableSink::new(Box::new(&mut buf), TableStyle { color: false, width: 140 });
            let long = [
                ("Computer", json!("dns1")),
                ("ClientIP", json!("203.0.113.5")),
                ("Name", json!("a-very-long-name.example.com")),
                ("QueryType", json!("AXFR")),
                ("ResultCode", json!(null)),
            ];
            s.write_alert(&alert("2026-11-27T13:14:15Z", "External DNS Zone Transfer Attempt", &long)).unwrap();
            s.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<_> = text.lines().collect();
        assert!(lines[0].starts_with("TimeGenerated         Severity  Risk  AlertType"), "{text}");
        assert!(
            lines[1]
                .starts_with("2026-11-27T13:14:15Z  low         90  External DNS Zone Transfer Attempt  Computer=dns1"),
            "{text}"
        );
        assert!(!text.contains("ResultCode"), "null columns are left out: {text}");
        assert_eq!(lines.len(), 3, "details wrap onto an indented second line: {text}");
        assert!(lines[2].starts_with(&" ".repeat(20)));
    }

    #[test]
    fn empty_says_so() {
        let mut buf = Vec::new();
        TableSink::new(Box::new(&mut buf), TableStyle::default()).finish().unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "No alerts.\n");
    }
}
