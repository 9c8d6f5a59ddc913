//! JSON lines (one alert object per line) and a JSON array.

use crate::{record, Sink};
use detect::Alert;
use std::io::{self, Write};

pub struct JsonLinesSink<'w> {
    w: io::BufWriter<Box<dyn Write + 'w>>,
}

impl<'w> JsonLinesSink<'w> {
    pub fn new(w: Box<dyn Write + 'w>) -> Self {
        JsonLinesSink { w: io::BufWriter::new(w) }
    }
}

impl Sink for JsonLinesSink<'_> {
    fn write_alert(&mut self, a: &Alert) -> io::Result<()> {
        serde_json::to_writer(&mut self.w, &record(a))?;
        self.w.write_all(b"\n")
    }
    fn finish(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

pub struct JsonArraySink<'w> {
    w: io::BufWriter<Box<dyn Write + 'w>>,
    n: usize,
}

impl<'w> JsonArraySink<'w> {
    pub fn new(w: Box<dyn Write + 'w>) -> Self {
        JsonArraySink { w: io::BufWriter::new(w), n: 0 }
    }
}

impl Sink for JsonArraySink<'_> {
    fn write_alert(&mut self, a: &Alert) -> io::Result<()> {
        self.w.write_all(if self.n == 0 { b"[\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut self.w, &record(a))?;
        self.n += 1;
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.w.write_all(if self.n == 0 { b"[]\n" } else { b"\n]\n" })?;
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{alert, Shared};

    #[test]
    fn json_array_is_valid_when_empty_and_full() {
        for n in [0, 1, 3] {
            let buf = Shared::default();
            let mut s = JsonArraySink::new(Box::new(buf.clone()));
            for i in 0..n {
                s.write_alert(&alert(&format!("2026-11-27T13:14:1{i}Z"), "X", &[])).unwrap();
            }
            s.finish().unwrap();
            let v: serde_json::Value = serde_json::from_slice(&buf.0.lock().unwrap()).unwrap();
            assert_eq!(v.as_array().unwrap().len(), n);
        }
    }

    #[test]
    fn json_lines_one_object_per_line() {
        let buf = Shared::default();
        let mut s = JsonLinesSink::new(Box::new(buf.clone()));
        s.write_alert(&alert("2026-11-27T13:14:15Z", "A", &[])).unwrap();
        s.write_alert(&alert("2026-11-27T13:14:16Z", "B", &[])).unwrap();
        s.finish().unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["AlertType"], "B");
    }
}
