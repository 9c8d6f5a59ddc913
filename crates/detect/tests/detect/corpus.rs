//! The SigmaHQ rule set (`shared/sigmahq` beside the workspace, when present): every rule file
//! must load or be rejected with a precise reason, and never panic.

use detect::{load_str, RuleErrorKind};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `shared/sigmahq` in the nearest ancestor of the crate that has one (`../shared` beside the
/// checkout; worktrees sit deeper).
pub fn sigmahq() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().map(|a| a.join("shared/sigmahq")).find(|p| p.is_dir())
}

pub fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, out);
        } else if detect::load::is_rule_file(&p) {
            out.push(p);
        }
    }
}

/// A short, stable name for why a rule was rejected.
fn reason(k: &RuleErrorKind) -> String {
    let s = match k {
        RuleErrorKind::BadRegex { message, .. } => format!("bad regex: {}", message.rsplit(": ").next().unwrap_or("")),
        RuleErrorKind::BadCondition { message, .. } => format!("condition: {message}"),
        RuleErrorKind::BadModifier { message, .. } => format!("modifier: {message}"),
        RuleErrorKind::UnknownModifier { modifier, .. } => format!("unknown modifier {modifier}"),
        RuleErrorKind::UnresolvedPlaceholder { .. } => "expand placeholder without value".into(),
        RuleErrorKind::BadValue { expected, .. } => format!("bad value: expected {expected}"),
        other => other.to_string(),
    };
    s.chars().take(90).collect()
}

#[test]
fn sigmahq_corpus_loads_or_is_rejected_precisely() {
    let Some(root) = sigmahq() else {
        println!("SKIPPED: no shared/sigmahq beside the workspace");
        return;
    };
    let mut total = BTreeMap::<String, (usize, usize)>::new();
    let mut reasons = BTreeMap::<String, usize>::new();
    let dirs = std::fs::read_dir(&root).map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect::<Vec<_>>());
    let mut dirs: Vec<PathBuf> = dirs.unwrap_or_default();
    dirs.sort();
    for dir in dirs.iter().filter(|d| {
        let n = d.file_name().and_then(|n| n.to_str()).unwrap_or("");
        d.is_dir() && (n.starts_with("rules") || n == "deprecated" || n == "unsupported")
    }) {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        let mut fs = Vec::new();
        files(dir, &mut fs);
        for f in fs {
            let text = std::fs::read_to_string(&f).expect("SigmaHQ files are UTF-8");
            let res = std::panic::catch_unwind(|| load_str(&text, &f));
            let entry = total.entry(name.clone()).or_default();
            entry.0 += 1;
            match res {
                Err(_) => panic!("panic while loading {}", f.display()),
                Ok(Ok(_)) => entry.1 += 1,
                Ok(Err(errs)) => {
                    for e in errs {
                        assert!(e.to_string().starts_with(&f.display().to_string()), "error without file: {e}");
                        *reasons.entry(format!("{name}: {}", reason(&e.kind))).or_default() += 1;
                    }
                }
            }
        }
    }
    for (dir, (n, ok)) in &total {
        println!("{dir}: {ok}/{n} files load");
    }
    for (r, n) in &reasons {
        println!("{n:5}  {r}");
    }
    let (n, ok) = total.get("rules").copied().unwrap_or((0, 0));
    assert!(n > 0);
    assert!(ok * 100 >= n * 95, "only {ok}/{n} files of rules/ load");
}
