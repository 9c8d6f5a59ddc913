//! `coredns`: query lines of CoreDNS's `log` plugin in its default ("common") format,
//!
//! ```text
//! [INFO] 198.51.100.7:53124 - 4711 "A IN www.example.com. udp 41 false 512" NOERROR qr,rd,ra 61 0.000123s
//! ```
//!
//! i.e. `{remote}:{port} - {>id} "{type} {class} {name} {proto} {size} {>do} {>bufsize}" {rcode}
//! {>rflags} {rsize} {duration}`, and the "combined" format, which appends `"{>opcode}"`.
//! One line is one query with the rcode it got: one `DnsKind::Query` event.
//!
//! Quirks: the line may start with a timestamp, RFC 3339 — written by CoreDNS 1.4-era builds
//! (milliseconds), or by `kubectl logs --timestamps` / `docker logs -t` (nanoseconds). Current
//! CoreDNS writes none: such events get time 0 (1970-01-01T00:00:00Z) and `extra` `time=missing`;
//! collect with `--timestamps` for windowed rules. IPv6 remotes are bracketed
//! (`[2001:db8::1]:53`). Other CoreDNS messages (`[INFO] plugin/reload: ...`, `[WARNING] ...`,
//! the start-up banner: `.:53`, `CoreDNS-1.11.1`, `linux/amd64, go1.20.7`) are ignored,
//! not rejected; lines with no `[LEVEL]` tag and
//! query lines that do not parse are rejected. `Computer` is `ReadOptions::server`, else empty.
//! Kept in `extra`: `id`, `size`, `do`, `bufsize`, `rflags`, `rsize`, `duration`, `opcode`.

use crate::dnsutil;
use crate::jsonwalk::first_line;
use crate::{dns_slot, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{parse_ip, DnsKind, Event, Timestamp};
use std::io;

pub static SPEC: FormatSpec =
    FormatSpec { name: "coredns", description: "CoreDNS log plugin query lines (common/combined format)", sniff, open };

fn sniff(head: &[u8]) -> u8 {
    let text = String::from_utf8_lossy(&head[..head.len().min(16 * 1024)]);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).take(20).peekable();
    if lines.peek().is_none() || first_line(head).starts_with(b"{") {
        return 0;
    }
    let mut queries = 0;
    for l in lines {
        match split_level(l) {
            Some((_, msg)) if parse_query(msg).is_ok() => queries += 1,
            Some(_) => {}
            None if is_banner(l) => {}
            None => return 0,
        }
    }
    if queries > 0 {
        85
    } else {
        0
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(CorednsReader { lines: LineReader::new(source, opts), server: opts.server.clone(), ignored: 0 }))
}

pub struct CorednsReader {
    lines: LineReader,
    server: Option<String>,
    ignored: u64,
}

impl EventReader for CorednsReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            let Some(line) = self.lines.next_line(rejects)? else { return Ok(false) };
            if line.trim().is_empty() {
                continue;
            }
            let res = match split_level(line) {
                None if is_banner(line) => {
                    self.ignored += 1;
                    continue;
                }
                None => Err(RecordError::Unrecognised(RecordError::quote(line))),
                Some((ts, msg)) if looks_like_query(msg) => fill(out, ts, msg, self.server.as_deref()),
                Some(_) => {
                    self.ignored += 1;
                    continue;
                }
            };
            match res {
                Ok(()) => return Ok(true),
                Err(e) => {
                    let n = self.lines.line_no();
                    rejects.push(&self.lines.source, n, e);
                }
            }
        }
    }
    fn ignored(&self) -> u64 {
        self.ignored
    }
}

/// Splits `[ts] [LEVEL] message`: the optional timestamp text and the message after the tag.
fn split_level(line: &str) -> Option<(Option<&str>, &str)> {
    let line = line.trim_start();
    let (ts, rest) = match line.split_once(' ') {
        Some((first, rest)) if !first.starts_with('[') => (Some(first), rest.trim_start()),
        _ => (None, line),
    };
    let rest = rest.strip_prefix('[')?;
    let (level, msg) = rest.split_once(']')?;
    if level.is_empty() || !level.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    Some((ts, msg.strip_prefix(' ').unwrap_or(msg)))
}

