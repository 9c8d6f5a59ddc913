//! Engine tests on the seed's branches written as Sigma rules.

use super::*;
use crate::load_str;
use event::{DnsEvent, DnsField, ProcessEvent, ProcessField, Timestamp};
use serde_json::json;
use std::path::Path;

const PRIVATE: &str = "[10.0.0.0/8, 192.168.0.0/16, 172.16.0.0/12, 127.0.0.0/8, 169.254.0.0/16]";

fn seed_rules(extra: &str) -> RuleSet {
    let text = format!(
        "title: External DNS Zone Transfer Attempt\nid: zt-1\nname: zone_transfer\nlevel: high\n\
         tags: [attack.reconnaissance, attack.t1590.002]\nlogsource: {{category: dns}}\n\
         detection:\n  selection:\n    QueryType: [AXFR, IXFR, ANY]\n  private:\n    ClientIP|cidr: {PRIVATE}\n  \
         condition: selection and not private\n\
         fields: [Computer, ClientIP, Name, QueryType, ResultCode]\n\
         reconwatch: {{alert_type: External DNS Zone Transfer Attempt, risk_score: 90}}\n\
         ---\n\
         title: External enumeration query\nid: enum-q\nname: enum_query\nlogsource: {{category: dns}}\n\
         detection:\n  selection:\n    QueryType: [NS, MX, TXT, SOA, ANY, AXFR]\n  private:\n    \
         ClientIP|cidr: {PRIVATE}\n  condition: selection and not private\n\
         ---\n\
         title: Bulk External DNS Enumeration\nid: bulk-count\nlevel: medium\n\
         correlation:\n  type: event_count\n  rules: [enum_query]\n  group-by: [ClientIP, Computer]\n  \
         timespan: 10m\n  condition: {{gt: 30}}\n\
         reconwatch:\n  merge: bulk\n  alert_type: Bulk External DNS Enumeration\n  risk_score: 70\n  \
         output: {{QueryCount: count, UniqueNames: distinct(Name), QueryTypes: values(QueryType)}}\n\
         ---\n\
         title: Bulk External DNS Enumeration (names)\nid: bulk-names\n\
         correlation:\n  type: value_count\n  rules: [enum_query]\n  group-by: [ClientIP, Computer]\n  \
         timespan: 10m\n  condition: {{field: Name, gt: 20}}\n\
         reconwatch: {{merge: bulk, alert_type: Bulk External DNS Enumeration, risk_score: 70}}\n\
         {extra}"
    );
    RuleSet::from_rules(load_str(&text, Path::new("seed.yml")).unwrap())
}

fn dns(t: i64, client: &str, qtype: &str, name: &str) -> Event {
    let mut e = DnsEvent { time: Timestamp(t), server: "dns1".into(), ..DnsEvent::default() };
    e.set(DnsField::ClientIp, client).unwrap();
    e.set(DnsField::QueryType, qtype).unwrap();
    e.set(DnsField::Name, name).unwrap();
    Event::Dns(e)
}

const S: i64 = 1_000_000_000;
const T0: i64 = 1_795_000_000 * S;

fn run(engine: &mut Engine, evs: &[Event]) -> Vec<Alert> {
    let mut out = Vec::new();
    for e in evs {
        engine.process(e, &mut out);
    }
    engine.finish(&mut out);
    out
}

fn ids(alerts: &[Alert]) -> Vec<&str> {
    alerts.iter().map(|a| a.rule_id.as_str()).collect()
}

