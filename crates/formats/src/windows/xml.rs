//! Exported Windows event XML (`winevent-xml`): `wevtutil qe LOG /f:xml` (events back to back,
//! often on one line, no root element), Event Viewer "Save as XML" / `wevtutil /f:RenderedXml`
//! (`<Events>` root, `<RenderingInfo>` ignored), `Get-WinEvent | % ToXml`.
//!
//! Events are cut out of the byte stream at `<Event ` / `</Event>` before XML parsing (event
//! names, `<EventData>` etc., never match, and `<` cannot appear unescaped in XML text), so one
//! broken event is one reject and never swallows the next: an `<Event` that starts before the
//! previous one closed rejects the previous one as truncated. Anything between events other
//! than whitespace, `<?xml?>`, comments and `<Events>`/`</Events>` is rejected as garbage.
//! Line numbers are those of each `<Event` tag. UTF-16 input (what PowerShell 5 redirection
//! writes) is recognised by its BOM and transcoded.

use super::{map::map, WinEvent};
use crate::{EventReader, FormatSpec, InputError, ReadOptions, RecordError, Rejects, Source};
use event::{Event, Timestamp};
use memchr::memmem;
use quick_xml::events::Event as X;
use std::io::{self, BufRead, Read};
use std::sync::Arc;

pub static SPEC: FormatSpec = FormatSpec {
    name: "winevent-xml",
    description: "Windows events exported as XML (wevtutil qe /f:xml, Event Viewer Save as XML)",
    sniff,
    open,
};

const NAME: &str = "winevent-xml";

fn sniff(head: &[u8]) -> u8 {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        let le: Vec<u8> = head.iter().skip(2).step_by(2).copied().collect();
        let be: Vec<u8> = head.iter().skip(3).step_by(2).copied().collect();
        return sniff(&le).max(sniff(&be)).min(80);
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    if head[start..].first() != Some(&b'<') {
        return 0;
    }
    let ev = memmem::find(head, b"<Event xmlns=").is_some() || memmem::find(head, b"<Event>").is_some();
    if ev || memmem::find(head, b"<Events>").is_some() {
        90
    } else {
        0
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(XmlReader::new(source, opts)))
}

/// Turns a UTF-16 stream (after its BOM) into UTF-8; unpaired surrogates become U+FFFD.
struct Utf16ToUtf8 {
    inner: Box<dyn BufRead + Send>,
    big_endian: bool,
    out: Vec<u8>,
    pos: usize,
    pending_high: Option<u16>,
}

impl Read for Utf16ToUtf8 {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.out.len() {
            self.out.clear();
            self.pos = 0;
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if self.pending_high.take().is_some() {
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                    continue;
                }
                return Ok(0);
            }
            let take = chunk.len() & !1;
            if take == 0 {
                // One odd trailing byte: not UTF-16.
                let n = chunk.len();
                self.inner.consume(n);
                self.out.extend_from_slice("\u{FFFD}".as_bytes());
                continue;
            }
            let units = chunk[..take].chunks_exact(2).map(|c| {
                if self.big_endian {
                    u16::from_be_bytes([c[0], c[1]])
                } else {
                    u16::from_le_bytes([c[0], c[1]])
                }
            });
            let all = self.pending_high.take().into_iter().chain(units);
            let mut tmp = [0u8; 4];
            let mut last_high = None;
            for r in char::decode_utf16(all) {
                match r {
                    Ok(c) => self.out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes()),
                    Err(e) => {
                        let u = e.unpaired_surrogate();
                        if (0xD800..0xDC00).contains(&u) {
                            last_high = Some(u);
                        } else {
                            self.out.extend_from_slice("\u{FFFD}".as_bytes());
                        }
                        continue;
                    }
                }
                if let Some(_h) = last_high.take() {
                    // A high surrogate followed by a non-surrogate: lone.
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                }
            }
            self.pending_high = last_high;
            self.inner.consume(take);
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Decodes a UTF-16 stream with a BOM into UTF-8; passes anything else through.
fn decode_bom(mut reader: Box<dyn BufRead + Send>) -> io::Result<Box<dyn Read + Send>> {
    let head = reader.fill_buf()?;
    let big_endian = match head {
        [0xFF, 0xFE, ..] => false,
        [0xFE, 0xFF, ..] => true,
        _ => return Ok(reader),
    };
    reader.consume(2);
    Ok(Box::new(Utf16ToUtf8 { inner: reader, big_endian, out: Vec::new(), pos: 0, pending_high: None }))
}

