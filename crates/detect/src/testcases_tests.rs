use super::*;
use event::{DnsField, FieldValue, Record};

const RULES: &str = "title: External zone transfer\nid: zt-1\nname: zone_transfer\n\
logsource: {category: dns}\ndetection:\n  sel:\n    QueryType: [AXFR, IXFR]\n  private:\n    \
ClientIP|cidr: [10.0.0.0/8, 192.168.0.0/16]\n  condition: sel and not private\n\
---\ntitle: Enumeration query\nid: enum-q\nname: enum_query\nlogsource: {category: dns}\n\
detection:\n  sel:\n    QueryType: [NS, MX, TXT, SOA]\n  condition: sel\n\
---\ntitle: Bulk enumeration\nid: bulk-count\ncorrelation:\n  type: event_count\n  rules: [enum_query]\n  \
group-by: [ClientIP]\n  timespan: 10m\n  condition: {gt: 30}\nreconwatch: {merge: bulk}\n\
---\ntitle: Bulk enumeration (names)\nid: bulk-names\nname: bulk_names\ncorrelation:\n  type: value_count\n  \
rules: [enum_query]\n  group-by: [ClientIP]\n  timespan: 10m\n  condition: {field: Name, gt: 20}\n\
reconwatch: {merge: bulk}\n";

const TESTS: &str = r#"tests:
  - name: external AXFR
    events:
      - {class: dns, ClientIP: 203.0.113.5, QueryType: AXFR, Name: corp.example}
    expect: [zone_transfer]
  - name: internal AXFR is fine
    events:
      - {ClientIP: 10.1.1.1, QueryType: AXFR, Name: corp.example}
    expect: []
  - name: 21 names in 21 seconds
    events:
      - {TimeGenerated: '2026-03-01T09:59:50Z', ClientIP: 198.51.100.3, QueryType: TXT}
    repeat: {count: 21, step: 1s, vary: {Name: 'h{i}.example.com'}}
    expect: [bulk_names]
  - name: 40 queries across a bin boundary, tumbling
    window: tumbling
    events:
      - {TimeGenerated: '2026-03-01T09:55:00Z', ClientIP: 198.51.100.4, QueryType: NS, Name: example.com}
    repeat: {count: 40, step: 15s}
    expect: []
  - name: 40 queries across a bin boundary, sliding
    window: sliding
    events:
      - {TimeGenerated: '2026-03-01T09:55:00Z', ClientIP: 198.51.100.4, QueryType: NS, Name: example.com}
    repeat: {count: 40, step: 15s}
    expect: [bulk-count]
  - name: json and process events do not reach dns rules
    events:
      - {class: json, QueryType: AXFR, time: '2026-03-01T10:00:00Z'}
      - {class: process_creation, FileName: dig, CommandLine: 'dig axfr x'}
    expect: []
"#;

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rw-testcases-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn seed_rules_pass_their_tests() {
    let d = temp_dir("pass");
    std::fs::write(d.join("dns_recon.yml"), RULES).unwrap();
    std::fs::write(d.join("dns_recon.tests.yml"), TESTS).unwrap();
    let report = run_paths(std::slice::from_ref(&d), &EngineConfig::default());
    let text = report.to_string();
    assert!(report.ok(), "{text}");
    assert_eq!(report.passed(), 6);
    assert!(text.ends_with("6 passed, 0 failed\n"), "{text}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn failures_show_a_diff() {
    let d = temp_dir("fail");
    std::fs::write(d.join("r.yml"), RULES).unwrap();
    let tests = "tests:\n  - name: wrong expectation\n    events:\n      - {ClientIP: 203.0.113.5, QueryType: IXFR}\n    expect: [bulk-count, zt-1, zt-1]\n";
    std::fs::write(d.join("r.tests.yml"), tests).unwrap();
    let report = run_paths(std::slice::from_ref(&d), &EngineConfig::default());
    assert_eq!((report.passed(), report.failed()), (0, 1));
    let o = &report.outcomes[0];
    assert_eq!(o.fired, ["zt-1"]);
    assert_eq!(o.missing, ["bulk-count", "zt-1"]);
    assert!(o.unexpected.is_empty());
    let text = report.to_string();
    assert!(text.contains("FAIL "), "{text}");
    assert!(text.contains("      missing:    bulk-count, zt-1\n"), "{text}");
    assert!(text.ends_with("0 passed, 1 failed\n"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn unexpected_alerts_are_named() {
    let rules = {
        let mut set = RuleSet::default();
        for r in crate::load_str(RULES, Path::new("r.yml")).unwrap() {
            match r {
                crate::Rule::Detection(x) => set.detections.push(x),
                crate::Rule::Correlation(x) => set.correlations.push(x),
                crate::Rule::Filter(f) => set.filters.push(f),
            }
        }
        set
    };
    let tests = parse_tests(
        "tests:\n  - name: n\n    events: [{ClientIP: 203.0.113.9, QueryType: AXFR}]\n    expect: []\n",
        Path::new("t.tests.yml"),
    )
    .unwrap();
    let r = run_tests(&rules, &tests, &EngineConfig::default());
    assert_eq!(r.outcomes[0].unexpected, ["zt-1 \"External zone transfer\""]);
}

#[test]
fn events_are_typed_and_repeated() {
    let tests = parse_tests(
        r#"tests:
  - name: r
    events:
      - {class: dns_transfer, TimeGenerated: '2026-01-02T00:00:00Z', query: X.example., TransferOutcome: denied, Custom: 7}
    repeat: {count: 3, step: 500ms, vary: {ClientIP: '192.0.2.{i}'}}
    expect: []
"#,
        Path::new("t.tests.yml"),
    )
    .unwrap();
    let evs = &tests[0].events;
    assert_eq!(evs.len(), 3);
    let Event::Dns(e) = &evs[2] else { panic!("not dns") };
    assert_eq!(e.kind, DnsKind::Transfer);
    assert_eq!(e.name, "X.example");
    assert_eq!(e.client_ip, Some("192.0.2.2".parse().unwrap()));
    assert_eq!(e.time.0 - evs[0].time().0, 1_000_000_000);
    assert_eq!(evs[1].field(&FieldId::Other("Custom".into())), FieldValue::Str("7"));
    assert_eq!(evs[0].field(&FieldId::Dns(DnsField::TransferOutcome)), FieldValue::Str("denied"));
}

#[test]
fn bad_test_files_are_located() {
    let e = |t: &str| parse_tests(t, Path::new("x.tests.yml")).unwrap_err().to_string();
    assert_eq!(e("nope: 1\n"), "x.tests.yml: expected a top-level `tests:` list");
    assert_eq!(
        e("tests:\n  - name: a\n    events: [{class: dnz}]\n    expect: []\n"),
        "x.tests.yml: test \"a\": event #1: unknown class `dnz` (dns, dns_response, dns_transfer, \
         process_creation, json)"
    );
    assert_eq!(
        e("tests:\n  - name: b\n    events: [{QueryType: BOGUS}]\n    expect: []\n"),
        "x.tests.yml: test \"b\": event #1: bad value for `QueryType`: `BOGUS`"
    );
    assert!(e("tests:\n  - name: c\n    events: [{}]\n").contains("missing `expect` list"));
    assert!(e("tests:\n  - name: d\n    window: hopping\n    events: []\n    expect: []\n").contains("`window`"));
    assert!(e("tests:\n  - name: e\n    events: [{}]\n    repeat: {count: 2, step: 1y}\n    expect: []\n")
        .contains("`step`"));
}
