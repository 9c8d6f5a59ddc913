//! `auditd`: raw Linux audit logs (`/var/log/audit/audit.log`, `ausearch --raw`), RAW or ENRICHED
//! `log_format`, with or without a `node=` prefix. Each `execve`/`execveat` event becomes a
//! process-creation event.
//!
//! Records are grouped into events by `msg=audit(EPOCH.MS:SERIAL)` (plus `node`). An event ends
//! at its `EOE` record, or once [`MAX_OPEN`] later events have opened: records of different
//! events may interleave, so that many stay open and opening one more closes the oldest.
//! Single-record events (`USER_LOGIN`) never get an EOE, and auditd 3.0.9 writes none to
//! `audit.log` at all (measured here: not one EOE in the log or in `ausearch --raw`), so in
//! practice events close this way, in order. At the end of the input every open event is closed.
//! The `hostname=` of user-space records names the remote peer, not this host, and execve events
//! carry none, so it is never used as the device name.
//!
//! Mapping (see [`pending::Pending::fill`]):
//! - `FileName`/`FolderPath`: the SYSCALL `exe=` — the image the kernel really runs
//!   (`python3.11` for a Python script, `perl` for `dnsenum`); the name as invoked is in `argv0`
//!   (EXECVE `a0`) and `path` (PATH item 0) in the extra fields.
//! - `ProcessCommandLine`: the EXECVE arguments (quoted, or hex-encoded when they hold a space,
//!   quote, control or non-ASCII byte; an argument over ~7.5 KB is always hex-encoded and split
//!   into `aN_len=<hex digits> aN[0]=… aN[1]=…` chunks spread over several EXECVE records of the
//!   event — measured on Linux 6.18) joined by spaces; an argument that is empty or contains whitespace or `"` is
//!   written in double quotes with `\` escapes. PROCTITLE is not used: besides being cut at 128
//!   bytes, on an execve it holds the argv from before the exec (measured: the child `timeout`
//!   forks for `dnsrecon` logs `proctitle=timeout 60 dnsrecon …`). An exec event without EXECVE
//!   is therefore rejected as incomplete.
//! - `AccountName`: the login user (`auid`, which sudo and su keep): the ENRICHED `AUID` name,
//!   else the number; when unset (4294967295, daemons) the `UID` name, else the uid number.
//! - `DeviceName`: `node=`, else [`ReadOptions::server`], else empty.
//! - `InitiatingProcess*`: auditd does not log the parent's image; when an earlier execve in the
//!   same input was made by the parent pid, its image and command line are used (a bounded map
//!   of the last [`MAX_PIDS`] pids; pids can be reused, so this is a best effort, marked
//!   `parent_source=earlier-execve`).
//!
//! Counted, not emitted: events that are not an exec (logins, config changes, other syscalls)
//! and failed execs (`success=no`: no process started) — see [`AuditdReader::skipped`].
//! Rejected: lines that are not audit records; events whose records cannot be decoded; exec
//! events missing records when they are closed ("incomplete event at end of input" when the
//! input ends first, "incomplete event evicted" when too many later events opened meanwhile).

mod pending;
pub mod record;

use crate::{process_slot, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::Event;
use pending::Pending;
use std::collections::{HashMap, VecDeque};
use std::io;

pub use pending::push_quoted;

/// Events kept open at once.
pub const MAX_OPEN: usize = 32;
const END: &str = "incomplete event at end of input";

/// Pids remembered for parent lookups.
pub const MAX_PIDS: usize = 4096;

pub static SPEC: FormatSpec = FormatSpec {
    name: "auditd",
    description: "Linux audit log (audit.log, ausearch --raw; RAW or ENRICHED): execve events as process creations",
    sniff,
    open,
};

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(AuditdReader::new(source, opts)))
}

/// Scores the first lines: audit records start with `type=` or `node=… type=` and carry
/// `msg=audit(`.
fn sniff(head: &[u8]) -> u8 {
    let mut good = 0;
    for line in head.split(|&b| b == b'\n').filter(|l| !l.is_empty()).take(5) {
        let l = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        let rest = match l.strip_prefix(b"node=") {
            Some(r) => match memchr::memchr(b' ', r) {
                Some(i) => &r[i + 1..],
                None => return if good > 0 { 95 } else { 0 },
            },
            None => l,
        };
        if rest.starts_with(b"type=") && memchr::memmem::find(rest, b" msg=audit(").is_some() {
            good += 1;
        } else if good == 0 {
            return 0;
        } else {
            break; // a cut last line
        }
    }
    if good > 0 {
        95
    } else {
        0
    }
}

/// The last exec of a pid, kept in a ring of reused slots.
#[derive(Default)]
struct Parent {
    pid: u64,
    file_name: String,
    folder_path: String,
    command_line: String,
}

