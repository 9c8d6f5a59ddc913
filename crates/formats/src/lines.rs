//! The line splitter the text formats share.

use crate::{ReadOptions, RecordError, Rejects, Source};
use std::io::{self, BufRead};
use std::sync::Arc;

/// Splits a byte stream into lines for the text formats: strips `\n`/`\r\n` and a leading UTF-8
/// BOM, numbers lines from 1, rejects lines that are not UTF-8 or longer than the limit (without
/// buffering them whole), and yields everything else, including empty lines.
///
/// The input is read straight into the reader's own buffer, [`READ`] bytes at a time: once the
/// input's buffer has been drained, a file's bytes are copied once, by the kernel, and every
/// line is a slice of the buffer. The complete lines of each read are checked for UTF-8 at once;
/// a read holding a line that is not UTF-8 is checked line by line instead, so rejects come out
/// in line order, at the line's turn. The start of an unfinished line moves to the buffer's front
/// before the next read. Nothing waits for more input while a complete line is ready.
pub struct LineReader {
    inner: Box<dyn BufRead + Send>,
    /// The bytes read are `buf[..len]`; the rest is room, allocated once and never cleared.
    buf: Vec<u8>,
    len: usize,
    /// Start of the next line.
    pos: usize,
    /// End of the complete lines read: `buf[pos..ready]`, each ending in `\n` except a last line
    /// at the end of the input.
    ready: usize,
    /// `buf[..ready]` is UTF-8 as a whole (checked when it was read, not written since).
    checked: bool,
    /// The line being read is over the limit: its bytes are dropped as they come.
    too_long: bool,
    /// A dropped line ended just before `pos`: it is reported at its turn.
    dropped: bool,
    line_no: u64,
    max: usize,
    pub source: Arc<str>,
}

/// Bytes asked of the input per read: as much as the input's own buffer holds (`input.rs`), so
/// that a buffered input, once drained, reads into this buffer directly instead of through its
/// own.
const READ: usize = 256 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

impl LineReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        LineReader {
            inner: source.reader,
            buf: Vec::new(),
            len: 0,
            pos: 0,
            ready: 0,
            checked: true,
            too_long: false,
            dropped: false,
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
            if self.dropped {
                self.dropped = false;
                self.reject(rejects, RecordError::TooLong { limit: self.max });
                continue;
            }
            if self.pos >= self.ready {
                if !self.refill()? {
                    return Ok(None);
                }
                continue;
            }
            let b = &self.buf[..self.ready];
            let start = self.pos;
            let (mut end, next) = match memchr::memchr(b'\n', &b[start..]) {
                Some(i) => (start + i, start + i + 1),
                None => (b.len(), b.len()),
            };
            self.pos = next;
            if next - start > self.max + 2 {
                self.reject(rejects, RecordError::TooLong { limit: self.max });
                continue;
            }
            if end > start && b[end - 1] == b'\r' {
                end -= 1;
            }
            let from = if self.line_no == 0 && b[start..end].starts_with(BOM) { start + 3 } else { start };
            if !self.checked && std::str::from_utf8(&b[from..end]).is_err() {
                self.reject(rejects, RecordError::NotUtf8);
                continue;
            }
            self.line_no += 1;
            // SAFETY: `buf[from..end]` is UTF-8. Either `buf[..ready]` was checked as a whole
            // when it was read (and is not written before `pos` passes `ready`), and the line is
            // cut from it after a `\n` (or at its start, or after the BOM) and before a `\n` or
            // `\r` (or at `ready`, the end of the checked bytes): UTF-8 never has a byte below
            // 0x80 inside a multi-byte character, so these cuts fall between characters. Or the
            // line itself was checked just above.
            return Ok(Some(unsafe { std::str::from_utf8_unchecked(&self.buf[from..end]) }));
        }
    }

    fn reject(&mut self, rejects: &mut Rejects, error: RecordError) {
        self.line_no += 1;
        rejects.push(&self.source, self.line_no, error);
    }

    /// Reads until a complete line (or the end of the input) follows `pos`, or a dropped line
    /// is to be reported; `false` at the end.
    fn refill(&mut self) -> io::Result<bool> {
        // The start of an unfinished line moves to the front.
        self.buf.copy_within(self.pos..self.len, 0);
        self.len -= self.pos;
        (self.pos, self.ready) = (0, 0);
        loop {
            if self.buf.len() < self.len + READ {
                self.buf.resize(self.len + READ, 0);
            }
            let old = self.len;
            let n = match self.inner.read(&mut self.buf[old..old + READ]) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if n == 0 {
                // The end: an unfinished line is the last line, without its newline.
                if self.too_long {
                    (self.too_long, self.dropped) = (false, true);
                    return Ok(true);
                }
                self.ready = self.len;
                self.checked = utf8(&self.buf[..self.ready]);
                return Ok(self.len > 0);
            }
            self.len += n;
            let mut scan = old;
            if self.too_long {
                let Some(i) = memchr::memchr(b'\n', &self.buf[..self.len]) else {
                    self.len = 0;
                    continue;
                };
                self.buf.copy_within(i + 1..self.len, 0);
                self.len -= i + 1;
                (self.too_long, self.dropped, scan) = (false, true, 0);
            }
            match memchr::memrchr(b'\n', &self.buf[scan..self.len]) {
                Some(i) => {
                    self.ready = scan + i + 1;
                    self.checked = utf8(&self.buf[..self.ready]);
                    return Ok(true);
                }
                None if self.dropped => return Ok(true),
                None if self.len > self.max + 2 => (self.too_long, self.len) = (true, 0),
                None => {}
            }
        }
    }
}

