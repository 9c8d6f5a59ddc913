//! `--threads N` gives the same alerts and the same summary (counts, rejects with their line
//! numbers, engine statistics) as `--threads 1`, whatever the inputs: several files, one file
//! split into chunks whose boundaries fall mid-burst, events slightly out of order, CSV fields
//! holding newlines across a boundary, a Zeek layout change mid-file, gzip.

use crate::{root, run, TempDir};
use std::path::Path;
use std::process::Command;

/// Runs the hunt with 1, 2 and 4 threads (tiny chunks, so files split) and asserts that the
/// alerts (stdout) and the summary (stderr) are the same. Returns the number of alerts.
fn same_for_all_thread_counts(paths: &[&str], chunk_bytes: u64) -> usize {
    same_with_options(paths, chunk_bytes, &[])
}

/// [`same_for_all_thread_counts`] with more hunt options.
fn same_with_options(paths: &[&str], chunk_bytes: u64, options: &[&str]) -> usize {
    let chunk = chunk_bytes.to_string();
    let hunt = |threads: &str| {
        let mut args = vec!["hunt", "--format", "jsonl", "--threads", threads, "--chunk-bytes", &chunk];
        args.extend_from_slice(options);
        args.extend_from_slice(paths);
        let out = run(&args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let one = hunt("1");
    for n in ["2", "4"] {
        let many = hunt(n);
        assert_eq!(one.0, many.0, "alerts differ with --threads {n} on {paths:?}");
        assert_eq!(one.1, many.1, "summary differs with --threads {n} on {paths:?}");
    }
    one.0.lines().count()
}

/// A deterministic mix: background lookups from internal clients, and external clients running
/// enumeration bursts (some just under the threshold) and zone transfers; some events arrive a
/// little late (within and beyond the engine's 5 s lateness).
struct Query {
    ms: i64,
    client: String,
    name: String,
    qtype: &'static str,
}

fn queries(n: usize) -> Vec<Query> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move |m: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % m
    };
    let mut out = Vec::with_capacity(n);
    let mut ms = 1_795_737_660_000i64;
    let mut burst: Option<(String, usize, usize)> = None;
    while out.len() < n {
        ms += 1 + rnd(40) as i64;
        let late = match rnd(100) {
            0 => 2_000 + rnd(1_000) as i64,
            1 => 6_000 + rnd(3_000) as i64,
            _ => 0,
        };
        if burst.is_none() && rnd(400) == 0 {
            burst = Some((format!("203.0.113.{}", rnd(200) + 1), 0, 25 + rnd(15) as usize));
        }
        if let Some((client, i, len)) = &mut burst {
            if rnd(3) == 0 {
                let qtype = ["MX", "TXT", "NS", "SOA", "AXFR"][rnd(5) as usize];
                out.push(Query { ms: ms - late, client: client.clone(), name: format!("h{i}.corp.example"), qtype });
                *i += 1;
                if i == len {
                    burst = None;
                }
                continue;
            }
        }
        let name = format!("host{}.ad.corp.example", rnd(300));
        out.push(Query { ms: ms - late, client: format!("10.1.{}.{}", rnd(4), rnd(250) + 1), name, qtype: "A" });
    }
    out
}

/// BIND query log lines, with a bad line after every 997th (rejected, with its line number).
fn bind(qs: &[Query]) -> String {
    qs.iter()
        .enumerate()
        .map(|(i, q)| {
            let bad = if i % 997 == 996 { "27-Nov-2026 not a query line\n" } else { "" };
            let (secs, ms) = (q.ms / 1000 - 1_795_737_600, q.ms % 1000);
            let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
            format!(
                "27-Nov-2026 {h:02}:{m:02}:{s:02}.{ms:03} queries: info: client @0x7f5c754f82d8 {c}#2098 ({n}): \
                 query: {n} IN {t} -E(0) (10.0.1.53)\n{bad}",
                c = q.client,
                n = q.name,
                t = q.qtype
            )
        })
        .collect()
}

fn zeek_header(fields: &[&str]) -> String {
    format!("#separator \\x09\n#set_separator\t,\n#path\tdns\n#fields\t{}\n", fields.join("\t"))
}

fn zeek_rows(qs: &[Query], swap: bool) -> String {
    qs.iter()
        .map(|q| {
            let ts = format!("{}.{:03}000", q.ms / 1000, q.ms % 1000);
            if swap {
                format!("{}\t{ts}\t{}\t{}\tdns1\n", q.name, q.client, q.qtype)
            } else {
                format!("{ts}\t{}\t{}\t{}\tdns1\n", q.client, q.name, q.qtype)
            }
        })
        .collect()
}

