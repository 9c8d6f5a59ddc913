//! The configuration file (`--config`): engine settings under `hunt:`, tuning under `allow:`,
//! served zones under `zones:`.
//! One struct, read once and passed down. See examples/reconwatch.yml for a commented example.

use anyhow::{bail, Context, Result};
use detect::tuning::AllowConfig;
use event::NANOS_PER_SEC;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub hunt: HuntConfig,
    #[serde(default)]
    pub allow: AllowConfig,
    /// Zones the monitored servers serve: the derived `Zone` field is the longest of them that
    /// holds a query name (the registered domain by the Public Suffix List otherwise).
    #[serde(default)]
    pub zones: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HuntConfig {
    /// `sliding` (default) or `tumbling`.
    pub window: Option<String>,
    /// How late an event may arrive and still be placed in its window, e.g. `5s`.
    pub lateness: Option<String>,
    /// Most correlation groups kept at once, all correlations together (default 30 000); beyond it
    /// the correlation holding the most sheds its stalest (counted as evicted).
    pub max_groups: Option<usize>,
    /// Most distinct values kept per group.
    pub max_values_per_group: Option<usize>,
    /// Parsing threads (0 or absent: every available core; 1: no threads).
    pub threads: Option<usize>,
    /// Time zone for logs whose timestamps carry none.
    pub timezone: Option<String>,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        serde_yaml::from_str(&text).with_context(|| format!("{}: invalid configuration", path.display()))
    }
}

/// Parses a duration such as `500ms`, `5s`, `10m`, `1h`, `1d` into nanoseconds.
pub fn parse_duration(s: &str) -> Result<i64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: i64 = num.parse().with_context(|| format!("bad duration `{s}`: expected a number and a unit, e.g. 5s"))?;
    let mult = match unit {
        "ms" => 1_000_000,
        "s" => NANOS_PER_SEC,
        "m" => 60 * NANOS_PER_SEC,
        "h" => 3600 * NANOS_PER_SEC,
        "d" => 86_400 * NANOS_PER_SEC,
        _ => bail!("bad duration `{s}`: unit must be ms, s, m, h or d"),
    };
    n.checked_mul(mult).with_context(|| format!("duration `{s}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5s").unwrap(), 5 * NANOS_PER_SEC);
        assert_eq!(parse_duration("250ms").unwrap(), 250_000_000);
        assert_eq!(parse_duration("10m").unwrap(), 600 * NANOS_PER_SEC);
        assert!(parse_duration("5").unwrap_err().to_string().contains("unit must be"));
        assert!(parse_duration("x5s").is_err());
    }

    #[test]
    fn example_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/reconwatch.yml");
        let c = Config::load(&path).unwrap();
        assert_eq!(c.hunt.window.as_deref(), Some("sliding"));
        assert!(!c.allow.zone_transfer_clients.is_empty());
        assert!(!c.allow.scanners.is_empty());
        assert!(!c.allow.tool_users.is_empty());
        assert!(detect::Zones::new(&c.zones).is_ok_and(|z| !z.is_empty()));
    }

    #[test]
    fn unknown_keys_are_errors() {
        let err = serde_yaml::from_str::<Config>("allow:\n  scaners: []\n").unwrap_err().to_string();
        assert!(err.contains("scaners"), "{err}");
    }
}
