//! Windows events as JSON lines (`winlogbeat-json`), two shapes, told apart per line:
//!
//! - Winlogbeat / Elastic Agent: `winlog.event_id` (number or string), `winlog.provider_name`,
//!   `winlog.channel`, `winlog.computer_name` (else `host.name`), `winlog.record_id`,
//!   `winlog.event_data.*` (or `winlog.user_data.*`), `@timestamp`. When the ingest pipeline has
//!   moved event data into ECS, the ECS fields fill the gaps: `process.executable`,
//!   `process.command_line`, `process.pid`, `process.parent.{executable,command_line,pid}`,
//!   `user.{name,domain}`, `dns.question.name`.
//! - `evtx_dump -o jsonl` (the `evtx` crate's rendering): `{"Event":{"System":{…},"EventData":{…}}}`
//!   with XML attributes under `#attributes` and unnamed data as `Data` arrays.
//!
//! Scalar values of any JSON type are taken as text; a line whose shape or types are wrong
//! (`winlog` not an object, a non-numeric event id, …) is rejected.

use super::{map::map, WinEvent};
use crate::{EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{Event, Timestamp};
use memchr::memmem;
use serde_json::Value;
use std::io;

pub static SPEC: FormatSpec = FormatSpec {
    name: "winlogbeat-json",
    description: "Windows events as JSON lines: Winlogbeat / Elastic Agent (winlog.*), evtx_dump -o jsonl",
    sniff,
    open,
};

const NAME: &str = "winlogbeat-json";

fn sniff(head: &[u8]) -> u8 {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    if head.get(start) != Some(&b'{') {
        return 0;
    }
    let line = &head[start..memchr::memchr(b'\n', &head[start..]).map_or(head.len(), |i| start + i)];
    let has = |s: &[u8]| memmem::find(line, s).is_some();
    if has(b"\"winlog\"") && has(b"\"event_id\"") {
        90
    } else if has(b"\"Event\"") && has(b"\"System\"") && has(b"\"EventID\"") {
        70
    } else {
        0
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(JsonReader { lines: LineReader::new(source, opts), ev: WinEvent::default() }))
}

/// Reader for the `winlogbeat-json` format.
pub struct JsonReader {
    lines: LineReader,
    ev: WinEvent,
}

impl EventReader for JsonReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            let Some(line) = self.lines.next_line(rejects)? else { return Ok(false) };
            if line.trim().is_empty() {
                continue;
            }
            let result = serde_json::from_str::<Value>(line)
                .map_err(|e| RecordError::Json(e.to_string()))
                .and_then(|v| from_json(&v, &mut self.ev))
                .and_then(|()| map(&self.ev, NAME, out));
            match result {
                Ok(()) => return Ok(true),
                Err(e) => {
                    let n = self.lines.line_no();
                    rejects.push(&self.lines.source, n, e);
                }
            }
        }
    }
}

fn wrong(field: &'static str, v: &Value) -> RecordError {
    RecordError::BadValue { field, value: RecordError::quote(&v.to_string()) }
}

/// Text of a scalar JSON value (`None` for null); arrays and objects as compact JSON.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

fn event_id(v: &Value) -> Result<u32, RecordError> {
    let v = match v {
        Value::Object(o) => o.get("#text").unwrap_or(v),
        _ => v,
    };
    match v {
        Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()).ok_or_else(|| wrong("EventID", v)),
        Value::String(s) => s.trim().parse().map_err(|_| wrong("EventID", v)),
        _ => Err(wrong("EventID", v)),
    }
}

fn set_str(dst: &mut String, v: Option<&Value>, field: &'static str) -> Result<(), RecordError> {
    match v {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) => {
            dst.push_str(s);
            Ok(())
        }
        Some(other) => Err(wrong(field, other)),
    }
}

fn time_of(v: Option<&Value>) -> Result<Option<Timestamp>, RecordError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            Timestamp::parse_rfc3339(s).map(Some).ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(s)))
        }
        Some(other) => Err(RecordError::BadTimestamp(RecordError::quote(&other.to_string()))),
    }
}

/// Fills `ev` from one JSON object of either shape.
pub fn from_json(v: &Value, ev: &mut WinEvent) -> Result<(), RecordError> {
    ev.clear();
    if !v.is_object() {
        return Err(RecordError::Malformed { what: "JSON event", detail: "not an object".into() });
    }
    if let Some(e) = v.get("Event") {
        return from_evtx_json(e, ev);
    }
    let w = v.get("winlog").ok_or(RecordError::MissingField("winlog"))?;
    if !w.is_object() {
        return Err(wrong("winlog", w));
    }
    ev.event_id = event_id(w.get("event_id").ok_or(RecordError::MissingField("winlog.event_id"))?)?;
    set_str(&mut ev.provider, w.get("provider_name"), "winlog.provider_name")?;
    set_str(&mut ev.channel, w.get("channel"), "winlog.channel")?;
    set_str(&mut ev.computer, w.get("computer_name"), "winlog.computer_name")?;
    if ev.computer.is_empty() {
        set_str(&mut ev.computer, str_at(v, &["host", "name"]), "host.name")?;
    }
    ev.record_id = w.get("record_id").and_then(|r| r.as_u64().or_else(|| r.as_str()?.parse().ok()));
    ev.time = time_of(v.get("@timestamp"))?;
    if ev.provider.is_empty() {
        return Err(RecordError::MissingField("winlog.provider_name"));
    }
    for key in ["event_data", "user_data"] {
        match w.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(o)) => {
                for (k, val) in o {
                    if let Some(t) = text(val) {
                        ev.push(k, &t);
                    }
                }
            }
            Some(other) => {
                return Err(wrong(if key == "event_data" { "winlog.event_data" } else { "winlog.user_data" }, other))
            }
        }
    }
    ecs_fill(v, ev);
    Ok(())
}

