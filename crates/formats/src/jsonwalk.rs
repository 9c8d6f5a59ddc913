//! Shared by the JSON-lines sensor formats (`zeek-dns` JSON, `suricata-eve`, `route53-resolver`,
//! `ecs-dns`): one JSON object per line, walked with serde_json straight from the line buffer
//! without building a `Value` tree. Every scalar leaf is handed to a callback with its dotted path
//! (`{"dns":{"question":{"name":"x"}}}` and `{"dns.question.name":"x"}` both give
//! `dns.question.name`), strings borrowed from the line unless they hold escapes. Array elements
//! share the array's path; after an array ends the callback also gets [`Val::Len`] for it.

use crate::{EventReader, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{parse_ip, parse_time, Event, Extra, Timestamp};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt::{self, Write};
use std::io;
use std::net::IpAddr;

/// One JSON leaf.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<'a> {
    Str(Cow<'a, str>),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
    Null,
    /// Number of elements of the array that just ended at this path.
    Len(usize),
}

impl Val<'_> {
    /// The value as text for `Extra` and error messages (`Len` and `Null` give nothing).
    pub fn write_text(&self, out: &mut String) {
        match self {
            Val::Str(s) => out.push_str(s),
            Val::I64(n) => {
                let _ = write!(out, "{n}");
            }
            Val::U64(n) => {
                let _ = write!(out, "{n}");
            }
            Val::F64(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Null | Val::Len(_) => {}
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn quoted(&self) -> String {
        let mut s = String::new();
        match self {
            Val::Len(n) => {
                let _ = write!(s, "[array of {n}]");
            }
            Val::Null => s.push_str("null"),
            _ => self.write_text(&mut s),
        }
        RecordError::quote(&s)
    }

    /// A `BadValue` error for field `field` quoting this value.
    pub fn bad(&self, field: &'static str) -> RecordError {
        RecordError::BadValue { field, value: self.quoted() }
    }

    /// A string, or `BadValue` for any other type.
    pub fn str(&self, field: &'static str) -> Result<&str, RecordError> {
        self.as_str().ok_or_else(|| self.bad(field))
    }

    /// An unsigned integer written as a JSON number or as a decimal string.
    pub fn uint<T: TryFrom<u64> + std::str::FromStr>(&self, field: &'static str) -> Result<T, RecordError> {
        match self {
            Val::U64(n) => T::try_from(*n).ok(),
            Val::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| self.bad(field))
    }

    /// An IP address string.
    pub fn ip(&self, field: &'static str) -> Result<IpAddr, RecordError> {
        let s = self.str(field)?;
        parse_ip(s).ok_or_else(|| RecordError::BadIp(RecordError::quote(s)))
    }

    /// A time: RFC 3339 / ISO 8601 string, epoch-seconds string, or epoch seconds as a JSON number
    /// (a float is rounded to the microsecond, which is what Zeek writes).
    pub fn time(&self) -> Result<Timestamp, RecordError> {
        let t = match self {
            Val::Str(s) => parse_time(s),
            Val::U64(n) => i64::try_from(*n).ok().map(Timestamp::from_secs),
            Val::I64(n) => Some(Timestamp::from_secs(*n)),
            Val::F64(f) if f.is_finite() && f.abs() < 9.0e9 => Some(Timestamp::from_micros((f * 1e6).round() as i64)),
            _ => None,
        };
        t.ok_or_else(|| RecordError::BadTimestamp(self.quoted()))
    }
}

/// Appends an unmapped leaf to `extra`; elements of one array are joined with `,`.
pub fn push_extra(extra: &mut Extra, path: &str, v: &Val<'_>) {
    if matches!(v, Val::Len(_) | Val::Null) {
        return;
    }
    if let Some((k, s)) = extra.0.last_mut() {
        if &**k == path {
            s.push(',');
            v.write_text(s);
            return;
        }
    }
    let mut s = String::new();
    v.write_text(&mut s);
    extra.push(path, s);
}

/// Walks one JSON object, calling `f(path, leaf)` for every leaf. Anything but an object at the top
/// is an error.
pub fn walk<'de, F: FnMut(&str, Val<'de>)>(line: &'de str, path: &mut String, f: &mut F) -> Result<(), RecordError> {
    if !line.trim_start().starts_with('{') {
        return Err(RecordError::Json("not a JSON object".into()));
    }
    path.clear();
    let mut de = serde_json::Deserializer::from_str(line);
    let res = Walk { path, f }.deserialize(&mut de).and_then(|()| de.end());
    res.map_err(|e| RecordError::Json(e.to_string()))
}

struct Walk<'p, F> {
    path: &'p mut String,
    f: &'p mut F,
}

impl<'de, F: FnMut(&str, Val<'de>)> DeserializeSeed<'de> for Walk<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(&str, Val<'de>)> Visitor<'de> for Walk<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        (self.f)(self.path, Val::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        (self.f)(self.path, Val::I64(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        (self.f)(self.path, Val::U64(v));
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        (self.f)(self.path, Val::F64(v));
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        (self.f)(self.path, Val::Null);
        Ok(())
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<(), E> {
        (self.f)(self.path, Val::Str(Cow::Borrowed(v)));
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        (self.f)(self.path, Val::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }
    fn visit_string<E>(self, v: String) -> Result<(), E> {
        (self.f)(self.path, Val::Str(Cow::Owned(v)));
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while seq.next_element_seed(Walk { path: &mut *self.path, f: &mut *self.f })?.is_some() {
            n += 1;
        }
        (self.f)(self.path, Val::Len(n));
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let base = self.path.len();
        while map.next_key_seed(Key(&mut *self.path))?.is_some() {
            map.next_value_seed(Walk { path: &mut *self.path, f: &mut *self.f })?;
            self.path.truncate(base);
        }
        Ok(())
    }
}

