//! Loading rule files: YAML documents (multi-document files split by `---`), detection versus
//! correlation rules, directories walked recursively.
//!
//! Quirks: `*.yml` and `*.yaml` files are rules, except SigmaHQ's `*.tests.yml` test-case files.
//! Sigma v1 rule collections are honoured for `action: global` (the global document is deep-merged
//! into every following document); `action: reset` and `action: repeat` are rejected. A file is
//! Sigma filter documents are loaded too and, by [`load_paths`], applied to the rules they name.
//! A file is loaded as a unit: if one document fails, the file's rules are all rejected (correlation rules
//! refer to rules of the same file), and every failing document is reported.

use crate::rule::{RawCorrelation, RuleError, RuleErrorKind, RuleMeta};
use crate::sigma::{CompileOptions, DetectionRule, SigmaFilter};
use serde::Deserialize;
use serde_yaml::{Mapping, Value as Yaml};
use std::path::{Path, PathBuf};

/// One loaded rule.
#[derive(Debug, Clone)]
pub enum Rule {
    /// A detection rule (`detection:`), compiled.
    Detection(DetectionRule),
    /// A correlation rule (`correlation:`), parsed further by the correlation module.
    Correlation(RawCorrelation),
    /// A Sigma filter (`filter:`), applied to the rules it names by [`RuleSet::apply_filters`].
    Filter(SigmaFilter),
}

/// All rules loaded from a set of paths.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    /// Detection rules, in file order (files sorted by path within each directory).
    pub detections: Vec<DetectionRule>,
    /// Correlation rules, in the same order.
    pub correlations: Vec<RawCorrelation>,
    /// Sigma filters; [`load_paths`] has already applied them to `detections`.
    pub filters: Vec<SigmaFilter>,
}

impl RuleSet {
    /// A rule set of these rules.
    pub fn from_rules(rules: Vec<Rule>) -> RuleSet {
        let mut set = RuleSet::default();
        for r in rules {
            set.push(r);
        }
        set
    }

    /// Adds another set's rules after this one's.
    pub fn extend(&mut self, other: RuleSet) {
        self.detections.extend(other.detections);
        self.correlations.extend(other.correlations);
        self.filters.extend(other.filters);
    }

