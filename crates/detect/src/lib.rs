//! reconwatch detection: Sigma detection and correlation rules, compiled once and evaluated over
//! normalized events.
//!
//! - [`rule`]: metadata shared by detection and correlation rules, log-source routing, field-name
//!   resolution, typed errors.
//! - [`sigma`]: Sigma detection rules (selections, modifiers, conditions) compiled to field tests.
//! - [`load`]: rule files and directories into a [`RuleSet`].

mod alert;
pub mod load;
pub mod rule;
pub mod sigma;

pub use alert::{Alert, Level};
pub use load::{load_paths, load_paths_with, load_str, load_str_with, Rule, RuleSet};
pub use rule::{field_value_json, resolve_field, LogSource, RawCorrelation, RuleError, RuleErrorKind, RuleMeta};
pub use sigma::{CompileOptions, DetectionRule, SigmaFilter};
