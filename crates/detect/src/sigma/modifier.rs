//! Sigma value modifiers (modifiers appendix v2.1): parsing a `field|mod|mod` key, and the
//! transformation modifiers applied in the given order to a value (`contains`, `startswith`,
//! `endswith`, `windash`, `base64`, `base64offset`, `utf16le`/`utf16be`/`utf16`/`wide`).
//!
//! Quirks: string values use Sigma's escaping (`\*`, `\?`, `\\`; a backslash before any other
//! character is literal). `windash` follows pySigma: a `-` or `/` that starts a word (preceded by
//! start or a non-word character, followed by a word character) becomes each of `-`, `/`, `–`,
//! `—`, `―`. `base64offset` yields the three shifted encodings, trimmed of the characters that
//! depend on neighbouring bytes. Encodings need values without wildcards.

use super::strset::Tok;
use base64::Engine;

/// How values of a field key are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Re,
    Cidr,
    Cmp(CmpOp),
    Exists,
    FieldRef,
    Time(TimePart),
}

/// A time modifier: which number to take from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimePart {
    Minute,
    Hour,
    Day,
    /// ISO 8601 week number, 1 to 53.
    Week,
    Month,
    Year,
}

/// `lt`, `lte`, `gt`, `gte`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Lt,
    Lte,
    Gt,
    Gte,
}

impl CmpOp {
    pub(crate) fn holds(self, a: f64, b: f64) -> bool {
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Lte => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Gte => a >= b,
        }
    }
}

/// A transformation modifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transform {
    Contains,
    StartsWith,
    EndsWith,
    Windash,
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16Bom,
}

/// The modifiers of one field key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mods {
    pub transforms: Vec<Transform>,
    pub kind: Kind,
    pub all: bool,
    pub cased: bool,
    pub neq: bool,
    pub expand: bool,
    /// `re` sub-modifiers `i`, `m`, `s`.
    pub re_flags: (bool, bool, bool),
}

/// Error while parsing modifiers: unknown name, or a combination that makes no sense.
pub(crate) enum ModError {
    Unknown(String),
    Bad(String),
}

impl Mods {
    /// Parses the modifier names after the field name.
    pub(crate) fn parse(names: &[&str]) -> Result<Mods, ModError> {
        let mut m = Mods {
            transforms: Vec::new(),
            kind: Kind::Str,
            all: false,
            cased: false,
            neq: false,
            expand: false,
            re_flags: (false, false, false),
        };
        let set_kind = |m: &mut Mods, k: Kind, name: &str| {
            if m.kind != Kind::Str {
                return Err(ModError::Bad(format!("`{name}` cannot be combined with another type modifier")));
            }
            m.kind = k;
            Ok(())
        };
        for &name in names {
            let t = match name {
                "contains" => Some(Transform::Contains),
                "startswith" => Some(Transform::StartsWith),
                "endswith" => Some(Transform::EndsWith),
                "windash" => Some(Transform::Windash),
                "base64" => Some(Transform::Base64),
                "base64offset" => Some(Transform::Base64Offset),
                "utf16le" | "wide" => Some(Transform::Utf16Le),
                "utf16be" => Some(Transform::Utf16Be),
                "utf16" => Some(Transform::Utf16Bom),
                _ => None,
            };
            if let Some(t) = t {
                m.transforms.push(t);
                continue;
            }
            match name {
                "all" => m.all = true,
                "cased" => m.cased = true,
                "neq" => m.neq = true,
                "expand" => m.expand = true,
                "re" => set_kind(&mut m, Kind::Re, name)?,
                "cidr" => set_kind(&mut m, Kind::Cidr, name)?,
                "exists" => set_kind(&mut m, Kind::Exists, name)?,
                "fieldref" => set_kind(&mut m, Kind::FieldRef, name)?,
                "lt" => set_kind(&mut m, Kind::Cmp(CmpOp::Lt), name)?,
                "lte" => set_kind(&mut m, Kind::Cmp(CmpOp::Lte), name)?,
                "gt" => set_kind(&mut m, Kind::Cmp(CmpOp::Gt), name)?,
                "gte" => set_kind(&mut m, Kind::Cmp(CmpOp::Gte), name)?,
                "i" | "m" | "s" if m.kind == Kind::Re => match name {
                    "i" => m.re_flags.0 = true,
                    "m" => m.re_flags.1 = true,
                    _ => m.re_flags.2 = true,
                },
                "i" | "m" | "s" => return Err(ModError::Bad(format!("`{name}` is only allowed after `re`"))),
                "minute" => set_kind(&mut m, Kind::Time(TimePart::Minute), name)?,
                "hour" => set_kind(&mut m, Kind::Time(TimePart::Hour), name)?,
                "day" => set_kind(&mut m, Kind::Time(TimePart::Day), name)?,
                "week" => set_kind(&mut m, Kind::Time(TimePart::Week), name)?,
                "month" => set_kind(&mut m, Kind::Time(TimePart::Month), name)?,
                "year" => set_kind(&mut m, Kind::Time(TimePart::Year), name)?,
                other => return Err(ModError::Unknown(other.to_string())),
            }
        }
        let text_only = !matches!(m.kind, Kind::Str | Kind::FieldRef);
        if text_only && !m.transforms.is_empty() {
            return Err(ModError::Bad("string transformations cannot be combined with this type modifier".into()));
        }
        if m.kind == Kind::FieldRef
            && m.transforms
                .iter()
                .any(|t| !matches!(t, Transform::Contains | Transform::StartsWith | Transform::EndsWith))
        {
            return Err(ModError::Bad("`fieldref` only combines with contains/startswith/endswith".into()));
        }
        Ok(m)
    }
}

