//! Linux audit log (`audit.log`, RAW `log_format`, with `node=`): one event per 10 ms slot, each
//! an execve (SYSCALL, EXECVE, CWD, PATH, PROCTITLE records) of everyday commands on 200
//! workstations, 5 % non-exec syscalls (`connect`: SYSCALL + PROCTITLE, no EXECVE), and per cycle
//! of ~50 000 events (at least one) a session of six DNS reconnaissance tool runs on one
//! workstation, each of which the seed's third branch flags. Arguments holding a space are
//! hex-encoded, as the kernel does. auditd 3.x writes no EOE record to audit.log; neither do we.

use crate::rng::Rng;
use std::fmt::Write as _;

type Cmd = (&'static str, &'static [&'static str]);

pub const TOOLS: [Cmd; 6] = [
    ("/usr/bin/dig", &["dig", "axfr", "corp.example", "@10.0.0.53"]),
    ("/usr/bin/amass", &["amass", "enum", "-d", "corp.example"]),
    ("/usr/bin/python3", &["python3", "/opt/dnsrecon/dnsrecon.py", "-d", "corp.example", "-t", "std"]),
    ("/usr/bin/nslookup", &["nslookup", "-type=any", "corp.example"]),
    ("/usr/local/bin/subfinder", &["subfinder", "-d", "corp.example", "-silent"]),
    ("/usr/local/bin/gobuster", &["gobuster", "dns", "-d", "corp.example", "-w", "/opt/lists/top subdomains.txt"]),
];

const BENIGN: [Cmd; 11] = [
    ("/usr/bin/ls", &["ls", "-la"]),
    ("/usr/bin/cat", &["cat", "/etc/hosts"]),
    ("/usr/bin/grep", &["grep", "-r", "TODO", "."]),
    ("/usr/bin/curl", &["curl", "-s", "https://www.example.com/"]),
    ("/usr/bin/python3", &["python3", "manage.py", "runserver"]),
    ("/usr/bin/ssh", &["ssh", "build01.corp.example"]),
    ("/usr/bin/git", &["git", "status"]),
    ("/usr/bin/systemctl", &["systemctl", "status", "nginx"]),
    ("/usr/bin/dig", &["dig", "www.example.com"]),
    ("/usr/bin/nslookup", &["nslookup", "wiki.corp.example"]),
    ("/usr/bin/sh", &["sh", "-c", "echo hello world"]),
];

const STEP_NS: i64 = 10_000_000;
const CYCLE: u64 = 50_000;

/// A reconnaissance tool run as injected.
pub struct ToolRun {
    pub device: String,
    pub command_line: String,
}

pub struct AuditStream {
    rng: Rng,
    total: u64,
    slot: u64,
    t0_ns: i64,
    cycle_len: u64,
    serial: u64,
    pid: u64,
    pub runs: Vec<ToolRun>,
}

impl AuditStream {
    pub fn new(seed: u64, total: u64, t0_ns: i64) -> Self {
        let cycles = (total / CYCLE).max(1);
        let cycle_len = total.div_ceil(cycles).max(1);
        AuditStream { rng: Rng::new(seed), total, slot: 0, t0_ns, cycle_len, serial: 1000, pid: 2000, runs: Vec::new() }
    }

    /// Appends the next event's records to `out`; false at the end.
    pub fn next(&mut self, out: &mut String) -> bool {
        if self.slot >= self.total {
            return false;
        }
        let slot = self.slot;
        self.slot += 1;
        let ns = self.t0_ns + slot as i64 * STEP_NS + self.rng.below(STEP_NS as u64) as i64;
        self.serial += 1;
        self.pid += 1 + self.rng.below(3);
        // The tool session: six runs 40 slots apart, a third into each cycle, on one workstation.
        let offset = slot % self.cycle_len;
        let session = slot / self.cycle_len;
        let tool = (offset >= self.cycle_len / 3 && (offset - self.cycle_len / 3) % 40 == 0)
            .then(|| (offset - self.cycle_len / 3) / 40)
            .filter(|&k| k < TOOLS.len() as u64);
        let (device, user) = match tool {
            Some(_) => (1 + (session * 37) % 200, 1000 + session % 50),
            None => (1 + self.rng.below(200), 1000 + self.rng.below(50)),
        };
        let mut prefix = String::with_capacity(64);
        let _ = write!(prefix, "node=ws{device:03} type=");
        let mut stamp = String::with_capacity(24);
        crate::time::epoch(ns, 3, &mut stamp);
        let msg = format!("msg=audit({stamp}:{}): ", self.serial);
        let ppid = 1000 + device;
        if tool.is_none() && self.rng.chance(50) {
            let _ = writeln!(
                out,
                "{prefix}SYSCALL {msg}arch=c000003e syscall=42 success=yes exit=0 a0=3 a1=7ffd2c1e4a30 a2=10 a3=0 \
                 items=0 ppid={ppid} pid={} auid={user} uid={user} gid={user} euid={user} suid={user} fsuid={user} \
                 egid={user} sgid={user} fsgid={user} tty=pts0 ses=3 comm=\"curl\" exe=\"/usr/bin/curl\" key=(null)",
                self.pid
            );
            let _ = writeln!(out, "{prefix}PROCTITLE {msg}proctitle=6375726C");
            return true;
        }
        let (exe, argv) = match tool {
            Some(k) => TOOLS[k as usize],
            None => *self.rng.pick(&BENIGN),
        };
        if tool.is_some() {
            self.runs.push(ToolRun { device: format!("ws{device:03}"), command_line: command_line(argv) });
        }
        let comm = &exe[exe.rfind('/').map_or(0, |i| i + 1)..];
        let comm = &comm[..comm.len().min(15)];
        let _ = writeln!(
            out,
            "{prefix}SYSCALL {msg}arch=c000003e syscall=59 success=yes exit=0 a0=55c47b7b2758 a1=55c47b7b26e8 \
             a2=55c47b7b2740 a3=1 items=2 ppid={ppid} pid={} auid={user} uid={user} gid={user} euid={user} \
             suid={user} fsuid={user} egid={user} sgid={user} fsgid={user} tty=pts0 ses=3 comm=\"{comm}\" \
             exe=\"{exe}\" key=\"exec\"",
            self.pid
        );
        let _ = write!(out, "{prefix}EXECVE {msg}argc={}", argv.len());
        for (i, a) in argv.iter().enumerate() {
            if a.bytes().any(|b| b <= b' ' || b == b'"' || b >= 0x7f) {
                let _ = write!(out, " a{i}=");
                hex(a.as_bytes(), out);
            } else {
                let _ = write!(out, " a{i}=\"{a}\"");
            }
        }
        out.push('\n');
        let _ = writeln!(out, "{prefix}CWD {msg}cwd=\"/home/u{user}\"");
        let _ = writeln!(
            out,
            "{prefix}PATH {msg}item=0 name=\"{exe}\" inode={} dev=fe:00 mode=0100755 ouid=0 ogid=0 rdev=00:00 \
             nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
            100_000 + exe.len() * 7919
        );
        let _ = write!(out, "{prefix}PROCTITLE {msg}proctitle=");
        let joined = argv.join("\0");
        hex(&joined.as_bytes()[..joined.len().min(128)], out);
        out.push('\n');
        true
    }
}

fn hex(bytes: &[u8], out: &mut String) {
    for b in bytes {
        let _ = write!(out, "{b:02X}");
    }
}

/// The command line as reconwatch reports it: arguments joined by spaces, one holding whitespace
/// in double quotes.
pub fn command_line(argv: &[&str]) -> String {
    let quoted: Vec<String> =
        argv.iter().map(|a| if a.contains(' ') { format!("\"{a}\"") } else { (*a).to_string() }).collect();
    quoted.join(" ")
}
