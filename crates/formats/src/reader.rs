//! The reader contract every format implements, and the line splitter the text formats share.

use crate::{RecordError, Rejects};
use event::{DnsEvent, Event, FieldSlot, ProcessEvent};
use std::collections::VecDeque;
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

/// Splits a byte stream into lines for the text formats: strips `\n`/`\r\n` and a leading UTF-8
/// BOM, numbers lines from 1, rejects lines that are not UTF-8 or longer than the limit (without
/// buffering them whole), and yields everything else, including empty lines.
///
/// Lines are read a block at a time (the complete lines of what the input has buffered, at most
/// [`BLOCK`] bytes): one copy and one UTF-8 check per block, then each line is a slice of it. A
/// block holding a line that is not UTF-8 (or too long) is checked line by line instead; such a
/// line is kept in the block as an empty line with its reject noted, so that rejects come out in
/// line order, when the line's turn comes. Nothing blocks waiting for more than one line.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    /// Complete lines, each ending in `\n` except possibly a last one at the end of the input.
    text: String,
    /// Start of the next line in `text`.
    pos: usize,
    /// Lines of `text` that are rejects (kept as empty lines), by offset, in order.
    bad: VecDeque<(usize, RecordError)>,
    /// The start of a line whose end has not been read yet.
    partial: Vec<u8>,
    /// The pending line is already over the limit: its bytes are being dropped.
    too_long: bool,
    line_no: u64,
    max: usize,
    pub source: Arc<str>,
}

/// Most bytes taken from the input at once.
const BLOCK: usize = 64 * 1024;

