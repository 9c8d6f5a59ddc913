//! Sigma detection rules (Sigma rules specification v2.x and modifiers appendix v2.1), compiled
//! once into field tests over resolved [`FieldId`](event::FieldId)s and evaluated without
//! allocating.
//!
//! Sigma filters ([`SigmaFilter`]) are ANDed onto the rules they name.
//!
//! What is rejected, with a located [`RuleError`]: unknown modifiers, nonsensical modifier
//! combinations, regular expressions the `regex` crate
//! cannot run (look-around, back-references), `expand` placeholders without a value, Sigma v1
//! aggregations in conditions, undefined identifiers and patterns matching nothing.

mod compile;
mod condition;
mod conj;
mod fast;
mod filter;
mod gate;
mod modifier;
mod strset;
mod substr;
mod test;

pub use compile::CompileOptions;
pub use filter::SigmaFilter;

use crate::rule::{resolve_field, scalar_text, LogSource, RuleError, RuleErrorKind, RuleMeta};
use compile::Selection;
use condition::Cond;
pub(crate) use conj::Memo;
use event::{EventClass, FieldId, Record};
use gate::QTypeGate;
use serde_yaml::{Mapping, Value as Yaml};
use std::path::Path;

/// A compiled Sigma detection rule.
#[derive(Debug, Clone)]
pub struct DetectionRule {
    pub meta: RuleMeta,
    pub logsource: LogSource,
    /// Events of this class are the ones the rule applies to (from [`LogSource::event_class`],
    /// unless [`CompileOptions::event_class`] overrides it).
    pub class: EventClass,
    names: Vec<String>,
    selections: Vec<Selection>,
    condition: Cond,
    /// How many Sigma filters were ANDed on.
    filters_applied: usize,
    /// `fields:` resolved for [`DetectionRule::event_fields`].
    field_ids: Vec<(String, FieldId)>,
    /// Skips events whose query type the condition rules out (see `gate.rs`).
    gate: Option<Box<QTypeGate>>,
    /// The condition's fast DNS terms, checked first for routed events (see `conj.rs`).
    conj: Option<conj::Conj>,
}

impl DetectionRule {
    /// Compiles a detection rule from one YAML document (a map with `detection:`).
    pub fn from_yaml(doc: &Mapping, file: &Path, opts: &CompileOptions) -> Result<DetectionRule, RuleError> {
        let meta = RuleMeta::from_yaml(doc, file)?;
        let err = |kind| RuleError::new(file, Some(&meta.title), kind);
        let logsource = LogSource::from_yaml(doc.get("logsource"))
            .ok_or_else(|| err(RuleErrorKind::BadValue { at: "logsource".into(), expected: "a map" }))?;
        let class = opts.event_class.unwrap_or_else(|| logsource.event_class());
        let detection = match doc.get("detection") {
            Some(Yaml::Mapping(m)) => m,
            Some(_) => return Err(err(RuleErrorKind::BadValue { at: "detection".into(), expected: "a map" })),
            None => return Err(err(RuleErrorKind::MissingKey { at: "detection" })),
        };
        let ctx = compile::Ctx { class, opts };
        let mut names = Vec::new();
        let mut selections = Vec::new();
        let mut conditions: Vec<String> = Vec::new();
        for (k, v) in detection {
            let Some(name) = scalar_text(k) else {
                return Err(err(RuleErrorKind::BadValue { at: "detection".into(), expected: "string keys" }));
            };
            match name.as_str() {
                "condition" => match v {
                    Yaml::Sequence(items) => {
                        for it in items {
                            conditions.push(scalar_text(it).ok_or_else(|| {
                                err(RuleErrorKind::BadValue { at: "detection.condition".into(), expected: "strings" })
                            })?);
                        }
                    }
                    other => conditions.push(scalar_text(other).ok_or_else(|| {
                        err(RuleErrorKind::BadValue { at: "detection.condition".into(), expected: "a string" })
                    })?),
                },
                // Sigma v1: only meaningful with aggregations, which the condition rejects.
                "timeframe" => {}
                _ => {
                    selections.push(compile::selection(&ctx, "detection", &name, v).map_err(err)?);
                    names.push(name);
                }
            }
        }
        if conditions.is_empty() {
            return Err(err(RuleErrorKind::MissingKey { at: "detection.condition" }));
        }
        let mut conds =
            conditions.iter().map(|c| condition::parse(c, &names)).collect::<Result<Vec<_>, _>>().map_err(err)?;
        let condition = if conds.len() == 1 { conds.remove(0) } else { Cond::Or(conds) };
        let field_ids = meta.fields.iter().map(|f| (f.clone(), resolve_field(class, f))).collect();
        let gate = QTypeGate::of(&condition, &selections).map(Box::new);
        let conj = conj::Conj::of(&condition, &selections, gate.as_ref().map(|g| g.sel));
        Ok(DetectionRule {
            meta,
            logsource,
            class,
            names,
            selections,
            condition,
            filters_applied: 0,
            field_ids,
            gate,
            conj,
        })
    }

    /// Lets `rules` share the answers of the fast terms they have in common, per event (see
    /// [`DetectionRule::matches_admitted_memo`]).
    pub(crate) fn share_terms(rules: &mut [DetectionRule]) {
        conj::share_terms(rules.iter_mut().filter_map(|r| r.conj.as_mut()));
    }

    /// The terms the rule shares with others that every match passes, as (id, negated, index)
    /// (see [`DetectionRule::passes`]).
    pub(crate) fn guards(&self) -> Vec<(conj::TermId, bool, usize)> {
        self.conj.as_ref().map_or_else(Vec::new, |c| c.guards().collect())
    }

