//! route53-resolver: AWS Resolver query logs, malformed input, sniffing.

use crate::sensors::{fixture, ip, opts_max, opts_server, read, read_with, score};
use event::{DnsKind, QType, Rcode, Transport};
use formats::RecordError;

const F: &str = "route53-resolver";

#[test]
fn resolver_query_logs() {
    let r = read(F, &fixture(F, "resolver.jsonl"));
    assert_eq!((r.rejects.count, r.ignored), (0, 0), "{:?}", r.reasons());
    let e = &r.events;
    assert_eq!(e.len(), 3);
    assert!(e.iter().all(|d| d.kind == DnsKind::Query));
    assert_eq!(e[0].time.to_string(), "2026-11-27T13:14:15Z");
    assert_eq!((e[0].name.as_str(), e[0].qtype, e[0].qclass), ("10.2.0.192.in-addr.arpa", Some(QType::PTR), Some(1)));
    assert_eq!((e[0].rcode, e[0].answer_count), (Some(Rcode::NOERROR), Some(1)));
    assert_eq!((e[0].client_ip, e[0].client_port, e[0].transport), (ip("10.1.2.3"), Some(56067), Some(Transport::Udp)));
    assert_eq!(e[0].server, "vpc-0a1b2c3d");
    assert_eq!(e[0].extra.get("srcids.instance"), Some("i-0abc123def4567890"));
    assert_eq!(e[0].extra.get("account_id"), Some("111122223333"));
    assert_eq!(e[0].extra.get("answers.Rdata"), Some("web.example.com."));
    // numeric srcport, inbound endpoint names the server
    assert_eq!((e[1].qtype, e[1].client_port, e[1].answer_count), (Some(QType::ANY), Some(53211), Some(2)));
    assert_eq!((e[1].server.as_str(), e[1].transport), ("rslvr-in-0123456789abcdef", Some(Transport::Tcp)));
    assert_eq!((e[2].rcode, e[2].answer_count, e[2].client_ip), (Some(Rcode::NXDOMAIN), Some(0), ip("2001:db8::77")));
    assert_eq!(e[2].extra.get("firewall_rule_action"), Some("ALERT"));

    let r = read_with(F, &fixture(F, "resolver.jsonl"), &opts_server("r53"));
    assert!(r.events.iter().all(|d| d.server == "r53"));
}

#[test]
fn malformed_records_are_counted_with_line_and_reason_and_good_ones_kept() {
    let rec = |name: &str, extra: &str| {
        format!(
            r#"{{"version":"1.100000","vpc_id":"vpc-1","query_timestamp":"2026-11-27T13:14:15Z","query_name":"{name}","query_type":"A","query_class":"IN","rcode":"NOERROR","answers":[],"srcaddr":"10.0.0.1","srcport":"1000","transport":"UDP"{extra}}}"#
        )
    };
    let lines = [
        rec("good1.example.", ""),                                                  // 1
        rec("trunc.example.", "")[..70].to_string(),                                // 2
        "\u{0}\u{1}binary garbage".into(),                                          // 3
        rec("x.", r#","srcaddr":"not-an-ip""#),                                     // 4 (later key wins)
        r#"{"query_timestamp":"2026-11-27T13:14:15Z","query_type":"A"}"#.into(),    // 5
        r#"{"query_timestamp":"2026-11-27","query_name":"x."}"#.into(),             // 6
        r#"{"query_timestamp":"2026-11-27T13:14:15Z","query_name":["x."]}"#.into(), // 7
        r#"{"query_timestamp":"2026-11-27T13:14:15Z","query_name":"x.","query_type":"BOGUS"}"#.into(), // 8
        r#"{"query_timestamp":"2026-11-27T13:14:15Z","query_name":"x.","srcport":70000}"#.into(), // 9
        format!(r#"{{"query_timestamp":"2026-11-27T13:14:15Z","query_name":"{}."}}"#, "b".repeat(4000)), // 10
        rec("good2.example.", "").replace("UDP", "QUIC-ish"),                       // 11 unknown transport: kept
    ];
    let r = read_with(F, lines.join("\n").as_bytes(), &opts_max(1000));
    let names: Vec<&str> = r.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["good1.example", "good2.example"]);
    assert_eq!(r.events[1].transport, None);
    assert_eq!(r.events[1].extra.get("transport"), Some("QUIC-ish"));
    let reasons = r.reasons();
    assert_eq!(r.rejects.count, 9, "{reasons:?}");
    assert!(matches!(&reasons[0], (2, RecordError::Json(_))));
    assert_eq!(reasons[1], (3, RecordError::Json("not a JSON object".into())));
    assert_eq!(reasons[2], (4, RecordError::BadIp("not-an-ip".into())));
    assert_eq!(reasons[3], (5, RecordError::MissingField("query_name")));
    assert_eq!(reasons[4], (6, RecordError::BadTimestamp("2026-11-27".into())));
    assert_eq!(reasons[5], (7, RecordError::BadValue { field: "query_name", value: "[array of 1]".into() }));
    assert_eq!(reasons[6], (8, RecordError::BadValue { field: "query_type", value: "BOGUS".into() }));
    assert_eq!(reasons[7], (9, RecordError::BadValue { field: "srcport", value: "70000".into() }));
    assert_eq!(reasons[8], (10, RecordError::TooLong { limit: 1000 }));
}

#[test]
fn sniffing() {
    assert_eq!(score(F, &fixture(F, "resolver.jsonl")), 90);
    assert_eq!(score(F, br#"{"query_name":"x","note":"a generic object"}"#), 0);
}
