//! Loading rules for the subcommands: the built-in set (embedded from the repository's `rules/`
//! at build time) and users' rule files.

use anyhow::{bail, Result};
use detect::{RuleError, RuleSet};
use std::path::{Path, PathBuf};

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A loaded rule set with what the binary needs beside it.
pub struct Rules {
    pub set: RuleSet,
    /// Each rule id with the allow-lists it opts into (`reconwatch.allow`).
    pub allow: Vec<(String, Vec<String>)>,
}

/// Loads the built-in rules (unless `builtin` is false) and the rules under `extra`. Any rule
/// that does not load stops the run, with every problem listed.
pub fn load_rules(builtin: bool, extra: &[PathBuf]) -> Result<Rules> {
    let mut set = RuleSet::default();
    let mut errors = Vec::new();
    if builtin {
        let (s, e) = load_builtin();
        set.extend(s);
        errors.extend(e);
    }
    if !extra.is_empty() {
        let (s, e) = detect::load_paths(extra);
        set.extend(s);
        errors.extend(e);
    }
    if !errors.is_empty() {
        bail!(
            "{} rule problem(s):\n  {}",
            errors.len(),
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
        );
    }
    if set.is_empty() {
        bail!("no rules to run (--no-builtin-rules without --rules?)");
    }
    let allow = set.metas().map(|m| (m.id.clone(), m.allow_lists())).collect();
    Ok(Rules { set, allow })
}

/// The built-in rules (embedded from `rules/`), with every problem instead of stopping at one.
pub fn load_builtin() -> (RuleSet, Vec<RuleError>) {
    let mut set = RuleSet::default();
    let mut errors = Vec::new();
    for (name, text) in BUILTIN.iter().filter(|(n, _)| !is_test_file(n)) {
        match detect::load_str(text, &Path::new("rules").join(name)) {
            Ok(rules) => set.extend(RuleSet::from_rules(rules)),
            Err(e) => errors.extend(e),
        }
    }
    (set, errors)
}

pub fn is_test_file(name: &str) -> bool {
    name.ends_with(".tests.yml") || name.ends_with(".tests.yaml")
}
