//! One audit event being assembled from its records (SYSCALL, EXECVE, CWD, PATH, PROCTITLE, EOE),
//! and its mapping to a [`ProcessEvent`]. Buffers are reused from event to event.

use super::record::{arg_key, decode_into, fields, hex_into, ArgKey, Header, Raw};
use crate::RecordError;
use event::{file_name_of, ProcessEvent, Timestamp};

/// The audit login uid of processes no one logged in for (daemons, containers): `(unsigned)-1`.
const AUID_UNSET: &str = "4294967295";

#[derive(Debug, Default)]
pub struct Pending {
    pub node: String,
    pub secs: i64,
    pub millis: u32,
    pub serial: u64,
    /// Line of the first record, where rejects of the whole event point.
    pub first_line: u64,
    pub has_syscall: bool,
    pub has_execve: bool,
    pub has_eoe: bool,
    /// An EXECVE record with a non-ASCII/space argument etc. that could not be decoded, or a cut
    /// line: the whole event is rejected with this reason at this line.
    pub error: Option<(u64, RecordError)>,
    pub arch: String,
    pub syscall: String,
    /// Enriched `SYSCALL=execve`.
    pub syscall_name: String,
    pub success: String,
    pub pid: Option<u64>,
    pub ppid: Option<u64>,
    pub uid: String,
    pub auid: String,
    pub uid_name: String,
    pub auid_name: String,
    pub exe: String,
    pub comm: String,
    pub key: String,
    pub cwd: String,
    pub path0: String,
    pub argc: Option<usize>,
    /// `argv[..nargs]` are this event's arguments; entries past it are spare buffers.
    pub argv: Vec<String>,
    pub nargs: usize,
    /// How many of `argv` have been seen (whole or first chunk).
    pub seen: usize,
}

impl Pending {
    pub fn reset(&mut self, h: &Header<'_>, line: u64) {
        macro_rules! clear { ($($f:ident),*) => { $( self.$f.clear(); )* }; }
        clear!(node, arch, syscall, syscall_name, success, uid, auid, uid_name, auid_name, exe, comm, key, cwd, path0);
        self.node.push_str(h.node.unwrap_or(""));
        self.secs = h.secs;
        self.millis = h.millis;
        self.serial = h.serial;
        self.first_line = line;
        self.has_syscall = false;
        self.has_execve = false;
        self.has_eoe = false;
        self.error = None;
        self.pid = None;
        self.ppid = None;
        self.argc = None;
        self.nargs = 0;
        self.seen = 0;
    }

    pub fn is(&self, h: &Header<'_>) -> bool {
        self.serial == h.serial && self.secs == h.secs && self.millis == h.millis && self.node == h.node.unwrap_or("")
    }

    fn fail(&mut self, line: u64, e: RecordError) {
        if self.error.is_none() {
            self.error = Some((line, e));
        }
    }

