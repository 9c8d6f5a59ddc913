//! The `auditd` reader against the real Linux audit subsystem and the real DNS reconnaissance
//! tools. Needs root and the Debian packages `auditd bind9 bind9-dnsutils dnsrecon fierce dnsenum
//! iproute2`; skips with a printed reason otherwise.
//!
//! The test creates a network namespace holding only `lo` with 192.0.2.53, starts BIND there
//! (zone `example.test`, transfers allowed), points the namespace's resolv.conf at it, and runs
//! every tool inside the namespace with the server given explicitly: nothing can leave the
//! namespace. The tools run under a login uid of their own (written to /proc/self/loginuid by the
//! launching shell) and the audit rule matches only that auid and a per-run key, so other
//! processes on the machine are not logged. Everything is undone by a drop guard.
//!
//! `RECONWATCH_WRITE_FIXTURE=1` also writes the captured log to
//! `tests/fixtures/auditd/real-tools.log`.

#[path = "support/real_tools.rs"]
mod real_tools;

use real_tools::check_real_log;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SERVER: &str = "192.0.2.53";
const PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// Undo actions, run in reverse order on drop (also when an assertion panics).
#[derive(Default)]
struct Guard {
    undo: Vec<(String, Box<dyn FnOnce()>)>,
}

impl Guard {
    fn push(&mut self, what: &str, f: impl FnOnce() + 'static) {
        self.undo.push((what.to_string(), Box::new(f)));
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        while let Some((what, f)) = self.undo.pop() {
            eprintln!("cleanup: {what}");
            f();
        }
    }
}

fn run(prog: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(prog)
        .args(args)
        .env("PATH", PATH)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{prog}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{prog} {}: {} {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn quiet(prog: &str, args: &[&str]) {
    if let Err(e) = run(prog, args) {
        eprintln!("cleanup step failed: {e}");
    }
}

fn find_tool(name: &str) -> Option<PathBuf> {
    PATH.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(2) == Some("0")))
        .unwrap_or(false)
}

fn auditd_pid() -> Result<u64, String> {
    let s = run("auditctl", &["-s"])?;
    Ok(s.lines().find_map(|l| l.strip_prefix("pid ")).and_then(|p| p.trim().parse().ok()).unwrap_or(0))
}

/// Why the test cannot run here, if it cannot.
fn preflight() -> Result<(), String> {
    if !is_root() {
        return Err("needs root (audit rules, network namespaces, loginuid)".into());
    }
    let tools = ["auditctl", "auditd", "ausearch", "named", "dig", "nslookup", "dnsrecon", "fierce", "dnsenum"];
    let missing: Vec<_> =
        tools.iter().chain(["ip", "timeout", "python3", "perl"].iter()).filter(|t| find_tool(t).is_none()).collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing tools {missing:?} (apt-get install auditd bind9 bind9-dnsutils dnsrecon fierce dnsenum iproute2)"
        ));
    }
    let status =
        run("auditctl", &["-s"]).map_err(|e| format!("auditctl cannot talk to the kernel audit subsystem: {e}"))?;
    if status.contains("loginuid_immutable 1") {
        return Err("loginuid is immutable here, so the test cannot give its tools a login uid of their own".into());
    }
    Ok(())
}

/// Starts auditd if it is not running; its pid if this call started it.
fn ensure_auditd() -> Result<Option<u64>, String> {
    if auditd_pid()? != 0 {
        return Ok(None);
    }
    run("auditd", &[]).map_err(|e| format!("auditd would not start: {e}"))?;
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(10) {
        match auditd_pid()? {
            0 => std::thread::sleep(Duration::from_millis(100)),
            pid => return Ok(Some(pid)),
        }
    }
    Err("auditd started but never registered with the kernel (auditctl -s shows pid 0)".into())
}

