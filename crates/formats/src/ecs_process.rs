//! `ecs-process`: process-start events in the Elastic Common Schema, one JSON object per line, as
//! Auditbeat (`auditd` module: `event.action: executed`; `system/process` dataset:
//! `process_started`) and Elastic Agent / Endpoint (`event.action: exec`/`start`) write them.
//!
//! A line is a process creation when `event.category` (string or array) holds `process` and
//! either `event.type` holds `start` or `event.action` is one of `executed`, `process_started`,
//! `exec`, `start`, `fork` — or, for Auditbeat 6.x which wrote no category, when the action is
//! `executed` or `process_started` and there is a `process.pid`. Other lines that parse as JSON (process ends, file or network events)
//! are counted as skipped ([`EcsProcessReader::skipped`]); lines that are not JSON objects are
//! rejected. Keys may be nested objects or flattened dotted keys (`"process.pid": 1`).
//!
//! Mapping: `FileName` = `process.name`, else the file name of `process.executable`;
//! `FolderPath` = `process.executable`; `ProcessCommandLine` = `process.command_line`, else
//! `process.args` joined (arguments with whitespace quoted as in the `auditd` format), else
//! `process.title`; `ProcessId` = `process.pid`; `InitiatingProcess*` = `process.parent.*`
//! (`process.ppid` in older Auditbeat); `AccountName` = the login user `user.audit.name` or
//! Auditbeat's `auditd.summary.actor.primary` when present (as for auditd: it survives sudo),
//! else `user.name`, else `user.id`; `AccountDomain` =
//! `user.domain`; `DeviceName` = `host.name`, else `host.hostname`, else `agent.hostname`, else
//! [`ReadOptions::server`]. Extra: `action`, `cwd`, `argv0`, `uid`, `auid`, `outcome`, `syscall`, `key`
//! (Auditbeat puts rule keys in `tags`), `entity_id`, `dataset`.

use crate::auditd::push_quoted;
use crate::{process_slot, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{file_name_of, Event, Timestamp};
use serde_json::Value;
use std::io;

pub static SPEC: FormatSpec = FormatSpec {
    name: "ecs-process",
    description: "ECS process events (Auditbeat auditd/system, Elastic Agent) as JSON lines",
    sniff,
    open,
};

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(EcsProcessReader::new(source, opts)))
}

/// Certain when one of the first complete lines is a JSON object with `event.category` holding
/// `process`; unsure when a line merely mentions `"process"` and `"event"` (may be cut).
fn sniff(head: &[u8]) -> u8 {
    let mut hint = 0;
    for line in head.split(|&b| b == b'\n').take(5) {
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let t = line.trim_ascii();
        if t.is_empty() {
            continue;
        }
        if !t.starts_with(b"{") {
            return 0;
        }
        if let Ok(v) = serde_json::from_slice::<Value>(t) {
            if holds(get(&v, "event.category"), "process") {
                return 90;
            }
        } else if memchr::memmem::find(t, b"\"process").is_some() && memchr::memmem::find(t, b"\"event").is_some() {
            hint = 40;
        }
    }
    hint
}

/// Looks a dotted key up as one flat key (`"process.pid"`), else as a path through nested
/// objects, trying the rest of the key flat at each level (`{"process": {"parent.pid": 1}}`).
fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    if let Some(x) = v.get(key) {
        return Some(x);
    }
    let mut cur = v;
    let mut rest = key;
    loop {
        let (head, tail) = match rest.split_once('.') {
            Some(p) => p,
            None => return cur.get(rest),
        };
        // A partly flattened object: try the remaining key whole at this level first.
        if let Some(x) = cur.get(rest) {
            return Some(x);
        }
        cur = cur.get(head)?;
        rest = tail;
    }
}

/// A string or an array of strings holding `want`.
fn holds(v: Option<&Value>, want: &str) -> bool {
    match v {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(want),
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str().is_some_and(|s| s.eq_ignore_ascii_case(want))),
        _ => false,
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    get(v, key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// A pid as a number or a numeric string.
fn pid(v: &Value, key: &'static str) -> Result<Option<u64>, RecordError> {
    match get(v, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| bad(key, &n.to_string())),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad(key, s)),
        Some(other) => Err(bad(key, &other.to_string())),
    }
}

fn bad(field: &'static str, value: &str) -> RecordError {
    RecordError::BadValue { field, value: RecordError::quote(value) }
}

fn join_args(out: &mut String, args: &[Value]) {
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match a {
            Value::String(s) => push_quoted(out, s),
            other => push_quoted(out, &other.to_string()),
        }
    }
}

/// Reads ECS process-start events.
pub struct EcsProcessReader {
    lines: LineReader,
    server: Option<String>,
    skipped: u64,
}

