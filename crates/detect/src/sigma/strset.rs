//! Compiled string patterns of one field: Sigma's case-insensitive-by-default matching with `*` /
//! `?` wildcards, as exact / prefix / suffix / substring / glob tests.
//!
//! Case-insensitive patterns made of ASCII compare bytes with ASCII case folding and never
//! allocate (substrings go through one `aho-corasick` automaton per field, exact values through a
//! hash set when there are many). A pattern containing non-ASCII text compiles to a regular
//! expression with Unicode simple case folding (`(?i)`), so both sides are folded (`ÄRGER` matches
//! `ärger`). The one gap of the ASCII path: the Kelvin sign `K` and long `ſ`, which fold to ASCII
//! `k` / `s`, do not equal ASCII patterns. Globs (wildcards inside the text) also compile to anchored regular expressions.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder};
use regex::Regex;
use std::collections::HashSet;

/// One pattern after modifiers: a sequence of literal text and wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(Vec<u8>),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    Quest,
}

/// Shape of a pattern once its wildcards are analysed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    /// `*`: any value present (not null).
    Any,
    /// Anything else: an anchored regular expression (already escaped).
    Glob(String),
}

/// Classifies merged tokens. Fails when literal bytes are not UTF-8 (after a UTF-16 encoding).
pub(crate) fn shape(toks: &[Tok]) -> Result<Shape, String> {
    let mut merged: Vec<Tok> = Vec::new();
    for t in toks {
        match (merged.last_mut(), t) {
            (Some(Tok::Lit(a)), Tok::Lit(b)) => a.extend_from_slice(b),
            (Some(Tok::Star), Tok::Star) => {}
            _ => merged.push(t.clone()),
        }
    }
    let text =
        |b: &[u8]| String::from_utf8(b.to_vec()).map_err(|_| "value is not valid UTF-8 after encoding".to_string());
    use Tok::*;
    Ok(match merged.as_slice() {
        [] => Shape::Exact(String::new()),
        [Lit(a)] => Shape::Exact(text(a)?),
        [Lit(a), Star] => Shape::Prefix(text(a)?),
        [Star, Lit(a)] => Shape::Suffix(text(a)?),
        [Star, Lit(a), Star] => Shape::Contains(text(a)?),
        [Star] => Shape::Any,
        _ => {
            let mut re = String::from("^");
            for t in &merged {
                match t {
                    Lit(a) => re.push_str(&regex::escape(&text(a)?)),
                    Star => re.push_str(".*"),
                    Quest => re.push('.'),
                }
            }
            re.push('$');
            Shape::Glob(re)
        }
    })
}

/// Exact values above this count go into a hash set.
const SET_THRESHOLD: usize = 8;
/// Longest value lowered on the stack for a hash-set lookup; longer values are compared linearly.
const STACK_LOWER: usize = 256;

/// An OR over string patterns, all with the same case sensitivity.
#[derive(Debug, Clone)]
pub(crate) struct StrSet {
    cased: bool,
    any: bool,
    exact: Vec<Box<[u8]>>,
    exact_set: Option<HashSet<Box<[u8]>>>,
    prefix: Vec<Box<[u8]>>,
    suffix: Vec<Box<[u8]>>,
    contains: Option<AhoCorasick>,
    /// The substrings `contains` looks for (lowered when not `cased`), for [`StrSet::only_contains`].
    contains_lits: Vec<Box<[u8]>>,
    regex: Option<Regex>,
}

