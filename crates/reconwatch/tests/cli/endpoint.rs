//! Branch 3 end to end: the seed's endpoint rule (rules/seed/tool_execution_endpoint.yml) and the
//! extended one (rules/endpoint/tool_execution_extended.yml) over
//! - the real auditd capture `crates/formats/tests/fixtures/auditd/real-tools.log` (dig, nslookup,
//!   dnsrecon, fierce, dnsenum and benign dig/python, each started as `ip netns exec … timeout 60 …`),
//! - the same executions written as Sysmon 1 XML, Security 4688 XML, both as Winlogbeat NDJSON, and
//!   as a DeviceProcessEvents CSV (generated here from one table, so the sets cannot drift),
//! - Windows-native launches (py launcher, pythonw, Strawberry perl, Resolve-DnsName, dig.exe),
//! - an administrators' benign baseline and `allow.tool_users` tuning.
//!
//! Every tool run must raise exactly one alert, from the rule named in the expectation; wrapper
//! execs (`ip`, `timeout`, `sh -c`, `cmd /c`, `py.exe`) and benign runs raise none.

use crate::{hunt, root, run, TempDir};
use serde_json::{json, Value};

const SEED: &str = "DNS Enumeration Tool Execution on Endpoint";
const EXT: &str = "DNS Enumeration Tool Execution on Endpoint (extended)";

/// One process creation: time (RFC 3339, UTC), image path, command line, parent image path.
type Exec = (&'static str, &'static str, &'static str, &'static str);

/// The successful execs of real-tools.log, in order (SYSCALL `exe=`, EXECVE argv), parents as the
/// auditd reader finds them (the earlier exec of the parent pid; none for the harness's children).
#[rustfmt::skip]
const REAL: &[Exec] = &[
    ("2026-11-27T13:28:19.603Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 dig axfr example.test @192.0.2.53", ""),
    ("2026-11-27T13:28:19.611Z", "/usr/bin/timeout", "timeout 60 dig axfr example.test @192.0.2.53", ""),
    ("2026-11-27T13:28:19.611Z", "/usr/bin/dig", "dig axfr example.test @192.0.2.53", "/usr/bin/timeout"),
    ("2026-11-27T13:28:19.683Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 nslookup -type=any example.test 192.0.2.53", ""),
    ("2026-11-27T13:28:19.687Z", "/usr/bin/timeout", "timeout 60 nslookup -type=any example.test 192.0.2.53", ""),
    ("2026-11-27T13:28:19.687Z", "/usr/bin/nslookup", "nslookup -type=any example.test 192.0.2.53", "/usr/bin/timeout"),
    ("2026-11-27T13:28:19.759Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 dnsrecon -d example.test -n 192.0.2.53 -t std", ""),
    ("2026-11-27T13:28:19.763Z", "/usr/bin/timeout", "timeout 60 dnsrecon -d example.test -n 192.0.2.53 -t std", ""),
    ("2026-11-27T13:28:19.767Z", "/usr/bin/python3.11", "/usr/bin/python3 /usr/bin/dnsrecon -d example.test -n 192.0.2.53 -t std", "/usr/bin/timeout"),
    ("2026-11-27T13:28:22.019Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 fierce --domain example.test --dns-servers 192.0.2.53", ""),
    ("2026-11-27T13:28:22.027Z", "/usr/bin/timeout", "timeout 60 fierce --domain example.test --dns-servers 192.0.2.53", ""),
    ("2026-11-27T13:28:22.027Z", "/usr/bin/python3.11", "/usr/bin/python3 /usr/bin/fierce --domain example.test --dns-servers 192.0.2.53", "/usr/bin/timeout"),
    ("2026-11-27T13:28:23.527Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 dnsenum --dnsserver 192.0.2.53 --noreverse example.test", ""),
    ("2026-11-27T13:28:23.539Z", "/usr/bin/timeout", "timeout 60 dnsenum --dnsserver 192.0.2.53 --noreverse example.test", ""),
    ("2026-11-27T13:28:23.547Z", "/usr/bin/perl", "/usr/bin/perl /usr/bin/dnsenum --dnsserver 192.0.2.53 --noreverse example.test", "/usr/bin/timeout"),
    ("2026-11-27T13:28:23.935Z", "/usr/bin/dash", "sh -c \"uname -n 2>/dev/null\"", "/usr/bin/perl"),
    ("2026-11-27T13:28:23.939Z", "/usr/bin/uname", "uname -n", "/usr/bin/dash"),
    ("2026-11-27T13:28:30.023Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 dig www.example.test @192.0.2.53", ""),
    ("2026-11-27T13:28:30.039Z", "/usr/bin/timeout", "timeout 60 dig www.example.test @192.0.2.53", ""),
    ("2026-11-27T13:28:30.039Z", "/usr/bin/dig", "dig www.example.test @192.0.2.53", "/usr/bin/timeout"),
    ("2026-11-27T13:28:30.107Z", "/usr/bin/ip", "ip netns exec rwaudit19727 timeout 60 python3 -c print(1)", ""),
    ("2026-11-27T13:28:30.123Z", "/usr/bin/timeout", "timeout 60 python3 -c print(1)", ""),
    ("2026-11-27T13:28:30.123Z", "/usr/bin/python3.11", "python3 -c print(1)", "/usr/bin/timeout"),
];

