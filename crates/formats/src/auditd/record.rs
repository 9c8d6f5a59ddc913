//! One line of a raw Linux audit log (`/var/log/audit/audit.log`, `ausearch --raw`):
//!
//! ```text
//! [node=HOST ]type=TYPE msg=audit(EPOCH.MS:SERIAL): key=value key="quoted" key=HEX…[\x1dENRICHED=…]
//! ```
//!
//! Values are bare tokens, `"quoted"` strings (the kernel never escapes inside quotes: a value that
//! would need escaping — space, quote, control or non-ASCII byte — is written as unquoted hex
//! instead), `'single quoted'` (user-space `msg='…'` payloads), or `(null)`. With
//! `log_format = ENRICHED` auditd appends resolved fields in upper case (`UID="root"`,
//! `AUID="alice"`, `SYSCALL=execve`) after a `\x1d` (ASCII GS) separator; we treat GS like a space
//! and tell enriched fields apart by their upper-case keys.

use crate::RecordError;

/// The fixed part of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    pub node: Option<&'a str>,
    pub kind: &'a str,
    pub secs: i64,
    pub millis: u32,
    pub serial: u64,
    /// Everything after `): `.
    pub body: &'a str,
}

/// Splits the header off a line.
pub fn parse_header(line: &str) -> Result<Header<'_>, RecordError> {
    let mut rest = line;
    let mut node = None;
    if let Some(r) = rest.strip_prefix("node=") {
        let end = r.find(' ').ok_or(RecordError::Truncated("node= prefix without a record"))?;
        node = Some(&r[..end]);
        rest = &r[end + 1..];
    }
    let r = rest
        .strip_prefix("type=")
        .ok_or_else(|| RecordError::Unrecognised(format!("not an audit record: `{}`", RecordError::quote(line))))?;
    let end = r.find(' ').ok_or(RecordError::Truncated("type= without msg=audit(…)"))?;
    let kind = &r[..end];
    let r = r[end + 1..].trim_start();
    let r = r.strip_prefix("msg=audit(").ok_or(RecordError::MissingField("msg=audit("))?;
    let close = r.find(')').ok_or(RecordError::Truncated("msg=audit( without `)`"))?;
    let stamp = &r[..close];
    let body = r[close + 1..].strip_prefix(':').unwrap_or(&r[close + 1..]);
    let body = body.strip_prefix(' ').unwrap_or(body);
    let bad = || RecordError::BadTimestamp(RecordError::quote(stamp));
    let (time, serial) = stamp.split_once(':').ok_or_else(bad)?;
    let (secs, frac) = time.split_once('.').unwrap_or((time, "0"));
    if frac.is_empty() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let secs: i64 = digits(secs).ok_or_else(bad)?;
    let serial: u64 = digits(serial).ok_or_else(bad)?;
    // The fraction is milliseconds (three digits); scale whatever width it has.
    let mut millis: u64 = digits(frac).ok_or_else(bad)?;
    for _ in frac.len()..3 {
        millis *= 10;
    }
    for _ in 3..frac.len() {
        millis /= 10;
    }
    if kind.is_empty() {
        return Err(RecordError::MissingField("type"));
    }
    Ok(Header { node, kind, secs, millis: millis as u32, serial, body })
}

fn digits<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A field value as written in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raw<'a> {
    /// `"…"` or `'…'`, quotes removed.
    Quoted(&'a str),
    /// A bare token: a number, a name, hex-encoded bytes, `(null)`.
    Bare(&'a str),
    /// An opening quote with no closing one: the line was cut.
    Unterminated,
}

/// Iterates `key=value` pairs of a record body. Tokens without `=` are skipped.
pub struct Fields<'a> {
    s: &'a str,
    i: usize,
}

pub fn fields(body: &str) -> Fields<'_> {
    Fields { s: body, i: 0 }
}

fn is_sep(b: u8) -> bool {
    b == b' ' || b == 0x1d || b == b'\t'
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a str, Raw<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.s.as_bytes();
        loop {
            while self.i < b.len() && is_sep(b[self.i]) {
                self.i += 1;
            }
            if self.i >= b.len() {
                return None;
            }
            let start = self.i;
            while self.i < b.len() && b[self.i] != b'=' && !is_sep(b[self.i]) {
                self.i += 1;
            }
            if self.i >= b.len() || b[self.i] != b'=' {
                continue; // a token without `=`
            }
            let key = &self.s[start..self.i];
            self.i += 1;
            let q = b.get(self.i).copied();
            if q == Some(b'"') || q == Some(b'\'') {
                let open = self.i + 1;
                return match memchr::memchr(q.unwrap_or(b'"'), &b[open..]) {
                    Some(n) => {
                        self.i = open + n + 1;
                        Some((key, Raw::Quoted(&self.s[open..open + n])))
                    }
                    None => {
                        self.i = b.len();
                        Some((key, Raw::Unterminated))
                    }
                };
            }
            let vstart = self.i;
            while self.i < b.len() && !is_sep(b[self.i]) {
                self.i += 1;
            }
            return Some((key, Raw::Bare(&self.s[vstart..self.i])));
        }
    }
}

