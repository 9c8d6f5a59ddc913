//! `sentinel-csv` and `sentinel-json`.

use super::{dns, process, read_bytes, read_fixture, reject_lines};
use event::{QType, Rcode};
use formats::{open_reader, InputError, ReadOptions, RecordError, Source};

fn ip(s: &str) -> Option<std::net::IpAddr> {
    Some(s.parse().unwrap())
}

#[test]
fn portal_csv_with_bom_crlf_utc_headers_and_us_times() {
    let (ev, rej) = read_fixture("sentinel/dnsevents_portal.csv", "sentinel-csv");
    assert_eq!(rej.count, 0, "{:?}", reject_lines(&rej));
    assert_eq!(ev.len(), 3);
    let d = dns(&ev[0]);
    assert_eq!(d.time.to_string(), "2026-11-27T13:14:15.123Z");
    assert_eq!(d.server, "dc01.corp.example");
    assert_eq!(d.client_ip, ip("203.0.113.7"));
    assert_eq!(d.name, "corp.example");
    assert_eq!(d.qtype, Some(QType::AXFR));
    assert_eq!(d.rcode, Some(Rcode::NOERROR));
    assert_eq!(d.source_format, "sentinel-csv");
    assert_eq!(d.extra.get("TenantId"), Some("00000000-0000-0000-0000-000000000001"));
    assert_eq!(d.extra.get("SubType"), Some("LookupQuery"));
    assert_eq!(d.extra.get("IPAddresses"), Some(""));
    assert_eq!(d.extra.get("TimeGenerated"), None);
    let d = dns(&ev[1]);
    assert_eq!(d.client_ip, ip("2001:db8::7"));
    assert_eq!(d.name, "_dmarc.corp.example");
    assert_eq!(d.qtype, Some(QType::AXFR), "numeric 252");
    assert_eq!(d.rcode, None, "empty ResultCode");
    let d = dns(&ev[2]);
    assert_eq!(d.time.to_string(), "2026-11-27T00:05:00.500Z", "12 AM is midnight");
    assert_eq!(d.extra.get("IPAddresses"), Some("198.51.100.1,198.51.100.2"));
    assert_eq!(d.qtype, Some(QType::MX));
    assert_eq!(d.rcode, Some(Rcode::NXDOMAIN));
    // Extra entries are reused in place, not accumulated across rows.
    assert_eq!(d.extra.0.len(), 6);
}

#[test]
fn defender_csv_with_quoted_command_lines() {
    let (ev, rej) = read_fixture("sentinel/deviceprocessevents_defender.csv", "sentinel-csv");
    assert_eq!(rej.count, 0, "{:?}", reject_lines(&rej));
    assert_eq!(ev.len(), 3);
    let p = process(&ev[0]);
    assert_eq!(p.time.0 % 1_000_000_000, 123_456_700);
    assert_eq!(p.time.to_string(), "2026-11-27T13:14:15.123456700Z");
    assert_eq!(p.device, "ws01.corp.example");
    assert_eq!(p.account, "alice");
    assert_eq!(p.account_domain.as_deref(), Some("corp"));
    assert_eq!(p.file_name, "nslookup.exe");
    assert_eq!(p.folder_path, r"C:\Windows\System32\nslookup.exe");
    assert_eq!(p.command_line, "nslookup -type=axfr corp.example, ns1.corp.example");
    assert_eq!(p.process_id, Some(4242));
    assert_eq!(p.parent_file_name, "cmd.exe");
    assert_eq!(p.parent_command_line, r#"cmd.exe /c "nslookup -type=axfr corp.example""#);
    assert_eq!(p.parent_process_id, Some(4000));
    assert_eq!(p.extra.get("ActionType"), Some("ProcessCreated"));
    assert_eq!(p.source_format, "sentinel-csv");
    let p = process(&ev[1]);
    assert_eq!(p.command_line, "python3 dnsrecon.py -d corp.example -t axfr\n--json out.json");
    assert_eq!(p.account_domain, None);
    assert_eq!(process(&ev[2]).file_name, "dig", "FileName filled from FolderPath");
}

#[test]
fn malformed_csv_rejects_each_bad_record_at_its_line_and_keeps_the_rest() {
    let (ev, rej) = read_fixture("sentinel/dnsevents_malformed.csv", "sentinel-csv");
    let names: Vec<&str> = ev.iter().map(|e| dns(e).name.as_str()).collect();
    assert_eq!(names, ["good1.example", "multi\nline.example", "good4.example"]);
    let got = reject_lines(&rej);
    let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [3, 4, 5, 6, 7, 8, 11, 14], "{got:?}");
    assert_eq!(rej.count, 8);
    let errs: Vec<&RecordError> = rej.kept.iter().map(|r| &r.error).collect();
    assert_eq!(errs[0], &RecordError::FieldCount { got: 5, want: 6 });
    assert!(matches!(errs[1], RecordError::BadTimestamp(v) if v == "yesterday"));
    assert_eq!(errs[2], &RecordError::BadIp("300.1.1.1".into()));
    assert_eq!(errs[3], &RecordError::BadValue { field: "QueryType", value: "NOPE".into() });
    assert_eq!(errs[4], &RecordError::NotUtf8);
    assert_eq!(errs[5], &RecordError::FieldCount { got: 1, want: 6 });
    assert_eq!(errs[6], &RecordError::FieldCount { got: 7, want: 6 });
    assert_eq!(errs[7], &RecordError::FieldCount { got: 4, want: 6 });
    assert_eq!(rej.kept[0].location.source.as_ref(), "sentinel/dnsevents_malformed.csv");
}

