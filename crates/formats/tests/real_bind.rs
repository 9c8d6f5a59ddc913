//! A real BIND 9 in network namespaces, real `dig` queries and zone transfers against it, and our
//! `bind` reader on the logs it wrote. Needs root and the Debian packages `bind9`,
//! `bind9-dnsutils`, `iproute2` (and `unshare` from util-linux); skips with a printed reason
//! without them. The lab itself is `tests/lab/bind_lab.sh`; no packet leaves its namespaces.

use event::{DnsEvent, DnsKind, Event, QType, Rcode, TransferOutcome, Transport};
use formats::{input, open_reader, ReadOptions, Rejects};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn missing_prerequisite() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:")).and_then(|l| l.split_whitespace().next());
    if uid != Some("0") {
        return Some("not running as root (network namespaces need it)".into());
    }
    let path = std::env::var("PATH").unwrap_or_default();
    let dirs: Vec<&str> = path.split(':').chain(["/usr/sbin", "/sbin"]).collect();
    for tool in ["named", "dig", "ip", "unshare"] {
        if !dirs.iter().any(|d| Path::new(d).join(tool).is_file()) {
            return Some(format!(
                "`{tool}` not installed (apt-get install -y bind9 bind9-dnsutils iproute2 util-linux)"
            ));
        }
    }
    None
}