impl EcsProcessReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        EcsProcessReader { lines: LineReader::new(source, opts), server: opts.server.clone(), skipped: 0 }
    }

    /// Valid ECS lines that are not process starts.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

fn is_start(v: &Value) -> bool {
    let action = get(v, "event.action");
    if !holds(get(v, "event.category"), "process") {
        // Auditbeat 6.x wrote no category; its process actions are unambiguous.
        return (holds(action, "executed") || holds(action, "process_started")) && get(v, "process.pid").is_some();
    }
    holds(get(v, "event.type"), "start")
        || ["executed", "process_started", "exec", "start", "fork"].iter().any(|a| holds(action, a))
}

impl EventReader for EcsProcessReader {
    fn ignored(&self) -> u64 {
        self.skipped()
    }

    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            let parsed = match self.lines.next_line(rejects)? {
                None => return Ok(false),
                Some(line) if line.trim().is_empty() => continue,
                Some(line) => serde_json::from_str::<Value>(line),
            };
            let line_no = self.lines.line_no();
            let v: Value = match parsed {
                Ok(v @ Value::Object(_)) => v,
                Ok(_) => {
                    rejects.push(&self.lines.source, line_no, RecordError::Json("not a JSON object".into()));
                    continue;
                }
                Err(e) => {
                    rejects.push(&self.lines.source, line_no, RecordError::Json(e.to_string()));
                    continue;
                }
            };
            if !is_start(&v) {
                self.skipped += 1;
                continue;
            }
            match fill(&v, out, self.server.as_deref()) {
                Ok(()) => return Ok(true),
                Err(e) => rejects.push(&self.lines.source, line_no, e),
            }
        }
    }
}

fn fill(v: &Value, out: &mut Event, server: Option<&str>) -> Result<(), RecordError> {
    let ts = text(v, "@timestamp").ok_or(RecordError::MissingField("@timestamp"))?;
    let time = Timestamp::parse_rfc3339(ts).ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(ts)))?;
    let (pid, ppid) = (pid(v, "process.pid")?, pid(v, "process.parent.pid")?.or(pid(v, "process.ppid")?));
    let exe = text(v, "process.executable");
    let name = text(v, "process.name").or(exe.map(file_name_of));
    let Some(name) = name else { return Err(RecordError::MissingField("process.name")) };
    let p = process_slot(out);
    p.source_format = SPEC.name;
    p.time = time;
    p.process_id = pid;
    p.parent_process_id = ppid;
    p.file_name.push_str(name);
    p.folder_path.push_str(exe.unwrap_or(""));
    let args = get(v, "process.args").and_then(Value::as_array);
    if let Some(cl) = text(v, "process.command_line") {
        p.command_line.push_str(cl);
    } else if let Some(a) = args {
        join_args(&mut p.command_line, a);
    } else if let Some(t) = text(v, "process.title") {
        p.command_line.push_str(t);
    }
    let pexe = text(v, "process.parent.executable");
    p.parent_folder_path.push_str(pexe.unwrap_or(""));
    p.parent_file_name.push_str(text(v, "process.parent.name").or(pexe.map(file_name_of)).unwrap_or(""));
    if let Some(cl) = text(v, "process.parent.command_line") {
        p.parent_command_line.push_str(cl);
    } else if let Some(a) = get(v, "process.parent.args").and_then(Value::as_array) {
        join_args(&mut p.parent_command_line, a);
    }
    let account = text(v, "user.audit.name")
        .or(text(v, "auditd.summary.actor.primary"))
        .or(text(v, "user.name"))
        .or(text(v, "user.id"));
    p.account.push_str(account.unwrap_or(""));
    p.account_domain = text(v, "user.domain").map(str::to_string);
    let host = text(v, "host.name").or(text(v, "host.hostname")).or(text(v, "agent.hostname")).or(server);
    p.device.push_str(host.unwrap_or(""));
    let x = &mut p.extra;
    let mut put = |k: &'static str, s: Option<&str>| {
        if let Some(s) = s {
            x.push(k, s);
        }
    };
    put("action", text(v, "event.action"));
    put("dataset", text(v, "event.dataset"));
    put("cwd", text(v, "process.working_directory"));
    put("argv0", args.and_then(|a| a.first()).and_then(Value::as_str));
    put("uid", text(v, "user.id"));
    put("auid", text(v, "user.audit.id"));
    put("outcome", text(v, "event.outcome").or(text(v, "auditd.result")));
    put("syscall", text(v, "auditd.data.syscall"));
    put("entity_id", text(v, "process.entity_id"));
    if let Some(Value::Array(tags)) = get(v, "tags") {
        let keys: Vec<&str> = tags.iter().filter_map(Value::as_str).collect();
        if !keys.is_empty() {
            x.push("key", keys.join(","));
        }
    }
    Ok(())
}