    /// Whether a DNS event routed by a query type the gate admits passes guard term `k` of
    /// [`DetectionRule::guards`], through the event's memo.
    #[inline]
    pub(crate) fn passes(&self, k: usize, d: &event::DnsEvent, memo: &mut Memo) -> bool {
        self.conj.as_ref().is_none_or(|c| c.passes(k, d, memo))
    }

    /// Whether the event matches the rule's condition. Does not check the event's class: the
    /// caller routes events by [`DetectionRule::class`].
    pub fn matches<R: Record + ?Sized>(&self, r: &R) -> bool {
        if self.gate.as_ref().is_some_and(|g| !g.admits(r)) {
            return false;
        }
        self.matches_without_gate(r)
    }

    /// Whether an event whose QueryType is the typed value `q` can match at all (the pre-check
    /// of [`DetectionRule::matches`] alone; always true for rules without one).
    pub fn admits_qtype(&self, q: event::QType) -> bool {
        self.gate.as_ref().is_none_or(|g| g.admits_type(q))
    }

    /// Whether an event with this result code (and a typed query type the gate admits) can match:
    /// false when a term of the condition's top-level `and` that tests nothing but the result
    /// code rules it out (see `conj.rs`); always true for rules without such a term.
    pub(crate) fn admits_rcode(&self, rcode: Option<event::Rcode>) -> bool {
        self.conj.as_ref().is_none_or(|c| c.admits_rcode(rcode))
    }

    /// The condition walked in full, with no pre-check: for callers that routed the event by
    /// [`DetectionRule::admits_qtype`] already.
    pub(crate) fn matches_without_gate<R: Record + ?Sized>(&self, r: &R) -> bool {
        self.condition.eval(&mut |i| self.selections[i].eval(r))
    }

    /// [`DetectionRule::matches_without_gate`] for an event routed by a typed query type the
    /// gate admits: the gate's own selection is known to hold and is not evaluated again.
    #[cfg(test)]
    pub(crate) fn matches_admitted<R: Record + ?Sized>(&self, r: &R) -> bool {
        self.matches_admitted_memo(r, &mut Memo::default(), false)
    }

    /// [`DetectionRule::matches_admitted`] with the event's memo of the terms this rule shares
    /// with others (see `conj.rs`). `rcode_known`: the routing also found that the event's
    /// result code passes the rule's result-code terms ([`DetectionRule::admits_rcode`]).
    #[inline]
    pub(crate) fn matches_admitted_memo<R: Record + ?Sized>(&self, r: &R, memo: &mut Memo, rcode_known: bool) -> bool {
        let known = self.gate.as_ref().map_or(usize::MAX, |g| g.sel);
        if let (Some(c), Some(d)) = (&self.conj, r.dns()) {
            return match c.check(d, memo, rcode_known) {
                conj::Verdict::No => false,
                conj::Verdict::Yes => true,
                // The terms held: the walk takes their values instead of testing them again.
                conj::Verdict::Maybe => {
                    self.condition.eval(&mut |i| i == known || c.held(i).unwrap_or_else(|| self.selections[i].eval(r)))
                }
            };
        }
        self.condition.eval(&mut |i| i == known || self.selections[i].eval(r))
    }

    /// The condition walked with every test on its general path (no gate, no typed fast path).
    #[cfg(test)]
    pub(crate) fn matches_generally<R: Record + ?Sized>(&self, r: &R) -> bool {
        self.condition.eval(&mut |i| self.selections[i].eval_general(r))
    }

    #[cfg(test)]
    pub(crate) fn has_fast_tests(&self) -> bool {
        self.selections.iter().flat_map(|s| &s.alts).flatten().any(|t| t.fast.is_some())
    }

    /// Names of the search identifiers that match the event (evidence for an alert), in rule
    /// order. Allocates; meant for events that matched.
    pub fn matched_selections<R: Record + ?Sized>(&self, r: &R) -> Vec<&str> {
        self.names.iter().zip(&self.selections).filter(|(_, s)| s.eval(r)).map(|(n, _)| n.as_str()).collect()
    }

    /// The rule's `fields:` taken from the event, in rule order, as JSON (see
    /// [`field_value_json`](crate::rule::field_value_json)); fields the event lacks are left out.
    pub fn event_fields<R: Record + ?Sized>(&self, r: &R) -> Vec<(String, serde_json::Value)> {
        self.field_ids
            .iter()
            .filter_map(|(name, id)| crate::rule::field_value_json(&r.field(id)).map(|v| (name.clone(), v)))
            .collect()
    }

    /// How many Sigma filters were applied to the rule.
    pub fn filters_applied(&self) -> usize {
        self.filters_applied
    }

    /// Names of the rule's search identifiers, in rule order (applied filters' ones last, as
    /// `_filter<N>_<name>`).
    pub fn selection_names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    /// The engine shares compiled rules across threads.
    #[test]
    fn rules_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::DetectionRule>();
        check::<super::SigmaFilter>();
    }

    /// A value list's patterns are compiled as one regex; a bad one is still named.
    #[test]
    fn a_bad_regex_in_a_list_is_named() {
        use crate::{load_str, RuleErrorKind};
        use std::path::Path;
        let rule = |values: &str| {
            let text = format!(
                "title: T\nlogsource: {{category: dns}}\ndetection:\n  s:\n    Name|re: {values}\n  condition: s\n"
            );
            load_str(&text, Path::new("t.yml"))
        };
        assert!(rule("['^www\\.', 'mail[0-9]+']").is_ok());
        for values in ["['^www\\.', '(unclosed']", "'(unclosed'"] {
            let errs = rule(values).expect_err(values);
            let RuleErrorKind::BadRegex { message, .. } = &errs[0].kind else { panic!("{errs:?}") };
            assert!(message.starts_with("\"(unclosed\": "), "{message}");
        }
    }
}
