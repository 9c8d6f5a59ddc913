//! The DNS query stream: background lookups plus bursts of each reconnaissance pattern, in time
//! order, one query at a time into a reused [`Query`] (nothing is built in memory).
//!
//! Background: every 10 ms slot one query, from internal clients (Zipf over 800 hosts; names Zipf
//! over 3000 internal and external names; A/AAAA mostly, some PTR/MX/TXT/SRV/HTTPS/NS/SOA), from
//! internal resolvers forwarding, and from external clients (documentation ranges, uniform over
//! 2000 addresses) resolving the organisation's own zone (A/AAAA/SRV/PTR, rarely MX/TXT of the
//! apex). External background clients stay far below the seed's bulk thresholds, so every seed
//! alert in the output comes from an injected burst.
//!
//! Bursts, four per cycle of ~50 000 slots (at least one cycle), each from its own external
//! attacker address (192.0.2.0/24, then 2001:db8:bad::/48), at one server:
//! - [`Kind::Axfr`]: AXFR of the zone over TCP, answered with the whole zone (a completed
//!   transfer), then IXFR, REFUSED — 2 zone-transfer alerts;
//! - [`Kind::BulkEnum`]: 45 NS/MX/TXT/SOA queries on 45 names in ~7 s — 1 bulk-enumeration alert;
//! - [`Kind::BruteForce`]: 200 A queries of guessed subdomains, 90 % NXDOMAIN (the seed has no
//!   branch for it);
//! - [`Kind::PtrSweep`]: 254 PTR queries over one /24 (the seed has no branch for it either).

use crate::rng::{Rng, Zipf};
use std::fmt::Write;

pub const SERVERS: [(&str, &str); 2] = [("dns1.corp.example", "10.0.0.53"), ("dns2.corp.example", "10.0.1.53")];
pub const ZONE: &str = "corp.example";
const STEP_NS: i64 = 10_000_000;
const CYCLE: u64 = 50_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Axfr,
    BulkEnum,
    BruteForce,
    PtrSweep,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Axfr, Kind::BulkEnum, Kind::BruteForce, Kind::PtrSweep];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Axfr => "axfr",
            Kind::BulkEnum => "bulk-enum",
            Kind::BruteForce => "brute-force",
            Kind::PtrSweep => "ptr-sweep",
        }
    }

    /// (queries, slots between two of them)
    fn shape(self) -> (u32, u64) {
        match self {
            Kind::Axfr => (2, 50),
            Kind::BulkEnum => (45, 15),
            Kind::BruteForce => (200, 3),
            Kind::PtrSweep => (254, 2),
        }
    }
}

/// One query, as every DNS format needs it. Rcode 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED.
#[derive(Default)]
pub struct Query {
    pub time_ns: i64,
    pub server: usize,
    pub client: String,
    pub port: u16,
    pub name: String,
    pub qtype: &'static str,
    pub qtype_num: u16,
    pub rcode: u8,
    pub tcp: bool,
    pub recursion: bool,
    /// The first answer (an address for A/AAAA), empty when none.
    pub answer: String,
}

/// A burst as injected; `queries` counts those actually written (the output may end first).
pub struct Burst {
    pub kind: Kind,
    pub client: String,
    pub server: usize,
    pub queries: u32,
    next_slot: u64,
}

const TYPES_INTERNAL: [(&str, u16, u64); 9] = [
    ("A", 1, 600),
    ("AAAA", 28, 250),
    ("PTR", 12, 50),
    ("MX", 15, 20),
    ("TXT", 16, 20),
    ("SRV", 33, 20),
    ("HTTPS", 65, 20),
    ("NS", 2, 10),
    ("SOA", 6, 10),
];
const TYPES_EXTERNAL: [(&str, u16, u64); 6] =
    [("A", 1, 700), ("AAAA", 28, 250), ("SRV", 33, 30), ("PTR", 12, 10), ("MX", 15, 5), ("TXT", 16, 5)];
