//! Sinks for a live stream (`reconwatch hunt --dnstap-socket`): each alert is written and flushed
//! as it fires, so a reader of the output (a pipe, `tail -f`) sees it at once.
//!
//! - `jsonl`: one line per alert, as in a hunt over files.
//! - `csv`: the columns cannot be known before every alert is seen, so a header row is written
//!   before the first alert and again whenever an alert's columns differ from the last header.
//! - `table`: a header once, then one row per alert with fixed column widths (a hunt over files
//!   sizes them to the widest cell instead).
//! - `json` (one array) is not offered: it is not valid JSON until the stream ends.

use crate::csv_sink::cell;
use crate::table::{cells, colour, wrap, HEAD};
use crate::{record, Format, JsonLinesSink, Sink, TableStyle};
use detect::Alert;
use std::io::{self, Write};

/// The live sink for `format`, or `None` for a format that cannot be streamed.
pub fn live_sink<'w>(format: Format, w: Box<dyn Write + 'w>, style: TableStyle) -> Option<Box<dyn Sink + 'w>> {
    Some(match format {
        Format::Jsonl => Box::new(Flushed(JsonLinesSink::new(w))),
        Format::Csv => Box::new(LiveCsv { w, header: Vec::new() }),
        Format::Table => Box::new(LiveTable { w, style, rows: 0 }),
        Format::Json => return None,
    })
}

/// A sink whose `finish` only flushes, flushed after every alert.
struct Flushed<S>(S);

impl<S: Sink> Sink for Flushed<S> {
    fn write_alert(&mut self, alert: &Alert) -> io::Result<()> {
        self.0.write_alert(alert)?;
        self.0.finish()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.0.finish()
    }
}

struct LiveCsv<'w> {
    w: Box<dyn Write + 'w>,
    header: Vec<String>,
}

impl Sink for LiveCsv<'_> {
    fn write_alert(&mut self, a: &Alert) -> io::Result<()> {
        const TAIL: [&str; 5] = ["RuleId", "RuleTitle", "Severity", "Technique", "Evidence"];
        let row = record(a);
        let mut header: Vec<String> = row.keys().filter(|k| !TAIL.contains(&k.as_str())).cloned().collect();
        header.extend(TAIL.map(String::from));
        let mut out = csv::Writer::from_writer(&mut self.w);
        if header != self.header {
            out.write_record(&header)?;
            self.header = header;
        }
        out.write_record(self.header.iter().map(|k| row.get(k).map(cell).unwrap_or_default()))?;
        out.flush()?;
        drop(out);
        self.w.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

struct LiveTable<'w> {
    w: Box<dyn Write + 'w>,
    style: TableStyle,
    rows: u64,
}

/// Widths of the first four columns: an RFC 3339 time with nanoseconds, `informational`, a
/// three-digit risk, and a typical alert type (longer ones push the details right).
const WIDTHS: [usize; 4] = [30, 13, 4, 38];

fn line(cells: [&str; 5]) -> (String, usize) {
    let s = crate::table::pad_columns(&cells, &[WIDTHS[0], WIDTHS[1], WIDTHS[2], WIDTHS[3], 0]);
    let indent = s.chars().count();
    (s, indent)
}

impl Sink for LiveTable<'_> {
    fn write_alert(&mut self, a: &Alert) -> io::Result<()> {
        let (bold, reset) = if self.style.color { ("\x1b[1m", "\x1b[0m") } else { ("", "") };
        if self.rows == 0 {
            let (head, _) = line(HEAD);
            writeln!(self.w, "{bold}{head}{}{reset}", HEAD[4])?;
        }
        self.rows += 1;
        let (c, risk) = cells(a);
        let (left, indent) = line([&c[0], &c[1], &c[2], &c[3], &c[4]]);
        let details = wrap(&c[4], self.style.width.saturating_sub(indent), indent);
        if self.style.color {
            writeln!(self.w, "{}{left}{reset}{details}", colour(risk))?;
        } else {
            writeln!(self.w, "{left}{details}")?;
        }
        self.w.flush()
    }
    fn finish(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            writeln!(self.w, "No alerts.")?;
        }
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{alert, Shared};
    use serde_json::json;

    fn alerts() -> [Alert; 3] {
        [
            alert("2026-11-27T10:00:00Z", "Zone Transfer", &[("ClientIP", json!("203.0.113.9"))]),
            alert("2026-11-27T10:00:01Z", "Zone Transfer", &[("ClientIP", json!("198.51.100.7"))]),
            alert("2026-11-27T10:00:02Z", "Bulk", &[("ClientIP", json!("198.51.100.7")), ("QueryCount", json!(31))]),
        ]
    }

    #[test]
    fn every_alert_is_out_before_the_next_one() {
        for format in [Format::Jsonl, Format::Csv, Format::Table] {
            let out = Shared::default();
            let mut sink = live_sink(format, Box::new(out.clone()), TableStyle::default()).unwrap();
            let mut seen = 0;
            for a in alerts() {
                sink.write_alert(&a).unwrap();
                let text = out.text();
                assert!(text.ends_with('\n'), "{format:?}: {text}");
                let n = text.matches("198.51.100.7").count() + text.matches("203.0.113.9").count();
                assert_eq!(n, seen + 1, "{format:?}: {text}");
                seen = n;
            }
            sink.finish().unwrap();
        }
        assert!(live_sink(Format::Json, Box::new(io::sink()), TableStyle::default()).is_none());
    }

    #[test]
    fn csv_repeats_the_header_only_when_the_columns_change() {
        let out = Shared::default();
        let mut sink = live_sink(Format::Csv, Box::new(out.clone()), TableStyle::default()).unwrap();
        for a in alerts() {
            sink.write_alert(&a).unwrap();
        }
        let text = out.text();
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("TimeGenerated,")).collect();
        assert_eq!(headers.len(), 2, "{text}");
        assert!(headers[1].contains("QueryCount") && !headers[0].contains("QueryCount"));
        assert_eq!(text.lines().count(), 5);
    }

    #[test]
    fn table_prints_one_header_and_says_when_nothing_fired() {
        let out = Shared::default();
        let mut sink = live_sink(Format::Table, Box::new(out.clone()), TableStyle::default()).unwrap();
        for a in alerts() {
            sink.write_alert(&a).unwrap();
        }
        sink.finish().unwrap();
        assert_eq!(out.text().matches("TimeGenerated").count(), 1);
        assert_eq!(out.text().lines().count(), 4);
        let empty = Shared::default();
        live_sink(Format::Table, Box::new(empty.clone()), TableStyle::default()).unwrap().finish().unwrap();
        assert_eq!(empty.text(), "No alerts.\n");
    }
}
