//! Rule metadata shared by Sigma detection and correlation rules (Sigma rules specification v2.x,
//! "Components"), log-source routing, field-name resolution and typed rule errors.
//!
//! Quirks honoured here:
//! - `id` is optional in the specification; a rule without one gets its file stem as id.
//! - `level` is optional; a rule without one is `medium` (what most SIEM importers assume).
//! - every top-level key the specification does not define (e.g. `reconwatch:`) is kept, in order,
//!   in [`RuleMeta::custom`], converted to JSON.
//! - field names are resolved once per rule through one alias table ([`FIELD_ALIASES`]): Sigma
//!   taxonomy names, Windows/Sysmon names and ECS names map to the canonical DnsEvents /
//!   DeviceProcessEvents columns; anything else is looked up as an extra column or JSON path.

use crate::alert::Level;
use event::{DerivedField, DnsField, EventClass, FieldId, ProcessField};
use serde_yaml::{Mapping, Value as Yaml};
use std::fmt;
use std::path::{Path, PathBuf};

/// Metadata of one Sigma rule (detection or correlation).
#[derive(Debug, Clone, PartialEq)]
pub struct RuleMeta {
    /// `id` (a UUID by convention); the file stem when the rule has none.
    pub id: String,
    /// `name`: the handle correlation rules use to refer to this rule.
    pub name: Option<String>,
    /// `title` (required).
    pub title: String,
    /// `status` (`stable`, `test`, `experimental`, `deprecated`, `unsupported`).
    pub status: Option<String>,
    pub description: Option<String>,
    /// `level`; `medium` when absent.
    pub level: Level,
    /// `tags` (`attack.t1590.002`, ...).
    pub tags: Vec<String>,
    /// `fields`: event fields to show with an alert.
    pub fields: Vec<String>,
    pub falsepositives: Vec<String>,
    pub references: Vec<String>,
    /// Every top-level key the specification does not define, in file order (e.g. `reconwatch:`).
    pub custom: Vec<(String, serde_json::Value)>,
    /// The file the rule was loaded from.
    pub file: PathBuf,
}

/// Top-level keys defined by the Sigma rule, correlation and filter specifications (and the
/// Sigma v1 `action` key of rule collections); everything else is custom.
const KNOWN_KEYS: &[&str] = &[
    "title",
    "id",
    "name",
    "related",
    "taxonomy",
    "status",
    "description",
    "license",
    "author",
    "date",
    "modified",
    "logsource",
    "detection",
    "fields",
    "falsepositives",
    "level",
    "tags",
    "scope",
    "correlation",
    "generate",
    "filter",
    "rules",
    "action",
];

impl RuleMeta {
    /// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, upper-cased (`T1590.002`).
    /// The rule's custom `reconwatch:` attribute (alert_type, risk_score, allow, merge, output, ...).
    pub fn reconwatch(&self) -> Option<&serde_json::Value> {
        self.custom.iter().find(|(k, _)| k == "reconwatch").map(|(_, v)| v)
    }

