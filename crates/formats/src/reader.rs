//! The reader contract every format implements.

use crate::Rejects;
use event::{DnsEvent, Event, FieldSlot, ProcessEvent};
use std::io::{self, BufRead};
use std::path::PathBuf;
use std::sync::Arc;

/// Reads events from one input.
pub trait EventReader: Send {
    /// Reads the next event into `out`, reusing its allocations where the variant matches.
    /// Returns `Ok(false)` at the end of the input. A bad record is pushed to `rejects` and
    /// skipped; only an I/O failure of the input itself is an `Err`.
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool>;

    /// Records read so far that are not events by design and not errors either (Suricata EVE
    /// records of other event types, Zeek log blocks of another `#path`, CoreDNS's own messages).
    fn ignored(&self) -> u64 {
        0
    }

    /// For readers that hand out events prepared in another thread (parallel hunting): the
    /// detection rules (by the engine's index) that the event last read matches, when they were
    /// found together with it. `None`: not known here, the caller evaluates the rules itself.
    fn matched(&self) -> Option<&[u32]> {
        None
    }

    /// With [`EventReader::matched`]: the texts of the event's fields that the correlations fed
    /// by its rules read, made in the same thread, and per field slot its span in them (the
    /// engine's `FieldTexts`; no slots: none were made).
    fn matched_texts(&self) -> (&str, &[FieldSlot]) {
        ("", &[])
    }
}

/// An opened input: its display name (path, or `-` for stdin), the path where there is one, and
/// the decompressed byte stream.
pub struct Source {
    pub name: Arc<str>,
    pub path: Option<PathBuf>,
    pub reader: Box<dyn BufRead + Send>,
}

/// Settings that reach the readers, from the command line or the config file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReadOptions {
    /// Longest accepted line or record, in bytes; longer ones are rejected, never buffered whole.
    pub max_record: usize,
    /// Time zone for formats whose timestamps carry none (Windows DNS debug log): `UTC`,
    /// `+02:00`, `-0500`, or an IANA name.
    pub timezone: Option<String>,
    /// Server name for formats that do not name the server (`Computer`), e.g. a plain BIND log.
    pub server: Option<String>,
    /// Numeric date order for formats that write dates in the writer's locale (Windows DNS debug
    /// log): `Some(true)` day first (`27/11/2026`), `Some(false)` month first; `None` detects it.
    pub day_first: Option<bool>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { max_record: 1 << 20, timezone: None, server: None, day_first: None }
    }
}

/// Turns `out` into a DNS event, keeping its allocations if it already is one, and returns it
/// with every field reset.
pub fn dns_slot(out: &mut Event) -> &mut DnsEvent {
    let d = dns_slot_but_extra(out);
    d.extra.clear();
    d
}

/// [`dns_slot`] but for `extra`, left as it is (empty if `out` was not a DNS event): for readers
/// that overwrite its entries in place ([`event::Extra::put_at`]) record after record.
pub fn dns_slot_but_extra(out: &mut Event) -> &mut DnsEvent {
    if !matches!(out, Event::Dns(_)) {
        *out = Event::Dns(DnsEvent::default());
    }
    let Event::Dns(d) = out else { unreachable!() };
    d.reset_but_extra();
    d
}

/// Turns `out` into a process event, keeping its allocations if it already is one, and returns
/// it with every field reset.
pub fn process_slot(out: &mut Event) -> &mut ProcessEvent {
    if !matches!(out, Event::Process(_)) {
        *out = Event::Process(ProcessEvent::default());
    }
    let Event::Process(p) = out else { unreachable!() };
    let mut fresh = ProcessEvent::default();
    macro_rules! keep {
        ($($f:ident),*) => { $( fresh.$f = std::mem::take(&mut p.$f); fresh.$f.clear(); )* };
    }
    keep!(
        device,
        account,
        file_name,
        folder_path,
        command_line,
        parent_file_name,
        parent_command_line,
        parent_folder_path,
        extra
    );
    *p = fresh;
    p
}