/// Whether `b` is UTF-8; ASCII (a log's usual text) is recognised by the faster check first.
fn utf8(b: &[u8]) -> bool {
    b.is_ascii() || std::str::from_utf8(b).is_ok()
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

    /// Hands out at most `step` bytes per read, like a pipe or a slow socket.
    struct Trickle(io::Cursor<Vec<u8>>, usize);

    impl io::Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
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
                    for step in [1, 2, 7, usize::MAX] {
                        let trickle = Trickle(io::Cursor::new(input.clone()), step);
                        let reader = io::BufReader::with_capacity(cap, trickle);
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
                        assert_eq!(got, want, "{:?} max {max} cap {cap} step {step}", String::from_utf8_lossy(input));
                    }
                }
            }
        }
    }

    #[test]
    fn lines_longer_than_a_read_are_kept_whole_or_dropped_by_the_limit() {
        let long = "x".repeat(3 * READ + 5);
        let input = format!("a\n{long}\nb\n{long}");
        for (max, kept) in [(4 * READ, vec!["a", long.as_str(), "b", long.as_str()]), (READ, vec!["a", "b"])] {
            let src = Source { name: "t".into(), path: None, reader: Box::new(io::Cursor::new(input.clone())) };
            let mut r = LineReader::new(src, &ReadOptions { max_record: max, ..ReadOptions::default() });
            let mut rejects = Rejects::default();
            let mut got = Vec::new();
            while let Some(l) = r.next_line(&mut rejects).unwrap() {
                let n = l.len();
                got.push((r.line_no(), n));
            }
            let want: Vec<(u64, usize)> = [1, 2, 3, 4]
                .into_iter()
                .zip(["a", long.as_str(), "b", long.as_str()])
                .filter(|(_, l)| kept.contains(l))
                .map(|(n, l)| (n, l.len()))
                .collect();
            assert_eq!(got, want, "max {max}");
            let lines: Vec<u64> = rejects.kept.iter().map(|k| k.location.line).collect();
            assert_eq!(lines, if kept.len() == 4 { vec![] } else { vec![2, 4] }, "max {max}");
        }
    }
}
