//! A real BIND 9 in network namespaces, real `dig` queries and zone transfers against it, and our
//! `bind` reader on the logs it wrote. Needs root and the Debian packages `bind9`,
//! `bind9-dnsutils`, `iproute2` (and `unshare` from util-linux); skips with a printed reason
//! without them. The lab itself is `tests/lab/bind_lab.sh`; no packet leaves its namespaces.

use event::{DnsEvent, DnsKind, Event, QType, TransferOutcome, Transport};
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
        // Only our named: the pid file's process, if it still is a `named`.
        if let Ok(pid) = std::fs::read_to_string(self.dir.join("named.pid")) {
            let pid = pid.trim();
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if comm.trim() == "named" {
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
        assert_eq!(q.server_ip, ip("192.0.2.53"));
        let view = if client == "10.0.0.5" { "internal" } else { "external" };
        assert_eq!(q.view.as_deref(), Some(view), "{q:?}");
        let is_xfr = matches!(q.qtype, Some(QType::AXFR | QType::IXFR));
        if is_xfr || q.name == "www.example.test" && client == "198.51.100.7" {
            assert_eq!(q.transport, Some(Transport::Tcp), "{q:?}");
        }
        *per_client.entry((client, q.qtype.unwrap().to_string())).or_default() += 1;
    }
    let expected: BTreeMap<(String, String), u32> = [
        ("10.0.0.5", "A", 1),
        ("10.0.0.5", "AXFR", 1),
        ("198.51.100.7", "A", 1),
        ("198.51.100.7", "ANY", 1),
        ("198.51.100.7", "AXFR", 1),
        ("198.51.100.7", "IXFR", 1),
        ("198.51.100.7", "MX", 1),
        ("198.51.100.7", "NS", 1),
        ("198.51.100.7", "TXT", 1),
        ("203.0.113.9", "A", 2),
        ("203.0.113.9", "AAAA", 1),
        ("203.0.113.9", "AXFR", 1),
        ("203.0.113.9", "IXFR", 1),
    ]
    .into_iter()
    .map(|(c, t, n)| ((c.to_string(), t.to_string()), n))
    .collect();
    assert_eq!(per_client, expected);

    let got: Vec<_> = transfers
        .iter()
        .map(|t| {
            assert_eq!((t.kind, t.name.as_str()), (DnsKind::Transfer, "example.test"));
            (t.client_ip.unwrap().to_string(), t.qtype, t.transfer, t.transfer_records, t.view.as_deref().unwrap())
        })
        .collect();
    use TransferOutcome::*;
    let want = vec![
        ("198.51.100.7", QType::AXFR, Started, None, "external"),
        ("198.51.100.7", QType::AXFR, Completed, Some(9), "external"),
        ("198.51.100.7", QType::IXFR, Started, None, "external"),
        ("198.51.100.7", QType::IXFR, Completed, Some(9), "external"),
        ("203.0.113.9", QType::AXFR, Denied, None, "external"),
        ("203.0.113.9", QType::IXFR, Denied, None, "external"),
        ("10.0.0.5", QType::AXFR, Started, None, "internal"),
        ("10.0.0.5", QType::AXFR, Completed, Some(9), "internal"),
    ];
    let want: Vec<_> = want.into_iter().map(|(c, q, o, n, v)| (c.to_string(), Some(q), Some(o), n, v)).collect();
    assert_eq!(got, want);
    drop(lab);
    assert!(!dir.exists() || std::env::var_os("RW_KEEP_LAB").is_some());
}
