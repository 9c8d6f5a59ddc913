//! Splitting one large uncompressed text log into byte ranges that start at line starts, so
//! several threads can parse it at once. Only formats whose records are single lines qualify,
//! and each has a rule for the text every chunk needs in front (the CSV header row, Zeek's `#`
//! header block) and for what makes a chunk unsafe to parse on its own (a quoted CSV field open
//! across the boundary, a Zeek header block that changes the layout mid-file). An unsafe chunk
//! is not an error: the consumer falls back to reading the rest of the file in one stream.

use std::fs::File;
use std::io::{self, BufRead, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Arc;

/// How a format's lines depend on each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitKind {
    /// Every line stands alone (BIND query log).
    Lines,
    /// RFC 4180 CSV: the first line is the header; a quoted field may hold a newline.
    Csv,
    /// Zeek: a leading `#` header block sets the layout; a later block may change it.
    Zeek,
}

impl SplitKind {
    /// The formats that may be split, by registry name.
    pub fn of_format(name: &str) -> Option<SplitKind> {
        match name {
            "bind" => Some(SplitKind::Lines),
            "sentinel-csv" => Some(SplitKind::Csv),
            "zeek-dns" => Some(SplitKind::Zeek),
            _ => None,
        }
    }
}

/// What a chunk's bytes say about itself, found before it is parsed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Newlines in the chunk (to number the lines of the chunks after it).
    pub lines: u64,
    /// Whether the chunk holds an odd number of `"` (CSV: a field open across its end).
    pub odd_quotes: bool,
    /// Whether a line in the chunk would change a Zeek layout.
    pub zeek_header: bool,
}

impl Scan {
    pub fn of(kind: SplitKind, bytes: &[u8]) -> Scan {
        let lines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        let odd_quotes = kind == SplitKind::Csv && memchr::memchr_iter(b'"', bytes).count() % 2 == 1;
        let zeek_header = kind == SplitKind::Zeek && line_starts(bytes).any(is_zeek_layout_line);
        Scan { lines, odd_quotes, zeek_header }
    }
}

fn line_starts(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let first = (!bytes.is_empty()).then_some(0);
    first.into_iter().chain(memchr::memmem::find_iter(bytes, b"\n#").map(|i| i + 1)).map(move |i| &bytes[i..])
}

/// The `#` lines that set a Zeek layout (`#path`, `#open`, `#types`, `#close` do not).
fn is_zeek_layout_line(line: &[u8]) -> bool {
    ["#separator", "#set_separator", "#empty_field", "#unset_field", "#fields"]
        .iter()
        .any(|k| line.starts_with(k.as_bytes()))
}

/// The text every chunk after the first is read behind, and how many lines it has; `None` when
/// the file cannot be split (a header that does not end within `head`, a CSV header with quotes).
pub fn prefix(kind: SplitKind, head: &[u8]) -> Option<(Arc<[u8]>, u64)> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(head);
    let bom = head.len() - body.len();
    let len = match kind {
        SplitKind::Lines => 0,
        SplitKind::Csv => {
            let end = memchr::memchr(b'\n', body)? + 1;
            if memchr::memchr(b'"', &body[..end]).is_some() {
                return None;
            }
            end
        }
        SplitKind::Zeek => {
            let mut end = 0;
            while body.get(end) == Some(&b'#') {
                end += memchr::memchr(b'\n', &body[end..])? + 1;
            }
            end
        }
    };
    let len = if len == 0 { 0 } else { bom + len };
    let text: Arc<[u8]> = head[..len].into();
    let lines = memchr::memchr_iter(b'\n', &text).count() as u64;
    Some((text, lines))
}

