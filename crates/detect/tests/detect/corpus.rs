//! The SigmaHQ rule set (`shared/sigmahq` beside the workspace, when present): every rule file
//! must load or be rejected with a precise reason, and never panic.

use detect::{load_str_with, CompileOptions, Rule, RuleError, RuleErrorKind};
use event::EventClass;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

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

/// How loading one file went: its rules or errors; `None` when loading panicked.
pub type Outcome = Option<Result<Vec<Rule>, Vec<RuleError>>>;

/// Every rule file of the corpus, loaded once (rules compiled for generic JSON events, as the
/// regression samples need): directory name, path, outcome. `None` when a load panicked.
pub struct Corpus {
    pub root: PathBuf,
    pub files: Vec<(String, PathBuf, Outcome)>,
}

/// The corpus, loaded on first use; `None` without `shared/sigmahq`.
pub fn corpus() -> Option<&'static Corpus> {
    static CORPUS: OnceLock<Option<Corpus>> = OnceLock::new();
    CORPUS
        .get_or_init(|| {
            let root = sigmahq()?;
            let opts = CompileOptions { event_class: Some(EventClass::Json), ..CompileOptions::default() };
            let mut dirs: Vec<PathBuf> =
                std::fs::read_dir(&root).ok()?.filter_map(|e| e.ok().map(|e| e.path())).collect();
            dirs.sort();
            let mut out = Vec::new();
            for dir in dirs {
                let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
                if !dir.is_dir() || !(name.starts_with("rules") || name == "deprecated" || name == "unsupported") {
                    continue;
                }
                let mut fs = Vec::new();
                files(&dir, &mut fs);
                for f in fs {
                    let text = std::fs::read_to_string(&f).expect("SigmaHQ files are UTF-8");
                    let res = std::panic::catch_unwind(AssertUnwindSafe(|| load_str_with(&text, &f, &opts))).ok();
                    out.push((name.clone(), f, res));
                }
            }
            Some(Corpus { root, files: out })
        })
        .as_ref()
}

#[test]
fn sigmahq_corpus_loads_or_is_rejected_precisely() {
    let Some(corpus) = corpus() else {
        println!("SKIPPED: no shared/sigmahq beside the workspace");
        return;
    };
    let mut total = BTreeMap::<String, (usize, usize)>::new();
    let mut reasons = BTreeMap::<String, usize>::new();
    for (name, f, res) in &corpus.files {
        let entry = total.entry(name.clone()).or_default();
        entry.0 += 1;
        match res {
            None => panic!("panic while loading {}", f.display()),
            Some(Ok(_)) => entry.1 += 1,
            Some(Err(errs)) => {
                for e in errs {
                    assert!(e.to_string().starts_with(&f.display().to_string()), "error without file: {e}");
                    *reasons.entry(format!("{name}: {}", reason(&e.kind))).or_default() += 1;
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
