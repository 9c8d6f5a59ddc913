//! Windows event logs: one normalized [`WinEvent`] (provider, channel, event id, computer, time,
//! event data name → value) read from three containers, and one mapping ([`map`]) to our events.
//!
//! - [`evtx`]: binary `.evtx` files (the `evtx` crate, as Chainsaw and Hayabusa use). It needs
//!   random access, so it reopens `Source.path`; stdin or a gzip-compressed `.evtx` is an error.
//! - [`xml`]: exported XML (`wevtutil qe LOG /f:xml`, Event Viewer "Save as XML"): a stream of
//!   `<Event xmlns=...>` elements, optionally inside `<Events>`, UTF-8 or UTF-16 with a BOM.
//! - [`json`]: one JSON object per line, Winlogbeat / Elastic Agent (`winlog.*` plus ECS) or
//!   `evtx_dump -o jsonl` (`{"Event":{"System":…,"EventData":…}}`).
//!
//! Event data without names (classic sources such as the "DNS Server" log) is named `param1`,
//! `param2`, … in order, as Winlogbeat names it.

pub mod evtx;
pub mod json;
pub mod map;
mod split;
mod utf16;
pub mod xml;

use event::Timestamp;

/// Provider names the mapping recognises.
pub const SYSMON: &str = "Microsoft-Windows-Sysmon";
pub const SECURITY: &str = "Microsoft-Windows-Security-Auditing";
pub const DNS_SERVER: &str = "Microsoft-Windows-DNSServer";
pub const DNS_SERVER_SERVICE: &str = "Microsoft-Windows-DNS-Server-Service";

/// One Windows event, whatever container it came from. Buffers are reused between records.
#[derive(Debug, Clone, Default)]
pub struct WinEvent {
    pub provider: String,
    pub channel: String,
    pub event_id: u32,
    pub computer: String,
    /// `System/TimeCreated/@SystemTime` (Winlogbeat: `@timestamp`).
    pub time: Option<Timestamp>,
    pub record_id: Option<u64>,
    /// `System/Security/@UserID`, the SID the event was logged under, if any.
    pub user_sid: String,
    fields: Vec<(String, String)>,
    len: usize,
    unnamed: usize,
}

impl WinEvent {
    /// Resets every field, keeping allocations.
    pub fn clear(&mut self) {
        self.provider.clear();
        self.channel.clear();
        self.event_id = 0;
        self.computer.clear();
        self.time = None;
        self.record_id = None;
        self.user_sid.clear();
        self.len = 0;
        self.unnamed = 0;
    }

    /// A fresh (cleared) name/value slot for one event data field.
    pub fn slot(&mut self) -> (&mut String, &mut String) {
        if self.len == self.fields.len() {
            self.fields.push(Default::default());
        }
        let (n, v) = &mut self.fields[self.len];
        self.len += 1;
        n.clear();
        v.clear();
        (n, v)
    }

    /// Adds one event data field.
    pub fn push(&mut self, name: &str, value: &str) {
        let (n, v) = self.slot();
        n.push_str(name);
        v.push_str(value);
    }

    /// Adds an event data field that has no name: `param1`, `param2`, ...
    pub fn push_unnamed(&mut self, value: &str) {
        self.unnamed += 1;
        let k = self.unnamed;
        let (n, v) = self.slot();
        use std::fmt::Write;
        let _ = write!(n, "param{k}");
        v.push_str(value);
    }

    /// The names `param1`... given so far, so a slot named later can be counted as unnamed.
    pub fn next_unnamed(&mut self) -> usize {
        self.unnamed += 1;
        self.unnamed
    }

    /// The value of an event data field, by exact name.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.data().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Like [`get`](Self::get), but `None` also for empty values and Windows' `-` placeholder.
    pub fn get_set(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty() && *v != "-")
    }

    pub fn data(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields[..self.len].iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    pub fn data_len(&self) -> usize {
        self.len
    }

    /// The value of the field added last.
    pub fn last_value(&mut self) -> Option<&mut String> {
        self.fields[..self.len].last_mut().map(|(_, v)| v)
    }
}
