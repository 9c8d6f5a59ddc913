//! Tuning: the seed's false positives as allow-lists. An allow-list entry suppresses an alert of a
//! rule that opts into that list (`reconwatch.allow: [zone_transfer_clients, ...]` in the rule)
//! when every criterion the entry gives matches the alert's columns. Suppressed alerts are counted
//! per entry, never silently dropped.
//!
//! Criteria: `clients` (CIDRs or addresses, against `ClientIP`), `devices` / `accounts` / `tools`
//! (case-insensitive globs with `*` and `?`, against `DeviceName`, `AccountName`, `FileName`),
//! and an optional time window `from` (inclusive) / `until` (exclusive) on the alert time.

use crate::Alert;
use event::{parse_ip, Timestamp};
use serde::Deserialize;
use std::collections::HashMap;

/// The `allow:` section of the configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowConfig {
    /// Secondary name servers and other hosts allowed to transfer zones.
    #[serde(default)]
    pub zone_transfer_clients: Vec<AllowEntry>,
    /// Authorised scanners and penetration-test sources.
    #[serde(default)]
    pub scanners: Vec<AllowEntry>,
    /// Hosts and accounts allowed to run DNS tools.
    #[serde(default)]
    pub tool_users: Vec<AllowEntry>,
}

/// One allow-list entry, as written in the configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// Why this traffic is allowed; shown in the summary next to the suppressed count.
    pub reason: String,
    #[serde(default)]
    pub clients: Vec<String>,
    #[serde(default)]
    pub devices: Vec<String>,
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub tools: Vec<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// A configuration value that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("allow.{list}[{index}] (\"{reason}\"): {problem}")]
pub struct TuningError {
    pub list: &'static str,
    pub index: usize,
    pub reason: String,
    pub problem: String,
}

pub use event::IpNet;

/// Case-insensitive glob with `*` and `?`.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[derive(Debug, Clone)]
struct Entry {
    list: &'static str,
    reason: String,
    clients: Vec<IpNet>,
    devices: Vec<String>,
    accounts: Vec<String>,
    tools: Vec<String>,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
}

fn text<'a>(a: &'a Alert, col: &str) -> Option<&'a str> {
    a.field(col).and_then(|v| v.as_str())
}

impl Entry {
    fn matches(&self, a: &Alert) -> bool {
        let any_glob = |pats: &[String], col: &str| {
            pats.is_empty() || text(a, col).is_some_and(|v| pats.iter().any(|p| glob(p, v)))
        };
        let client_ok = self.clients.is_empty()
            // Alerts about a whole client network (distributed enumeration) carry ClientNetwork.
            || text(a, "ClientIP")
                .or_else(|| text(a, "ClientNetwork"))
                .and_then(parse_ip)
                .is_some_and(|ip| self.clients.iter().any(|n| n.contains(ip)));
        client_ok
            && any_glob(&self.devices, "DeviceName")
            && any_glob(&self.accounts, "AccountName")
            && any_glob(&self.tools, "FileName")
            && self.from.is_none_or(|f| a.time >= f)
            && self.until.is_none_or(|u| a.time < u)
    }
}

/// Compiled allow-lists, ready to check alerts.
#[derive(Debug, Clone, Default)]
pub struct Tuning {
    entries: Vec<Entry>,
    /// Rule id → the lists it opts into.
    rules: HashMap<String, Vec<&'static str>>,
    suppressed: Vec<u64>,
}

/// How many alerts one allow-list entry suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppressed {
    pub list: &'static str,
    pub reason: String,
    pub count: u64,
}

const LISTS: [&str; 3] = ["zone_transfer_clients", "scanners", "tool_users"];