/// The alerts REAL must raise: (rule title, time, FileName, command line, parent FileName). The
/// seed catches dig and nslookup by name; Debian's dnsrecon/fierce run as `python3.11` and dnsenum
/// as `perl`, which only the extended rule knows. The benign dig and python, `ip`, `timeout`, `sh`
/// and `uname` raise nothing.
#[rustfmt::skip]
const REAL_ALERTS: &[(&str, &str, &str, &str, &str)] = &[
    (EXT, "2026-11-27T13:28:19.767Z", "python3.11", "/usr/bin/python3 /usr/bin/dnsrecon -d example.test -n 192.0.2.53 -t std", "timeout"),
    (EXT, "2026-11-27T13:28:22.027Z", "python3.11", "/usr/bin/python3 /usr/bin/fierce --domain example.test --dns-servers 192.0.2.53", "timeout"),
    (EXT, "2026-11-27T13:28:23.547Z", "perl", "/usr/bin/perl /usr/bin/dnsenum --dnsserver 192.0.2.53 --noreverse example.test", "timeout"),
    (SEED, "2026-11-27T13:28:19.611Z", "dig", "dig axfr example.test @192.0.2.53", "timeout"),
    (SEED, "2026-11-27T13:28:19.687Z", "nslookup", "nslookup -type=any example.test 192.0.2.53", "timeout"),
];

