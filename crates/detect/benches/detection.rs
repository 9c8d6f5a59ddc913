//! Detection throughput over a realistic DNS query mix (mostly A/AAAA from internal clients, some
//! enumeration and transfer attempts from outside) and over process executions, for the seed's
//! typical rules: a QueryType list with a private-range `not` filter, a bulk-enumeration
//! selection, a name-suffix rule, and a process rule with `has_any`-like whole-term regexes.
//!
//! `engine/*` runs the whole engine (detection, derived fields, correlations) with the rule files
//! shipped under `rules/`: the seed's and endpoint rules alone, then every built-in rule (the
//! issue 7 rules under `rules/recon/` included), so the difference is what the new rules cost.
//!
//! Run: `cargo bench -p detect --bench detection`; criterion reports time per iteration over
//! `N` events, so ns/event = time / N.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use detect::{load_paths, load_str, DetectionRule, Engine, EngineConfig, Rule};
use event::{DnsEvent, Event, ProcessEvent, QType, Rcode, Timestamp};
use std::path::{Path, PathBuf};

const N: usize = 10_000;

const DNS_RULES: &str = r#"
title: External zone transfer
logsource: {category: dns}
detection:
    selection:
        QueryType: [AXFR, IXFR, 255]
    filter_private:
        ClientIP|cidr: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8, 169.254.0.0/16, fc00::/7]
    condition: selection and not filter_private
---
title: Bulk enumeration candidate
logsource: {category: dns}
detection:
    selection:
        QueryType: [NS, MX, TXT, SOA, 255, AXFR]
    filter_private:
        ClientIP|cidr: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 127.0.0.0/8, 169.254.0.0/16, fc00::/7]
    condition: selection and not filter_private
---
title: Mail and policy records
logsource: {category: dns}
detection:
    selection:
        Name|startswith: ['_dmarc.', '_domainkey.', 'selector1._domainkey', '_spf.']
    selection_tools:
        Name|contains: ['dnslog', 'burpcollaborator', 'interact.sh', 'oast.']
    condition: 1 of selection*
"#;

const PROCESS_RULE: &str = r#"
title: DNS enumeration tool
logsource: {category: process_creation}
detection:
    sel_tools:
        FileName:
            - dnsrecon
            - dnsrecon.py
            - dnsx
            - subfinder
            - amass
            - fierce
            - dnsenum
            - sublist3r
            - gobuster
            - dnstwist
            - knockpy
    sel_nslookup:
        FileName: [nslookup.exe, nslookup]
        ProcessCommandLine|re|i:
            - '(?:^|[^0-9A-Za-z])ls -d(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-type=axfr(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-querytype=axfr(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-q=axfr(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-type=any(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-type=ns(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-type=mx(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])-type=txt(?:$|[^0-9A-Za-z])'
    sel_dig:
        FileName: dig
        ProcessCommandLine|re|i:
            - '(?:^|[^0-9A-Za-z])axfr(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])\+short(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])any(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])txt(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])mx(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])ns(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])dkim(?:$|[^0-9A-Za-z])'
            - '(?:^|[^0-9A-Za-z])_dmarc(?:$|[^0-9A-Za-z])'
    condition: 1 of sel_*
"#;

fn rules(text: &str) -> Vec<DetectionRule> {
    let loaded = load_str(text, Path::new("bench.yml")).unwrap_or_else(|e| panic!("{e:?}"));
    loaded
        .into_iter()
        .filter_map(|r| match r {
            Rule::Detection(d) => Some(d),
            Rule::Correlation(_) | Rule::Filter(_) => None,
        })
        .collect()
}

struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn dns_events() -> Vec<DnsEvent> {
    let mut g = Lcg(7);
    let hosts = ["www", "mail", "api", "cdn", "login", "_dmarc", "selector1._domainkey", "vpn", "intranet", "x1"];
    let zones = ["example.com", "corp.example", "contoso.example", "office.example.net", "abc.oast.example"];
    (0..N)
        .map(|_| {
            let qtype = match g.next(100) {
                0..=59 => QType::A,
                60..=79 => QType::AAAA,
                80..=86 => QType::PTR,
                87..=90 => QType::MX,
                91..=94 => QType::TXT,
                95..=96 => QType::NS,
                97 => QType::SOA,
                98 => QType::ANY,
                _ => QType::AXFR,
            };
            let client = match g.next(10) {
                0..=5 => format!("10.{}.{}.{}", g.next(255), g.next(255), 1 + g.next(250)),
                6 => format!("192.168.{}.{}", g.next(255), 1 + g.next(250)),
                7 => format!("172.{}.{}.9", 16 + g.next(16), g.next(255)),
                8 => format!("203.0.113.{}", 1 + g.next(250)),
                _ => format!("2001:db8::{:x}", g.next(65535)),
            };
            let name = format!(
                "{}.{}",
                hosts[g.next(hosts.len() as u64) as usize],
                zones[g.next(zones.len() as u64) as usize]
            );
            let rcode = if g.next(10) == 0 { Rcode::NXDOMAIN } else { Rcode::NOERROR };
            DnsEvent {
                client_ip: client.parse().ok(),
                name,
                qtype: Some(qtype),
                rcode: Some(rcode),
                server: "dns01".into(),
                source_format: "bench",
                ..DnsEvent::default()
            }
        })
        .collect()
}