#[test]
fn csv_line_longer_than_the_limit_is_rejected() {
    let mut csv = b"TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n".to_vec();
    csv.extend_from_slice(b"2026-11-27T10:00:00Z,dc01,203.0.113.1,a.example,A,0\n");
    csv.extend_from_slice(b"2026-11-27T10:00:00Z,dc01,203.0.113.1,");
    csv.extend(std::iter::repeat_n(b'x', 2 << 20));
    csv.extend_from_slice(b",A,0\n2026-11-27T10:00:01Z,dc01,203.0.113.1,b.example,A,0\n");
    let (ev, rej, _) = read_bytes("big.csv", csv, Some("sentinel-csv"), &ReadOptions::default());
    assert_eq!(ev.iter().map(|e| dns(e).name.clone()).collect::<Vec<_>>(), ["a.example", "b.example"]);
    assert_eq!(reject_lines(&rej), [(3, "line longer than 1048576 bytes".to_string())]);
}

fn open_err(csv: &[u8]) -> String {
    let src = Source { name: "h.csv".into(), path: None, reader: Box::new(std::io::Cursor::new(csv.to_vec())) };
    match open_reader(src, Some("sentinel-csv"), &ReadOptions::default()) {
        Err(e @ InputError::Open { .. }) => e.to_string(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("opened"),
    }
}

#[test]
fn csv_headers_that_cannot_be_read_are_clear_errors() {
    let e = open_err(b"a,b,c\n1,2,3\n");
    assert!(e.contains("neither DnsEvents columns"), "{e}");
    let e = open_err(b"\"TimeGenerated [Local Time]\",Computer,ClientIP,Name,QueryType\n");
    assert!(
        e.contains("display time zone `Local Time`") && e.contains("set the portal's display time zone to UTC"),
        "{e}"
    );
    let e = open_err(b"\"TimeGenerated [UTC+02:00]\",ClientIP,Name,QueryType\n");
    assert!(e.contains("`UTC+02:00`"), "{e}");
    let e = open_err(b"Computer,ClientIP,Name,QueryType\n");
    assert!(e.contains("without a time column"), "{e}");
    let e = open_err(b"\xff\xfeT\x00i\x00m\x00e\x00");
    assert!(e.contains("UTF-16"), "{e}");
    assert!(open_err(b"").contains("empty input"));
}

#[test]
fn json_array_with_numbers_nulls_and_nested_values() {
    let (ev, rej) = read_fixture("sentinel/dnsevents_array.json", "sentinel-json");
    assert_eq!(ev.len(), 3);
    let d = dns(&ev[0]);
    assert_eq!(d.time.to_string(), "2026-11-27T13:14:15.123456700Z");
    assert_eq!(d.qtype, Some(QType::AXFR));
    assert_eq!(d.rcode, Some(Rcode::NOERROR));
    assert_eq!(d.extra.get("EventId"), Some("256"));
    assert_eq!(d.extra.get("IPAddresses"), None, "null Extra left out");
    assert_eq!(d.source_format, "sentinel-json");
    let d = dns(&ev[1]);
    assert_eq!((d.client_ip, d.qtype, d.rcode), (ip("2001:db8::7"), Some(QType::IXFR), None));
    assert_eq!(d.name, "corp.example");
    assert_eq!(d.extra.get("Tags"), Some(r#"{"a":[1,"x]"]}"#));
    assert_eq!(d.extra.get("EventId"), None, "no stale Extra from the previous row");
    assert_eq!(dns(&ev[2]).name, r#"quote"and\slash.example"#);
    assert_eq!(dns(&ev[2]).rcode, Some(Rcode::REFUSED));
    assert_eq!(reject_lines(&rej), [(6, "bad IP address `not-an-ip`".to_string())]);
}

#[test]
fn json_lines_reject_the_broken_line_only() {
    let (ev, rej) = read_fixture("sentinel/dnsevents.jsonl", "sentinel-json");
    let got: Vec<_> = ev.iter().map(|e| (dns(e).qtype, dns(e).rcode)).collect();
    assert_eq!(
        got,
        [(Some(QType::AXFR), Some(Rcode::NOERROR)), (Some(QType(255)), Some(Rcode::NOERROR)), (Some(QType::NS), None)]
    );
    assert_eq!(rej.count, 1);
    assert_eq!(rej.kept[0].location.line, 3);
    assert!(matches!(rej.kept[0].error, RecordError::Json(_)));
}

#[test]
fn log_analytics_api_response_rows() {
    let (ev, rej) = read_fixture("sentinel/dnsevents_loganalytics_api.json", "sentinel-json");
    assert_eq!(ev.len(), 3);
    let d = dns(&ev[0]);
    assert_eq!((d.qtype, d.rcode, d.client_ip), (Some(QType::AXFR), Some(Rcode::NOERROR), ip("203.0.113.7")));
    assert_eq!(d.extra.get("EventId"), Some("256"));
    assert_eq!(d.time.subsec_nanos(), 123_456_700);
    assert_eq!((dns(&ev[1]).qtype, dns(&ev[1]).rcode), (Some(QType::AXFR), None));
    assert_eq!(dns(&ev[2]).rcode, Some(Rcode::NXDOMAIN));
    assert_eq!(dns(&ev[2]).extra.get("EventId"), None);
    assert_eq!(reject_lines(&rej), [(17, "row has 3 fields, header has 7".to_string())]);
}

#[test]
fn defender_hunting_api_response_results() {
    let (ev, rej) = read_fixture("sentinel/deviceprocessevents_hunting_api.json", "sentinel-json");
    assert_eq!(ev.len(), 1);
    let p = process(&ev[0]);
    assert_eq!((p.device.as_str(), p.file_name.as_str(), p.process_id), ("ws01", "dig", Some(4242)));
    assert_eq!(p.command_line, "dig corp.example ANY +short");
    assert_eq!(p.parent_file_name, "bash");
    assert_eq!(reject_lines(&rej), [(12, "bad value for `ProcessId`: `oops`".to_string())]);
}

#[test]
fn truncated_json_array_keeps_complete_elements() {
    let (ev, rej) = read_fixture("sentinel/deviceprocessevents_truncated.json", "sentinel-json");
    let names: Vec<_> = ev.iter().map(|e| process(e).file_name.clone()).collect();
    assert_eq!(names, ["amass", "subfinder"]);
    assert_eq!(rej.count, 1);
    assert_eq!(rej.kept[0].location.line, 4);
    assert!(matches!(rej.kept[0].error, RecordError::Truncated(_)));
}

#[test]
fn json_element_longer_than_the_limit_is_rejected_and_reading_goes_on() {
    let mut j = b"[{\"TimeGenerated\":\"2026-11-27T10:00:00Z\",\"ClientIP\":\"192.0.2.1\",\"QueryType\":\"A\",\"Name\":\"a\"},\n{\"Name\":\"".to_vec();
    j.extend(std::iter::repeat_n(b'x', 2 << 20));
    j.extend_from_slice(b"\"},\n{\"TimeGenerated\":\"2026-11-27T10:00:01Z\",\"ClientIP\":\"192.0.2.1\",\"QueryType\":\"A\",\"Name\":\"b\"}]");
    let (ev, rej, _) = read_bytes("big.json", j, Some("sentinel-json"), &ReadOptions::default());
    assert_eq!(ev.iter().map(|e| dns(e).name.clone()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(reject_lines(&rej), [(2, "line longer than 1048576 bytes".to_string())]);
}

#[test]
fn process_time_prefers_timestamp_and_keeps_time_generated_in_extra() {
    let csv = "\"TimeGenerated [UTC]\",\"Timestamp [UTC]\",DeviceName,FileName,ProcessCommandLine\r\n\
               \"11/27/2026, 1:20:00.000 PM\",\"11/27/2026, 1:14:15.000 PM\",ws01,dig,\"dig axfr corp.example\"\r\n";
    let (ev, rej, fmt) = read_bytes("p.csv", csv.into(), None, &ReadOptions::default());
    assert_eq!((fmt, rej.count, ev.len()), ("sentinel-csv", 0, 1));
    let p = process(&ev[0]);
    assert_eq!(p.time.to_string(), "2026-11-27T13:14:15Z");
    assert_eq!(p.extra.get("TimeGenerated"), Some("11/27/2026, 1:20:00.000 PM"));
    // Sentinel's copy of the table may have only TimeGenerated.
    let csv = "TimeGenerated,DeviceName,FileName\n2026-11-27T13:14:15Z,ws01,dnsrecon\n";
    let (ev, _, _) = read_bytes("p2.csv", csv.into(), Some("sentinel-csv"), &ReadOptions::default());
    assert_eq!(process(&ev[0]).time.to_string(), "2026-11-27T13:14:15Z");
}

#[test]
fn graph_hunting_response_with_lowercase_keys() {
    let j = r#"{"@odata.context":"x","schema":[{"name":"Timestamp","type":"DateTime"}],
"results":[{"Timestamp":"2026-11-27T13:14:15.1234567Z","DeviceName":"ws01","FileName":"knockpy","ProcessCommandLine":"knockpy corp.example","ProcessId":1}]}"#;
    let (ev, rej, fmt) = read_bytes("g.json", j.into(), None, &ReadOptions::default());
    assert_eq!((fmt, ev.len(), rej.count), ("sentinel-json", 1, 0));
    assert_eq!(process(&ev[0]).file_name, "knockpy");
    assert_eq!(process(&ev[0]).time.subsec_nanos(), 123_456_700);
}

#[test]
fn unterminated_quote_ends_the_input_with_one_reject_instead_of_buffering_it() {
    let mut csv = b"TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n".to_vec();
    csv.extend_from_slice(b"2026-11-27T10:00:00Z,dc01,203.0.113.1,a.example,A,0\n");
    csv.extend_from_slice(b"2026-11-27T10:00:01Z,dc01,203.0.113.1,\"open quote,A,0\n");
    for _ in 0..2000 {
        csv.extend_from_slice(b"2026-11-27T10:00:02Z,dc01,203.0.113.1,lost.example,A,0\n");
    }
    let mut opts = ReadOptions::default();
    opts.max_record = 1024;
    let (ev, rej, _) = read_bytes("q.csv", csv, Some("sentinel-csv"), &opts);
    assert_eq!(ev.len(), 1);
    assert_eq!(
        reject_lines(&rej),
        [(
            3,
            "malformed CSV record: record still open after 8192 bytes (unterminated quote?); rest of the input skipped"
                .to_string()
        )]
    );
}

#[test]
fn json_with_bad_encoding_or_garbage_rejects_only_those_records() {
    let row = |name: &str| {
        format!(r#"{{"TimeGenerated":"2026-11-27T10:00:00Z","ClientIP":"192.0.2.1","QueryType":"A","Name":"{name}"}}"#)
    };
    // Array: a Latin-1 byte inside one element, garbage as another.
    let mut j = format!("[{},\n", row("a")).into_bytes();
    j.extend_from_slice(b"{\"TimeGenerated\":\"2026-11-27T10:00:00Z\",\"ClientIP\":\"192.0.2.1\",\"QueryType\":\"A\",\"Name\":\"caf\xe9\"},\n");
    j.extend_from_slice(b"garbage,\n");
    j.extend_from_slice(format!("{}]", row("b")).as_bytes());
    let (ev, rej, _) = read_bytes("enc.json", j, Some("sentinel-json"), &ReadOptions::default());
    assert_eq!(ev.iter().map(|e| dns(e).name.clone()).collect::<Vec<_>>(), ["a", "b"]);
    let lines: Vec<u64> = reject_lines(&rej).iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 3]);
    assert!(rej.kept.iter().all(|r| matches!(r.error, RecordError::Json(_))));
    // JSON Lines: the same, one per line.
    let mut j = format!("{}\n", row("a")).into_bytes();
    j.extend_from_slice(b"{\"Name\":\"\xff\"}\n\x00\x01garbage\n");
    j.extend_from_slice(format!("{}\n", row("b")).as_bytes());
    let (ev, rej, _) = read_bytes("enc.jsonl", j, Some("sentinel-json"), &ReadOptions::default());
    assert_eq!(ev.len(), 2);
    assert_eq!(reject_lines(&rej).iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(rej.kept[0].error, RecordError::NotUtf8);
}
