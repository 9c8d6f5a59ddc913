//! ecs-dns: Packetbeat / Elastic Agent documents, nested and dotted keys, malformed input, sniffing.

use crate::sensors::{fixture, ip, opts_max, opts_server, read, read_with, score};
use event::{DnsKind, QType, Rcode, Transport};
use formats::RecordError;

const F: &str = "ecs-dns";

#[test]
fn packetbeat_transactions_dotted_keys_and_defend_lookups() {
    let r = read(F, &fixture(F, "packetbeat.ndjson"));
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    assert_eq!(r.ignored, 1, "the flow document");
    let e = &r.events;
    let kinds: Vec<DnsKind> = e.iter().map(|d| d.kind).collect();
    use DnsKind::{Query, Response};
    assert_eq!(kinds, [Query, Query, Query, Query, Response], "a transaction is one query, never two");
    assert_eq!(e[0].time.to_string(), "2026-11-27T13:14:15.123Z");
    assert_eq!((e[0].client_ip, e[0].client_port, e[0].server_ip), (ip("10.1.2.3"), Some(51514), ip("10.1.0.53")));
    assert_eq!((e[0].name.as_str(), e[0].qtype, e[0].qclass), ("www.example.com", Some(QType::A), Some(1)));
    assert_eq!((e[0].rcode, e[0].answer_count, e[0].transport), (Some(Rcode::NOERROR), Some(2), Some(Transport::Udp)));
    assert_eq!((e[0].server.as_str(), e[0].extra.get("dns.id")), ("pb-sensor-1", Some("4711")));
    // source.* when there is no client.*; observer.hostname before host.name; query only: no rcode.
    assert_eq!((e[1].client_ip, e[1].client_port, e[1].server_ip), (ip("203.0.113.50"), Some(40001), ip("10.1.0.53")));
    assert_eq!((e[1].qtype, e[1].rcode, e[1].server.as_str()), (Some(QType::AXFR), None, "tap-01"));
    // dotted keys
    assert_eq!((e[2].name.as_str(), e[2].qtype, e[2].rcode), ("example.org", Some(QType::MX), Some(Rcode::NXDOMAIN)));
    assert_eq!((e[2].client_ip, e[2].server.as_str()), (ip("2001:db8::77"), "dotted-host"));
    assert_eq!((e[3].name.as_str(), e[3].server.as_str()), ("_dmarc.example.com", "WKS-042"));
    assert_eq!(e[3].extra.get("process.name"), Some("nslookup.exe"));

    let r = read_with(F, &fixture(F, "packetbeat.ndjson"), &opts_server("elastic"));
    assert!(r.events.iter().all(|d| d.server == "elastic"));
}

#[test]
fn malformed_documents_are_counted_with_line_and_reason_and_good_ones_kept() {
    let doc = |name: &str| {
        format!(
            r#"{{"@timestamp":"2026-11-27T13:14:15Z","source":{{"ip":"10.0.0.1"}},"dns":{{"question":{{"name":"{name}","type":"A"}}}}}}"#
        )
    };
    let lines = [
        doc("good1.example"),                                                                            // 1
        doc("x")[..50].to_string(),                                                                      // 2
        "<html>garbage</html>".into(),                                                                   // 3
        r#"{"@timestamp":"2026-11-27T13:14:15Z","dns":{"type":"query"}}"#.into(),                        // 4
        r#"{"@timestamp":12,"dns":{"question":{"name":"x"}}}"#.into(), // 5 (epoch 12: kept? no — see below)
        r#"{"@timestamp":"2026-11-27T13:14:15Z","dns":{"question":{"name":{"a":1}}}}"#.into(), // 6
        r#"{"@timestamp":"2026-11-27T13:14:15Z","source.ip":"::zz","dns.question.name":"x"}"#.into(), // 7
        r#"{"@timestamp":"2026-11-27T13:14:15Z","dns":{"question":{"name":"x","type":"NOPE"}}}"#.into(), // 8
        r#"{"dns":{"question":{"name":"x"}}}"#.into(),                 // 9
        format!(r#"{{"@timestamp":"2026-11-27T13:14:15Z","dns.question.name":"{}"}}"#, "d".repeat(3000)), // 10
        doc("good2.example"),                                          // 11
    ];
    let r = read_with(F, lines.join("\n").as_bytes(), &opts_max(2000));
    let names: Vec<&str> = r.events.iter().map(|e| e.name.as_str()).collect();
    // `@timestamp: 12` is epoch seconds by the shared time rule: a good record.
    assert_eq!(names, ["good1.example", "x", "good2.example"]);
    assert_eq!(r.events[1].time.0, 12_000_000_000);
    let reasons = r.reasons();
    assert_eq!(r.rejects.count, 8, "{reasons:?}");
    assert!(matches!(&reasons[0], (2, RecordError::Json(_))));
    assert_eq!(reasons[1], (3, RecordError::Json("not a JSON object".into())));
    assert_eq!(reasons[2], (4, RecordError::MissingField("dns.question.name")));
    assert_eq!(reasons[3], (6, RecordError::MissingField("dns.question.name")));
    assert_eq!(reasons[4], (7, RecordError::BadIp("::zz".into())));
    assert_eq!(reasons[5], (8, RecordError::BadValue { field: "dns.question.type", value: "NOPE".into() }));
    assert_eq!(reasons[6], (9, RecordError::MissingField("@timestamp")));
    assert_eq!(reasons[7], (10, RecordError::TooLong { limit: 2000 }));
}

#[test]
fn elasticsearch_hits_wrapped_in_source() {
    let hit = r#"{"_index":"packetbeat-1","_id":"abc","_source":{"@timestamp":"2026-11-27T13:14:15Z","source":{"ip":"192.0.2.7"},"dns":{"question":{"name":"x.example.com","type":"NS"},"response_code":"REFUSED"}}}"#;
    let r = read(F, hit.as_bytes());
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    let e = &r.events[0];
    assert_eq!(
        (e.name.as_str(), e.qtype, e.rcode, e.client_ip),
        ("x.example.com", Some(QType::NS), Some(Rcode::REFUSED), ip("192.0.2.7"))
    );
    assert_eq!(e.extra.get("_index"), Some("packetbeat-1"));
    assert_eq!(score(F, hit.as_bytes()), 80);
}

#[test]
fn sniffing() {
    assert_eq!(score(F, &fixture(F, "packetbeat.ndjson")), 80);
    assert_eq!(score(F, br#"{"@timestamp":"2026-11-27T13:14:15Z","dns":{"id":1},"name":"x"}"#), 0);
}