    /// The allow-lists the rule opts into (`reconwatch.allow`).
    pub fn allow_lists(&self) -> Vec<String> {
        self.reconwatch()
            .and_then(|rw| rw.get("allow"))
            .and_then(|a| a.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    pub fn techniques(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| {
                let rest = t.strip_prefix("attack.")?;
                let (main, sub) = rest.split_once('.').map_or((rest, None), |(m, s)| (m, Some(s)));
                let digits = main.strip_prefix('t').or_else(|| main.strip_prefix('T'))?;
                let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
                if !ok(digits, 4) || !sub.is_none_or(|s| ok(s, 3)) {
                    return None;
                }
                Some(rest.to_ascii_uppercase())
            })
            .collect()
    }

    /// Reads the metadata keys of one rule document.
    pub fn from_yaml(doc: &Mapping, file: &Path) -> Result<RuleMeta, RuleError> {
        let err = |title: Option<String>, kind| RuleError { file: file.to_path_buf(), title, kind };
        let title = match doc.get("title") {
            Some(Yaml::String(s)) => s.clone(),
            Some(_) => return Err(err(None, RuleErrorKind::BadValue { at: "title".into(), expected: "a string" })),
            None => return Err(err(None, RuleErrorKind::MissingKey { at: "title" })),
        };
        let t = || Some(title.clone());
        let opt_str = |key: &'static str| -> Result<Option<String>, RuleError> {
            match doc.get(key) {
                None | Some(Yaml::Null) => Ok(None),
                Some(v) => scalar_text(v)
                    .map(Some)
                    .ok_or_else(|| err(t(), RuleErrorKind::BadValue { at: key.into(), expected: "a string" })),
            }
        };
        let str_list = |key: &'static str| -> Result<Vec<String>, RuleError> {
            match doc.get(key) {
                None | Some(Yaml::Null) => Ok(Vec::new()),
                Some(Yaml::Sequence(items)) => items
                    .iter()
                    .map(|v| {
                        scalar_text(v).ok_or_else(|| {
                            err(t(), RuleErrorKind::BadValue { at: key.into(), expected: "a list of strings" })
                        })
                    })
                    .collect(),
                Some(v) => scalar_text(v)
                    .map(|s| vec![s])
                    .ok_or_else(|| err(t(), RuleErrorKind::BadValue { at: key.into(), expected: "a list of strings" })),
            }
        };
        let level = match opt_str("level")? {
            None => Level::Medium,
            Some(s) => Level::parse(&s).ok_or_else(|| {
                err(
                    t(),
                    RuleErrorKind::BadValue { at: "level".into(), expected: "informational|low|medium|high|critical" },
                )
            })?,
        };
        let id = match opt_str("id")? {
            Some(id) => id,
            None => file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        let custom = doc
            .iter()
            .filter_map(|(k, v)| {
                let k = k.as_str()?;
                (!KNOWN_KEYS.contains(&k)).then(|| (k.to_string(), yaml_to_json(v)))
            })
            .collect();
        Ok(RuleMeta {
            id,
            name: opt_str("name")?,
            status: opt_str("status")?,
            description: opt_str("description")?,
            level,
            tags: str_list("tags")?,
            fields: str_list("fields")?,
            falsepositives: str_list("falsepositives")?,
            references: str_list("references")?,
            custom,
            file: file.to_path_buf(),
            title,
        })
    }
}

/// A YAML scalar as text (strings, numbers, booleans); `None` for null, lists and maps.
pub(crate) fn scalar_text(v: &Yaml) -> Option<String> {
    match v {
        Yaml::String(s) => Some(s.clone()),
        Yaml::Number(n) => Some(n.to_string()),
        Yaml::Bool(b) => Some(b.to_string()),
        Yaml::Tagged(t) => scalar_text(&t.value),
        _ => None,
    }
}

/// Converts a YAML value to JSON (map keys become strings; tags are dropped).
pub fn yaml_to_json(v: &Yaml) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Yaml::Null => J::Null,
        Yaml::Bool(b) => J::Bool(*b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                J::from(i)
            } else if let Some(u) = n.as_u64() {
                J::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(J::Null, J::Number)
            }
        }
        Yaml::String(s) => J::String(s.clone()),
        Yaml::Sequence(items) => J::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Mapping(m) => J::Object(
            m.iter().map(|(k, v)| (scalar_text(k).unwrap_or_else(|| format!("{k:?}")), yaml_to_json(v))).collect(),
        ),
        Yaml::Tagged(t) => yaml_to_json(&t.value),
    }
}

/// An event's field value as JSON for alert columns: text stays text, numbers numbers, typed
/// values (addresses, QType, Rcode, times) become their text form; `None` when missing.
pub fn field_value_json(v: &event::FieldValue<'_>) -> Option<serde_json::Value> {
    use event::FieldValue as F;
    use serde_json::Value as J;
    Some(match v {
        F::Missing => return None,
        F::Null => J::Null,
        F::Str(s) => J::String((*s).to_string()),
        F::Int(i) => J::from(*i),
        F::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        F::Bool(b) => J::Bool(*b),
        F::Ip(ip) => J::String(ip.to_string()),
        F::QType(q) => J::String(q.to_string()),
        F::Rcode(r) => J::String(r.to_string()),
        F::Time(t) => J::String(t.to_string()),
        F::Json(v) => (*v).clone(),
    })
}

