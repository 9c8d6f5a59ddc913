//! Correlation and engine throughput.
//!
//! - `value_count/<mode>/<distinct>`: ns per observation of a value_count correlation whose
//!   window holds `<distinct>` distinct names (never firing, so the window stays full), through
//!   the aggregator with the default 5 s lateness. The target is a flat cost as the window grows.
//! - `engine/dns_mix`: events/s for detection + correlation over a DNS mix with the seed's
//!   zone-transfer and bulk-enumeration rules (merged event_count + value_count).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use detect::correlation::{
    AggConfig, AggSpec, Aggregator, Condition, CorrelationType, Member, Observation, Op, SlotSpec, WindowMode,
};
use detect::{Engine, EngineConfig, RuleSet};
use event::{DnsEvent, DnsField, Event, Timestamp};
use std::hint::black_box;
use std::path::Path;

const S: i64 = 1_000_000_000;
const BATCH: usize = 100_000;

fn value_count(c: &mut Criterion) {
    let mut g = c.benchmark_group("value_count");
    g.throughput(Throughput::Elements(BATCH as u64));
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        for distinct in [1_000usize, 10_000, 40_000] {
            let names: Vec<String> = (0..distinct).map(|i| format!("host{i}.corp.example.com")).collect();
            let spec = AggSpec {
                span: 600 * S,
                n_rules: 1,
                members: vec![Member {
                    kind: CorrelationType::ValueCount,
                    condition: Condition::new(vec![(Op::Gt, 1_000_000)]),
                    slot: Some(0),
                }],
                slots: vec![SlotSpec { distinct: true, listed: true }],
            };
            let mut agg = Aggregator::new(spec, AggConfig { mode, ..AggConfig::default() });
            // 60,000 events per 10-minute window: the window holds every name.
            let step = 10_000_000;
            let mut t = 0i64;
            let mut i = 0usize;
            let mut out = Vec::new();
            let id = BenchmarkId::new(mode.as_str(), distinct);
            g.bench_function(id, |b| {
                b.iter(|| {
                    for _ in 0..BATCH {
                        let values = [Some(names[i % distinct].as_str())];
                        let obs = Observation { time: t, group: &["203.0.113.7", "dns1"], rule: 0, values: &values };
                        agg.observe(&obs, &mut out);
                        t += step;
                        i += 1;
                    }
                    black_box(out.len())
                })
            });
        }
    }
    g.finish();
}

const RULES: &str = "title: External zone transfer\nid: zt-1\nname: zone_transfer\nlogsource: {category: dns}\n\
detection:\n  sel:\n    QueryType: [AXFR, IXFR, ANY]\n  private:\n    ClientIP|cidr: [10.0.0.0/8, 192.168.0.0/16, \
172.16.0.0/12, 127.0.0.0/8, 169.254.0.0/16]\n  condition: sel and not private\n\
fields: [Computer, ClientIP, Name, QueryType, ResultCode]\n\
---\ntitle: Enumeration query\nid: enum-q\nname: enum_query\nlogsource: {category: dns}\n\
detection:\n  sel:\n    QueryType: [NS, MX, TXT, SOA, ANY, AXFR]\n  private:\n    ClientIP|cidr: [10.0.0.0/8, \
192.168.0.0/16, 172.16.0.0/12, 127.0.0.0/8, 169.254.0.0/16]\n  condition: sel and not private\n\
---\ntitle: Bulk enumeration\nid: bulk-count\ncorrelation:\n  type: event_count\n  rules: [enum_query]\n  \
group-by: [ClientIP, Computer]\n  timespan: 10m\n  condition: {gt: 30}\n\
reconwatch: {merge: bulk, output: {QueryCount: count, UniqueNames: distinct(Name), QueryTypes: values(QueryType)}}\n\
---\ntitle: Bulk enumeration (names)\nid: bulk-names\ncorrelation:\n  type: value_count\n  rules: [enum_query]\n  \
group-by: [ClientIP, Computer]\n  timespan: 10m\n  condition: {field: Name, gt: 20}\nreconwatch: {merge: bulk}\n";

fn rules() -> RuleSet {
    let mut set = RuleSet::default();
    for r in detect::load_str(RULES, Path::new("bench.yml")).expect("bench rules load") {
        match r {
            detect::Rule::Detection(d) => set.detections.push(d),
            detect::Rule::Correlation(c) => set.correlations.push(c),
            detect::Rule::Filter(f) => set.filters.push(f),
        }
    }
    set
}

/// 86% internal A/AAAA lookups, 13.9% external NS/MX/TXT from 250 clients, 0.1% external AXFR/ANY.
fn dns_mix(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| {
            let mut e = DnsEvent { server: "dns1".into(), ..DnsEvent::default() };
            let r = (i * 7919) % 1000;
            let (client, qtype) = if r < 860 {
                (format!("10.0.{}.{}", (i / 256) % 256, i % 256), if r % 2 == 0 { "A" } else { "AAAA" })
            } else if r < 999 {
                (format!("198.51.100.{}", i % 250), ["NS", "MX", "TXT"][i % 3])
            } else {
                (format!("203.0.113.{}", i % 250), if i % 2 == 0 { "AXFR" } else { "ANY" })
            };
            e.set(DnsField::ClientIp, &client).expect("ip");
            e.set(DnsField::QueryType, qtype).expect("qtype");
            e.set(DnsField::Name, &format!("host{}.corp.example.com", i % 5000)).expect("name");
            Event::Dns(e)
        })
        .collect()
}

fn engine(c: &mut Criterion) {
    let mut g = c.benchmark_group("engine");
    let mut evs = dns_mix(BATCH);
    g.throughput(Throughput::Elements(BATCH as u64));
    for mode in [WindowMode::Sliding, WindowMode::Tumbling] {
        let cfg = EngineConfig { window: mode, ..EngineConfig::default() };
        let mut eng = Engine::new(rules(), cfg).expect("engine builds");
        let mut t = 0i64;
        let mut out = Vec::new();
        g.bench_function(BenchmarkId::new("dns_mix", mode.as_str()), |b| {
            b.iter(|| {
                for e in evs.iter_mut() {
                    if let Event::Dns(d) = e {
                        d.time = Timestamp(t);
                    }
                    t += 1_000_000; // 1000 events/s of event time
                    eng.process(e, &mut out);
                }
                let n = out.len();
                out.clear();
                black_box(n)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, value_count, engine);
criterion_main!(benches);
