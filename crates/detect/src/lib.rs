//! reconwatch detection: Sigma detection and correlation rules, compiled once and evaluated over
//! normalized events.

mod alert;
pub mod rule;

pub use alert::{Alert, Level};
pub use rule::{resolve_field, LogSource, RawCorrelation, RuleError, RuleErrorKind, RuleMeta};
