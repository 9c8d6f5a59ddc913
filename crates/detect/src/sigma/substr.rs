//! `Name|contains` lists as a typed fast test: a handful of substrings looked for without the
//! general path's `FieldValue` + `with_text` + Aho-Corasick round trip (~325 instructions per
//! name). Each substring is anchored on its rarest byte in DNS names (a `\` or `-` rather than a
//! letter or `.`); `memchr` finds those bytes, and only where one occurs are the substrings
//! around it compared. Most names hold none of them, and then no substring can occur.

use memchr::{memchr, memchr2, memchr3};

/// Substrings (lowered unless `cased`), each with the offset of its anchor byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Substrings {
    pats: Vec<(Box<[u8]>, usize)>,
    cased: bool,
    /// The anchor bytes as they may appear in a name (both cases of a letter when not cased),
    /// one to three of them.
    needles: Vec<u8>,
}

/// How common a byte is in DNS names: letters and digits are, `.` is in every name, `-` in
/// many; anything else (`\`, `_`, `*`, ...) is rare. Lower is rarer.
fn commonness(b: u8) -> u8 {
    match b {
        b'.' => 4,
        b'a'..=b'z' | b'A'..=b'Z' => 3,
        b'0'..=b'9' => 2,
        b'-' => 1,
        _ => 0,
    }
}

impl Substrings {
    /// The matcher of `lits` (already lowered when not `cased`, as [`StrSet`] keeps them), when
    /// their anchors need at most three bytes searched and none is empty.
    ///
    /// [`StrSet`]: super::strset::StrSet
    pub(crate) fn new(lits: &[Box<[u8]>], cased: bool) -> Option<Substrings> {
        let mut pats = Vec::new();
        let mut needles: Vec<u8> = Vec::new();
        for lit in lits {
            // The first of the rarest bytes.
            let at = (0..lit.len()).min_by_key(|&i| commonness(lit[i]))?;
            let b = lit[at];
            let variants = if cased { [b, b] } else { [b.to_ascii_lowercase(), b.to_ascii_uppercase()] };
            for v in variants {
                if !needles.contains(&v) {
                    needles.push(v);
                }
            }
            pats.push((lit.clone(), at));
        }
        (needles.len() <= 3).then_some(Substrings { pats, cased, needles })
    }

    /// The first anchor byte in `h`.
    #[inline]
    fn next_anchor(&self, h: &[u8]) -> Option<usize> {
        match *self.needles.as_slice() {
            [a] => memchr(a, h),
            [a, b] => memchr2(a, b, h),
            [a, b, c] => memchr3(a, b, c, h),
            _ => None,
        }
    }

    /// Whether any substring occurs in `h` (ASCII case folded unless cased), as the general
    /// path's automaton answers.
    pub(crate) fn is_match(&self, h: &[u8]) -> bool {
        let mut from = 0;
        while let Some(k) = self.next_anchor(&h[from..]) {
            let i = from + k;
            if self.pats.iter().any(|(p, at)| self.occurs_at(h, i, p, *at)) {
                return true;
            }
            from = i + 1;
        }
        false
    }

    /// Whether `p`, its anchor at `at`, occurs in `h` with that anchor at `i`.
    fn occurs_at(&self, h: &[u8], i: usize, p: &[u8], at: usize) -> bool {
        let Some(start) = i.checked_sub(at) else { return false };
        let Some(w) = h.get(start..start + p.len()) else { return false };
        if self.cased {
            w == p
        } else {
            w.eq_ignore_ascii_case(p)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::strset::{Shape, StrSet};
    use super::*;

    /// The general path's answer: the `StrSet` (Aho-Corasick) the rule compiles.
    fn both(pats: &[&str], cased: bool) -> (StrSet, Substrings) {
        let set = StrSet::new(pats.iter().map(|p| Shape::Contains(p.to_string())).collect(), cased).unwrap();
        let (lits, c) = set.only_contains().unwrap();
        let fast = Substrings::new(lits, c).unwrap();
        (set, fast)
    }

    /// Names holding each pattern's bytes (and case variants, and non-ASCII text) at every
    /// position, alone and around the patterns, answer as the automaton does.
    #[test]
    fn substrings_answer_as_the_automaton() {
        let lists: [&[&str]; 6] =
            [&["\\000", "-."], &["-."], &["_tcp"], &["Ab-"], &["xN--", "é"], &["\\", "ab_c", "q_"]];
        for pats in lists {
            for cased in [false, true] {
                // Non-ASCII patterns are not substrings of a case-insensitive set (they go to a regex).
                if !cased && pats.iter().any(|p| !p.is_ascii()) {
                    continue;
                }
                let (set, fast) = both(pats, cased);
                let mut bytes: Vec<String> = pats.iter().flat_map(|p| p.chars()).map(String::from).collect();
                bytes.extend(pats.iter().flat_map(|p| p.chars()).map(|c| c.to_ascii_uppercase().to_string()));
                bytes.extend(["a", "Z", ".", "-", "é", "\\0", "ǅ"].map(String::from));
                let mut names: Vec<String> = vec![String::new()];
                for base in ["", "www.example.com", "é.x"] {
                    for p in pats.iter().map(|p| p.to_string()).chain(pats.iter().map(|p| p.to_uppercase())) {
                        for pos in 0..=base.len() {
                            if base.is_char_boundary(pos) {
                                names.push(format!("{}{p}{}", &base[..pos], &base[pos..]));
                            }
                        }
                    }
                    for b in &bytes {
                        for c in &bytes {
                            for pos in 0..=base.len() {
                                if base.is_char_boundary(pos) {
                                    names.push(format!("{}{b}{c}{}", &base[..pos], &base[pos..]));
                                    names.push(format!("{b}{}{c}", &base[..pos]));
                                }
                            }
                        }
                    }
                }
                for n in &names {
                    assert_eq!(fast.is_match(n.as_bytes()), set.is_match(n), "{pats:?} cased={cased} on {n:?}");
                }
            }
        }
    }

    #[test]
    fn anchors_are_the_rarest_bytes() {
        let (_, f) = both(&["\\000", "-."], false);
        assert_eq!(f.needles, b"\\-");
        let (_, f) = both(&["ab"], false);
        assert_eq!(f.needles, b"aA");
        // Four bytes to look for: left to the automaton.
        let set = StrSet::new(vec![Shape::Contains("ab".into()), Shape::Contains("cd".into())], false).unwrap();
        let (lits, c) = set.only_contains().unwrap();
        assert_eq!(Substrings::new(lits, c), None);
    }
}