/// The first line start at or after `at`: `at` itself if the byte before it is a newline, else
/// just past the next newline, else the end of the file.
pub fn align(file: &File, len: u64, at: u64) -> io::Result<u64> {
    if at == 0 || at >= len {
        return Ok(at.min(len));
    }
    let mut buf = [0u8; 8192];
    let mut pos = at - 1;
    while pos < len {
        let n = file.read_at(&mut buf, pos)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &buf[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(len)
}

/// The byte range of chunk `k` of `n`, each nominally `size` bytes.
pub fn range(file: &File, len: u64, size: u64, k: u64) -> io::Result<(u64, u64)> {
    Ok((align(file, len, k * size)?, align(file, len, (k + 1).saturating_mul(size))?))
}

/// Whether a file is stored as plain bytes (so byte offsets are offsets into what the reader
/// sees): its first bytes equal the decoded stream's first bytes. Compressed files are not.
pub fn is_plain(path: &Path, decoded_head: &[u8]) -> io::Result<bool> {
    let mut raw = Vec::with_capacity(decoded_head.len());
    File::open(path)?.take(decoded_head.len() as u64).read_to_end(&mut raw)?;
    Ok(raw == decoded_head)
}

/// A reader over bytes shared with the thread that filled them, handed back when the reader is
/// dropped (`Arc::try_unwrap`), so a chunk buffer is reused rather than reallocated.
pub struct SharedBytes {
    pub bytes: Arc<Vec<u8>>,
    pub pos: usize,
}

impl Read for SharedBytes {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = (&self.bytes[self.pos..]).read(out)?;
        self.pos += n;
        Ok(n)
    }
}

impl BufRead for SharedBytes {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        Ok(&self.bytes[self.pos..])
    }
    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.bytes.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str, bytes: &[u8]) -> (std::path::PathBuf, File) {
        let dir = std::env::temp_dir().join(format!("rw-chunk-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(name);
        std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
        let f = File::open(&p).unwrap();
        (p, f)
    }

    /// Every chunk of every size starts at a line start, and together they cover the file once.
    fn check_cover(bytes: &[u8], name: &str) {
        let (_, f) = temp(name, bytes);
        let len = bytes.len() as u64;
        for size in 1..=len + 2 {
            let n = len.div_ceil(size).max(1);
            let mut joined = Vec::new();
            let mut last_end = 0;
            for k in 0..n {
                let (s, e) = range(&f, len, size, k).unwrap();
                assert_eq!(s, last_end, "size {size} chunk {k}");
                assert!(s == 0 || bytes[s as usize - 1] == b'\n' || s == len);
                joined.extend_from_slice(&bytes[s as usize..e as usize]);
                last_end = e;
            }
            assert_eq!(last_end, len);
            assert_eq!(joined, bytes);
        }
    }

    #[test]
    fn chunks_start_at_line_starts_and_cover_the_file() {
        check_cover(b"a\nbb\nccc\n\ndddd\n", "lf");
        check_cover(b"a\r\nbb\r\nccc\r\n", "crlf");
        check_cover(b"one\ntwo\nlast-without-newline", "nonl");
        check_cover(b"x", "tiny");
        check_cover(b"\n\n\n", "blank");
        let (_, f) = temp("empty", b"");
        assert_eq!(range(&f, 0, 4, 0).unwrap(), (0, 0));
    }

    #[test]
    fn crlf_is_never_split_between_cr_and_lf() {
        let bytes = b"ab\r\ncd\r\n";
        let (_, f) = temp("crlf2", bytes);
        // A nominal boundary between \r and \n moves past the \n.
        assert_eq!(align(&f, 8, 3).unwrap(), 4);
        assert_eq!(align(&f, 8, 4).unwrap(), 4);
        assert_eq!(align(&f, 8, 5).unwrap(), 8);
    }

    #[test]
    fn a_line_longer_than_the_read_buffer_is_skipped_whole() {
        let mut bytes = vec![b'x'; 20_000];
        bytes.push(b'\n');
        bytes.extend_from_slice(b"y\n");
        let (_, f) = temp("long", &bytes);
        assert_eq!(align(&f, bytes.len() as u64, 10).unwrap(), 20_001);
    }

    #[test]
    fn prefixes_per_kind() {
        let csv = b"\xEF\xBB\xBFTimeGenerated,Name\n2026,a\n";
        let (p, n) = prefix(SplitKind::Csv, csv).unwrap();
        assert_eq!((&*p, n), (&b"\xEF\xBB\xBFTimeGenerated,Name\n"[..], 1));
        assert!(prefix(SplitKind::Csv, b"\"Time\nGenerated\",x\n").is_none(), "quoted header");
        assert!(prefix(SplitKind::Csv, b"no newline in the head").is_none());
        let zeek = b"#separator \\x09\n#fields\tts\tquery\n1\ta\n";
        let (p, n) = prefix(SplitKind::Zeek, zeek).unwrap();
        assert_eq!((&*p, n), (&b"#separator \\x09\n#fields\tts\tquery\n"[..], 2));
        assert_eq!(&*prefix(SplitKind::Zeek, b"1\ta\n").unwrap().0, b"");
        assert!(prefix(SplitKind::Zeek, b"#fields\tts").is_none(), "header runs past the head");
        assert_eq!(prefix(SplitKind::Lines, b"x\n").unwrap().1, 0);
    }

    #[test]
    fn scans_find_open_quotes_and_layout_changes() {
        let s = Scan::of(SplitKind::Csv, b"a,\"b\nc\",d\ne,\"f\n");
        assert_eq!(s, Scan { lines: 3, odd_quotes: true, zeek_header: false });
        assert!(!Scan::of(SplitKind::Csv, b"a,\"b\"\"c\"\n").odd_quotes);
        assert!(!Scan::of(SplitKind::Lines, b"\"\n").odd_quotes, "quotes only matter in CSV");
        assert!(Scan::of(SplitKind::Zeek, b"1\ta\n#fields\tts\n").zeek_header);
        assert!(Scan::of(SplitKind::Zeek, b"#separator \\x09\n").zeek_header);
        assert!(!Scan::of(SplitKind::Zeek, b"1\ta\n#close\t2026\n#path\tdns\n").zeek_header);
        assert_eq!(Scan::of(SplitKind::Zeek, b""), Scan::default());
    }

    #[test]
    fn gzip_is_not_plain() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"hello\n").unwrap();
        let (gz, _) = temp("z.gz", &enc.finish().unwrap());
        assert!(!is_plain(&gz, b"hello\n").unwrap());
        let (plain, _) = temp("p.log", b"hello\n");
        assert!(is_plain(&plain, b"hello\n").unwrap());
    }

    #[test]
    fn shared_bytes_reads_and_hands_the_buffer_back() {
        let bytes = Arc::new(b"one\ntwo\n".to_vec());
        let mut r = SharedBytes { bytes: bytes.clone(), pos: 0 };
        let mut lines = Vec::new();
        let mut s = String::new();
        while r.read_line(&mut s).unwrap() > 0 {
            lines.push(std::mem::take(&mut s));
        }
        assert_eq!(lines, ["one\n", "two\n"]);
        drop(r);
        assert_eq!(Arc::try_unwrap(bytes).unwrap(), b"one\ntwo\n");
    }
}
