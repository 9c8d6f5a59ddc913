//! `auditd` format: hand-written fixtures from the documented record layouts, the capture of the
//! real tools (`real-tools.log`, written by `tests/real_auditd.rs`), malformed input, sniffing.

#[path = "../support/real_tools.rs"]
mod real_tools;

use event::{Event, ProcessEvent, Timestamp};
use formats::auditd::{AuditdReader, MAX_OPEN};
use formats::{input, open_reader, sniff, EventReader, ReadOptions, RecordError, Rejects, Source};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auditd").join(name)
}

fn read_bytes(bytes: Vec<u8>, opts: &ReadOptions) -> (Vec<ProcessEvent>, Rejects, u64) {
    let src = Source { name: "mem".into(), path: None, reader: Box::new(std::io::Cursor::new(bytes)) };
    let mut r = AuditdReader::new(src, opts);
    let mut out = Event::Process(ProcessEvent::default());
    let (mut evs, mut rejects) = (Vec::new(), Rejects::default());
    while r.read(&mut out, &mut rejects).unwrap() {
        let Event::Process(p) = &out else { panic!("not a process event") };
        evs.push(p.clone());
    }
    (evs, rejects, r.skipped())
}

fn read(name: &str) -> (Vec<ProcessEvent>, Rejects, u64) {
    read_bytes(std::fs::read(fixture(name)).unwrap(), &ReadOptions::default())
}

fn reasons(r: &Rejects) -> Vec<(u64, String)> {
    r.kept.iter().map(|x| (x.location.line, x.error.to_string())).collect()
}

