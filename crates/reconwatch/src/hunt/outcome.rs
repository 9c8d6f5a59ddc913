//! Joins the zone-transfer outcome a DNS server logged (BIND `xfer-out` "AXFR started/ended", `security`
//! "zone transfer ... denied", "bad zone transfer request"; Windows transfer events) into the alert raised
//! on the transfer query, so the analyst sees whether the zone left the building.
//!
//! Servers log the query and its outcome as separate records (BIND even in separate categories, often in
//! separate files), so the join lives here, after the k-way merge by event time, rather than in a reader.
//! It is not an engine concern either: the engine decides *whether* to alert, this adds evidence to an alert
//! already decided, and never creates or removes one.
//!
//! A rule opts in with its custom attribute `reconwatch: {transfer_outcome: {within: 60s}}`: an outcome
//! logged by the same server (`Computer`) for the same client address and zone (case-insensitive), at most
//! `within` after the query (or up to [`SKEW`] before it: BIND stamps both lines with the same millisecond
//! and the merge may deliver either first), is written into the alert's evidence as
//! `"transfer": {"outcome": "completed", "records": 9, "bytes": 290}` (a refusal or failure adds the
//! server's `rcode` and `reason` where it logged them). When both records carry the client's
//! source port (BIND does), the port must match too, which tells apart several transfers from one client
//! in the same second. A final outcome (completed, denied, failed) replaces "started"; the first final
//! outcome wins, and a later one goes to the latest other query still without one. An alert whose query type is
//! neither AXFR nor IXFR (the seed also flags ANY) is not joined.
//!
//! Memory is bounded: alerts wait at most `within` (in event time) for their outcome, outcomes wait at most
//! `within` for their query, and each queue holds at most [`CAP`] entries (the oldest leave first).

use anyhow::{Context, Result};
use detect::{Alert, RuleMeta};
use event::{DnsEvent, DnsKind, Event, QType, Timestamp, TransferOutcome, NANOS_PER_SEC};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::net::IpAddr;

/// How far an outcome may be stamped before its query.
pub const SKEW: i64 = NANOS_PER_SEC;
/// Most alerts awaiting an outcome, and most outcomes awaiting a query, kept at once.
pub const CAP: usize = 4096;

/// Who asked whom for which zone.
#[derive(Debug, Clone, PartialEq)]
struct Key {
    client: IpAddr,
    port: Option<u16>,
    zone: String,
    server: String,
}

impl Key {
    fn matches(&self, other: &Key) -> bool {
        self.client == other.client
            && self.server == other.server
            && self.zone.eq_ignore_ascii_case(&other.zone)
            && (self.port.is_none() || other.port.is_none() || self.port == other.port)
    }
}

#[derive(Debug, Clone)]
struct Seen {
    key: Key,
    time: Timestamp,
    outcome: TransferOutcome,
    records: Option<u64>,
    bytes: Option<u64>,
    /// Response code and reason the server gave for a refused or failed transfer.
    rcode: Option<String>,
    reason: Option<String>,
}

impl Seen {
    fn evidence(&self) -> Value {
        let mut v = json!({ "outcome": self.outcome.as_str() });
        if let Some(r) = self.records {
            v["records"] = json!(r);
        }
        if let Some(b) = self.bytes {
            v["bytes"] = json!(b);
        }
        if let Some(r) = &self.rcode {
            v["rcode"] = json!(r);
        }
        if let Some(r) = &self.reason {
            v["reason"] = json!(r);
        }
        v
    }
}

#[derive(Debug)]
struct Waiting {
    key: Key,
    time: Timestamp,
    /// Index of the alert in the hunt's alert list.
    alert: usize,
    /// The rule's `within`.
    within: i64,
    final_seen: bool,
}

/// The join's state; see the module documentation.
#[derive(Debug, Default)]
pub struct OutcomeJoin {
    /// Rule ids that opted in, with their `within`.
    rules: Vec<(String, i64)>,
    /// The longest `within`: how long anything is kept.
    horizon: i64,
    waiting: VecDeque<Waiting>,
    seen: VecDeque<Seen>,
}

