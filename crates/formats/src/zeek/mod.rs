//! `zeek-dns`: Zeek's `dns.log`, in its ASCII (TSV) form and its JSON form, even mixed in one
//! stream (several logs concatenated).
//!
//! TSV: the layout comes from the header block — `#separator \x09` (escaped), then, split by that
//! separator, `#set_separator`, `#empty_field` (`(empty)`), `#unset_field` (`-`), `#path`,
//! `#open`, `#fields`, `#types`; `#close` ends a block. Each new block (a new `#separator` or
//! `#fields` line) replaces the layout, so older logs lacking columns (`rtt`, `rcode_name`,
//! `qclass_name`, ...) and logs with extra columns (`_node_name`, extension fields) both read
//! fine. Values are `\xHH`-escaped by Zeek (separators, control and non-ASCII bytes); they are
//! unescaped, except a query name whose unescaped bytes are not UTF-8 keeps Zeek's escaped text.
//! `(empty)` (the `#empty_field`) is an empty string or container; `-` (`#unset_field`) is unset.
//! A block whose `#fields` lack `query` is another log (conn.log, ...): its rows are ignored, not
//! rejected. Rows before any header are read with the default dns.log layout of Zeek 4+.
//!
//! JSON (`LogAscii::use_json`): one object per line with the same names as keys (`id.orig_h`,
//! flat, or nested `id: {orig_h}` as some shippers write it); `ts` is epoch seconds as a number or
//! an ISO 8601 string (`json_timestamps`); `answers` is an array.
//!
//! Zeek writes ONE record per query/response pair, so each record is ONE `DnsKind::Query` event
//! carrying `rcode` and the number of `answers` (unset when no response was seen, 0 for
//! `(empty)`). The type comes from `qtype` (a number) when set, else `qtype_name` (Zeek writes ANY
//! as `*`); the rcode likewise from `rcode`, else `rcode_name`. `id.orig_h`/`id.orig_p` are the
//! client, `id.resp_h` is `server_ip`, `proto` the transport. `Computer` is
//! `ReadOptions::server`, else the sensor name from the first present of the extension fields
//! `_node_name`, `_system_name`, `_node`, `hostname`, else empty. `uid`, `answers`, `rejected`
//! and any non-standard column are kept in `extra` under their Zeek names; `id.resp_p`,
//! `trans_id`, `rtt`, `qclass_name`, the flags `AA` `TC` `RD` `RA` `Z` and `TTLs` are dropped
//! (no rule use; keeping them costs two allocations each and halves throughput).

mod tsv;