#[test]
fn hex_split_and_multi_record_arguments() {
    let (evs, rejects, skipped) = read("raw-hex-split.log");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    let cl: Vec<_> = evs.iter().map(|e| (e.file_name.as_str(), e.command_line.as_str())).collect();
    assert_eq!(
        cl,
        [
            ("dash", r#"sh -c "dig axfr example.test @192.0.2.53""#),
            ("python3.11", r#"python3 -c "import os;print(123)" "x=\"1 y""#),
            ("perl", "/usr/bin/perl /usr/bin/dnsenum --dnsserver 192.0.2.53 example.test"),
        ]
    );
    let e = &evs[0];
    assert_eq!(e.time, Timestamp::from_millis(1_795_785_000_100));
    assert_eq!((e.folder_path.as_str(), e.account.as_str()), ("/usr/bin/dash", "1000"));
    assert_eq!((e.process_id, e.parent_process_id), (Some(901), Some(900)));
    assert_eq!(e.device, "");
    for (k, v) in [("comm", "sh"), ("key", "recon"), ("success", "yes"), ("cwd", "/home/alice"), ("argv0", "sh")] {
        assert_eq!(e.extra.get(k), Some(v), "{k}");
    }
    assert_eq!(
        (e.extra.get("path"), e.extra.get("auid"), e.extra.get("uid")),
        (Some("/bin/sh"), Some("1000"), Some("0"))
    );
    // The parent (pid 901) exec'd earlier in the same file.
    assert_eq!(evs[1].parent_file_name, "dash");
    assert_eq!(evs[1].parent_command_line, evs[0].command_line);
    assert_eq!(evs[1].parent_folder_path, "/usr/bin/dash");
    assert_eq!(evs[1].extra.get("parent_source"), Some("earlier-execve"));
    assert_eq!(evs[0].extra.get("parent_source"), None);
    // Failed exec (success=no), USER_LOGIN, CONFIG_CHANGE + sendto.
    assert_eq!(skipped, 3);
}

#[test]
fn enriched_format_with_node_prefix_and_no_eoe() {
    let mut opts = ReadOptions::default();
    opts.server = Some("ignored-because-node-wins".into());
    let (evs, rejects, skipped) = read_bytes(std::fs::read(fixture("enriched-node.log")).unwrap(), &opts);
    assert_eq!((rejects.count, skipped), (0, 0));
    assert_eq!(evs.len(), 2);
    // sudo: uid is root but the login user is alice.
    assert_eq!((evs[0].device.as_str(), evs[0].account.as_str()), ("web1", "alice"));
    assert_eq!(evs[0].command_line, "dig axfr example.test @192.0.2.53");
    assert_eq!(evs[0].extra.get("cwd"), Some("/root"));
    // No login user (daemon): the enriched UID name.
    assert_eq!((evs[1].account.as_str(), evs[1].file_name.as_str()), ("named", "nslookup"));
    assert_eq!(evs[1].extra.get("key"), Some(""));
    assert_eq!(evs[1].extra.get("auid"), Some("4294967295"));
}

#[test]
fn server_option_names_the_device_without_node() {
    let mut opts = ReadOptions::default();
    opts.server = Some("lab1".into());
    let (evs, _, _) = read_bytes(std::fs::read(fixture("interleaved.log")).unwrap(), &opts);
    assert!(evs.iter().all(|e| e.device == "lab1"));
}

#[test]
fn interleaved_events_are_kept_apart() {
    let (evs, rejects, _) = read("interleaved.log");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    let got: Vec<_> = evs
        .iter()
        .map(|e| (e.process_id, e.command_line.as_str(), e.extra.get("cwd"), e.parent_file_name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (Some(5001), "timeout 60 fierce", Some("/tmp"), ""),
            (Some(5101), "dig www.example.test", Some("/srv"), ""),
            (Some(5002), "/usr/bin/python3 /usr/bin/fierce", Some(""), "timeout"),
        ]
    );
}

#[test]
fn incomplete_events_at_end_of_input_are_reported() {
    let (evs, rejects, _) = read("incomplete-at-eof.log");
    assert_eq!(evs.len(), 1);
    assert_eq!(evs[0].command_line, "dig example.test");
    assert_eq!(
        reasons(&rejects),
        [
            (3, "malformed audit event: incomplete event at end of input: no EXECVE record".to_string()),
            (
                4,
                "malformed audit event: incomplete event at end of input: EXECVE record is missing arguments"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn too_many_open_events_evict_the_oldest() {
    // One exec whose EXECVE never comes, then MAX_OPEN complete events without EOE.
    let mut log = String::from(
        "type=SYSCALL msg=audit(100.000:1): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid=2 auid=0 uid=0 \
         comm=\"dig\" exe=\"/usr/bin/dig\" key=(null)\n",
    );
    for i in 0..MAX_OPEN as u64 {
        let s = i + 2;
        log.push_str(&format!(
            "type=SYSCALL msg=audit(100.{s:03}:{s}): arch=c000003e syscall=59 success=yes exit=0 ppid=1 pid={s} \
             auid=0 uid=0 comm=\"dig\" exe=\"/usr/bin/dig\" key=(null)\ntype=EXECVE msg=audit(100.{s:03}:{s}): argc=2 \
             a0=\"dig\" a1=\"n{s}.example.test\"\n"
        ));
    }
    let (evs, rejects, _) = read_bytes(log.into_bytes(), &ReadOptions::default());
    assert_eq!(evs.len(), MAX_OPEN);
    assert_eq!(evs[0].command_line, "dig n2.example.test");
    assert_eq!(evs[MAX_OPEN - 1].command_line, format!("dig n{}.example.test", MAX_OPEN + 1));
    assert_eq!(
        reasons(&rejects),
        [(1, "malformed audit event: incomplete event evicted (too many events open): no EXECVE record".to_string())]
    );
}

#[test]
fn malformed_round_counts_every_bad_record_and_keeps_every_good_one() {
    let mut opts = ReadOptions::default();
    opts.max_record = 4096;
    let (evs, rejects, _) = read_bytes(std::fs::read(fixture("malformed.log")).unwrap(), &opts);
    let good: Vec<_> = evs.iter().map(|e| e.command_line.as_str()).collect();
    assert_eq!(good, ["dig ok1.example.test", "dig ok2.example.test", "dig ok3.example.test", "dig ok4.example.test"]);
    let got: Vec<_> = rejects.kept.iter().map(|r| (r.location.line, r.error.clone())).collect();
    assert_eq!(
        got,
        [
            (4, RecordError::Unrecognised("not an audit record: `this is not an audit record`".into())),
            (5, RecordError::BadTimestamp("17957x9000.5:902".into())),
            (6, RecordError::Truncated("msg=audit( without `)`")),
            (11, RecordError::Truncated("quoted value without closing quote")),
            (14, RecordError::BadValue { field: "aN", value: "6G6F".into() }),
            (16, RecordError::BadValue { field: "pid", value: "70x7".into() }),
            (19, RecordError::NotUtf8),
            (20, RecordError::TooLong { limit: 4096 }),
            (24, RecordError::BadValue { field: "argc", value: "999999999".into() }),
        ]
    );
    assert_eq!(rejects.count, 9);
    assert!(rejects.kept.iter().all(|r| &*r.location.source == "mem"));
}

#[test]
fn garbage_and_huge_input_never_panics() {
    let mut junk = Vec::new();
    for i in 0..2000u32 {
        let b = (i.wrapping_mul(2654435761) >> 13) as u8;
        junk.extend_from_slice(match b % 7 {
            0 => b"type=EXECVE msg=audit(1.1:1): argc=3 a0=\"x\" a2[5]=41 a1_len=9\n".as_slice(),
            1 => b"type=SYSCALL msg=audit(1.1:1): syscall=59 pid=\n",
            2 => b"node= type=\n",
            3 => b"type=EOE msg=audit(1.1:1): \n",
            4 => b"\xff\x00type=\n",
            5 => b"type=EXECVE msg=audit(1.1:2): a99999999999999999999=1\n",
            _ => b"type=PATH msg=audit(1.1:1): item=0 name=ZZ\n",
        });
    }
    let (_, rejects, _) = read_bytes(junk, &ReadOptions::default());
    assert!(rejects.count > 0);
}

#[test]
fn the_capture_of_the_real_tools_reads_back() {
    let path = fixture("real-tools.log");
    let raw = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&raw);
    let grab = |pre: &str, stop: char| -> String {
        let i = text.find(pre).unwrap_or_else(|| panic!("{pre} not in the capture")) + pre.len();
        text[i..].split(stop).next().unwrap_or("").to_string()
    };
    let key = grab("key=\"reconwatch-test-", '"');
    let auid = grab(" auid=19", ' ');
    let ns = grab("a0=\"ip\" a1=\"netns\" a2=\"exec\" a3=\"", '"');
    real_tools::check_real_log(&raw, &format!("reconwatch-test-{key}"), &format!("19{auid}"), &ns);
}

#[test]
fn sniffing_and_registry() {
    for name in ["raw-hex-split.log", "enriched-node.log", "interleaved.log", "real-tools.log", "real-split-args.log"] {
        let head = std::fs::read(fixture(name)).unwrap();
        assert_eq!(sniff(&head[..head.len().min(300)]).map(|f| f.name), Some("auditd"), "{name}");
    }
    for not in [
        &b"27-Nov-2026 13:26:20.351 client @0x7f 192.0.2.9#5353 (example.test): query: example.test IN AXFR -T"[..],
        b"type=A value=1\n",
        b"{\"type\":\"SYSCALL\",\"msg\":\"audit(1.1:1)\"}\n",
        b"",
    ] {
        assert_ne!(sniff(not).map(|f| f.name), Some("auditd"), "{}", String::from_utf8_lossy(not));
    }
    let src = input::open(&input::InputPath::File(fixture("enriched-node.log"))).unwrap();
    let (spec, mut r) = open_reader(src, None, &ReadOptions::default()).unwrap();
    assert_eq!(spec.name, "auditd");
    let (mut out, mut rejects) = (Event::Process(ProcessEvent::default()), Rejects::default());
    assert!(r.read(&mut out, &mut rejects).unwrap());
    assert_eq!(out.source_format(), "auditd");
}

#[test]
fn real_long_arguments_split_across_records() {
    // Captured with `/bin/true <8000 × A> x` and `/bin/true '<4000 × B> é <4000 × C>'`: the kernel
    // hex-encodes any argument it splits (a1_len counts hex digits) and spreads the chunks over
    // several EXECVE records of one event.
    let (evs, rejects, _) = read("real-split-args.log");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    assert_eq!(evs.len(), 2);
    assert_eq!(evs[0].command_line, format!("/bin/true {} x", "A".repeat(8000)));
    assert_eq!(evs[1].command_line, format!("/bin/true \"{} é {}\"", "B".repeat(4000), "C".repeat(4000)));
    assert_eq!((evs[0].file_name.as_str(), evs[0].extra.get("key")), ("true", Some("rw-split-probe")));
}

#[test]
fn parent_lookup_remembers_a_bounded_number_of_pids() {
    use formats::auditd::MAX_PIDS;
    let exec = |serial: usize, pid: usize, ppid: usize, name: &str| {
        format!(
            "type=SYSCALL msg=audit(200.000:{serial}): arch=c000003e syscall=59 success=yes exit=0 ppid={ppid} \
             pid={pid} auid=0 uid=0 comm=\"{name}\" exe=\"/usr/bin/{name}\" key=(null)\n\
             type=EXECVE msg=audit(200.000:{serial}): argc=1 a0=\"{name}\"\ntype=EOE msg=audit(200.000:{serial}): \n"
        )
    };
    let mut log = String::new();
    for i in 0..=MAX_PIDS {
        log.push_str(&exec(i + 1, 10_000 + i, 1, if i == 0 { "first" } else { "sh" }));
    }
    // pid 10000 (the first) has been forgotten; the newest is still known.
    log.push_str(&exec(MAX_PIDS + 2, 90_001, 10_000, "dig"));
    log.push_str(&exec(MAX_PIDS + 3, 90_002, 10_000 + MAX_PIDS, "dig"));
    // A pid that execs again replaces its entry (here: the newest becomes `timeout`).
    log.push_str(&exec(MAX_PIDS + 4, 10_000 + MAX_PIDS, 1, "timeout"));
    log.push_str(&exec(MAX_PIDS + 5, 90_003, 10_000 + MAX_PIDS, "dig"));
    let (evs, rejects, _) = read_bytes(log.into_bytes(), &ReadOptions::default());
    assert_eq!(rejects.count, 0);
    let tail: Vec<_> =
        evs[evs.len() - 4..].iter().map(|e| (e.file_name.as_str(), e.parent_file_name.as_str())).collect();
    assert_eq!(tail, [("dig", ""), ("dig", "sh"), ("timeout", ""), ("dig", "timeout")]);
}