/// Reads process-creation events from a raw audit log.
pub struct AuditdReader {
    lines: LineReader,
    line: String,
    server: Option<String>,
    open: VecDeque<Pending>,
    free: Vec<Pending>,
    /// pid → slot in `ring`; the ring's oldest slot is reused when it is full.
    parents: HashMap<u64, usize>,
    ring: Vec<Parent>,
    ring_next: usize,
    skipped: u64,
    eof: bool,
}

impl AuditdReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        AuditdReader {
            lines: LineReader::new(source, opts),
            line: String::new(),
            server: opts.server.clone(),
            open: VecDeque::with_capacity(MAX_OPEN + 1),
            free: Vec::new(),
            parents: HashMap::new(),
            ring: Vec::new(),
            ring_next: 0,
            skipped: 0,
            eof: false,
        }
    }

    /// Events read whole but not process creations: other record types, other syscalls,
    /// failed execs.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// Adds one line; returns a closed event, if the line closed one.
    fn feed(&mut self, rejects: &mut Rejects) -> io::Result<Option<(Pending, &'static str)>> {
        match self.lines.next_line(rejects)? {
            Some(l) => {
                self.line.clear();
                self.line.push_str(l);
            }
            None => {
                self.eof = true;
                return Ok(None);
            }
        }
        let (line, line_no) = (self.line.as_str(), self.lines.line_no());
        if line.trim().is_empty() {
            return Ok(None);
        }
        let h = match record::parse_header(line) {
            Ok(h) => h,
            Err(e) => {
                rejects.push(&self.lines.source, line_no, e);
                return Ok(None);
            }
        };
        // Records mostly belong to the newest open event: search from the back.
        if let Some(i) = self.open.iter().rposition(|p| p.is(&h)) {
            self.open[i].apply(&h, line_no);
            if self.open[i].has_eoe {
                return Ok(self.open.remove(i).map(|p| (p, "")));
            }
            return Ok(None);
        }
        let mut p = self.free.pop().unwrap_or_default();
        p.reset(&h, line_no);
        p.apply(&h, line_no);
        if p.has_eoe {
            return Ok(Some((p, "")));
        }
        self.open.push_back(p);
        if self.open.len() > MAX_OPEN {
            return Ok(self.open.pop_front().map(|p| (p, "incomplete event evicted (too many events open)")));
        }
        Ok(None)
    }

    /// Turns a closed event into `out`; false if it is skipped or rejected.
    fn finish(&mut self, p: Pending, why_cut: &'static str, out: &mut Event, rejects: &mut Rejects) -> bool {
        let emitted = self.finish_inner(&p, why_cut, out, rejects);
        self.free.push(p);
        emitted
    }

    fn finish_inner(&mut self, p: &Pending, why_cut: &'static str, out: &mut Event, rejects: &mut Rejects) -> bool {
        let src = &self.lines.source;
        if let Some((line, e)) = &p.error {
            rejects.push(src, *line, e.clone());
            return false;
        }
        if !p.is_exec() || p.success == "no" {
            self.skipped += 1;
            return false;
        }
        if let Err(what) = p.completeness() {
            let reason = if !why_cut.is_empty() { why_cut } else { "incomplete event" };
            rejects.push(
                src,
                p.first_line,
                RecordError::Malformed { what: "audit event", detail: format!("{reason}: {what}") },
            );
            return false;
        }
        let ev = process_slot(out);
        ev.source_format = SPEC.name;
        p.fill(ev, self.server.as_deref());
        if let Some(parent) = p.ppid.and_then(|pp| self.parents.get(&pp)).map(|&i| &self.ring[i]) {
            ev.parent_file_name.push_str(&parent.file_name);
            ev.parent_folder_path.push_str(&parent.folder_path);
            ev.parent_command_line.push_str(&parent.command_line);
            ev.extra.push("parent_source", "earlier-execve");
        }
        if let Some(pid) = p.pid {
            self.remember(pid, ev);
        }
        true
    }

    fn remember(&mut self, pid: u64, ev: &event::ProcessEvent) {
        let slot = match self.parents.get(&pid) {
            Some(&i) => i,
            None if self.ring.len() < MAX_PIDS => {
                self.ring.push(Parent::default());
                self.ring.len() - 1
            }
            None => {
                let i = self.ring_next;
                self.ring_next = (i + 1) % MAX_PIDS;
                self.parents.remove(&self.ring[i].pid);
                i
            }
        };
        self.parents.insert(pid, slot);
        let e = &mut self.ring[slot];
        e.pid = pid;
        for (dst, src) in [
            (&mut e.file_name, &ev.file_name),
            (&mut e.folder_path, &ev.folder_path),
            (&mut e.command_line, &ev.command_line),
        ] {
            dst.clear();
            dst.push_str(src);
        }
    }
}

impl EventReader for AuditdReader {
    fn ignored(&self) -> u64 {
        self.skipped()
    }

    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        while !self.eof {
            if let Some((p, why)) = self.feed(rejects)? {
                if self.finish(p, why, out, rejects) {
                    return Ok(true);
                }
            }
        }
        while let Some(p) = self.open.pop_front() {
            if self.finish(p, END, out, rejects) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
