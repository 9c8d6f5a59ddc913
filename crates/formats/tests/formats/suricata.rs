//! suricata-eve: v1/v2/v3 DNS layouts, client/server sides, other event types, malformed input.

use crate::sensors::{fixture, ip, opts_max, opts_server, read, read_with, score};
use event::{DnsKind, QType, Rcode, Transport};
use formats::RecordError;

const F: &str = "suricata-eve";

#[test]
fn v2_and_v1_queries_and_answers() {
    let r = read(F, &fixture(F, "eve-v2.json"));
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    // flow, alert, stats, and the second v1 answer record of message 99.
    assert_eq!(r.ignored, 4);
    let e = &r.events;
    let kinds: Vec<DnsKind> = e.iter().map(|d| d.kind).collect();
    use DnsKind::{Query, Response};
    assert_eq!(kinds, [Query, Response, Query, Response, Response, Response]);
    assert_eq!(e.iter().filter(|d| d.kind == Query).count(), 2, "each query counted once");

    assert_eq!(e[0].time.to_string(), "2026-11-27T13:14:15.100Z");
    assert_eq!((e[0].client_ip, e[0].client_port, e[0].server_ip), (ip("10.1.2.3"), Some(51514), ip("10.1.0.53")));
    assert_eq!((e[0].name.as_str(), e[0].qtype, e[0].rcode), ("www.example.com", Some(QType::A), None));
    assert_eq!((e[0].server.as_str(), e[0].transport), ("sensor-a", Some(Transport::Udp)));
    assert_eq!(e[0].extra.get("in_iface"), Some("eth0"));

    // Suricata 7 logs answers with the flow's client as src_ip: the ports say so too.
    assert_eq!((e[1].client_ip, e[1].server_ip), (ip("10.1.2.3"), ip("10.1.0.53")));
    assert_eq!((e[1].rcode, e[1].answer_count), (Some(Rcode::NOERROR), Some(2)));

    assert_eq!(
        (e[2].qtype, e[2].transport, e[2].client_ip),
        (Some(QType::AXFR), Some(Transport::Tcp), ip("203.0.113.50"))
    );
    assert_eq!((e[3].rcode, e[3].answer_count, e[3].client_ip), (Some(Rcode::REFUSED), Some(0), ip("203.0.113.50")));
    // grouped answers
    assert_eq!((e[4].qtype, e[4].answer_count), (Some(QType::NS), Some(3)));
    // v1 answer records of one message fold into one event; src_port 53 makes src the server.
    assert_eq!(
        (e[5].client_ip, e[5].client_port, e[5].server_ip),
        (ip("2001:db8::77"), Some(41000), ip("2001:db8::53"))
    );
    assert_eq!((e[5].qtype, e[5].answer_count, e[5].name.as_str()), (Some(QType::MX), Some(1), "example.org"));
}

#[test]
fn v3_requests_and_responses_swap_sides() {
    let r = read_with(F, &fixture(F, "eve-v3.json"), &opts_server("ids-1"));
    assert_eq!((r.rejects.count, r.ignored), (0, 0), "{:?}", r.reasons());
    let e = &r.events;
    let kinds: Vec<DnsKind> = e.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DnsKind::Query, DnsKind::Response, DnsKind::Query, DnsKind::Response]);
    assert!(e.iter().all(|d| d.server == "ids-1"));
    assert_eq!((e[0].name.as_str(), e[0].qtype, e[0].rcode), ("_dmarc.example.com", Some(QType::TXT), None));
    assert_eq!((e[0].client_ip, e[0].client_port, e[0].server_ip), (ip("198.51.100.7"), Some(53124), ip("10.1.0.53")));
    // Suricata 8: the responder is src_ip.
    assert_eq!((e[1].client_ip, e[1].client_port, e[1].server_ip), (ip("198.51.100.7"), Some(53124), ip("10.1.0.53")));
    assert_eq!((e[1].rcode, e[1].answer_count), (Some(Rcode::NOERROR), Some(1)));
    // Ports that do not tell (5300 both ways): v3 response → src is the server.
    assert_eq!((e[2].client_ip, e[2].server_ip, e[2].qtype), (ip("198.51.100.7"), ip("10.1.0.54"), Some(QType::ANY)));
    assert_eq!((e[3].client_ip, e[3].server_ip), (ip("198.51.100.7"), ip("10.1.0.54")));
    assert_eq!((e[3].rcode, e[3].answer_count), (Some(Rcode::NXDOMAIN), Some(0)));
}