fn start_bind(dir: &Path, ns: &str) -> Result<Child, String> {
    let d = dir.display();
    std::fs::write(
        dir.join("named.conf"),
        format!(
            "options {{ directory \"{d}\"; pid-file \"{d}/named.pid\"; session-keyfile \"{d}/session.key\";\n\
             listen-on {{ {SERVER}; }}; listen-on-v6 {{ none; }}; recursion no; allow-transfer {{ any; }};\n\
             dnssec-validation no; }};\ncontrols {{ }};\n\
             zone \"example.test\" {{ type primary; file \"{d}/example.test.zone\"; }};\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("example.test.zone"),
        "$TTL 300\n@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300\n@ IN NS ns1\n\
         @ IN MX 10 mail\n@ IN TXT \"v=spf1 -all\"\nns1 IN A 192.0.2.53\nwww IN A 192.0.2.80\nmail IN A 192.0.2.25\n",
    )
    .map_err(|e| e.to_string())?;
    let conf = dir.join("named.conf");
    let log = std::fs::File::create(dir.join("named.log")).map_err(|e| e.to_string())?;
    Command::new("ip")
        .args(["netns", "exec", ns, "named", "-g", "-c"])
        .arg(&conf)
        .env("PATH", PATH)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("named: {e}"))
}

/// Runs `argv` in the namespace under `timeout 60`, from a shell that first takes login uid
/// `auid` (so only this tree matches the audit rule). The shell itself `exec`s `ip`.
fn run_tool(ns: &str, auid: u32, dir: &Path, argv: &[&str]) {
    let script = format!("echo {auid} > /proc/self/loginuid && exec ip netns exec {ns} timeout 60 \"$@\"");
    let st = Command::new("/bin/sh")
        .arg("-c")
        .arg(script)
        .arg("sh")
        .args(argv)
        .env_clear()
        .env("PATH", PATH)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    eprintln!("ran {argv:?}: {st:?}");
}

