//! The usual query line in one left-to-right pass: `client [@0x… ]ADDR#PORT[ (QNAME)]: [view V:
//! ]query: NAME CLASS TYPE FLAGS[ (SERVER)][ …]`. It reads exactly what [`super::message`] reads
//! from such a line (the same helpers decide each part); anything else (`/key`, `(no-peer)`,
//! responses, transfers, a malformed or unusual line) is `None`, left to the general path, which
//! also gives the errors.

use super::message::word;
use crate::ipaddr::{ipv4_prefix, parse_ip};
use crate::split::{find_byte, find_either, matches};
use event::{DnsEvent, DnsKind, QType, Timestamp, Transport};
use std::net::{IpAddr, Ipv4Addr};

/// What a query line holds, before any of it is written to the event.
#[derive(Debug)]
pub struct Query<'a> {
    client: IpAddr,
    port: u16,
    view: Option<&'a str>,
    name: &'a str,
    qclass: u16,
    qtype: QType,
    flags: &'a str,
    tcp: bool,
    server: Option<IpAddr>,
}

/// The last two server addresses read as `(ADDR)`: a server listens on few addresses, so most
/// lines repeat one of them and its text is compared as one 16-byte word instead of parsed.
#[derive(Debug, Clone)]
pub struct Servers {
    /// The text after `(` up to and including `)` as a word (zeros after it), the mask of its
    /// bytes, its length, the address. An empty slot has a key no masked word equals.
    last: [(u128, u128, usize, Ipv4Addr); 2],
}

impl Default for Servers {
    fn default() -> Self {
        Servers { last: [(1, 0, 0, Ipv4Addr::UNSPECIFIED); 2] }
    }
}

impl Servers {
    /// The address of `(ADDR)` (`ip` is what follows the `(`) when it is alone or before a space,
    /// as [`query`] reads it without the cache; `None` when it is not such a dotted quad.
    #[inline(always)]
    fn server(&mut self, ip: &[u8]) -> Option<IpAddr> {
        let w = word16(ip);
        for &(key, mask, len, addr) in &self.last {
            if w & mask == key && matches!(ip.get(len), None | Some(b' ')) {
                return Some(IpAddr::V4(addr));
            }
        }
        self.miss(ip, w)
    }

    /// [`Self::server`] parsing, and keeping what it read.
    #[inline(never)]
    fn miss(&mut self, ip: &[u8], w: u128) -> Option<IpAddr> {
        match ipv4_prefix(ip) {
            Some((a, end)) if ip.get(end) == Some(&b')') && matches!(ip.get(end + 1), None | Some(b' ')) => {
                let mask = u128::MAX >> (8 * (15 - end));
                self.last[1] = self.last[0];
                self.last[0] = (w & mask, mask, end + 1, a);
                Some(IpAddr::V4(a))
            }
            _ => None,
        }
    }
}

/// The first 16 bytes of `b` as a little-endian word, zeros past its end. A short `b` (the
/// server ends the line) is read as two overlapping words, not byte by byte.
#[inline]
fn word16(b: &[u8]) -> u128 {
    let word = |i: usize| u128::from(u64::from_le_bytes(b[i..i + 8].try_into().unwrap()));
    let half = |i: usize| u128::from(u32::from_le_bytes(b[i..i + 4].try_into().unwrap()));
    match b.len() {
        16.. => u128::from_le_bytes(b[..16].try_into().unwrap()),
        n @ 8..=15 => word(0) | word(n - 8) << (8 * (n - 8)),
        n @ 4..=7 => half(0) | half(n - 4) << (8 * (n - 4)),
        n => b[..n].iter().rev().fold(0, |w, &c| w << 8 | u128::from(c)),
    }
}

/// The first space in `b`: one word test for the short words of a query line.
#[inline(always)]
fn first_space(b: &[u8]) -> Option<usize> {
    if let Some(w) = b.first_chunk::<8>() {
        let m = matches(u64::from_le_bytes(*w), u64::from_le_bytes([b' '; 8]));
        if m != 0 {
            return Some(m.trailing_zeros() as usize / 8);
        }
    }
    find_byte(b, b' ')
}