#[test]
fn zone_transfer_alert_columns() {
    let mut e = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    let alerts =
        run(&mut e, &[dns(T0, "203.0.113.5", "AXFR", "corp.example."), dns(T0, "10.1.2.3", "AXFR", "corp.example")]);
    assert_eq!(ids(&alerts), ["zt-1"]);
    let a = &alerts[0];
    assert_eq!(a.techniques, ["T1590.002"]);
    let cols: Vec<&str> = a.fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(cols, ["AlertType", "RiskScore", "Computer", "ClientIP", "Name", "QueryType", "ResultCode"]);
    assert_eq!(a.field("RiskScore"), Some(&json!(90)));
    assert_eq!(a.field("ClientIP"), Some(&json!("203.0.113.5")));
    assert_eq!(a.field("Name"), Some(&json!("corp.example")));
    assert_eq!(a.field("QueryType"), Some(&json!("AXFR")));
    assert_eq!(a.field("ResultCode"), Some(&serde_json::Value::Null));
    assert_eq!(a.evidence[0], ("matched".to_string(), json!(["selection"])));
}

#[test]
fn bulk_enumeration_merged_alert() {
    let mut e = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    // 31 NS queries over 5 names: the count condition only; the base rule stays silent.
    let evs: Vec<Event> =
        (0..31).map(|i| dns(T0 + i * S, "198.51.100.7", "NS", &format!("n{}.example.com", i % 5))).collect();
    let alerts = run(&mut e, &evs);
    assert_eq!(ids(&alerts), ["bulk-count"]);
    let a = &alerts[0];
    assert_eq!(a.time, Timestamp(T0));
    assert_eq!(a.last_time, Timestamp(T0 + 30 * S));
    assert_eq!(a.field("AlertType"), Some(&json!("Bulk External DNS Enumeration")));
    assert_eq!(a.field("ClientIP"), Some(&json!("198.51.100.7")));
    assert_eq!(a.field("Computer"), Some(&json!("dns1")));
    assert_eq!(a.field("QueryCount"), Some(&json!(31)));
    assert_eq!(a.field("UniqueNames"), Some(&json!(5)));
    assert_eq!(a.field("QueryTypes"), Some(&json!(["NS"])));
    let held = &a.evidence.iter().find(|(k, _)| k == "conditions_held").unwrap().1;
    assert_eq!(held[0]["rule"], json!("bulk-count"));
    assert_eq!(held[0]["condition"], json!("> 30"));
    assert_eq!(held[0]["value"], json!(31));
    assert_eq!(held.as_array().unwrap().len(), 1);

    // Reported when held: at the 21st distinct name, attributed to the names condition, the
    // rest of the window absorbed.
    let when_held = EngineConfig { emit: crate::Emit::WhenHeld, ..EngineConfig::default() };
    let mut e = Engine::new(seed_rules(""), when_held).unwrap();
    let evs: Vec<Event> =
        (0..60).map(|i| dns(T0 + i * S, "198.51.100.8", "MX", &format!("h{i}.example.com"))).collect();
    let alerts = run(&mut e, &evs);
    assert_eq!(ids(&alerts), ["bulk-names"]);
    assert_eq!(alerts[0].field("UniqueNames"), Some(&json!(21)));
    assert_eq!(alerts[0].field("QueryCount"), Some(&json!(21)));
    let st = e.stats();
    assert_eq!(st.correlation.absorbed, 39);

    // Reported with the window's totals (the default): one alert, both conditions held by the
    // window's end, attributed to the first member in load order.
    let mut e = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    let alerts = run(&mut e, &evs);
    assert_eq!(ids(&alerts), ["bulk-count"]);
    assert_eq!(alerts[0].time, Timestamp(T0));
    assert_eq!(alerts[0].last_time, Timestamp(T0 + 59 * S));
    assert_eq!(alerts[0].field("QueryCount"), Some(&json!(60)));
    assert_eq!(alerts[0].field("UniqueNames"), Some(&json!(60)));
    let held = &alerts[0].evidence.iter().find(|(k, _)| k == "conditions_held").unwrap().1;
    assert_eq!(held.as_array().unwrap().len(), 2, "{held}");
    let st = e.stats();
    assert_eq!(st.correlation.absorbed, 0);
    assert!(st.matches_per_rule.contains(&("enum-q".to_string(), 60)));
    assert!(st.alerts_per_rule.contains(&("enum-q".to_string(), 0)));
    assert!(st.alerts_per_rule.contains(&("bulk-count".to_string(), 1)));
}