use crate::dnsutil;
use crate::ipaddr::parse_ip_inline;
use crate::jsonwalk::{first_line, has, has_key, push_extra, walk, Val};
use crate::{dns_slot, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{parse_time, DnsEvent, DnsKind, Event, QType, Rcode, Timestamp};
use std::io;
use tsv::{tsv_row, Seconds};

pub static SPEC: FormatSpec =
    FormatSpec { name: "zeek-dns", description: "Zeek dns.log, TSV (with its # header) or JSON", sniff, open };

/// The dns.log columns of Zeek 4 and later, for rows seen before any header.
const DEFAULT_FIELDS: &[&str] = &[
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "trans_id",
    "rtt",
    "query",
    "qclass",
    "qclass_name",
    "qtype",
    "qtype_name",
    "rcode",
    "rcode_name",
    "AA",
    "TC",
    "RD",
    "RA",
    "Z",
    "answers",
    "TTLs",
    "rejected",
];

fn sniff(head: &[u8]) -> u8 {
    let line = first_line(head);
    if line.starts_with(b"#separator") {
        let dns = has(head, b"#path\tdns") || (has(head, b"\tquery\t") && has(head, b"\tqtype"));
        return if dns { 95 } else { 0 };
    }
    if line.starts_with(b"{") && has_key(line, "id.orig_h") && has_key(line, "query") && has_key(line, "ts") {
        return 90;
    }
    0
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(ZeekReader {
        lines: LineReader::new(source, opts),
        server: opts.server.clone(),
        hdr: Header::default(),
        scratch: String::new(),
        seps: Vec::new(),
        seconds: Seconds::default(),
        path: String::new(),
        ignored: 0,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Col {
    Ts,
    OrigH,
    OrigP,
    RespH,
    Proto,
    Query,
    Qclass,
    Qtype,
    QtypeName,
    Rcode,
    RcodeName,
    Answers,
    /// A sensor-name extension field; lower is preferred.
    Node(u8),
    /// Kept in `extra`.
    Other,
    /// Neither mapped nor kept: protocol details with no rule use, dropped on the hot path.
    Skip,
}

fn col_of(name: &str) -> Col {
    match name {
        "ts" => Col::Ts,
        "id.orig_h" => Col::OrigH,
        "id.orig_p" => Col::OrigP,
        "id.resp_h" => Col::RespH,
        "proto" => Col::Proto,
        "query" => Col::Query,
        "qclass" => Col::Qclass,
        "qtype" => Col::Qtype,
        "qtype_name" => Col::QtypeName,
        "rcode" => Col::Rcode,
        "rcode_name" => Col::RcodeName,
        "answers" => Col::Answers,
        "_node_name" => Col::Node(0),
        "_system_name" => Col::Node(1),
        "_node" => Col::Node(2),
        "hostname" => Col::Node(3),
        "id.resp_p" | "trans_id" | "rtt" | "qclass_name" | "AA" | "TC" | "RD" | "RA" | "Z" | "TTLs" => Col::Skip,
        _ => Col::Other,
    }
}

struct Header {
    sep: String,
    set_sep: String,
    empty: String,
    unset: String,
    cols: Vec<(Col, Box<str>)>,
    /// The columns that are not [`Col::Skip`] (index and kind), in order: the only ones a row reads.
    used: Vec<(usize, Col)>,
    /// The block is a dns.log (its fields include `query`).
    is_dns: bool,
    /// The columns are [`DEFAULT_FIELDS`]: rows are read at fixed places.
    standard: bool,
}

impl Default for Header {
    fn default() -> Self {
        let mut h = Header {
            sep: "\t".into(),
            set_sep: ",".into(),
            empty: "(empty)".into(),
            unset: "-".into(),
            cols: Vec::new(),
            used: Vec::new(),
            is_dns: true,
            standard: false,
        };
        h.set_fields(DEFAULT_FIELDS.iter().copied());
        h
    }
}

impl Header {
    fn set_fields<'a>(&mut self, names: impl Iterator<Item = &'a str>) {
        self.cols = names.map(|n| (col_of(n), n.into())).collect();
        self.used =
            self.cols.iter().enumerate().filter(|(_, (c, _))| *c != Col::Skip).map(|(i, (c, _))| (i, *c)).collect();
        self.is_dns = self.cols.iter().any(|(c, _)| *c == Col::Query);
        self.standard = self.cols.iter().map(|(_, n)| &**n).eq(DEFAULT_FIELDS.iter().copied());
    }

    /// Applies one `#` line. Returns an error for a malformed one.
    fn apply(&mut self, line: &str) -> Result<(), RecordError> {
        if let Some(v) = line.strip_prefix("#separator") {
            let v = v.trim_start_matches(' ');
            let mut sep = String::new();
            if !unescape(v, &mut sep) || sep.is_empty() {
                return Err(RecordError::Malformed { what: "#separator", detail: RecordError::quote(v) });
            }
            *self = Header { sep, ..Header::default() };
            return Ok(());
        }
        let (key, value) = match line.split_once(self.sep.as_str()) {
            Some((k, v)) => (k, v),
            None => (line, ""),
        };
        match key {
            "#set_separator" => self.set_sep = value.to_string(),
            "#empty_field" => self.empty = value.to_string(),
            "#unset_field" => self.unset = value.to_string(),
            "#fields" => {
                let sep = std::mem::take(&mut self.sep);
                self.set_fields(value.split(sep.as_str()));
                self.sep = sep;
            }
            _ => {} // #path, #open, #types, #close, comments
        }
        Ok(())
    }
}

/// Undoes Zeek's `\xHH` escapes (and `\\`) into `out`. Returns false if the result is not UTF-8
/// (then `out` holds the input unchanged).
fn unescape(s: &str, out: &mut String) -> bool {
    out.clear();
    if memchr::memchr(b'\\', s.as_bytes()).is_none() {
        out.push_str(s);
        return true;
    }
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
            if let (Some(h), Some(l)) = (hex(b[i + 2]), hex(b[i + 3])) {
                bytes.push((h * 16 + l) as u8);
                i += 4;
                continue;
            }
        }
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'\\') {
            bytes.push(b'\\');
            i += 2;
            continue;
        }
        bytes.push(b[i]);
        i += 1;
    }
    match String::from_utf8(bytes) {
        Ok(u) => {
            *out = u;
            true
        }
        Err(_) => {
            out.push_str(s);
            false
        }
    }
}