const ENUM_TYPES: [(&str, u16); 4] = [("NS", 2), ("MX", 15), ("TXT", 16), ("SOA", 6)];
const PREFIXES: [&str; 16] = [
    "ws", "srv", "db", "app", "web", "mail", "vpn", "files", "print", "build", "git", "wiki", "ldap", "kube", "cam",
    "lab",
];
const SUBDOMAINS: [&str; 24] = [
    "www", "mail", "remote", "blog", "webmail", "server", "ns1", "ns2", "smtp", "secure", "vpn", "m", "shop", "ftp",
    "mail2", "test", "portal", "ns", "ww1", "host", "support", "dev", "web", "bbs",
];
const EXT_LABELS: [&str; 8] = ["www", "cdn", "api", "login", "static", "img", "update", "telemetry"];
const TLDS: [&str; 3] = ["com", "net", "org"];

pub struct DnsStream {
    rng: Rng,
    names: Vec<String>,
    name_rank: Zipf,
    client_rank: Zipf,
    total: u64,
    slot: u64,
    t0_ns: i64,
    cycle_len: u64,
    next_burst: u64,
    active: Vec<usize>,
    pub bursts: Vec<Burst>,
}

impl DnsStream {
    /// `total` queries starting at `t0_ns`.
    pub fn new(seed: u64, total: u64, t0_ns: i64) -> Self {
        let names = (0..3000usize)
            .map(|k| {
                if k % 3 == 0 {
                    let k = k / 3;
                    format!("{}.site{}.example.{}", EXT_LABELS[k % 8], k / 8, TLDS[k % 3])
                } else {
                    let zone = ["", "dev.", "ad."][k % 3];
                    format!("{}{}.{zone}{ZONE}", PREFIXES[k % 16], k / 16)
                }
            })
            .collect();
        let cycles = (total / CYCLE).max(1);
        DnsStream {
            rng: Rng::new(seed),
            names,
            name_rank: Zipf::new(3000),
            client_rank: Zipf::new(800),
            total,
            slot: 0,
            t0_ns,
            cycle_len: total.div_ceil(cycles).max(1),
            next_burst: 0,
            active: Vec::new(),
            bursts: Vec::new(),
        }
    }

    fn burst_start(&self, j: u64) -> u64 {
        let (cycle, k) = (j / 4, j % 4);
        cycle * self.cycle_len + self.cycle_len / 8 + k * self.cycle_len / 5
    }

    /// Writes the next query into `q`; false at the end.
    pub fn next(&mut self, q: &mut Query) -> bool {
        if self.slot >= self.total {
            return false;
        }
        let slot = self.slot;
        self.slot += 1;
        q.time_ns = self.t0_ns + slot as i64 * STEP_NS + self.rng.below(STEP_NS as u64) as i64;
        q.client.clear();
        q.name.clear();
        q.answer.clear();
        q.port = 1024 + self.rng.below(64_000) as u16;
        q.tcp = false;
        while self.burst_start(self.next_burst) <= slot {
            self.start_burst();
        }
        if let Some(pos) = self.active.iter().position(|&b| self.bursts[b].next_slot <= slot) {
            let b = self.active[pos];
            self.burst_query(b, q);
            let burst = &mut self.bursts[b];
            burst.queries += 1;
            burst.next_slot = slot + burst.kind.shape().1;
            if burst.queries >= burst.kind.shape().0 {
                self.active.remove(pos);
            }
        } else {
            self.background(q);
        }
        true
    }

    fn start_burst(&mut self) {
        let j = self.next_burst as usize;
        self.next_burst += 1;
        let client = if j < 254 { format!("192.0.2.{}", j + 1) } else { format!("2001:db8:bad::{j:x}") };
        let kind = Kind::ALL[j % 4];
        let server = self.rng.below(2) as usize;
        self.active.push(self.bursts.len());
        self.bursts.push(Burst { kind, client, server, queries: 0, next_slot: 0 });
    }

