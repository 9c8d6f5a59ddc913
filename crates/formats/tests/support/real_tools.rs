//! Checks shared by the live test (`real_auditd.rs`) and the committed capture
//! (`fixtures/auditd/real-tools.log`, read in `formats/auditd.rs`).

use event::{Event, ProcessEvent};
use formats::auditd::AuditdReader;
use formats::{EventReader, ReadOptions, Rejects, Source};

const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

pub fn read_events(raw: &[u8], server: &str) -> (Vec<ProcessEvent>, Rejects, u64) {
    let src = Source { name: "real".into(), path: None, reader: Box::new(std::io::Cursor::new(raw.to_vec())) };
    let mut opts = ReadOptions::default();
    opts.server = Some(server.to_string());
    let mut r = AuditdReader::new(src, &opts);
    // Start from another variant: the reader must turn the slot into a process event itself.
    let mut out =
        Event::Json(event::JsonEvent { time: event::Timestamp(0), value: serde_json::Value::Null, source_format: "" });
    let (mut rejects, mut evs) = (Rejects::default(), Vec::new());
    while r.read(&mut out, &mut rejects).unwrap() {
        let Event::Process(p) = &out else { panic!("auditd produced a non-process event: {out:?}") };
        evs.push(p.clone());
    }
    (evs, rejects, r.skipped())
}

/// The assertions shared with the committed fixture: every tool run is a process event with the
/// image the kernel ran and the exact argv.
pub fn check_real_log(raw: &[u8], key: &str, auid: &str, ns: &str) {
    let (evs, rejects, skipped) = read_events(raw, "lab-host");
    assert_eq!(rejects.count, 0, "{:?}", rejects.kept);
    for e in &evs {
        eprintln!("{} | {} | {} | parent {}", e.file_name, e.folder_path, e.command_line, e.parent_file_name);
        assert_eq!(e.extra.get("key"), Some(key));
        assert_eq!(e.account, auid);
        assert_eq!(e.extra.get("uid"), Some("0"));
        assert_eq!(e.device, "lab-host");
    }
    let py = std::fs::canonicalize("/usr/bin/python3").map(|p| p.display().to_string()).unwrap_or_default();
    let py_name = py.rsplit('/').next().unwrap_or("").to_string();
    let find = |cl: &str| evs.iter().find(|e| e.command_line == cl).unwrap_or_else(|| panic!("no event for `{cl}`"));
    let tools: [(&str, &str, &str); 7] = [
        ("dig axfr example.test @192.0.2.53", "dig", "/usr/bin/dig"),
        ("nslookup -type=any example.test 192.0.2.53", "nslookup", "/usr/bin/nslookup"),
        ("/usr/bin/python3 /usr/bin/dnsrecon -d example.test -n 192.0.2.53 -t std", &py_name, &py),
        ("/usr/bin/python3 /usr/bin/fierce --domain example.test --dns-servers 192.0.2.53", &py_name, &py),
        ("/usr/bin/perl /usr/bin/dnsenum --dnsserver 192.0.2.53 --noreverse example.test", "perl", "/usr/bin/perl"),
        ("dig www.example.test @192.0.2.53", "dig", "/usr/bin/dig"),
        ("python3 -c print(1)", &py_name, &py),
    ];
    for (cl, name, path) in tools {
        let tool = find(cl);
        assert_eq!((tool.file_name.as_str(), tool.folder_path.as_str()), (name, path), "{cl}");
        // `timeout` forked the tool; `ip netns exec` had exec'd `timeout` in the launching pid.
        let argv_tail = cl.split_once(' ').map_or("", |x| x.1);
        let tool_word = if cl.starts_with("/usr/bin/") {
            cl.split(' ').nth(1).and_then(|s| s.rsplit('/').next()).unwrap_or("")
        } else {
            cl.split(' ').next().unwrap_or("")
        };
        let after_tool = if cl.starts_with("/usr/bin/") { cl.splitn(3, ' ').nth(2).unwrap_or("") } else { argv_tail };
        let timeout_cl = format!("timeout 60 {tool_word} {after_tool}");
        let timeout = find(&timeout_cl);
        assert_eq!(timeout.file_name, "timeout");
        assert_eq!(tool.parent_process_id, timeout.process_id, "{cl}");
        assert_eq!(
            (tool.parent_file_name.as_str(), tool.parent_command_line.as_str()),
            ("timeout", timeout_cl.as_str())
        );
        let ip = find(&format!("ip netns exec {ns} {timeout_cl}"));
        assert_eq!((ip.file_name.as_str(), ip.process_id), ("ip", timeout.process_id));
        assert_eq!(tool.extra.get("argv0"), cl.split(' ').next());
    }
    // dnsenum asks the shell for the host name; the kernel hex-encodes the argument with spaces.
    let sh = find("sh -c \"uname -n 2>/dev/null\"");
    assert_eq!((sh.file_name.as_str(), sh.parent_file_name.as_str()), ("dash", "perl"));
    let uname = find("uname -n");
    assert_eq!(uname.parent_process_id, sh.process_id);
    // 7 runs × (ip, timeout, tool) + dnsenum's sh and uname.
    assert_eq!(evs.len(), 23, "{:#?}", evs.iter().map(|e| &e.command_line).collect::<Vec<_>>());
    // Not process creations: failed execve attempts along PATH, and the rule add/remove records.
    let text = String::from_utf8_lossy(raw);
    let failed = text.lines().filter(|l| l.starts_with("type=SYSCALL") && l.contains(" success=no ")).count() as u64;
    let config = text.lines().filter(|l| l.starts_with("type=CONFIG_CHANGE")).count() as u64;
    assert_eq!(skipped, failed + config);
    assert!(failed >= 14, "each execvp along {PATH} first tries /usr/sbin: {failed}");
}
