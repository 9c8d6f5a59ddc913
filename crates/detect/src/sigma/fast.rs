//! Typed DNS field tests answered straight from a [`DnsEvent`], without building a
//! [`FieldValue`](event::FieldValue) and walking a general [`ValueSet`]: a value list of query
//! types, of result codes, of addresses and CIDR networks, `Name|contains` lists (`substr.rs`),
//! and `|exists`. Each answers exactly as
//! the general test does on the typed value the event holds (a missing value matches only where
//! the list has `null`); everything else keeps the general path.

use super::substr::Substrings;
use super::test::{FieldTest, Net, TestKind, ValueSet};
use event::{DnsEvent, DnsField, FieldId, QType, Rcode};
use std::net::IpAddr;

/// A set of query types: a bitmap below 256, a list from 256 up (rare: URI, CAA, TA, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QTypeSet {
    low: [u64; 4],
    high: Vec<u16>,
}

impl QTypeSet {
    pub(crate) fn new(types: &[QType]) -> QTypeSet {
        let mut set = QTypeSet { low: [0; 4], high: Vec::new() };
        for QType(q) in types {
            if *q < 256 {
                set.low[usize::from(*q / 64)] |= 1 << (q % 64);
            } else {
                set.high.push(*q);
            }
        }
        set
    }

