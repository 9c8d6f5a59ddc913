//! DNS wire-format messages (RFC 1035 §4) for the binary outputs (dnstap, pcap): the query a
//! client sent and the response the server gave, and the multi-message AXFR response of a
//! completed zone transfer (RFC 5936: the zone's SOA, its records, the SOA again, over several
//! messages of which only the first repeats the question).

use crate::dns::{Query, ZONE};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const CLASS_IN: u16 = 1;
const TTL: u32 = 300;
/// The zone's serial, in the SOA that opens and closes a transfer (and in BIND's log line).
pub const SERIAL: u32 = 2_026_112_701;
/// Hosts in the transferred zone besides its SOA, NS and MX records.
const ZONE_HOSTS: usize = 60;
/// Answer records per message of a transfer: 65 records in 3 messages.
const RECORDS_PER_MESSAGE: usize = 22;

/// Time between a query and its response.
pub const RESPONSE_DELAY_NS: i64 = 250_000;

/// The servers' IPv6 addresses, for queries from IPv6 clients.
pub const SERVERS_V6: [Ipv6Addr; 2] =
    [Ipv6Addr::new(0x2001, 0xdb8, 0x53, 0, 0, 0, 0, 1), Ipv6Addr::new(0x2001, 0xdb8, 0x53, 0, 0, 0, 0, 2)];

/// (client, server) addresses of a query, in one address family.
pub fn addresses(q: &Query) -> (IpAddr, IpAddr) {
    let client: IpAddr = q.client.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let server = match client {
        IpAddr::V4(_) => {
            IpAddr::V4(if q.server == 0 { Ipv4Addr::new(10, 0, 0, 53) } else { Ipv4Addr::new(10, 0, 1, 53) })
        }
        IpAddr::V6(_) => IpAddr::V6(SERVERS_V6[q.server]),
    };
    (client, server)
}

/// The message id of a query: any deterministic 16-bit value will do.
pub fn message_id(q: &Query) -> u16 {
    (q.time_ns as u64 >> 7) as u16 ^ q.port.rotate_left(5)
}

fn u16be(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn name(out: &mut Vec<u8>, n: &str) {
    for label in n.split('.').filter(|l| !l.is_empty()) {
        let l = &label.as_bytes()[..label.len().min(63)];
        out.push(l.len() as u8);
        out.extend_from_slice(l);
    }
    out.push(0);
}

fn header(out: &mut Vec<u8>, id: u16, flags: u16, qd: u16, an: u16) {
    for v in [id, flags, qd, an, 0, 0] {
        u16be(out, v);
    }
}

fn question(out: &mut Vec<u8>, q: &Query) {
    name(out, &q.name);
    u16be(out, q.qtype_num);
    u16be(out, CLASS_IN);
}

/// The query message, appended to `out`.
pub fn query(q: &Query, out: &mut Vec<u8>) {
    let rd = if q.recursion { 0x0100 } else { 0 };
    header(out, message_id(q), rd, 1, 0);
    question(out, q);
}

/// The response message (not for a completed AXFR: see [`axfr`]), appended to `out`: the
/// question, and the first answer when the query has one (A or AAAA, owner compressed).
pub fn response(q: &Query, out: &mut Vec<u8>) {
    let flags = 0x8000 | if q.recursion { 0x0180 } else { 0x0400 } | u16::from(q.rcode);
    let rdata: Option<Vec<u8>> = match q.answer.parse::<IpAddr>() {
        Ok(IpAddr::V4(a)) => Some(a.octets().to_vec()),
        Ok(IpAddr::V6(a)) => Some(a.octets().to_vec()),
        Err(_) => None,
    };
    header(out, message_id(q), flags, 1, u16::from(rdata.is_some()));
    question(out, q);
    if let Some(rdata) = rdata {
        u16be(out, 0xc00c);
        record_tail(out, if rdata.len() == 4 { 1 } else { 28 }, &rdata);
    }
}

/// True when the query is a zone transfer answered with the zone (several messages).
pub fn is_completed_axfr(q: &Query) -> bool {
    q.qtype_num == 252 && q.rcode == 0
}

fn record_tail(out: &mut Vec<u8>, rtype: u16, rdata: &[u8]) {
    u16be(out, rtype);
    u16be(out, CLASS_IN);
    out.extend_from_slice(&TTL.to_be_bytes());
    u16be(out, rdata.len() as u16);
    out.extend_from_slice(rdata);
}

/// One record of the zone, owner name uncompressed.
fn zone_record(i: usize, total: usize, out: &mut Vec<u8>) {
    let mut rdata = Vec::with_capacity(64);
    let (owner, rtype) = match i {
        _ if i == 0 || i + 1 == total => {
            name(&mut rdata, &format!("dns1.{ZONE}"));
            name(&mut rdata, &format!("hostmaster.{ZONE}"));
            for v in [SERIAL, 3600, 900, 604_800, 300] {
                rdata.extend_from_slice(&v.to_be_bytes());
            }
            (ZONE.to_string(), 6)
        }
        1 | 2 => {
            name(&mut rdata, &format!("dns{i}.{ZONE}"));
            (ZONE.to_string(), 2)
        }
        3 => {
            u16be(&mut rdata, 10);
            name(&mut rdata, &format!("mail.{ZONE}"));
            (ZONE.to_string(), 15)
        }
        _ => {
            let k = i - 4;
            rdata.extend_from_slice(&[10, 1 + (k / 200) as u8, (k % 200) as u8, 10 + (k % 200) as u8]);
            (format!("host{k}.{ZONE}"), 1)
        }
    };
    name(out, &owner);
    record_tail(out, rtype, &rdata);
}

/// Records in the zone, both SOAs included.
pub const ZONE_RECORDS: usize = ZONE_HOSTS + 5;

/// The messages of a completed AXFR of the zone, each appended to its own buffer of `msgs`
/// (cleared first): the first carries the question, every one a share of the records.
pub fn axfr(q: &Query, msgs: &mut Vec<Vec<u8>>) {
    msgs.clear();
    let mut i = 0;
    while i < ZONE_RECORDS {
        let n = RECORDS_PER_MESSAGE.min(ZONE_RECORDS - i);
        let mut m = Vec::with_capacity(1024);
        let first = i == 0;
        header(&mut m, message_id(q), 0x8400, u16::from(first), n as u16);
        if first {
            question(&mut m, q);
        }
        for r in i..i + n {
            zone_record(r, ZONE_RECORDS, &mut m);
        }
        msgs.push(m);
        i += n;
    }
}

/// (messages, records, bytes) of a completed AXFR, as BIND reports them.
pub fn axfr_stats(q: &Query) -> (usize, usize, usize) {
    let mut msgs = Vec::new();
    axfr(q, &mut msgs);
    (msgs.len(), ZONE_RECORDS, msgs.iter().map(Vec::len).sum())
}