pub struct ZeekReader {
    lines: LineReader,
    server: Option<String>,
    hdr: Header,
    scratch: String,
    /// Separator offsets of the current row (the first ones: a buffer that only grows).
    seps: Vec<usize>,
    seconds: Seconds,
    path: String,
    ignored: u64,
}

impl EventReader for ZeekReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        let ZeekReader { lines, server, hdr, scratch, seps, seconds, path, ignored } = self;
        loop {
            let Some(line) = lines.next_line(rejects)? else { return Ok(false) };
            let res = if blank(line) {
                continue;
            } else if line.starts_with('#') {
                hdr.apply(line).map(|()| false)
            } else if line.starts_with('{') {
                match json_row(line, path, scratch, out) {
                    Ok(false) => {
                        *ignored += 1;
                        continue;
                    }
                    r => r,
                }
            } else if !hdr.is_dns {
                *ignored += 1;
                continue;
            } else {
                tsv_row(line, hdr, seps, seconds, scratch, out).map(|()| true)
            };
            match res {
                Ok(true) => {
                    if let (Some(s), Event::Dns(d)) = (server.as_deref(), &mut *out) {
                        d.server.clear();
                        d.server.push_str(s);
                    }
                    return Ok(true);
                }
                Ok(false) => {}
                Err(e) => {
                    let n = lines.line_no();
                    rejects.push(&lines.source, n, e);
                }
            }
        }
    }
    fn ignored(&self) -> u64 {
        self.ignored
    }
}

/// Per-record state for the columns that depend on each other.
#[derive(Default)]
struct State {
    saw_ts: bool,
    qtype_name: Option<Result<QType, RecordError>>,
    rcode_name: Option<Result<Rcode, RecordError>>,
    node: Option<u8>,
}

impl State {
    fn finish(self, d: &mut DnsEvent) -> Result<(), RecordError> {
        if !self.saw_ts {
            return Err(RecordError::MissingField("ts"));
        }
        if d.qtype.is_none() {
            d.qtype = self.qtype_name.transpose()?;
        }
        if d.rcode.is_none() {
            d.rcode = self.rcode_name.transpose()?;
        }
        Ok(())
    }
}

fn bad(field: &'static str, v: &str) -> RecordError {
    RecordError::BadValue { field, value: RecordError::quote(v) }
}

