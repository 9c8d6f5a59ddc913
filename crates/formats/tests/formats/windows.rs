//! Windows event logs: EVTX, exported XML, Winlogbeat / evtx_dump JSON, and their mapping.

mod malformed;
mod samples;
mod throughput;

use event::{DnsKind, Event, ProcessEvent, QType, Rcode, Timestamp, TransferOutcome, Transport};
use formats::input::{open, InputPath};
use formats::{open_reader, ReadOptions, Rejects};
use std::path::{Path, PathBuf};

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/windows").join(name)
}

/// Reads a whole input with the sniffed (or named) format: (format name, events, rejects).
pub fn read_all(path: &Path, format: Option<&str>) -> (&'static str, Vec<Event>, Rejects) {
    read_with(path, format, &ReadOptions::default())
}

pub fn read_with(path: &Path, format: Option<&str>, opts: &ReadOptions) -> (&'static str, Vec<Event>, Rejects) {
    let src = open(&InputPath::File(path.to_path_buf())).expect("open input");
    let (spec, mut reader) = open_reader(src, format, opts).expect("open reader");
    let mut rejects = Rejects::default();
    let mut events = Vec::new();
    let mut slot =
        Event::Json(event::JsonEvent { time: Timestamp(0), value: serde_json::Value::Null, source_format: "" });
    while reader.read(&mut slot, &mut rejects).expect("read") {
        events.push(slot.clone());
    }
    (spec.name, events, rejects)
}

pub fn processes(events: &[Event]) -> Vec<&ProcessEvent> {
    events
        .iter()
        .map(|e| match e {
            Event::Process(p) => p,
            other => panic!("expected a process event, got {other:?}"),
        })
        .collect()
}