/// Sigma `logsource`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogSource {
    /// `category` (`dns`, `process_creation`, ...): what routes the rule to an event class.
    pub category: Option<String>,
    /// `product` (`windows`, `linux`, `zeek`, ...).
    pub product: Option<String>,
    /// `service` (`security`, `sysmon`, ...).
    pub service: Option<String>,
}

impl LogSource {
    /// Reads `logsource:` (absent means "any").
    pub fn from_yaml(v: Option<&Yaml>) -> Option<LogSource> {
        let m = match v {
            None | Some(Yaml::Null) => return Some(LogSource::default()),
            Some(Yaml::Mapping(m)) => m,
            Some(_) => return None,
        };
        let get = |k: &str| m.get(k).and_then(scalar_text);
        Some(LogSource { category: get("category"), product: get("product"), service: get("service") })
    }

    /// The event class a rule on this log source is evaluated against: `dns` → DNS queries,
    /// `dns_response`, `dns_transfer`, `process_creation`; anything else runs on generic JSON
    /// events (e.g. SigmaHQ's `windows/security` rules over JSON-rendered event logs).
    pub fn event_class(&self) -> EventClass {
        match self.category.as_deref() {
            Some("dns") => EventClass::DnsQuery,
            Some("dns_response") => EventClass::DnsResponse,
            Some("dns_transfer") => EventClass::DnsTransfer,
            Some("process_creation") => EventClass::ProcessCreation,
            _ => EventClass::Json,
        }
    }
}

/// Which canonical field a foreign field name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canonical {
    /// A column of DNS events (DnsEvents names).
    Dns(DnsField),
    /// A column of process events (DeviceProcessEvents names).
    Process(ProcessField),
}

/// Field-name aliases: `(alias, canonical)`. Compared exactly first, then ignoring ASCII case.
/// Sources: Sigma taxonomy (`query`, `record_type`, `src_ip`, `Image`, `CommandLine`, ...), Windows
/// DNS analytic / Sysmon names (`QueryName`, `QueryType`, `ClientIP`), IIS-style `c-ip`, and ECS
/// (`dns.question.name`, `process.command_line`, ...). Canonical names themselves
/// ([`DnsField::name`], [`ProcessField::name`]) need no entry.
pub const FIELD_ALIASES: &[(&str, Canonical)] = {
    use Canonical::{Dns as D, Process as P};
    use DnsField as DF;
    use ProcessField as PF;
    &[
        // DNS: Sigma taxonomy and Windows names
        ("query", D(DF::Name)),
        ("QueryName", D(DF::Name)),
        ("record_type", D(DF::QueryType)),
        ("src_ip", D(DF::ClientIp)),
        ("c-ip", D(DF::ClientIp)),
        ("dst_ip", D(DF::ServerIp)),
        ("rcode", D(DF::ResultCode)),
        ("ResponseCode", D(DF::ResultCode)),
        // DNS: ECS
        ("dns.question.name", D(DF::Name)),
        ("dns.question.type", D(DF::QueryType)),
        ("source.ip", D(DF::ClientIp)),
        ("destination.ip", D(DF::ServerIp)),
        ("dns.response_code", D(DF::ResultCode)),
        ("host.name", D(DF::Computer)),
        ("observer.name", D(DF::Computer)),
        // process_creation: Sigma taxonomy / Sysmon 1
        ("Image", P(PF::FolderPath)),
        ("CommandLine", P(PF::ProcessCommandLine)),
        ("ParentImage", P(PF::InitiatingProcessFolderPath)),
        ("ParentCommandLine", P(PF::InitiatingProcessCommandLine)),
        ("User", P(PF::AccountName)),
        ("Computer", P(PF::DeviceName)),
        ("ParentProcessId", P(PF::InitiatingProcessId)),
        // process_creation: ECS
        ("process.executable", P(PF::FolderPath)),
        ("process.command_line", P(PF::ProcessCommandLine)),
        ("process.name", P(PF::FileName)),
        ("process.pid", P(PF::ProcessId)),
        ("process.parent.executable", P(PF::InitiatingProcessFolderPath)),
        ("process.parent.command_line", P(PF::InitiatingProcessCommandLine)),
        ("process.parent.name", P(PF::InitiatingProcessFileName)),
        ("process.parent.pid", P(PF::InitiatingProcessId)),
        ("user.name", P(PF::AccountName)),
        ("user.domain", P(PF::AccountDomain)),
        ("host.name", P(PF::DeviceName)),
    ]
};

