//! `json`: any JSON objects, as a top-level array (streamed), JSON Lines, or pretty-printed
//! objects one after another, each becoming an [`event::JsonEvent`] for users' own rules.
//!
//! Event time: the first present of `@timestamp`, `timestamp`, `time`, `TimeGenerated`, `ts`,
//! `EventTime`, `UtcTime` (exact key). A string is RFC 3339 / ISO 8601 (or one of the export
//! forms of [`crate::sentinel::time`], e.g. Sysmon's `2026-11-27 13:14:15.123`), or epoch digits.
//! A number (or a string of digits) is epoch time whose unit is told by its size: below 10^11
//! seconds (until the year 5138), below 10^14 milliseconds, below 10^17 microseconds, else
//! nanoseconds; fractional seconds are kept to the microsecond. An object with none of these
//! keys, or whose time cannot be read, is rejected. This is the lowest-priority match in sniffing.

use crate::jsonstream::{first_object, next_element, shape, Element, JsonStream, Scan, Shape};
use crate::registry::FormatSpec;
use crate::{input, EventReader, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{Event, JsonEvent, Timestamp};
use serde_json::Value;
use std::io;
use std::sync::Arc;

pub const NAME: &str = "json";

pub static SPEC: FormatSpec =
    FormatSpec { name: NAME, description: "any JSON objects (array, JSON Lines); time from a common key", sniff, open };

/// Keys tried for the event time, in order.
pub const TIME_KEYS: [&str; 7] = ["@timestamp", "timestamp", "time", "TimeGenerated", "ts", "EventTime", "UtcTime"];

/// 10 when the first value (of an array or a stream) is a complete JSON object, 5 when it
/// starts like one but does not end within `head`.
fn sniff(head: &[u8]) -> u8 {
    if shape(head) == Shape::None {
        return 0;
    }
    if first_object(head).is_some() {
        return 10;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head).trim_ascii_start();
    let text = text.strip_prefix(b"[").map_or(text, <[u8]>::trim_ascii_start);
    if text.first() == Some(&b'{') {
        5
    } else {
        0
    }
}

/// The event time of `obj`, or why there is none.
pub fn event_time(obj: &Value) -> Result<Timestamp, RecordError> {
    let Some((key, v)) = TIME_KEYS.iter().find_map(|k| obj.get(k).map(|v| (*k, v))) else {
        return Err(RecordError::MissingField("@timestamp"));
    };
    let bad = || RecordError::BadValue { field: "time", value: RecordError::quote(&format!("{key}: {v}")) };
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(epoch_int(i)),
            // Fractional seconds (Zeek's `ts`) are kept to the microsecond, all an f64 holds at
            // this magnitude; a larger value is a count of smaller units, its fraction dropped.
            None => match n.as_f64() {
                Some(f) if f.abs() < 1e11 => Ok(Timestamp::from_micros((f * 1e6).round() as i64)),
                Some(f) if f.is_finite() && f.abs() < 9e18 => Ok(epoch_int(f as i64)),
                _ => Err(bad()),
            },
        },
        Value::String(s) => {
            let t = s.trim();
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() > 11 {
                return t.parse().map(epoch_int).map_err(|_| bad());
            }
            crate::sentinel::time::parse_export_time(t).ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

fn epoch_int(i: i64) -> Timestamp {
    match i.unsigned_abs() {
        a if a < 100_000_000_000 => Timestamp::from_secs(i),
        a if a < 100_000_000_000_000 => Timestamp::from_millis(i),
        a if a < 100_000_000_000_000_000 => Timestamp::from_micros(i),
        _ => Timestamp(i),
    }
}

enum Mode {
    Lines(LineReader),
    /// Array elements (`in_array`) or values one after another.
    Stream {
        s: JsonStream,
        in_array: Option<bool>,
        done: bool,
    },
}

struct Reader {
    mode: Mode,
    source: Arc<str>,
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    let name = source.name.to_string();
    let (head, source) = input::peek(source, crate::registry::SNIFF_BYTES)
        .map_err(|e| InputError::Open { name: name.clone(), detail: e.to_string() })?;
    let src = source.name.clone();
    let mode = match shape(&head) {
        Shape::Lines => Mode::Lines(LineReader::new(source, opts)),
        Shape::Array => {
            Mode::Stream { s: JsonStream::new(source.reader, opts.max_record), in_array: Some(true), done: false }
        }
        Shape::Concatenated | Shape::Response => {
            Mode::Stream { s: JsonStream::new(source.reader, opts.max_record), in_array: None, done: false }
        }
        Shape::None => return Err(InputError::Open { name, detail: "not JSON (expected `[`, `{`)".into() }),
    };
    Ok(Box::new(Reader { mode, source: src }))
}

fn to_event(out: &mut Event, bytes: &[u8]) -> Result<(), RecordError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| RecordError::Json(RecordError::quote(&e.to_string())))?;
    if !value.is_object() {
        return Err(RecordError::Unrecognised("not a JSON object".into()));
    }
    let time = event_time(&value)?;
    *out = Event::Json(JsonEvent { time, value, source_format: NAME });
    Ok(())
}

impl EventReader for Reader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        let src = &self.source;
        match &mut self.mode {
            Mode::Lines(lines) => loop {
                let Some(line) = lines.next_line(rejects)? else { return Ok(false) };
                if line.trim().is_empty() {
                    continue;
                }
                match to_event(out, line.as_bytes()) {
                    Ok(()) => return Ok(true),
                    Err(e) => rejects.push(src, lines.line_no(), e),
                }
            },
            Mode::Stream { s, in_array, done } => loop {
                if *done {
                    return Ok(false);
                }
                let (line, scan) = match in_array {
                    Some(first) => {
                        if *first && s.peek()? == Some(b'[') && s.line() == 1 {
                            s.bump();
                        }
                        match next_element(s, first, true)? {
                            Element::End => {
                                // Another array may follow (concatenated arrays); else the end.
                                *in_array = None;
                                continue;
                            }
                            Element::Unclosed(line) => {
                                rejects.push(src, line, RecordError::Truncated("array not closed at end of input"));
                                *done = true;
                                continue;
                            }
                            Element::MissingComma(line) => {
                                rejects.push(
                                    src,
                                    line,
                                    RecordError::Malformed { what: "JSON array", detail: "missing `,`".into() },
                                );
                                continue;
                            }
                            Element::At(line, scan) => (line, scan),
                        }
                    }
                    None => match s.peek()? {
                        None => return Ok(false),
                        Some(b'[') => {
                            s.bump();
                            *in_array = Some(true);
                            continue;
                        }
                        Some(_) => {
                            let line = s.line();
                            (line, s.value(true)?)
                        }
                    },
                };
                match scan {
                    Scan::Value => match to_event(out, &s.buf) {
                        Ok(()) => return Ok(true),
                        Err(e) => rejects.push(src, line, e),
                    },
                    Scan::TooLong => rejects.push(src, line, RecordError::TooLong { limit: s.max() }),
                    Scan::Truncated => {
                        rejects.push(src, line, RecordError::Truncated("input ends inside this value"));
                        *done = true;
                    }
                }
            },
        }
    }
}