    fn burst_query(&mut self, b: usize, q: &mut Query) {
        let burst = &self.bursts[b];
        let i = burst.queries as usize;
        q.server = burst.server;
        q.client.push_str(&burst.client);
        q.recursion = false;
        q.rcode = 0;
        match burst.kind {
            Kind::Axfr => {
                (q.qtype, q.qtype_num) = if i == 0 { ("AXFR", 252) } else { ("IXFR", 251) };
                q.name.push_str(ZONE);
                q.rcode = if i == 0 { 0 } else { 5 };
                q.tcp = true;
            }
            Kind::BulkEnum => {
                (q.qtype, q.qtype_num) = ENUM_TYPES[i % 4];
                let (label, n) = (SUBDOMAINS[i % SUBDOMAINS.len()], i / SUBDOMAINS.len());
                match (i, n) {
                    (0, _) => q.name.push_str(ZONE),
                    (_, 0) => _ = write!(q.name, "{label}.{ZONE}"),
                    _ => _ = write!(q.name, "{label}{n}.{ZONE}"),
                }
                q.rcode = if q.qtype == "SOA" || i % 3 == 0 { 0 } else { 3 };
            }
            Kind::BruteForce => {
                (q.qtype, q.qtype_num) = ("A", 1);
                let w = SUBDOMAINS[self.rng.below(SUBDOMAINS.len() as u64) as usize];
                let _ = write!(q.name, "{w}{}.{ZONE}", self.rng.below(1000));
                if self.rng.chance(100) {
                    let _ = write!(q.answer, "10.20.{}.{}", self.rng.below(256), 1 + self.rng.below(254));
                } else {
                    q.rcode = 3;
                }
            }
            Kind::PtrSweep => {
                (q.qtype, q.qtype_num) = ("PTR", 12);
                let _ = write!(q.name, "{}.{}.0.10.in-addr.arpa", i + 1, b % 256);
                q.rcode = if i % 16 == 0 { 0 } else { 3 };
            }
        }
    }

    fn background(&mut self, q: &mut Query) {
        let r = self.rng.below(100);
        q.server = self.rng.below(2) as usize;
        let types: &[(&str, u16, u64)] = if r < 90 {
            q.recursion = true;
            if r < 75 {
                let c = self.client_rank.sample(&mut self.rng);
                let _ = write!(q.client, "10.{}.{}.{}", 1 + c / 200, c / 8 % 25, 10 + c % 200);
            } else {
                let _ = write!(q.client, "10.0.2.{}", 1 + self.rng.below(4));
            }
            &TYPES_INTERNAL
        } else {
            q.recursion = false;
            let c = self.rng.below(2000);
            match c % 3 {
                0 => _ = write!(q.client, "203.0.113.{}", 1 + c % 254),
                1 => _ = write!(q.client, "198.51.100.{}", 1 + c % 254),
                _ => _ = write!(q.client, "2001:db8:1::{c:x}"),
            }
            &TYPES_EXTERNAL
        };
        let (name, num) = weighted(&mut self.rng, types);
        (q.qtype, q.qtype_num) = (name, num);
        let external = !q.recursion;
        match name {
            "PTR" => {
                let a = self.rng.below(65_536);
                let _ = write!(q.name, "{}.{}.{}.10.in-addr.arpa", a % 256, a / 256 % 25, 1 + a / 6400);
            }
            "MX" => q.name.push_str(ZONE),
            "TXT" if external => q.name.push_str(if self.rng.chance(500) { ZONE } else { "_dmarc.corp.example" }),
            "NS" | "SOA" => q.name.push_str(ZONE),
            "SRV" => q.name.push_str(if external { "_sip._tls.corp.example" } else { "_ldap._tcp.ad.corp.example" }),
            _ => loop {
                let k = self.name_rank.sample(&mut self.rng);
                if !external || k % 3 != 0 {
                    q.name.push_str(&self.names[k]);
                    break;
                }
            },
        }
        let r = self.rng.below(1000);
        q.rcode = if r < 50 {
            3
        } else if r < 55 {
            2
        } else {
            0
        };
        if q.rcode == 0 {
            let h = self.rng.below(1 << 16);
            match num {
                1 => _ = write!(q.answer, "10.{}.{}.{}", 1 + h % 7, h / 7 % 256, 1 + h % 253),
                28 => _ = write!(q.answer, "2001:db8:c0::{h:x}"),
                _ => {}
            }
        }
    }
}

fn weighted(rng: &mut Rng, types: &[(&'static str, u16, u64)]) -> (&'static str, u16) {
    let mut w = rng.below(types.iter().map(|t| t.2).sum());
    for &(name, num, weight) in types {
        if w < weight {
            return (name, num);
        }
        w -= weight;
    }
    (types[0].0, types[0].1)
}
