//! CSV records off a byte stream, as the `csv` crate's `Reader` (default settings, `flexible`)
//! reads them — the same fields and the same record line numbers — but faster on what exports
//! mostly are: a line with no `"` and no stray `\r` is split at its commas directly (one pass,
//! [`crate::split`]), a line whose quoted fields are plain `"…"` ones is unquoted directly;
//! anything else (a quoted field, a record running past the buffered bytes or
//! to the end of the input without a newline) goes through `csv_core`'s RFC 4180 state machine.
//!
//! As with `csv`: `\n`, `\r` and `\r\n` end records, blank lines are skipped, a UTF-8 BOM at the
//! very start is dropped. A record's line is the physical line it starts on (lines counted by
//! `\n`), where `csv` gives the line after the previous record: the same in LF files without
//! blank lines, one less after a CRLF or blank line there. A record still open after `limit`
//! bytes is a [`Runaway`].

use super::plain::plain_line;
use std::io::{self, BufRead};

/// Most fields of a line split directly (into a [`Block`]); a line with more goes the general way.
const PLAIN_FIELDS: usize = 64;

/// A record that grew past the limit (typically an unterminated quote).
#[derive(Debug)]
pub struct Runaway;

/// One record: its fields' bytes and where they lie in [`Records::data`].
pub struct Records {
    inner: Box<dyn BufRead + Send>,
    /// Built on the first record that needs it: most inputs have none, and building its
    /// automaton costs more than a chunk of plain lines of a split file (read by a reader each).
    core: Option<Box<csv_core::Reader>>,
    /// The current record's bytes: the line itself (fast path) or the unquoted fields back to
    /// back (`csv_core`).
    data: Vec<u8>,
    /// Field ranges in `data`: the first `nfields` (for a record not in `block`).
    fields: Vec<(usize, usize)>,
    nfields: usize,
    /// Bytes of field content (what `csv::ByteRecord::as_slice` holds).
    content: usize,
    /// Line of the current record.
    line: u64,
    /// Line of the next unread byte.
    next_line: u64,
    started: bool,
    limit: u64,
    /// Plain lines taken from the input together, served one by one.
    block: Block,
    /// The current record is row `block.next - 1` of `block` (else it is in `data`).
    in_block: bool,
    // Scratch for the two paths.
    seps: Vec<usize>,
    ends: Vec<usize>,
}

impl Records {
    pub fn new(inner: Box<dyn BufRead + Send>, limit: u64) -> Self {
        Records {
            inner,
            core: None,
            data: Vec::with_capacity(1024),
            fields: Vec::new(),
            nfields: 0,
            content: 0,
            line: 1,
            next_line: 1,
            started: false,
            limit,
            block: Block::default(),
            in_block: false,
            seps: Vec::new(),
            ends: vec![0; 64],
        }
    }