/// What the seed's branch 3 reads of a process event.
fn branch3(p: &ProcessEvent) -> (Timestamp, &str, &str, Option<&str>, &str, &str, &str) {
    (p.time, &p.device, &p.account, p.account_domain.as_deref(), &p.file_name, &p.command_line, &p.parent_file_name)
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

#[test]
fn sysmon1_xml_maps_every_field() {
    let (fmt, events, rejects) = read_all(&fixture("sysmon1.xml"), None);
    assert_eq!(fmt, "winevent-xml");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    let p = processes(&events);
    assert_eq!(p.len(), 4);
    let dig = p[2];
    assert_eq!(dig.time, ts("2026-11-27T10:00:03.789Z"));
    assert_eq!(dig.device, "WS01.contoso.test");
    assert_eq!(dig.account, "alice");
    assert_eq!(dig.account_domain.as_deref(), Some("CONTOSO"));
    assert_eq!(dig.folder_path, r"C:\Tools\bind9\dig.exe");
    assert_eq!(dig.file_name, "dig.exe");
    assert_eq!(dig.command_line, "dig axfr @ns1 example.com");
    assert_eq!(dig.parent_folder_path, r"C:\Windows\System32\cmd.exe");
    assert_eq!(dig.parent_file_name, "cmd.exe");
    assert_eq!(dig.parent_command_line, r#"cmd.exe /c "dig axfr @ns1 example.com & pause""#);
    assert_eq!(dig.process_id, Some(6000));
    assert_eq!(dig.parent_process_id, Some(3000));
    assert_eq!(dig.source_format, "winevent-xml");
    assert_eq!(dig.extra.get("OriginalFileName"), Some("dig.exe"));
    assert_eq!(dig.extra.get("CurrentDirectory"), Some(r"C:\Users\alice\"));
    assert_eq!(dig.extra.get("EventID"), Some("1"));
    assert_eq!(dig.extra.get("Image"), None, "mapped fields are not repeated in extra");
    assert_eq!(p[0].parent_command_line, r#""C:\WINDOWS\system32\cmd.exe" "#);
}

#[test]
fn security4688_xml_maps_hex_pids_and_subject_account() {
    let (fmt, events, rejects) = read_all(&fixture("security4688.xml"), None);
    assert_eq!(fmt, "winevent-xml");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    let p = processes(&events);
    assert_eq!(p.len(), 4);
    assert_eq!(p[1].folder_path, r"C:\Python311\python.exe");
    assert_eq!(p[1].file_name, "python.exe");
    assert_eq!(p[1].command_line, "python.exe dnsrecon.py -d example.com -t axfr");
    assert_eq!(p[1].process_id, Some(5120));
    assert_eq!(p[1].parent_process_id, Some(4400));
    assert_eq!(p[1].parent_file_name, "powershell.exe");
    assert_eq!(p[1].parent_command_line, "", "4688 has no parent command line");
    assert_eq!((p[1].account.as_str(), p[1].account_domain.as_deref()), ("alice", Some("CONTOSO")));
    assert_eq!(p[1].extra.get("TokenElevationType"), Some("%%1938"));
}

#[test]
fn security4688_without_command_line_is_kept() {
    let (_, events, rejects) = read_all(&fixture("security4688-no-cmdline.xml"), None);
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    let p = processes(&events);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].command_line, "");
    assert_eq!(p[0].file_name, "nslookup.exe");
    assert_eq!(p[0].process_id, Some(0x1a2b));
    assert_eq!(p[0].parent_process_id, Some(0x2b4));
    assert_eq!(p[0].parent_file_name, "", "no ParentProcessName before Windows 10");
    assert_eq!((p[0].account.as_str(), p[0].account_domain.as_deref()), ("WS02$", Some("CONTOSO")));
    assert_eq!(p[0].device, "WS02.contoso.test");
}

#[test]
fn same_executions_give_the_same_branch3_fields_in_every_source() {
    let sources = [
        ("sysmon1.xml", "winevent-xml"),
        ("sysmon1-winlogbeat.ndjson", "winlogbeat-json"),
        ("security4688.xml", "winevent-xml"),
        ("security4688-winlogbeat.ndjson", "winlogbeat-json"),
    ];
    let mut all = Vec::new();
    for (file, want_fmt) in sources {
        let (fmt, events, rejects) = read_all(&fixture(file), None);
        assert_eq!(fmt, want_fmt, "{file}");
        assert_eq!(rejects.count, 0, "{file}: {:?}", rejects.kept);
        let fields: Vec<_> = processes(&events)
            .into_iter()
            .map(|p| {
                let b = branch3(p);
                (
                    b.0,
                    b.1.to_string(),
                    b.2.to_string(),
                    b.3.map(str::to_string),
                    b.4.to_string(),
                    b.5.to_string(),
                    b.6.to_string(),
                )
            })
            .collect();
        assert_eq!(fields.len(), 4, "{file}");
        all.push((file, fields, events));
    }
    let expected = [
        ("nslookup.exe", "nslookup -type=any example.com", "cmd.exe"),
        ("python.exe", "python.exe dnsrecon.py -d example.com -t axfr", "powershell.exe"),
        ("dig.exe", "dig axfr @ns1 example.com", "cmd.exe"),
        ("nslookup.exe", "nslookup intranet.contoso.test", "explorer.exe"),
    ];
    for (file, fields, _) in &all {
        assert_eq!(fields, &all[0].1, "{file} differs from sysmon1.xml");
        for (f, (name, cmd, parent)) in fields.iter().zip(expected) {
            assert_eq!((f.4.as_str(), f.5.as_str(), f.6.as_str()), (name, cmd, parent), "{file}");
            assert_eq!((f.1.as_str(), f.2.as_str(), f.3.as_deref()), ("WS01.contoso.test", "alice", Some("CONTOSO")));
        }
    }
    // Process ids agree too (decimal in Sysmon, hex in 4688, numbers or ECS in JSON).
    for (file, _, events) in &all {
        let pids: Vec<_> = processes(events).iter().map(|p| (p.process_id, p.parent_process_id)).collect();
        assert_eq!(
            pids,
            [(Some(4242), Some(3000)), (Some(5120), Some(4400)), (Some(6000), Some(3000)), (Some(7001), Some(1234))],
            "{file}"
        );
    }
}

#[test]
fn sysmon22_is_a_query_by_the_endpoint_and_other_sysmon_ids_are_generic() {
    let (_, events, rejects) = read_all(&fixture("sysmon-dns-and-network.xml"), None);
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(events.len(), 3);
    let Event::Dns(q) = &events[0] else { panic!("{:?}", events[0]) };
    assert_eq!(q.kind, DnsKind::Query);
    assert_eq!(q.server, "WS01.contoso.test");
    assert_eq!(q.name, "example.com");
    assert_eq!(q.client_ip, None);
    assert_eq!(q.qtype, None);
    assert_eq!(q.rcode, Some(Rcode::NOERROR));
    assert_eq!(q.extra.get("Image"), Some(r"C:\Windows\System32\nslookup.exe"));
    assert_eq!(q.extra.get("ProcessId"), Some("4242"));
    assert_eq!(q.time, ts("2026-11-27T10:00:05.5Z"));
    let Event::Dns(nx) = &events[1] else { panic!("{:?}", events[1]) };
    assert_eq!(nx.rcode, Some(Rcode::NXDOMAIN));
    let Event::Json(j) = &events[2] else { panic!("{:?}", events[2]) };
    assert_eq!(j.value["EventID"], 3);
    assert_eq!(j.value["Channel"], "Microsoft-Windows-Sysmon/Operational");
    assert_eq!(j.value["Provider"], "Microsoft-Windows-Sysmon");
    assert_eq!(j.value["Computer"], "WS01.contoso.test");
    assert_eq!(j.value["DestinationIp"], "198.51.100.53");
    assert_eq!(j.value["EventRecordID"], 112);
    assert_eq!(j.source_format, "winevent-xml");
}

#[test]
fn dns_server_analytical_events() {
    let (_, events, rejects) = read_all(&fixture("dns-analytical.xml"), None);
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(events.len(), 10);
    let dns: Vec<_> = events.iter().filter_map(|e| if let Event::Dns(d) = e { Some(d) } else { None }).collect();
    let queries: Vec<_> = dns.iter().filter(|d| d.kind == DnsKind::Query).collect();
    assert_eq!(queries.len(), 2, "one query per QUERY_RECEIVED, none from responses or transfers");
    let axfr = queries[0];
    assert_eq!(axfr.client_ip, Some("203.0.113.7".parse().unwrap()));
    assert_eq!(axfr.server, "DNS01.contoso.test");
    assert_eq!(axfr.server_ip, Some("10.0.0.53".parse().unwrap()));
    assert_eq!(axfr.name, "contoso.test");
    assert_eq!(axfr.qtype, Some(QType::AXFR));
    assert_eq!(axfr.transport, Some(Transport::Tcp));
    assert_eq!(axfr.client_port, Some(51000));
    assert_eq!(axfr.extra.get("XID"), Some("4660"));
    assert_eq!(queries[1].name, "Mail.Contoso.test");
    assert_eq!(queries[1].qtype, Some(QType::MX));
    assert_eq!(queries[1].transport, Some(Transport::Udp));

    let kinds: Vec<String> = events
        .iter()
        .map(|e| match e {
            Event::Dns(d) => format!("{} {:?} {:?}", d.kind.as_str(), d.transfer, d.rcode.map(|r| r.to_string())),
            Event::Json(j) => format!("json {}", j.value["EventID"]),
            Event::Process(_) => "process".to_string(),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "query None None",
            "transfer Some(Started) None",
            "transfer Some(Denied) Some(\"REFUSED\")",
            "query None None",
            "response None Some(\"NOERROR\")",
            "response None Some(\"NXDOMAIN\")",
            "response None None",
            "json 260",
            "transfer Some(Started) None",
            "transfer Some(Completed) Some(\"NOERROR\")",
        ]
    );
    let Event::Dns(denied) = &events[2] else { panic!() };
    assert_eq!(denied.client_ip, Some("203.0.113.7".parse().unwrap()));
    assert_eq!(denied.qtype, Some(QType::AXFR));
    let Event::Dns(nx) = &events[5] else { panic!() };
    assert_eq!(nx.client_ip, Some("2001:db8::20".parse().unwrap()));
    let Event::Dns(ixfr) = &events[9] else { panic!() };
    assert_eq!((ixfr.qtype, ixfr.client_ip), (Some(QType::IXFR), Some("10.0.0.54".parse().unwrap())));
}

#[test]
fn dns_server_service_transfer_events_from_saved_xml() {
    let (fmt, events, rejects) = read_all(&fixture("dns-server-service.xml"), None);
    assert_eq!(fmt, "winevent-xml");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(events.len(), 2);
    let Event::Dns(ok) = &events[0] else { panic!() };
    assert_eq!((ok.kind, ok.transfer), (DnsKind::Transfer, Some(TransferOutcome::Completed)));
    assert_eq!(ok.name, "contoso.test");
    assert_eq!(ok.client_ip, Some("10.0.0.54".parse().unwrap()));
    assert_eq!(ok.extra.get("param1"), Some("2026112701"));
    let Event::Dns(denied) = &events[1] else { panic!() };
    assert_eq!(denied.transfer, Some(TransferOutcome::Denied));
    assert_eq!(denied.name, "example.org");
    assert_eq!(denied.client_ip, Some("203.0.113.7".parse().unwrap()));
    assert_eq!(denied.server, "DNS01.contoso.test");
}

#[test]
fn sniffing_picks_the_windows_formats() {
    use formats::sniff;
    let name = |b: &[u8]| sniff(b).map(|s| s.name);
    assert_eq!(name(b"ElfFile\0\0\0\0\0"), Some("evtx"));
    assert_eq!(
        name(b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"),
        Some("winevent-xml")
    );
    assert_eq!(name(b"\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<Events>\r\n<Event xmlns="), Some("winevent-xml"));
    let utf16: Vec<u8> = "\u{FEFF}<Events><Event xmlns='x'>".encode_utf16().flat_map(u16::to_le_bytes).collect();
    assert_eq!(name(&utf16), Some("winevent-xml"));
    assert_eq!(name(br#"{"@timestamp":"2026-11-27T10:00:00Z","winlog":{"event_id":1}}"#), Some("winlogbeat-json"));
    assert_eq!(name(br#"{"Event":{"System":{"EventID":1}}}"#), Some("winlogbeat-json"));
    assert_ne!(name(br#"{"query":"example.com","winlog_like":1}"#), Some("winlogbeat-json"));
    assert_eq!(name(b"<html><body>"), None);
    assert_eq!(name(b"ElfChnk\0"), None);
    for f in ["sysmon1.xml", "dns-server-service.xml", "security4688-winlogbeat.ndjson"] {
        let head = std::fs::read(fixture(f)).unwrap();
        assert!(name(&head).is_some(), "{f}");
    }
}

#[test]
fn utf16_export_reads_like_utf8() {
    let dir = tempdir("utf16");
    let text = std::fs::read_to_string(fixture("security4688.xml")).unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.replace('\n', "\r\n").encode_utf16().flat_map(u16::to_le_bytes));
    let path = dir.join("exported-by-powershell.xml");
    std::fs::write(&path, bytes).unwrap();
    let (fmt, events, rejects) = read_all(&path, None);
    assert_eq!(fmt, "winevent-xml");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    let (_, want, _) = read_all(&fixture("security4688.xml"), None);
    assert_eq!(events, want);
    std::fs::remove_dir_all(dir).unwrap();
}

/// A fresh directory under the system temp dir, unique to this test.
pub fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rw-windows-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn winlogbeat_dns_and_generic_events() {
    let (fmt, events, rejects) = read_all(&fixture("dns-winlogbeat.ndjson"), None);
    assert_eq!(fmt, "winlogbeat-json");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(events.len(), 4);
    let Event::Dns(s22) = &events[0] else { panic!("{:?}", events[0]) };
    assert_eq!(
        (s22.kind, s22.name.as_str(), s22.server.as_str()),
        (DnsKind::Query, "_dmarc.example.com", "WS01.contoso.test")
    );
    assert_eq!((s22.rcode, s22.answer_count), (Some(Rcode::NOERROR), Some(0)), "9501: no records");
    assert_eq!(s22.source_format, "winlogbeat-json");
    let Event::Dns(q) = &events[1] else { panic!("{:?}", events[1]) };
    assert_eq!((q.kind, q.qtype, q.name.as_str()), (DnsKind::Query, Some(QType::ANY), "example.com"));
    assert_eq!(q.client_ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(q.time, ts("2026-11-27T12:00:00Z"));
    let Event::Dns(t) = &events[2] else { panic!("{:?}", events[2]) };
    assert_eq!(
        (t.kind, t.transfer, t.name.as_str()),
        (DnsKind::Transfer, Some(TransferOutcome::Denied), "example.org")
    );
    let Event::Json(g) = &events[3] else { panic!("{:?}", events[3]) };
    assert_eq!(g.value["EventID"], 4624);
    assert_eq!(g.value["Provider_Name"], "Microsoft-Windows-Security-Auditing");
    assert_eq!(g.value["IpAddress"], "198.51.100.77");
    assert_eq!(g.value["Computer"], "DC01.contoso.test");
}

#[test]
fn utf16_big_endian_and_surrogate_pairs() {
    let dir = tempdir("utf16be");
    let text = std::fs::read_to_string(fixture("sysmon1.xml"))
        .unwrap()
        .replace("intranet.contoso.test", "intranet\u{1F600}.contoso.test");
    let utf8 = dir.join("utf8.xml");
    std::fs::write(&utf8, &text).unwrap();
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let be = dir.join("utf16be.xml");
    std::fs::write(&be, bytes).unwrap();
    let (_, want, _) = read_all(&utf8, None);
    let (fmt, got, rejects) = read_all(&be, None);
    assert_eq!(fmt, "winevent-xml");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(got, want);
    assert_eq!(processes(&got)[3].command_line, "nslookup intranet\u{1F600}.contoso.test");
    std::fs::remove_dir_all(dir).unwrap();
}
