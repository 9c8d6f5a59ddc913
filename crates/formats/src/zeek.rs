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

use crate::dnsutil;
use crate::ipaddr::parse_ip_inline;
use crate::jsonwalk::{first_line, has, has_key, push_extra, walk, Val};
use crate::{
    dns_slot, dns_slot_but_extra, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects,
    Source,
};
use event::{bytes_eq, parse_time, DnsEvent, DnsKind, Event, QType, Rcode, Timestamp};
use std::io;

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

/// Counts the fields of a set value (`answers`) split by the set separator.
struct Fields;

impl Fields {
    fn count(line: &str, sep: &str) -> usize {
        match sep.as_bytes() {
            // A plain loop: set values are short, `memchr`'s set-up would cost more.
            [b] => line.bytes().filter(|c| c == b).count() + 1,
            s => memchr::memmem::find_iter(line.as_bytes(), s).count() + 1,
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
/// parser, in one pass (digit test and value together).
fn parse_u16(v: &str) -> Option<u16> {
    let b = v.as_bytes();
    if !(1..=5).contains(&b.len()) {
        return v.parse().ok();
    }
    let mut n = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return v.parse().ok();
        }
        n = n * 10 + u32::from(d);
    }
    u16::try_from(n).ok()
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

fn tsv_row(
    line: &str,
    hdr: &Header,
    seps: &mut Vec<usize>,
    seconds: &mut Seconds,
    scratch: &mut String,
    out: &mut Event,
) -> Result<(), RecordError> {
    // One pass over the line finds every separator (fields are then slices between them) and
    // whether there is any escape at all (they are rare: one look spares one per field).
    let (n, line_escaped) = separators(line.as_bytes(), &hdr.sep, seps);
    // The line's end after the last separator: field `i` ends at `seps[i]`, the last one too.
    match seps.get_mut(n) {
        Some(end) => *end = line.len(),
        None => seps.push(line.len()),
    }
    let seps = &seps[..=n];
    let got = n + 1;
    if got != hdr.cols.len() {
        return Err(RecordError::FieldCount { got, want: hdr.cols.len() });
    }
    // The extras of the last row are overwritten in place (same columns, no allocation).
    let d = dns_slot_but_extra(out);
    let mut kept = 0;
    d.source_format = SPEC.name;
    d.kind = DnsKind::Query;
    let mut st = State::default();
    let (unset, empty, sep_len) = (hdr.unset.as_bytes(), hdr.empty.as_bytes(), hdr.sep.len());
    for &(i, col) in &hdr.used {
        // `seps` holds one offset per column (checked above).
        let start = if i == 0 { 0 } else { seps[i - 1] + sep_len };
        let raw = &line[start..seps[i]];
        if bytes_eq(raw.as_bytes(), unset) {
            continue;
        }
        if bytes_eq(raw.as_bytes(), empty) {
            // An empty string or container: nothing to keep, but an empty query name is a name.
            match col {
                Col::Query => d.name.clear(),
                Col::Answers => d.answer_count = Some(0),
                _ => {}
            }
            continue;
        }
        let escaped = line_escaped && memchr::memchr(b'\\', raw.as_bytes()).is_some();
        let utf8 = !escaped || unescape(raw, scratch);
        let v = if escaped { scratch.as_str() } else { raw };
        let res = match col {
            Col::Answers | Col::Other => {
                if col == Col::Answers {
                    let n = Fields::count(raw, &hdr.set_sep);
                    d.answer_count = Some(u32::try_from(n).unwrap_or(u32::MAX));
                }
                d.extra.put_at(kept, &hdr.cols[i].1, v);
                kept += 1;
                continue;
            }
            _ if !utf8 && col != Col::Query => Err(bad("value", raw)),
            Col::Ts => match seconds.get(v.as_bytes()) {
                Some(t) => {
                    (d.time, st.saw_ts) = (t, true);
                    Ok(())
                }
                None => apply(d, &mut st, col, v).map(|()| seconds.put(v.as_bytes())),
            },
            _ => apply(d, &mut st, col, v),
        };
        if let Err(e) = res {
            d.extra.truncate(kept);
            return Err(e);
        }
    }
    d.extra.truncate(kept);
    st.finish(d)
}

/// The whole seconds of the last epoch `ts` read (`1795737600` of `1795737600.009002`) and their
/// time: the rows of one second then only read the fraction. What `Timestamp::from_epoch_str`
/// gives for `SECONDS.FRACTION` (1 to 12 digits, then 1 to 9).
#[derive(Default)]
struct Seconds {
    digits: [u8; 12],
    len: usize,
    nanos: i64,
}

const FRACTION_SCALE: [i64; 10] =
    [1_000_000_000, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

impl Seconds {
    /// The time of `v` if its seconds are the cached ones.
    fn get(&self, v: &[u8]) -> Option<Timestamp> {
        let n = self.len;
        if n == 0 || v.get(n) != Some(&b'.') || !bytes_eq(&v[..n], &self.digits[..n]) {
            return None;
        }
        let frac = &v[n + 1..];
        if !(1..=9).contains(&frac.len()) {
            return None;
        }
        let mut nanos = 0i64;
        for &c in frac {
            let d = c.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            nanos = nanos * 10 + i64::from(d);
        }
        self.nanos.checked_add(nanos * FRACTION_SCALE[frac.len()]).map(Timestamp)
    }

    /// Caches the seconds of `v` if it starts with 1 to 12 digits and a dot.
    fn put(&mut self, v: &[u8]) {
        let n = v.iter().take(13).take_while(|c| c.is_ascii_digit()).count();
        if !(1..=12).contains(&n) || v.get(n) != Some(&b'.') {
            return;
        }
        let secs = v[..n].iter().fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'));
        if let Some(nanos) = secs.checked_mul(event::NANOS_PER_SEC) {
            self.digits[..n].copy_from_slice(&v[..n]);
            (self.len, self.nanos) = (n, nanos);
        }
    }
}

/// `line.trim().is_empty()`, answered from the first byte when it is visible ASCII (a row).
fn blank(line: &str) -> bool {
    match line.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => line.trim().is_empty(),
    }
}

/// The offsets of every separator in `line` (non-overlapping, left to right) into `out[..n]`;
/// `n` and whether the line holds a backslash.
fn separators(line: &[u8], sep: &str, out: &mut Vec<usize>) -> (usize, bool) {
    match sep.as_bytes() {
        &[c] => crate::split::separators_into(line, c, out),
        many => {
            out.clear();
            out.extend(memchr::memmem::find_iter(line, many));
            (out.len(), memchr::memchr(b'\\', line).is_some())
        }
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

    #[test]
    fn cached_seconds_give_what_from_epoch_str_gives() {
        let stamps = [
            "1795737600.009002",
            "1795737600.5",
            "1795737600.123456789",
            "1795737600.1234567891",
            "1795737600.",
            "1795737600.x",
            "1795737600",
            "1795737601.000001",
            "17957376010.1",
            "179573760.1",
            "0.1",
            "0.999999999",
            "9223372036.854775807",
            "9223372036.854775808",
            "9223372036.9",
            "9223372037.0",
            "999999999999.5",
            "1000000000000.5",
            "-1.5",
            "+1.5",
            "2026-11-27T13:14:15Z",
        ];
        let mut seconds = Seconds::default();
        for _ in 0..2 {
            for a in stamps {
                seconds.put(a.as_bytes());
                for b in stamps {
                    if let Some(t) = seconds.get(b.as_bytes()) {
                        assert_eq!(Some(t), Timestamp::from_epoch_str(b), "{b} after {a}");
                    }
                }
            }
        }
        seconds.put(b"1795737600.1");
        assert_eq!(seconds.get(b"1795737600.25"), Timestamp::from_epoch_str("1795737600.25"));
        assert!(seconds.get(b"1795737600.25").is_some());
    }
}
