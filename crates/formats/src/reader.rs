//! The reader contract every format implements, and the line splitter the text formats share.

use crate::{RecordError, Rejects};
use event::{DnsEvent, Event, ProcessEvent};
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
    if !matches!(out, Event::Dns(_)) {
        *out = Event::Dns(DnsEvent::default());
    }
    let Event::Dns(d) = out else { unreachable!() };
    let (mut server, mut name, mut extra) =
        (std::mem::take(&mut d.server), std::mem::take(&mut d.name), std::mem::take(&mut d.extra));
    server.clear();
    name.clear();
    extra.clear();
    *d = DnsEvent { server, name, extra, ..DnsEvent::default() };
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
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    line_no: u64,
    max: usize,
    pub source: Arc<str>,
}

impl LineReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        LineReader {
            inner: source.reader,
            buf: Vec::with_capacity(4096),
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
        let span: Option<(usize, usize)> = loop {
            self.buf.clear();
            let mut too_long = false;
            let mut saw_any = false;
            loop {
                let chunk = match self.inner.fill_buf() {
                    Ok(c) => c,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                if chunk.is_empty() {
                    break;
                }
                saw_any = true;
                let (take, done) = match memchr::memchr(b'\n', chunk) {
                    Some(i) => (i + 1, true),
                    None => (chunk.len(), false),
                };
                if !too_long {
                    if self.buf.len() + take > self.max + 2 {
                        too_long = true;
                        self.buf.clear();
                    } else {
                        self.buf.extend_from_slice(&chunk[..take]);
                    }
                }
                self.inner.consume(take);
                if done {
                    break;
                }
            }
            if !saw_any {
                break None;
            }
            self.line_no += 1;
            if too_long {
                rejects.push(&self.source, self.line_no, RecordError::TooLong { limit: self.max });
                continue;
            }
            let mut end = self.buf.len();
            if end > 0 && self.buf[end - 1] == b'\n' {
                end -= 1;
            }
            if end > 0 && self.buf[end - 1] == b'\r' {
                end -= 1;
            }
            let start = if self.line_no == 1 && self.buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            let start = start.min(end);
            if std::str::from_utf8(&self.buf[start..end]).is_err() {
                rejects.push(&self.source, self.line_no, RecordError::NotUtf8);
                continue;
            }
            break Some((start, end));
        };
        // Validated above; `unwrap_or_default` cannot take its default.
        Ok(span.map(|(s, e)| std::str::from_utf8(&self.buf[s..e]).unwrap_or_default()))
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
}