#[test]
fn malformed_records_are_counted_with_line_and_reason_and_good_ones_kept() {
    let good = |n: u32| {
        format!(
            r#"{{"timestamp":"2026-11-27T13:14:{n:02}.000000+0000","event_type":"dns","src_ip":"10.0.0.1","src_port":4000,"dest_ip":"10.0.0.53","dest_port":53,"proto":"UDP","dns":{{"type":"query","id":1,"rrname":"good{n}.example","rrtype":"A"}}}}"#
        )
    };
    let lines = [
        good(1),                                                                                      // 1
        good(2)[..90].to_string(),                                                                    // 2 truncated
        "garbage, not json".into(),                                                                   // 3
        r#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","dns":{"type":"query","rrname":5}}"#.into(), // 4
        r#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","dns":{"type":"update","rrname":"x"}}"#.into(), // 5
        r#"{"timestamp":"2026-11-27T13:14:15Z","dns":{"type":"query","rrname":"x"}}"#.into(),       // 6
        r#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","src_ip":"10.0.0.999","dns":{"type":"query","rrname":"x"}}"#.into(), // 7
        r#"{"timestamp":"not a time","event_type":"dns","dns":{"type":"query","rrname":"x"}}"#.into(), // 8
        r#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","src_port":"http","dns":{"type":"query","rrname":"x"}}"#.into(), // 9
        r#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","dns":{"type":"query","rrtype":"A"}}"#.into(), // 10
        format!(r#"{{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","dns":{{"type":"query","rrname":"{}"}}}}"#, "a".repeat(3000)), // 11
        r#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"dns","dns":{"type":"answer","rrname":"x","rcode":"WHAT"}}"#.into(), // 12
        good(3),                                                                                      // 13
    ];
    let mut input = lines.join("\n").into_bytes();
    input.extend_from_slice(b"\n\xff\xfe{\"a\n"); // 14 not UTF-8
    input.extend_from_slice(good(4).as_bytes()); // 15, no final newline
    let r = read_with(F, &input, &opts_max(2048));
    let names: Vec<&str> = r.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["good1.example", "good3.example", "good4.example"]);
    let reasons = r.reasons();
    assert_eq!(r.rejects.count, 12, "{reasons:?}");
    assert!(matches!(&reasons[0], (2, RecordError::Json(_))));
    assert_eq!(reasons[1], (3, RecordError::Json("not a JSON object".into())));
    assert_eq!(reasons[2], (4, RecordError::BadValue { field: "dns.rrname", value: "5".into() }));
    assert_eq!(reasons[3], (5, RecordError::BadValue { field: "dns.type", value: "update".into() }));
    assert_eq!(reasons[4], (6, RecordError::MissingField("event_type")));
    assert_eq!(reasons[5], (7, RecordError::BadIp("10.0.0.999".into())));
    assert_eq!(reasons[6], (8, RecordError::BadTimestamp("not a time".into())));
    assert_eq!(reasons[7], (9, RecordError::BadValue { field: "src_port", value: "http".into() }));
    assert_eq!(reasons[8], (10, RecordError::MissingField("dns.rrname")));
    assert_eq!(reasons[9], (11, RecordError::TooLong { limit: 2048 }));
    assert_eq!(reasons[10], (12, RecordError::BadValue { field: "dns.rcode", value: "WHAT".into() }));
    assert_eq!(reasons[11], (14, RecordError::NotUtf8));
}

#[test]
fn sniffing() {
    assert_eq!(score(F, &fixture(F, "eve-v2.json")), 90);
    assert_eq!(score(F, &fixture(F, "eve-v3.json")), 90);
    let flows_only =
        br#"{"timestamp":"2026-11-27T13:14:15.0+0000","flow_id":1,"event_type":"flow","src_ip":"10.0.0.1"}"#;
    assert_eq!(score(F, flows_only), 60);
    assert_eq!(score(F, br#"{"timestamp":"2026-11-27T13:14:15Z","event_type":"login","user":"x"}"#), 0);
}
