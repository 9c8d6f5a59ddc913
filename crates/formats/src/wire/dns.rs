//! DNS wire-format messages (RFC 1035 §4, RFC 6895): a strict, allocation-free summary parser.
//!
//! It reads the header, the first question (name in presentation form, type, class) and walks
//! every resource record of the answer, authority and additional sections to check their bounds,
//! counting answers and noting SOA records at the start and end of the answer section (a zone
//! transfer, RFC 5936, opens and closes with the zone's SOA). Quirks handled:
//! - name compression (RFC 1035 §4.1.4): a pointer must point strictly before the label that
//!   holds it, so pointer chains always move backwards and cannot loop; at most
//!   [`MAX_POINTERS`] are followed per name;
//! - names longer than 255 octets, labels with the reserved `01`/`10` type bits, records whose
//!   RDATA runs past the end, and bytes after the last record are errors;
//! - label bytes outside printable ASCII, `.` and `\` are escaped as in zone files (`\DDD`, `\.`).
//!
//! Every error is a [`DnsError`]; the parser never panics and never reads out of bounds.

use std::fmt::Write as _;

/// At most this many compression pointers are followed while reading one name.
pub const MAX_POINTERS: usize = 64;
/// Longest name in wire form (RFC 1035 §2.3.4).
pub const MAX_NAME_WIRE: usize = 255;
const HEADER_LEN: usize = 12;

/// Why a DNS message could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("message shorter than the 12-byte header ({0} bytes)")]
    ShortHeader(usize),
    #[error("truncated {0}")]
    Truncated(&'static str),
    #[error("name longer than 255 octets")]
    NameTooLong,
    #[error("compression pointer at offset {at} does not point backwards (to {to})")]
    ForwardPointer { at: usize, to: usize },
    #[error("more than {MAX_POINTERS} compression pointers in one name")]
    TooManyPointers,
    #[error("reserved label type {0:#04x}")]
    BadLabelType(u8),
    #[error("SOA record data is not two names and five numbers")]
    BadSoa,
    #[error("{0} bytes after the last record")]
    TrailingBytes(usize),
}

/// The fixed 12-byte header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    pub id: u16,
    pub flags: u16,
    pub qdcount: u16,
    pub ancount: u16,
    pub nscount: u16,
    pub arcount: u16,
}

impl Header {
    /// True for a response (QR bit).
    pub fn is_response(&self) -> bool {
        self.flags & 0x8000 != 0
    }
    pub fn opcode(&self) -> u8 {
        ((self.flags >> 11) & 0xf) as u8
    }
    pub fn authoritative(&self) -> bool {
        self.flags & 0x0400 != 0
    }
    pub fn truncated(&self) -> bool {
        self.flags & 0x0200 != 0
    }
    pub fn recursion_desired(&self) -> bool {
        self.flags & 0x0100 != 0
    }
    /// The 4-bit header RCODE (the EDNS extended bits are not merged).
    pub fn rcode(&self) -> u16 {
        self.flags & 0xf
    }
}

/// The first question of a message. The name is written to the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    pub qtype: u16,
    pub qclass: u16,
}

/// What [`parse`] learned about a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    pub header: Header,
    /// The first question, if `qdcount > 0`; its name is in the `name` buffer given to [`parse`].
    pub question: Option<Question>,
    /// Records in the answer section (equal to `header.ancount` once parsed).
    pub answers: u32,
    /// SOA records in the answer section.
    pub answer_soas: u32,
    /// The first answer record is an SOA.
    pub first_answer_soa: bool,
    /// The last answer record is an SOA.
    pub last_answer_soa: bool,
    /// Serial of the first SOA in the answer section.
    pub first_soa_serial: Option<u32>,
    /// Serial of the last SOA in the answer section.
    pub last_soa_serial: Option<u32>,
}

/// Decodes `msg`, writing the first question's name (presentation form, no trailing dot, `.` for
/// the root) to `name`, which is cleared first.
pub fn parse(msg: &[u8], name: &mut String) -> Result<Summary, DnsError> {
    name.clear();
    if msg.len() < HEADER_LEN {
        return Err(DnsError::ShortHeader(msg.len()));
    }
    let h = Header {
        id: be16(msg, 0),
        flags: be16(msg, 2),
        qdcount: be16(msg, 4),
        ancount: be16(msg, 6),
        nscount: be16(msg, 8),
        arcount: be16(msg, 10),
    };
    let mut s = Summary { header: h, ..Summary::default() };
    let mut pos = HEADER_LEN;
    for i in 0..h.qdcount {
        let out = if i == 0 { Some(&mut *name) } else { None };
        pos = read_name(msg, pos, out)?;
        let fixed = msg.get(pos..pos + 4).ok_or(DnsError::Truncated("question"))?;
        if i == 0 {
            s.question = Some(Question { qtype: be16(fixed, 0), qclass: be16(fixed, 2) });
        }
        pos += 4;
    }
    for i in 0..h.ancount {
        let (next, rtype, rdata) = skip_record(msg, pos)?;
        if rtype == 6 {
            let serial = soa_serial(msg, rdata, next)?;
            if s.first_soa_serial.is_none() {
                s.first_soa_serial = Some(serial);
            }
            s.last_soa_serial = Some(serial);
        }
        pos = next;
        s.answers += 1;
        if rtype == 6 {
            s.answer_soas += 1;
            if i == 0 {
                s.first_answer_soa = true;
            }
        }
        s.last_answer_soa = rtype == 6;
    }
    for _ in 0..u32::from(h.nscount) + u32::from(h.arcount) {
        pos = skip_record(msg, pos)?.0;
    }
    if pos != msg.len() {
        return Err(DnsError::TrailingBytes(msg.len() - pos));
    }
    Ok(s)
}