/// Removes the namespaces, stops named and deletes the work directory, however the test ends.
struct Lab {
    dir: PathBuf,
    tag: String,
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Only our daemons: the pid files' processes, if they still are what they were.
        for (file, name) in [("named.pid", "named"), ("rsyslog.pid", "rsyslogd")] {
            let Ok(pid) = std::fs::read_to_string(self.dir.join(file)) else { continue };
            let pid = pid.trim();
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == name {
                let _ = Command::new("kill").arg(pid).status();
            }
        }
        for suffix in ["s", "a", "b"] {
            let ns = format!("rw{}{suffix}", self.tag);
            if Path::new("/run/netns").join(&ns).exists() {
                let _ = Command::new("ip").args(["netns", "del", &ns]).status();
            }
        }
        if std::env::var_os("RW_KEEP_LAB").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

fn read_all(path: &Path) -> (Vec<DnsEvent>, Rejects) {
    let src = input::open(&input::InputPath::File(path.to_path_buf())).expect("open log");
    let (spec, mut reader) = open_reader(src, None, &ReadOptions::default()).expect("sniffed");
    assert_eq!(spec.name, "bind", "{} sniffs as bind", path.display());
    let mut rejects = Rejects::default();
    let mut out = Event::Dns(DnsEvent::default());
    let mut events = Vec::new();
    while reader.read(&mut out, &mut rejects).expect("read") {
        let Event::Dns(d) = &out else { panic!("not a DNS event: {out:?}") };
        events.push(d.clone());
    }
    (events, rejects)
}

/// What identifies an event across the file channel and syslog (times differ slightly).
fn key(e: &DnsEvent) -> String {
    let transfer = e.transfer.map(|t| t.as_str());
    format!(
        "{:?} {:?} {:?} {:?} {} {transfer:?} {:?}",
        e.kind, e.client_ip, e.client_port, e.qtype, e.name, e.transfer_records
    )
}

fn ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

#[test]
fn real_bind_queries_and_transfers() {
    if let Some(why) = missing_prerequisite() {
        println!("SKIPPED real_bind: {why}");
        return;
    }
    let pid = std::process::id();
    let tag = format!("{}", pid % 100_000);
    let dir = std::env::temp_dir().join(format!("rw-bind-lab-{pid}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let lab = Lab { dir: dir.clone(), tag: tag.clone() };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lab/bind_lab.sh");
    let before = std::time::SystemTime::now();
    let out = Command::new("timeout").arg("120").arg("sh").arg(&script).arg(&dir).arg(&tag).output().unwrap();
    let after = std::time::SystemTime::now();
    assert!(
        out.status.success(),
        "lab failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let axfr = std::fs::read_to_string(dir.join("axfr-allowed.txt")).unwrap();
    assert!(axfr.contains("www.example.test.") && axfr.contains("XFR size: 9 records"), "{axfr}");

    let (queries, qrej) = read_all(&dir.join("log/queries.log"));
    let (transfers, xrej) = read_all(&dir.join("log/xfer.log"));
    assert_eq!((qrej.count, xrej.count), (0, 0), "{:?} {:?}", qrej.kept, xrej.kept);

    let secs = |t: std::time::SystemTime| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let mut per_client: BTreeMap<(String, String), u32> = BTreeMap::new();
    for q in &queries {
        assert_eq!(q.kind, DnsKind::Query);
        assert!(q.time.secs() >= secs(before) - 1 && q.time.secs() <= secs(after) + 1, "time {}", q.time);
        let client = q.client_ip.unwrap().to_string();
        if client == "127.0.0.1" {
            continue; // the lab's readiness probes
        }
        let server = if client.contains(':') { "2001:db8::53" } else { "192.0.2.53" };
        assert_eq!(q.server_ip, ip(server));
        let view = if client == "10.0.0.5" { "internal" } else { "external" };
        assert_eq!(q.view.as_deref(), Some(view), "{q:?}");
        let is_xfr = matches!(q.qtype, Some(QType::AXFR | QType::IXFR));
        if q.extra.get("Flags") == Some("-") {
            // The lab's hand-made AXFR over UDP.
            assert_eq!(
                (client.as_str(), q.qtype, q.transport),
                ("198.51.100.7", Some(QType::AXFR), Some(Transport::Udp))
            );
        } else if is_xfr || q.name == "www.example.test" && client == "198.51.100.7" {
            assert_eq!(q.transport, Some(Transport::Tcp), "{q:?}");
        }
        *per_client.entry((client, q.qtype.unwrap().to_string())).or_default() += 1;
    }
    let expected: BTreeMap<(String, String), u32> = [
        ("10.0.0.5", "A", 1),
        ("10.0.0.5", "AXFR", 1),
        ("198.51.100.7", "A", 1),
        ("198.51.100.7", "ANY", 1),
        ("198.51.100.7", "AXFR", 2),
        ("198.51.100.7", "IXFR", 1),
        ("198.51.100.7", "MX", 1),
        ("198.51.100.7", "NS", 1),
        ("198.51.100.7", "TXT", 1),
        ("2001:db8::7", "A", 1),
        ("203.0.113.9", "A", 2),
        ("203.0.113.9", "AAAA", 1),
        ("203.0.113.9", "AXFR", 2),
        ("203.0.113.9", "IXFR", 1),
    ]
    .into_iter()
    .map(|(c, t, n)| ((c.to_string(), t.to_string()), n))
    .collect();
    assert_eq!(per_client, expected);

    let got: Vec<_> = transfers
        .iter()
        .map(|t| {
            assert_eq!(t.kind, DnsKind::Transfer);
            let who = (t.client_ip.unwrap().to_string(), t.name.as_str(), t.view.as_deref().unwrap());
            (who, t.qtype, t.transfer, t.transfer_records, t.rcode)
        })
        .collect();
    use TransferOutcome::*;
    let (a, b, int) = ("198.51.100.7", "203.0.113.9", "10.0.0.5");
    let (ext, t) = ("external", "example.test");
    let want = vec![
        ((a, t, ext), Some(QType::AXFR), Started, None, None),
        ((a, t, ext), Some(QType::AXFR), Completed, Some(9), None),
        ((a, t, ext), Some(QType::IXFR), Started, None, None),
        ((a, t, ext), Some(QType::IXFR), Completed, Some(9), None),
        ((a, t, ext), Some(QType::AXFR), Failed, None, Some(Rcode(1))),
        ((b, t, ext), Some(QType::AXFR), Denied, None, Some(Rcode::REFUSED)),
        ((b, t, ext), Some(QType::IXFR), Denied, None, Some(Rcode::REFUSED)),
        ((b, "example.org", ext), None, Failed, None, Some(Rcode::NOTAUTH)),
        ((int, t, "internal"), Some(QType::AXFR), Started, None, None),
        ((int, t, "internal"), Some(QType::AXFR), Completed, Some(9), None),
    ];
    let want: Vec<_> =
        want.into_iter().map(|((c, n, v), q, o, r, rc)| ((c.to_string(), n, v), q, Some(o), r, rc)).collect();
    assert_eq!(got, want);

    // The same queries through `print-time iso8601-utc` and `iso8601` (local, here UTC) channels,
    // without category and with only the severity: the same events at the same instants.
    for f in ["queries-iso-utc.log", "queries-iso-local.log"] {
        let (iso, rej) = read_all(&dir.join("log").join(f));
        assert_eq!(rej.count, 0, "{f}: {:?}", rej.kept);
        let same = |a: &DnsEvent, b: &DnsEvent| key(a) == key(b) && a.time == b.time && a.view == b.view;
        assert!(iso.len() == queries.len() && iso.iter().zip(&queries).all(|(a, b)| same(a, b)), "{f}");
    }

    // The same run through syslog: every file event once, with the syslog host as the server.
    let mut file_events: Vec<DnsEvent> = queries.iter().chain(&transfers).cloned().collect();
    file_events.sort_by_key(key);
    for f in ["syslog-3164.log", "syslog-5424.log", "syslog-3339.log"] {
        let path = dir.join("log").join(f);
        if !path.exists() {
            println!("SKIPPED real_bind syslog part ({f}): rsyslogd not installed (apt-get install -y rsyslog)");
            continue;
        }
        let (mut events, rej) = read_all(&path);
        assert_eq!(rej.count, 0, "{f}: {:?}", rej.kept);
        events.sort_by_key(key);
        assert_eq!(events.iter().map(key).collect::<Vec<_>>(), file_events.iter().map(key).collect::<Vec<_>>(), "{f}");
        for (s, e) in events.iter().zip(&file_events) {
            assert_eq!(s.server, "ns1", "{f}");
            assert!((s.time.0 - e.time.0).abs() < 1_100_000_000, "{f}: {} vs {}", s.time, e.time);
        }
    }
    drop(lab);
    assert!(!dir.exists() || std::env::var_os("RW_KEEP_LAB").is_some());
}
