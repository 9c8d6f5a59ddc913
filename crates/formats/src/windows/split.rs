//! Cutting `<Event ...>...</Event>` elements out of a byte stream before XML parsing, so one
//! broken event is one reject and never swallows the next (see [`super::xml`]).

use crate::{RecordError, Rejects};
use memchr::memmem;
use std::io::{self, Read};
use std::sync::Arc;

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
                    let shown = memchr::memchr(b'\n', rest).unwrap_or(rest.len()).min(80);
                    let text = String::from_utf8_lossy(&rest[..shown]).into_owned();
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
                    let keep_from = self.buf.len().saturating_sub(7).max(self.pos);
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
