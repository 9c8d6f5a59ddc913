//! Smoke test of the generator: the same seed gives the same bytes; every format it writes is read
//! by `reconwatch hunt` with zero rejects; and reconwatch finds exactly the injected attacks
//! (every burst the seed rule covers, nothing from the background). Also checks that the
//! benchmark's pure-SQL transcription of the seed (bench/seed_rule.sql) agrees with the
//! differential oracle's (skipped, saying why, when python3 cannot import duckdb).

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const EVENTS: u64 = 100_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gen(args: &[&str]) -> Vec<u8> {
    let out = Command::new(env!("CARGO_BIN_EXE_reconwatch-gen")).args(args).output().unwrap();
    assert!(out.status.success(), "reconwatch-gen {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// The reconwatch binary of the same profile, built (or brought up to date) by cargo.
fn reconwatch() -> PathBuf {
    let me = Path::new(env!("CARGO_BIN_EXE_reconwatch-gen"));
    let release = me.parent().is_some_and(|p| p.ends_with("release"));
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["build", "--quiet", "--locked", "-p", "reconwatch", "--bin", "reconwatch"]).current_dir(root());
    if release {
        cmd.arg("--release");
    }
    let st = cmd.status().unwrap();
    assert!(st.success(), "cargo build -p reconwatch failed");
    me.with_file_name(format!("reconwatch{}", std::env::consts::EXE_SUFFIX))
}

struct TempDir(PathBuf);
impl TempDir {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir().join(format!("rw-gen-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        TempDir(d)
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn same_seed_same_bytes() {
    for f in ["dnsevents-csv", "bind", "zeek", "auditd"] {
        let a = gen(&["--format", f, "--events", "5000", "--seed", "42"]);
        let b = gen(&["--format", f, "--events", "5000", "--seed", "42"]);
        let c = gen(&["--format", f, "--events", "5000", "--seed", "43"]);
        assert!(a.len() > 5000 * 40, "{f}: only {} bytes", a.len());
        assert!(a == b, "{f}: two runs with seed 42 differ");
        assert!(a != c, "{f}: seeds 42 and 43 give the same output");
        assert!(a.iter().filter(|&&b| b == b'\n').count() >= 5000, "{f}: too few lines");
    }
    for f in ["dnstap", "pcap", "pcapng"] {
        let a = gen(&["--format", f, "--events", "2000", "--seed", "42"]);
        assert!(a == gen(&["--format", f, "--events", "2000", "--seed", "42"]), "{f}: two runs with seed 42 differ");
        assert!(a != gen(&["--format", f, "--events", "2000", "--seed", "43"]), "{f}: seeds 42 and 43 agree");
    }
}

/// Runs hunt on one generated file; returns (events, rejected, alerts).
fn hunt(input_format: &str, file: &Path) -> (u64, u64, Vec<Value>) {
    let out = Command::new(reconwatch())
        .args(["hunt", "--window", "tumbling", "--input-format", input_format, "--format", "jsonl"])
        .arg(file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "hunt {input_format}: {stderr}");
    // "Summary: 1 input(s), 100000 events, 0 rejected record(s), 6 alert(s), 0 suppressed"
    let summary = stderr.lines().find(|l| l.contains("Summary:")).unwrap_or_else(|| panic!("no summary: {stderr}"));
    let num = |word: &str| -> u64 {
        let words: Vec<&str> = summary.split_whitespace().collect();
        let i = words.iter().position(|w| w.starts_with(word)).unwrap_or_else(|| panic!("{word}? {summary}"));
        words[i - 1].parse().unwrap()
    };
    let alerts = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (num("events"), num("rejected"), alerts)
}

/// Alerts per (type, ClientIP or DeviceName).
fn tally(alerts: &[Value]) -> BTreeMap<(String, String), u32> {
    let mut m = BTreeMap::new();
    for a in alerts {
        let who = a.get("ClientIP").or_else(|| a.get("DeviceName")).and_then(Value::as_str).unwrap_or("");
        *m.entry((a["AlertType"].as_str().unwrap().to_string(), who.to_string())).or_insert(0) += 1;
    }
    m
}

const ZONE: &str = "External DNS Zone Transfer Attempt";
const BULK: &str = "Bulk External DNS Enumeration";
const SUCCESS: &str = "Successful External Zone Transfer";
const BRUTE: &str = "DNS Subdomain Brute Force";
const SWEEP: &str = "Reverse DNS Sweep";
const TOOL: &str = "DNS Enumeration Tool Execution on Endpoint";

#[test]
fn reconwatch_reads_every_format_and_finds_exactly_the_injected_attacks() {
    let d = TempDir::new("hunt");
    for (f, input_format) in [("dnsevents-csv", "sentinel-csv"), ("bind", "bind"), ("zeek", "zeek-dns")] {
        let (file, manifest) = (d.0.join(f), d.0.join(format!("{f}.manifest")));
        let n = EVENTS.to_string();
        gen(&[
            "--format",
            f,
            "--events",
            &n,
            "--seed",
            "7",
            "-o",
            file.to_str().unwrap(),
            "--manifest",
            manifest.to_str().unwrap(),
        ]);
        let bursts: Vec<Vec<String>> = std::fs::read_to_string(&manifest)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        assert_eq!(bursts.len(), 8, "{f}: two cycles of four bursts: {bursts:?}");
        let mut want = BTreeMap::new();
        let mut denied = 0;
        for b in &bursts {
            match b[0].as_str() {
                "axfr" => {
                    // AXFR (completed) and IXFR (refused): one zone-transfer attempt alert each,
                    // and the completed AXFR is a successful transfer.
                    want.insert((ZONE.to_string(), b[1].clone()), 2);
                    want.insert((SUCCESS.to_string(), b[1].clone()), 1);
                    denied += 2;
                }
                "bulk-enum" => _ = want.insert((BULK.to_string(), b[1].clone()), 1),
                // 200 names, mostly NXDOMAIN: above the rule's 100 NXDOMAIN names, but under the
                // 500 names it needs where the log has no answer codes (the BIND query log).
                "brute-force" if f != "bind" => _ = want.insert((BRUTE.to_string(), b[1].clone()), 1),
                "ptr-sweep" => _ = want.insert((SWEEP.to_string(), b[1].clone()), 1),
                _ => {}
            }
        }
        let (events, rejected, alerts) = hunt(input_format, &file);
        assert_eq!(rejected, 0, "{f}: rejects");
        // BIND also logs each transfer's outcome (`xfer-out` completed, `security` denied): a
        // transfer event of its own.
        let extra = if f == "bind" { denied } else { 0 };
        assert_eq!(events, EVENTS + extra, "{f}: events read");
        assert_eq!(tally(&alerts), want, "{f}: alerts");
    }

    let (file, manifest) = (d.0.join("audit.log"), d.0.join("audit.manifest"));
    let n = EVENTS.to_string();
    gen(&[
        "--format",
        "auditd",
        "--events",
        &n,
        "--seed",
        "7",
        "-o",
        file.to_str().unwrap(),
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    let runs: Vec<String> = std::fs::read_to_string(&manifest).unwrap().lines().map(str::to_string).collect();
    assert_eq!(runs.len(), 12, "two sessions of six tool runs: {runs:?}");
    let (events, rejected, alerts) = hunt("auditd", &file);
    assert_eq!(rejected, 0, "auditd: rejects");
    // 5 % of audit events are non-exec syscalls, which are not process events.
    assert!((EVENTS * 93 / 100..EVENTS * 97 / 100).contains(&events), "auditd: {events} exec events");
    let got: BTreeSet<String> = alerts
        .iter()
        .map(|a| {
            assert_eq!(a["AlertType"], TOOL);
            format!("tool\t{}\t{}", a["DeviceName"].as_str().unwrap(), a["ProcessCommandLine"].as_str().unwrap())
        })
        .collect();
    assert_eq!(alerts.len(), 12, "auditd: one alert per tool run: {got:#?}");
    assert_eq!(got, runs.into_iter().collect::<BTreeSet<_>>());
}

/// An alert as every DNS format gives it: type, client, query type, time to the millisecond.
fn alert_keys(alerts: &[Value]) -> BTreeSet<String> {
    alerts
        .iter()
        .map(|a| {
            // To the second: a successful transfer's alert is timed by the response where the
            // source has one (dnstap, captures), a millisecond or so after the CSV's query row.
            let t = a["TimeGenerated"].as_str().unwrap();
            format!("{} {} {} {}", a["AlertType"], a["ClientIP"], a["QueryType"], &t[..t.len().min(19)])
        })
        .collect()
}

/// dnstap and the captures carry each query and its response: 2N events (N queries, N responses
/// or transfer outcomes, a completed AXFR's several messages giving one), and the same alerts as
/// the DnsEvents CSV of the same seed. Captures have no server name, so `Computer` is compared
/// for dnstap only (its `identity`).
#[test]
fn wire_formats_give_the_csv_alerts() {
    let d = TempDir::new("wire");
    let n = EVENTS.to_string();
    let path = |f: &str| d.0.join(f);
    for f in ["dnsevents-csv", "dnstap", "pcap", "pcapng"] {
        gen(&["--format", f, "--events", &n, "--seed", "11", "-o", path(f).to_str().unwrap()]);
    }
    let (events, _, csv) = hunt("sentinel-csv", &path("dnsevents-csv"));
    assert_eq!(events, EVENTS);
    assert!(tally(&csv).values().sum::<u32>() >= 6, "{csv:?}");
    let computers = |alerts: &[Value]| alerts.iter().map(|a| a["Computer"].to_string()).collect::<Vec<_>>();
    for f in ["dnstap", "pcap", "pcapng"] {
        let (events, rejected, alerts) = hunt(f, &path(f));
        assert_eq!((events, rejected), (2 * EVENTS, 0), "{f}: events, rejects");
        assert_eq!(alert_keys(&alerts), alert_keys(&csv), "{f}: alerts");
        assert_eq!(alerts.len(), csv.len(), "{f}: alert count");
        if f == "dnstap" {
            assert_eq!(computers(&alerts), computers(&csv));
        }
        let completed = alerts.iter().filter(|a| a["Evidence"]["transfer"]["outcome"] == "completed").count();
        assert!(completed >= 2, "{f}: completed transfers in the evidence: {completed}");
    }
}

/// Lines a command prints on stdout (it must succeed).
fn lines_of(cmd: &mut Command) -> Vec<String> {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

/// Real decoders read the generated files: tshark finds every query in the captures, no
/// malformed packet and no bad IP/UDP/TCP checksum; dnstap-ldns decodes every frame.
#[test]
fn real_decoders_read_the_generated_files() {
    const N: usize = 20_000;
    let d = TempDir::new("real");
    let have = |tool: &str| Command::new(tool).arg("-h").output().is_ok();
    for f in ["pcap", "pcapng", "dnstap"] {
        let tool = if f == "dnstap" { "dnstap-ldns" } else { "tshark" };
        if !have(tool) {
            eprintln!("SKIPPED {f} cross-check: {tool} is not installed (scripts/install-test-deps)");
            continue;
        }
        let file = d.0.join(f);
        gen(&["--format", f, "--events", &N.to_string(), "--seed", "3", "-o", file.to_str().unwrap()]);
        if f == "dnstap" {
            // One line per message: `DATE TIME AQ|AR|CQ|CR ADDR UDP|TCP SIZEb "NAME" IN TYPE`.
            let lines = lines_of(Command::new(tool).arg("-q").arg("-r").arg(&file));
            let queries = lines.iter().filter(|l| l.contains("Q ")).count();
            assert_eq!(queries, N, "{:?}", &lines[..lines.len().min(20)]);
            assert!(lines.len() > 2 * N, "a completed AXFR is several response messages");
            assert!(lines.iter().any(|l| l.contains("AQ 192.0.2.") && l.ends_with("IN AXFR")), "no AXFR");
            continue;
        }
        let tshark = |filter: &str| {
            let mut c = Command::new(tool);
            for check in ["ip", "udp", "tcp"] {
                c.arg("-o").arg(format!("{check}.check_checksum:TRUE"));
            }
            lines_of(c.args(["-n", "-r"]).arg(&file).args(["-Y", filter]))
        };
        let bad = tshark(
            "_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0 \
             || udp.checksum.status == 0 || tcp.checksum.status == 0",
        );
        assert!(bad.is_empty(), "{f}: tshark complains: {:?}", &bad[..bad.len().min(10)]);
        assert_eq!(tshark("dns.flags.response == 0").len(), N, "{f}: queries seen by tshark");
        let axfr = tshark("dns.qry.type == 252 && dns.flags.response == 1 && dns.count.answers > 20");
        assert!(!axfr.is_empty(), "{f}: no AXFR response with records");
    }
}

#[test]
fn bench_sql_agrees_with_the_differential_oracle() {
    let probe = Command::new("python3").args(["-c", "import duckdb, numpy"]).output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        eprintln!("SKIPPED bench SQL check: python3 cannot import duckdb and numpy (pip install duckdb numpy)");
        return;
    }
    let d = TempDir::new("sql");
    let oracle = root().join("crates/reconwatch/tests/differential/seed_duckdb.py");
    let st = Command::new("python3").arg(oracle).arg(&d.0).arg("1590").status().unwrap();
    assert!(st.success());
    let expected: Vec<Value> = serde_json::from_slice(&std::fs::read(d.0.join("expected.json")).unwrap()).unwrap();
    let count = |t: &str| expected.iter().filter(|a| a["AlertType"] == t).count() as u64;
    let out = Command::new("python3")
        .arg(root().join("bench/duckdb_seed.py"))
        .arg(d.0.join("DnsEvents.csv"))
        .arg("1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(count(ZONE) > 100 && count(BULK) > 5, "the oracle's data should have alerts of both kinds");
    assert_eq!(got["zone"], count(ZONE));
    assert_eq!(got["bulk"], count(BULK));
}
