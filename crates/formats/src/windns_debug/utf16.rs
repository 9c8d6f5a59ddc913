//! UTF-16 input: a `dns.log` copied with Windows PowerShell 5 (`Get-Content … | Out-File`, `>`)
//! becomes UTF-16LE with a byte-order mark. Such a stream is transcoded to UTF-8 on the fly, so
//! the line reader sees the text; unpaired surrogates become U+FFFD (and the line then fails to
//! parse and is rejected like any other bad line).

use std::io::{self, BufRead, Read};

/// The byte order announced by a UTF-16 byte-order mark at the start of `head`, if any.
pub fn bom(head: &[u8]) -> Option<Endian> {
    match head {
        [0xFF, 0xFE, ..] => Some(Endian::Little),
        [0xFE, 0xFF, ..] => Some(Endian::Big),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

/// Decodes UTF-16 (after its byte-order mark) into UTF-8.
pub struct Utf16Reader<R> {
    inner: R,
    endian: Endian,
    started: bool,
    /// A high surrogate waiting for its pair.
    pending: Option<u16>,
    /// An odd byte left over from the previous chunk.
    odd: Option<u8>,
    out: Vec<u8>,
    pos: usize,
}

impl<R: BufRead> Utf16Reader<R> {
    pub fn new(inner: R, endian: Endian) -> Self {
        Utf16Reader { inner, endian, started: false, pending: None, odd: None, out: Vec::new(), pos: 0 }
    }

    fn push_unit(&mut self, unit: u16) {
        let mut units = [0u16; 2];
        let slice: &[u16] = match (self.pending.take(), unit) {
            (None, 0xD800..=0xDBFF) => {
                self.pending = Some(unit);
                return;
            }
            (Some(high), 0xDC00..=0xDFFF) => {
                units = [high, unit];
                &units
            }
            (Some(_), 0xD800..=0xDBFF) => {
                // Unpaired high surrogate followed by another high one.
                self.push_char(char::REPLACEMENT_CHARACTER);
                self.pending = Some(unit);
                return;
            }
            (Some(_), _) => {
                self.push_char(char::REPLACEMENT_CHARACTER);
                units[0] = unit;
                &units[..1]
            }
            (None, _) => {
                units[0] = unit;
                &units[..1]
            }
        };
        for c in char::decode_utf16(slice.iter().copied()) {
            self.push_char(c.unwrap_or(char::REPLACEMENT_CHARACTER));
        }
    }

    fn push_char(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    }

    /// Decodes the next chunk of input into `out`; false at the end of the input.
    fn fill(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        let chunk = self.inner.fill_buf()?;
        if chunk.is_empty() {
            if self.pending.take().is_some() || self.odd.take().is_some() {
                self.push_char(char::REPLACEMENT_CHARACTER);
                return Ok(true);
            }
            return Ok(false);
        }
        let mut bytes: Vec<u8> = Vec::with_capacity(chunk.len() + 1);
        bytes.extend(self.odd.take());
        bytes.extend_from_slice(chunk);
        let n = chunk.len();
        self.inner.consume(n);
        let mut start = 0;
        if !self.started {
            self.started = true;
            if bytes.len() >= 2 && bom(&bytes[..2]).is_some() {
                start = 2;
            }
        }
        let body = &bytes[start..];
        let pairs = body.len() / 2;
        for i in 0..pairs {
            let (a, b) = (body[2 * i], body[2 * i + 1]);
            let unit = match self.endian {
                Endian::Little => u16::from_le_bytes([a, b]),
                Endian::Big => u16::from_be_bytes([a, b]),
            };
            self.push_unit(unit);
        }
        if body.len() % 2 == 1 {
            self.odd = Some(body[body.len() - 1]);
        }
        Ok(true)
    }
}

impl<R: BufRead> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.out.len() {
            if !self.fill()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.out.len() - self.pos);
        buf[..n].copy_from_slice(&self.out[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Decodes a UTF-16 head (for sniffing and date-order detection), lossily.
pub fn decode_head(head: &[u8], endian: Endian) -> String {
    let units = head[2..].chunks_exact(2).map(|p| match endian {
        Endian::Little => u16::from_le_bytes([p[0], p[1]]),
        Endian::Big => u16::from_be_bytes([p[0], p[1]]),
    });
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(s: &str, endian: Endian) -> Vec<u8> {
        let mut out = match endian {
            Endian::Little => vec![0xFF, 0xFE],
            Endian::Big => vec![0xFE, 0xFF],
        };
        for u in s.encode_utf16() {
            out.extend(match endian {
                Endian::Little => u.to_le_bytes(),
                Endian::Big => u.to_be_bytes(),
            });
        }
        out
    }

    #[test]
    fn round_trip_through_tiny_chunks() {
        let text = "11/27/2026 1:14:15 PM x (3)www(0)\r\nzweite Zeile ü 🦀\n";
        for endian in [Endian::Little, Endian::Big] {
            let bytes = encode(text, endian);
            assert_eq!(bom(&bytes), Some(endian));
            // A 3-byte buffer splits code units and surrogate pairs across chunks.
            let inner = io::BufReader::with_capacity(3, io::Cursor::new(bytes.clone()));
            let mut out = String::new();
            Utf16Reader::new(inner, endian).read_to_string(&mut out).unwrap();
            assert_eq!(out, text);
            assert_eq!(decode_head(&bytes, endian), text);
        }
    }

    #[test]
    fn broken_surrogates_and_odd_tails_become_replacement_characters() {
        let bytes = [0xFF, 0xFE, b'a', 0, 0x00, 0xD8, b'b', 0, b'c'];
        let mut out = String::new();
        Utf16Reader::new(&bytes[..], Endian::Little).read_to_string(&mut out).unwrap();
        assert_eq!(out, "a\u{FFFD}b\u{FFFD}");
        assert_eq!(bom(b"11/27"), None);
    }
}