    /// Adds one record's fields.
    pub fn apply(&mut self, h: &Header<'_>, line: u64) {
        let r = match h.kind {
            "SYSCALL" => self.syscall_record(h.body),
            "EXECVE" => self.execve_record(h.body),
            "CWD" => self.simple(h.body, "cwd"),
            "PATH" => self.path_record(h.body),
            "EOE" => {
                self.has_eoe = true;
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(e) = r {
            self.fail(line, e);
        }
    }

    fn syscall_record(&mut self, body: &str) -> Result<(), RecordError> {
        self.has_syscall = true;
        for (k, v) in fields(body) {
            // (destination, name for errors, can be hex-encoded)
            let (dst, name, hex) = match k {
                "arch" => (&mut self.arch, "arch", false),
                "syscall" => (&mut self.syscall, "syscall", false),
                "SYSCALL" => (&mut self.syscall_name, "SYSCALL", false),
                "success" => (&mut self.success, "success", false),
                "uid" => (&mut self.uid, "uid", false),
                "auid" => (&mut self.auid, "auid", false),
                "UID" => (&mut self.uid_name, "UID", false),
                "AUID" => (&mut self.auid_name, "AUID", false),
                "exe" => (&mut self.exe, "exe", true),
                "comm" => (&mut self.comm, "comm", true),
                "key" => (&mut self.key, "key", true),
                "pid" | "ppid" => {
                    let name = if k == "pid" { "pid" } else { "ppid" };
                    let n = match v {
                        Raw::Bare(n) => n.parse().map_err(|_| bad(name, v))?,
                        _ => return Err(bad(name, v)),
                    };
                    *(if k == "pid" { &mut self.pid } else { &mut self.ppid }) = Some(n);
                    continue;
                }
                _ => continue,
            };
            dst.clear();
            match v {
                _ if hex => decode_into(name, v, dst)?,
                Raw::Bare(s) | Raw::Quoted(s) => dst.push_str(s),
                Raw::Unterminated => return Err(RecordError::Truncated("quoted value without closing quote")),
            }
        }
        // Several rule keys are joined with \x01 (and so hex-encoded); show them comma-separated.
        if self.key.contains('\u{1}') {
            self.key = self.key.replace('\u{1}', ",");
        }
        Ok(())
    }

    fn simple(&mut self, body: &str, want: &'static str) -> Result<(), RecordError> {
        for (k, v) in fields(body) {
            if k == want {
                self.cwd.clear();
                return decode_into(want, v, &mut self.cwd);
            }
        }
        Ok(())
    }

    fn path_record(&mut self, body: &str) -> Result<(), RecordError> {
        let mut item0 = false;
        for (k, v) in fields(body) {
            match (k, v) {
                ("item", Raw::Bare(n)) => item0 = n == "0",
                ("name", v) if item0 => {
                    self.path0.clear();
                    return decode_into("name", v, &mut self.path0);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn arg(&mut self, n: usize) -> Result<&mut String, RecordError> {
        // Arguments beyond argc, or a far jump, mean a corrupt record: do not allocate for it.
        let limit = self.argc.unwrap_or(0);
        if n >= limit {
            return Err(RecordError::Malformed {
                what: "EXECVE",
                detail: format!("argument a{n} beyond argc={limit}"),
            });
        }
        while self.argv.len() <= n {
            self.argv.push(String::new());
        }
        while self.nargs <= n {
            self.argv[self.nargs].clear();
            self.nargs += 1;
        }
        Ok(&mut self.argv[n])
    }

    fn execve_record(&mut self, body: &str) -> Result<(), RecordError> {
        self.has_execve = true;
        for (k, v) in fields(body) {
            if k == "argc" {
                let Raw::Bare(n) = v else { return Err(bad("argc", v)) };
                let n: usize = n.parse().map_err(|_| bad("argc", v))?;
                // The kernel's own limit is far below this; a larger count is corrupt input.
                if n > 1 << 17 {
                    return Err(bad("argc", v));
                }
                self.argc = Some(n);
                continue;
            }
            match arg_key(k) {
                Some(ArgKey::Whole(n)) => {
                    let dst = self.arg(n)?;
                    dst.clear();
                    decode_into("aN", v, dst)?;
                    self.seen += 1;
                }
                Some(ArgKey::Chunk(n, i)) => {
                    if i == 0 {
                        self.seen += 1;
                    }
                    let dst = self.arg(n)?;
                    if i == 0 {
                        dst.clear();
                    }
                    // Each chunk of a long argument is quoted or hex on its own.
                    match v {
                        Raw::Bare(h) => hex_into("aN[i]", h, dst)?,
                        other => decode_into("aN[i]", other, dst)?,
                    }
                }
                Some(ArgKey::Len(_)) | None => {}
            }
        }
        Ok(())
    }

    /// Did an `execve`/`execveat` run in this event? An EXECVE record says so; otherwise the
    /// enriched syscall name, or the number for the architectures we know.
    pub fn is_exec(&self) -> bool {
        if self.has_execve || self.syscall_name == "execve" || self.syscall_name == "execveat" {
            return true;
        }
        matches!(
            (self.arch.as_str(), self.syscall.as_str()),
            ("c000003e", "59" | "322") | ("c00000b7", "221" | "281") | ("40000003", "11" | "358")
        )
    }

    /// Checks the event can become a process event; the reason if not. PROCTITLE is no
    /// substitute for a missing EXECVE: on an execve it shows the argv from *before* the exec
    /// (measured on Linux 6.18: a child forked by `timeout` shows `timeout 60 dnsrecon …`).
    pub fn completeness(&self) -> Result<(), &'static str> {
        if !self.has_syscall {
            return Err("no SYSCALL record");
        }
        if !self.has_execve {
            return Err("no EXECVE record");
        }
        match self.argc {
            None => Err("EXECVE record without argc"),
            Some(n) if self.seen < n || self.nargs < n => Err("EXECVE record is missing arguments"),
            Some(_) => Ok(()),
        }
    }

    pub fn time(&self) -> Timestamp {
        Timestamp::from_millis(self.secs.saturating_mul(1000).saturating_add(i64::from(self.millis)))
    }

    /// Fills `p` (already reset). `device` is the fallback host name.
    pub fn fill(&self, p: &mut ProcessEvent, device: Option<&str>) {
        p.time = self.time();
        p.device.push_str(if self.node.is_empty() { device.unwrap_or("") } else { &self.node });
        // The login user (auid) survives sudo/su, so it names the person; fall back to the uid.
        if !self.auid_name.is_empty() && self.auid_name != "unset" && !self.auid_name.starts_with("unknown(") {
            p.account.push_str(&self.auid_name);
        } else if !self.auid.is_empty() && self.auid != AUID_UNSET {
            p.account.push_str(&self.auid);
        } else if !self.uid_name.is_empty() && !self.uid_name.starts_with("unknown(") {
            p.account.push_str(&self.uid_name);
        } else {
            p.account.push_str(&self.uid);
        }
        let image = if self.exe.is_empty() { &self.path0 } else { &self.exe };
        p.folder_path.push_str(image);
        p.file_name.push_str(file_name_of(image));
        for (i, a) in self.argv[..self.nargs].iter().enumerate() {
            if i > 0 {
                p.command_line.push(' ');
            }
            push_quoted(&mut p.command_line, a);
        }
        p.process_id = self.pid;
        p.parent_process_id = self.ppid;
        let x = &mut p.extra;
        x.push("comm", self.comm.as_str());
        x.push("key", self.key.as_str());
        x.push("success", self.success.as_str());
        x.push("cwd", self.cwd.as_str());
        x.push("argv0", if self.nargs > 0 { self.argv[0].as_str() } else { "" });
        x.push("path", self.path0.as_str());
        x.push("auid", self.auid.as_str());
        x.push("uid", self.uid.as_str());
        x.push("serial", self.serial.to_string());
    }
}

/// Appends an argument to a command line, double-quoting it when it is empty or holds
/// whitespace or a quote (inner `"` and `\` are backslash-escaped), as a shell user would type it.
pub fn push_quoted(out: &mut String, a: &str) {
    if !a.is_empty() && !a.contains(|c: char| c.is_whitespace() || c == '"') {
        out.push_str(a);
        return;
    }
    out.push('"');
    for c in a.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn bad(field: &'static str, v: Raw<'_>) -> RecordError {
    let value = match v {
        Raw::Quoted(s) | Raw::Bare(s) => RecordError::quote(s),
        Raw::Unterminated => "\"…".to_string(),
    };
    RecordError::BadValue { field, value }
}