/// CSV rows; every 97th name holds a quoted newline (rejected or not, the same either way), every
/// 89th a doubled quote.
fn csv(qs: &[Query]) -> String {
    let mut s = String::from("TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n");
    for (i, q) in qs.iter().enumerate() {
        let (secs, ms) = (q.ms / 1000 - 1_795_737_600, q.ms % 1000);
        let t = format!("2026-11-27T{:02}:{:02}:{:02}.{ms:03}Z", secs / 3600, secs / 60 % 60, secs % 60);
        let name = match i {
            _ if i % 97 == 50 => format!("\"{}\nsecond line\"", q.name),
            _ if i % 89 == 7 => format!("\"{}\"\"q\"", q.name),
            _ => q.name.clone(),
        };
        s.push_str(&format!("{t},dns1.corp.example,{},{name},{},0\n", q.client, q.qtype));
    }
    s
}

#[test]
fn examples_and_scenario_fixtures_give_the_same_alerts_with_threads() {
    let examples = root().join("examples");
    assert!(same_for_all_thread_counts(&[&examples.to_string_lossy()], 512) > 0);
    let scenario = root().join("crates/reconwatch/tests/fixtures/scenario");
    assert!(same_for_all_thread_counts(&[&scenario.to_string_lossy()], 256) > 0);
}

#[test]
fn split_files_give_the_same_alerts_with_bursts_across_chunk_boundaries() {
    let d = TempDir::new("parallel");
    let qs = queries(40_000);
    let b = d.write("bind.log", &bind(&qs));
    let fields = ["ts", "id.orig_h", "query", "qtype_name", "_node_name"];
    let z = d.write("zeek.log", &(zeek_header(&fields) + &zeek_rows(&qs, false)));
    let c = d.write("dns.csv", &csv(&qs));
    for chunk in [4096, 65_536] {
        for p in [&b, &z, &c] {
            assert!(same_for_all_thread_counts(&[p], chunk) > 5, "{p}: the mix should raise alerts");
        }
    }
    // Several files at once: merged in time order, each maybe split too; rejects from several
    // inputs are reported in the same order as with one thread.
    same_for_all_thread_counts(&[&b, &z, &c], 8192);
    // A time range: events outside it are counted, not evaluated, whichever thread parsed them.
    let range = ["--since", "2026-11-27T00:04:00Z", "--until", "2026-11-27T00:10:00Z"];
    assert!(same_with_options(&[&b, &c], 8192, &range) > 0);
}

#[test]
fn files_that_cannot_be_split_everywhere_still_agree() {
    let d = TempDir::new("parallel-fallback");
    let qs = queries(12_000);
    // A Zeek log with a second header block that reorders the columns mid-file.
    let swapped = ["query", "ts", "id.orig_h", "qtype_name", "_node_name"];
    let fields = ["ts", "id.orig_h", "query", "qtype_name", "_node_name"];
    let text =
        zeek_header(&fields) + &zeek_rows(&qs[..6000], false) + &zeek_header(&swapped) + &zeek_rows(&qs[6000..], true);
    let z = d.write("two-blocks.log", &text);
    assert!(same_for_all_thread_counts(&[&z], 4096) > 0);
    // gzip cannot be split: one thread reads it, the engine runs beside it.
    let gz = d.0.join("bind.log.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, bind(&qs).as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    assert!(same_for_all_thread_counts(&[&gz.to_string_lossy()], 4096) > 0);
    // A line without its newline at the end, CRLF line ends, bad lines (rejected, same line numbers).
    let mut crlf = bind(&qs[..3000]).replace('\n', "\r\n");
    let mid = crlf.len() / 2 + crlf[crlf.len() / 2..].find('\n').unwrap() + 1;
    crlf.insert_str(mid, "not a bind line\r\n");
    crlf.pop();
    crlf.pop();
    let p = d.write("crlf.log", &crlf);
    let out = run(&["hunt", "-f", "jsonl", "--threads", "2", "--chunk-bytes", "1000", &p]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 rejected record(s)"));
    same_for_all_thread_counts(&[&p], 1000);
}

/// The repository's generator, when it has been built beside this binary (`cargo build
/// --release` builds both).
#[test]
fn generated_data_gives_the_same_alerts_with_threads() {
    let gen = Path::new(env!("CARGO_BIN_EXE_reconwatch")).with_file_name("reconwatch-gen");
    if !gen.exists() {
        eprintln!("SKIPPED generated-data test: {} is not built (cargo build --release)", gen.display());
        return;
    }
    let d = TempDir::new("parallel-gen");
    let mut all = Vec::new();
    for fmt in ["dnsevents-csv", "bind", "zeek"] {
        let p = d.0.join(format!("{fmt}.log")).to_string_lossy().into_owned();
        let st = Command::new(&gen).args(["--format", fmt, "--events", "60000", "--seed", "1590", "-o", &p]).status();
        assert!(st.unwrap().success());
        assert!(same_for_all_thread_counts(&[&p], 100_000) > 0, "{fmt}");
        all.push(p);
    }
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    same_for_all_thread_counts(&all, 1 << 20);
}