#[test]
fn tumbling_splits_a_burst_that_sliding_catches() {
    let t0 = (T0 / (600 * S)) * 600 * S + 300 * S; // 5 minutes into a 10-minute bin
    let evs: Vec<Event> = (0..40).map(|i| dns(t0 + i * 15 * S, "203.0.113.9", "TXT", "example.com")).collect();
    let cfg = |window| EngineConfig { window, ..EngineConfig::default() };
    assert!(run(&mut Engine::new(seed_rules(""), cfg(WindowMode::Tumbling)).unwrap(), &evs).is_empty());
    assert_eq!(ids(&run(&mut Engine::new(seed_rules(""), cfg(WindowMode::Sliding)).unwrap(), &evs)), ["bulk-count"]);
}

#[test]
fn generate_true_keeps_base_alerts_and_classes_route() {
    let extra = "---\ntitle: Zone transfers then more\nid: zt-chain\ncorrelation:\n  type: event_count\n  \
                 rules: [zone_transfer]\n  group-by: [ClientIP]\n  timespan: 1h\n  condition: {gte: 2}\n  \
                 generate: true\n";
    let mut e = Engine::new(seed_rules(extra), EngineConfig::default()).unwrap();
    let mut p = ProcessEvent { time: Timestamp(T0), ..ProcessEvent::default() };
    p.set(ProcessField::FileName, "dig").unwrap();
    let evs = [dns(T0, "203.0.113.5", "AXFR", "a.example"), Event::Process(p), dns(T0 + S, "203.0.113.5", "AXFR", "a")];
    let alerts = run(&mut e, &evs);
    // Both AXFR are also enumeration queries (below thresholds).
    assert_eq!(ids(&alerts), ["zt-1", "zt-1", "zt-chain"]);
    let st = e.stats();
    assert_eq!(st.events, 3);
    assert!(st.events_per_class.contains(&(EventClass::ProcessCreation, 1)));
    assert!(st.events_per_class.contains(&(EventClass::DnsQuery, 2)));
    assert_eq!(st.matches_per_rule, [("zt-1".to_string(), 2), ("enum-q".to_string(), 2)]);
}

#[test]
fn generate_at_the_top_level_as_the_specification_writes_it() {
    let extra = "---\ntitle: Zone transfers then more\nid: zt-chain\ngenerate: true\ncorrelation:\n  \
                 type: event_count\n  rules: [zone_transfer]\n  group-by: [ClientIP]\n  timespan: 1h\n  \
                 condition: {gte: 2}\n";
    let mut e = Engine::new(seed_rules(extra), EngineConfig::default()).unwrap();
    let evs = [dns(T0, "203.0.113.5", "AXFR", "a.example"), dns(T0 + S, "203.0.113.5", "AXFR", "a")];
    assert_eq!(ids(&run(&mut e, &evs)), ["zt-1", "zt-1", "zt-chain"]);
}