/// Zeek names codes it has no mnemonic for `query-65280`, `unassigned-11`: the number.
fn numbered(v: &str) -> &str {
    match v.rsplit_once('-') {
        Some((_, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => v,
    }
}

/// `v.parse::<u16>().ok()`, with 1 to 5 plain digits (ports, classes) read without the generic
/// parser.
fn parse_u16(v: &str) -> Option<u16> {
    tsv::digits_u16(v.as_bytes()).or_else(|| v.parse().ok())
}

/// Sets one column from its (unescaped) text.
#[inline]
fn apply(d: &mut DnsEvent, st: &mut State, col: Col, v: &str) -> Result<(), RecordError> {
    match col {
        Col::Ts => {
            d.time = Timestamp::from_epoch_str(v)
                .or_else(|| parse_time(v))
                .ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(v)))?;
            st.saw_ts = true;
        }
        Col::OrigH => d.client_ip = Some(parse_ip_inline(v).ok_or_else(|| RecordError::BadIp(RecordError::quote(v)))?),
        Col::RespH => d.server_ip = Some(parse_ip_inline(v).ok_or_else(|| RecordError::BadIp(RecordError::quote(v)))?),
        Col::OrigP => d.client_port = Some(parse_u16(v).ok_or_else(|| bad("id.orig_p", v))?),
        Col::Proto => d.transport = dnsutil::transport(v),
        Col::Query => d.set_name(v),
        Col::Qclass => d.qclass = Some(parse_u16(v).ok_or_else(|| bad("qclass", v))?),
        Col::Qtype => d.qtype = Some(dnsutil::qtype("qtype", v)?),
        // Only a fallback for an unset `qtype`: not parsed when `qtype` came first (the usual order).
        Col::QtypeName if d.qtype.is_none() => st.qtype_name = Some(dnsutil::qtype("qtype_name", numbered(v))),
        Col::RcodeName if d.rcode.is_none() => st.rcode_name = Some(dnsutil::rcode("rcode_name", numbered(v))),
        Col::QtypeName | Col::RcodeName => {}
        Col::Rcode => d.rcode = Some(dnsutil::rcode("rcode", v)?),
        Col::Node(p) => {
            if st.node.is_none_or(|q| p < q) {
                st.node = Some(p);
                d.server.clear();
                d.server.push_str(v);
            }
        }
        Col::Answers | Col::Other | Col::Skip => {}
    }
    Ok(())
}

/// `line.trim().is_empty()`, answered from the first byte when it is visible ASCII (a row).
fn blank(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => line.trim().is_empty(),
    }
}

/// One JSON record; `Ok(false)` if it is another Zeek log's record (no DNS column at all).
fn json_row(line: &str, path: &mut String, scratch: &mut String, out: &mut Event) -> Result<bool, RecordError> {
    let d = dns_slot(out);
    d.source_format = SPEC.name;
    d.kind = DnsKind::Query;
    let mut st = State::default();
    let mut err = None;
    let mut saw_dns = false;
    walk(line, path, &mut |p: &str, v: Val<'_>| {
        let col = col_of(p);
        saw_dns |= matches!(col, Col::Query | Col::Qtype | Col::QtypeName | Col::Rcode | Col::RcodeName | Col::Answers)
            || p == "trans_id";
        match (col, &v) {
            (_, Val::Null) | (Col::Skip, _) => {}
            (Col::Answers, Val::Len(n)) => d.answer_count = Some(u32::try_from(*n).unwrap_or(u32::MAX)),
            (Col::Answers | Col::Other, _) => push_extra(&mut d.extra, p, &v),
            (_, Val::Len(_)) => {}
            (col, _) => {
                let text = match &v {
                    Val::Str(s) => s.as_ref(),
                    _ => {
                        scratch.clear();
                        v.write_text(scratch);
                        scratch.as_str()
                    }
                };
                if let Err(e) = apply(d, &mut st, col, text) {
                    err.get_or_insert(e);
                }
            }
        }
    })?;
    if let Some(e) = err {
        return Err(e);
    }
    if !saw_dns {
        return Ok(false);
    }
    st.finish(d).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_u16_is_str_parse() {
        let odd = ["", "+", "+1", "-1", "-0", " 1", "1 ", "00000", "000001", "65535", "65536", "99999", "100000"];
        let all = (0..=120_000u32).map(|n| n.to_string()).chain((0..=999u32).map(|n| format!("{n:05}")));
        for v in all.chain(odd.iter().map(|s| s.to_string())).chain(["1a".into(), "a1".into(), "١".into()]) {
            assert_eq!(parse_u16(&v), v.parse::<u16>().ok(), "{v:?}");
        }
    }
}
