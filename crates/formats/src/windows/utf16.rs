//! UTF-16 to UTF-8 for exported XML: PowerShell 5 redirection (`wevtutil qe ... > file.xml`)
//! and some Event Viewer exports write UTF-16 with a byte-order mark.

use std::io::{self, BufRead, Read};

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
pub fn decode_bom(mut reader: Box<dyn BufRead + Send>) -> io::Result<Box<dyn Read + Send>> {
    let head = reader.fill_buf()?;
    let big_endian = match head {
        [0xFF, 0xFE, ..] => false,
        [0xFE, 0xFF, ..] => true,
        _ => return Ok(reader),
    };
    reader.consume(2);
    Ok(Box::new(Utf16ToUtf8 { inner: reader, big_endian, out: Vec::new(), pos: 0, pending_high: None }))
}
