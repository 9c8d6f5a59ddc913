//! Derived fields of DNS events, available to every rule by name (`Zone`, `ReverseNetwork`,
//! `ClientNetwork`), computed only when a rule reads them — after its cheaper selections passed —
//! and at most once per event.
//!
//! - `Zone`: the zone a query name falls in. With `zones:` configured, the longest configured zone
//!   that is the name or one of its ancestors; otherwise (or when no configured zone holds the
//!   name) the registered domain by the Public Suffix List (`www.example.co.uk` → `example.co.uk`;
//!   a name that is itself a public suffix is its own zone). Reverse names are zoned by network:
//!   `4.3.2.1.in-addr.arpa` → `3.2.1.in-addr.arpa` (the /24), an ip6.arpa name → its /64 (16
//!   nibbles). Lower-cased in group-by keys, so `WWW.Example.COM` and `www.example.com` are one
//!   zone (resolvers that randomise the case of names, "0x20", do not split a group).
//! - `ReverseNetwork`: for names under in-addr.arpa / ip6.arpa with at least 3 octets / 16
//!   nibbles, the network address of the /24 (IPv4) or /64 (IPv6) the name points into
//!   (`4.3.2.1.in-addr.arpa` → `1.2.3.0`); missing for other names.
//! - `ClientNetwork`: the network address of the client's /24 (IPv4, including IPv4-mapped IPv6)
//!   or /64 (IPv6); missing without a client address.

use event::{DerivedField, DnsEvent, Event, FieldId, FieldValue, Record, Timestamp};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The zones the monitored servers serve (`zones:` in the configuration), longest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Zones {
    /// Lower-case, without a trailing dot, longest first.
    names: Vec<Box<str>>,
}

/// A configured zone name that is not a DNS name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("zone {0:?} is not a DNS name (labels of 1-63 characters, 253 at most in all)")]
pub struct BadZone(pub String);

impl Zones {
    /// Zones from configured names (case and a trailing dot do not matter).
    pub fn new<S: AsRef<str>>(names: &[S]) -> Result<Zones, BadZone> {
        let mut out: Vec<Box<str>> = Vec::with_capacity(names.len());
        for raw in names {
            let raw = raw.as_ref();
            let z = raw.trim().strip_suffix('.').unwrap_or(raw.trim()).to_ascii_lowercase();
            if z.is_empty() || z.len() > 253 || z.split('.').any(|l| l.is_empty() || l.len() > 63) {
                return Err(BadZone(raw.to_string()));
            }
            out.push(z.into());
        }
        out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        out.dedup();
        Ok(Zones { names: out })
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The zone of `name` (no trailing dot), as a suffix of `name`.
    pub fn zone_of<'n>(&self, name: &'n str) -> &'n str {
        if let Some(z) = reverse_zone(name) {
            return z;
        }
        for z in &self.names {
            if is_at_or_under(name, z) {
                return &name[name.len() - z.len()..];
            }
        }
        registered_domain(name)
    }
}

/// Whether `name` is `zone` or a name under it, ignoring ASCII case.
fn is_at_or_under(name: &str, zone: &str) -> bool {
    let (n, z) = (name.as_bytes(), zone.as_bytes());
    n.len() >= z.len()
        && n[n.len() - z.len()..].eq_ignore_ascii_case(z)
        && (n.len() == z.len() || n[n.len() - z.len() - 1] == b'.')
}

/// The registered domain of `name` by the Public Suffix List, as a suffix of `name`; the name
/// itself when it is a public suffix (or has no dot).
fn registered_domain(name: &str) -> &str {
    let mut buf = [0u8; 256];
    let lower;
    let bytes: &[u8] = if name.len() <= buf.len() {
        let b = &mut buf[..name.len()];
        b.copy_from_slice(name.as_bytes());
        b.make_ascii_lowercase();
        b
    } else {
        lower = name.to_ascii_lowercase();
        lower.as_bytes()
    };
    match psl::domain(bytes) {
        Some(d) => &name[name.len() - d.as_bytes().len()..],
        None => name,
    }
}