/// Resolves a rule's field name for events of `class`: canonical names (exact, then ignoring
/// ASCII case), the derived fields of DNS events (`Zone`, `ReverseNetwork`, `ClientNetwork`, see
/// [`crate::derived`]), then [`FIELD_ALIASES`]; anything else is [`FieldId::Other`] (an extra column of
/// a typed event, or a key/dotted path of a JSON event). JSON events always get `Other`.
pub fn resolve_field(class: EventClass, name: &str) -> FieldId {
    let dns = matches!(class, EventClass::DnsQuery | EventClass::DnsResponse | EventClass::DnsTransfer);
    let process = class == EventClass::ProcessCreation;
    if dns {
        if let Some(f) = DnsField::from_name(name) {
            return FieldId::Dns(f);
        }
        if let Some(f) = DerivedField::from_name(name) {
            return FieldId::Derived(f);
        }
    } else if process {
        if let Some(f) = ProcessField::from_name(name) {
            return FieldId::Process(f);
        }
    } else {
        return FieldId::Other(name.into());
    }
    let wanted =
        |c: &Canonical| (dns && matches!(c, Canonical::Dns(_))) || (process && matches!(c, Canonical::Process(_)));
    let hit = FIELD_ALIASES
        .iter()
        .find(|(a, c)| *a == name && wanted(c))
        .or_else(|| FIELD_ALIASES.iter().find(|(a, c)| a.eq_ignore_ascii_case(name) && wanted(c)));
    match hit {
        Some((_, Canonical::Dns(f))) => FieldId::Dns(*f),
        Some((_, Canonical::Process(f))) => FieldId::Process(*f),
        None => FieldId::Other(name.into()),
    }
}