#[test]
fn real_auditd_sees_the_dns_recon_tools() {
    if let Err(why) = preflight() {
        eprintln!("SKIPPED real_auditd_sees_the_dns_recon_tools: {why}");
        return;
    }
    let me = std::process::id();
    let (ns, key, auid) = (format!("rwaudit{me}"), format!("reconwatch-test-{me}"), 1_900_000_000 + me % 100_000_000);
    let dir = std::env::temp_dir().join(format!("rw-real-auditd-{me}"));
    let mut g = Guard::default();
    std::fs::create_dir_all(&dir).unwrap();
    let d2 = dir.clone();
    g.push("remove temp dir", move || drop(std::fs::remove_dir_all(d2)));

    let enabled = run("auditctl", &["-s"])
        .ok()
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("enabled ")).map(str::to_string));
    match ensure_auditd() {
        Ok(None) => {}
        Ok(Some(pid)) => {
            // Starting auditd turned auditing on; put the flag back as it was.
            if let Some(e) = enabled.filter(|e| e.trim() != "1") {
                g.push("restore the audit enabled flag", move || quiet("auditctl", &["-e", e.trim()]));
            }
            g.push("stop the auditd we started", move || quiet("kill", &["-TERM", &pid.to_string()]));
        }
        Err(why) => {
            eprintln!("SKIPPED real_auditd_sees_the_dns_recon_tools: {why}");
            return;
        }
    }

    if let Err(e) = run("ip", &["netns", "add", &ns]) {
        eprintln!("SKIPPED real_auditd_sees_the_dns_recon_tools: cannot create a network namespace: {e}");
        return;
    }
    let n2 = ns.clone();
    g.push("delete netns", move || quiet("ip", &["netns", "del", &n2]));
    let etc = PathBuf::from(format!("/etc/netns/{ns}"));
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("resolv.conf"), format!("nameserver {SERVER}\n")).unwrap();
    g.push("remove /etc/netns entry", move || drop(std::fs::remove_dir_all(etc)));
    run("ip", &["netns", "exec", &ns, "ip", "link", "set", "lo", "up"]).unwrap();
    run("ip", &["netns", "exec", &ns, "ip", "addr", "add", &format!("{SERVER}/32"), "dev", "lo"]).unwrap();

    let mut named = start_bind(&dir, &ns).unwrap();
    let named_pid = named.id();
    g.push("stop named", move || {
        quiet("kill", &["-TERM", &named_pid.to_string()]);
        drop(named.wait());
    });
    let t = Instant::now();
    let soa = ["netns", "exec", &ns, "dig", "+short", "+time=1", "+tries=1", "SOA", "example.test", "@192.0.2.53"];
    while !run("ip", &soa).is_ok_and(|s| s.contains("hostmaster")) {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "named did not answer: {:?}",
            std::fs::read_to_string(dir.join("named.log"))
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let rule =
        ["always,exit", "-F", "arch=b64", "-S", "execve", "-F", &format!("auid={auid}"), "-F", &format!("key={key}")];
    let add: Vec<&str> = ["-a"].iter().copied().chain(rule.iter().map(|s| &**s)).collect();
    let del: Vec<String> = ["-d"].iter().copied().chain(rule.iter().map(|s| &**s)).map(String::from).collect();
    if let Err(e) = run("auditctl", &add) {
        eprintln!("SKIPPED real_auditd_sees_the_dns_recon_tools: the kernel refused the audit rule: {e}");
        return;
    }
    g.push("delete audit rule", move || quiet("auditctl", &del.iter().map(String::as_str).collect::<Vec<_>>()));

    let runs: [&[&str]; 7] = [
        &["dig", "axfr", "example.test", "@192.0.2.53"],
        &["nslookup", "-type=any", "example.test", "192.0.2.53"],
        &["dnsrecon", "-d", "example.test", "-n", "192.0.2.53", "-t", "std"],
        &["fierce", "--domain", "example.test", "--dns-servers", "192.0.2.53"],
        &["dnsenum", "--dnsserver", "192.0.2.53", "--noreverse", "example.test"],
        &["dig", "www.example.test", "@192.0.2.53"],
        &["python3", "-c", "print(1)"],
    ];
    for argv in runs {
        run_tool(&ns, auid, &dir, argv);
    }
    // auditd flushes asynchronously: wait for the last run's exec.
    let t = Instant::now();
    let raw = loop {
        let out = Command::new("ausearch").args(["--raw", "-k", &key]).env("PATH", PATH).output().unwrap();
        if String::from_utf8_lossy(&out.stdout).contains("a0=\"python3\" a1=\"-c\" a2=\"print(1)\"") {
            break out.stdout;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "ausearch never showed the last exec");
        std::thread::sleep(Duration::from_millis(300));
    };
    drop(g); // rule, named, namespace, auditd: all undone before asserting
    if std::env::var_os("RECONWATCH_WRITE_FIXTURE").is_some() {
        let f = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/auditd/real-tools.log");
        std::fs::write(&f, &raw).unwrap();
        eprintln!("wrote {}", f.display());
    }
    check_real_log(&raw, &key, &auid.to_string(), &ns);

    // The same events straight from auditd's own file, among everything else it logged.
    let log = std::fs::read("/var/log/audit/audit.log").unwrap_or_default();
    let ours = |raw: &[u8]| -> Vec<(Option<u64>, String)> {
        let (evs, rejects, skipped) = real_tools::read_events(raw, "lab-host");
        eprintln!("{} events, {} rejected, {} skipped", evs.len(), rejects.count, skipped);
        evs.into_iter()
            .filter(|e| e.extra.get("key") == Some(key.as_str()))
            .map(|e| (e.process_id, e.command_line))
            .collect()
    };
    if log.is_empty() {
        eprintln!("/var/log/audit/audit.log unreadable or rotated away: not compared");
    } else {
        assert_eq!(ours(&log), ours(&raw));
    }
}