    pub fn len(&self) -> usize {
        self.detections.len() + self.correlations.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every rule's metadata, detections first, in load order.
    pub fn metas(&self) -> impl Iterator<Item = &RuleMeta> {
        self.detections.iter().map(|d| &d.meta).chain(self.correlations.iter().map(|c| &c.meta))
    }

    fn push(&mut self, r: Rule) {
        match r {
            Rule::Detection(d) => self.detections.push(d),
            Rule::Correlation(c) => self.correlations.push(c),
            Rule::Filter(f) => self.filters.push(f),
        }
    }

    /// ANDs every filter onto the detection rules it applies to. A filter that fails to compile
    /// for a rule is reported (once per rule) and left off that rule.
    pub fn apply_filters(&mut self, opts: &CompileOptions) -> Vec<RuleError> {
        let mut errors = Vec::new();
        for f in &self.filters {
            for d in &mut self.detections {
                if let Err(e) = d.apply_filter(f, opts) {
                    errors.push(e);
                }
            }
        }
        errors
    }
}

/// Loads the rules of one file's text. `file` is used in errors and [`RuleMeta::file`].
pub fn load_str(text: &str, file: &Path) -> Result<Vec<Rule>, Vec<RuleError>> {
    load_str_with(text, file, &CompileOptions::default())
}

/// [`load_str`] with compile options (placeholder values).
pub fn load_str_with(text: &str, file: &Path, opts: &CompileOptions) -> Result<Vec<Rule>, Vec<RuleError>> {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut global: Option<Mapping> = None;
    for de in serde_yaml::Deserializer::from_str(text) {
        let doc = match Yaml::deserialize(de) {
            Ok(d) => d,
            Err(e) => {
                let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
                let message = e.to_string();
                let message = message.split(" at line ").next().unwrap_or(&message).to_string();
                errors.push(RuleError::new(file, None, RuleErrorKind::Yaml { line, column, message }));
                // The parser cannot resynchronise after a syntax error.
                break;
            }
        };
        let mut doc = match doc {
            Yaml::Null => continue,
            Yaml::Mapping(m) => m,
            _ => {
                errors.push(RuleError::new(file, None, RuleErrorKind::NotAMap));
                continue;
            }
        };
        match doc.get("action").and_then(Yaml::as_str) {
            Some("global") => {
                doc.remove("action");
                global = Some(doc);
                continue;
            }
            Some(a @ ("reset" | "repeat")) => {
                let title = doc.get("title").and_then(Yaml::as_str);
                let kind = RuleErrorKind::Unsupported(format!("Sigma v1 rule collection `action: {a}`"));
                errors.push(RuleError::new(file, title, kind));
                continue;
            }
            _ => {}
        }
        if let Some(g) = &global {
            doc = merge(g.clone(), doc);
        }
        match load_doc(&doc, file, opts) {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(rules)
    } else {
        Err(errors)
    }
}

fn load_doc(doc: &Mapping, file: &Path, opts: &CompileOptions) -> Result<Rule, RuleError> {
    if let Some(body) = doc.get("correlation") {
        let meta = RuleMeta::from_yaml(doc, file)?;
        let mut body = body.clone();
        // The specification puts `generate` at the top level; pySigma reads it inside
        // `correlation:`. Both are honoured; the one inside wins when both are given.
        if let (Some(g), Some(map)) = (doc.get("generate"), body.as_mapping_mut()) {
            if !map.contains_key("generate") {
                map.insert("generate".into(), g.clone());
            }
        }
        return Ok(Rule::Correlation(RawCorrelation { meta, body }));
    }
    if doc.contains_key("filter") && !doc.contains_key("detection") {
        return SigmaFilter::from_yaml(doc, file).map(Rule::Filter);
    }
    DetectionRule::from_yaml(doc, file, opts).map(Rule::Detection)
}

/// Deep-merges `doc` over `base` (maps merge key by key; other values replace).
fn merge(mut base: Mapping, doc: Mapping) -> Mapping {
    for (k, v) in doc {
        let merged = match (base.remove(&k), v) {
            (Some(Yaml::Mapping(b)), Yaml::Mapping(d)) => Yaml::Mapping(merge(b, d)),
            (_, v) => v,
        };
        base.insert(k, merged);
    }
    base
}

/// Loads rule files and directories (recursively, `*.yml`/`*.yaml` except `*.tests.yml`, in
/// sorted order). Good files are kept; every failure is reported.
pub fn load_paths(paths: &[PathBuf]) -> (RuleSet, Vec<RuleError>) {
    load_paths_with(paths, &CompileOptions::default())
}

/// [`load_paths`] with compile options.
pub fn load_paths_with(paths: &[PathBuf], opts: &CompileOptions) -> (RuleSet, Vec<RuleError>) {
    let mut set = RuleSet::default();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files, &mut errors);
        } else {
            files.push(p.clone());
        }
    }
    for f in files {
        match std::fs::read_to_string(&f) {
            Ok(text) => match load_str_with(&text, &f, opts) {
                Ok(rules) => rules.into_iter().for_each(|r| set.push(r)),
                Err(es) => errors.extend(es),
            },
            Err(e) => errors.push(RuleError::new(&f, None, RuleErrorKind::Io(e.to_string()))),
        }
    }
    errors.extend(set.apply_filters(opts));
    (set, errors)
}

/// Whether a file name is a rule file.
pub fn is_rule_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    (name.ends_with(".yml") || name.ends_with(".yaml")) && !name.ends_with(".tests.yml")
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<RuleError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return errors.push(RuleError::new(dir, None, RuleErrorKind::Io(e.to_string()))),
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, files, errors);
        } else if is_rule_file(&p) {
            files.push(p);
        }
    }
}
