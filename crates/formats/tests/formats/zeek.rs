//! zeek-dns: TSV with header blocks, JSON, malformed input, sniffing.

use crate::sensors::{fixture, ip, opts_max, opts_server, read, read_with, score};
use event::{DnsKind, QType, Rcode, Transport};
use formats::RecordError;

const F: &str = "zeek-dns";

#[test]
fn tsv_blocks_old_layouts_escapes_and_other_logs() {
    let r = read(F, &fixture(F, "dns.log"));
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    assert_eq!(r.ignored, 1, "the conn.log row");
    let e = &r.events;
    assert_eq!(e.len(), 7, "one event per dns.log row, never two");
    assert!(e.iter().all(|d| d.kind == DnsKind::Query));

    assert_eq!(e[0].time.to_string(), "2026-11-27T13:14:15.123456Z");
    assert_eq!((e[0].client_ip, e[0].client_port, e[0].server_ip), (ip("10.1.2.3"), Some(51514), ip("10.1.0.53")));
    assert_eq!(e[0].name, "www.example.com");
    assert_eq!((e[0].qtype, e[0].qclass, e[0].rcode), (Some(QType::A), Some(1), Some(Rcode::NOERROR)));
    assert_eq!((e[0].answer_count, e[0].transport), (Some(2), Some(Transport::Udp)));
    assert_eq!(e[0].extra.get("uid"), Some("CjQ2aF3xkT1Ybq2Ve7"));
    assert_eq!(e[0].extra.get("rejected"), Some("F"));
    assert_eq!((e[0].extra.get("rtt"), e[0].extra.get("TTLs")), (None, None), "dropped columns");
    assert_eq!(e[0].extra.get("answers"), Some("web.example.com,192.0.2.10"));
    assert_eq!(e[0].server, "");

    assert_eq!(
        (e[1].name.as_str(), e[1].qtype, e[1].rcode),
        ("corp.example.com", Some(QType::AXFR), Some(Rcode::REFUSED))
    );
    assert_eq!(
        (e[1].answer_count, e[1].transport, e[1].client_ip),
        (Some(0), Some(Transport::Tcp), ip("203.0.113.50"))
    );

    // qtype 255 / `*`, no response seen: rcode and answers unset.
    assert_eq!(e[2].time.to_string(), "2026-11-27T13:14:17.500Z");
    assert_eq!((e[2].qtype, e[2].rcode, e[2].answer_count), (Some(QType::ANY), None, None));
    assert_eq!((e[2].client_ip, e[2].server_ip), (ip("2001:db8::77"), ip("2001:db8::53")));

    assert_eq!(e[3].name, "tab\tin,name.example.com");
    assert_eq!(e[3].rcode, Some(Rcode::NXDOMAIN));
    // Not UTF-8 once unescaped: Zeek's escaped text is kept. qtype unset: qtype_name used.
    assert_eq!(e[4].name, r"bin\xff\xfe.example.com");
    assert_eq!(e[4].qtype, Some(QType::MX));

    // Old block: no rtt, no rcode_name, no rejected column.
    assert_eq!(e[5].time.to_string(), "2013-05-01T10:00:00Z");
    assert_eq!((e[5].qtype, e[5].rcode, e[5].answer_count), (Some(QType::NS), Some(Rcode::NOERROR), Some(3)));
    assert_eq!(e[5].extra.get("rtt"), None);

    // Block with a sensor-name column.
    assert_eq!(e[6].server, "worker-01");
    assert_eq!(e[6].answer_count, Some(1));
    assert_eq!(e[6].extra.get("answers"), Some("v=DMARC1; p=none"));

    let r = read_with(F, &fixture(F, "dns.log"), &opts_server("dns01"));
    assert!(r.events.iter().all(|d| d.server == "dns01"));
}

