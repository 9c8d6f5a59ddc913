//! BIND query log throughput: events/s over 100k generated `queries` lines with BIND's
//! print-time, print-category and print-severity prefixes (`cargo bench -p formats --bench bind`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::sync::Arc;

mod common;

const ROWS: u64 = 100_000;

fn bind_log(rows: u64) -> Arc<[u8]> {
    let mut s = String::new();
    let types = ["A", "AAAA", "PTR", "MX", "TXT", "AXFR"];
    for i in 0..rows {
        let secs = 46_000 + i / 100;
        let name = format!("host{}.corp.example", i % 5000);
        let _ = writeln!(
            s,
            "27-Nov-2026 {:02}:{:02}:{:02}.{:03} queries: info: client @0x7f5c754f{:04x} 10.0.{}.{}#{} ({name}): \
             query: {name} IN {} +E(0)K (10.0.1.53)",
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            i % 1000,
            i % 65536,
            i % 200,
            i % 250 + 1,
            1024 + i % 60000,
            types[(i % 6) as usize],
        );
    }
    s.into_bytes().into()
}

fn bench(c: &mut Criterion) {
    let data = bind_log(ROWS);
    assert_eq!(common::read_all(&data, "bind"), ROWS);
    let mut g = c.benchmark_group("bind");
    g.throughput(Throughput::Elements(ROWS));
    g.sample_size(10);
    g.bench_function("queries_100k_lines", |b| b.iter(|| common::read_all(&data, "bind")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
