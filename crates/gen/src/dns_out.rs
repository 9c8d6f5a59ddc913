//! DNS query writers: DnsEvents CSV (the seed's columns), BIND 9 query log (print-time,
//! print-category, print-severity), Zeek dns.log TSV with its `#` header. Each writes one query
//! per call into a reused line buffer.

use crate::dns::{Query, SERVERS, ZONE};
use crate::time;
use crate::wire;
use std::fmt::Write as _;
use std::io::{self, Write};

pub const CSV_HEADER: &str = "TimeGenerated,Computer,ClientIP,Name,QueryType,ResultCode\n";

pub fn csv(q: &Query, line: &mut String) {
    time::rfc3339(q.time_ns, line);
    let _ = writeln!(line, ",{},{},{},{},{}", SERVERS[q.server].0, q.client, q.name, q.qtype, q.rcode);
}

/// The `queries` line; for a transfer also the outcome line BIND writes after it: `security`
/// (refused) or `xfer-out` (completed, with the counts of [`wire::axfr_stats`]).
pub fn bind(q: &Query, line: &mut String) {
    let start = line.len();
    time::bind(q.time_ns, line);
    let stamp_end = line.len();
    let ptr = (q.time_ns as u64 >> 10) as u32 & 0xffff_fff8;
    let flags = match (q.recursion, q.tcp) {
        (true, _) => "+E(0)K",
        (false, true) => "-E(0)TK",
        (false, false) => "-E(0)",
    };
    let _ = writeln!(
        line,
        " queries: info: client @0x7f5c{ptr:08x} {}#{} ({}): query: {} IN {} {flags} ({})",
        q.client, q.port, q.name, q.name, q.qtype, SERVERS[q.server].1
    );
    if wire::is_completed_axfr(q) {
        let stamp = line[start..stamp_end].to_string();
        let (msgs, records, bytes) = wire::axfr_stats(q);
        let _ = writeln!(
            line,
            "{stamp} xfer-out: info: client @0x7f5c{ptr:08x} {}#{} ({}): transfer of '{ZONE}/IN': AXFR ended: \
             {msgs} messages, {records} records, {bytes} bytes, 0.001 secs ({} bytes/sec) (serial {})",
            q.client,
            q.port,
            q.name,
            bytes * 1000,
            wire::SERIAL
        );
    }
    if q.tcp && q.rcode == 5 {
        let stamp = line[start..stamp_end].to_string();
        let _ = writeln!(
            line,
            "{stamp} security: error: client @0x7f5c{ptr:08x} {}#{} ({}): zone transfer '{ZONE}/{}/IN' denied",
            q.client, q.port, q.name, q.qtype
        );
    }
}

pub fn zeek_header(w: &mut impl Write, open_ns: i64) -> io::Result<()> {
    let (d, m, y) = {
        let (y, m, d) = time::civil(open_ns.div_euclid(86_400_000_000_000));
        (d, m, y)
    };
    let sod = open_ns.div_euclid(1_000_000_000).rem_euclid(86_400);
    write!(
        w,
        "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tdns\n\
         #open\t{y:04}-{m:02}-{d:02}-{:02}-{:02}-{:02}\n\
         #fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery\tqclass\t\
         qclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers\tTTLs\trejected\n\
         #types\ttime\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\tcount\tstring\t\
         count\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\tvector[interval]\tbool\n",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

const UID_CHARS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn zeek(q: &Query, line: &mut String) {
    time::epoch(q.time_ns, 6, line);
    // A connection uid derived from the query, as unique as Zeek's in practice.
    let mut h = (q.time_ns as u64 ^ u64::from(q.port) << 48).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    line.push_str("\tC");
    for _ in 0..17 {
        line.push(UID_CHARS[(h % 62) as usize] as char);
        h = (h / 62) ^ h.rotate_left(29);
    }
    let rcode_name = match q.rcode {
        0 => "NOERROR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        _ => "REFUSED",
    };
    let (proto, rtt) = if q.tcp { ("tcp", "0.001204") } else { ("udp", "0.000812") };
    let flag = |b: bool| if b { 'T' } else { 'F' };
    let _ = write!(
        line,
        "\t{}\t{}\t{}\t53\t{proto}\t{}\t{rtt}\t{}\t1\tC_INTERNET\t{}\t{}\t{}\t{rcode_name}\t{}\tF\t{}\t{}\t0\t",
        q.client,
        q.port,
        SERVERS[q.server].1,
        q.port ^ 0x5a5a,
        q.name,
        q.qtype_num,
        q.qtype,
        q.rcode,
        flag(!q.recursion),
        flag(q.recursion),
        flag(q.recursion),
    );
    if q.answer.is_empty() {
        line.push_str("(empty)\t(empty)\tF\n");
    } else {
        let _ = writeln!(line, "{}\t300.000000\tF", q.answer);
    }
}
