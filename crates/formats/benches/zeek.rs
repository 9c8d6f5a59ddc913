//! Zeek dns.log throughput, TSV and JSON: events/s over 100k generated rows
//! (`cargo bench -p formats --bench zeek`).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::fmt::Write;
use std::sync::Arc;

mod common;

const ROWS: u64 = 100_000;

fn zeek_tsv(rows: u64) -> Arc<[u8]> {
    let mut s = String::from(
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
         #open\t2026-11-27-13-00-00\n\
         #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\t\
         qclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n\
         #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\t\
         string\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n",
    );
    let types = [(1, "A"), (2, "NS"), (15, "MX"), (16, "TXT"), (252, "AXFR"), (255, "*")];
    for i in 0..rows {
        let (qt, qn) = types[(i % 6) as usize];
        let _ = writeln!(
            s,
            "{}.{:06}\tC{:016x}\t198.51.100.{}\t{}\t192.0.2.53\t53\tudp\t{}\t0.000{}\thost{}.example.com\t1\tC_INTERNET\t{qt}\t{qn}\t0\tNOERROR\tF\tF\tT\tT\t0\t203.0.113.{},203.0.113.9\t300.000000,300.000000\tF",
            1_795_785_255 + i / 100,
            i % 1_000_000,
            i,
            i % 250 + 1,
            1024 + i % 60000,
            i % 65536,
            i % 900 + 100,
            i % 5000,
            i % 250
        );
    }
    s.push_str("#close\t2026-11-27-14-00-00\n");
    s.into_bytes().into()
}

fn zeek_json(rows: u64) -> Arc<[u8]> {
    let mut s = String::new();
    for i in 0..rows {
        let _ = writeln!(
            s,
            r#"{{"ts":{}.{:06},"uid":"C{:016x}","id.orig_h":"198.51.100.{}","id.orig_p":{},"id.resp_h":"192.0.2.53","id.resp_p":53,"proto":"udp","trans_id":{},"rtt":0.000{},"query":"host{}.example.com","qclass":1,"qclass_name":"C_INTERNET","qtype":{},"qtype_name":"A","rcode":0,"rcode_name":"NOERROR","AA":false,"TC":false,"RD":true,"RA":true,"Z":0,"answers":["203.0.113.{}","203.0.113.9"],"TTLs":[300.0,300.0],"rejected":false}}"#,
            1_795_785_255 + i / 100,
            i % 1_000_000,
            i,
            i % 250 + 1,
            1024 + i % 60000,
            i % 65536,
            i % 900 + 100,
            i % 5000,
            [1, 2, 15, 16, 252, 255][(i % 6) as usize],
            i % 250
        );
    }
    s.into_bytes().into()
}

fn bench(c: &mut Criterion) {
    let data = zeek_tsv(ROWS);
    assert_eq!(common::read_all(&data, "zeek-dns"), ROWS);
    let mut g = c.benchmark_group("zeek-dns");
    g.throughput(Throughput::Elements(ROWS));
    g.sample_size(10);
    g.bench_function("tsv_100k_rows", |b| b.iter(|| common::read_all(&data, "zeek-dns")));
    let json = zeek_json(ROWS);
    assert_eq!(common::read_all(&json, "zeek-dns"), ROWS);
    g.bench_function("json_100k_rows", |b| b.iter(|| common::read_all(&json, "zeek-dns")));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
