//! An incremental splitter over a JSON byte stream: hands out one complete value at a time (an
//! element of a top-level array, a row of an API response) without ever holding the whole
//! document. It only tracks strings, escapes and bracket depth; each value is then parsed with
//! serde_json, which does the real validation. Values longer than the record limit are skipped
//! while scanning, never buffered whole.

use std::io::{self, BufRead};

/// What [`JsonStream::value`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scan {
    /// A complete value is in [`JsonStream::buf`] (unless it was read with `keep = false`).
    Value,
    /// The value was complete but longer than the limit; nothing of it is kept.
    TooLong,
    /// The input ended inside the value.
    Truncated,
}

pub struct JsonStream {
    inner: Box<dyn BufRead + Send>,
    /// Line of the next unread byte, from 1.
    line: u64,
    started: bool,
    max: usize,
    /// The last value read.
    pub buf: Vec<u8>,
}

impl JsonStream {
    pub fn new(inner: Box<dyn BufRead + Send>, max: usize) -> Self {
        JsonStream { inner, line: 1, started: false, max, buf: Vec::with_capacity(4096) }
    }

    /// The longest value kept, in bytes.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Line of the next unread byte.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn fill(&mut self) -> io::Result<&[u8]> {
        loop {
            match self.inner.fill_buf() {
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        // Buffered now: this second call only returns the buffer.
        self.inner.fill_buf()
    }

    /// Skips whitespace (and a UTF-8 BOM at the very start); returns the next byte, unread, or
    /// `None` at the end of the input.
    pub fn peek(&mut self) -> io::Result<Option<u8>> {
        if !self.started {
            self.started = true;
            if self.fill()?.starts_with(b"\xEF\xBB\xBF") {
                self.inner.consume(3);
            }
        }
        loop {
            let chunk = self.fill()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let mut lines = 0;
            let n = chunk
                .iter()
                .take_while(|&&b| {
                    lines += u64::from(b == b'\n');
                    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
                })
                .count();
            let next = chunk.get(n).copied();
            self.inner.consume(n);
            self.line += lines;
            if next.is_some() {
                return Ok(next);
            }
        }
    }

    /// Consumes one byte returned by [`Self::peek`].
    pub fn bump(&mut self) {
        self.inner.consume(1);
    }

    /// Reads one value starting at the next non-blank byte, into `buf` when `keep`. A string or
    /// container ends at its closing byte; a bare scalar at the next delimiter or blank.
    pub fn value(&mut self, keep: bool) -> io::Result<Scan> {
        self.buf.clear();
        if self.peek()?.is_none() {
            return Ok(Scan::Truncated);
        }
        let (mut depth, mut in_str, mut esc, mut scalar, mut first) = (0u32, false, false, false, true);
        let mut too_long = false;
        loop {
            let max = self.max;
            let chunk = match self.inner.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                return Ok(if scalar && !too_long {
                    Scan::Value
                } else if scalar {
                    Scan::TooLong
                } else {
                    Scan::Truncated
                });
            }
            let mut end = None;
            let mut lines = 0;
            let mut i = 0;
            while i < chunk.len() {
                let b = chunk[i];
                i += 1;
                if first {
                    first = false;
                    match b {
                        b'{' | b'[' => depth = 1,
                        b'"' => in_str = true,
                        _ => scalar = true,
                    }
                    lines += u64::from(b == b'\n');
                    continue;
                }
                if in_str {
                    if esc {
                        esc = false;
                        lines += u64::from(b == b'\n');
                        continue;
                    }
                    // Jump to the next byte that matters inside a string.
                    let at = match memchr::memchr3(b'"', b'\\', b'\n', &chunk[i - 1..]) {
                        Some(off) => i - 1 + off,
                        None => {
                            i = chunk.len();
                            continue;
                        }
                    };
                    i = at + 1;
                    match chunk[at] {
                        b'\n' => lines += 1,
                        b'\\' => esc = true,
                        _ => {
                            in_str = false;
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                        }
                    }
                } else if scalar {
                    if matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
                        end = Some(i - 1);
                        break;
                    }
                } else {
                    match b {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(i);
                                break;
                            }
                        }
                        b'\n' => lines += 1,
                        _ => {}
                    }
                }
            }
            let take = end.unwrap_or(chunk.len());
            if keep && !too_long {
                if self.buf.len() + take > max {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            self.inner.consume(take);
            self.line += lines;
            if end.is_some() {
                return Ok(if too_long { Scan::TooLong } else { Scan::Value });
            }
        }
    }
}

/// Where an array's elements stand, for [`next_element`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// An element starting on this line; see the [`Scan`] for what was read.
    At(u64, Scan),
    /// A separator other than `,` between two elements on this line (the element after it is
    /// still read next).
    MissingComma(u64),
    /// The closing `]`.
    End,
    /// The input ended before `]`, between elements, on this line.
    Unclosed(u64),
}

