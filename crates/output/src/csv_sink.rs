//! CSV: one header row with the union of every alert's columns (in first-seen order, so the
//! seed's columns come out in the seed's order), one row per alert. Arrays are joined with `;`,
//! `Evidence` is a JSON object in one cell. Buffered until [`Sink::finish`], since the header
//! depends on every alert.

use crate::{record, Sink};
use detect::Alert;
use serde_json::{Map, Value};
use std::io::{self, Write};

pub struct CsvSink<'w> {
    w: Box<dyn Write + 'w>,
    rows: Vec<Map<String, Value>>,
}

impl<'w> CsvSink<'w> {
    pub fn new(w: Box<dyn Write + 'w>) -> Self {
        CsvSink { w, rows: Vec::new() }
    }
}

pub(crate) fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            items.iter().map(cell).collect::<Vec<_>>().join(";")
        }
        other => other.to_string(),
    }
}

impl Sink for CsvSink<'_> {
    fn write_alert(&mut self, a: &Alert) -> io::Result<()> {
        self.rows.push(record(a));
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let mut header: Vec<&str> = Vec::new();
        // Rule metadata goes last whatever the order alerts arrived in.
        const TAIL: [&str; 5] = ["RuleId", "RuleTitle", "Severity", "Technique", "Evidence"];
        for row in &self.rows {
            for k in row.keys() {
                if !TAIL.contains(&k.as_str()) && !header.contains(&k.as_str()) {
                    header.push(k);
                }
            }
        }
        header.extend(TAIL);
        let mut out = csv::Writer::from_writer(&mut self.w);
        out.write_record(&header)?;
        for row in &self.rows {
            out.write_record(header.iter().map(|k| row.get(*k).map(cell).unwrap_or_default()))?;
        }
        out.flush()?;
        drop(out);
        self.rows.clear();
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::alert;
    use serde_json::json;

    #[test]
    fn header_is_union_in_first_seen_order() {
        let mut buf = Vec::new();
        {
            let mut s = CsvSink::new(Box::new(&mut buf));
            s.write_alert(&alert("2026-11-27T13:14:15Z", "A", &[("Computer", json!("dns1")), ("Name", json!("x,y"))]))
                .unwrap();
            s.write_alert(&alert("2026-11-27T13:14:16Z", "B", &[("QueryTypes", json!(["MX", "NS"]))])).unwrap();
            s.finish().unwrap();
        }
        let text = String::from_utf8(buf).unwrap();
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            "TimeGenerated,AlertType,RiskScore,Computer,Name,QueryTypes,RuleId,RuleTitle,Severity,Technique,Evidence"
        );
        let first = lines.next().unwrap();
        assert!(first.starts_with("2026-11-27T13:14:15Z,A,90,dns1,\"x,y\",,"), "{first}");
        let second = lines.next().unwrap();
        assert!(second.starts_with("2026-11-27T13:14:16Z,B,90,,,MX;NS,"), "{second}");
        assert!(second.contains(",T1590.002,"), "{second}");
    }
}