/// Reads a message starting with `client ` if it is a query line of the usual shape.
#[cfg(test)]
pub fn query(msg: &str) -> Option<Query<'_>> {
    query_with(msg, &mut Servers::default())
}

/// [`query`], with the server addresses read before.
#[inline]
pub fn query_with<'a>(msg: &'a str, servers: &mut Servers) -> Option<Query<'a>> {
    let mut s = msg.strip_prefix("client ")?;
    if s.starts_with('@') {
        s = &s[find_byte(s.as_bytes(), b' ')? + 1..];
    }
    // `ADDR#PORT`: the first `#` or space must be a `#`.
    let (client, hash) = match ipv4_prefix(s.as_bytes()) {
        Some((ip, end)) if s.as_bytes().get(end) == Some(&b'#') => (IpAddr::V4(ip), end),
        _ => {
            let hash = find_either(s.as_bytes(), b'#', b' ').filter(|&i| s.as_bytes()[i] == b'#')?;
            (parse_ip(&s[..hash])?, hash)
        }
    };
    s = &s[hash + 1..];
    let (port, rest) = port(s.as_bytes())?;
    s = &s[rest..];
    let mut qname = None;
    if let Some(rest) = s.strip_prefix(" (") {
        // The first `)` must be the one followed by `: ` (else the general path searches on).
        let close = find_either(rest.as_bytes(), b')', b' ').filter(|&i| rest.as_bytes()[i] == b')')?;
        qname = Some(&rest[..close]);
        s = &rest[close + 1..];
    }
    s = s.strip_prefix(": ")?;
    let mut view = None;
    if let Some(rest) = s.strip_prefix("view ") {
        // The first `:` must be the one followed by a space.
        let colon = find_byte(rest.as_bytes(), b':')?;
        view = Some(&rest[..colon]);
        s = rest[colon + 1..].strip_prefix(' ')?;
    }
    s = s.strip_prefix("query: ")?;
    // The name is usually the prefix's (which holds no space): then no search for its end.
    let (name, s) = match qname {
        Some(q) if s.as_bytes().get(q.len()) == Some(&b' ') && s.starts_with(q) => (q, &s[q.len() + 1..]),
        _ => word(s),
    };
    let (qclass, s) = match s.strip_prefix("IN ") {
        Some(rest) => (1, rest),
        None => {
            let (class, s) = word(s);
            (super::message::qclass(class)?, s)
        }
    };
    let (qtype, s) = short_word(s);
    if name.is_empty() || qtype.is_empty() || s.is_empty() {
        return None;
    }
    let qtype = QType::parse(qtype)?;
    let (flags, tcp, s) = flags(s)?;
    let server = match s.as_bytes() {
        [] | [b' ', ..] => None,
        // `(ADDR)` alone or before a space.
        [b'(', ip @ ..] => match servers.server(ip) {
            Some(a) => Some(a),
            None => Some(server(s)?),
        },
        _ => return None,
    };
    Some(Query { client, port, view, name, qclass, qtype, flags, tcp, server })
}

/// `(ADDR)` or `(ADDR#PORT)` up to the next space, as the general path reads it.
fn server(s: &str) -> Option<IpAddr> {
    let (server, _) = word(s);
    let inner = server.strip_prefix('(')?.strip_suffix(')')?;
    let ip = inner.bytes().rposition(|b| b == b'#').map_or(inner, |i| &inner[..i]);
    parse_ip(ip)
}

/// The flags word (as `message::flags_ok` reads it), whether it holds `T` (TCP), and the text after its space.
#[inline(always)]
fn flags(s: &str) -> Option<(&str, bool, &str)> {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'+' | b'-')) {
        return None;
    }
    let (end, next) = first_space(b).map_or((b.len(), b.len()), |i| (i, i + 1));
    // Every byte's class at once, without a branch per byte.
    let class = b[1..end].iter().fold(0, |acc, &c| acc | FLAG_BYTES[usize::from(c)]);
    if class & BAD != 0 {
        return None;
    }
    Some((&s[..end], class & TCP != 0, &s[next..]))
}

/// [`FLAG_BYTES`]: a byte that cannot be in the flags word.
const BAD: u8 = 1;
/// [`FLAG_BYTES`]: `T`, TCP.
const TCP: u8 = 2;