/// CoreDNS's start-up banner, printed without a level tag: the server blocks (`.:53`,
/// `example.org.:53`), `CoreDNS-1.11.1`, `linux/amd64, go1.20.7, ae2bbc2`.
fn is_banner(line: &str) -> bool {
    let line = line.trim();
    let msg = match line.split_once(' ') {
        Some((ts, rest)) if Timestamp::parse_rfc3339(ts).is_some() => rest.trim_start(),
        _ => line,
    };
    let server_block = !msg.contains(' ')
        && msg
            .rsplit_once(':')
            .is_some_and(|(z, p)| !z.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    server_block || msg.starts_with("CoreDNS-") || msg.contains(", go1.")
}

/// A query line has `addr:port - ` first; CoreDNS's own messages do not.
fn looks_like_query(msg: &str) -> bool {
    let mut it = msg.split(' ');
    matches!((it.next(), it.next()), (Some(a), Some("-")) if a.contains(':'))
}

struct Query<'a> {
    remote: &'a str,
    port: &'a str,
    id: &'a str,
    inner: [&'a str; 7],
    rcode: &'a str,
    rflags: &'a str,
    rsize: &'a str,
    duration: &'a str,
    opcode: Option<&'a str>,
}

fn parse_query(msg: &str) -> Result<Query<'_>, RecordError> {
    let bad = |what: &'static str| RecordError::Malformed { what, detail: RecordError::quote(msg) };
    let (addr, rest) = msg.split_once(" - ").ok_or_else(|| bad("CoreDNS query line"))?;
    let (remote, port) = addr.rsplit_once(':').ok_or_else(|| bad("remote address"))?;
    let (id, rest) = rest.split_once(' ').ok_or(RecordError::Truncated("after the query id"))?;
    let rest = rest.strip_prefix('"').ok_or_else(|| bad("quoted question"))?;
    let (quoted, rest) = rest.split_once('"').ok_or(RecordError::Truncated("unterminated quoted question"))?;
    let mut inner = [""; 7];
    let mut words = quoted.split(' ');
    for slot in &mut inner {
        *slot = words.next().ok_or(RecordError::Truncated("question has fewer than 7 fields"))?;
    }
    if words.next().is_some() {
        return Err(bad("question (more than 7 fields)"));
    }
    let mut tail = rest.split_ascii_whitespace();
    let mut next = |what: &'static str| tail.next().ok_or(RecordError::Truncated(what));
    let (rcode, rflags, rsize, duration) = (next("rcode")?, next("rflags")?, next("rsize")?, next("duration")?);
    let opcode = tail.next().map(|o| o.trim_matches('"'));
    if tail.next().is_some() {
        return Err(bad("CoreDNS query line (trailing fields)"));
    }
    Ok(Query { remote, port, id, inner, rcode, rflags, rsize, duration, opcode })
}

fn fill(out: &mut Event, ts: Option<&str>, msg: &str, server: Option<&str>) -> Result<(), RecordError> {
    let q = parse_query(msg)?;
    let d = dns_slot(out);
    d.source_format = SPEC.name;
    d.kind = DnsKind::Query;
    match ts {
        Some(t) => {
            d.time = Timestamp::parse_rfc3339(t).ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(t)))?
        }
        None => d.extra.push("time", "missing"),
    }
    d.client_ip = Some(parse_ip(q.remote).ok_or_else(|| RecordError::BadIp(RecordError::quote(q.remote)))?);
    d.client_port =
        Some(q.port.parse().map_err(|_| RecordError::BadValue { field: "port", value: RecordError::quote(q.port) })?);
    let [qtype, class, name, proto, size, dnssec_ok, bufsize] = q.inner;
    d.qtype = Some(dnsutil::qtype("type", qtype)?);
    d.qclass = Some(
        dnsutil::qclass(class)
            .ok_or_else(|| RecordError::BadValue { field: "class", value: RecordError::quote(class) })?,
    );
    d.set_name(name);
    d.transport = Some(
        dnsutil::transport(proto)
            .ok_or_else(|| RecordError::BadValue { field: "proto", value: RecordError::quote(proto) })?,
    );
    d.rcode = Some(dnsutil::rcode("rcode", q.rcode)?);
    d.server.push_str(server.unwrap_or(""));
    for (k, v) in [
        ("id", q.id),
        ("size", size),
        ("do", dnssec_ok),
        ("bufsize", bufsize),
        ("rflags", q.rflags),
        ("rsize", q.rsize),
        ("duration", q.duration),
    ] {
        d.extra.push(k, v);
    }
    if let Some(op) = q.opcode {
        d.extra.push("opcode", op);
    }
    Ok(())
}