/// Windows-native launches of the same tools, with the alert each must raise (None: nothing).
#[rustfmt::skip]
const WINDOWS: &[(Exec, Option<&str>)] = &[
    (("2026-11-27T10:10:00.100Z", r"C:\Windows\System32\cmd.exe", r#"cmd.exe /c "py -3 C:\Tools\dnsrecon\dnsrecon.py -d example.com""#, r"C:\Windows\explorer.exe"), None),
    (("2026-11-27T10:10:00.200Z", r"C:\Windows\py.exe", r"py -3 C:\Tools\dnsrecon\dnsrecon.py -d example.com", r"C:\Windows\System32\cmd.exe"), None),
    (
        ("2026-11-27T10:10:00.300Z", r"C:\Python311\python.exe", r#""C:\Python311\python.exe" C:\Tools\dnsrecon\dnsrecon.py -d example.com"#, r"C:\Windows\py.exe"),
        Some(SEED),
    ),
    (
        ("2026-11-27T10:10:01.100Z", r"C:\Python311\pythonw.exe", r"pythonw.exe C:\Tools\fierce\fierce.py --domain example.com", r"C:\Windows\explorer.exe"),
        Some(EXT),
    ),
    (
        ("2026-11-27T10:10:02.200Z", r"C:\Strawberry\perl\bin\perl.exe", r"perl C:\Tools\dnsenum\dnsenum.pl --enum example.com", r"C:\Windows\System32\cmd.exe"),
        Some(EXT),
    ),
    (
        ("2026-11-27T10:10:03.300Z", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", r#"powershell.exe -NoProfile -c "Resolve-DnsName example.com -Type MX""#, r"C:\Windows\explorer.exe"),
        Some(EXT),
    ),
    (
        ("2026-11-27T10:10:04.400Z", r"C:\Tools\bind9\dig.exe", "dig.exe axfr @ns1 example.com", r"C:\Windows\System32\cmd.exe"),
        Some(EXT),
    ),
    (
        ("2026-11-27T10:10:05.500Z", r"C:\Windows\System32\nslookup.exe", "nslookup -type=any example.com", r"C:\Windows\System32\cmd.exe"),
        Some(SEED),
    ),
    (("2026-11-27T10:10:06.600Z", r"C:\Windows\System32\nslookup.exe", "nslookup intranet.contoso.test", r"C:\Windows\System32\cmd.exe"), None),
    (("2026-11-27T10:10:07.700Z", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe Resolve-DnsName www.example.com", r"C:\Windows\explorer.exe"), None),
    (("2026-11-27T10:10:08.800Z", r"C:\Tools\bind9\dig.exe", "dig.exe www.example.com", r"C:\Windows\System32\cmd.exe"), None),
    (("2026-11-27T10:10:09.900Z", r"C:\Python311\python.exe", r"python.exe C:\scripts\backup.py --dest D:\", r"C:\Windows\System32\cmd.exe"), None),
];

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// (rule title, time, FileName, command line, parent FileName) of each alert, sorted.
fn tuples(alerts: &[Value]) -> Vec<(String, String, String, String, String)> {
    let s = |a: &Value, k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut out: Vec<_> = alerts
        .iter()
        .map(|a| {
            let t = (s(a, "RuleTitle"), s(a, "TimeGenerated"), s(a, "FileName"));
            (t.0, t.1, t.2, s(a, "ProcessCommandLine"), s(a, "InitiatingProcessFileName"))
        })
        .collect();
    out.sort();
    out
}

fn owned(want: &[(&str, &str, &str, &str, &str)]) -> Vec<(String, String, String, String, String)> {
    let mut out: Vec<_> = want
        .iter()
        .map(|w| (w.0.to_string(), w.1.to_string(), w.2.to_string(), w.3.to_string(), w.4.to_string()))
        .collect();
    out.sort();
    out
}

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// `2026-11-27T13:28:19.611Z` as Windows writes it: SystemTime with 7 fraction digits, UtcTime.
fn win_times(t: &str) -> (String, String) {
    let base = t.trim_end_matches('Z');
    let (secs, ms) = base.split_once('.').unwrap_or((base, "000"));
    (format!("{secs}.{ms}0000Z"), format!("{}.{ms}", secs.replace('T', " ")))
}

fn sysmon1_xml(rows: &[Exec]) -> String {
    let mut out = String::new();
    for (i, (t, image, cmd, parent)) in rows.iter().enumerate() {
        let (sys, utc) = win_times(t);
        out += &format!(
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider \
             Name='Microsoft-Windows-Sysmon' Guid='{{5770385f-c22a-43e0-bf4c-06f5698ffbd9}}'/><EventID>1</EventID>\
             <Version>5</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>0x8000000000000000\
             </Keywords><TimeCreated SystemTime='{sys}'/><EventRecordID>{rec}</EventRecordID><Correlation/>\
             <Execution ProcessID='2156' ThreadID='3212'/><Channel>Microsoft-Windows-Sysmon/Operational</Channel>\
             <Computer>WS01.contoso.test</Computer><Security UserID='S-1-5-18'/></System><EventData>\
             <Data Name='RuleName'>-</Data><Data Name='UtcTime'>{utc}</Data><Data Name='ProcessId'>{pid}</Data>\
             <Data Name='Image'>{image}</Data><Data Name='CommandLine'>{cmd}</Data>\
             <Data Name='User'>CONTOSO\\alice</Data><Data Name='ParentProcessId'>{ppid}</Data>\
             <Data Name='ParentImage'>{parent}</Data><Data Name='ParentCommandLine'>-</Data></EventData></Event>\n",
            rec = 100 + i,
            pid = 5000 + i,
            ppid = 4000 + i,
            image = xml_text(image),
            cmd = xml_text(cmd),
            parent = xml_text(parent),
        );
    }
    out
}

fn security4688_xml(rows: &[Exec]) -> String {
    let mut out = String::new();
    for (i, (t, image, cmd, parent)) in rows.iter().enumerate() {
        let (sys, _) = win_times(t);
        out += &format!(
            "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider \
             Name='Microsoft-Windows-Security-Auditing' Guid='{{54849625-5478-4994-a5ba-3e3b0328c30d}}'/>\
             <EventID>4688</EventID><Version>2</Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode>\
             <Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='{sys}'/><EventRecordID>{rec}\
             </EventRecordID><Correlation/><Execution ProcessID='4' ThreadID='3212'/><Channel>Security</Channel>\
             <Computer>WS01.contoso.test</Computer><Security/></System><EventData>\
             <Data Name='SubjectUserName'>alice</Data><Data Name='SubjectDomainName'>CONTOSO</Data>\
             <Data Name='NewProcessId'>{pid:#x}</Data><Data Name='NewProcessName'>{image}</Data>\
             <Data Name='ProcessId'>{ppid:#x}</Data><Data Name='CommandLine'>{cmd}</Data>\
             <Data Name='TargetUserName'>-</Data><Data Name='ParentProcessName'>{parent}</Data></EventData></Event>\n",
            rec = 9000 + i,
            pid = 5000 + i,
            ppid = 4000 + i,
            image = xml_text(image),
            cmd = xml_text(cmd),
            parent = xml_text(parent),
        );
    }
    out
}

fn winlogbeat(rows: &[Exec], sysmon: bool) -> String {
    let mut out = String::new();
    for (i, (t, image, cmd, parent)) in rows.iter().enumerate() {
        let (code, provider, channel, data) = if sysmon {
            let data = json!({"UtcTime": win_times(t).1, "ProcessId": 5000 + i, "Image": image, "CommandLine": cmd,
                "User": "CONTOSO\\alice", "ParentProcessId": 4000 + i, "ParentImage": parent});
            ("1", "Microsoft-Windows-Sysmon", "Microsoft-Windows-Sysmon/Operational", data)
        } else {
            let data = json!({"SubjectUserName": "alice", "SubjectDomainName": "CONTOSO",
                "NewProcessId": format!("{:#x}", 5000 + i), "NewProcessName": image,
                "ProcessId": format!("{:#x}", 4000 + i), "CommandLine": cmd, "TargetUserName": "-",
                "ParentProcessName": parent});
            ("4688", "Microsoft-Windows-Security-Auditing", "Security", data)
        };
        let line = json!({"@timestamp": t, "event": {"code": code, "provider": provider, "kind": "event"},
            "host": {"name": "ws01.contoso.test"}, "agent": {"type": "winlogbeat", "version": "8.15.0"},
            "winlog": {"channel": channel, "computer_name": "WS01.contoso.test", "event_id": code,
                "provider_name": provider, "record_id": 100 + i, "event_data": data}});
        out += &line.to_string();
        out.push('\n');
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn device_process_events_csv(rows: &[Exec]) -> String {
    let mut out = String::from(
        "Timestamp,DeviceName,ActionType,FileName,FolderPath,ProcessCommandLine,AccountName,\
         InitiatingProcessFileName,InitiatingProcessFolderPath\n",
    );
    for (t, image, cmd, parent) in rows {
        let cols = [t, "ws01", "ProcessCreated", file_name(image), image, cmd, "alice", file_name(parent), parent];
        out += &cols.iter().map(|c| csv_field(c)).collect::<Vec<_>>().join(",");
        out.push('\n');
    }
    out
}

/// Hunts each rendering of `rows` and returns (format, alerts).
fn hunt_renderings(tag: &str, rows: &[Exec]) -> Vec<(&'static str, Vec<Value>)> {
    let d = TempDir::new(tag);
    let files = [
        ("sysmon1.xml", sysmon1_xml(rows)),
        ("security4688.xml", security4688_xml(rows)),
        ("sysmon1-winlogbeat.ndjson", winlogbeat(rows, true)),
        ("security4688-winlogbeat.ndjson", winlogbeat(rows, false)),
        ("DeviceProcessEvents.csv", device_process_events_csv(rows)),
    ];
    files.iter().map(|(name, text)| (*name, hunt_all(&d.write(name, text), rows.len()))).collect()
}

/// Hunts one file, asserting that it read `events` process events and rejected none (so an
/// empty alert list means "nothing fired", not "nothing was read"); returns the alerts.
fn hunt_all(path: &str, events: usize) -> Vec<Value> {
    let out = run(&["hunt", "--format", "jsonl", path]);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{path}: {summary}");
    assert!(summary.contains(&format!(" {events} events, 0 rejected record(s)")), "{path}: {summary}");
    let text = String::from_utf8(out.stdout).expect("utf-8 output");
    text.lines().map(|l| serde_json::from_str(l).expect("JSON alert")).collect()
}

#[test]
fn real_auditd_capture_each_tool_run_alerts_once_wrappers_never() {
    let path = "crates/formats/tests/fixtures/auditd/real-tools.log";
    let raw = std::fs::read_to_string(root().join(path)).expect("real-tools.log");
    // The capture really holds the wrapper execs whose argv names the tool.
    for wrapper in [r#"a0="timeout" a1="60" a2="dnsrecon""#, r#"a0="ip" a1="netns" a2="exec""#, r#"a0="sh" a1="-c""#] {
        assert!(raw.contains(wrapper), "{wrapper}");
    }
    let alerts = hunt_all(path, REAL.len());
    assert_eq!(tuples(&alerts), owned(REAL_ALERTS));
    for a in &alerts {
        assert_eq!(a["AlertType"], SEED, "one alert type for branch 3: {a}");
        assert_eq!(a["RiskScore"], 60);
        assert_eq!(a["Technique"], json!(["T1590.002"]));
        assert_eq!(a["AccountName"], "1900019727");
    }
    // The table the other renderings are generated from is the capture: one row per successful exec.
    assert_eq!(raw.matches("syscall=59 success=yes").count(), REAL.len());
    for (_, image, cmd, _) in REAL {
        assert!(raw.contains(&format!("exe=\"{image}\"")), "{image}");
        let argv0 = cmd.split(' ').next().unwrap_or("");
        assert!(raw.contains(&format!("a0=\"{argv0}\"")) || *argv0 == *"sh", "{cmd}");
    }
}

/// tests/fixtures/endpoint/wrappers-auditd.log, captured here by capture-wrappers.sh: the tools
/// started through `sudo timeout`, `env … timeout`, `sh -c "timeout …"` and `nice python3`, dig and
/// nslookup by full path, and benign dig, nslookup and python; 27 successful execs in all.
#[rustfmt::skip]
const WRAPPED_ALERTS: &[(&str, &str, &str, &str, &str)] = &[
    (EXT, "2026-11-27T14:28:10.859Z", "python3.11", "/usr/bin/python3 /usr/bin/dnsrecon -d example.test -n 127.0.0.1 -t std", "timeout"),
    (EXT, "2026-11-27T14:28:30.887Z", "python3.11", "/usr/bin/python3 /usr/bin/fierce --domain example.test --dns-servers 127.0.0.1", "timeout"),
    (EXT, "2026-11-27T14:28:50.903Z", "perl", "/usr/bin/perl /usr/bin/dnsenum --dnsserver 127.0.0.1 --noreverse example.test", "timeout"),
    (EXT, "2026-11-27T14:29:10.919Z", "python3.11", "python3 /usr/bin/dnsrecon -d example.test -n 127.0.0.1 -t std", ""),
    // The seed flags `dig +short` on purpose; invoked by path, auditd's FileName is still the image's name.
    (SEED, "2026-11-27T14:30:23.567Z", "dig", "/usr/bin/dig +short www.example.test @127.0.0.1", ""),
    (SEED, "2026-11-27T14:30:23.687Z", "nslookup", "/usr/bin/nslookup -type=mx example.test 127.0.0.1", ""),
];

#[test]
fn real_auditd_capture_through_sudo_env_sh_and_nice_alerts_once_per_tool() {
    let path = "crates/reconwatch/tests/fixtures/endpoint/wrappers-auditd.log";
    let raw = std::fs::read_to_string(root().join(path)).expect("wrappers-auditd.log");
    for wrapper in [r#"a0="sudo" a1="timeout""#, r#"a0="env" a1="LC_ALL=C""#, r#"a0="sh" a1="-c""#, r#"a0="nice""#] {
        assert!(raw.contains(wrapper), "{wrapper}");
    }
    let alerts = hunt_all(path, 27);
    assert_eq!(tuples(&alerts), owned(WRAPPED_ALERTS));
}

#[test]
fn the_same_executions_as_sysmon_4688_winlogbeat_and_csv_raise_the_same_alerts() {
    for (format, alerts) in hunt_renderings("real", REAL) {
        assert_eq!(tuples(&alerts), owned(REAL_ALERTS), "{format}");
    }
}

#[test]
fn windows_native_launches_alert_once_each() {
    let rows: Vec<Exec> = WINDOWS.iter().map(|w| w.0).collect();
    let want: Vec<_> = WINDOWS
        .iter()
        .filter_map(|((t, image, cmd, parent), rule)| rule.map(|r| (r, *t, file_name(image), *cmd, file_name(parent))))
        .collect();
    assert_eq!(want.len(), 6);
    for (format, alerts) in hunt_renderings("win", &rows) {
        assert_eq!(tuples(&alerts), owned(&want), "{format}");
    }
}

#[test]
fn committed_windows_fixtures_gain_only_dig_exe() {
    // crates/formats' fixtures: nslookup -type=any and python.exe dnsrecon.py are the seed's;
    // `dig.exe axfr` (BIND's Windows build) is missed by its exact `FileName =~ "dig"`.
    let want = [
        (EXT, "2026-11-27T10:00:03.789Z", "dig.exe", "dig axfr @ns1 example.com", "cmd.exe"),
        (SEED, "2026-11-27T10:00:01.123Z", "nslookup.exe", "nslookup -type=any example.com", "cmd.exe"),
        (
            SEED,
            "2026-11-27T10:00:02.456Z",
            "python.exe",
            "python.exe dnsrecon.py -d example.com -t axfr",
            "powershell.exe",
        ),
    ];
    for f in ["sysmon1.xml", "security4688.xml", "sysmon1-winlogbeat.ndjson", "security4688-winlogbeat.ndjson"] {
        let alerts = hunt(&["--quiet", &format!("crates/formats/tests/fixtures/windows/{f}")]);
        assert_eq!(tuples(&alerts), owned(&want), "{f}");
    }
}

/// Everyday administration on Linux and Windows hosts.
#[rustfmt::skip]
const BASELINE: &[Exec] = &[
    ("2026-11-27T09:00:00Z", "/usr/bin/dig", "dig www.example.com", "/usr/bin/bash"),
    ("2026-11-27T09:00:01Z", "/usr/bin/dig", "dig -x 192.0.2.10", "/usr/bin/bash"),
    ("2026-11-27T09:00:02Z", "/usr/bin/nslookup", "nslookup host01", "/usr/bin/bash"),
    ("2026-11-27T09:00:03Z", r"C:\Windows\System32\nslookup.exe", "nslookup fileserver.contoso.test", r"C:\Windows\System32\cmd.exe"),
    ("2026-11-27T09:00:04Z", "/usr/bin/python3.11", "/usr/bin/python3 /usr/bin/unattended-upgrade", "/usr/bin/systemd"),
    ("2026-11-27T09:00:05Z", "/usr/bin/python3.11", "python3 manage.py runserver 0.0.0.0:8000", "/usr/bin/bash"),
    ("2026-11-27T09:00:06Z", "/usr/bin/python3.11", "python3 report.py --out dnsrecon-results.txt", "/usr/bin/bash"),
    ("2026-11-27T09:00:07Z", "/usr/bin/python3.11", "python3 -m pip install dnsrecon", "/usr/bin/bash"),
    ("2026-11-27T09:00:08Z", "/usr/bin/perl", "/usr/bin/perl /usr/sbin/update-info-dir", "/usr/bin/dpkg"),
    ("2026-11-27T09:00:09Z", r"C:\Python311\python.exe", r"python.exe C:\scripts\inventory.py", r"C:\Windows\System32\cmd.exe"),
    ("2026-11-27T09:00:10Z", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "powershell.exe Resolve-DnsName intranet.contoso.test", r"C:\Windows\explorer.exe"),
];

#[test]
fn benign_admin_baseline_raises_nothing() {
    for (format, alerts) in hunt_renderings("baseline", BASELINE) {
        assert_eq!(tuples(&alerts), [], "{format}");
    }
}

#[test]
fn dig_short_is_flagged_by_the_seed_and_tuned_with_tool_users() {
    let rows = |device: &str| {
        format!(
            "Timestamp,DeviceName,AccountName,FileName,ProcessCommandLine\n\
             2026-11-27T09:00:00Z,{device},bob,dig,dig +short www.example.com\n\
             2026-11-27T09:00:01Z,{device},bob,dig.exe,dig.exe MX example.com\n\
             2026-11-27T09:00:02Z,{device},bob,python3.11,python3 /usr/bin/dnsrecon -d example.com\n"
        )
    };
    let d = TempDir::new("tuning");
    let ws = d.write("ws.csv", &rows("ws07"));
    let admin = d.write("admin.csv", &rows("dnsadmin-ws01"));
    let titles = |alerts: &[Value]| tuples(alerts).into_iter().map(|t| (t.0, t.2)).collect::<Vec<_>>();
    // Sorted by title: the seed's title is a prefix of the extended rule's.
    let all = [
        (SEED.to_string(), "dig".to_string()),
        (EXT.to_string(), "dig.exe".to_string()),
        (EXT.to_string(), "python3.11".to_string()),
    ];
    // The seed deliberately flags `dig +short`: without tuning all three fire, on any host.
    assert_eq!(titles(&hunt(&["--quiet", &ws])), all);
    assert_eq!(titles(&hunt(&["--quiet", &admin])), all);
    // examples/reconwatch.yml lets dnsadmin-ws* use dig (and nslookup): the seed's `dig +short` is
    // suppressed there only; dig.exe is not in its tools list, dnsrecon never is.
    let example = ["--quiet", "--config", "examples/reconwatch.yml"];
    assert_eq!(titles(&hunt(&[&example[..], &[&ws]].concat())), all);
    assert_eq!(titles(&hunt(&[&example[..], &[&admin]].concat())), all[1..]);
    // The extended rule opts into tool_users too.
    let cfg = d.write(
        "cfg.yml",
        "allow:\n  tool_users:\n    - reason: DNS administrators\n      devices: [\"dnsadmin-ws*\"]\n      \
         tools: [dig, dig.exe, \"*/dig\"]\n",
    );
    assert_eq!(titles(&hunt(&["--quiet", "--config", &cfg, &admin])), all[2..]);
    let out = run(&["hunt", "--format", "jsonl", "--config", &cfg, &admin]);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("2 suppressed"), "{summary}");
}

#[test]
fn extended_rule_repeats_the_seed_conditions_verbatim() {
    // `... and not <the seed's selections>` only prevents double alerts while the copies match.
    let load = |p: &str| -> serde_yaml::Value {
        serde_yaml::from_str(&std::fs::read_to_string(root().join(p)).unwrap()).unwrap()
    };
    let seed = load("rules/seed/tool_execution_endpoint.yml");
    let ext = load("rules/endpoint/tool_execution_extended.yml");
    let seed_det = seed["detection"].as_mapping().unwrap();
    let mut n = 0;
    for (k, v) in seed_det {
        let k = k.as_str().unwrap();
        if k == "condition" {
            continue;
        }
        assert_eq!(&ext["detection"][format!("seed_{k}").as_str()], v, "selection {k}");
        n += 1;
    }
    assert_eq!(n, 7);
    assert_eq!(
        seed_det.get("condition").and_then(serde_yaml::Value::as_str),
        Some("osint_tool or (python and python_tool_args) or (nslookup and nslookup_args) or (dig and dig_args)")
    );
    let cond = ext["detection"]["condition"].as_str().unwrap();
    assert!(
        cond.ends_with(
            "and not (seed_osint_tool or (seed_python and seed_python_tool_args) or (seed_nslookup and \
             seed_nslookup_args) or (seed_dig and seed_dig_args))"
        ),
        "{cond}"
    );
    assert_eq!(ext["reconwatch"]["alert_type"], seed["reconwatch"]["alert_type"]);
    assert_eq!(ext["reconwatch"]["risk_score"], seed["reconwatch"]["risk_score"]);
    assert_eq!(ext["reconwatch"]["allow"], seed["reconwatch"]["allow"]);
}

#[test]
fn no_execution_ever_raises_two_alerts() {
    // Every FileName × command line pair, one row (and one timestamp) each: at most one alert per
    // row, and both rules really fire on this mix.
    let files = [
        "dig",
        "DIG",
        "dig.exe",
        "/usr/bin/dig",
        "nslookup",
        "NSLOOKUP.EXE",
        r"C:\Windows\System32\nslookup.exe",
        "python",
        "python3",
        "Python.exe",
        "python3.11",
        "pythonw.exe",
        "py.exe",
        "perl",
        "ruby",
        "node.exe",
        "powershell.exe",
        "pwsh",
        "dnsrecon",
        "fierce.py",
        "timeout",
        "sudo",
        "sh",
        "cmd.exe",
        "env",
    ];
    let cmds = [
        "x axfr @ns1 example.com",
        "x +short www.example.com",
        "x -type=any example.com",
        "x ls -d example.com",
        "x /usr/bin/dnsrecon -d example.com",
        r"x C:\tools\fierce\fierce.py --domain example.com",
        "x /usr/bin/dnsenum example.com",
        "x dnsenum.pl example.com",
        "x -m knockpy example.com",
        "x dnsrecon.ps1 -Domain example.com",
        "x -c \"Resolve-DnsName example.com -Type MX\"",
        "x timeout 60 dnsrecon -d example.com",
        "x www.example.com",
        "x -c print(1)",
        "x mydnsrecon.py",
    ];
    let mut csv = String::from("Timestamp,DeviceName,AccountName,FileName,ProcessCommandLine\n");
    let mut n = 0;
    for f in files {
        for c in cmds {
            csv += &format!("2026-11-27T10:{:02}:{:02}Z,h{n},u,{},{}\n", n / 60, n % 60, csv_field(f), csv_field(c));
            n += 1;
        }
    }
    let d = TempDir::new("pairs");
    let alerts = hunt_all(&d.write("DeviceProcessEvents.csv", &csv), n);
    let mut hosts: Vec<&str> = alerts.iter().map(|a| a["DeviceName"].as_str().unwrap()).collect();
    hosts.sort();
    let before = hosts.len();
    hosts.dedup();
    assert_eq!(hosts.len(), before, "some execution raised two alerts");
    let count = |t: &str| alerts.iter().filter(|a| a["RuleTitle"] == t).count();
    assert!(count(SEED) > 20 && count(EXT) > 20, "seed {} extended {}", count(SEED), count(EXT));
}