/// Splits a reverse name into its labels before `in-addr.arpa` / `ip6.arpa`.
fn reverse_labels(name: &str) -> Option<(&str, bool)> {
    const V4: &str = ".in-addr.arpa";
    const V6: &str = ".ip6.arpa";
    let b = name.as_bytes();
    if b.len() > V4.len() && b[b.len() - V4.len()..].eq_ignore_ascii_case(V4.as_bytes()) {
        return Some((&name[..name.len() - V4.len()], true));
    }
    if b.len() > V6.len() && b[b.len() - V6.len()..].eq_ignore_ascii_case(V6.as_bytes()) {
        return Some((&name[..name.len() - V6.len()], false));
    }
    None
}

/// The labels that name the /24 or /64: the last 3 octets or 16 nibbles before the suffix.
fn network_labels(labels: &str, v4: bool) -> Option<&str> {
    let want = if v4 { 3 } else { 16 };
    let mut dots = 0;
    for (i, c) in labels.bytes().enumerate().rev() {
        if c == b'.' {
            dots += 1;
            if dots == want {
                return Some(&labels[i + 1..]);
            }
        }
    }
    (dots == want - 1).then_some(labels)
}

/// The /24 or /64 reverse zone of a reverse name, as a suffix of the name.
fn reverse_zone(name: &str) -> Option<&str> {
    let (labels, v4) = reverse_labels(name)?;
    let net = network_labels(labels, v4)?;
    Some(&name[labels.len() - net.len()..])
}

/// The network address of the /24 or /64 a reverse name points into.
pub fn reverse_network(name: &str) -> Option<IpAddr> {
    let (labels, v4) = reverse_labels(name)?;
    let net = network_labels(labels, v4)?;
    if v4 {
        let mut o = [0u8; 3];
        for (k, l) in net.split('.').rev().enumerate() {
            if l.is_empty() || l.len() > 3 || !l.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            o[k] = l.parse().ok()?;
        }
        Some(IpAddr::V4(Ipv4Addr::new(o[0], o[1], o[2], 0)))
    } else {
        let mut v: u128 = 0;
        for l in net.split('.').rev() {
            let [c] = l.as_bytes() else { return None };
            v = v << 4 | u128::from((*c as char).to_digit(16)?);
        }
        Some(IpAddr::V6(Ipv6Addr::from(v << 64)))
    }
}

/// The network address of a client's /24 (IPv4) or /64 (IPv6).
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & 0xffff_ff00)),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & !(u128::MAX >> 64))),
    }
}

/// An event seen through the engine: its own fields, plus the derived ones (the zone cached).
pub(crate) struct WithDerived<'a> {
    ev: &'a Event,
    zones: &'a Zones,
    /// Byte offset of the zone in the query name, once computed.
    zone_at: Cell<Option<usize>>,
}

impl<'a> WithDerived<'a> {
    pub(crate) fn new(ev: &'a Event, zones: &'a Zones) -> WithDerived<'a> {
        WithDerived { ev, zones, zone_at: Cell::new(None) }
    }

    pub(crate) fn event(&self) -> &'a Event {
        self.ev
    }

    fn derived(&self, f: DerivedField, d: &'a DnsEvent) -> FieldValue<'a> {
        match f {
            DerivedField::Zone => {
                let at = self.zone_at.get().unwrap_or_else(|| {
                    let at = d.name.len() - self.zones.zone_of(&d.name).len();
                    self.zone_at.set(Some(at));
                    at
                });
                FieldValue::Str(&d.name[at..])
            }
            DerivedField::ReverseNetwork => reverse_network(&d.name).map_or(FieldValue::Missing, FieldValue::Ip),
            DerivedField::ClientNetwork => {
                d.client_ip.map_or(FieldValue::Missing, |ip| FieldValue::Ip(client_network(ip)))
            }
        }
    }
}

impl Record for WithDerived<'_> {
    fn time(&self) -> Timestamp {
        self.ev.time()
    }

    fn field(&self, id: &FieldId) -> FieldValue<'_> {
        match (id, self.ev) {
            (FieldId::Derived(f), Event::Dns(d)) => self.derived(*f, d),
            (FieldId::Derived(_), _) => FieldValue::Missing,
            _ => self.ev.field(id),
        }
    }

    fn any_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.ev.any_text(visit)
    }

    fn dns(&self) -> Option<&DnsEvent> {
        self.ev.dns()
    }
}

#[cfg(test)]
#[path = "derived_tests.rs"]
mod tests;