/// Adds event data fields the ECS pipeline moved out of `winlog.event_data`.
fn ecs_fill(v: &Value, ev: &mut WinEvent) {
    let user = || {
        let name = str_at(v, &["user", "name"])?.as_str()?;
        Some(match str_at(v, &["user", "domain"]).and_then(Value::as_str) {
            Some(d) => format!("{d}\\{name}"),
            None => name.to_string(),
        })
    };
    let pairs: &[(&str, &[&str])] = match (ev.provider.as_str(), ev.event_id) {
        (super::SYSMON, 1) => &[
            ("Image", &["process", "executable"]),
            ("CommandLine", &["process", "command_line"]),
            ("ProcessId", &["process", "pid"]),
            ("ParentImage", &["process", "parent", "executable"]),
            ("ParentCommandLine", &["process", "parent", "command_line"]),
            ("ParentProcessId", &["process", "parent", "pid"]),
        ],
        (super::SYSMON, 22) => &[
            ("QueryName", &["dns", "question", "name"]),
            ("Image", &["process", "executable"]),
            ("ProcessId", &["process", "pid"]),
        ],
        (super::SECURITY, 4688) => &[
            ("NewProcessName", &["process", "executable"]),
            ("CommandLine", &["process", "command_line"]),
            ("NewProcessId", &["process", "pid"]),
            ("ParentProcessName", &["process", "parent", "executable"]),
            ("ProcessId", &["process", "parent", "pid"]),
            ("SubjectUserName", &["user", "name"]),
            ("SubjectDomainName", &["user", "domain"]),
        ],
        _ => return,
    };
    for (name, path) in pairs {
        if ev.get(name).is_none() {
            if let Some(t) = str_at(v, path).and_then(text) {
                ev.push(name, &t);
            }
        }
    }
    if ev.provider == super::SYSMON && ev.event_id == 1 && ev.get("User").is_none() {
        if let Some(u) = user() {
            ev.push("User", &u);
        }
    }
}

fn attr<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get("#attributes").and_then(|a| a.get(name)).or_else(|| v.get(name))
}

/// The `evtx` crate's JSON rendering of one event (the value of its `Event` key).
pub fn from_evtx_json(e: &Value, ev: &mut WinEvent) -> Result<(), RecordError> {
    let sys = e.get("System").ok_or(RecordError::MissingField("Event.System"))?;
    ev.event_id = event_id(sys.get("EventID").ok_or(RecordError::MissingField("EventID"))?)?;
    let provider = sys.get("Provider").ok_or(RecordError::MissingField("Provider"))?;
    set_str(&mut ev.provider, attr(provider, "Name"), "Provider.Name")?;
    set_str(&mut ev.channel, sys.get("Channel"), "Channel")?;
    set_str(&mut ev.computer, sys.get("Computer"), "Computer")?;
    ev.record_id = sys.get("EventRecordID").and_then(Value::as_u64);
    ev.time = time_of(sys.get("TimeCreated").and_then(|t| attr(t, "SystemTime")))?;
    if let Some(s) = sys.get("Security").and_then(|s| attr(s, "UserID")).and_then(Value::as_str) {
        ev.user_sid.push_str(s);
    }
    if let Some(Value::Object(data)) = e.get("EventData") {
        for (k, val) in data {
            match (k.as_str(), val) {
                ("#attributes" | "Binary", _) => {}
                ("Data", _) => {
                    let items = match val.get("#text").unwrap_or(val) {
                        Value::Array(a) => a.clone(),
                        other => vec![other.clone()],
                    };
                    for item in &items {
                        ev.push_unnamed(&text(item).unwrap_or_default());
                    }
                }
                _ => ev.push(k, &text(val).unwrap_or_default()),
            }
        }
    }
    if let Some(Value::Object(user)) = e.get("UserData") {
        for inner in user.values() {
            if let Value::Object(fields) = inner {
                for (k, val) in fields.iter().filter(|(k, _)| *k != "#attributes") {
                    ev.push(k, &text(val).unwrap_or_default());
                }
            }
        }
    }
    Ok(())
}
