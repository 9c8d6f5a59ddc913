//! reconwatch detection: Sigma detection and correlation rules, compiled once and evaluated over
//! normalized events.
//!
//! - [`rule`]: metadata shared by detection and correlation rules, log-source routing, field-name
//!   resolution, typed errors.
//! - [`sigma`]: Sigma detection rules (selections, modifiers, conditions) compiled to field tests.
//! - [`load`]: rule files and directories into a [`RuleSet`].
//! - [`correlation`]: Sigma correlation rules and their event-time windows.
//! - [`derived`]: fields computed from DNS events (`Zone`, `ReverseNetwork`, `ClientNetwork`).
//! - [`engine`]: detection + correlation over a stream of events, producing [`Alert`]s.
//! - [`testcases`]: rule test cases (`x.tests.yml` beside `x.yml`).

mod alert;
pub mod correlation;
pub mod derived;
pub mod engine;
pub mod load;
pub mod rule;
pub mod sigma;
pub mod testcases;
pub mod tuning;

pub use alert::{Alert, Level};
pub use correlation::{Emit, WindowMode};
pub use derived::{BadZone, Zones};
pub use engine::{Engine, EngineConfig, EngineStats, FieldSlot, FieldTexts, Matcher};
pub use load::{load_paths, load_paths_with, load_str, load_str_with, Rule, RuleSet};
pub use rule::{field_value_json, resolve_field, LogSource, RawCorrelation, RuleError, RuleErrorKind, RuleMeta};
pub use sigma::{CompileOptions, DetectionRule, SigmaFilter};