impl OutcomeJoin {
    /// Reads each rule's `reconwatch.transfer_outcome.within`.
    pub fn new<'a>(metas: impl Iterator<Item = &'a RuleMeta>) -> Result<OutcomeJoin> {
        let mut join = OutcomeJoin::default();
        for m in metas {
            let Some(spec) = m.reconwatch().and_then(|rw| rw.get("transfer_outcome")) else { continue };
            let within = spec
                .get("within")
                .and_then(Value::as_str)
                .with_context(|| format!("rule `{}`: reconwatch.transfer_outcome needs `within: DURATION`", m.title))?;
            let within = crate::config::parse_duration(within)
                .with_context(|| format!("rule `{}`: reconwatch.transfer_outcome.within", m.title))?;
            join.horizon = join.horizon.max(within);
            join.rules.push((m.id.clone(), within));
        }
        Ok(join)
    }

    fn active(&self) -> bool {
        !self.rules.is_empty()
    }

    /// Sees every event, in merged order: expires old state and joins transfer outcomes.
    /// Inlined into the hunt loop: for most events it is a few tests.
    #[inline]
    pub fn on_event(&mut self, ev: &Event, alerts: &mut [Alert]) {
        if !self.active() {
            return;
        }
        let Event::Dns(d) = ev else { return };
        if !(self.waiting.is_empty() && self.seen.is_empty()) {
            self.expire(d.time);
        }
        if d.kind == DnsKind::Transfer {
            self.on_transfer(d, alerts);
        }
    }

    fn on_transfer(&mut self, d: &DnsEvent, alerts: &mut [Alert]) {
        let (Some(outcome), Some(client)) = (d.transfer, d.client_ip) else { return };
        let seen = Seen {
            key: Key { client, port: d.client_port, zone: d.name.clone(), server: d.server.clone() },
            time: d.time,
            outcome,
            records: d.transfer_records,
            bytes: d.transfer_bytes,
            rcode: d.rcode.map(|r| r.to_string()),
            reason: d.extra.get("Reason").map(str::to_string),
        };
        // The latest waiting alert, still without a final outcome, whose query this outcome can answer.
        let target = self.waiting.iter_mut().rev().find(|w| {
            !w.final_seen
                && w.key.matches(&seen.key)
                && seen.time.0 >= w.time.0 - SKEW
                && seen.time.0 <= w.time.0 + w.within
        });
        match target {
            Some(w) => {
                w.final_seen = outcome != TransferOutcome::Started;
                if let Some(a) = alerts.get_mut(w.alert) {
                    set_evidence(a, seen.evidence());
                }
            }
            None => {
                if self.seen.len() >= CAP {
                    self.seen.pop_front();
                }
                self.seen.push_back(seen);
            }
        }
    }

    /// Sees the alerts `alerts[from..]` just raised by `ev`, and registers those of opted-in rules.
    pub fn on_alerts(&mut self, ev: &Event, alerts: &mut [Alert], from: usize) {
        if !self.active() {
            return;
        }
        let Event::Dns(d) = ev else { return };
        for (idx, alert) in alerts.iter_mut().enumerate().skip(from) {
            let Some(within) = self.rules.iter().find(|(id, _)| *id == alert.rule_id).map(|(_, w)| *w) else {
                continue;
            };
            let Some(key) = alert_key(alert, d) else { continue };
            let time = alert.time;
            let mut final_seen = false;
            // Outcomes the merge delivered before the query.
            let mut best: Option<usize> = None;
            for (i, s) in self.seen.iter().enumerate() {
                if key.matches(&s.key) && s.time.0 >= time.0 - SKEW && s.time.0 <= time.0 + within {
                    let better = match best {
                        None => true,
                        Some(b) => self.seen[b].outcome == TransferOutcome::Started,
                    };
                    if better {
                        best = Some(i);
                    }
                }
            }
            if let Some(s) = best.and_then(|i| self.seen.remove(i)) {
                final_seen = s.outcome != TransferOutcome::Started;
                set_evidence(alert, s.evidence());
            }
            if self.waiting.len() >= CAP {
                self.waiting.pop_front();
            }
            self.waiting.push_back(Waiting { key, time, alert: idx, within, final_seen });
        }
    }

    /// The first alert at index `from` or later still waiting for a final outcome: a live hunt
    /// holds it (and those after it, to keep their order) until the outcome is joined.
    pub fn unsettled_from(&self, from: usize) -> Option<usize> {
        self.waiting.iter().filter(|w| !w.final_seen && w.alert >= from).map(|w| w.alert).min()
    }

    fn expire(&mut self, now: Timestamp) {
        let limit = now.0.saturating_sub(self.horizon.saturating_add(SKEW));
        while self.waiting.front().is_some_and(|w| w.time.0 < limit) {
            self.waiting.pop_front();
        }
        while self.seen.front().is_some_and(|s| s.time.0 < limit) {
            self.seen.pop_front();
        }
    }
}