#[test]
fn json_epoch_and_iso_timestamps_node_name_and_other_logs() {
    let r = read(F, &fixture(F, "dns.json"));
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    assert_eq!((r.events.len(), r.ignored), (3, 1));
    let e = &r.events;
    assert_eq!(e[0].time.to_string(), "2026-11-27T13:14:15.123456Z");
    assert_eq!((e[0].client_ip, e[0].client_port, e[0].server_ip), (ip("10.1.2.3"), Some(51514), ip("10.1.0.53")));
    assert_eq!((e[0].qtype, e[0].rcode, e[0].answer_count), (Some(QType::A), Some(Rcode::NOERROR), Some(2)));
    assert_eq!(e[0].extra.get("answers"), Some("web.example.com,192.0.2.10"));
    assert_eq!((e[0].extra.get("uid"), e[0].extra.get("trans_id")), (Some("CjQ2aF3xkT1Ybq2Ve7"), None));
    assert_eq!(e[1].time.to_string(), "2026-11-27T13:14:16.000001Z");
    assert_eq!(
        (e[1].qtype, e[1].rcode, e[1].server.as_str()),
        (Some(QType::AXFR), Some(Rcode::REFUSED), "zeek-worker-2")
    );
    assert_eq!(e[1].answer_count, None);
    assert_eq!((e[2].qtype, e[2].transport), (Some(QType::ANY), Some(Transport::Udp)));
}

#[test]
fn malformed_rows_are_counted_with_line_and_reason_and_good_rows_kept() {
    let hdr = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
               #fields\tts\tid.orig_h\tid.orig_p\tquery\tqtype\trcode\tanswers\n";
    let mut input = hdr.as_bytes().to_vec();
    input.extend_from_slice(b"1795785255.0\t10.0.0.1\t1000\tgood1.example\t1\t0\t(empty)\n"); // 7
    input.extend_from_slice(b"1795785255.0\t10.0.0.1\t1000\ttrunc.example\n"); // 8 truncated
    input.extend_from_slice(b"hello world\n"); // 9 garbage
    input.extend_from_slice(b"1795785255.0\t10.0.0.300\t1000\tbadip.example\t1\t0\t-\n"); // 10
    input.extend_from_slice(b"yesterday\t10.0.0.1\t1000\tbadts.example\t1\t0\t-\n"); // 11
    input.extend_from_slice(b"1795785255.0\t10.0.0.1\t1000\tbad\xff.example\t1\t0\t-\n"); // 12 not UTF-8
    input.extend_from_slice(format!("1795785255.0\t10.0.0.1\t1000\t{}\t1\t0\t-\n", "a".repeat(5000)).as_bytes()); // 13
    input.extend_from_slice(b"{\"ts\":true,\"id.orig_h\":\"10.0.0.1\",\"query\":\"x.example\"}\n"); // 14 wrong type
    input.extend_from_slice(b"{\"ts\":1795785255.0,\"query\":\"cut.exa\n"); // 15 truncated JSON
    input.extend_from_slice(b"1795785255.0\t10.0.0.1\t99999\tport.example\t1\t0\t-\n"); // 16 port out of range
    input.extend_from_slice(
        b"{\"ts\":1795785256.0,\"id.orig_h\":\"10.0.0.2\",\"query\":\"good2.example\",\"qtype\":16}\n",
    ); // 17
    input.extend_from_slice(b"1795785257.0\t10.0.0.3\t1000\tgood3.example\tTYPE65\t3\ta,b\n"); // 18
    let r = read_with(F, &input, &opts_max(1024));
    let names: Vec<&str> = r.events.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["good1.example", "good2.example", "good3.example"]);
    assert_eq!(
        (r.events[2].qtype, r.events[2].rcode, r.events[2].answer_count),
        (Some(QType(65)), Some(Rcode::NXDOMAIN), Some(2))
    );
    assert_eq!(r.rejects.count, 9);
    let reasons = r.reasons();
    assert_eq!(reasons[0], (8, RecordError::FieldCount { got: 4, want: 7 }));
    assert_eq!(reasons[1], (9, RecordError::FieldCount { got: 1, want: 7 }));
    assert_eq!(reasons[2], (10, RecordError::BadIp("10.0.0.300".into())));
    assert_eq!(reasons[3], (11, RecordError::BadTimestamp("yesterday".into())));
    assert_eq!(reasons[4], (12, RecordError::NotUtf8));
    assert_eq!(reasons[5], (13, RecordError::TooLong { limit: 1024 }));
    assert_eq!(reasons[6], (14, RecordError::BadTimestamp("true".into())));
    assert!(matches!(&reasons[7], (15, RecordError::Json(m)) if m.contains("EOF")), "{:?}", reasons[7]);
    assert_eq!(reasons[8], (16, RecordError::BadValue { field: "id.orig_p", value: "99999".into() }));
}