impl LineReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        LineReader {
            inner: source.reader,
            text: String::with_capacity(BLOCK + 4096),
            pos: 0,
            bad: VecDeque::new(),
            partial: Vec::new(),
            too_long: false,
            line_no: 0,
            max: opts.max_record,
            source: source.name,
        }
    }

    /// Number of the line most recently returned.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// The next line, or `None` at the end. Bad lines are rejected and skipped.
    pub fn next_line(&mut self, rejects: &mut Rejects) -> io::Result<Option<&str>> {
        loop {
            if self.pos >= self.text.len() && !self.refill()? {
                return Ok(None);
            }
            let b = self.text.as_bytes();
            let start = self.pos;
            let (mut end, next) = match memchr::memchr(b'\n', &b[start..]) {
                Some(i) => (start + i, start + i + 1),
                None => (b.len(), b.len()),
            };
            self.pos = next;
            self.line_no += 1;
            if self.bad.front().is_some_and(|(at, _)| *at == start) {
                if let Some((_, e)) = self.bad.pop_front() {
                    rejects.push(&self.source, self.line_no, e);
                }
                continue;
            }
            if next - start > self.max + 2 {
                rejects.push(&self.source, self.line_no, RecordError::TooLong { limit: self.max });
                continue;
            }
            if end > start && b[end - 1] == b'\r' {
                end -= 1;
            }
            let from = if self.line_no == 1 && b[start..end].starts_with(b"\xEF\xBB\xBF") { start + 3 } else { start };
            return Ok(Some(&self.text[from..end]));
        }
    }

    /// Replaces the consumed block with the next one; `false` at the end of the input.
    fn refill(&mut self) -> io::Result<bool> {
        let mut raw = std::mem::take(&mut self.text).into_bytes();
        raw.clear();
        self.pos = 0;
        self.bad.clear();
        loop {
            let (len, first) = match self.inner.fill_buf() {
                Ok(c) => (c.len().min(BLOCK), memchr::memchr(b'\n', &c[..c.len().min(BLOCK)])),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if len == 0 {
                // The end: a pending line is the last line, without its newline.
                if self.too_long || !self.partial.is_empty() {
                    self.end_pending(&mut raw);
                }
                break;
            }
            let Some(first) = first else {
                self.pend(len);
                self.inner.consume(len);
                continue;
            };
            let mut from = 0;
            if self.too_long || !self.partial.is_empty() {
                self.pend(first + 1);
                self.inner.consume(first + 1);
                self.end_pending(&mut raw);
                from = first + 1;
            }
            // The complete lines of the rest of the chunk (still buffered: no read, no wait).
            if from < len {
                let buf = self.inner.fill_buf()?;
                let rest = &buf[..buf.len().min(len - from)];
                if let Some(last) = memchr::memrchr(b'\n', rest) {
                    raw.extend_from_slice(&rest[..=last]);
                    self.inner.consume(last + 1);
                }
            }
            break;
        }
        if raw.is_empty() {
            self.text = String::from_utf8(raw).unwrap_or_default();
            return Ok(false);
        }
        self.text = match String::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => self.line_by_line(&e.into_bytes()),
        };
        Ok(true)
    }

    /// Adds the next `n` bytes of the input's buffer to the pending line, or drops them once it
    /// is over the limit.
    fn pend(&mut self, n: usize) {
        if self.too_long {
            return;
        }
        if self.partial.len() + n > self.max + 2 {
            self.too_long = true;
            self.partial.clear();
            return;
        }
        if let Ok(buf) = self.inner.fill_buf() {
            self.partial.extend_from_slice(&buf[..buf.len().min(n)]);
        }
    }

    /// Moves the (now complete) pending line into `raw`, or notes it as too long.
    fn end_pending(&mut self, raw: &mut Vec<u8>) {
        if self.too_long {
            self.bad.push_back((raw.len(), RecordError::TooLong { limit: self.max }));
            raw.push(b'\n');
            self.too_long = false;
        } else {
            raw.extend_from_slice(&self.partial);
            self.partial.clear();
        }
    }

    /// The text of a block that is not all UTF-8: each bad or too long line becomes an empty line
    /// noted in `bad` (the notes already there are for offsets in `raw`).
    fn line_by_line(&mut self, raw: &[u8]) -> String {
        let noted = std::mem::take(&mut self.bad);
        let mut noted = noted.into_iter().peekable();
        let mut text = String::with_capacity(raw.len());
        let mut start = 0;
        while start < raw.len() {
            let next = memchr::memchr(b'\n', &raw[start..]).map_or(raw.len(), |i| start + i + 1);
            let line = &raw[start..next];
            let error = if noted.peek().is_some_and(|(at, _)| *at == start) {
                noted.next().map(|(_, e)| e)
            } else if line.len() > self.max + 2 {
                Some(RecordError::TooLong { limit: self.max })
            } else {
                match std::str::from_utf8(line) {
                    Ok(s) => {
                        text.push_str(s);
                        None
                    }
                    Err(_) => Some(RecordError::NotUtf8),
                }
            };
            if let Some(e) = error {
                self.bad.push_back((text.len(), e));
                text.push('\n');
            }
            start = next;
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &'static [u8], max: usize) -> (Vec<String>, Rejects) {
        let src = Source { name: "t".into(), path: None, reader: Box::new(input) };
        let mut r = LineReader::new(src, &ReadOptions { max_record: max, ..ReadOptions::default() });
        let mut rejects = Rejects::default();
        let mut out = Vec::new();
        while let Some(l) = r.next_line(&mut rejects).unwrap() {
            out.push(l.to_string());
        }
        (out, rejects)
    }

    #[test]
    fn splits_crlf_bom_and_last_line_without_newline() {
        let (l, r) = lines(b"\xEF\xBB\xBFa,b\r\nc\n\nlast", 100);
        assert_eq!(l, ["a,b", "c", "", "last"]);
        assert_eq!(r.count, 0);
    }

    #[test]
    fn rejects_bad_utf8_and_long_lines_keeping_the_rest() {
        let (l, r) = lines(b"ok1\n\xff\xfe\nok2\n0123456789abcdef\nok3\n", 8);
        assert_eq!(l, ["ok1", "ok2", "ok3"]);
        assert_eq!(r.count, 2);
        assert_eq!(r.kept[0].location.line, 2);
        assert_eq!(r.kept[0].error, RecordError::NotUtf8);
        assert_eq!(r.kept[1].location.line, 4);
        assert_eq!(r.kept[1].error, RecordError::TooLong { limit: 8 });
    }

    /// What the reader must give: each `\n`-ended piece (and a last one without it) is a line;
    /// too long (counting its line end) before not UTF-8; BOM off line 1; `\r` before `\n` off.
    fn reference(input: &[u8], max: usize) -> Vec<Result<String, (u64, RecordError)>> {
        let mut out = Vec::new();
        let mut pieces: Vec<&[u8]> = input.split_inclusive(|&b| b == b'\n').collect();
        if pieces.last().is_some_and(|p| p.is_empty()) {
            pieces.pop();
        }
        for (i, raw) in pieces.into_iter().enumerate() {
            let n = i as u64 + 1;
            if raw.len() > max + 2 {
                out.push(Err((n, RecordError::TooLong { limit: max })));
                continue;
            }
            let l = raw.strip_suffix(b"\n").unwrap_or(raw);
            let l = l.strip_suffix(b"\r").unwrap_or(l);
            let l = if n == 1 { l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l) } else { l };
            out.push(std::str::from_utf8(l).map(str::to_string).map_err(|_| (n, RecordError::NotUtf8)));
        }
        out
    }

    #[test]
    fn agrees_with_the_reference_on_any_buffering() {
        let alphabet: [&[u8]; 9] =
            [b"a", b"bc", b"\n", b"\r\n", b"\xff", "é".as_bytes(), b"\xEF\xBB\xBF", b"\xc3", b"xyz"];
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), b"\n".to_vec(), b"abc".to_vec(), b"\xEF\xBB\xBFx\r".to_vec()];
        let mut seed = 1590u64;
        for len in 1..60 {
            let mut v = Vec::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                v.extend_from_slice(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            inputs.push(v);
        }
        for input in &inputs {
            for max in [0, 1, 3, 8, 1000] {
                let want = reference(input, max);
                for cap in [1, 2, 3, 5, 8, 64, 8192] {
                    let reader = io::BufReader::with_capacity(cap, io::Cursor::new(input.clone()));
                    let src = Source { name: "t".into(), path: None, reader: Box::new(reader) };
                    let mut r = LineReader::new(src, &ReadOptions { max_record: max, ..ReadOptions::default() });
                    let mut rejects = Rejects::default();
                    let mut got = Vec::new();
                    while let Some(l) = r.next_line(&mut rejects).unwrap() {
                        let l = l.to_string();
                        got.push(Ok((r.line_no(), l)));
                    }
                    for k in &rejects.kept {
                        got.push(Err((k.location.line, k.error.clone())));
                    }
                    got.sort_by_key(|g| match g {
                        Ok((n, _)) | Err((n, _)) => *n,
                    });
                    let got: Vec<_> = got.into_iter().map(|g| g.map(|(_, l)| l)).collect();
                    assert_eq!(got, want, "{:?} max {max} cap {cap}", String::from_utf8_lossy(input));
                }
            }
        }
    }
}