/// The next element of an array whose `[` was consumed. `first` is true until one element has
/// been read.
pub fn next_element(s: &mut JsonStream, first: &mut bool, keep: bool) -> io::Result<Element> {
    match s.peek()? {
        None => return Ok(Element::Unclosed(s.line())),
        Some(b']') => {
            s.bump();
            return Ok(Element::End);
        }
        Some(b',') if !*first => {
            s.bump();
            match s.peek()? {
                None => return Ok(Element::Unclosed(s.line())),
                Some(b']') => {
                    s.bump();
                    return Ok(Element::End);
                }
                Some(_) => {}
            }
        }
        Some(_) if !*first => {
            *first = true; // next call reads the element without asking for a comma again
            return Ok(Element::MissingComma(s.line()));
        }
        Some(_) => {}
    }
    *first = false;
    let line = s.line();
    Ok(Element::At(line, s.value(keep)?))
}

/// How a JSON input is laid out, judged from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `[ {…}, {…} ]`.
    Array,
    /// One value per line (JSON Lines / NDJSON).
    Lines,
    /// Values one after the other, spanning lines (pretty-printed objects).
    Concatenated,
    /// One object whose first key (after `@…` annotations) is an API response's (`tables`,
    /// `Schema`, `Results`, `Stats`).
    Response,
    /// Not JSON, or empty.
    None,
}

fn stream_of(head: &[u8]) -> JsonStream {
    JsonStream::new(Box::new(io::Cursor::new(head.to_vec())), usize::MAX)
}

/// The layout of the input starting with `head`.
pub fn shape(head: &[u8]) -> Shape {
    let mut s = stream_of(head);
    match s.peek() {
        Ok(Some(b'[')) => Shape::Array,
        Ok(Some(b'{')) => {
            s.bump();
            // The first key that is not an OData annotation (Graph starts with `@odata.context`).
            while let Ok(Some(b'"')) = s.peek() {
                if !matches!(s.value(true), Ok(Scan::Value)) {
                    break;
                }
                let key: String = serde_json::from_slice(&s.buf).unwrap_or_default();
                if ["tables", "schema", "results", "stats"].iter().any(|k| key.eq_ignore_ascii_case(k)) {
                    return Shape::Response;
                }
                let skipped = key.starts_with('@')
                    && matches!(s.peek(), Ok(Some(b':')))
                    && {
                        s.bump();
                        matches!(s.value(false), Ok(Scan::Value))
                    }
                    && matches!(s.peek(), Ok(Some(b',')));
                if !skipped {
                    break;
                }
                s.bump();
            }
            let mut s = stream_of(head);
            let first_line = s.peek().ok().flatten().map(|_| s.line());
            match s.value(false) {
                Ok(Scan::Value) if Some(s.line()) == first_line => Shape::Lines,
                _ => Shape::Concatenated,
            }
        }
        _ => Shape::None,
    }
}

/// The first object of an array or a stream of objects in `head`, if it is complete there.
pub fn first_object(head: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut s = stream_of(head);
    if s.peek().ok()? == Some(b'[') {
        s.bump();
    }
    (s.value(true).ok()? == Scan::Value).then_some(())?;
    serde_json::from_slice(&s.buf).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(input: &'static [u8], max: usize) -> Vec<(Element, String)> {
        let mut s = JsonStream::new(Box::new(input), max);
        assert_eq!(s.peek().unwrap(), Some(b'['));
        s.bump();
        let mut first = true;
        let mut out = Vec::new();
        loop {
            let e = next_element(&mut s, &mut first, true).unwrap();
            out.push((e, String::from_utf8_lossy(&s.buf).into_owned()));
            if matches!(e, Element::End | Element::Unclosed(_) | Element::At(_, Scan::Truncated)) {
                return out;
            }
        }
    }

    #[test]
    fn splits_nested_strings_escapes_and_scalars() {
        let got = elements(b"\xEF\xBB\xBF [ {\"a\":\"x]}\\\"\"},\n[1,[2]] ,\n 42, \"s\\\\\" ]", 100);
        assert_eq!(got[0], (Element::At(1, Scan::Value), "{\"a\":\"x]}\\\"\"}".into()));
        assert_eq!(got[1], (Element::At(2, Scan::Value), "[1,[2]]".into()));
        assert_eq!(got[2], (Element::At(3, Scan::Value), "42".into()));
        assert_eq!(got[3], (Element::At(3, Scan::Value), "\"s\\\\\"".into()));
        assert_eq!(got[4].0, Element::End);
    }

    #[test]
    fn truncation_long_values_and_missing_commas() {
        let got = elements(b"[{\"a\":1}\n{\"b\":\"0123456789\"},\n{\"c\":", 12);
        assert_eq!(got[0].0, Element::At(1, Scan::Value));
        assert_eq!(got[1].0, Element::MissingComma(2));
        assert_eq!(got[2], (Element::At(2, Scan::TooLong), String::new()));
        assert_eq!(got[3].0, Element::At(3, Scan::Truncated));
        assert_eq!(elements(b"[1,", 9).last().unwrap().0, Element::Unclosed(1));
    }
}