    pub fn len(&self) -> usize {
        self.fields().len()
    }
    /// Field `i`'s byte range in [`Records::data`].
    pub fn range(&self, i: usize) -> Option<(usize, usize)> {
        self.fields().get(i).copied()
    }
    /// Every field's byte range in [`Records::data`], in order.
    pub fn fields(&self) -> &[(usize, usize)] {
        match self.current_row() {
            Some(row) => &self.block.fields[row.fields.0..row.fields.1],
            None => &self.fields[..self.nfields],
        }
    }
    pub fn data(&self) -> &[u8] {
        match self.current_row() {
            Some(row) if self.block.valid => &self.block.text.as_bytes()[row.start..row.end],
            Some(row) => &self.block.bytes[row.start..row.end],
            None => &self.data,
        }
    }
    /// [`Records::data`] as text when it is known to be UTF-8 already (a line of a block checked
    /// whole), without checking it again; `None`: not known.
    pub fn text(&self) -> Option<&str> {
        // A line of a valid block starts after a `\n` and ends before a `\n` or `\r`: on
        // character boundaries, so `get` never fails here.
        self.current_row().filter(|_| self.block.valid).and_then(|row| self.block.text.get(row.start..row.end))
    }
    fn current_row(&self) -> Option<&BlockRow> {
        if self.in_block {
            self.block.rows.get(self.block.next.wrapping_sub(1))
        } else {
            None
        }
    }
    /// Bytes of field content of the current record.
    pub fn content_len(&self) -> usize {
        self.content
    }
    /// Line where the current record starts (or, after a [`Runaway`], where it started).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reads the next record; `Ok(false)` at the end of the input.
    pub fn next(&mut self) -> io::Result<Result<bool, Runaway>> {
        if !self.started {
            self.started = true;
            let head = fill(&mut *self.inner)?;
            if head.starts_with(b"\xEF\xBB\xBF") {
                self.inner.consume(3);
            }
        }
        loop {
            if let Some(row) = self.block.rows.get(self.block.next) {
                self.block.next += 1;
                self.in_block = true;
                self.line = row.line;
                self.content = row.end - row.start + 1 - (row.fields.1 - row.fields.0);
                return Ok(Ok(true));
            }
            self.in_block = false;
            let chunk = fill(&mut *self.inner)?;
            let taken = self.block.take(chunk, &mut self.next_line);
            if taken > 0 {
                self.inner.consume(taken);
                continue;
            }
            self.line = self.next_line;
            if chunk.is_empty() {
                // The end, at the start of a record: what `csv_core` would say, without it (a
                // split file's chunks each end here).
                self.data.clear();
                self.nfields = 0;
                return Ok(Ok(false));
            }
            let Some(nl) = memchr::memchr(b'\n', chunk) else { break };
            let line = &chunk[..nl];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                self.inner.consume(nl + 1);
                self.next_line += 1;
                continue;
            }
            match memchr::memchr2(b'"', b'\r', line).map(|_| line.contains(&b'\r')) {
                None => {
                    crate::split::byte_positions(line, b',', &mut self.seps);
                    self.data.clear();
                    self.data.extend_from_slice(line);
                    self.fields.clear();
                    let mut start = 0;
                    for &comma in &self.seps {
                        self.fields.push((start, comma));
                        start = comma + 1;
                    }
                    self.fields.push((start, line.len()));
                    self.nfields = self.fields.len();
                    self.content = line.len() - self.seps.len();
                }
                Some(false) if split_quoted(line, &mut self.data, &mut self.fields) => {
                    self.nfields = self.fields.len();
                    self.content = self.data.len();
                }
                Some(_) => break,
            }
            self.inner.consume(nl + 1);
            self.next_line += 1;
            return Ok(Ok(true));
        }
        self.slow()
    }

    /// One record through `csv_core`, from the start of a record.
    #[inline(never)]
    fn slow(&mut self) -> io::Result<Result<bool, Runaway>> {
        self.data.clear();
        self.nfields = 0;
        self.data.resize(self.data.capacity().max(1024), 0);
        let (mut out, mut nends, mut read) = (0usize, 0usize, 0u64);
        loop {
            if read > self.limit {
                return Ok(Err(Runaway));
            }
            let input = fill(&mut *self.inner)?;
            let core = self.core.get_or_insert_with(|| Box::new(csv_core::Reader::new()));
            let (res, nin, nout, nend) = core.read_record(input, &mut self.data[out..], &mut self.ends[nends..]);
            self.next_line += memchr::memchr_iter(b'\n', &input[..nin]).count() as u64;
            self.inner.consume(nin);
            read += nin as u64;
            out += nout;
            nends += nend;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.data.len() * 2;
                    self.data.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.data.truncate(out);
                    self.fields.clear();
                    let mut start = 0;
                    for &end in &self.ends[..nends] {
                        self.fields.push((start, end));
                        start = end;
                    }
                    self.nfields = self.fields.len();
                    self.content = out;
                    return Ok(Ok(true));
                }
                csv_core::ReadRecordResult::End => {
                    self.data.clear();
                    self.nfields = 0;
                    return Ok(Ok(false));
                }
            }
        }
    }
}

/// Bytes of plain lines taken at most (and one more line) into a [`Block`]: a few KB, one copy and
/// one UTF-8 check for many lines, copied with vector moves (well below the size where `memcpy`
/// switches to `rep movsb`).
const BLOCK_BYTES: usize = 3 * 1024;
/// Room for the fields of a block's lines (at least two bytes per field but the last of a line).
const BLOCK_FIELDS: usize = BLOCK_BYTES + 2 * PLAIN_FIELDS;

