//! Bad input, bad usage: clear messages, counted rejects, nothing good lost.

use crate::{hunt, run, TempDir};

#[test]
fn rejected_rows_are_counted_with_file_and_line_and_the_rest_is_kept() {
    let d = TempDir::new("rejects");
    let f = d.write(
        "DnsEvents.csv",
        "TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n\
         2026-11-27T10:00:00Z,dns1,203.0.113.1,example.com,AXFR,5\n\
         not-a-time,dns1,203.0.113.2,example.com,AXFR,5\n\
         2026-11-27T10:00:02Z,dns1,999.1.1.1,example.com,AXFR,5\n\
         2026-11-27T10:00:03Z,dns1,203.0.113.4,example.com,AXFR,5\n",
    );
    let out = run(&["hunt", "--format", "jsonl", &f]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 rejected record(s)"), "{err}");
    assert!(err.contains(&format!("{f}:3:")), "{err}");
    assert!(err.contains(&format!("{f}:4:")), "{err}");
    assert!(err.contains("999.1.1.1"), "{err}");
}

#[test]
fn gzip_stdin_and_directories_are_read() {
    use std::io::Write;
    let d = TempDir::new("inputs");
    let csv = std::fs::read("examples/sentinel/DnsEvents.csv".replace('/', std::path::MAIN_SEPARATOR_STR))
        .or_else(|_| std::fs::read(crate::root().join("examples/sentinel/DnsEvents.csv")))
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&csv).unwrap();
    std::fs::create_dir_all(d.0.join("sub")).unwrap();
    std::fs::write(d.0.join("sub/dns.csv.gz"), gz.finish().unwrap()).unwrap();
    let from_dir = hunt(&[&d.0.to_string_lossy()]);
    let direct = hunt(&["examples/sentinel/DnsEvents.csv"]);
    assert_eq!(from_dir, direct);
    assert!(!direct.is_empty());

    let mut child = crate::bin()
        .current_dir(crate::root())
        .args(["hunt", "--format", "jsonl", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&csv).unwrap();
    let out = child.wait_with_output().unwrap();
    let from_stdin: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(from_stdin, direct);
}

#[test]
fn zstd_is_read_and_a_truncated_zstd_is_one_counted_reject() {
    let d = TempDir::new("zstd");
    let csv = std::fs::read(crate::root().join("examples/sentinel/DnsEvents.csv")).unwrap();
    let z = zstd::encode_all(&csv[..], 3).unwrap();
    let whole = d.0.join("dns.csv.zst");
    std::fs::write(&whole, &z).unwrap();
    let direct = hunt(&["examples/sentinel/DnsEvents.csv"]);
    assert_eq!(hunt(&[&whole.to_string_lossy()]), direct);

    // Cut inside its only block: nothing decodes, the run stops saying why.
    let cut = d.0.join("cut.csv.zst");
    std::fs::write(&cut, &z[..z.len() - 8]).unwrap();
    let out = run(&["hunt", "--format", "jsonl", &cut.to_string_lossy()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("cut.csv.zst: zstd: incomplete frame"), "{err}");

    // A large file cut short: what decodes is hunted, the cut is one counted reject.
    let mut big = String::from("TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n");
    for i in 0..40_000 {
        big.push_str(&format!(
            "2026-11-27T10:{:02}:{:02}.000Z,dns1,10.1.2.3,h{i}.example.com,A,0\n",
            i / 6000,
            i / 100 % 60
        ));
    }
    let z = zstd::encode_all(big.as_bytes(), 3).unwrap();
    std::fs::write(&cut, &z[..z.len() * 3 / 4]).unwrap();
    let out = run(&["hunt", "--format", "jsonl", &cut.to_string_lossy()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 rejected record(s)") && err.contains("zstd: "), "{err}");
    assert!(!err.contains(" 0 events"), "{err}");
}

#[test]
fn unreadable_paths_and_bad_flags_stop_the_run_with_a_clear_message() {
    let out = run(&["hunt", "no/such/file.csv"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/file.csv") && err.contains("No such file"), "{err}");

    let out = run(&["hunt", "--input-format", "nope", "examples/sentinel"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown input format `nope`"));

    let out = run(&["hunt", "--since", "yesterday", "examples/sentinel"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since `yesterday`"));
}

#[test]
fn an_explicit_file_of_unknown_format_is_an_error() {
    let d = TempDir::new("unknown");
    let f = d.write("notes.txt", "hello world\nthis is not a log\n");
    let out = run(&["hunt", &f]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot tell the input format") && err.contains("--input-format"), "{err}");
}

#[test]
fn since_and_until_bound_the_hunt() {
    let all = hunt(&["examples/sentinel"]);
    let some = hunt(&["--since", "2026-11-27T12:08:00Z", "--until", "2026-11-27T12:10:00Z", "examples/sentinel"]);
    assert!(some.len() < all.len());
    assert!(
        some.iter().all(|a| {
            let t = a["TimeGenerated"].as_str().unwrap();
            ("2026-11-27T12:08:00Z"..="2026-11-27T12:09:59.999Z").contains(&t)
        }),
        "{some:?}"
    );
}

#[test]
fn rules_subcommands() {
    let out = run(&["rules", "list"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for title in [
        "External DNS Zone Transfer Attempt",
        "Bulk External DNS Enumeration",
        "DNS Enumeration Tool Execution on Endpoint",
    ] {
        assert!(text.contains(title), "{text}");
    }
    let out = run(&["rules", "validate"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["rules", "test"]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));

    let d = TempDir::new("badrule");
    d.write(
        "bad.yml",
        "title: Broken\nlogsource: {category: dns}\ndetection:\n  sel: {Name|nosuchmod: x}\n  condition: sel\n",
    );
    let out = run(&["rules", "validate", &d.0.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yml") && err.contains("Broken") && err.contains("nosuchmod"), "{err}");
}

#[test]
fn formats_lists_the_export_readers() {
    let out = run(&["formats"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).lines().count() >= 2);
}

#[test]
fn a_closed_output_pipe_ends_the_hunt_quietly() {
    use std::process::Stdio;
    // The reader goes away before any alert is written (`reconwatch hunt ... | head -0`).
    let mut child = crate::bin()
        .current_dir(crate::root())
        .args(["hunt", "-q", "--format", "jsonl", "examples/sentinel"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {err}", out.status);
    assert!(!err.contains("Broken pipe"), "{err}");
}
