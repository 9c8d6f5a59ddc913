//! Real software end to end: BIND `named` with `dnstap { all; }` answers real `dig` queries
//! inside two network namespaces this test creates (server 192.0.2.53; clients 198.51.100.7,
//! allowed to transfer, and 203.0.113.9, denied) while `dumpcap` (pcapng) and `tcpdump` (pcap)
//! record the veth. Then (a) every dnstap frame decoded by our layers must agree with
//! `dnstap-ldns -y` (type, addresses, port, name, type, rcode) and the `dnstap` reader must give
//! one Query per query frame; (b) both captures read by our `pcap`/`pcapng` readers must give
//! the same queries, and the AXFR outcomes (completed with dig's record count for .7, denied for
//! .9). Nothing leaves the namespaces.
//!
//! Needs root and: bind9 bind9-dnsutils tshark (dumpcap) tcpdump dnstap-ldns iproute2. Skips
//! with a printed reason otherwise. `RW_UPDATE_FIXTURES=1` copies the captures to
//! tests/fixtures/{dnstap,pcap}/.

use event::{DnsEvent, DnsKind, Event, QType, Rcode, TransferOutcome};
use formats::wire::dns;
use formats::wire::dnstap_pb::{self, MessageType};
use formats::wire::fstrm::{self, FstrmReader, Step};
use formats::{open_reader, ReadOptions, Rejects, Source};
use std::collections::BTreeMap;
use std::fs;
use std::io::{BufReader, Cursor};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = "192.0.2.53";
const ALLOWED: &str = "198.51.100.7";
const DENIED: &str = "203.0.113.9";

/// Namespaces, processes and files of one run; torn down on every path.
struct Lab {
    dir: PathBuf,
    srv: String,
    cli: String,
    children: Vec<Child>,
}

impl Lab {
    fn ip(&self, args: &[&str]) -> Result<(), String> {
        let out = Command::new("ip").args(args).output().map_err(|e| format!("ip: {e}"))?;
        if !out.status.success() {
            return Err(format!("ip {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr)));
        }
        Ok(())
    }

    fn setup(&self) -> Result<(), String> {
        let (s, c) = (self.srv.as_str(), self.cli.as_str());
        self.ip(&["netns", "add", s])?;
        self.ip(&["netns", "add", c])?;
        self.ip(&["-n", s, "link", "add", "vs", "type", "veth", "peer", "name", "vc", "netns", c])?;
        self.ip(&["-n", s, "addr", "add", "192.0.2.53/24", "dev", "vs"])?;
        self.ip(&["-n", c, "addr", "add", "198.51.100.7/24", "dev", "vc"])?;
        self.ip(&["-n", c, "addr", "add", "203.0.113.9/24", "dev", "vc"])?;
        for (ns, dev) in [(s, "vs"), (s, "lo"), (c, "vc"), (c, "lo")] {
            self.ip(&["-n", ns, "link", "set", dev, "up"])?;
        }
        self.ip(&["-n", s, "route", "add", "198.51.100.0/24", "dev", "vs"])?;
        self.ip(&["-n", s, "route", "add", "203.0.113.0/24", "dev", "vs"])?;
        self.ip(&["-n", c, "route", "add", "192.0.2.0/24", "dev", "vc"])?;
        Ok(())
    }

    /// Starts `cmd` inside namespace `ns`, stderr+stdout to `log`.
    fn spawn(&mut self, ns: &str, cmd: &[&str], log: &str) -> Result<(), String> {
        let f = fs::File::create(self.dir.join(log)).map_err(|e| e.to_string())?;
        let f2 = f.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .args(cmd)
            .stdin(Stdio::null())
            .stdout(f)
            .stderr(f2)
            .spawn()
            .map_err(|e| format!("{}: {e}", cmd[0]))?;
        self.children.push(child);
        Ok(())
    }

    fn wait_log(&self, log: &str, needle: &str) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if fs::read_to_string(self.dir.join(log)).is_ok_and(|s| s.contains(needle)) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("{log}: no `{needle}` after 20 s: {}", fs::read_to_string(self.dir.join(log)).unwrap_or_default()))
    }