/// Cuts `<Event ...>...</Event>` elements out of a byte stream.
pub struct EventSplitter {
    inner: Box<dyn Read + Send>,
    buf: Vec<u8>,
    /// Start of unprocessed bytes in `buf`.
    pos: usize,
    /// Line number at `pos`.
    line: u64,
    eof: bool,
    max: usize,
    source: Arc<str>,
    started: bool,
}

/// Is `<Event` at `at` the start of an `Event` element (not `<EventData>`, `<Events>`)?
fn event_start_at(b: &[u8], at: usize) -> bool {
    matches!(b.get(at + 6), Some(b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/'))
}

fn find_event_start(b: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(off) = memmem::find(&b[i..], b"<Event") {
        let at = i + off;
        if event_start_at(b, at) {
            return Some(at);
        }
        i = at + 6;
    }
    None
}

impl EventSplitter {
    pub fn new(inner: Box<dyn Read + Send>, source: Arc<str>, max: usize) -> Self {
        EventSplitter {
            inner,
            buf: Vec::with_capacity(1 << 16),
            pos: 0,
            line: 1,
            eof: false,
            max,
            source,
            started: false,
        }
    }

    /// Reads more input; returns false at the end.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let old = self.buf.len();
        self.buf.resize(old + (1 << 16), 0);
        let n = loop {
            match self.inner.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e);
                }
            }
        };
        self.buf.truncate(old + n);
        if n == 0 {
            self.eof = true;
        }
        Ok(n > 0)
    }

    /// Drops the bytes before `pos` once they are half the buffer (no range into the buffer may
    /// be live), so each byte is moved at most about once.
    fn compact(&mut self) {
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
    }

    fn advance(&mut self, to: usize) {
        self.line += memchr::memchr_iter(b'\n', &self.buf[self.pos..to]).count() as u64;
        self.pos = to;
    }

    /// Checks the bytes between events; rejects them once if they are not just whitespace,
    /// declarations, comments and the `<Events>` wrapper.
    fn check_between(&mut self, end: usize, rejects: &mut Rejects) {
        let mut i = self.pos;
        let b = &self.buf[..end];
        if !self.started && b[i..].starts_with(b"\xEF\xBB\xBF") {
            i += 3;
        }
        self.started = true;
        while i < end {
            let c = b[i];
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let rest = &b[i..];
            let close = if rest.starts_with(b"<?") {
                memmem::find(rest, b"?>").map(|k| k + 2)
            } else if rest.starts_with(b"<!--") {
                memmem::find(rest, b"-->").map(|k| k + 3)
            } else if rest.starts_with(b"<Events") || rest.starts_with(b"</Events") {
                memchr::memchr(b'>', rest).map(|k| k + 1)
            } else {
                None
            };
            match close {
                Some(k) => i += k,
                None => {
                    let line = self.line + memchr::memchr_iter(b'\n', &b[self.pos..i]).count() as u64;
                    let text = String::from_utf8_lossy(&rest[..rest.len().min(80)]).into_owned();
                    rejects.push(&self.source, line, RecordError::Unrecognised(RecordError::quote(text.trim())));
                    break;
                }
            }
        }
        self.advance(end);
    }

    /// The next complete event as (line, byte range), or `None` at the end. Broken ones are
    /// rejected and skipped.
    pub fn next_event(&mut self, rejects: &mut Rejects) -> io::Result<Option<(u64, std::ops::Range<usize>)>> {
        loop {
            self.compact();
            let start = loop {
                if let Some(s) = find_event_start(&self.buf, self.pos) {
                    break s;
                }
                if self.eof {
                    self.check_between(self.buf.len(), rejects);
                    return Ok(None);
                }
                if self.buf.len() - self.pos > self.max {
                    // A lot of text without any event: check it and let it go, keeping a tail
                    // that could be the beginning of a split `<Event `.
                    let keep_from = self.buf.len() - 7;
                    self.check_between(keep_from, rejects);
                    self.compact();
                }
                self.fill()?;
            };
            self.check_between(start, rejects);
            let line = self.line;
            let mut scan = start + 6;
            let mut too_long = false;
            loop {
                let close = memmem::find(&self.buf[scan..], b"</Event>").map(|k| scan + k);
                let next = find_event_start(&self.buf, scan);
                let next = next.filter(|&n| close.is_none_or(|c| n < c));
                match (close, next) {
                    (Some(c), None) => {
                        let end = c + 8;
                        if too_long || end - start > self.max {
                            rejects.push(&self.source, line, RecordError::TooLong { limit: self.max });
                            self.advance(end);
                            break;
                        }
                        self.advance(end);
                        return Ok(Some((line, start..end)));
                    }
                    (_, Some(n)) => {
                        let error = if too_long {
                            RecordError::TooLong { limit: self.max }
                        } else {
                            RecordError::Truncated("<Event> without </Event>")
                        };
                        rejects.push(&self.source, line, error);
                        self.advance(n);
                        break;
                    }
                    (None, None) => {
                        if self.buf.len() - start > self.max + 8 {
                            // Oversized: drop its middle (already scanned), keeping a tail.
                            too_long = true;
                            let keep = self.buf.len() - 8;
                            self.line += memchr::memchr_iter(b'\n', &self.buf[start + 6..keep]).count() as u64;
                            self.buf.drain(start + 6..keep);
                        }
                        scan = self.buf.len().saturating_sub(7).max(start + 6);
                        if !self.fill()? {
                            let error = if too_long {
                                RecordError::TooLong { limit: self.max }
                            } else {
                                RecordError::Truncated("input ends inside <Event>")
                            };
                            rejects.push(&self.source, line, error);
                            let end = self.buf.len();
                            self.advance(end);
                            return Ok(None);
                        }
                    }
                }
            }
        }
    }

    pub fn bytes(&self, r: std::ops::Range<usize>) -> &[u8] {
        &self.buf[r]
    }
}