/// The plain lines (see [`plain_line`]) at the front of the buffered input, taken together: one
/// copy and one UTF-8 check for all, where one per line cost more than splitting it. A block that
/// is not UTF-8 is kept as bytes, each line then checked alone by the caller.
#[derive(Default)]
struct Block {
    /// The lines, when they are UTF-8.
    text: String,
    /// The lines, when they are not.
    bytes: Vec<u8>,
    valid: bool,
    rows: Vec<BlockRow>,
    /// The next row to serve.
    next: usize,
    /// Field ranges of every row, relative to the row's start.
    fields: Vec<(usize, usize)>,
}

/// One non-blank line of a [`Block`].
struct BlockRow {
    start: usize,
    end: usize,
    /// Its fields' ranges in [`Block::fields`].
    fields: (usize, usize),
    line: u64,
}

impl Block {
    /// Takes the plain lines (and blank ones) at the front of `chunk`, numbering them from
    /// `next_line`: how many bytes it took, 0 when the first line is not plain.
    fn take(&mut self, chunk: &[u8], next_line: &mut u64) -> usize {
        self.rows.clear();
        self.next = 0;
        if self.fields.len() < BLOCK_FIELDS {
            self.fields.resize(BLOCK_FIELDS, (0, 0));
        }
        let (mut at, mut nf) = (0, 0);
        while at < BLOCK_BYTES {
            let room = &mut self.fields[nf..(nf + PLAIN_FIELDS).min(BLOCK_FIELDS)];
            let Some((end, nl, n)) = chunk.get(at..).and_then(|rest| plain_line(rest, room)) else { break };
            if end > 0 {
                self.rows.push(BlockRow { start: at, end: at + end, fields: (nf, nf + n), line: *next_line });
                nf += n;
            }
            *next_line += 1;
            at += nl + 1;
        }
        if at > 0 {
            let mut text = std::mem::take(&mut self.text).into_bytes();
            text.clear();
            text.extend_from_slice(&chunk[..at]);
            match String::from_utf8(text) {
                Ok(text) => (self.text, self.valid) = (text, true),
                Err(e) => (self.bytes, self.valid) = (e.into_bytes(), false),
            }
        }
        at
    }
}

/// A line whose quoted fields are all plain RFC 4180 ones (`"…"` from separator to separator,
/// `""` inside for a quote, no line break inside): its fields unquoted, back to back, into
/// `data`, as `csv_core` gives them. `false` for anything else (a quote inside an unquoted field,
/// text after a closing quote, a quote still open at the end of the line), left to `csv_core`.
fn split_quoted(line: &[u8], data: &mut Vec<u8>, fields: &mut Vec<(usize, usize)>) -> bool {
    use crate::split::{find_byte, find_either};
    data.clear();
    fields.clear();
    let mut i = 0;
    loop {
        let start = data.len();
        if line.get(i) == Some(&b'"') {
            i += 1;
            loop {
                let Some(q) = find_byte(&line[i..], b'"') else { return false };
                data.extend_from_slice(&line[i..i + q]);
                i += q + 1;
                if line.get(i) != Some(&b'"') {
                    break;
                }
                data.push(b'"');
                i += 1;
            }
            fields.push((start, data.len()));
            match line.get(i) {
                None => return true,
                Some(b',') => i += 1,
                Some(_) => return false,
            }
        } else {
            match find_either(&line[i..], b',', b'"') {
                Some(k) if line[i + k] == b'"' => return false,
                Some(k) => {
                    data.extend_from_slice(&line[i..i + k]);
                    fields.push((start, data.len()));
                    i += k + 1;
                }
                None => {
                    data.extend_from_slice(&line[i..]);
                    fields.push((start, data.len()));
                    return true;
                }
            }
        }
    }
}

