//! What the engine reports. Alerts are rare, so they own their data and favour a shape the sinks
//! can print directly: ordered, named fields.

use event::Timestamp;
use serde_json::Value;

/// Sigma `level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
}

/// One alert.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// `id` of the rule that fired (the correlation rule, for correlation alerts).
    pub rule_id: String,
    /// `name` of the rule, if it has one.
    pub rule_name: Option<String>,
    pub rule_title: String,
    pub level: Level,
    /// Time of the alert: the matching event's time, or the first event of the window for a
    /// correlation (the seed's `TimeGenerated = Earliest`).
    pub time: Timestamp,
    /// Time of the last event that contributed.
    pub last_time: Timestamp,
    /// ATT&CK technique ids from the rule's `attack.tNNNN[.NNN]` tags, upper-cased (`T1590.002`).
    pub techniques: Vec<String>,
    /// The alert's columns, in order: the rule's custom `alert_type`/`risk_score`/... attributes
    /// as `AlertType`/`RiskScore`/..., then the rule's `fields:` taken from the event (detection)
    /// or from the aggregate (correlation: group-by fields and the declared outputs such as
    /// `QueryCount`, `UniqueNames`, `QueryTypes`).
    pub fields: Vec<(String, Value)>,
    /// Why it fired: for a correlation, the aggregate and the conditions that held; for a
    /// detection, the selections that matched.
    pub evidence: Vec<(String, Value)>,
}

impl Alert {
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}
