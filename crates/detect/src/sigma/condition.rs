//! Sigma `condition` grammar (rules specification v2, "Condition"): `and`, `or`, `not`,
//! parentheses, `1 of` / `any of` / `all of` over `them` or an identifier pattern with `*`
//! wildcards. Precedence, loosest first: or, and, not, `x of`, parentheses.
//!
//! Quirks: identifiers starting with `_` are left out of `them` and of patterns (unless the pattern
//! itself starts with `_`). A pattern matching nothing is an error, like an undefined identifier.
//! Sigma v1 aggregations (`| count() by x > 5`) are rejected: use correlation rules. Keywords are
//! matched ignoring ASCII case. Columns in errors count characters from 1.

use crate::rule::RuleErrorKind;

/// A parsed condition over selection indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    Sel(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

impl Cond {
    /// The same condition with every selection index shifted by `by` (for filters appended to a
    /// rule's selections).
    pub(crate) fn shifted(self, by: usize) -> Cond {
        match self {
            Cond::Sel(i) => Cond::Sel(i + by),
            Cond::Not(c) => Cond::Not(Box::new(c.shifted(by))),
            Cond::And(cs) => Cond::And(cs.into_iter().map(|c| c.shifted(by)).collect()),
            Cond::Or(cs) => Cond::Or(cs.into_iter().map(|c| c.shifted(by)).collect()),
        }
    }

    /// Evaluates with `sel(i)` giving the outcome of selection `i`; short-circuits.
    pub(crate) fn eval<F: FnMut(usize) -> bool>(&self, sel: &mut F) -> bool {
        match self {
            Cond::Sel(i) => sel(*i),
            Cond::Not(c) => !c.eval(sel),
            Cond::And(cs) => cs.iter().all(|c| c.eval(sel)),
            Cond::Or(cs) => cs.iter().any(|c| c.eval(sel)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    LParen,
    RParen,
    And,
    Or,
    Not,
    /// `1 of` / `any of` (false) or `all of` (true).
    Of(bool),
    Them,
    Ident(String),
    Pipe,
}

struct Parser<'a> {
    text: &'a str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
    names: &'a [String],
}

fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, (usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c == '|' {
            // An aggregation follows; the parser rejects it.
            words.push((c.to_string(), col));
            break;
        } else if c == '(' || c == ')' {
            words.push((c.to_string(), col));
            i += 1;
        } else if c.is_alphanumeric() || matches!(c, '_' | '*' | '-' | '.') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '*' | '-' | '.')) {
                i += 1;
            }
            words.push((chars[start..i].iter().collect(), col));
        } else {
            return Err((col, format!("unexpected character {c:?}")));
        }
    }
    let mut k = 0;
    while k < words.len() {
        let (w, col) = &words[k];
        let lower = w.to_ascii_lowercase();
        let next_is_of = words.get(k + 1).is_some_and(|(n, _)| n.eq_ignore_ascii_case("of"));
        let tok = match lower.as_str() {
            "(" => Tok::LParen,
            ")" => Tok::RParen,
            "|" => Tok::Pipe,
            "and" => Tok::And,
            "or" => Tok::Or,
            "not" => Tok::Not,
            "them" => Tok::Them,
            "1" | "any" | "all" if next_is_of => {
                k += 1;
                Tok::Of(lower == "all")
            }
            _ if next_is_of && lower.bytes().all(|b| b.is_ascii_digit()) => {
                return Err((*col, format!("`{w} of` is not Sigma: use `1 of` or `all of`")));
            }
            "of" => return Err((*col, "`of` without `1`, `any` or `all` before it".into())),
            _ => Tok::Ident(w.clone()),
        };
        out.push((tok, *col));
        k += 1;
    }
    Ok(out)
}