/// Which part of the event the parser is in.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Other,
    System,
    EventData,
    UserData,
}

fn xml_err(e: impl std::fmt::Display) -> RecordError {
    RecordError::Malformed { what: "XML", detail: RecordError::quote(&e.to_string()) }
}

fn push_ref(out: &mut String, r: &quick_xml::events::BytesRef<'_>) -> Result<(), RecordError> {
    if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
        out.push(c);
        return Ok(());
    }
    let s = match &**r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Err(xml_err(format!("unknown entity &{other};"))),
    };
    out.push_str(s);
    Ok(())
}

/// Parses one `<Event>` element into `ev`.
pub fn parse_event(xml: &str, ev: &mut WinEvent) -> Result<(), RecordError> {
    ev.clear();
    let mut r = quick_xml::Reader::from_str(xml);
    let mut part = Part::Other;
    let mut depth = 0usize;
    // Element whose text is being collected: (depth, target). Target 1-5 = System fields.
    let mut text_for: Option<(usize, u8)> = None;
    let mut text = String::new();
    let mut saw_event_id = false;
    loop {
        let e = r.read_event().map_err(xml_err)?;
        match e {
            X::Start(ref s) | X::Empty(ref s) => {
                let empty = matches!(e, X::Empty(_));
                let name = s.local_name();
                let name = name.as_ref();
                if !empty {
                    depth += 1;
                }
                let d = if empty { depth + 1 } else { depth };
                match (d, part, name) {
                    (2, _, "System") => part = Part::System,
                    (2, _, "EventData") => part = Part::EventData,
                    (2, _, "UserData") => part = Part::UserData,
                    (2, _, _) => part = Part::Other,
                    (3, Part::System, "Provider") => {
                        for a in s.attributes().flatten() {
                            if a.key.local_name().as_ref() == "Name" {
                                ev.provider.push_str(&a.normalized_value(Default::default()).map_err(xml_err)?);
                            }
                        }
                    }
                    (3, Part::System, "TimeCreated") => {
                        for a in s.attributes().flatten() {
                            if a.key.local_name().as_ref() == "SystemTime" {
                                let v = a.normalized_value(Default::default()).map_err(xml_err)?;
                                ev.time = Some(
                                    Timestamp::parse_rfc3339(&v)
                                        .ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(&v)))?,
                                );
                            }
                        }
                    }
                    (3, Part::System, "Security") => {
                        for a in s.attributes().flatten() {
                            if a.key.local_name().as_ref() == "UserID" {
                                ev.user_sid.push_str(&a.normalized_value(Default::default()).map_err(xml_err)?);
                            }
                        }
                    }
                    (3, Part::System, field) => {
                        let t = match field {
                            "EventID" => 1,
                            "Channel" => 2,
                            "Computer" => 3,
                            "EventRecordID" => 4,
                            _ => 0,
                        };
                        if t > 0 && !empty {
                            text.clear();
                            text_for = Some((d, t));
                        }
                    }
                    (3, Part::EventData, "Data") | (4, Part::UserData, _) => {
                        let mut named = false;
                        if part == Part::EventData {
                            for a in s.attributes().flatten() {
                                if a.key.local_name().as_ref() == "Name" {
                                    let v = a.normalized_value(Default::default()).map_err(xml_err)?;
                                    let (n, _) = ev.slot();
                                    n.push_str(&v);
                                    named = true;
                                }
                            }
                        } else {
                            let (n, _) = ev.slot();
                            n.push_str(name);
                            named = true;
                        }
                        if !named {
                            let k = ev.next_unnamed();
                            let (n, _) = ev.slot();
                            n.push_str("param");
                            n.push_str(&k.to_string());
                        }
                        if !empty {
                            text.clear();
                            text_for = Some((d, 9));
                        }
                    }
                    _ => {}
                }
            }
            X::Text(t) if text_for.is_some() => text.push_str(&t.xml10_content()),
            X::GeneralRef(rf) if text_for.is_some() => push_ref(&mut text, &rf)?,
            X::CData(c) if text_for.is_some() => text.push_str(&c.xml10_content()),
            X::End(_) => {
                if let Some((d, t)) = text_for {
                    if d == depth {
                        text_for = None;
                        match t {
                            1 => {
                                ev.event_id = text.trim().parse().map_err(|_| RecordError::BadValue {
                                    field: "EventID",
                                    value: RecordError::quote(&text),
                                })?;
                                saw_event_id = true;
                            }
                            2 => ev.channel.push_str(text.trim()),
                            3 => ev.computer.push_str(text.trim()),
                            4 => ev.record_id = text.trim().parse().ok(),
                            _ => {
                                if let Some(v) = ev.last_value() {
                                    v.push_str(&text);
                                }
                            }
                        }
                    }
                }
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    part = Part::Other;
                }
                if depth == 0 {
                    break;
                }
            }
            X::Eof => return Err(RecordError::Truncated("XML ends inside <Event>")),
            _ => {}
        }
    }
    if !saw_event_id {
        return Err(RecordError::MissingField("EventID"));
    }
    if ev.provider.is_empty() {
        return Err(RecordError::MissingField("Provider"));
    }
    Ok(())
}

/// Reader for the `winevent-xml` format.
pub struct XmlReader {
    split: Option<EventSplitter>,
    pending: Option<(Box<dyn BufRead + Send>, Arc<str>, usize)>,
    ev: WinEvent,
    source: Arc<str>,
}

impl XmlReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        let name = source.name.clone();
        XmlReader {
            split: None,
            pending: Some((source.reader, name.clone(), opts.max_record)),
            ev: WinEvent::default(),
            source: name,
        }
    }
}

impl EventReader for XmlReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        if let Some((reader, name, max)) = self.pending.take() {
            self.split = Some(EventSplitter::new(decode_bom(reader)?, name, max));
        }
        let Some(split) = self.split.as_mut() else { return Ok(false) };
        while let Some((line, range)) = split.next_event(rejects)? {
            let result = match std::str::from_utf8(split.bytes(range)) {
                Err(_) => Err(RecordError::NotUtf8),
                Ok(xml) => parse_event(xml, &mut self.ev).and_then(|()| map(&self.ev, NAME, out)),
            };
            match result {
                Ok(()) => return Ok(true),
                Err(e) => rejects.push(&self.source, line, e),
            }
        }
        Ok(false)
    }
}
