//! Small helpers: compile a rule from YAML text, build events.

use detect::{load_str, DetectionRule, Rule};
use event::{DnsEvent, JsonEvent, ProcessEvent, Timestamp};
use std::path::Path;

/// Compiles the single detection rule in `yaml`; panics with the error text otherwise.
pub fn rule(yaml: &str) -> DetectionRule {
    match load_str(yaml, Path::new("test.yml")) {
        Ok(mut rules) if rules.len() == 1 => match rules.remove(0) {
            Rule::Detection(d) => d,
            _ => panic!("not a detection rule"),
        },
        Ok(rules) => panic!("expected one rule, got {}", rules.len()),
        Err(e) => panic!("rule rejected: {}", e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")),
    }
}

/// A rule on generic JSON events with the given `detection:` body (indented by 4).
pub fn json_rule(detection: &str) -> DetectionRule {
    rule(&format!("title: T\nlogsource:\n    product: test\ndetection:\n{detection}\n"))
}

/// The error text for a rule that must be rejected.
pub fn rejection(yaml: &str) -> String {
    match load_str(yaml, Path::new("test.yml")) {
        Ok(_) => panic!("rule unexpectedly loaded"),
        Err(e) => e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "),
    }
}

pub fn json(v: serde_json::Value) -> JsonEvent {
    JsonEvent { time: Timestamp(0), value: v, source_format: "test" }
}

/// Whether the JSON-event rule matches each of the given events, as a vector of booleans.
pub fn hits(r: &DetectionRule, events: &[serde_json::Value]) -> Vec<bool> {
    events.iter().map(|e| r.matches(&json(e.clone()))).collect()
}

pub fn dns(client: &str, name: &str, qtype: u16) -> DnsEvent {
    DnsEvent {
        client_ip: client.parse().ok(),
        name: name.into(),
        qtype: Some(event::QType(qtype)),
        server: "ns1".into(),
        source_format: "test",
        ..DnsEvent::default()
    }
}

pub fn process(file: &str, cmdline: &str) -> ProcessEvent {
    ProcessEvent {
        file_name: file.into(),
        folder_path: format!("C:\\Tools\\{file}"),
        command_line: cmdline.into(),
        device: "ws1".into(),
        account: "alice".into(),
        source_format: "test",
        ..ProcessEvent::default()
    }
}
