//! reconwatch detection: Sigma detection and correlation rules, compiled once and evaluated over
//! normalized events.

mod alert;
pub mod correlation;

pub use alert::{Alert, Level};
