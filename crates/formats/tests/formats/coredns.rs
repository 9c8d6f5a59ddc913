//! coredns: log plugin lines with and without timestamps, banners, malformed input, sniffing.

use crate::sensors::{fixture, ip, opts_max, read, read_with, score};
use event::{DnsKind, QType, Rcode, Transport};
use formats::RecordError;

const F: &str = "coredns";

#[test]
fn query_lines() {
    let r = read(F, &fixture(F, "coredns.log"));
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    assert_eq!(r.ignored, 5, "banner (3 lines), reload and warning messages");
    let e = &r.events;
    assert_eq!(e.len(), 4);
    assert!(e.iter().all(|d| d.kind == DnsKind::Query && d.server.is_empty()));
    assert_eq!(e[0].time.to_string(), "2026-11-27T13:14:15.123456789Z");
    assert_eq!((e[0].client_ip, e[0].client_port), (ip("198.51.100.7"), Some(53124)));
    assert_eq!((e[0].name.as_str(), e[0].qtype, e[0].qclass), ("www.example.com", Some(QType::A), Some(1)));
    assert_eq!((e[0].rcode, e[0].transport), (Some(Rcode::NOERROR), Some(Transport::Udp)));
    assert_eq!(e[0].extra.get("id"), Some("4711"));
    assert_eq!(e[0].extra.get("rflags"), Some("qr,rd,ra"));
    assert_eq!(e[0].extra.get("duration"), Some("0.000123s"));
    assert_eq!(e[1].time.to_string(), "2026-11-27T13:14:16.500Z");
    assert_eq!((e[1].client_ip, e[1].client_port, e[1].qtype), (ip("2001:db8::1"), Some(53000), Some(QType::AXFR)));
    assert_eq!((e[1].rcode, e[1].transport), (Some(Rcode::REFUSED), Some(Transport::Tcp)));
    assert_eq!((e[2].rcode, e[2].extra.get("opcode")), (Some(Rcode::NXDOMAIN), Some("0")));
    // No timestamp on the line: time 0, flagged.
    assert_eq!((e[3].time.0, e[3].extra.get("time")), (0, Some("missing")));
    assert_eq!((e[3].qtype, e[3].rcode), (Some(QType::ANY), Some(Rcode(4))));
}

#[test]
fn malformed_lines_are_counted_with_line_and_reason_and_good_ones_kept() {
    let q = r#"[INFO] 10.0.0.1:1000 - 1 "A IN good.example. udp 30 false 512" NOERROR qr 40 0.0001s"#;
    let lines = [
        q.to_string(),                                                                             // 1
        q[..40].to_string(),                                                                       // 2 truncated
        "complete garbage".into(),                                                                 // 3
        r#"[INFO] 10.0.0.300:1000 - 1 "A IN x. udp 30 false 512" NOERROR qr 40 0.0001s"#.into(),   // 4
        r#"[INFO] 10.0.0.1:1000 - 1 "BOGUS IN x. udp 30 false 512" NOERROR qr 40 0.0001s"#.into(), // 5
        r#"[INFO] 10.0.0.1:1000 - 1 "A IN x. udp 30 false 512" MAYBE qr 40 0.0001s"#.into(),       // 6
        r#"[INFO] 10.0.0.1:1000 - 1 "A IN x. udp 30 false 512" NOERROR qr"#.into(),                // 7
        format!("yesterday {q}"),                                                                  // 8
        r#"[INFO] 10.0.0.1:99999 - 1 "A IN x. udp 30 false 512" NOERROR qr 40 0.0001s"#.into(),    // 9
        format!("[INFO] 10.0.0.1:1000 - 1 \"A IN {}. udp 30 false 512\" NOERROR qr 40 0.0001s", "c".repeat(900)), // 10
        r#"[INFO] 10.0.0.1:1000 - 1 "A IN x. sctp 30 false 512" NOERROR qr 40 0.0001s"#.into(),    // 11
        q.replace("good", "good2"),                                                                // 12
    ];
    let mut input = lines.join("\n").into_bytes();
    input.extend_from_slice(b"\n[INFO] \xc3\x28 bad utf8\n"); // 13
    let r = read_with(F, &input, &opts_max(512));
    let names: Vec<&str> = r.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["good.example", "good2.example"]);
    let reasons = r.reasons();
    assert_eq!(r.rejects.count, 11, "{reasons:?}");
    assert_eq!(reasons[0], (2, RecordError::Truncated("unterminated quoted question")));
    assert!(matches!(&reasons[1], (3, RecordError::Unrecognised(_))));
    assert_eq!(reasons[2], (4, RecordError::BadIp("10.0.0.300".into())));
    assert_eq!(reasons[3], (5, RecordError::BadValue { field: "type", value: "BOGUS".into() }));
    assert_eq!(reasons[4], (6, RecordError::BadValue { field: "rcode", value: "MAYBE".into() }));
    assert_eq!(reasons[5], (7, RecordError::Truncated("rsize")));
    assert_eq!(reasons[6], (8, RecordError::BadTimestamp("yesterday".into())));
    assert_eq!(reasons[7], (9, RecordError::BadValue { field: "port", value: "99999".into() }));
    assert_eq!(reasons[8], (10, RecordError::TooLong { limit: 512 }));
    assert_eq!(reasons[9], (11, RecordError::BadValue { field: "proto", value: "sctp".into() }));
    assert_eq!(reasons[10], (13, RecordError::NotUtf8));
}

#[test]
fn sniffing() {
    assert_eq!(score(F, &fixture(F, "coredns.log")), 85);
    assert_eq!(score(F, b"[INFO] plugin/reload: Running configuration\n"), 0);
    assert_eq!(score(F, br#"{"log":"[INFO] 10.0.0.1:1 - 1 \"A IN x. udp 1 false 1\" NOERROR qr 1 0s"}"#), 0);
}