/// `fill_buf`, retried when interrupted.
fn fill(r: &mut dyn BufRead) -> io::Result<&[u8]> {
    loop {
        match r.fill_buf() {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    r.fill_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as (line, fields).
    type Lines = Vec<(u64, Vec<Vec<u8>>)>;

    /// Fields and line numbers as the `csv` crate gives them, and as [`Records`] does.
    fn both(input: &[u8], buf: usize) -> (Lines, Lines) {
        let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
        let mut rec = csv::ByteRecord::new();
        let mut want = Vec::new();
        while rdr.read_byte_record(&mut rec).unwrap() {
            let line = rec.position().map_or(0, |p| p.line());
            want.push((line, rec.iter().map(<[u8]>::to_vec).collect()));
        }
        let reader = io::BufReader::with_capacity(buf, io::Cursor::new(input.to_vec()));
        let mut r = Records::new(Box::new(reader), u64::MAX);
        let mut got = Vec::new();
        while r.next().unwrap().unwrap() {
            let fields = (0..r.len()).map(|i| r.range(i).map(|(a, b)| r.data()[a..b].to_vec()).unwrap()).collect();
            assert_eq!(r.content_len(), (0..r.len()).map(|i| r.range(i).map_or(0, |(a, b)| b - a)).sum::<usize>());
            // Text without a check only where the bytes are UTF-8, and then the same bytes.
            if let Some(text) = r.text() {
                assert_eq!(text.as_bytes(), r.data());
            }
            let utf8 = std::str::from_utf8(r.data()).is_ok();
            assert!(utf8 || r.text().is_none());
            got.push((r.line(), fields));
        }
        (want, got)
    }

    #[test]
    fn same_records_and_lines_as_the_csv_crate() {
        let inputs: &[&[u8]] = &[
            b"a,b,c\n1,2,3\n",
            b"\xEF\xBB\xBFa,b\r\n1,2\r\n\r\n\n3,4",
            b"a,b\n\n\n1,\"x,\ny\"\"z\"\n,\n,,\n\"\"\n",
            b"a,b\n1,2\r3,4\n5\r\n\r\r\n6,7\r",
            b"h\n\"unterminated,\nx\ny",
            b"h\nno newline at the end",
            b"h\n\n",
            b"",
            b"\n\n",
            b"x,\"a\"b,c\nq\"uote,in,middle\n",
            b"long,line,that,is,longer,than,the,buffer,size,for,sure,0123456789012345678901234567890\nshort\n",
            "é,ü\n🦀,x\n".as_bytes(),
            b"a,\xff\nb,c\n\xc3\n\xe2\x82,\xac\n",
            b"a,\"b,c\",d\r\n\"\",\"\"\"\",\"x\"\"y\"\"\"\n\"a\",\n,\"b\"\n\"q\" ,x\n \"q\",x\n\"a\"\"\n\"open,x\ny\"\n",
            b"00000000-0000,\"11/27/2026, 1:14:15.123 PM\",dc1,\"198.51.100.1,198.51.100.2\",A\r\nx,\"\"\"\"\r\n\"\"\"\r\n\"a\"\"b\"c,d\n",
        ];
        // Lines with more fields than are split directly.
        let wide = format!("{}\n{}\n1,2\n", ["x"; 70].join(","), ["yy"; 64].join(","));
        for input in inputs.iter().copied().chain([wide.as_bytes()]) {
            for buf in [8, 16, 64, 8192] {
                let (want, got) = both(input, buf);
                let fields = |v: &Lines| v.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>();
                let text = String::from_utf8_lossy(input);
                assert_eq!(fields(&got), fields(&want), "{text:?} (buffer {buf})");
                if !input.contains(&b'\r') && !text.contains("\n\n") {
                    assert_eq!(got, want, "{text:?} (buffer {buf})");
                }
            }
        }
    }

    #[test]
    fn lines_are_physical_after_crlf_and_blank_lines() {
        let (_, got) = both(b"a,b\r\n1,\"2\"\r\n\r\n\n3,4\r\n\"5\r\n6\",7\n8", 8192);
        let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [1, 2, 5, 6, 8]);
    }

    #[test]
    fn a_record_open_past_the_limit_is_a_runaway() {
        let mut input = b"h\nok\n\"open".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        let mut r = Records::new(Box::new(io::BufReader::with_capacity(64, io::Cursor::new(input))), 1000);
        assert!(r.next().unwrap().unwrap());
        assert!(r.next().unwrap().unwrap());
        assert_eq!(r.line(), 2);
        assert!(r.next().unwrap().is_err());
        assert_eq!(r.line(), 3);
    }
}
