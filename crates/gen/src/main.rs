//! `reconwatch-gen`: deterministic synthetic logs for benchmarks and tests — background DNS
//! lookups with injected reconnaissance bursts, or endpoint process logs with injected DNS tool
//! runs. The same `--seed` and `--events` always give the same bytes.
//!
//! ```text
//! reconwatch-gen --format dnsevents-csv|bind|zeek|dnstap|pcap|pcapng|auditd [--events N] [--seed S]
//!                [-o FILE] [--manifest FILE]
//! ```
//! `--events` counts DNS queries (BIND adds a `security` or `xfer-out` line per transfer; dnstap
//! and the captures carry each query's response too) or audit events (several records each). `--manifest` writes what was injected, one line each:
//! `KIND<TAB>CLIENT<TAB>COMPUTER<TAB>QUERIES` (DNS) or `tool<TAB>DEVICE<TAB>COMMAND LINE`.

mod audit;
mod dns;
mod dns_out;
mod dnstap_out;
mod pcap_out;
mod rng;
mod time;
mod wire;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

/// 2026-11-27T00:00:00Z, the first event's time.
fn t0_ns() -> i64 {
    time::days_from_civil(2026, 11, 27) * 86_400 * 1_000_000_000
}

struct Args {
    format: String,
    events: u64,
    seed: u64,
    output: Option<String>,
    manifest: Option<String>,
}

const FORMATS: [&str; 7] = ["dnsevents-csv", "bind", "zeek", "dnstap", "pcap", "pcapng", "auditd"];
const USAGE: &str = "usage: reconwatch-gen --format dnsevents-csv|bind|zeek|dnstap|pcap|pcapng|auditd [--events N] \
                     [--seed S] [-o FILE] [--manifest FILE]";

fn parse_args() -> Result<Args, String> {
    let mut a = Args { format: String::new(), events: 100_000, seed: 1590, output: None, manifest: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--format" => a.format = value()?,
            "--events" => a.events = value()?.parse().map_err(|e| format!("--events: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "-o" | "--output" => a.output = Some(value()?),
            "--manifest" => a.manifest = Some(value()?),
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    if !FORMATS.contains(&a.format.as_str()) {
        return Err(format!("--format must be one of {}\n{USAGE}", FORMATS.join(", ")));
    }
    Ok(a)
}

fn create(path: Option<&str>) -> io::Result<Box<dyn Write>> {
    Ok(match path {
        Some(p) if p != "-" => Box::new(BufWriter::with_capacity(1 << 20, File::create(p)?)),
        _ => Box::new(BufWriter::with_capacity(1 << 20, io::stdout().lock())),
    })
}

fn run(a: &Args) -> io::Result<()> {
    let mut out = create(a.output.as_deref())?;
    let mut manifest = String::new();
    let mut line = String::with_capacity(1024);
    if a.format == "auditd" {
        let mut s = audit::AuditStream::new(a.seed, a.events, t0_ns());
        while s.next(&mut line) {
            out.write_all(line.as_bytes())?;
            line.clear();
        }
        for r in &s.runs {
            manifest.push_str(&format!("tool\t{}\t{}\n", r.device, r.command_line));
        }
    } else if let Some(mut bin) = BinaryOut::new(&a.format) {
        let mut buf = Vec::with_capacity(1 << 16);
        bin.header(&mut buf);
        let mut s = dns::DnsStream::new(a.seed, a.events, t0_ns());
        let mut q = dns::Query::default();
        while s.next(&mut q) {
            bin.query(&q, &mut buf);
            if buf.len() >= 1 << 15 {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        bin.trailer(&mut buf);
        out.write_all(&buf)?;
        dns_manifest(&s, &mut manifest);
    } else {
        let write: fn(&dns::Query, &mut String) = match a.format.as_str() {
            "bind" => dns_out::bind,
            "zeek" => dns_out::zeek,
            _ => dns_out::csv,
        };
        match a.format.as_str() {
            "zeek" => dns_out::zeek_header(&mut out, t0_ns())?,
            "dnsevents-csv" => out.write_all(dns_out::CSV_HEADER.as_bytes())?,
            _ => {}
        }
        let mut s = dns::DnsStream::new(a.seed, a.events, t0_ns());
        let mut q = dns::Query::default();
        while s.next(&mut q) {
            write(&q, &mut line);
            out.write_all(line.as_bytes())?;
            line.clear();
        }
        dns_manifest(&s, &mut manifest);
    }
    out.flush()?;
    if let Some(m) = &a.manifest {
        std::fs::write(m, manifest)?;
    }
    Ok(())
}

fn dns_manifest(s: &dns::DnsStream, manifest: &mut String) {
    for b in &s.bursts {
        let server = dns::SERVERS[b.server].0;
        manifest.push_str(&format!("{}\t{}\t{server}\t{}\n", b.kind.name(), b.client, b.queries));
    }
}

/// The binary DNS outputs: a file header, records per query, maybe a trailer.
enum BinaryOut {
    Dnstap(dnstap_out::Writer),
    Capture(pcap_out::Container, pcap_out::Writer),
}

impl BinaryOut {
    fn new(format: &str) -> Option<Self> {
        let capture = |c| Some(BinaryOut::Capture(c, pcap_out::Writer::new(c)));
        match format {
            "dnstap" => Some(BinaryOut::Dnstap(dnstap_out::Writer::default())),
            "pcap" => capture(pcap_out::Container::Pcap),
            "pcapng" => capture(pcap_out::Container::PcapNg),
            _ => None,
        }
    }
    fn header(&self, out: &mut Vec<u8>) {
        match self {
            BinaryOut::Dnstap(_) => dnstap_out::start(out),
            BinaryOut::Capture(c, _) => pcap_out::header(*c, out),
        }
    }
    fn query(&mut self, q: &dns::Query, out: &mut Vec<u8>) {
        match self {
            BinaryOut::Dnstap(w) => w.query(q, out),
            BinaryOut::Capture(_, w) => w.query(q, out),
        }
    }
    fn trailer(&self, out: &mut Vec<u8>) {
        if let BinaryOut::Dnstap(_) = self {
            dnstap_out::stop(out);
        }
    }
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reconwatch-gen: {e}");
            ExitCode::FAILURE
        }
    }
}
