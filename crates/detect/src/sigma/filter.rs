//! Sigma filters (filters specification v2.x): a document with `filter:` naming rules (by id,
//! name or title, or `any`) whose matches it tunes, with its own selections and condition.
//!
//! Semantics follow pySigma: a filter applies to a rule when the filter's `logsource` fields all
//! equal the rule's and the rule is named; the rule's condition becomes `(rule) and (filter)`,
//! so a filter that suppresses matches says `condition: not selection`. The filter's selections
//! join the rule under `_filter<N>_<name>`; the leading underscore keeps them out of the rule's
//! `them`.

use super::{compile, condition, CompileOptions, DetectionRule};
use crate::rule::{scalar_text, LogSource, RuleError, RuleErrorKind};
use serde_yaml::{Mapping, Value as Yaml};
use std::path::{Path, PathBuf};

/// A parsed Sigma filter document.
#[derive(Debug, Clone, PartialEq)]
pub struct SigmaFilter {
    /// `title` (required).
    pub title: String,
    /// `id`, if any.
    pub id: Option<String>,
    /// The log source the filter is for; its fields must equal the rule's where given.
    pub logsource: LogSource,
    /// Ids, names or titles of the rules it applies to; `None` for `rules: any`.
    pub rules: Option<Vec<String>>,
    /// The `filter:` map without `rules` (selections and `condition`).
    detection: Mapping,
    /// The file the filter was loaded from.
    pub file: PathBuf,
}

impl SigmaFilter {
    /// Reads a filter document (a map with `filter:`).
    pub fn from_yaml(doc: &Mapping, file: &Path) -> Result<SigmaFilter, RuleError> {
        let title = doc.get("title").and_then(scalar_text);
        let err = |kind| RuleError::new(file, title.as_deref(), kind);
        let Some(title) = title.clone() else { return Err(err(RuleErrorKind::MissingKey { at: "title" })) };
        let logsource = LogSource::from_yaml(doc.get("logsource"))
            .ok_or_else(|| err(RuleErrorKind::BadValue { at: "logsource".into(), expected: "a map" }))?;
        let Some(Yaml::Mapping(body)) = doc.get("filter") else {
            return Err(err(RuleErrorKind::BadValue { at: "filter".into(), expected: "a map" }));
        };
        let rules =
            match body.get("rules") {
                Some(Yaml::String(s)) if s.eq_ignore_ascii_case("any") => None,
                Some(Yaml::Sequence(items)) => {
                    Some(items.iter().map(scalar_text).collect::<Option<Vec<_>>>().ok_or_else(|| {
                        err(RuleErrorKind::BadValue { at: "filter.rules".into(), expected: "rule ids" })
                    })?)
                }
                Some(v) => {
                    vec![scalar_text(v)].into_iter().collect::<Option<Vec<_>>>().map(Some).ok_or_else(|| {
                        err(RuleErrorKind::BadValue { at: "filter.rules".into(), expected: "rule ids" })
                    })?
                }
                None => return Err(err(RuleErrorKind::MissingKey { at: "filter.rules" })),
            };
        if !body.contains_key("condition") {
            return Err(err(RuleErrorKind::MissingKey { at: "filter.condition" }));
        }
        let mut detection = body.clone();
        detection.remove("rules");
        Ok(SigmaFilter {
            title,
            id: doc.get("id").and_then(scalar_text),
            logsource,
            rules,
            detection,
            file: file.into(),
        })
    }

    /// Whether the filter names the rule and its log source covers the rule's.
    pub fn applies_to(&self, rule: &DetectionRule) -> bool {
        let covers = |mine: &Option<String>, theirs: &Option<String>| mine.is_none() || mine == theirs;
        let ls = &rule.logsource;
        let named = match &self.rules {
            None => true,
            Some(refs) => refs
                .iter()
                .any(|r| *r == rule.meta.id || rule.meta.name.as_deref() == Some(r.as_str()) || *r == rule.meta.title),
        };
        named
            && covers(&self.logsource.category, &ls.category)
            && covers(&self.logsource.product, &ls.product)
            && covers(&self.logsource.service, &ls.service)
    }
}

impl DetectionRule {
    /// ANDs a filter onto this rule if it [applies](SigmaFilter::applies_to); returns whether it
    /// did. Errors name the filter's file and title.
    pub fn apply_filter(&mut self, f: &SigmaFilter, opts: &CompileOptions) -> Result<bool, RuleError> {
        if !f.applies_to(self) {
            return Ok(false);
        }
        let err = |kind| RuleError::new(&f.file, Some(&f.title), kind);
        let ctx = compile::Ctx { class: self.class, opts };
        let mut names = Vec::new();
        let mut sels = Vec::new();
        let mut cond_text = None;
        for (k, v) in &f.detection {
            let name = scalar_text(k)
                .ok_or_else(|| err(RuleErrorKind::BadValue { at: "filter".into(), expected: "string keys" }))?;
            if name == "condition" {
                cond_text = Some(scalar_text(v).ok_or_else(|| {
                    err(RuleErrorKind::BadValue { at: "filter.condition".into(), expected: "a string" })
                })?);
                continue;
            }
            sels.push(compile::selection(&ctx, "filter", &name, v).map_err(err)?);
            names.push(name);
        }
        let text = cond_text.ok_or_else(|| err(RuleErrorKind::MissingKey { at: "filter.condition" }))?;
        let cond = condition::parse(&text, &names).map_err(err)?.shifted(self.selections.len());
        let n = self.filters_applied;
        self.names.extend(names.into_iter().map(|s| format!("_filter{n}_{s}")));
        self.selections.extend(sels);
        let old = std::mem::replace(&mut self.condition, condition::Cond::Or(Vec::new()));
        self.condition = condition::Cond::And(vec![old, cond]);
        self.gate = super::gate::QTypeGate::of(&self.condition, &self.selections).map(Box::new);
        self.conj = super::conj::Conj::of(&self.condition, &self.selections, self.gate.as_ref().map(|g| g.sel));
        self.filters_applied += 1;
        Ok(true)
    }
}
