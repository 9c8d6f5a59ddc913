//! Events/s of the `sentinel-csv` reader on a generated 100k-row DnsEvents export (the portal's
//! columns, `[UTC]` header, en-US times, some quoted fields), of the same rows with ISO times, and
//! of `sentinel-json` on 100k rows of a Log Analytics query API response.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::sync::Arc;

mod common;

const ROWS: usize = 100_000;

fn generate(portal_times: bool) -> Vec<u8> {
    let mut s = String::with_capacity(ROWS * 200);
    s.push_str("TenantId,SourceSystem,\"TimeGenerated [UTC]\",Computer,EventId,SubType,ClientIP,Name,IPAddresses,QueryType,ResultCode,Type\r\n");
    let qtypes = ["A", "AAAA", "MX", "TXT", "252", "NS"];
    for i in 0..ROWS {
        let (sec, ms) = (i % 60, i % 1000);
        let time = if portal_times {
            format!("\"11/27/2026, 1:{:02}:{sec:02}.{ms:03} PM\"", i / 60 % 60)
        } else {
            format!("2026-11-27T13:{:02}:{sec:02}.{ms:03}0000Z", i / 60 % 60)
        };
        let _ = write!(
            s,
            "00000000-0000-0000-0000-000000000001,OpsManager,{time},dc{}.corp.example,256,LookupQuery,203.0.113.{},host{i}.corp.example,\"198.51.100.1,198.51.100.2\",{},0,DnsEvents\r\n",
            i % 4,
            i % 250,
            qtypes[i % qtypes.len()]
        );
    }
    s.into_bytes()
}

/// The same rows as a Log Analytics query API response (`sentinel-json`, rows streamed).
fn generate_api_json() -> Vec<u8> {
    let mut s = String::with_capacity(ROWS * 200);
    s.push_str(r#"{"tables":[{"name":"PrimaryResult","columns":["#);
    for (i, (n, t)) in [
        ("TimeGenerated", "datetime"),
        ("Computer", "string"),
        ("EventId", "int"),
        ("ClientIP", "string"),
        ("Name", "string"),
        ("IPAddresses", "string"),
        ("QueryType", "string"),
        ("ResultCode", "int"),
    ]
    .iter()
    .enumerate()
    {
        let _ = write!(s, r#"{}{{"name":"{n}","type":"{t}"}}"#, if i > 0 { "," } else { "" });
    }
    s.push_str(r#"],"rows":["#);
    for i in 0..ROWS {
        let _ = write!(
            s,
            "{}\n[\"2026-11-27T13:{:02}:{:02}.1234567Z\",\"dc{}.corp.example\",256,\"203.0.113.{}\",\"host{i}.corp.example\",\"198.51.100.1\",\"{}\",0]",
            if i > 0 { "," } else { "" },
            i / 60 % 60,
            i % 60,
            i % 4,
            i % 250,
            ["A", "AAAA", "MX", "TXT", "252", "NS"][i % 6]
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("sentinel-csv");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(20);
    for (label, portal) in [("dnsevents_100k_portal_times", true), ("dnsevents_100k_iso_times", false)] {
        let data: Arc<[u8]> = generate(portal).into();
        assert_eq!(common::read_all(&data, "sentinel-csv"), ROWS as u64);
        g.bench_function(label, |b| b.iter(|| common::read_all(&data, "sentinel-csv")));
    }
    g.finish();
    let mut g = c.benchmark_group("sentinel-json");
    g.throughput(Throughput::Elements(ROWS as u64));
    g.sample_size(10);
    let data: Arc<[u8]> = generate_api_json().into();
    assert_eq!(common::read_all(&data, "sentinel-json"), ROWS as u64);
    g.bench_function("dnsevents_100k_log_analytics_api", |b| b.iter(|| common::read_all(&data, "sentinel-json")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
