//! `hunt --dnstap-socket` / `--dnstap-tcp`: live Frame Streams senders (the real BIND dnstap
//! fixture, replayed) on a unix socket and a loopback TCP port at once — several concurrent, one
//! that disconnects and reconnects, two that break the protocol — alerts written while the
//! listener runs, then SIGTERM: the last alerts and the summary are written, exit 0.

use crate::{bin, root, run, TempDir};
use formats::wire::fstrm::{self, control_frame, FstrmReader, Step, DNSTAP_CONTENT_TYPE};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::process::{Child, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const ZONE_TRANSFER: &str = "External DNS Zone Transfer Attempt";
const BULK: &str = "Bulk External DNS Enumeration";

/// The data frames of the real BIND 9.18 dnstap file: 19 messages, 3 zone-transfer alerts (AXFR
/// from .7 and .9, ANY from .7) and 5 enumeration queries from 198.51.100.7 per replay.
fn fixture_frames() -> Vec<Vec<u8>> {
    let bytes = std::fs::read(root().join("crates/formats/tests/fixtures/dnstap/bind-9.18.dnstap")).unwrap();
    let mut r = FstrmReader::new(BufReader::new(&bytes[..]), DNSTAP_CONTENT_TYPE, 1 << 20);
    let mut out = Vec::new();
    while let Step::Data(d) = r.next_frame().unwrap() {
        out.push(d.to_vec());
    }
    out
}

fn expect<R: Read>(s: &mut R, want: &[u8], what: &str) {
    let mut got = vec![0; want.len()];
    s.read_exact(&mut got).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(got, want, "{what}");
}

/// A well-behaved sender: READY, ACCEPT, START, the frames, STOP, FINISH.
fn stream<S: Read + Write>(mut s: S, frames: &[Vec<u8>]) {
    s.write_all(&control_frame(fstrm::CONTROL_READY, Some(DNSTAP_CONTENT_TYPE))).unwrap();
    expect(&mut s, &control_frame(fstrm::CONTROL_ACCEPT, Some(DNSTAP_CONTENT_TYPE)), "ACCEPT");
    let mut out = control_frame(fstrm::CONTROL_START, Some(DNSTAP_CONTENT_TYPE));
    for f in frames {
        out.extend_from_slice(&(f.len() as u32).to_be_bytes());
        out.extend_from_slice(f);
    }
    out.extend_from_slice(&control_frame(fstrm::CONTROL_STOP, None));
    s.write_all(&out).unwrap();
    expect(&mut s, &control_frame(fstrm::CONTROL_FINISH, None), "FINISH");
}

/// The running listener, its alerts (stdout lines) and its stderr as they arrive.
struct Live {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
    unix: String,
    tcp: String,
}

impl Live {
    fn start(dir: &TempDir) -> Live {
        let unix = dir.0.join("dnstap.sock").to_string_lossy().into_owned();
        let mut child = bin()
            .current_dir(root())
            .args(["hunt", "--format", "jsonl", "--max-frame", "4096", "--dnstap-socket", &unix])
            .args(["--dnstap-tcp", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start reconwatch");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = BufReader::new(child.stdout.take().unwrap());
        let sink = lines.clone();
        std::thread::spawn(move || out.lines().map_while(Result::ok).for_each(|l| sink.lock().unwrap().push(l)));
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel();
        let err = BufReader::new(child.stderr.take().unwrap());
        let all = stderr.clone();
        std::thread::spawn(move || {
            for l in err.lines().map_while(Result::ok) {
                if let Some(name) = l.strip_prefix("reconwatch: listening for dnstap on ") {
                    let _ = tx.send(name.to_string());
                }
                all.lock().unwrap().push_str(&format!("{l}\n"));
            }
        });
        let mut names: Vec<String> =
            (0..2).map(|_| rx.recv_timeout(Duration::from_secs(30)).expect("listening")).collect();
        names.sort();
        assert_eq!(names[1], format!("unix:{unix}"));
        let tcp = names[0].strip_prefix("tcp:").expect("a TCP listener").to_string();
        assert!(tcp.starts_with("127.0.0.1:") && !tcp.ends_with(":0"), "{tcp}");
        Live { child, lines, stderr, unix, tcp }
    }

    fn alerts(&self) -> Vec<Value> {
        self.lines.lock().unwrap().iter().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
    }

    fn count(&self, title: &str, client: &str) -> usize {
        self.alerts().iter().filter(|a| a["RuleTitle"] == title && a["ClientIP"] == client).count()
    }

    /// Waits (bounded) until `title` has `n` alerts for `client`.
    fn wait_for(&self, title: &str, client: &str, n: usize) {
        let start = Instant::now();
        while self.count(title, client) < n {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{title} {client}: {} of {n}",
                self.count(title, client)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn live_senders_alerts_as_they_fire_and_sigterm_flushes() {
    let dir = TempDir::new("live");
    let live = Live::start(&dir);
    let frames = Arc::new(fixture_frames());
    assert_eq!(frames.len(), 19);
    let mut senders = Vec::new();
    // Three concurrent senders on each socket: six replays.
    for _ in 0..3 {
        let (f, path) = (frames.clone(), live.unix.clone());
        senders.push(std::thread::spawn(move || stream(UnixStream::connect(path).unwrap(), &f)));
        let (f, addr) = (frames.clone(), live.tcp.clone());
        senders.push(std::thread::spawn(move || stream(TcpStream::connect(addr).unwrap(), &f)));
    }
    // One that sends half, ends its stream, reconnects and sends the rest: the seventh replay.
    let (f, path) = (frames.clone(), live.unix.clone());
    senders.push(std::thread::spawn(move || {
        stream(UnixStream::connect(&path).unwrap(), &f[..9]);
        stream(UnixStream::connect(&path).unwrap(), &f[9..]);
    }));
    // One offering another content type: no ACCEPT, the connection is closed.
    let addr = live.tcp.clone();
    senders.push(std::thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(&control_frame(fstrm::CONTROL_READY, Some(b"protobuf:other"))).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "no ACCEPT for a foreign content type");
    }));
    // One that sends an oversize frame (skipped, the stream goes on), then a control frame of an
    // unknown type (the connection is closed).
    let path = live.unix.clone();
    senders.push(std::thread::spawn(move || {
        let mut s = UnixStream::connect(path).unwrap();
        s.write_all(&control_frame(fstrm::CONTROL_READY, Some(DNSTAP_CONTENT_TYPE))).unwrap();
        expect(&mut s, &control_frame(fstrm::CONTROL_ACCEPT, Some(DNSTAP_CONTENT_TYPE)), "ACCEPT");
        let mut out = control_frame(fstrm::CONTROL_START, Some(DNSTAP_CONTENT_TYPE));
        out.extend_from_slice(&10_000u32.to_be_bytes());
        out.extend_from_slice(&[0u8; 10_000]);
        out.extend_from_slice(&control_frame(9, None));
        s.write_all(&out).unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.is_empty(), "no FINISH after a protocol violation");
    }));
    for s in senders {
        s.join().expect("sender");
    }
    // Alerts arrive while the listener runs: 7 replays x (AXFR + ANY from .7, AXFR from .9),
    // and 35 enumeration queries from .7 trip the bulk rule (> 30) once.
    live.wait_for(ZONE_TRANSFER, "198.51.100.7", 14);
    live.wait_for(ZONE_TRANSFER, "203.0.113.9", 7);
    live.wait_for(BULK, "198.51.100.7", 1);

    // One more replay, then SIGTERM at once: whatever is queued or held is written at the end.
    stream(UnixStream::connect(&live.unix).unwrap(), &frames);
    let mut live = live;
    let status = std::process::Command::new("kill").args(["-TERM", &live.child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let start = Instant::now();
    let code = loop {
        if let Some(code) = live.child.try_wait().unwrap() {
            break code;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "reconwatch did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(200)); // the reader threads see EOF
    assert!(code.success(), "{code:?}: {}", live.stderr.lock().unwrap());
    assert_eq!(live.count(ZONE_TRANSFER, "198.51.100.7"), 16);
    assert_eq!(live.count(ZONE_TRANSFER, "203.0.113.9"), 8);
    assert_eq!(live.count(BULK, "198.51.100.7"), 1, "one window, one alert");
    assert_eq!(live.count(BULK, "203.0.113.9"), 0);
    let err = live.stderr.lock().unwrap().clone();
    assert!(err.contains("Summary: 2 input(s), 152 events, 3 rejected record(s)"), "{err}");
    assert!(
        err.contains(&format!("unix:{}: 7 connection(s): 6 ended with STOP, 1 closed on an error", live.unix)),
        "{err}"
    );
    assert!(
        err.contains(&format!("tcp:{}: 4 connection(s): 3 ended with STOP, 1 closed on an error", live.tcp)),
        "{err}"
    );
    assert!(err.contains("is not `protobuf:dnstap.Dnstap`; connection closed"), "{err}");
    assert!(err.contains("data frame of 10000 bytes exceeds the limit of 4096"), "{err}");
    assert!(err.contains("unexpected control frame type 9; connection closed"), "{err}");
    assert!(err.contains("(SIGTERM)"), "{err}");
    assert!(!std::path::Path::new(&live.unix).exists(), "the socket file is removed");
}

#[test]
fn live_usage_errors_are_clear() {
    let d = TempDir::new("live-usage");
    let sock = d.0.join("s.sock").to_string_lossy().into_owned();
    let out = run(&["hunt", "--format", "json", "--dnstap-socket", &sock]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("use jsonl"));
    let out = run(&["hunt", "--dnstap-tcp", "localhost", "x.log"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
    let out = run(&["hunt", "--dnstap-tcp", "nowhere"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a port nor an address:port"));
    let file = d.write("plain", "not a socket");
    let out = run(&["hunt", "--dnstap-socket", &file]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a socket"));
}