/// Appends `.key` (or `key` at the top) to the path.
struct Key<'p>(&'p mut String);

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for Key<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        if !self.0.is_empty() {
            self.0.push('.');
        }
        self.0.push_str(v);
        Ok(())
    }
}

/// What one JSON line turned into.
pub enum Outcome {
    /// `out` holds an event.
    Event,
    /// A record that is not an event by design (another Suricata event type, a non-DNS ECS
    /// document): counted as ignored, not rejected.
    Ignored,
}

/// Drives a JSON-lines format: skips blank lines, hands each other line to `parse`, counts
/// rejects (with file and line) and ignored records.
pub struct JsonLines {
    pub lines: LineReader,
    pub path: String,
    pub ignored: u64,
}

impl JsonLines {
    pub fn new(lines: LineReader) -> Self {
        JsonLines { lines, path: String::with_capacity(64), ignored: 0 }
    }

    pub fn next<P>(&mut self, rejects: &mut Rejects, mut parse: P) -> io::Result<bool>
    where
        P: FnMut(&str, &mut String) -> Result<Outcome, RecordError>,
    {
        loop {
            let Some(line) = self.lines.next_line(rejects)? else { return Ok(false) };
            if line.trim().is_empty() {
                continue;
            }
            match parse(line, &mut self.path) {
                Ok(Outcome::Event) => return Ok(true),
                Ok(Outcome::Ignored) => self.ignored += 1,
                Err(e) => {
                    let n = self.lines.line_no();
                    rejects.push(&self.lines.source, n, e);
                }
            }
        }
    }
}

/// Maps one JSON line to an event: a JSON-lines DNS format's parser, given the `--server` name.
pub type LineParser = fn(&str, &mut String, &mut Event, Option<&str>) -> Result<Outcome, RecordError>;

/// The reader of a JSON-lines format that needs nothing beyond its line parser (ECS, Route 53).
pub struct ParsedLines {
    j: JsonLines,
    server: Option<String>,
    parse: LineParser,
}

impl ParsedLines {
    pub fn open(source: Source, opts: &ReadOptions, parse: LineParser) -> Box<dyn EventReader> {
        Box::new(ParsedLines { j: JsonLines::new(LineReader::new(source, opts)), server: opts.server.clone(), parse })
    }
}

impl EventReader for ParsedLines {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        let ParsedLines { j, server, parse } = self;
        j.next(rejects, |line, path| parse(line, path, out, server.as_deref()))
    }
    fn ignored(&self) -> u64 {
        self.j.ignored
    }
}

/// The first non-blank line of a sniffed head (may be cut short at the end of the head).
pub fn first_line(head: &[u8]) -> &[u8] {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.split(|&b| b == b'\n').find(|l| !l.iter().all(u8::is_ascii_whitespace)).unwrap_or(&[])
}

/// Whether `hay` contains `needle`.
pub fn has(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Whether `hay` contains the JSON key `key` (`"key"` followed by optional spaces and `:`).
pub fn has_key(hay: &[u8], key: &str) -> bool {
    let mut pat = Vec::with_capacity(key.len() + 2);
    pat.push(b'"');
    pat.extend_from_slice(key.as_bytes());
    pat.push(b'"');
    memchr::memmem::find_iter(hay, &pat)
        .any(|i| hay[i + pat.len()..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_dotted_paths_agree_and_arrays_report_length() {
        let mut seen = Vec::new();
        let mut path = String::new();
        let line = r#"{"dns":{"question":{"name":"a\"b"}},"dns.type":"query","xs":[1,{"k":true}],"n":null}"#;
        walk(line, &mut path, &mut |p: &str, v: Val<'_>| seen.push((p.to_string(), v.clone().into_owned()))).unwrap();
        assert_eq!(
            seen,
            vec![
                ("dns.question.name".to_string(), Val::Str("a\"b".into())),
                ("dns.type".to_string(), Val::Str("query".into())),
                ("xs".to_string(), Val::U64(1)),
                ("xs.k".to_string(), Val::Bool(true)),
                ("xs".to_string(), Val::Len(2)),
                ("n".to_string(), Val::Null),
            ]
        );
        assert!(walk("[1]", &mut path, &mut |_: &str, _: Val<'_>| {}).is_err());
        assert!(walk("{\"a\":1} x", &mut path, &mut |_: &str, _: Val<'_>| {}).is_err());
        // Deep nesting is an error (serde_json's recursion limit), not a stack overflow.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        let err = walk(&deep, &mut path, &mut |_: &str, _: Val<'_>| {}).unwrap_err();
        assert!(matches!(&err, RecordError::Json(m) if m.contains("recursion limit")), "{err:?}");
    }

    #[test]
    fn key_sniffing_needs_a_colon() {
        assert!(has_key(br#"{"query_name" : "x"}"#, "query_name"));
        assert!(!has_key(br#"{"a":"query_name"}"#, "query_name"));
    }

    impl Val<'_> {
        fn into_owned(self) -> Val<'static> {
            match self {
                Val::Str(s) => Val::Str(Cow::Owned(s.into_owned())),
                Val::I64(n) => Val::I64(n),
                Val::U64(n) => Val::U64(n),
                Val::F64(n) => Val::F64(n),
                Val::Bool(b) => Val::Bool(b),
                Val::Null => Val::Null,
                Val::Len(n) => Val::Len(n),
            }
        }
    }
}
