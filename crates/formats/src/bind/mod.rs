//! `bind`: BIND 9 logs — the `queries` category (`client @0x… ADDR#PORT (QNAME): [view V: ]query:
//! QNAME CLASS TYPE FLAGS (SERVER)`) and the `xfer-out` / `security` zone-transfer lines
//! (`transfer of 'Z/IN': AXFR started|ended: …`, `zone transfer 'Z/AXFR/IN' denied`, `bad zone
//! transfer request: 'Z/IN': … (NOTAUTH)`), as BIND 9.9–9.21 write them and as Infoblox NIOS
//! forwards them in syslog. Checked against a real BIND 9.18 and rsyslog in `tests/real_bind.rs`.
//!
//! Quirks handled:
//! - Prefixes: BIND `print-time` (`27-Nov-2026 13:14:15.123`, or ISO 8601), `print-category`,
//!   `print-severity`, each optional; or a syslog header: RFC 3164 (`Nov 27 13:14:15 host
//!   named[123]: …`), RFC 5424 (also rsyslog's, with its extra space), or rsyslog's RFC 3339
//!   stamp. The syslog host becomes `server`; else `ReadOptions.server`; else empty.
//! - Times without a zone (print-time, RFC 3164) are local to the server: `ReadOptions.timezone`
//!   (UTC by default, a fixed offset, or an IANA name with its DST rules) converts them. RFC 3164
//!   has no year: the year of the file's modification time (stdin: now) is used, minus one when
//!   that would put the line more than a day after it (December lines read in January).
//! - The client prefix: with or without `@0x…` (9.11+), `(QNAME)` (9.10+), `/key NAME` (TSIG),
//!   `view NAME:`; IPv4 and IPv6 `ADDR#PORT`; `(no-peer)` clients are skipped.
//! - The server address in parentheses: `addr`, or `addr#port` in the 9.21 development series.
//! - The `responses` category (9.21 development series): `response: NAME CLASS TYPE RCODE AN NS
//!   AR FLAGS (SERVER)` → `DnsKind::Response` with rcode and answer count (the query has its own
//!   line, so it is still counted once).
//! - Flags: `+`/`-` recursion desired, `S` signed, `E(n)` EDNS, `T` TCP (→ transport), `D` DO,
//!   `C` CD, `V`/`K` cookies; kept verbatim in the `Flags` extra.
//! - Transfers are `DnsKind::Transfer`: `started` → Started, `ended` → Completed with records and
//!   bytes, `IXFR poll up to date` → Completed, `denied` → Denied (REFUSED), `bad zone transfer
//!   request` → Failed with the rcode BIND names (NOTAUTH is a failure of the request, not an ACL
//!   refusal; `attempted AXFR over UDP (FORMERR)` names no zone, so the prefix's QNAME is used),
//!   other non-debug `transfer of` errors → Failed (`Reason` extra). `AXFR-style IXFR` is an IXFR
//!   request. The query line of the same transfer is its own `Query` event (the seed counts it).
//!
//! What is not an event: lines of other categories, other client messages (`query (cache) …
//! denied`: the query itself is in the queries category, so counting it would count it twice),
//! informational transfer notes (`falling back to AXFR`), timestamped BIND lines about anything
//! else, syslog lines of other programs. They are counted in [`BindReader::skipped`]. Rejected
//! (counted, reported): a line that is not a BIND log line at all (no time stamp, no category, not
//! a client message), a client line without any time, a bad time stamp, and any client line whose
//! prefix or query/transfer part is malformed or truncated.

mod fast;
mod header;
mod message;

use crate::localtime::LocalZone;
use crate::{dns_slot, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{DnsEvent, Event, Timestamp};
use header::TimeCtx;
use message::Outcome;
use std::io;

pub static SPEC: FormatSpec = FormatSpec {
    name: "bind",
    description: "BIND 9 query log and zone-transfer (xfer-out/security) lines, plain or in syslog (Infoblox NIOS)",
    sniff,
    open,
};

/// Categories whose client lines can be events.
const CATEGORIES: [&str; 6] = ["queries", "responses", "xfer-out", "security", "client", "query-errors"];

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    let zone = LocalZone::parse(opts.timezone.as_deref())
        .map_err(|detail| InputError::Open { name: source.name.to_string(), detail })?;
    let modified = source.path.as_ref().and_then(|p| std::fs::metadata(p).ok()).and_then(|m| m.modified().ok());
    let reference = modified.unwrap_or_else(std::time::SystemTime::now);
    let reference = match reference.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => Timestamp(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)),
        Err(_) => Timestamp(0),
    };
    Ok(Box::new(BindReader::new(source, opts, zone, reference)))
}