impl Tuning {
    /// Compiles the configuration. `rules` gives each rule id with the allow-lists the rule opts
    /// into; unknown list names are reported as errors.
    pub fn new<'a>(
        cfg: &AllowConfig,
        rules: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Result<Tuning, Vec<TuningError>> {
        let mut errors = Vec::new();
        let mut entries = Vec::new();
        for (list, items) in LISTS.iter().zip([&cfg.zone_transfer_clients, &cfg.scanners, &cfg.tool_users]) {
            for (index, e) in items.iter().enumerate() {
                let err = |problem: String| TuningError { list, index, reason: e.reason.clone(), problem };
                let mut clients = Vec::new();
                for c in &e.clients {
                    match IpNet::parse(c) {
                        Some(n) => clients.push(n),
                        None => errors.push(err(format!("`{c}` is not an address or CIDR network"))),
                    }
                }
                let time = |v: &Option<String>, what: &str, errors: &mut Vec<TuningError>| {
                    v.as_ref().and_then(|s| {
                        let t = Timestamp::parse_rfc3339(s);
                        if t.is_none() {
                            errors.push(err(format!("`{what}: {s}` is not an RFC 3339 time")));
                        }
                        t
                    })
                };
                let (from, until) = (time(&e.from, "from", &mut errors), time(&e.until, "until", &mut errors));
                if e.reason.trim().is_empty() {
                    errors.push(err("`reason` is empty: say why this traffic is allowed".into()));
                }
                entries.push(Entry {
                    list,
                    reason: e.reason.clone(),
                    clients,
                    devices: e.devices.clone(),
                    accounts: e.accounts.clone(),
                    tools: e.tools.clone(),
                    from,
                    until,
                });
            }
        }
        let mut map = HashMap::new();
        for (id, lists) in rules {
            let mut known = Vec::new();
            for l in lists {
                match LISTS.iter().find(|k| *k == l) {
                    Some(k) => known.push(*k),
                    None => errors.push(TuningError {
                        list: "rules",
                        index: 0,
                        reason: id.to_string(),
                        problem: format!("rule opts into unknown allow-list `{l}` (known: {})", LISTS.join(", ")),
                    }),
                }
            }
            map.insert(id.to_string(), known);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let suppressed = vec![0; entries.len()];
        Ok(Tuning { entries, rules: map, suppressed })
    }

    /// Whether `alert` is allowed (suppressed); counts it against the first matching entry.
    pub fn suppress(&mut self, alert: &Alert) -> bool {
        let Some(lists) = self.rules.get(&alert.rule_id) else { return false };
        let hit = self.entries.iter().position(|e| lists.contains(&e.list) && e.matches(alert));
        if let Some(i) = hit {
            self.suppressed[i] += 1;
        }
        hit.is_some()
    }

    /// Entries that suppressed at least one alert.
    pub fn report(&self) -> Vec<Suppressed> {
        self.entries
            .iter()
            .zip(&self.suppressed)
            .filter(|(_, n)| **n > 0)
            .map(|(e, n)| Suppressed { list: e.list, reason: e.reason.clone(), count: *n })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Level;
    use serde_json::json;

    fn alert(rule: &str, time: &str, cols: &[(&str, &str)]) -> Alert {
        let t = Timestamp::parse_rfc3339(time).unwrap();
        Alert {
            rule_id: rule.into(),
            rule_name: None,
            rule_title: rule.into(),
            level: Level::Low,
            time: t,
            last_time: t,
            techniques: vec![],
            fields: cols.iter().map(|(k, v)| (k.to_string(), json!(v))).collect(),
            evidence: vec![],
        }
    }

    fn tuning(yaml: &str) -> Result<Tuning, Vec<TuningError>> {
        let cfg: AllowConfig = serde_yaml::from_str(yaml).unwrap();
        let zt = vec!["zone_transfer_clients".to_string(), "scanners".to_string()];
        let tools = vec!["tool_users".to_string()];
        Tuning::new(&cfg, [("zt", zt.as_slice()), ("tool", tools.as_slice())])
    }

    #[test]
    fn globs() {
        assert!(glob("ADMIN-WS-*", "admin-ws-07"));
        assert!(glob("d?g", "DIG"));
        assert!(!glob("dig", "dig.exe"));
        assert!(glob("*", ""));
        assert!(glob("*.exe", "nslookup.EXE"));
    }

    #[test]
    fn entries_apply_only_to_rules_that_opt_in_and_within_time() {
        let mut t = tuning(
            "zone_transfer_clients:\n  - {reason: ns2 secondary, clients: [198.51.100.53]}\n\
             scanners:\n  - {reason: pentest, clients: [203.0.113.0/28], from: '2026-11-01T00:00:00Z', until: '2026-11-02T00:00:00Z'}\n\
             tool_users:\n  - {reason: dns admins, devices: ['ADMIN-*'], tools: [dig, nslookup]}\n",
        )
        .unwrap();
        assert!(t.suppress(&alert("zt", "2026-11-27T00:00:00Z", &[("ClientIP", "198.51.100.53")])));
        assert!(!t.suppress(&alert("zt", "2026-11-27T00:00:00Z", &[("ClientIP", "198.51.100.54")])));
        assert!(t.suppress(&alert("zt", "2026-11-01T12:00:00Z", &[("ClientIP", "203.0.113.5")])));
        assert!(
            !t.suppress(&alert("zt", "2026-11-02T00:00:00Z", &[("ClientIP", "203.0.113.5")])),
            "until is exclusive"
        );
        assert!(!t.suppress(&alert("tool", "2026-11-27T00:00:00Z", &[("ClientIP", "198.51.100.53")])));
        assert!(t.suppress(&alert("tool", "2026-11-27T00:00:00Z", &[("DeviceName", "admin-7"), ("FileName", "DIG")])));
        assert!(!t.suppress(&alert("tool", "2026-11-27T00:00:00Z", &[("DeviceName", "hr-1"), ("FileName", "dig")])));
        assert!(!t.suppress(&alert("other", "2026-11-27T00:00:00Z", &[("ClientIP", "198.51.100.53")])));
        let r = t.report();
        assert_eq!(r.len(), 3);
        assert_eq!((r[0].reason.as_str(), r[0].count), ("ns2 secondary", 1));
    }

    #[test]
    fn bad_config_is_reported_with_its_place() {
        let errs = tuning("scanners:\n  - {reason: x, clients: [300.1.1.1/8], from: yesterday}\n").unwrap_err();
        let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert_eq!(
            msgs,
            [
                "allow.scanners[0] (\"x\"): `300.1.1.1/8` is not an address or CIDR network",
                "allow.scanners[0] (\"x\"): `from: yesterday` is not an RFC 3339 time"
            ]
        );
    }
}