/// A rule that could not be loaded: where, which rule, and what is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct RuleError {
    /// The rule file.
    pub file: PathBuf,
    /// The rule's title, when it got that far.
    pub title: Option<String>,
    /// What is wrong.
    pub kind: RuleErrorKind,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.file.display())?;
        if let Some(t) = &self.title {
            write!(f, "rule {t:?}: ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// What is wrong with a rule. `at` names the place in the rule (`detection.selection.Field|re`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuleErrorKind {
    #[error("cannot read: {0}")]
    Io(String),
    #[error("YAML syntax error at line {line}, column {column}: {message}")]
    Yaml { line: usize, column: usize, message: String },
    #[error("document is not a map of keys")]
    NotAMap,
    #[error("missing `{at}`")]
    MissingKey { at: &'static str },
    #[error("{at}: expected {expected}")]
    BadValue { at: String, expected: &'static str },
    #[error("{at}: unknown modifier `{modifier}`")]
    UnknownModifier { at: String, modifier: String },
    #[error("{at}: {message}")]
    BadModifier { at: String, message: String },
    #[error("condition {condition:?}, column {column}: {message}")]
    BadCondition { condition: String, column: usize, message: String },
    #[error("condition {condition:?}: {name:?} is not defined in detection")]
    UndefinedIdentifier { condition: String, name: String },
    #[error("{at}: placeholder %{placeholder}% has no value (no placeholder map supplied for `expand`)")]
    UnresolvedPlaceholder { at: String, placeholder: String },
    #[error("{at}: bad regular expression: {message}")]
    BadRegex { at: String, message: String },
    #[error("{at}: bad CIDR network {value:?}")]
    BadCidr { at: String, value: String },
    #[error("{at}: bad timespan {value:?} (expected e.g. 30s, 10m, 1h, 2d)")]
    BadTimespan { at: String, value: String },
    #[error("{at}: {message}")]
    BadCorrelation { at: String, message: String },
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl RuleError {
    /// An error in `file`, for the rule titled `title` when known.
    pub fn new(file: &Path, title: Option<&str>, kind: RuleErrorKind) -> RuleError {
        RuleError { file: file.to_path_buf(), title: title.map(str::to_string), kind }
    }
}

/// A correlation rule as loaded: its metadata and the raw `correlation:` map, parsed by the
/// correlation module.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCorrelation {
    /// The rule's metadata (title, id, name, level, tags, custom keys, file).
    pub meta: RuleMeta,
    /// The `correlation:` map, unparsed.
    pub body: Yaml,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(text: &str) -> Result<RuleMeta, RuleError> {
        let doc: Yaml = serde_yaml::from_str(text).unwrap();
        RuleMeta::from_yaml(doc.as_mapping().unwrap(), Path::new("r/x_rule.yml"))
    }

    #[test]
    fn meta_keys_custom_and_techniques() {
        let m = meta(
            "title: T\nid: abc\nlevel: high\ntags: [attack.reconnaissance, attack.t1590.002, attack.T1046, \
             attack.t12]\nreconwatch:\n  alert_type: Zone\n  risk_score: 90\nfalsepositives: one\n",
        )
        .unwrap();
        assert_eq!(m.id, "abc");
        assert_eq!(m.level, Level::High);
        assert_eq!(m.techniques(), vec!["T1590.002", "T1046"]);
        assert_eq!(m.falsepositives, vec!["one"]);
        assert_eq!(
            m.custom,
            vec![("reconwatch".to_string(), serde_json::json!({"alert_type": "Zone", "risk_score": 90}))]
        );
    }

    #[test]
    fn meta_defaults_and_errors() {
        let m = meta("title: T\n").unwrap();
        assert_eq!((m.id.as_str(), m.level), ("x_rule", Level::Medium));
        let e = meta("title: T\nlevel: severe\n").unwrap_err();
        assert_eq!(e.to_string(), "r/x_rule.yml: rule \"T\": level: expected informational|low|medium|high|critical");
        assert_eq!(meta("id: 1\n").unwrap_err().to_string(), "r/x_rule.yml: missing `title`");
    }

    #[test]
    fn field_resolution() {
        use EventClass::*;
        assert_eq!(resolve_field(DnsQuery, "query"), FieldId::Dns(DnsField::Name));
        assert_eq!(resolve_field(DnsQuery, "clientip"), FieldId::Dns(DnsField::ClientIp));
        assert_eq!(resolve_field(DnsTransfer, "dns.question.type"), FieldId::Dns(DnsField::QueryType));
        assert_eq!(resolve_field(DnsQuery, "host.name"), FieldId::Dns(DnsField::Computer));
        assert_eq!(resolve_field(ProcessCreation, "host.name"), FieldId::Process(ProcessField::DeviceName));
        assert_eq!(resolve_field(ProcessCreation, "Image"), FieldId::Process(ProcessField::FolderPath));
        assert_eq!(resolve_field(ProcessCreation, "ProcessId"), FieldId::Process(ProcessField::ProcessId));
        assert_eq!(resolve_field(ProcessCreation, "Computer"), FieldId::Process(ProcessField::DeviceName));
        assert_eq!(resolve_field(DnsQuery, "Computer"), FieldId::Dns(DnsField::Computer));
        assert_eq!(resolve_field(DnsQuery, "Image"), FieldId::Other("Image".into()));
        assert_eq!(resolve_field(Json, "Name"), FieldId::Other("Name".into()));
        assert_eq!(resolve_field(DnsQuery, "zone"), FieldId::Derived(DerivedField::Zone));
        assert_eq!(resolve_field(DnsTransfer, "ClientNetwork"), FieldId::Derived(DerivedField::ClientNetwork));
        assert_eq!(resolve_field(ProcessCreation, "Zone"), FieldId::Other("Zone".into()));
    }

    #[test]
    fn logsource_routing() {
        let ls = |c: &str| LogSource { category: Some(c.into()), ..LogSource::default() }.event_class();
        assert_eq!(ls("dns"), EventClass::DnsQuery);
        assert_eq!(ls("dns_transfer"), EventClass::DnsTransfer);
        assert_eq!(ls("process_creation"), EventClass::ProcessCreation);
        assert_eq!(ls("file_event"), EventClass::Json);
    }
}
