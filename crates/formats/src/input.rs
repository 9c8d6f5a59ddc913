//! Opening inputs: files, directories (recursive, sorted), `-` for stdin; gzip and zstd decoded
//! on the fly by magic number, whatever the file's name.
//!
//! gzip: magic `1f 8b`, members concatenated (`cat a.gz b.gz`). zstd (RFC 8878): magic
//! `28 b5 2f fd`, or a skippable frame (`5? 2a 4d 18`) first; frames concatenated, skippable
//! frames skipped. A compressed stream that is cut short or corrupt fails the read with an error
//! naming the compression; the hunt counts it as one reject and keeps what was read before.
//! [`open_counted`] also counts the bytes read from the file (compressed bytes for a compressed
//! file), for a progress display.

use crate::{InputError, Source};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

const BUF: usize = 256 * 1024;

/// One input named on the command line, after directory expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputPath {
    Stdin,
    File(PathBuf),
}

impl InputPath {
    pub fn display_name(&self) -> String {
        match self {
            InputPath::Stdin => "-".to_string(),
            InputPath::File(p) => p.display().to_string(),
        }
    }
}

/// Expands directories into the regular files below them (sorted, so runs are repeatable).
/// A path that does not exist or cannot be listed is an error: it stops the run.
pub fn expand_paths(args: &[PathBuf]) -> Result<Vec<InputPath>, InputError> {
    let mut out = Vec::new();
    for a in args {
        if a.as_os_str() == "-" {
            out.push(InputPath::Stdin);
            continue;
        }
        let meta = std::fs::metadata(a).map_err(|source| InputError::Io { path: a.clone(), source })?;
        if meta.is_dir() {
            walk(a, &mut out)?;
        } else {
            out.push(InputPath::File(a.clone()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<InputPath>) -> Result<(), InputError> {
    let io_err = |source| InputError::Io { path: dir.to_path_buf(), source };
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io_err)?.collect::<Result<_, _>>().map_err(io_err)?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        let ft = e.file_type().map_err(|source| InputError::Io { path: p.clone(), source })?;
        if ft.is_dir() {
            walk(&p, out)?;
        } else if ft.is_file() || (ft.is_symlink() && p.is_file()) {
            out.push(InputPath::File(p));
        }
    }
    Ok(())
}

/// Opens an input and undoes gzip or zstd compression, detected from the first bytes.
pub fn open(input: &InputPath) -> Result<Source, InputError> {
    open_counted(input, None)
}

/// As [`open`], adding every byte read from the file or stdin to `counter`.
pub fn open_counted(input: &InputPath, counter: Option<Arc<AtomicU64>>) -> Result<Source, InputError> {
    let (name, path, mut raw): (Arc<str>, Option<PathBuf>, Box<dyn Read + Send>) = match input {
        InputPath::Stdin => ("-".into(), None, Box::new(io::stdin())),
        InputPath::File(p) => {
            let f = File::open(p).map_err(|source| InputError::Io { path: p.clone(), source })?;
            (p.display().to_string().into(), Some(p.clone()), Box::new(f))
        }
    };
    if let Some(counter) = counter {
        raw = Box::new(Counting { inner: raw, counter });
    }
    let mut buffered = BufReader::with_capacity(BUF, raw);
    let head = buffered
        .fill_buf()
        .map_err(|source| InputError::Io { path: path.clone().unwrap_or_else(|| "-".into()), source })?;
    let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(BUF, flate2::bufread::MultiGzDecoder::new(buffered)))
    } else if is_zstd(head) {
        let decoder = zstd::stream::read::Decoder::with_buffer(buffered)
            .map_err(|source| InputError::Io { path: path.clone().unwrap_or_else(|| "-".into()), source })?;
        Box::new(BufReader::with_capacity(BUF, Named { inner: decoder, what: "zstd" }))
    } else {
        Box::new(buffered)
    };
    Ok(Source { name, path, reader })
}

/// A zstd frame, or a skippable frame (which may precede the first zstd frame).
fn is_zstd(head: &[u8]) -> bool {
    head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || (head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18])
}

/// Adds the bytes it reads to a shared counter.
struct Counting {
    inner: Box<dyn Read + Send>,
    counter: Arc<AtomicU64>,
}

impl Read for Counting {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.counter.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A reader that fails once with a stored error, then reads as empty.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        self.0.take().map_or(Ok(0), Err)
    }
}

/// Names the decompressor in its errors (`zstd: incomplete frame`), which otherwise say nothing
/// of where they come from.
struct Named<R> {
    inner: R,
    what: &'static str,
}

impl<R: Read> Read for Named<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", self.what)))
    }
}

/// Reads up to `n` bytes from the front of `source` for sniffing and puts them back, so the
/// reader still sees the whole stream. A read error after some bytes (a small compressed file
/// cut short) is kept for the reader to meet after those bytes, where it is counted.
pub fn peek(source: Source, n: usize) -> io::Result<(Vec<u8>, Source)> {
    let Source { name, path, mut reader } = source;
    let mut head = Vec::with_capacity(n.min(BUF));
    let tail: Box<dyn Read + Send> = match (&mut reader).take(n as u64).read_to_end(&mut head) {
        Ok(_) => Box::new(reader),
        Err(e) if !head.is_empty() => Box::new(Failing(Some(e))),
        Err(e) => return Err(e),
    };
    let rest: Box<dyn BufRead + Send> =
        Box::new(BufReader::with_capacity(BUF, io::Cursor::new(head.clone()).chain(tail)));
    Ok((head, Source { name, path, reader: rest }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gzip_is_decoded_by_magic_and_peek_puts_bytes_back() {
        let dir = std::env::temp_dir().join(format!("rw-input-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let plain = dir.join("sub/a.log");
        std::fs::write(&plain, b"hello\nworld\n").unwrap();
        let gz = dir.join("b.weird-extension");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"zipped\n").unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();

        let inputs = expand_paths(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(inputs, vec![InputPath::File(gz.clone()), InputPath::File(plain.clone())]);
        let (head, src) = peek(open(&inputs[0]).unwrap(), 3).unwrap();
        assert_eq!(head, b"zip");
        let mut all = String::new();
        { src }.reader.read_to_string(&mut all).unwrap();
        assert_eq!(all, "zipped\n");
        assert!(matches!(expand_paths(&[dir.join("nope")]), Err(InputError::Io { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