#[test]
fn chained_correlation_by_name() {
    // Enumeration burst (the merged bulk rules), then a zone transfer from the same client.
    let extra = "---\ntitle: Enumeration then zone transfer\nid: enum-then-axfr\nlevel: high\n\
                 correlation:\n  type: temporal_ordered\n  rules: [bulk-count, zone_transfer]\n  \
                 group-by: [ClientIP]\n  timespan: 30m\n";
    let mut e = Engine::new(seed_rules(extra), EngineConfig::default()).unwrap();
    let mut evs: Vec<Event> = vec![dns(T0, "203.0.113.20", "AXFR", "early.example")];
    evs.extend((1..=31).map(|i| dns(T0 + i * S, "203.0.113.20", "NS", "example.com")));
    evs.push(dns(T0 + 120 * S, "203.0.113.21", "AXFR", "other-client.example"));
    evs.push(dns(T0 + 200 * S, "203.0.113.20", "AXFR", "corp.example"));
    let alerts = run(&mut e, &evs);
    // bulk-count is referenced (no generate): silent; zone_transfer is referenced too.
    assert_eq!(ids(&alerts), ["enum-then-axfr"]);
    let a = &alerts[0];
    assert_eq!(a.field("ClientIP"), Some(&json!("203.0.113.20")));
    assert_eq!(a.last_time, Timestamp(T0 + 200 * S));
    let seen = &a.evidence.iter().find(|(k, _)| k == "rules_seen").unwrap().1;
    assert_eq!(seen, &json!(["bulk-count", "zone_transfer"]));
}

#[test]
fn aliases_join_fields_across_rules() {
    let extra = "---\ntitle: Tool run\nid: tool\nname: tool_run\nlogsource: {category: process_creation}\n\
                 detection:\n  sel:\n    FileName: dig\n  condition: sel\n\
                 ---\ntitle: Zone transfer and dig on the same host\nid: alias-corr\n\
                 correlation:\n  type: temporal\n  rules: [zone_transfer, tool_run]\n  group-by: [host]\n  \
                 timespan: 5m\n  aliases:\n    host:\n      zone_transfer: ClientIP\n      tool_run: DeviceName\n";
    let mut e = Engine::new(seed_rules(extra), EngineConfig::default()).unwrap();
    let proc_on = |host: &str, t: i64| {
        let mut p = ProcessEvent { time: Timestamp(t), ..ProcessEvent::default() };
        p.set(ProcessField::FileName, "dig").unwrap();
        p.set(ProcessField::DeviceName, host).unwrap();
        Event::Process(p)
    };
    let evs = [
        proc_on("203.0.113.77", T0),
        dns(T0 + S, "203.0.113.78", "AXFR", "x.example"),
        dns(T0 + 2 * S, "203.0.113.77", "AXFR", "x.example"),
    ];
    let alerts = run(&mut e, &evs);
    assert_eq!(ids(&alerts), ["alias-corr"]);
    assert_eq!(alerts[0].field("host"), Some(&json!("203.0.113.77")));
}