impl StrSet {
    /// Compiles shapes; `cased` selects case-sensitive comparison.
    pub(crate) fn new(shapes: Vec<Shape>, cased: bool) -> Result<StrSet, String> {
        let mut s = StrSet {
            cased,
            any: false,
            exact: Vec::new(),
            exact_set: None,
            prefix: Vec::new(),
            suffix: Vec::new(),
            contains: None,
            contains_lits: Vec::new(),
            regex: None,
        };
        let mut contains: Vec<String> = Vec::new();
        let mut regexes: Vec<String> = Vec::new();
        let key = |t: &str| -> Box<[u8]> {
            if cased {
                t.as_bytes().into()
            } else {
                t.to_ascii_lowercase().into_bytes().into()
            }
        };
        for sh in shapes {
            let needs_regex = |t: &str| !cased && !t.is_ascii();
            match sh {
                Shape::Any => s.any = true,
                Shape::Exact(t) if needs_regex(&t) => regexes.push(format!("^{}$", regex::escape(&t))),
                Shape::Prefix(t) if needs_regex(&t) => regexes.push(format!("^{}", regex::escape(&t))),
                Shape::Suffix(t) if needs_regex(&t) => regexes.push(format!("{}$", regex::escape(&t))),
                Shape::Contains(t) if needs_regex(&t) => regexes.push(regex::escape(&t)),
                Shape::Exact(t) => s.exact.push(key(&t)),
                Shape::Prefix(t) => s.prefix.push(key(&t)),
                Shape::Suffix(t) => s.suffix.push(key(&t)),
                Shape::Contains(t) => contains.push(t),
                Shape::Glob(re) => regexes.push(re),
            }
        }
        if s.exact.len() > SET_THRESHOLD {
            s.exact_set = Some(s.exact.drain(..).collect());
        }
        if !contains.is_empty() {
            let ac = AhoCorasickBuilder::new()
                .ascii_case_insensitive(!cased)
                .build(&contains)
                .map_err(|e| format!("cannot build substring matcher: {e}"))?;
            s.contains = Some(ac);
            s.contains_lits = contains.iter().map(|t| key(t)).collect();
        }
        if !regexes.is_empty() {
            let joined = regexes.iter().map(|r| format!("(?:{r})")).collect::<Vec<_>>().join("|");
            let re = regex::RegexBuilder::new(&joined)
                .case_insensitive(!cased)
                .dot_matches_new_line(true)
                .size_limit(64 << 20)
                .build()
                .map_err(|e| format!("cannot compile wildcard pattern: {e}"))?;
            s.regex = Some(re);
        }
        Ok(s)
    }

    /// When the set is nothing but substrings (ASCII-folded unless `cased`): those substrings
    /// (lowered unless cased) and `cased`.
    pub(crate) fn only_contains(&self) -> Option<(&[Box<[u8]>], bool)> {
        let only = !self.any
            && self.exact.is_empty()
            && self.exact_set.is_none()
            && self.prefix.is_empty()
            && self.suffix.is_empty()
            && self.regex.is_none();
        (only && !self.contains_lits.is_empty()).then_some((&self.contains_lits, self.cased))
    }

    /// Whether `hay` matches any pattern.
    pub(crate) fn is_match(&self, hay: &str) -> bool {
        if self.any {
            return true;
        }
        let h = hay.as_bytes();
        let eq = |a: &[u8], b: &[u8]| if self.cased { a == b } else { a.eq_ignore_ascii_case(b) };
        if self.exact.iter().any(|p| eq(p, h)) {
            return true;
        }
        if let Some(set) = &self.exact_set {
            if self.cased {
                if set.contains(h) {
                    return true;
                }
            } else if h.len() <= STACK_LOWER {
                let mut buf = [0u8; STACK_LOWER];
                let low = &mut buf[..h.len()];
                low.copy_from_slice(h);
                low.make_ascii_lowercase();
                if set.contains(&*low) {
                    return true;
                }
            } else if set.iter().any(|p| p.eq_ignore_ascii_case(h)) {
                return true;
            }
        }
        if self.prefix.iter().any(|p| h.len() >= p.len() && eq(p, &h[..p.len()])) {
            return true;
        }
        if self.suffix.iter().any(|p| h.len() >= p.len() && eq(p, &h[h.len() - p.len()..])) {
            return true;
        }
        if self.contains.as_ref().is_some_and(|ac| ac.is_match(h)) {
            return true;
        }
        self.regex.as_ref().is_some_and(|re| re.is_match(hay))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Tok {
        Tok::Lit(s.as_bytes().to_vec())
    }

    #[test]
    fn shapes() {
        assert_eq!(shape(&[lit("a"), lit("b")]).unwrap(), Shape::Exact("ab".into()));
        assert_eq!(shape(&[Tok::Star, Tok::Star, lit("a"), Tok::Star]).unwrap(), Shape::Contains("a".into()));
        assert_eq!(shape(&[lit("a."), Tok::Quest]).unwrap(), Shape::Glob(r"^a\..$".into()));
        assert!(shape(&[Tok::Lit(vec![0xff])]).is_err());
    }

    #[test]
    fn many_exact_values_use_the_set() {
        let shapes = (0..20).map(|i| Shape::Exact(format!("Value{i}"))).collect();
        let s = StrSet::new(shapes, false).unwrap();
        assert!(s.exact_set.is_some());
        assert!(s.is_match("VALUE7"));
        assert!(!s.is_match("value77"));
        let long = "x".repeat(300);
        assert!(!s.is_match(&long));
    }

    #[test]
    fn unicode_folding_both_sides() {
        let s = StrSet::new(vec![Shape::Contains("ÄRGER".into())], false).unwrap();
        assert!(s.is_match("viel ärger hier"));
        let c = StrSet::new(vec![Shape::Contains("ÄRGER".into())], true).unwrap();
        assert!(!c.is_match("viel ärger hier"));
    }
}