/// Parses a Sigma string value into literal text and wildcards.
pub(crate) fn parse_wildcards(s: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut lit = Vec::new();
    let mut it = s.chars().peekable();
    let flush = |lit: &mut Vec<u8>, out: &mut Vec<Tok>| {
        if !lit.is_empty() {
            out.push(Tok::Lit(std::mem::take(lit)));
        }
    };
    while let Some(c) = it.next() {
        match c {
            '\\' => match it.peek() {
                Some(&n @ ('*' | '?' | '\\')) => {
                    it.next();
                    lit.push(n as u8);
                }
                _ => lit.push(b'\\'),
            },
            '*' | '?' => {
                flush(&mut lit, &mut out);
                out.push(if c == '*' { Tok::Star } else { Tok::Quest });
            }
            _ => {
                let mut b = [0u8; 4];
                lit.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
    flush(&mut lit, &mut out);
    out
}

/// Most windash variants one value may expand to.
const WINDASH_LIMIT: usize = 3125;

/// Applies one transformation to every variant of a value.
pub(crate) fn apply(t: Transform, variants: Vec<Vec<Tok>>) -> Result<Vec<Vec<Tok>>, String> {
    let mut out = Vec::with_capacity(variants.len());
    for v in variants {
        match t {
            Transform::Contains => out.push(wrap(v, true, true)),
            Transform::StartsWith => out.push(wrap(v, false, true)),
            Transform::EndsWith => out.push(wrap(v, true, false)),
            Transform::Windash => {
                out.extend(windash(&v));
                if out.len() > WINDASH_LIMIT {
                    return Err("windash expands to too many variants".into());
                }
            }
            Transform::Base64 => out.push(vec![Tok::Lit(b64(&literal(&v, "base64")?).into_bytes())]),
            Transform::Base64Offset => {
                let raw = literal(&v, "base64offset")?;
                for shift in 0..3 {
                    let mut padded = vec![b' '; shift];
                    padded.extend_from_slice(&raw);
                    let enc = b64(&padded);
                    let start = [0, 2, 3][shift];
                    let end = enc.len() - [0, 3, 2][(raw.len() + shift) % 3];
                    if start < end {
                        out.push(vec![Tok::Lit(enc.as_bytes()[start..end].to_vec())]);
                    }
                }
            }
            Transform::Utf16Le | Transform::Utf16Be | Transform::Utf16Bom => out.push(utf16(t, v)?),
        }
    }
    Ok(out)
}

fn wrap(mut v: Vec<Tok>, front: bool, back: bool) -> Vec<Tok> {
    if front && v.first() != Some(&Tok::Star) {
        v.insert(0, Tok::Star);
    }
    if back && v.last() != Some(&Tok::Star) {
        v.push(Tok::Star);
    }
    v
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn literal(v: &[Tok], what: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for t in v {
        match t {
            Tok::Lit(b) => out.extend_from_slice(b),
            _ => return Err(format!("`{what}` cannot encode a value with wildcards")),
        }
    }
    Ok(out)
}

fn utf16(t: Transform, v: Vec<Tok>) -> Result<Vec<Tok>, String> {
    let mut out = Vec::with_capacity(v.len() + 1);
    if t == Transform::Utf16Bom {
        out.push(Tok::Lit(vec![0xff, 0xfe]));
    }
    for tok in v {
        match tok {
            Tok::Lit(b) => {
                let s = String::from_utf8(b).map_err(|_| "value is not UTF-8 before UTF-16 encoding".to_string())?;
                let mut enc = Vec::with_capacity(s.len() * 2);
                for unit in s.encode_utf16() {
                    let bytes = if t == Transform::Utf16Be { unit.to_be_bytes() } else { unit.to_le_bytes() };
                    enc.extend_from_slice(&bytes);
                }
                out.push(Tok::Lit(enc));
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

const DASHES: [&str; 5] = ["-", "/", "\u{2013}", "\u{2014}", "\u{2015}"];

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Expands word-leading `-` and `/` in literal parts to every dash variant.
fn windash(v: &[Tok]) -> Vec<Vec<Tok>> {
    let mut variants: Vec<Vec<Tok>> = vec![Vec::new()];
    for tok in v {
        let Tok::Lit(b) = tok else {
            variants.iter_mut().for_each(|x| x.push(tok.clone()));
            continue;
        };
        let Ok(s) = std::str::from_utf8(b) else {
            variants.iter_mut().for_each(|x| x.push(tok.clone()));
            continue;
        };
        let chars: Vec<char> = s.chars().collect();
        let mut pieces: Vec<Vec<String>> = vec![vec![String::new()]];
        for (i, &c) in chars.iter().enumerate() {
            let prev = if i == 0 { None } else { Some(chars[i - 1]) };
            let next = chars.get(i + 1).copied();
            if (c == '-' || c == '/') && !is_word(prev) && is_word(next) {
                pieces.push(DASHES.iter().map(|d| d.to_string()).collect());
                pieces.push(vec![String::new()]);
            } else if let Some(last) = pieces.last_mut().and_then(|p| p.first_mut()) {
                last.push(c);
            }
        }
        let mut texts = vec![String::new()];
        for options in pieces {
            texts = texts.iter().flat_map(|t| options.iter().map(move |o| format!("{t}{o}"))).collect();
            if texts.len() > WINDASH_LIMIT {
                break;
            }
        }
        variants = variants
            .iter()
            .flat_map(|x| {
                texts.iter().map(move |t| {
                    let mut y = x.clone();
                    y.push(Tok::Lit(t.as_bytes().to_vec()));
                    y
                })
            })
            .collect();
    }
    variants
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Tok {
        Tok::Lit(s.as_bytes().to_vec())
    }

    #[test]
    fn escaping_per_spec() {
        assert_eq!(parse_wildcards(r"C:\Windows\*"), vec![lit(r"C:\Windows*")]);
        assert_eq!(parse_wildcards(r"a\\*"), vec![lit(r"a\"), Tok::Star]);
        assert_eq!(parse_wildcards(r"a\\\*"), vec![lit(r"a\*")]);
        assert_eq!(parse_wildcards(r"a\\\\b"), vec![lit(r"a\\b")]);
        assert_eq!(parse_wildcards(r"a\\\b"), vec![lit(r"a\\b")]);
        assert_eq!(parse_wildcards(r"x?\?"), vec![lit("x"), Tok::Quest, lit("?")]);
        assert_eq!(parse_wildcards("end\\"), vec![lit("end\\")]);
    }

    #[test]
    fn windash_word_leading_only() {
        let v = windash(&[lit("a-b -c /d")]);
        assert_eq!(v.len(), 25);
        assert!(v.contains(&vec![lit("a-b \u{2014}c /d")]));
        assert!(v.contains(&vec![lit("a-b /c -d")]));
        assert!(!v.iter().any(|x| x == &vec![lit("a/b -c /d")]));
    }

    #[test]
    fn base64offset_variants() {
        let v = apply(Transform::Base64Offset, vec![vec![lit("/bin/sh")]]).unwrap();
        let texts: Vec<String> = v.iter().map(|x| String::from_utf8(literal(x, "t").unwrap()).unwrap()).collect();
        assert_eq!(texts, vec!["L2Jpbi9za", "9iaW4vc2", "vYmluL3No"]);
    }

    #[test]
    fn utf16_then_base64() {
        let v = apply(Transform::Utf16Le, vec![vec![lit("cmd")]]).unwrap();
        assert_eq!(v, vec![vec![Tok::Lit(b"c\0m\0d\0".to_vec())]]);
        let b = apply(Transform::Base64, v).unwrap();
        assert_eq!(b, vec![vec![lit("YwBtAGQA")]]);
    }
}