/// Whether an identifier matches a `*` pattern.
fn glob(pat: &str, name: &str) -> bool {
    let parts: Vec<&str> = pat.split('*').collect();
    if parts.len() == 1 {
        return pat == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || name.len() < first.len() + last.len() || !name.ends_with(last) {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

/// Parses one condition string against the selection names.
pub(crate) fn parse(text: &str, names: &[String]) -> Result<Cond, RuleErrorKind> {
    let bad = |column: usize, message: String| RuleErrorKind::BadCondition { condition: text.into(), column, message };
    let toks = tokenize(text).map_err(|(c, m)| bad(c, m))?;
    let mut p = Parser { text, toks, pos: 0, names };
    let cond = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(cond),
        Some((Tok::Pipe, col)) => {
            Err(bad(*col, "Sigma v1 aggregations (`| count() ...`) are not supported: write a correlation rule".into()))
        }
        Some((_, col)) => Err(bad(*col, "expected `and`, `or` or the end of the condition".into())),
    }
}

impl Parser<'_> {
    fn bad(&self, message: &str) -> RuleErrorKind {
        let column = self.toks.get(self.pos).map_or(self.text.chars().count() + 1, |(_, c)| *c);
        RuleErrorKind::BadCondition { condition: self.text.into(), column, message: message.into() }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn or(&mut self) -> Result<Cond, RuleErrorKind> {
        let mut items = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::Or(items) })
    }

    fn and(&mut self) -> Result<Cond, RuleErrorKind> {
        let mut items = vec![self.not()?];
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            items.push(self.not()?);
        }
        Ok(if items.len() == 1 { items.remove(0) } else { Cond::And(items) })
    }

    fn not(&mut self) -> Result<Cond, RuleErrorKind> {
        if self.peek() == Some(&Tok::Not) {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, RuleErrorKind> {
        match self.peek().cloned() {
            Some(Tok::LParen) => {
                self.pos += 1;
                let c = self.or()?;
                if self.peek() != Some(&Tok::RParen) {
                    return Err(self.bad("expected `)`"));
                }
                self.pos += 1;
                Ok(c)
            }
            Some(Tok::Of(all)) => {
                self.pos += 1;
                let idx: Vec<usize> = match self.peek().cloned() {
                    Some(Tok::Them) => (0..self.names.len()).filter(|&i| !self.names[i].starts_with('_')).collect(),
                    Some(Tok::Ident(pat)) => {
                        let hidden_ok = pat.starts_with('_');
                        let idx: Vec<usize> = (0..self.names.len())
                            .filter(|&i| (hidden_ok || !self.names[i].starts_with('_')) && glob(&pat, &self.names[i]))
                            .collect();
                        if idx.is_empty() {
                            return Err(RuleErrorKind::UndefinedIdentifier { condition: self.text.into(), name: pat });
                        }
                        idx
                    }
                    _ => return Err(self.bad("expected `them` or an identifier pattern after `of`")),
                };
                self.pos += 1;
                let items: Vec<Cond> = idx.into_iter().map(Cond::Sel).collect();
                Ok(match (items.len(), all) {
                    (1, _) => items.into_iter().next().unwrap_or(Cond::Or(Vec::new())),
                    (_, true) => Cond::And(items),
                    (_, false) => Cond::Or(items),
                })
            }
            Some(Tok::Ident(name)) => {
                if name.contains('*') {
                    return Err(self.bad("a pattern needs `1 of` or `all of` before it"));
                }
                self.pos += 1;
                match self.names.iter().position(|n| *n == name) {
                    Some(i) => Ok(Cond::Sel(i)),
                    None => Err(RuleErrorKind::UndefinedIdentifier { condition: self.text.into(), name }),
                }
            }
            Some(Tok::Them) => Err(self.bad("`them` needs `1 of` or `all of` before it")),
            _ => Err(self.bad("expected an identifier, `not`, `1 of`, `all of` or `(`")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["sel", "sel_b", "filter", "_hidden", "kw"].iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn precedence_not_and_or() {
        let c = parse("sel or not filter and kw", &names()).unwrap();
        assert_eq!(c, Cond::Or(vec![Cond::Sel(0), Cond::And(vec![Cond::Not(Box::new(Cond::Sel(2))), Cond::Sel(4)])]));
    }

    #[test]
    fn quantifiers_and_hidden() {
        assert_eq!(parse("1 of sel*", &names()).unwrap(), Cond::Or(vec![Cond::Sel(0), Cond::Sel(1)]));
        assert_eq!(
            parse("all of them", &names()).unwrap(),
            Cond::And(vec![Cond::Sel(0), Cond::Sel(1), Cond::Sel(2), Cond::Sel(4)])
        );
        assert_eq!(parse("any of _h*", &names()).unwrap(), Cond::Sel(3));
        assert_eq!(
            parse("not 1 of *hidden", &names()),
            Err(RuleErrorKind::UndefinedIdentifier { condition: "not 1 of *hidden".into(), name: "*hidden".into() })
        );
    }

    #[test]
    fn errors_are_located() {
        let e = parse("sel and (filter", &names()).unwrap_err();
        assert_eq!(e.to_string(), "condition \"sel and (filter\", column 16: expected `)`");
        let e = parse("sel | count() > 5", &names()).unwrap_err();
        assert!(e.to_string().contains("column 5: Sigma v1 aggregations"), "{e}");
        let e = parse("sel and nope", &names()).unwrap_err();
        assert_eq!(e.to_string(), "condition \"sel and nope\": \"nope\" is not defined in detection");
        let e = parse("2 of sel*", &names()).unwrap_err();
        assert!(e.to_string().contains("column 1: `2 of` is not Sigma"), "{e}");
    }
}
