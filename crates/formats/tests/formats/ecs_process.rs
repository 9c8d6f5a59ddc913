//! `ecs-process` format: Auditbeat (auditd module, system/process dataset) and Elastic Agent
//! layouts written by hand from Elastic's field references; malformed lines; sniffing.

use event::{Event, ProcessEvent, Timestamp};
use formats::ecs_process::EcsProcessReader;
use formats::{input, open_reader, sniff, EventReader, ReadOptions, RecordError, Rejects, Source};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ecs-process").join(name)
}

fn read(name: &str, opts: &ReadOptions) -> (Vec<ProcessEvent>, Rejects, u64) {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let src = Source { name: name.into(), path: None, reader: Box::new(std::io::Cursor::new(bytes)) };
    let mut r = EcsProcessReader::new(src, opts);
    let mut out = Event::Process(ProcessEvent::default());
    let (mut evs, mut rejects) = (Vec::new(), Rejects::default());
    while r.read(&mut out, &mut rejects).unwrap() {
        let Event::Process(p) = &out else { panic!("not a process event") };
        evs.push(p.clone());
    }
    (evs, rejects, r.skipped())
}

#[test]
fn auditbeat_and_elastic_agent_layouts() {
    let mut opts = ReadOptions::default();
    opts.server = Some("fallback-host".into());
    let (evs, rejects, skipped) = read("mixed.jsonl", &opts);
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(skipped, 2, "process end and file events");
    assert_eq!(evs.len(), 5);

    let a = &evs[0]; // Auditbeat auditd module: args only, login user alice under sudo
    assert_eq!(a.time, Timestamp::parse_rfc3339("2026-11-27T10:00:01.123Z").unwrap());
    assert_eq!((a.file_name.as_str(), a.folder_path.as_str()), ("dig", "/usr/bin/dig"));
    assert_eq!(a.command_line, "dig axfr example.test @192.0.2.53");
    assert_eq!((a.process_id, a.parent_process_id), (Some(4242), Some(4200)));
    assert_eq!((a.account.as_str(), a.device.as_str()), ("alice", "web1"));
    for (k, v) in [("uid", "0"), ("auid", "1000"), ("key", "recon"), ("cwd", "/home/alice"), ("outcome", "success")] {
        assert_eq!(a.extra.get(k), Some(v), "{k}");
    }
    assert_eq!(a.extra.get("action"), Some("executed"));

    let b = &evs[1]; // system/process dataset: process.ppid, host.hostname
    assert_eq!(b.command_line, "/usr/bin/python3 /usr/bin/dnsrecon -d example.test -t std");
    assert_eq!((b.file_name.as_str(), b.parent_process_id), ("python3.11", Some(4999)));
    assert_eq!((b.account.as_str(), b.device.as_str()), ("bob", "web2"));
    assert_eq!((b.extra.get("argv0"), b.extra.get("entity_id")), (Some("/usr/bin/python3"), Some("e2e0c5f5")));

    let c = &evs[2]; // Elastic Agent: command_line given, parent described, string pid
    assert_eq!(c.time, Timestamp::parse_rfc3339("2026-11-27T09:00:03.5Z").unwrap());
    assert_eq!((c.file_name.as_str(), c.process_id), ("nslookup", Some(6000)));
    assert_eq!(c.command_line, "nslookup -type=any example.test 192.0.2.53");
    assert_eq!((c.parent_file_name.as_str(), c.parent_folder_path.as_str()), ("bash", "/usr/bin/bash"));
    assert_eq!(c.parent_command_line, "bash -i");
    assert_eq!((c.account.as_str(), c.account_domain.as_deref(), c.device.as_str()), ("carol", Some("CORP"), "ws3"));

    let d = &evs[3]; // flattened dotted keys; an argument with a space is quoted
    assert_eq!(d.command_line, r#"/usr/bin/perl /usr/bin/dnsenum --dnsserver 192.0.2.53 "my zone.test""#);
    assert_eq!((d.file_name.as_str(), d.parent_file_name.as_str()), ("perl", "timeout"));
    assert_eq!((d.process_id, d.parent_process_id), (Some(7000), Some(6999)));
    assert_eq!((d.account.as_str(), d.device.as_str()), ("erin", "fallback-host"));
    assert_eq!((d.extra.get("uid"), d.extra.get("syscall")), (Some("0"), Some("execve")));
    let e = &evs[4]; // Auditbeat 6.x: no event.category
    assert_eq!((e.file_name.as_str(), e.command_line.as_str()), ("fierce", "fierce --domain example.test"));
    assert_eq!((e.parent_process_id, e.account.as_str()), (Some(7999), "dave"));
    assert!(evs.iter().all(|e| e.source_format == "ecs-process"));
}

#[test]
fn malformed_lines_are_counted_and_good_ones_kept() {
    let (evs, rejects, _) = read("malformed.jsonl", &ReadOptions::default());
    let names: Vec<_> = evs.iter().map(|e| e.file_name.as_str()).collect();
    assert_eq!(names, ["ok1", "ok2"]);
    let got: Vec<_> = rejects.kept.iter().map(|r| (r.location.line, r.error.clone())).collect();
    assert_eq!(got.len(), 7);
    assert!(matches!(got[0], (2, RecordError::Json(_))));
    assert_eq!(got[1], (3, RecordError::Json("not a JSON object".into())));
    assert_eq!(got[2], (4, RecordError::MissingField("@timestamp")));
    assert_eq!(got[3], (5, RecordError::BadTimestamp("2026-13-45T99:00:00Z".into())));
    assert_eq!(got[4], (6, RecordError::BadValue { field: "process.pid", value: "abc".into() }));
    assert!(matches!(got[5], (7, RecordError::Json(_))));
    assert_eq!(got[6], (8, RecordError::MissingField("process.name")));
    assert_eq!(rejects.count, 7);
}

#[test]
fn sniffing_and_registry() {
    let head = std::fs::read(fixture("mixed.jsonl")).unwrap();
    assert_eq!(sniff(&head).map(|f| f.name), Some("ecs-process"));
    // A cut first line still hints at the format.
    assert_eq!(sniff(&head[..200]).map(|f| f.name), Some("ecs-process"));
    for not in [
        &br#"{"@timestamp":"2026-11-27T10:00:06Z","event":{"category":["file"]},"file":{"path":"/etc/hosts"}}"#[..],
        br#"{"query":"example.test","qtype":"AXFR"}"#,
        b"type=EOE msg=audit(1.1:1): \n",
    ] {
        assert_ne!(sniff(not).map(|f| f.name), Some("ecs-process"), "{}", String::from_utf8_lossy(not));
    }
    let src = input::open(&input::InputPath::File(fixture("mixed.jsonl"))).unwrap();
    let (spec, mut r) = open_reader(src, None, &ReadOptions::default()).unwrap();
    assert_eq!(spec.name, "ecs-process");
    let (mut out, mut rejects) = (Event::Process(ProcessEvent::default()), Rejects::default());
    assert!(r.read(&mut out, &mut rejects).unwrap());
    assert_eq!(out.source_format(), "ecs-process");
}