/// What each byte is after the flags word's `+`/`-`: `SEDCVK`, `(`, `)` and digits are 0.
const FLAG_BYTES: [u8; 256] = {
    let mut t = [BAD; 256];
    let ok = b"SEDCVK()0123456789";
    let mut i = 0;
    while i < ok.len() {
        t[ok[i] as usize] = 0;
        i += 1;
    }
    t[b'T' as usize] = TCP;
    t
};

/// [`word`] for the few bytes of a type: one word test, usually.
#[inline(always)]
fn short_word(s: &str) -> (&str, &str) {
    match first_space(s.as_bytes()) {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

/// The port's digits at the front of `b` and where they end; `None` unless one to five digits
/// with a value that fits (what `str::parse::<u16>` takes, leading zeros aside).
fn port(b: &[u8]) -> Option<(u16, usize)> {
    let mut v = 0u32;
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_digit() {
        if n == 5 {
            return None;
        }
        v = v * 10 + u32::from(b[n] - b'0');
        n += 1;
    }
    if n == 0 {
        return None;
    }
    Some((u16::try_from(v).ok()?, n))
}

impl Query<'_> {
    /// Fills `ev` (any previous event: every field is written) with this query read at `time` by
    /// `server`. The last event's allocations are reused: its `Flags` extra is overwritten in
    /// place, its view's string refilled.
    #[inline]
    pub fn write(&self, ev: &mut DnsEvent, time: Timestamp, server_name: &str, format: &'static str) {
        // Destructured so that a new field cannot be forgotten here.
        let DnsEvent {
            time: t,
            kind,
            server,
            client_ip,
            client_port,
            server_ip,
            name,
            qtype,
            qclass,
            rcode,
            transport,
            answer_count,
            transfer,
            transfer_records,
            transfer_bytes,
            view,
            source_format,
            extra,
        } = ev;
        *t = time;
        *kind = DnsKind::Query;
        server.clear();
        server.push_str(server_name);
        *client_ip = Some(self.client);
        *client_port = Some(self.port);
        *server_ip = self.server;
        name.clear();
        let trimmed = if self.name.len() > 1 { self.name.strip_suffix('.').unwrap_or(self.name) } else { self.name };
        name.push_str(trimmed);
        *qtype = Some(self.qtype);
        *qclass = Some(self.qclass);
        *rcode = None;
        *transport = Some(if self.tcp { Transport::Tcp } else { Transport::Udp });
        *answer_count = None;
        *transfer = None;
        *transfer_records = None;
        *transfer_bytes = None;
        match (self.view, view.as_mut()) {
            (Some(v), Some(old)) => {
                old.clear();
                old.push_str(v);
            }
            (v, _) => *view = v.map(str::to_string),
        }
        *source_format = format;
        match extra.0.as_mut_slice() {
            [(k, v)] if &**k == "Flags" => {
                v.clear();
                v.push_str(self.flags);
            }
            _ => {
                extra.clear();
                extra.push("Flags", self.flags);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::message::{parse_client, Outcome};
    use super::*;

    /// The fast path either declines or gives what the general path gives, on an event that
    /// held another query before.
    fn same_as_general(msg: &str) -> bool {
        let mut want = DnsEvent::default();
        let general = parse_client(msg, false, &mut want);
        (want.time, want.source_format) = (Timestamp(7), "bind");
        want.server.push_str("ns1");
        let Some(q) = query(msg) else { return false };
        assert!(matches!(general, Ok(Outcome::Event)), "{msg}: fast path took a line the general one did not");
        // Over a fresh event, and over one that held another event.
        let mut got = DnsEvent::default();
        q.write(&mut got, Timestamp(7), "ns1", "bind");
        assert_eq!(got, want, "{msg}");
        got = DnsEvent::default();
        assert!(parse_client(LINES[2], false, &mut got).is_ok());
        got.extra.push("Signer", "stale");
        (got.rcode, got.answer_count, got.transfer_bytes) = (Some(event::Rcode(3)), Some(1), Some(2));
        got.server.push_str("old");
        q.write(&mut got, Timestamp(7), "ns1", "bind");
        assert_eq!(got, want, "{msg}");
        q.write(&mut got, Timestamp(7), "ns1", "bind");
        assert_eq!(got, want, "{msg}");
        true
    }

    const LINES: [&str; 14] = [
        "client @0x7f5c754f9650 10.0.2.1#55201 (srv105.dev.corp.example): query: srv105.dev.corp.example IN A +E(0)K (10.0.1.53)",
        "client @0x7f5c754fe538 2001:db8:1::470#29096 (mail0.ad.corp.example): query: mail0.ad.corp.example IN A -E(0) (10.0.0.53)",
        "client @0x7f1 198.51.100.7#1 (a.): view internal: query: a. IN AAAA +SE(0)TDCK (2001:db8::53#53) [ECS 192.0.2.0/24/0]",
        "client 198.51.100.7#1024: query: Example.COM. IN MX -",
        "client 198.51.100.7#1024 (x): query: x CH TXT +T",
        "client @0x1 [::1]#53 (x): query: x IN TYPE65 +",
        "client @0x1 fe80::1%eth0#53 (x): query: x IN A + (::ffff:10.0.0.1)",
        "client @0x1 10.0.0.1#00053 (x): query: x IN A +",
        "client @0x1 10.0.0.1#65535 (x): view a b: query: x IN * + (10.0.0.53)",
        "client @0x1 10.0.0.1#5 (x): view v:w: query: x IN A + (10.0.0.53) extra words",
        "client @0x1 10.0.0.1#5 (x (y)): query: x IN A +",
        "client @0x1 10.0.0.1#5 (x): query: . IN NS +E(0)",
        "client @0x1 10.0.0.1#5 (x): query: x CLASS9 A +",
        "client @0x1 10.0.0.1#5 (x): query: x IN A +E(0)K  (10.0.0.53)",
    ];

    #[test]
    fn usual_lines_are_read_fast_and_the_same() {
        for l in &LINES[..5] {
            assert!(same_as_general(l), "{l}: not taken");
        }
        for l in LINES {
            same_as_general(l);
        }
    }

    /// The server cache answers what a fresh reader answers, over lines that share servers or not.
    #[test]
    fn server_cache_gives_the_fresh_answers() {
        let mut servers = Servers::default();
        let mut check = |msg: &str| {
            let fresh = format!("{:?}", query(msg));
            assert_eq!(format!("{:?}", query_with(msg, &mut servers)), fresh, "{msg}");
        };
        let head = "client @0x1 10.0.0.1#5 (x): query: x IN A +";
        let servers_text =
            ["(10.0.0.53)", "(10.0.1.53)", "(1.2.3.4)", "(255.255.255.255)", "(10.0.0.5)", "(10.0.0.533)"];
        for a in servers_text {
            for b in servers_text {
                for tail in ["", " ", " x", ")", "x", "#53)", ".", "0"] {
                    for t in [a, b] {
                        check(&format!("{head} {t}{tail}"));
                        check(&format!("{head} {}{tail}", &t[..t.len() - 1]));
                    }
                }
            }
        }
        for (n, _) in "(100.200.255.254)".char_indices() {
            for m in [0, 1] {
                check(&format!("{head} {}", &"(100.200.255.254)"[..n + m]));
                check(&format!("{head} {})", &"(100.200.255.254)"[..n]));
            }
        }
    }

    #[test]
    fn word16_is_the_zero_padded_prefix() {
        let text = b"0123456789abcdefghij";
        for n in 0..=text.len() {
            let mut want = [0u8; 16];
            let k = n.min(16);
            want[..k].copy_from_slice(&text[..k]);
            assert_eq!(word16(&text[..n]), u128::from_le_bytes(want), "{n}");
        }
    }

    #[test]
    fn mutations_are_declined_or_the_same() {
        for l in LINES {
            for (i, _) in l.char_indices() {
                for insert in ["", "ü", " ", "#", "(", ")", ":", ": ", "/key k", "0", "9", ".", "T", "x", "view v: "] {
                    same_as_general(&format!("{}{insert}{}", &l[..i], &l[i..]));
                    same_as_general(&l[..i]);
                    let cut = l[i..].chars().next().map_or(i, |c| i + c.len_utf8());
                    same_as_general(&format!("{}{insert}{}", &l[..i], &l[cut..]));
                }
            }
        }
    }
}
