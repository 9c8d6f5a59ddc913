//! The usual query line in one left-to-right pass: `client [@0x… ]ADDR#PORT[ (QNAME)]: [view V:
//! ]query: NAME CLASS TYPE FLAGS[ (SERVER)][ …]`. It reads exactly what [`super::message`] reads
//! from such a line (the same helpers decide each part); anything else (`/key`, `(no-peer)`,
//! responses, transfers, a malformed or unusual line) is `None`, left to the general path, which
//! also gives the errors.

use super::message::word;
use crate::ipaddr::{ipv4_prefix, parse_ip};
use crate::split::{find_byte, find_either};
use event::{DnsEvent, DnsKind, QType, Timestamp, Transport};
use std::net::IpAddr;

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

/// Reads a message starting with `client ` if it is a query line of the usual shape.
#[inline]
pub fn query(msg: &str) -> Option<Query<'_>> {
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
        [b'(', ip @ ..] => match ipv4_prefix(ip) {
            // `(ADDR)` alone or before a space.
            Some((a, end)) if ip.get(end) == Some(&b')') && matches!(ip.get(end + 1), None | Some(b' ')) => {
                Some(IpAddr::V4(a))
            }
            _ => Some(server(s)?),
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
fn flags(s: &str) -> Option<(&str, bool, &str)> {
    let b = s.as_bytes();
    if !matches!(b.first(), Some(b'+' | b'-')) {
        return None;
    }
    let mut tcp = false;
    for (i, &c) in b.iter().enumerate().skip(1) {
        match c {
            b' ' => return Some((&s[..i], tcp, &s[i + 1..])),
            b'T' => tcp = true,
            b'S' | b'E' | b'D' | b'C' | b'V' | b'K' | b'(' | b')' | b'0'..=b'9' => {}
            _ => return None,
        }
    }
    Some((s, tcp, ""))
}

/// [`word`] for the few bytes of a type: a plain loop beats the word-at-a-time search.
#[inline]
fn short_word(s: &str) -> (&str, &str) {
    match s.bytes().position(|b| b == b' ') {
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
