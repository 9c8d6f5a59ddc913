//! reconwatch alert sinks, one file per output format, behind the [`Sink`] trait.
//!
//! Every format carries the same record: `TimeGenerated`, the rule's columns (the seed's projected
//! columns under the seed's names), then `RuleId`, `RuleTitle`, `Severity`, `Technique` and
//! `Evidence`. See [`record`].

mod csv_sink;
mod json_sink;
mod live;
mod record;
mod table;

pub use csv_sink::CsvSink;
pub use json_sink::{JsonArraySink, JsonLinesSink};
pub use live::live_sink;
pub use record::record;
pub use table::{TableSink, TableStyle};

use detect::Alert;
use std::io;

/// Where alerts go.
pub trait Sink {
    fn write_alert(&mut self, alert: &Alert) -> io::Result<()>;
    /// Called once after the last alert: closes arrays, writes buffered tables, flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// The output formats, as `--format` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Jsonl,
    Json,
    Csv,
}

impl Format {
    pub const NAMES: [&'static str; 4] = ["table", "jsonl", "json", "csv"];

    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "table" => Format::Table,
            "jsonl" => Format::Jsonl,
            "json" => Format::Json,
            "csv" => Format::Csv,
            _ => return None,
        })
    }

    /// Machine formats print the run summary on stderr so stdout stays parseable.
    pub fn is_machine(self) -> bool {
        self != Format::Table
    }
}

/// Builds the sink for `format` writing to `w`.
pub fn sink<'w>(format: Format, w: Box<dyn io::Write + 'w>, style: TableStyle) -> Box<dyn Sink + 'w> {
    match format {
        Format::Table => Box::new(TableSink::new(w, style)),
        Format::Jsonl => Box::new(JsonLinesSink::new(w)),
        Format::Json => Box::new(JsonArraySink::new(w)),
        Format::Csv => Box::new(CsvSink::new(w)),
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use detect::{Alert, Level};
    use event::Timestamp;
    use serde_json::json;
    use std::io::{self, Write};
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes a test can read while the sink still holds it.
    #[derive(Clone, Default)]
    pub struct Shared(pub Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    impl Shared {
        pub fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    pub fn alert(time: &str, alert_type: &str, extra: &[(&str, serde_json::Value)]) -> Alert {
        let t = Timestamp::parse_rfc3339(time).unwrap();
        let mut fields = vec![("AlertType".to_string(), json!(alert_type)), ("RiskScore".to_string(), json!(90))];
        fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        Alert {
            rule_id: "0c3e3b3e-0000-4000-8000-000000000001".into(),
            rule_name: Some("seed_zone_transfer".into()),
            rule_title: "External DNS Zone Transfer Attempt".into(),
            level: Level::Low,
            time: t,
            last_time: t,
            techniques: vec!["T1590.002".into()],
            fields,
            evidence: vec![("matched".into(), json!(["selection"]))],
        }
    }
}