    /// Stops child `i` with `signal` and waits for it.
    fn stop(&mut self, i: usize, signal: &str) {
        let Some(child) = self.children.get_mut(i) else { return };
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        let _ = Command::new("kill").args([signal, &child.id().to_string()]).status();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    fn dig(&self, src: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.cli, "dig", "-b", src, "@192.0.2.53", "+tries=1", "+time=3"])
            .args(args)
            .output()
            .expect("dig")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for i in 0..self.children.len() {
            self.stop(i, "-TERM");
        }
        let _ = Command::new("ip").args(["netns", "del", &self.srv]).status();
        let _ = Command::new("ip").args(["netns", "del", &self.cli]).status();
    }
}

fn missing_prerequisite() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if uid.as_deref() != Some("0") {
        return Some("needs root (network namespaces)".into());
    }
    for tool in ["ip", "named", "dig", "dumpcap", "tcpdump", "dnstap-ldns"] {
        let found =
            Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!(
                "`{tool}` not installed (apt-get install bind9 bind9-dnsutils tshark tcpdump dnstap-ldns)"
            ));
        }
    }
    None
}

fn write_config(dir: &Path) {
    let d = dir.display();
    let conf = format!(
        r#"options {{
  directory "{d}";
  listen-on port 53 {{ 192.0.2.53; }};
  listen-on-v6 {{ none; }};
  recursion no;
  allow-transfer {{ 198.51.100.7; }};
  transfer-message-size 1024;
  dnstap {{ all; }};
  dnstap-output file "{d}/dnstap.fstrm";
  dnstap-identity "ns1.example.test";
  pid-file "{d}/named.pid";
  session-keyfile "{d}/session.key";
  dnssec-validation no;
}};
controls {{ }};
zone "example.test" {{ type primary; file "{d}/example.test.zone"; }};
"#
    );
    fs::write(dir.join("named.conf"), conf).unwrap();
    let mut zone = String::from(
        "$TTL 300\n@ IN SOA ns1.example.test. hostmaster.example.test. 2026112701 3600 600 86400 300\n\
         @ IN NS ns1\n@ IN MX 10 mail\n@ IN TXT \"v=spf1 -all\"\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\n\
         mail IN A 192.0.2.25\n",
    );
    for i in 1..=60 {
        zone.push_str(&format!("host{i} IN A 192.0.2.{}\n", 100 + i));
    }
    fs::write(dir.join("example.test.zone"), zone).unwrap();
}

/// One dnstap message as `dnstap-ldns -y` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ref {
    mtype: String,
    query_address: String,
    query_port: String,
    question: String,
    rcode: String,
}