/// The join key of an alert raised on the transfer query `d`: its client, zone and server, with the
/// client's port when the alert was raised on this very query.
fn alert_key(a: &Alert, d: &DnsEvent) -> Option<Key> {
    let qtype = a.field("QueryType").and_then(Value::as_str).and_then(QType::parse).or(d.qtype)?;
    if qtype != QType::AXFR && qtype != QType::IXFR {
        return None;
    }
    let client: IpAddr = match a.field("ClientIP").and_then(Value::as_str) {
        Some(s) => s.parse().ok()?,
        None => d.client_ip?,
    };
    let zone = a.field("Name").and_then(Value::as_str).unwrap_or(&d.name).to_string();
    let server = a.field("Computer").and_then(Value::as_str).unwrap_or(&d.server).to_string();
    let same_query = a.time == d.time && d.client_ip == Some(client) && d.name.eq_ignore_ascii_case(&zone);
    Some(Key { client, port: if same_query { d.client_port } else { None }, zone, server })
}

fn set_evidence(a: &mut Alert, v: Value) {
    match a.evidence.iter_mut().find(|(k, _)| k == "transfer") {
        Some((_, old)) => *old = v,
        None => a.evidence.push(("transfer".to_string(), v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use detect::Level;

    const RULE: &str = "zt";

    fn join() -> OutcomeJoin {
        OutcomeJoin {
            rules: vec![(RULE.into(), 60 * NANOS_PER_SEC)],
            horizon: 60 * NANOS_PER_SEC,
            ..Default::default()
        }
    }

    fn dns(t: i64, kind: DnsKind, client: &str, port: u16, zone: &str) -> DnsEvent {
        DnsEvent {
            time: Timestamp(t * NANOS_PER_SEC),
            kind,
            server: "dns1".into(),
            client_ip: Some(client.parse().unwrap()),
            client_port: Some(port),
            name: zone.into(),
            qtype: Some(QType::AXFR),
            ..Default::default()
        }
    }

    fn outcome(t: i64, client: &str, port: u16, o: TransferOutcome, records: Option<u64>) -> Event {
        let mut d = dns(t, DnsKind::Transfer, client, port, "Example.TEST");
        d.transfer = Some(o);
        d.transfer_records = records;
        Event::Dns(d)
    }

    fn alert_for(d: &DnsEvent) -> Alert {
        Alert {
            rule_id: RULE.into(),
            rule_name: None,
            rule_title: "t".into(),
            level: Level::Low,
            time: d.time,
            last_time: d.time,
            techniques: vec![],
            fields: vec![
                ("Computer".into(), json!(d.server)),
                ("ClientIP".into(), json!(d.client_ip.unwrap().to_string())),
                ("Name".into(), json!(d.name)),
                ("QueryType".into(), json!("AXFR")),
            ],
            evidence: vec![("matched".into(), json!(["selection"]))],
        }
    }

    /// Feeds a query, raising its alert.
    fn query(j: &mut OutcomeJoin, alerts: &mut Vec<Alert>, t: i64, client: &str, port: u16) {
        let ev = Event::Dns(dns(t, DnsKind::Query, client, port, "example.test"));
        j.on_event(&ev, alerts);
        let Event::Dns(d) = &ev else { unreachable!() };
        alerts.push(alert_for(d));
        let from = alerts.len() - 1;
        j.on_alerts(&ev, alerts, from);
    }

    fn transfer(a: &Alert) -> Option<&Value> {
        a.evidence.iter().find(|(k, _)| k == "transfer").map(|(_, v)| v)
    }

    #[test]
    fn completed_replaces_started_and_ports_tell_two_transfers_apart() {
        let (mut j, mut alerts) = (join(), Vec::new());
        query(&mut j, &mut alerts, 100, "198.51.100.7", 1000);
        query(&mut j, &mut alerts, 100, "198.51.100.7", 2000);
        j.on_event(&outcome(100, "198.51.100.7", 1000, TransferOutcome::Started, None), &mut alerts);
        assert_eq!(transfer(&alerts[0]), Some(&json!({"outcome": "started"})));
        j.on_event(&outcome(101, "198.51.100.7", 1000, TransferOutcome::Completed, Some(9)), &mut alerts);
        j.on_event(&outcome(101, "198.51.100.7", 2000, TransferOutcome::Denied, None), &mut alerts);
        assert_eq!(transfer(&alerts[0]), Some(&json!({"outcome": "completed", "records": 9})));
        assert_eq!(transfer(&alerts[1]), Some(&json!({"outcome": "denied"})));
    }

    #[test]
    fn without_ports_each_query_gets_one_final_outcome() {
        let (mut j, mut alerts) = (join(), Vec::new());
        for _ in 0..2 {
            let mut d = dns(100, DnsKind::Query, "203.0.113.9", 0, "example.test");
            d.client_port = None;
            let ev = Event::Dns(d.clone());
            alerts.push(alert_for(&d));
            let from = alerts.len() - 1;
            j.on_alerts(&ev, &mut alerts, from);
        }
        for _ in 0..2 {
            let Event::Dns(mut d) = outcome(100, "203.0.113.9", 0, TransferOutcome::Denied, None) else {
                unreachable!()
            };
            d.client_port = None;
            j.on_event(&Event::Dns(d), &mut alerts);
        }
        assert_eq!(transfer(&alerts[0]), Some(&json!({"outcome": "denied"})));
        assert_eq!(transfer(&alerts[1]), Some(&json!({"outcome": "denied"})));
        assert!(j.seen.is_empty(), "both outcomes were used");
    }

    #[test]
    fn an_outcome_delivered_before_its_query_is_joined() {
        let (mut j, mut alerts) = (join(), Vec::new());
        j.on_event(&outcome(100, "203.0.113.9", 5, TransferOutcome::Denied, None), &mut alerts);
        query(&mut j, &mut alerts, 100, "203.0.113.9", 5);
        assert_eq!(transfer(&alerts[0]), Some(&json!({"outcome": "denied"})));
        assert!(j.seen.is_empty());
    }

    #[test]
    fn late_or_foreign_outcomes_are_not_joined_and_state_expires() {
        let (mut j, mut alerts) = (join(), Vec::new());
        query(&mut j, &mut alerts, 100, "203.0.113.9", 5);
        j.on_event(&outcome(120, "203.0.113.10", 5, TransferOutcome::Completed, None), &mut alerts);
        j.on_event(&outcome(162, "203.0.113.9", 5, TransferOutcome::Completed, None), &mut alerts);
        assert_eq!(transfer(&alerts[0]), None);
        assert!(j.waiting.is_empty(), "the alert stopped waiting after 60 s + skew");
        j.on_event(&outcome(300, "192.0.2.1", 5, TransferOutcome::Completed, None), &mut alerts);
        assert_eq!(j.seen.len(), 1, "older unmatched outcomes expired");
    }

    fn from_rule(reconwatch: &str) -> Result<OutcomeJoin> {
        let text = format!(
            "title: T\nid: r1\nlogsource: {{category: dns}}\ndetection:\n  s: {{QueryType: AXFR}}\n  \
             condition: s\nreconwatch: {reconwatch}\n"
        );
        let rules = detect::load_str(&text, std::path::Path::new("t.yml")).expect("rule loads");
        let set = detect::RuleSet::from_rules(rules);
        OutcomeJoin::new(set.metas())
    }

    #[test]
    fn rules_opt_in_with_a_duration() {
        let j = from_rule("{transfer_outcome: {within: 90s}}").unwrap();
        assert_eq!((j.rules, j.horizon), (vec![("r1".to_string(), 90 * NANOS_PER_SEC)], 90 * NANOS_PER_SEC));
        assert!(!from_rule("{alert_type: X}").unwrap().active());
        let e = from_rule("{transfer_outcome: {within: soon}}").unwrap_err();
        assert!(format!("{e:#}").contains("rule `T`: reconwatch.transfer_outcome.within"), "{e:#}");
        assert!(from_rule("{transfer_outcome: yes}").is_err());
    }

    #[test]
    fn queues_are_capped() {
        let (mut j, mut alerts) = (join(), Vec::new());
        for p in 0..(CAP as u16 + 10) {
            j.on_event(&outcome(100, "192.0.2.1", p, TransferOutcome::Completed, None), &mut alerts);
        }
        assert_eq!(j.seen.len(), CAP);
    }
}