/// Reads BIND log lines; see the module documentation.
pub struct BindReader {
    lines: LineReader,
    server: String,
    time: TimeCtx,
    servers: fast::Servers,
    skipped: u64,
}

impl BindReader {
    /// `reference` is the instant RFC 3164 years are inferred from.
    pub fn new(source: Source, opts: &ReadOptions, zone: LocalZone, reference: Timestamp) -> Self {
        BindReader {
            lines: LineReader::new(source, opts),
            server: opts.server.clone().unwrap_or_default(),
            time: TimeCtx { zone, reference, days: event::DayCache::default(), second: None },
            servers: fast::Servers::default(),
            skipped: 0,
        }
    }

    /// Lines that were valid log lines but not DNS events (other categories, other messages).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// What one line turned out to be.
enum Step {
    Event,
    Skip,
    Reject(RecordError),
}

/// Parses one non-blank line into `out`.
fn step(line: &str, time: &mut TimeCtx, servers: &mut fast::Servers, server: &str, out: &mut Event) -> Step {
    let h = match header::parse(line, time) {
        Ok(h) => h,
        Err(e) => return Step::Reject(e),
    };
    let client = h.msg.starts_with("client ");
    let Some(t) = h.time else {
        return if client {
            Step::Reject(RecordError::MissingField("timestamp"))
        } else if h.category.is_some() || h.syslog {
            Step::Skip
        } else {
            Step::Reject(RecordError::Unrecognised(RecordError::quote(line)))
        };
    };
    if !client || h.category.is_some_and(|c| !CATEGORIES.contains(&c)) {
        return Step::Skip;
    }
    if let Some(q) = fast::query_with(h.msg, servers) {
        if !matches!(out, Event::Dns(_)) {
            *out = Event::Dns(DnsEvent::default());
        }
        if let Event::Dns(ev) = out {
            q.write(ev, t, h.host.unwrap_or(server), SPEC.name);
            return Step::Event;
        }
    }
    let debug = h.severity.is_some_and(|s| s.starts_with("debug"));
    let ev = dns_slot(out);
    match message::parse_client(h.msg, debug, ev) {
        Ok(Outcome::Event) => {
            ev.time = t;
            ev.server.push_str(h.host.unwrap_or(server));
            ev.source_format = SPEC.name;
            Step::Event
        }
        Ok(Outcome::Skip) => Step::Skip,
        Err(e) => Step::Reject(e),
    }
}

impl EventReader for BindReader {
    fn ignored(&self) -> u64 {
        self.skipped()
    }

    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            let Some(line) = self.lines.next_line(rejects)? else { return Ok(false) };
            if line.trim_ascii().is_empty() {
                continue;
            }
            match step(line, &mut self.time, &mut self.servers, &self.server, out) {
                Step::Event => return Ok(true),
                Step::Skip => self.skipped += 1,
                Step::Reject(e) => rejects.push(&self.lines.source, self.lines.line_no(), e),
            }
        }
    }
}

/// Confidence from the first lines: BIND client query/transfer lines are unmistakable; BIND's
/// print-time stamp or a `named[pid]:` syslog tag alone are good hints.
fn sniff(head: &[u8]) -> u8 {
    let text = String::from_utf8_lossy(&head[..head.len().min(16 * 1024)]);
    let mut score = 0;
    for line in text.lines().take(200) {
        let client = line.contains("client ");
        if client && (line.contains(": query: ") || line.contains("transfer of '") || line.contains("zone transfer '"))
        {
            return 95;
        }
        let b = line.as_bytes();
        let print_time = b.len() > 24
            && b[2] == b'-'
            && b[6] == b'-'
            && b[11] == b' '
            && b[..2].iter().all(u8::is_ascii_digit)
            && event::month_from_name(&line[3..6]).is_some();
        if print_time {
            score = score.max(60);
        }
        if line.contains(" named[") {
            score = score.max(50);
        }
    }
    score
}