#[test]
fn construction_errors_are_located() {
    let err = |extra: &str| -> Vec<String> {
        match Engine::new(seed_rules(extra), EngineConfig::default()) {
            Ok(_) => vec![],
            Err(es) => es.iter().map(|e| e.to_string()).collect(),
        }
    };
    let e = err("---\ntitle: Bad ref\nid: bad\ncorrelation: {type: event_count, rules: [nope], timespan: 1m, \
                 condition: {gt: 1}}\n");
    assert_eq!(e, ["seed.yml: rule \"Bad ref\": correlation: `rules`: no rule has id or name `nope`"]);
    let e = err("---\ntitle: Bad merge\nid: bm\ncorrelation: {type: event_count, rules: [enum_query], \
                 group-by: [ClientIP], timespan: 10m, condition: {gt: 5}}\nreconwatch: {merge: bulk}\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].contains("Bad merge") && e[0].contains("must equal those of `Bulk External DNS Enumeration`"));
    let e = err("---\ntitle: A\nid: ca\nname: ca\ncorrelation: {type: temporal, rules: [cb, enum_query], \
                 timespan: 1m}\n---\ntitle: B\nid: cb\nname: cb\ncorrelation: {type: temporal, rules: [ca, \
                 zone_transfer], timespan: 1m}\n");
    assert_eq!(e.len(), 2);
    assert!(e[0].contains("refers back to itself"));
    let e = err("---\ntitle: Bad span\nid: bs\ncorrelation: {type: event_count, rules: [enum_query], \
                 timespan: 10 minutes, condition: {gt: 1}}\n");
    assert!(e[0].contains("bad `timespan` `10 minutes`"), "{e:?}");
}

#[test]
fn out_of_order_input_within_lateness() {
    // 31 queries, adjacent pairs swapped (each 1 s out of order).
    let mut evs: Vec<Event> =
        (0..31).map(|i| dns(T0 + i * S, "198.51.100.40", "SOA", &format!("z{i}.example"))).collect();
    for i in (0..30).step_by(2) {
        evs.swap(i, i + 1);
    }
    let mut e = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    let alerts = run(&mut e, &evs);
    // Reported with the window's totals: every event placed, both conditions held.
    assert_eq!(ids(&alerts), ["bulk-count"]);
    assert_eq!(alerts[0].time, Timestamp(T0));
    assert_eq!(alerts[0].field("UniqueNames"), Some(&json!(31)));
    assert_eq!(alerts[0].field("QueryCount"), Some(&json!(31)));
    assert_eq!(e.stats().correlation.late_dropped, 0);
    // Without lateness every swapped-back event is dropped: 16 queries, no alert.
    let cfg = EngineConfig { lateness: 0, ..EngineConfig::default() };
    let mut e = Engine::new(seed_rules(""), cfg).unwrap();
    assert!(run(&mut e, &evs).is_empty());
    assert_eq!(e.stats().correlation.late_dropped, 15);
}

#[test]
fn engine_can_move_to_another_thread() {
    fn send<T: Send>(_: &T) {}
    let e = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    send(&e);
    let h = std::thread::spawn(move || {
        let mut e = e;
        run(&mut e, &[dns(T0, "203.0.113.5", "AXFR", "x.example")]).len()
    });
    assert_eq!(h.join().unwrap(), 1);
}

#[test]
fn derived_fields_group_correlations_by_configured_zone() {
    let rules = "title: Names\nid: names\nname: names\nlogsource: {category: dns}\n\
                 detection:\n  sel:\n    QueryType: A\n  condition: sel\n\
                 ---\ntitle: Per zone\nid: per-zone\ncorrelation:\n  type: value_count\n  rules: [names]\n  \
                 group-by: [Zone, ClientNetwork]\n  timespan: 10m\n  condition: {field: Name, gt: 2}\n";
    let set = || RuleSet::from_rules(load_str(rules, Path::new("z.yml")).unwrap());
    let evs: Vec<Event> = ["a.corp.example.com", "b.CORP.example.com", "c.corp.example.com", "d.example.com"]
        .iter()
        .enumerate()
        .map(|(i, n)| dns(T0 + i as i64 * S, &format!("203.0.113.{i}"), "A", n))
        .collect();
    // Public Suffix List: one zone, example.com, with four names.
    let mut e = Engine::new(set(), EngineConfig::default()).unwrap();
    let alerts = run(&mut e, &evs);
    assert_eq!(ids(&alerts), ["per-zone"]);
    assert_eq!(alerts[0].field("Zone"), Some(&json!("example.com")));
    assert_eq!(alerts[0].field("ClientNetwork"), Some(&json!("203.0.113.0")));
    // Configured sub-zone: three names in corp.example.com (any case), one in example.com.
    let cfg =
        EngineConfig { zones: Zones::new(&["example.com", "corp.example.com"]).unwrap(), ..EngineConfig::default() };
    let mut e = Engine::new(set(), cfg).unwrap();
    let alerts = run(&mut e, &evs);
    assert_eq!(ids(&alerts), ["per-zone"]);
    assert_eq!(alerts[0].field("Zone"), Some(&json!("corp.example.com")));
}

#[test]
fn advance_releases_what_lateness_holds_on_a_quiet_stream() {
    // 31 MX queries within 3 s, then silence: the alert waits for event time to pass the last
    // query's time + lateness (5 s), which no event brings; `advance` brings it.
    let when_held = EngineConfig { emit: crate::Emit::WhenHeld, ..EngineConfig::default() };
    let mut e = Engine::new(seed_rules(""), when_held).unwrap();
    let evs: Vec<Event> = (0..31).map(|i| dns(T0 + i * S / 10, "198.51.100.9", "MX", "example.com")).collect();
    let mut out = Vec::new();
    for ev in &evs {
        e.process(ev, &mut out);
    }
    assert!(out.is_empty(), "held for lateness");
    e.advance(Timestamp(T0 + 7 * S), &mut out);
    assert!(out.is_empty(), "3 s + 5 s of lateness not reached yet");
    e.advance(Timestamp(T0 + 8 * S), &mut out);
    assert_eq!(ids(&out), ["bulk-count"]);
    assert_eq!(out[0].field("QueryCount"), Some(&json!(31)));
    // The stream goes on: an event older than the advanced watermark is late, a newer one joins
    // the window already reported (absorbed), and nothing is reported twice.
    let late = dns(T0 + S, "198.51.100.9", "MX", "example.com");
    let next = dns(T0 + 9 * S, "198.51.100.9", "MX", "example.com");
    out.clear();
    e.process(&late, &mut out);
    e.process(&next, &mut out);
    e.advance(Timestamp(T0 + 60 * S), &mut out);
    e.finish(&mut out);
    assert!(out.is_empty());
    assert_eq!(e.stats().correlation.late_dropped, 1);
}

#[test]
fn hits_found_by_a_shared_matcher_give_the_same_alerts_and_stats() {
    let events = || {
        let mut evs = Vec::new();
        for i in 0..40 {
            let q = ["NS", "MX", "TXT", "SOA"][i as usize % 4];
            evs.push(dns(T0 + i * S, "203.0.113.9", q, &format!("h{i}.example.com")));
            evs.push(dns(T0 + i * S, "10.1.1.1", "AXFR", "example.com"));
            evs.push(dns(T0 + i * S, "198.51.100.7", if i % 10 == 0 { "AXFR" } else { "A" }, "example.com"));
        }
        evs
    };
    let mut whole = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    let expected = run(&mut whole, &events());
    let mut split = Engine::new(seed_rules(""), EngineConfig::default()).unwrap();
    let matcher = split.matcher();
    let hits: Vec<Vec<u32>> = std::thread::spawn(move || {
        let mut all = Vec::new();
        for e in events() {
            let mut h = Vec::new();
            matcher.matches(&e, &mut h);
            all.push(h);
        }
        all
    })
    .join()
    .unwrap();
    assert!(hits.iter().any(|h| h.len() == 2), "an AXFR from outside matches two rules");
    let mut got = Vec::new();
    for (e, h) in events().iter().zip(&hits) {
        split.process_matched(e, h, &mut got);
    }
    split.finish(&mut got);
    assert!(expected.len() >= 5, "{expected:?}");
    assert_eq!(format!("{got:?}"), format!("{expected:?}"));
    assert_eq!(split.stats(), whole.stats());
}

#[test]
fn field_texts_made_with_the_hits_give_the_same_alerts_and_stats() {
    // Correlations reading a zone (made lower-case), a tuple, a missing field, and a chain.
    let extra = "---\ntitle: Per zone\nid: per-zone\ncorrelation:\n  type: value_count\n  rules: [enum_query]\n  \
                 group-by: [Zone, ResultCode]\n  timespan: 10m\n  condition: {field: [Name, QueryType], gt: 5}\n\
                 ---\ntitle: Zones then more\nid: zone-chain\ncorrelation:\n  type: event_count\n  \
                 rules: [per-zone]\n  group-by: [Zone]\n  timespan: 1h\n  condition: {gte: 1}\n";
    let events = || {
        let mut evs = Vec::new();
        for i in 0..60 {
            let q = ["NS", "MX", "TXT", "SOA", "ANY"][i as usize % 5];
            let name = if i % 2 == 0 { format!("h{i}.Example.COM") } else { format!("h{i}.example.com") };
            evs.push(dns(T0 + i * S, "203.0.113.9", q, &name));
            evs.push(dns(T0 + i * S, "10.1.1.1", "AXFR", "example.com"));
            evs.push(dns(T0 + i * S, "2001:db8::7", if i % 10 == 0 { "AXFR" } else { "A" }, "example.org"));
        }
        evs
    };
    let mut whole = Engine::new(seed_rules(extra), EngineConfig::default()).unwrap();
    let expected = run(&mut whole, &events());
    let mut split = Engine::new(seed_rules(extra), EngineConfig::default()).unwrap();
    let matcher = split.matcher();
    let (hits, texts) = std::thread::spawn(move || {
        let (mut hits, mut texts) = (Vec::new(), FieldTexts::default());
        for e in events() {
            let mut h = Vec::new();
            matcher.matches_prepared(&e, &mut h, &mut texts);
            hits.push(h);
        }
        (hits, texts)
    })
    .join()
    .unwrap();
    assert_eq!(texts.len(), hits.len());
    assert!((0..texts.len()).any(|i| texts.get(i).0.contains("example.com")), "zones lower-cased");
    let mut got = Vec::new();
    for (i, (e, h)) in events().iter().zip(&hits).enumerate() {
        let (text, slots) = texts.get(i);
        assert_eq!(slots.is_empty(), h.is_empty() || !h.iter().any(|&d| !split.dets[d as usize].feeds.is_empty()));
        split.process_prepared(e, h, text, slots, &mut got);
    }
    split.finish(&mut got);
    let zone_chain = expected.iter().find(|a| a.rule_id == "zone-chain").expect("the chain fires");
    assert_eq!(zone_chain.field("Zone"), Some(&json!("example.com")));
    assert_eq!(format!("{got:?}"), format!("{expected:?}"));
    assert_eq!(split.stats(), whole.stats());
}

/// A flood of sources over several correlations: the live groups of all of them together stay
/// within `max_groups`, the shed ones are counted, and a real burst among the flood still fires.
#[test]
fn group_budget_holds_over_all_correlations_under_a_flood() {
    let cfg = EngineConfig { max_groups: 1_000, lateness: 0, ..EngineConfig::default() };
    let per_name = "---\ntitle: Per name\nid: per-name\ncorrelation:\n  type: event_count\n  rules: [enum_query]\n  \
                    group-by: [ClientIP, Name]\n  timespan: 10m\n  condition: {gt: 1000}\n";
    let mut engine = Engine::new(seed_rules(per_name), cfg).unwrap();
    assert_eq!(engine.units.len(), 2);
    let mut out = Vec::new();
    for i in 0..20_000i64 {
        // Every event from a new external address (both correlations of the seed's branch 2 count it).
        let client = format!("2001:db8:{:x}::{:x}", i >> 16, i & 0xffff);
        engine.process(&dns(T0 + i * S / 100, &client, "MX", "example.com"), &mut out);
        if i % 97 == 0 {
            let live = engine.stats().correlation.live_groups;
            assert!(live <= 1_000, "{live} live groups after {i} events");
        }
        if (10_000..10_040).contains(&i) {
            engine.process(&dns(T0 + i * S / 100, "203.0.113.66", "NS", &format!("n{i}.example.com")), &mut out);
        }
    }
    engine.finish(&mut out);
    let st = engine.stats().correlation;
    assert!(st.groups_evicted >= 2 * 15_000, "{st:?}");
    assert!(engine.units.iter().all(|u| u.agg.stats().groups_evicted > 10_000), "both correlations shed");
    let bulk: Vec<_> = out.iter().filter(|a| a.rule_id == "bulk-count").collect();
    assert_eq!(bulk.len(), 1, "the burst in the flood: {out:?}");
}