fn process_events() -> Vec<ProcessEvent> {
    let mut g = Lcg(11);
    let procs = [
        ("svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule"),
        ("chrome.exe", "\"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe\" --type=renderer --lang=en-US"),
        ("nslookup.exe", "nslookup -type=mx contoso.example 10.0.0.53"),
        ("nslookup.exe", "nslookup intranet.corp.example"),
        ("dig", "dig +short www.example.com"),
        ("dig", "dig www.example.com AAAA"),
        ("python3", "python3 -m http.server 8080"),
        ("powershell.exe", "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\scripts\\inventory.ps1"),
        ("amass", "amass enum -d example.com"),
        ("conhost.exe", "\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1"),
    ];
    (0..N)
        .map(|_| {
            let (f, c) = procs[match g.next(100) {
                0..=39 => 0,
                40..=59 => 1,
                60..=79 => 9,
                80..=89 => 7,
                90..=92 => 6,
                93..=94 => 3,
                95 => 2,
                96 => 4,
                97 => 5,
                _ => 8,
            }];
            ProcessEvent {
                file_name: f.into(),
                folder_path: format!("C:\\Windows\\System32\\{f}"),
                command_line: c.into(),
                device: "ws1".into(),
                account: "alice".into(),
                source_format: "bench",
                ..ProcessEvent::default()
            }
        })
        .collect()
}

/// An engine over the rule files under `rules/<dirs>` of the workspace.
fn engine(dirs: &[&str]) -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../rules");
    let paths: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
    let (set, errors) = load_paths(&paths);
    assert!(errors.is_empty(), "{errors:?}");
    Engine::new(set, EngineConfig::default()).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The DNS mix as a stream: one event per millisecond, the stream moved on by `N` ms per round so
/// that the engine's windows advance as in a real run.
/// `rcodes: false` drops the answer codes, as a query log without them (BIND's) has none.
fn engine_bench(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    dirs: &[&str],
    rcodes: bool,
) {
    let mut events: Vec<Event> =
        dns_events().into_iter().map(|d| Event::Dns(DnsEvent { rcode: d.rcode.filter(|_| rcodes), ..d })).collect();
    let mut e = engine(dirs);
    let mut round = 0i64;
    let mut out = Vec::new();
    c.bench_function(name, |b| {
        b.iter(|| {
            for (i, ev) in events.iter_mut().enumerate() {
                if let Event::Dns(d) = ev {
                    d.time = Timestamp((round * N as i64 + i as i64) * 1_000_000);
                }
            }
            round += 1;
            for ev in &events {
                e.process(black_box(ev), &mut out);
            }
            out.clear();
        })
    });
}

fn bench(c: &mut Criterion) {
    let dns_rules = rules(DNS_RULES);
    let proc_rules = rules(PROCESS_RULE);
    let dns = dns_events();
    let procs = process_events();
    let mut group = c.benchmark_group("detection");
    group.throughput(Throughput::Elements(N as u64));
    for r in &dns_rules {
        group.bench_function(format!("dns/{}", r.meta.title), |b| {
            b.iter(|| dns.iter().filter(|e| r.matches(black_box(*e))).count())
        });
    }
    group.bench_function("dns/all 3 rules", |b| {
        b.iter(|| dns.iter().map(|e| dns_rules.iter().filter(|r| r.matches(black_box(e))).count()).sum::<usize>())
    });
    group.bench_function("process/tool rule", |b| {
        b.iter(|| procs.iter().filter(|e| proc_rules[0].matches(black_box(*e))).count())
    });
    let all = ["seed", "endpoint", "recon"];
    engine_bench(&mut group, "engine/seed and endpoint rules", &["seed", "endpoint"], true);
    engine_bench(&mut group, "engine/all built-in rules", &all, true);
    engine_bench(&mut group, "engine/all built-in rules, no answer codes", &all, false);
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