fn parse_ldns_yaml(text: &str) -> Vec<Ref> {
    let mut out = Vec::new();
    for doc in text.split("\n---").filter(|d| d.contains("message:")) {
        let field = |k: &str| {
            doc.lines()
                .find_map(|l| l.trim_start().strip_prefix(k).map(|v| v.trim().trim_matches('"').to_string()))
                .unwrap_or_default()
        };
        let mut lines = doc.lines().map(str::trim);
        let question = lines
            .by_ref()
            .skip_while(|l| *l != ";; QUESTION SECTION:")
            .nth(1)
            .map(|l| l.trim_start_matches(';').split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let header = field(";; ->>HEADER<<-");
        let rcode = header.split("rcode: ").nth(1).and_then(|r| r.split(',').next()).unwrap_or("").to_string();
        out.push(Ref {
            mtype: doc.lines().find_map(|l| l.strip_prefix("  type: ")).unwrap_or("").trim().to_string(),
            query_address: field("query_address:"),
            query_port: field("query_port:"),
            question,
            rcode,
        });
    }
    out
}

/// The same fields from our own layers, frame by frame.
fn decode_ours(path: &Path) -> Vec<Ref> {
    let f = BufReader::new(fs::File::open(path).unwrap());
    let mut r = FstrmReader::new(f, fstrm::DNSTAP_CONTENT_TYPE, 1 << 20);
    let mut out = Vec::new();
    let mut name = String::new();
    while let Step::Data(frame) = r.next_frame().expect("frame stream") {
        let d = dnstap_pb::decode(frame).expect("protobuf");
        let m = d.message;
        let mt = MessageType::from_u64(m.mtype.unwrap()).unwrap();
        let msg = if mt.is_query() { m.query_message } else { m.response_message }.unwrap();
        let s = dns::parse(msg, &mut name).expect("dns");
        let q = s.question.unwrap();
        let addr: [u8; 4] = m.query_address.unwrap().try_into().unwrap();
        out.push(Ref {
            mtype: mt.name().to_string(),
            query_address: IpAddr::from(addr).to_string(),
            query_port: m.query_port.unwrap().to_string(),
            question: format!("{name}. IN {}", QType(q.qtype)),
            rcode: Rcode(s.header.rcode()).to_string(),
        });
    }
    out
}

fn read_events(path: &Path) -> (Vec<DnsEvent>, Rejects, &'static str) {
    let bytes = fs::read(path).unwrap();
    let src = Source { name: path.display().to_string().into(), path: None, reader: Box::new(Cursor::new(bytes)) };
    let (spec, mut r) = open_reader(src, None, &ReadOptions::default()).expect("open");
    let mut out = Event::Dns(DnsEvent::default());
    let mut rejects = Rejects::default();
    let mut evs = Vec::new();
    while r.read(&mut out, &mut rejects).unwrap() {
        if let Event::Dns(d) = &out {
            evs.push(d.clone());
        }
    }
    (evs, rejects, spec.name)
}

/// Queries as (client, name, type), sorted.
fn queries(evs: &[DnsEvent]) -> Vec<(String, String, String)> {
    let mut q: Vec<_> = evs
        .iter()
        .filter(|e| e.kind == DnsKind::Query)
        .map(|e| (e.client_ip.map(|i| i.to_string()).unwrap_or_default(), e.name.clone(), e.qtype.unwrap().to_string()))
        .collect();
    q.sort();
    q
}

#[test]
fn bind_dnstap_and_captures_agree_with_reference_tools() {
    if let Some(why) = missing_prerequisite() {
        println!("SKIPPED real_wire: {why}");
        return;
    }
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("rw-real-wire-{pid}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    write_config(&dir);
    let mut lab = Lab { dir: dir.clone(), srv: format!("rwS{pid}"), cli: format!("rwC{pid}"), children: Vec::new() };
    if let Err(e) = lab.setup() {
        println!("SKIPPED real_wire: cannot create network namespaces: {e}");
        return;
    }
    let srv = lab.srv.clone();
    let d = dir.display().to_string();
    lab.spawn(&srv, &["dumpcap", "-i", "vs", "-w", &format!("{d}/capture.pcapng")], "dumpcap.log").unwrap();
    lab.spawn(&srv, &["tcpdump", "-n", "-U", "-i", "vs", "-w", &format!("{d}/capture.pcap")], "tcpdump.log").unwrap();
    lab.wait_log("dumpcap.log", "Capturing on").unwrap();
    lab.wait_log("tcpdump.log", "listening on").unwrap();
    lab.spawn(&srv, &["named", "-g", "-u", "root", "-c", &format!("{d}/named.conf")], "named.log").unwrap();
    lab.wait_log("named.log", "all zones loaded").unwrap();
    lab.wait_log("named.log", "running").unwrap();

    let asked: &[(&str, &[&str])] = &[
        (ALLOWED, &["www.example.test", "A"]),
        (ALLOWED, &["example.test", "NS"]),
        (ALLOWED, &["example.test", "MX"]),
        (ALLOWED, &["example.test", "TXT"]),
        (ALLOWED, &["example.test", "ANY"]),
        (ALLOWED, &["host7.example.test", "A", "+tcp"]),
        (DENIED, &["nope.example.test", "A"]),
        (DENIED, &["mail.example.test", "A"]),
    ];
    for (src, args) in asked {
        let o = lab.dig(src, args);
        assert!(String::from_utf8_lossy(&o.stdout).contains("->>HEADER<<-"), "dig {args:?}: {o:?}");
    }
    let axfr = lab.dig(ALLOWED, &["example.test", "AXFR"]);
    let axfr_text = String::from_utf8_lossy(&axfr.stdout).to_string();
    let records: u64 = axfr_text
        .split("XFR size: ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no XFR size in dig output: {axfr_text}"));
    let messages: u64 =
        axfr_text.split("(messages ").nth(1).and_then(|s| s.split(',').next()).unwrap().parse().unwrap();
    let denied = lab.dig(DENIED, &["example.test", "AXFR"]);
    assert!(String::from_utf8_lossy(&denied.stdout).contains("Transfer failed"), "{denied:?}");
    std::thread::sleep(Duration::from_millis(300));
    lab.stop(2, "-TERM"); // named flushes and closes the dnstap file
    std::thread::sleep(Duration::from_millis(300));
    lab.stop(0, "-INT");
    lab.stop(1, "-INT");
    println!("AXFR: {records} records in {messages} messages");
    assert!(messages > 1, "transfer-message-size should split the AXFR");

    // (a) dnstap against dnstap-ldns.
    let tap = dir.join("dnstap.fstrm");
    let ldns = Command::new("dnstap-ldns").args(["-y", "-r"]).arg(&tap).output().unwrap();
    assert!(ldns.status.success(), "{ldns:?}");
    let reference = parse_ldns_yaml(&String::from_utf8_lossy(&ldns.stdout));
    let ours = decode_ours(&tap);
    assert!(reference.len() >= 2 * asked.len(), "{reference:#?}");
    assert_eq!(ours, reference);
    let (tap_events, rej, fmt) = read_events(&tap);
    assert_eq!((fmt, rej.count), ("dnstap", 0), "{:?}", rej.kept);
    let query_frames = reference.iter().filter(|r| r.mtype.ends_with("_QUERY")).count();
    assert_eq!(tap_events.iter().filter(|e| e.kind == DnsKind::Query).count(), query_frames);
    let mut expected: Vec<(String, String, String)> = asked
        .iter()
        .map(|(src, a)| (src.to_string(), a[0].to_string(), a[1].to_string()))
        .chain(
            [(ALLOWED, "AXFR"), (DENIED, "AXFR")]
                .map(|(s, t)| (s.to_string(), "example.test".to_string(), t.to_string())),
        )
        .collect();
    expected.sort();
    assert_eq!(queries(&tap_events), expected);
    let tap_denied: Vec<_> = tap_events.iter().filter(|e| e.kind == DnsKind::Transfer).collect();
    // BIND 9.18 logs the AXFR query but not the xfr-out messages, and the REFUSED answer.
    assert!(tap_denied
        .iter()
        .any(|e| e.transfer == Some(TransferOutcome::Denied) && e.client_ip == Some(DENIED.parse().unwrap())));
    assert!(tap_events.iter().all(|e| e.server == "ns1.example.test" && e.server_ip == Some(SERVER.parse().unwrap())));

    // (b) both captures.
    for cap in ["capture.pcapng", "capture.pcap"] {
        let (evs, rej, fmt) = read_events(&dir.join(cap));
        assert_eq!(fmt, cap.split('.').nth(1).unwrap());
        assert_eq!(rej.count, 0, "{cap}: {:?}", rej.kept);
        assert_eq!(queries(&evs), expected, "{cap}");
        let transfers: BTreeMap<String, (Option<TransferOutcome>, Option<u64>)> = evs
            .iter()
            .filter(|e| e.kind == DnsKind::Transfer)
            .map(|e| (e.client_ip.unwrap().to_string(), (e.transfer, e.transfer_records)))
            .collect();
        assert_eq!(transfers[ALLOWED], (Some(TransferOutcome::Completed), Some(records)), "{cap}");
        assert_eq!(transfers[DENIED], (Some(TransferOutcome::Denied), Some(0)), "{cap}");
        let nx = evs.iter().find(|e| e.kind == DnsKind::Response && e.name == "nope.example.test").unwrap();
        assert_eq!(nx.rcode, Some(Rcode::NXDOMAIN));
        assert!(evs.iter().all(|e| e.server_ip == Some(SERVER.parse().unwrap())), "{cap}");
    }

    if std::env::var_os("RW_UPDATE_FIXTURES").is_some() {
        let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        fs::copy(&tap, fx.join("dnstap/bind-9.18.dnstap")).unwrap();
        fs::copy(dir.join("capture.pcapng"), fx.join("pcap/bind-9.18-axfr.pcapng")).unwrap();
        fs::copy(dir.join("capture.pcap"), fx.join("pcap/bind-9.18-axfr.pcap")).unwrap();
        fs::write(fx.join("dnstap/bind-9.18.ldns.yaml"), &ldns.stdout).unwrap();
    }
    drop(lab);
    let _ = fs::remove_dir_all(&dir);
}