    pub(crate) fn contains(&self, QType(q): QType) -> bool {
        if q < 256 {
            self.low[usize::from(q / 64)] & (1 << (q % 64)) != 0
        } else {
            self.high.contains(&q)
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fast {
    QTypes {
        set: QTypeSet,
        null: bool,
    },
    Rcodes {
        codes: Vec<Rcode>,
        null: bool,
    },
    Ips {
        field: IpField,
        nets: Nets,
        ips: Vec<IpAddr>,
        null: bool,
    },
    /// Substrings of the query name (which is never missing).
    Name(Substrings),
    /// `|exists`: whether the typed field holds a value is what is wanted.
    Exists {
        field: DnsField,
        want: bool,
    },
}

/// CIDR networks as (network, mask) pairs per family: what [`Net::contains`] computes per call,
/// computed once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Nets {
    v4: Vec<(u32, u32)>,
    v6: Vec<(u128, u128)>,
}

impl Nets {
    fn new(nets: &[Net]) -> Nets {
        let mut out = Nets::default();
        for n in nets {
            match n.addr() {
                IpAddr::V4(a) => {
                    let mask = u32::MAX.checked_shl(32 - u32::from(n.prefix())).unwrap_or(0);
                    out.v4.push((u32::from(a) & mask, mask));
                }
                IpAddr::V6(a) => {
                    let mask = u128::MAX.checked_shl(128 - u32::from(n.prefix())).unwrap_or(0);
                    out.v6.push((u128::from(a) & mask, mask));
                }
            }
        }
        out
    }

    fn contains_v4(&self, a: u32) -> bool {
        self.v4.iter().any(|&(n, m)| a & m == n)
    }

    fn contains_v6(&self, a: u128) -> bool {
        self.v6.iter().any(|&(n, m)| a & m == n)
    }
}

/// Whether an address (IPv4-mapped ones taken as IPv4, as `to_canonical` does) is one of `ips` or
/// in one of `nets`. IPv4 first and without building a canonical `IpAddr`: nearly every client
/// is IPv4, and the rules' address lists are empty.
#[inline]
fn ip_in(a: &IpAddr, nets: &Nets, ips: &[IpAddr]) -> bool {
    let v4 = match a {
        IpAddr::V4(a) => Some(*a),
        IpAddr::V6(a) => a.to_ipv4_mapped(),
    };
    match v4 {
        Some(a) => nets.contains_v4(u32::from(a)) || !ips.is_empty() && ips.contains(&IpAddr::V4(a)),
        None => {
            let IpAddr::V6(a6) = a else { return false };
            nets.contains_v6(u128::from(*a6)) || ips.contains(a)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum IpField {
    Client,
    Server,
}

/// Whether a value set holds nothing but what `keep` allows (and maybe `null`).
fn only(set: &ValueSet, qtypes: bool, rcodes: bool, ips: bool) -> bool {
    set.strs.is_none() && only_strs(set, qtypes, rcodes, ips)
}

/// [`only`], string patterns allowed too.
fn only_strs(set: &ValueSet, qtypes: bool, rcodes: bool, ips: bool) -> bool {
    set.regex.is_none()
        && set.cmps.is_empty()
        && (qtypes || set.qtypes.is_empty())
        && (rcodes || set.rcodes.is_empty())
        && (ips || set.nets.is_empty() && set.ips.is_empty())
}

impl Fast {
    /// The fast form of a test, where there is one.
    pub(crate) fn of(t: &FieldTest) -> Option<Fast> {
        let Some(FieldId::Dns(field)) = t.field else { return None };
        match (&t.kind, field) {
            (
                TestKind::Exists(want),
                DnsField::QueryType | DnsField::ResultCode | DnsField::ClientIp | DnsField::ServerIp,
            ) => Some(Fast::Exists { field, want: *want }),
            (TestKind::Any(set), DnsField::QueryType) if only(set, true, false, false) => {
                Some(Fast::QTypes { set: QTypeSet::new(&set.qtypes), null: set.null })
            }
            (TestKind::Any(set), DnsField::ResultCode) if only(set, false, true, false) => {
                Some(Fast::Rcodes { codes: set.rcodes.clone(), null: set.null })
            }
            (TestKind::Any(set), DnsField::ClientIp | DnsField::ServerIp) if only(set, false, false, true) => {
                let field = if field == DnsField::ClientIp { IpField::Client } else { IpField::Server };
                Some(Fast::Ips { field, nets: Nets::new(&set.nets), ips: set.ips.clone(), null: set.null })
            }
            (TestKind::Any(set), DnsField::Name) if only_strs(set, false, false, false) => {
                let (lits, cased) = set.strs.as_ref()?.only_contains()?;
                Substrings::new(lits, cased).map(Fast::Name)
            }
            _ => None,
        }
    }

    /// Whether the answer depends on the event's result code alone.
    pub(crate) fn reads_only_rcode(&self) -> bool {
        matches!(self, Fast::Rcodes { .. } | Fast::Exists { field: DnsField::ResultCode, .. })
    }

    /// The test's answer before `neq`.
    pub(crate) fn eval(&self, d: &DnsEvent) -> bool {
        match self {
            Fast::QTypes { set, null } => d.qtype.map_or(*null, |q| set.contains(q)),
            Fast::Rcodes { codes, null } => d.rcode.map_or(*null, |r| codes.contains(&r)),
            Fast::Ips { field, nets, ips, null } => {
                // By reference: read by value, both fields were loaded and selected byte by byte.
                let ip = match field {
                    IpField::Client => &d.client_ip,
                    IpField::Server => &d.server_ip,
                };
                match ip {
                    Some(a) => ip_in(a, nets, ips),
                    None => *null,
                }
            }
            Fast::Name(s) => s.is_match(d.name.as_bytes()),
            Fast::Exists { field, want } => {
                let present = match field {
                    DnsField::QueryType => d.qtype.is_some(),
                    DnsField::ResultCode => d.rcode.is_some(),
                    DnsField::ClientIp => d.client_ip.is_some(),
                    _ => d.server_ip.is_some(),
                };
                present == *want
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{load_str, Rule};
    use event::{DnsEvent, DnsField, Event, Rcode};
    use std::path::Path;

    /// Every fast-pathed test gives the general evaluation's answer, on events with and without
    /// the field, typed values and IPv4-mapped addresses included.
    #[test]
    fn fast_tests_answer_as_the_general_path() {
        let detections = [
            "QueryType: [AXFR, 255, CAA]",
            "QueryType: [A, null]",
            "QueryType|neq: AXFR",
            "ResultCode: [NXDOMAIN, 5]",
            "ResultCode: [null, NOERROR]",
            "ResultCode|exists: true",
            "ResultCode|exists: false",
            "ClientIP|cidr: [10.0.0.0/8, '::1/128', 'fc00::/7']",
            "ClientIP|cidr: [0.0.0.0/0, 10.1.2.3/32, '2001:db8::/32', '::/0']",
            "ClientIP|cidr: ['2001:db8::/127', 203.0.113.8/31]",
            "ClientIP: [203.0.113.9, '2001:db8::1']",
            "ClientIP|cidr|neq: 192.0.2.0/24",
            "ServerIP|cidr: 10.0.0.0/8",
            "QueryType|exists: false",
            "Name|contains: ['\\000', '-.']",
            "Name|contains|cased: ['Ab-', 'x_']",
            "Name|contains|neq: '-.'",
        ];
        let clients =
            [None, Some("10.1.2.3"), Some("::ffff:10.1.2.3"), Some("203.0.113.9"), Some("2001:db8::1"), Some("::1")];
        let names = ["", "www.example.com", "a-.b", "A-.B", "ab-.x_", "x\\000.é", "AB-"];
        for det in detections {
            let text = format!("title: T\nlogsource: {{category: dns}}\ndetection:\n  s: {{{det}}}\n  condition: s\n");
            let Rule::Detection(r) = load_str(&text, Path::new("t.yml")).unwrap().remove(0) else { unreachable!() };
            assert!(r.has_fast_tests(), "{det}");
            for qtype in [None, Some(1), Some(252), Some(255), Some(257)] {
                for rcode in [None, Some(0), Some(3), Some(5)] {
                    for (client, name) in clients.iter().flat_map(|c| names.iter().map(move |n| (c, n))) {
                        let mut d =
                            DnsEvent { qtype: qtype.map(event::QType), rcode: rcode.map(Rcode), ..DnsEvent::default() };
                        if let Some(c) = client {
                            d.set(DnsField::ClientIp, c).unwrap();
                            d.set(DnsField::ServerIp, c).unwrap();
                        }
                        d.name = name.to_string();
                        let e = Event::Dns(d);
                        assert_eq!(r.matches_without_gate(&e), r.matches_generally(&e), "{det} on {e:?}");
                    }
                }
            }
        }
    }
}