/// Decodes an untrusted value the way auditd encodes it: quoted text as is, unquoted hex as
/// bytes (not-UTF-8 bytes become U+FFFD), `(null)` as empty. Appends to `out`.
pub fn decode_into(field: &'static str, raw: Raw<'_>, out: &mut String) -> Result<(), RecordError> {
    match raw {
        Raw::Quoted(s) => out.push_str(s),
        Raw::Bare("(null)") | Raw::Bare("(none)") => {}
        Raw::Bare(h) => hex_into(field, h, out)?,
        Raw::Unterminated => return Err(RecordError::Truncated("quoted value without closing quote")),
    }
    Ok(())
}

/// Appends hex-decoded `h` to `out`.
pub fn hex_into(field: &'static str, h: &str, out: &mut String) -> Result<(), RecordError> {
    let bad = || RecordError::BadValue { field, value: RecordError::quote(h) };
    if h.len() & 1 == 1 {
        return Err(bad());
    }
    let b = h.as_bytes();
    let start = out.len();
    // Fast path: ASCII bytes go straight in; anything else collects into a byte buffer.
    let mut bytes: Option<Vec<u8>> = None;
    for pair in b.chunks_exact(2) {
        let v = (nibble(pair[0]).ok_or_else(bad)? << 4) | nibble(pair[1]).ok_or_else(bad)?;
        match &mut bytes {
            Some(buf) => buf.push(v),
            None if v.is_ascii() => out.push(v as char),
            None => {
                let mut buf = out.as_bytes()[start..].to_vec();
                buf.push(v);
                bytes = Some(buf);
            }
        }
    }
    if let Some(buf) = bytes {
        out.truncate(start);
        out.push_str(&String::from_utf8_lossy(&buf));
    }
    Ok(())
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// An EXECVE argument key: `a3` → `Whole(3)`, `a3_len` → `Len(3)`, `a3[1]` → `Chunk(3, 1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKey {
    Whole(usize),
    Len(usize),
    Chunk(usize, usize),
}

pub fn arg_key(key: &str) -> Option<ArgKey> {
    let rest = key.strip_prefix('a')?;
    let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let n: usize = digits(&rest[..end])?;
    match &rest[end..] {
        "" => Some(ArgKey::Whole(n)),
        "_len" => Some(ArgKey::Len(n)),
        tail => {
            let i = tail.strip_prefix('[')?.strip_suffix(']')?;
            Some(ArgKey::Chunk(n, digits(i)?))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_with_node_and_fields_with_gs() {
        let line = "node=web1 type=SYSCALL msg=audit(1732700000.123:42): arch=c000003e exe=\"/usr/bin/dig\" \
                    key=(null) a=2F\u{1d}AUID=\"alice\" UID=\"root\"";
        let h = parse_header(line).unwrap();
        assert_eq!((h.node, h.kind, h.secs, h.millis, h.serial), (Some("web1"), "SYSCALL", 1732700000, 123, 42));
        let f: Vec<_> = fields(h.body).collect();
        assert_eq!(
            f,
            [
                ("arch", Raw::Bare("c000003e")),
                ("exe", Raw::Quoted("/usr/bin/dig")),
                ("key", Raw::Bare("(null)")),
                ("a", Raw::Bare("2F")),
                ("AUID", Raw::Quoted("alice")),
                ("UID", Raw::Quoted("root")),
            ]
        );
    }

    #[test]
    fn bad_headers() {
        assert!(matches!(parse_header("hello"), Err(RecordError::Unrecognised(_))));
        assert_eq!(
            parse_header("type=EOE msg=audit(12x.1:2): ").unwrap_err(),
            RecordError::BadTimestamp("12x.1:2".into())
        );
        assert_eq!(parse_header("type=EOE msg=audit(1.000:2"), Err(RecordError::Truncated("msg=audit( without `)`")));
        assert_eq!(parse_header("type=EOE"), Err(RecordError::Truncated("type= without msg=audit(…)")));
    }

    #[test]
    fn hex_and_args() {
        let mut s = String::new();
        hex_into("a1", "612062", &mut s).unwrap();
        assert_eq!(s, "a b");
        s.clear();
        hex_into("a1", "41C3A9FF", &mut s).unwrap();
        assert_eq!(s, "Aé\u{FFFD}");
        assert!(hex_into("a1", "4G", &mut s).is_err());
        assert!(hex_into("a1", "414", &mut s).is_err());
        assert_eq!(arg_key("a12"), Some(ArgKey::Whole(12)));
        assert_eq!(arg_key("a2_len"), Some(ArgKey::Len(2)));
        assert_eq!(arg_key("a2[10]"), Some(ArgKey::Chunk(2, 10)));
        assert_eq!(arg_key("arch"), None);
        assert_eq!(arg_key("a1x"), None);
    }
}