#[test]
fn rows_before_any_header_use_the_default_layout() {
    let row = "1795785255.000000\tC1\t10.0.0.1\t1000\t10.0.0.53\t53\tudp\t1\t-\tx.example\t1\tC_INTERNET\t252\tAXFR\t5\tREFUSED\tF\tF\tF\tF\t0\t-\t-\tF\n";
    let r = read(F, row.as_bytes());
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    assert_eq!((r.events[0].qtype, r.events[0].rcode), (Some(QType::AXFR), Some(Rcode::REFUSED)));
    // Names Zeek gives codes without a mnemonic, used when the number is unset.
    let row = row.replacen("\t252\tAXFR\t5\tREFUSED\t", "\t-\tquery-65280\t-\tunassigned-11\t", 1);
    let r = read(F, row.as_bytes());
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    assert_eq!((r.events[0].qtype, r.events[0].rcode), (Some(QType(65280)), Some(Rcode(11))));
}

#[test]
fn sniffing() {
    assert_eq!(score(F, &fixture(F, "dns.log")), 95);
    assert_eq!(score(F, &fixture(F, "dns.json")), 90);
    let conn = b"#separator \\x09\n#path\tconn\n#fields\tts\tuid\tid.orig_h\tservice\n";
    assert_eq!(score(F, conn), 0);
    assert_eq!(score(F, br#"{"ts":1.0,"message":"x"}"#), 0);
}

#[test]
fn custom_separators_crlf_and_nested_json_ids() {
    let input = "#separator \\x7c\r\n#set_separator|;\r\n#empty_field|(empty)\r\n#unset_field|-\r\n\
                 #fields|ts|id.orig_h|query|qtype_name|rcode_name|answers\r\n\
                 1795785255.000000|10.0.0.1|a\\x7cb.example|NS|NOERROR|ns1.example;ns2.example\r\n\
                 1795785255.5|10.0.0.1|(empty)|A|-|-\r\n\
                 {\"ts\":\"2026-11-27T13:14:16Z\",\"id\":{\"orig_h\":\"10.0.0.2\",\"resp_h\":\"10.0.0.53\"},\"query\":\"c.example\",\"qtype\":15}\n";
    let r = read(F, input.as_bytes());
    assert_eq!(r.rejects.count, 0, "{:?}", r.reasons());
    let e = &r.events;
    assert_eq!(e.len(), 3);
    assert_eq!((e[1].name.as_str(), e[1].qtype, e[1].rcode, e[1].answer_count), ("", Some(QType::A), None, None));
    let e = [&e[0], &e[2]];
    assert_eq!((e[0].name.as_str(), e[0].qtype, e[0].rcode), ("a|b.example", Some(QType::NS), Some(Rcode::NOERROR)));
    assert_eq!(e[0].answer_count, Some(2));
    assert_eq!((e[1].client_ip, e[1].server_ip, e[1].qtype), (ip("10.0.0.2"), ip("10.0.0.53"), Some(QType::MX)));
    assert_eq!(e[1].time.to_string(), "2026-11-27T13:14:16Z");
}