/// Reads only the header; for callers that need the id and flags of a message they will not
/// decode further.
pub fn header(msg: &[u8]) -> Result<Header, DnsError> {
    if msg.len() < HEADER_LEN {
        return Err(DnsError::ShortHeader(msg.len()));
    }
    Ok(Header {
        id: be16(msg, 0),
        flags: be16(msg, 2),
        qdcount: be16(msg, 4),
        ancount: be16(msg, 6),
        nscount: be16(msg, 8),
        arcount: be16(msg, 10),
    })
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Skips one resource record starting at `pos`; returns the offset after it, its type and the
/// offset of its RDATA.
fn skip_record(msg: &[u8], pos: usize) -> Result<(usize, u16, usize), DnsError> {
    let pos = read_name(msg, pos, None)?;
    let fixed = msg.get(pos..pos + 10).ok_or(DnsError::Truncated("record header"))?;
    let rtype = be16(fixed, 0);
    let rdlen = usize::from(be16(fixed, 8));
    let end = pos + 10 + rdlen;
    if end > msg.len() {
        return Err(DnsError::Truncated("record data"));
    }
    Ok((end, rtype, pos + 10))
}

/// Reads the serial of an SOA record's RDATA (MNAME, RNAME, then five 32-bit numbers), which must
/// fill `rdata_start..end` exactly.
fn soa_serial(msg: &[u8], rdata_start: usize, end: usize) -> Result<u32, DnsError> {
    let p = read_name(msg, rdata_start, None)?;
    let p = read_name(msg, p, None)?;
    if p + 20 != end {
        return Err(DnsError::BadSoa);
    }
    Ok(u32::from_be_bytes([msg[p], msg[p + 1], msg[p + 2], msg[p + 3]]))
}

/// Reads the name at `start`, following compression pointers; returns the offset just after the
/// name's bytes at `start` (after the first pointer, if any). Writes the presentation form to
/// `out` if given.
fn read_name(msg: &[u8], start: usize, mut out: Option<&mut String>) -> Result<usize, DnsError> {
    let mut pos = start;
    // Lowest offset any label of this name was read from: a pointer must go below it.
    let mut floor = start;
    let mut after: Option<usize> = None;
    let mut wire_len = 0usize;
    let mut pointers = 0usize;
    let mut labels = 0usize;
    loop {
        let len = *msg.get(pos).ok_or(DnsError::Truncated("name"))?;
        match len & 0xc0 {
            0x00 => {
                wire_len += usize::from(len) + 1;
                if wire_len > MAX_NAME_WIRE {
                    return Err(DnsError::NameTooLong);
                }
                if len == 0 {
                    if let Some(o) = out.as_deref_mut() {
                        if labels == 0 {
                            o.push('.');
                        }
                    }
                    return Ok(after.unwrap_or(pos + 1));
                }
                let label = msg.get(pos + 1..pos + 1 + usize::from(len)).ok_or(DnsError::Truncated("label"))?;
                if let Some(o) = out.as_deref_mut() {
                    if labels > 0 {
                        o.push('.');
                    }
                    push_label(o, label);
                }
                labels += 1;
                pos += 1 + usize::from(len);
            }
            0xc0 => {
                let lo = *msg.get(pos + 1).ok_or(DnsError::Truncated("compression pointer"))?;
                let to = usize::from(len & 0x3f) << 8 | usize::from(lo);
                if to >= floor {
                    return Err(DnsError::ForwardPointer { at: pos, to });
                }
                pointers += 1;
                if pointers > MAX_POINTERS {
                    return Err(DnsError::TooManyPointers);
                }
                if after.is_none() {
                    after = Some(pos + 2);
                }
                floor = to;
                pos = to;
            }
            _ => return Err(DnsError::BadLabelType(len)),
        }
    }
}

fn push_label(out: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'.' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x21..=0x7e => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_loops_and_forward_pointers_are_errors() {
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
        m.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]); // points at itself
        let mut n = String::new();
        assert_eq!(parse(&m, &mut n), Err(DnsError::ForwardPointer { at: 12, to: 12 }));
        m[13] = 40;
        assert_eq!(parse(&m, &mut n), Err(DnsError::ForwardPointer { at: 12, to: 40 }));
    }

    #[test]
    fn reserved_label_types_and_short_headers() {
        let mut n = String::new();
        assert_eq!(parse(&[0; 5], &mut n), Err(DnsError::ShortHeader(5)));
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 0, 1, 0, 1];
        assert_eq!(parse(&m, &mut n), Err(DnsError::BadLabelType(0x41)));
        m[12] = 0x81;
        assert_eq!(parse(&m, &mut n), Err(DnsError::BadLabelType(0x81)));
    }

    #[test]
    fn escapes_odd_label_bytes() {
        let mut m = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 4, b'a', b'.', b' ', b'\\', 0, 0, 1, 0, 1];
        let mut n = String::new();
        parse(&m, &mut n).unwrap();
        assert_eq!(n, "a\\.\\032\\\\");
        m.push(0);
        assert_eq!(parse(&m, &mut n), Err(DnsError::TrailingBytes(1)));
    }
}
