//! Rule test cases: a rule file `x.yml` may have a sibling `x.tests.yml`:
//!
//! ```yaml
//! tests:
//!   - name: bulk NS enumeration from outside
//!     window: sliding            # optional: sliding | tumbling (default: the run's)
//!     events:
//!       - {class: dns, TimeGenerated: 2026-01-01T10:00:00Z, ClientIP: 203.0.113.5, QueryType: NS, Name: a.example}
//!     repeat: {count: 31, step: 1s, vary: {Name: "host{i}.example.com"}}   # optional
//!     expect: [bulk-count]       # rule ids or names, one per alert expected
//! ```
//!
//! `class` is `dns` (a query), `dns_response`, `dns_transfer`, `process_creation` or `json`
//! (default `dns`). Other keys are field names, resolved like rule fields (canonical DnsEvents /
//! DeviceProcessEvents columns or their aliases; unknown names become extra columns), set from
//! their text with [`event::DnsEvent::set`] / [`event::ProcessEvent::set`]; a JSON event is the
//! map itself, its time taken from `TimeGenerated`, `time`, `timestamp` or `@timestamp`. Events
//! without a time are at 2026-01-01T00:00:00Z. `repeat` replays the event list `count` times,
//! repetition `i` (from 0) shifted by `i × step` with `{i}` in `vary` templates replaced by `i`.
//!
//! Each test runs in a fresh [`Engine`] over all the loaded rules, events in the order written
//! (so out-of-order input can be tested), and passes when the multiset of fired rules equals
//! `expect` exactly.

use crate::correlation::{parse_timespan, WindowMode};
use crate::load::{is_rule_file, load_paths};
use crate::rule::{scalar_text, yaml_to_json};
use crate::{resolve_field, Alert, Engine, EngineConfig, RuleSet};
use event::{
    parse_time, DnsEvent, DnsKind, Event, EventClass, FieldId, JsonEvent, ProcessEvent, Timestamp, NANOS_PER_SEC,
};
use serde_yaml::Value as Yaml;
use std::fmt;
use std::path::{Path, PathBuf};

/// One test case.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    pub file: PathBuf,
    pub name: String,
    pub window: Option<WindowMode>,
    /// The events, repetitions expanded.
    pub events: Vec<Event>,
    /// Rule ids or names, one per expected alert.
    pub expect: Vec<String>,
}

/// A test file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {}{what}", file.display(), test.as_ref().map(|t| format!("test {t:?}: ")).unwrap_or_default())]
pub struct TestError {
    pub file: PathBuf,
    pub test: Option<String>,
    pub what: String,
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestOutcome {
    pub file: PathBuf,
    pub name: String,
    pub expect: Vec<String>,
    /// Fired rules (ids), in alert order.
    pub fired: Vec<String>,
    /// Expected but not fired.
    pub missing: Vec<String>,
    /// Fired but not expected (`id "title"`).
    pub unexpected: Vec<String>,
    /// The engine could not be built, or the test could not be loaded.
    pub error: Option<String>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.missing.is_empty() && self.unexpected.is_empty()
    }
}

/// Results of a test run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub outcomes: Vec<TestOutcome>,
    /// Rule files or test files that could not be loaded.
    pub load_errors: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.passed()).count()
    }
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
    /// True when every test passed and everything loaded.
    pub fn ok(&self) -> bool {
        self.failed() == 0 && self.load_errors.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.load_errors {
            writeln!(f, "ERROR {e}")?;
        }
        for o in &self.outcomes {
            let status = if o.passed() { "PASS " } else { "FAIL " };
            writeln!(f, "{status} {}: {}", o.file.display(), o.name)?;
            if o.passed() {
                continue;
            }
            if let Some(e) = &o.error {
                writeln!(f, "      error:      {e}")?;
                continue;
            }
            writeln!(f, "      expected:   [{}]", o.expect.join(", "))?;
            writeln!(f, "      fired:      [{}]", o.fired.join(", "))?;
            if !o.missing.is_empty() {
                writeln!(f, "      missing:    {}", o.missing.join(", "))?;
            }
            if !o.unexpected.is_empty() {
                writeln!(f, "      unexpected: {}", o.unexpected.join(", "))?;
            }
        }
        writeln!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

/// Events without a time: 2026-01-01T00:00:00Z.
const DEFAULT_TIME: i64 = 1_767_225_600 * NANOS_PER_SEC;

/// Loads one `*.tests.yml` file.
pub fn load_tests(path: &Path) -> Result<Vec<TestCase>, TestError> {
    let text = std::fs::read_to_string(path).map_err(|e| TestError {
        file: path.to_path_buf(),
        test: None,
        what: format!("cannot read: {e}"),
    })?;
    parse_tests(&text, path)
}

/// Parses the text of a test file; `file` is used in errors.
pub fn parse_tests(text: &str, file: &Path) -> Result<Vec<TestCase>, TestError> {
    let err =
        |test: Option<&str>, what: String| TestError { file: file.to_path_buf(), test: test.map(Into::into), what };
    let doc: Yaml = serde_yaml::from_str(text).map_err(|e| err(None, format!("YAML: {e}")))?;
    let Some(tests) = doc.get("tests").and_then(Yaml::as_sequence) else {
        return Err(err(None, "expected a top-level `tests:` list".into()));
    };
    let mut out = Vec::new();
    for (n, t) in tests.iter().enumerate() {
        let name = t.get("name").and_then(scalar_text).unwrap_or_else(|| format!("#{}", n + 1));
        let e = |what: String| err(Some(&name), what);
        let window = match t.get("window") {
            None => None,
            Some(w) => Some(
                w.as_str()
                    .and_then(WindowMode::parse)
                    .ok_or_else(|| e("`window` must be sliding or tumbling".into()))?,
            ),
        };
        let protos = t.get("events").and_then(Yaml::as_sequence).ok_or_else(|| e("missing `events` list".into()))?;
        let mut base = Vec::new();
        for (i, p) in protos.iter().enumerate() {
            base.push(event_from_yaml(p).map_err(|w| e(format!("event #{}: {w}", i + 1)))?);
        }
        let events = match t.get("repeat") {
            None => base,
            Some(r) => repeat(&base, r).map_err(|w| e(format!("repeat: {w}")))?,
        };
        let expect = match t.get("expect") {
            Some(Yaml::Sequence(items)) => items
                .iter()
                .map(|i| scalar_text(i).ok_or_else(|| e("`expect` entries must be rule ids or names".into())))
                .collect::<Result<Vec<_>, _>>()?,
            Some(Yaml::Null) => Vec::new(),
            _ => return Err(e("missing `expect` list (use `expect: []` for no alert)".into())),
        };
        out.push(TestCase { file: file.to_path_buf(), name, window, events, expect });
    }
    Ok(out)
}

fn class_of(name: &str) -> Option<EventClass> {
    Some(match name {
        "dns" => EventClass::DnsQuery,
        "dns_response" => EventClass::DnsResponse,
        "dns_transfer" => EventClass::DnsTransfer,
        "process_creation" => EventClass::ProcessCreation,
        "json" => EventClass::Json,
        _ => return None,
    })
}

const JSON_TIME_KEYS: &[&str] = &["TimeGenerated", "time", "timestamp", "@timestamp"];

fn event_from_yaml(v: &Yaml) -> Result<Event, String> {
    let m = v.as_mapping().ok_or("an event must be a map of field: value")?;
    let class_name = m.get("class").map_or(Some("dns".to_string()), scalar_text).unwrap_or_default();
    let class = class_of(&class_name).ok_or_else(|| {
        format!("unknown class `{class_name}` (dns, dns_response, dns_transfer, process_creation, json)")
    })?;
    let mut ev = match class {
        EventClass::Json => {
            let mut value = yaml_to_json(v);
            if let Some(o) = value.as_object_mut() {
                o.remove("class");
            }
            let time = JSON_TIME_KEYS
                .iter()
                .find_map(|k| value.get(*k).and_then(|t| t.as_str()).and_then(parse_time))
                .unwrap_or(Timestamp(DEFAULT_TIME));
            return Ok(Event::Json(JsonEvent { time, value, source_format: "test" }));
        }
        EventClass::ProcessCreation => {
            Event::Process(ProcessEvent { time: Timestamp(DEFAULT_TIME), source_format: "test", ..Default::default() })
        }
        c => {
            let kind = match c {
                EventClass::DnsResponse => DnsKind::Response,
                EventClass::DnsTransfer => DnsKind::Transfer,
                _ => DnsKind::Query,
            };
            Event::Dns(DnsEvent { time: Timestamp(DEFAULT_TIME), kind, source_format: "test", ..Default::default() })
        }
    };
    for (k, val) in m {
        let key = scalar_text(k).ok_or("field names must be strings")?;
        if key == "class" {
            continue;
        }
        let text = match val {
            Yaml::Null => String::new(),
            other => scalar_text(other).ok_or_else(|| format!("`{key}`: value must be a scalar"))?,
        };
        set_field(&mut ev, &key, &text)?;
    }
    Ok(ev)
}

/// Sets a field of an event from text, by rule field name.
fn set_field(ev: &mut Event, key: &str, text: &str) -> Result<(), String> {
    let id = resolve_field(ev.class(), key);
    match (ev, id) {
        (Event::Dns(e), FieldId::Dns(f)) => e.set(f, text).map_err(|x| x.to_string()),
        (Event::Process(e), FieldId::Process(f)) => e.set(f, text).map_err(|x| x.to_string()),
        (Event::Dns(e), FieldId::Other(k)) => {
            e.extra.push(k, text);
            Ok(())
        }
        (Event::Process(e), FieldId::Other(k)) => {
            e.extra.push(k, text);
            Ok(())
        }
        (Event::Json(e), _) => {
            if let Some(o) = e.value.as_object_mut() {
                o.insert(key.to_string(), serde_json::Value::String(text.to_string()));
            }
            if JSON_TIME_KEYS.contains(&key) {
                e.time = parse_time(text).ok_or_else(|| format!("`{key}`: bad time `{text}`"))?;
            }
            Ok(())
        }
        (_, _) => Err(format!("`{key}` is not a field of this event class")),
    }
}

fn parse_step(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some(ms) = s.strip_suffix("ms") {
        return ms.parse::<i64>().ok().filter(|n| *n >= 0).and_then(|n| n.checked_mul(1_000_000));
    }
    if s == "0" || s == "0s" {
        return Some(0);
    }
    parse_timespan(s)
}

fn repeat(base: &[Event], r: &Yaml) -> Result<Vec<Event>, String> {
    let count = r.get("count").and_then(Yaml::as_u64).ok_or("needs `count` (a number)")?;
    if count > 1_000_000 {
        return Err("`count` above 1000000".into());
    }
    let step = match r.get("step") {
        None => 0,
        Some(s) => s.as_str().and_then(parse_step).ok_or("`step` must look like 500ms, 1s, 2m")?,
    };
    let mut vary = Vec::new();
    if let Some(v) = r.get("vary") {
        for (k, t) in v.as_mapping().ok_or("`vary` must map field names to templates")? {
            let k = scalar_text(k).ok_or("`vary` keys must be field names")?;
            let t = scalar_text(t).ok_or("`vary` templates must be strings")?;
            vary.push((k, t));
        }
    }
    let mut out = Vec::with_capacity(base.len() * count as usize);
    for i in 0..count {
        let shift = step.checked_mul(i as i64).ok_or("`step` × `count` overflows")?;
        for e in base {
            let mut e = e.clone();
            match &mut e {
                Event::Dns(x) => x.time = Timestamp(x.time.0.saturating_add(shift)),
                Event::Process(x) => x.time = Timestamp(x.time.0.saturating_add(shift)),
                Event::Json(x) => x.time = Timestamp(x.time.0.saturating_add(shift)),
            }
            for (k, t) in &vary {
                set_field(&mut e, k, &t.replace("{i}", &i.to_string()))?;
            }
            out.push(e);
        }
    }
    Ok(out)
}

/// Runs tests against a rule set: a fresh engine per test.
pub fn run_tests(rules: &RuleSet, tests: &[TestCase], cfg: &EngineConfig) -> Report {
    let mut report = Report::default();
    for t in tests {
        report.outcomes.push(run_one(rules, t, cfg));
    }
    report
}

fn run_one(rules: &RuleSet, t: &TestCase, cfg: &EngineConfig) -> TestOutcome {
    let mut o = TestOutcome {
        file: t.file.clone(),
        name: t.name.clone(),
        expect: t.expect.clone(),
        fired: Vec::new(),
        missing: Vec::new(),
        unexpected: Vec::new(),
        error: None,
    };
    let cfg = EngineConfig { window: t.window.unwrap_or(cfg.window), ..cfg.clone() };
    let mut engine = match Engine::new(rules.clone(), cfg) {
        Ok(e) => e,
        Err(es) => {
            o.error = Some(es.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "));
            return o;
        }
    };
    let mut alerts: Vec<Alert> = Vec::new();
    for e in &t.events {
        engine.process(e, &mut alerts);
    }
    engine.finish(&mut alerts);
    let mut used = vec![false; t.expect.len()];
    for a in &alerts {
        o.fired.push(a.rule_id.clone());
        let hit = t
            .expect
            .iter()
            .enumerate()
            .position(|(i, x)| !used[i] && (*x == a.rule_id || a.rule_name.as_deref() == Some(x.as_str())));
        match hit {
            Some(i) => used[i] = true,
            None => o.unexpected.push(format!("{} {:?}", a.rule_id, a.rule_title)),
        }
    }
    o.missing = t.expect.iter().zip(&used).filter(|(_, u)| !**u).map(|(x, _)| x.clone()).collect();
    o
}

/// The test file beside a rule file: `x.yml` → `x.tests.yml`.
pub fn tests_path(rule_file: &Path) -> PathBuf {
    let stem = rule_file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    rule_file.with_file_name(format!("{stem}.tests.yml"))
}

fn rule_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        let mut entries: Vec<PathBuf> =
            std::fs::read_dir(p).map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect()).unwrap_or_default();
        entries.sort();
        for e in entries {
            rule_files(&e, out);
        }
    } else if is_rule_file(p) {
        out.push(p.to_path_buf());
    }
}

/// Loads the rules under `paths` and runs every `x.tests.yml` beside a rule file `x.yml`
/// against all of them (`reconwatch rules test [DIR]`).
pub fn run_paths(paths: &[PathBuf], cfg: &EngineConfig) -> Report {
    let (rules, errors) = load_paths(paths);
    let mut report = Report { load_errors: errors.iter().map(|e| e.to_string()).collect(), ..Report::default() };
    let mut files = Vec::new();
    for p in paths {
        rule_files(p, &mut files);
    }
    for f in files {
        let tf = tests_path(&f);
        if !tf.is_file() {
            continue;
        }
        match load_tests(&tf) {
            Ok(tests) => report.outcomes.extend(run_tests(&rules, &tests, cfg).outcomes),
            Err(e) => report.load_errors.push(e.to_string()),
        }
    }
    report
}

#[cfg(test)]
#[path = "testcases_tests.rs"]
mod tests;
