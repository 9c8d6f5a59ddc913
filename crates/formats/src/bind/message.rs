//! BIND messages about one client (`ns_client_log`): the `client @0x… ADDR#PORT[/key K]
//! [(QNAME)]: [view V: ]` prefix, then a `query:` line (queries category) or a zone-transfer
//! line (xfer-out and security categories).

use crate::ipaddr::parse_ip;
use crate::split::{find_byte, find_either};
use crate::RecordError;
use event::{DnsEvent, DnsKind, QType, Rcode, TransferOutcome, Transport};

/// What a message turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `ev` holds an event.
    Event,
    /// A client message that is not a query or a transfer outcome (`query (cache) … denied`,
    /// `IXFR version not in journal, falling back to AXFR`, debug traces, ...).
    Skip,
}

fn malformed(what: &'static str, detail: &str) -> RecordError {
    RecordError::Malformed { what, detail: RecordError::quote(detail) }
}

/// Parses a message starting with `client `; `ev` must be freshly reset. `debug` is true when
/// the line's severity was a debug level.
pub fn parse_client(msg: &str, debug: bool, ev: &mut DnsEvent) -> Result<Outcome, RecordError> {
    let mut qname = "";
    let Some(body) = client_prefix(msg, &mut qname, ev)? else { return Ok(Outcome::Skip) };
    if let Some(q) = body.strip_prefix("query: ") {
        query(q, ev)?;
        return Ok(Outcome::Event);
    }
    if let Some(r) = body.strip_prefix("response: ") {
        response(r, ev)?;
        return Ok(Outcome::Event);
    }
    if let Some(t) = body.strip_prefix("transfer of '") {
        return transfer_of(t, debug, ev);
    }
    if let Some(t) = body.strip_prefix("zone transfer '") {
        // `zone transfer 'NAME/TYPE/CLASS' denied` (9.x), `'NAME/CLASS'` (DLZ and old versions).
        let (spec, tail) = t.split_once('\'').ok_or(RecordError::Truncated("zone transfer"))?;
        if tail.trim() != "denied" {
            return Ok(Outcome::Skip);
        }
        zone_spec(spec, ev)?;
        ev.kind = DnsKind::Transfer;
        ev.transfer = Some(TransferOutcome::Denied);
        ev.rcode = Some(Rcode::REFUSED);
        return Ok(Outcome::Event);
    }
    if let Some(t) = body.strip_prefix("bad zone transfer request: ") {
        // `… 'NAME/CLASS': REASON (RCODE)`, or without the zone (`multiple questions (FORMERR)`,
        // `attempted AXFR over UDP (FORMERR)`): then the prefix's query name is the zone.
        let tail = match t.strip_prefix('\'') {
            Some(q) => {
                let (spec, tail) = q.split_once("': ").ok_or(RecordError::Truncated("bad zone transfer request"))?;
                zone_spec(spec, ev)?;
                tail
            }
            None => {
                ev.set_name(qname);
                if t.contains("AXFR") {
                    ev.qtype = Some(QType::AXFR);
                } else if t.contains("IXFR") {
                    ev.qtype = Some(QType::IXFR);
                }
                t
            }
        };
        let (reason, rcode) = match tail.trim_end().strip_suffix(')').and_then(|x| x.rsplit_once(" (")) {
            Some((reason, rc)) => (reason, Some(Rcode::parse(rc).ok_or_else(|| malformed("rcode", rc))?)),
            None => (tail, None),
        };
        ev.kind = DnsKind::Transfer;
        ev.transfer = Some(TransferOutcome::Failed);
        ev.rcode = rcode;
        ev.extra.push("Reason", reason);
        return Ok(Outcome::Event);
    }
    Ok(Outcome::Skip)
}

/// `client [@0x7f…] ADDR#PORT[/key NAME][ (QNAME)]: [view NAME: ]` → the rest; `None` for BIND's
/// `(no-peer)` clients (internal requests, no address to report).
fn client_prefix<'a>(msg: &'a str, qname: &mut &'a str, ev: &mut DnsEvent) -> Result<Option<&'a str>, RecordError> {
    let mut s = msg.strip_prefix("client ").ok_or(RecordError::MissingField("client"))?;
    if let Some(rest) = s.strip_prefix('@') {
        s = &rest[find_byte(rest.as_bytes(), b' ').ok_or(RecordError::Truncated("client prefix"))? + 1..];
    }
    if s.starts_with("(no-peer)") {
        return Ok(None);
    }
    let hash = find_either(s.as_bytes(), b'#', b' ')
        .filter(|&i| s.as_bytes()[i] == b'#')
        .ok_or_else(|| malformed("client address", s))?;
    let addr = &s[..hash];
    ev.client_ip = Some(parse_ip(addr).ok_or_else(|| RecordError::BadIp(RecordError::quote(addr)))?);
    s = &s[hash + 1..];
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    ev.client_port = Some(s[..digits].parse().map_err(|_| malformed("client port", s))?);
    s = &s[digits..];
    if let Some(rest) = s.strip_prefix("/key ") {
        let end = rest.find([' ', ':']).unwrap_or(rest.len());
        ev.extra.push("Signer", &rest[..end]);
        s = &rest[end..];
    }
    if let Some(rest) = s.strip_prefix(" (") {
        // The query name BIND adds to the prefix; most bodies repeat it.
        let close = find_pair(rest.as_bytes(), b')').ok_or(RecordError::Truncated("client prefix"))?;
        *qname = &rest[..close];
        s = &rest[close + 1..];
    }
    s = s.strip_prefix(": ").ok_or(RecordError::Truncated("client prefix"))?;
    if let Some(rest) = s.strip_prefix("view ") {
        let colon = find_pair(rest.as_bytes(), b':').ok_or(RecordError::Truncated("view"))?;
        ev.view = Some(rest[..colon].to_string());
        s = &rest[colon + 2..];
    }
    Ok(Some(s))
}

/// The first `c` followed by `": "` when `c` is `)` (`"): "`), or by `" "` when `c` is `:`
/// (`": "`): what `memmem::find` gives, without building a searcher for every line (the needle
/// is two or three bytes and the hay a few dozen).
fn find_pair(hay: &[u8], c: u8) -> Option<usize> {
    let tail: &[u8] = if c == b')' { b": " } else { b" " };
    let mut from = 0;
    while let Some(i) = find_byte(&hay[from..], c) {
        if hay[from + i + 1..].starts_with(tail) {
            return Some(from + i);
        }
        from += i + 1;
    }
    None
}

/// `NAME CLASS TYPE FLAGS [(SERVER)] [extras]`. Flags: `+`/`-` recursion desired, `S` signed,
/// `E(n)` EDNS version n, `T` TCP, `D` DNSSEC OK, `C` checking disabled, `V`/`K` cookie.
fn query(s: &str, ev: &mut DnsEvent) -> Result<(), RecordError> {
    let s = question(s, "query", ev)?;
    let (flags, s) = word(s);
    flags_and_server(flags, s, "query", ev)?;
    ev.kind = DnsKind::Query;
    Ok(())
}

/// `response: NAME CLASS TYPE RCODE ANSWERS AUTHORITY ADDITIONAL FLAGS (SERVER)` (the `responses`
/// category of the BIND 9.21 development series).
fn response(s: &str, ev: &mut DnsEvent) -> Result<(), RecordError> {
    let s = question(s, "response", ev)?;
    let (rcode, s) = word(s);
    let (answers, s) = word(s);
    let (_authority, s) = word(s);
    let (_additional, s) = word(s);
    let (flags, s) = word(s);
    ev.rcode = Some(Rcode::parse(rcode).ok_or_else(|| malformed("response code", rcode))?);
    ev.answer_count = Some(answers.parse().map_err(|_| malformed("answer count", answers))?);
    flags_and_server(flags, s, "response", ev)?;
    ev.kind = DnsKind::Response;
    Ok(())
}

/// `NAME CLASS TYPE ` → the rest.
fn question<'a>(s: &'a str, what: &'static str, ev: &mut DnsEvent) -> Result<&'a str, RecordError> {
    let (name, s) = word(s);
    let (class, s) = word(s);
    let (qtype, s) = word(s);
    if name.is_empty() || class.is_empty() || qtype.is_empty() || s.is_empty() {
        return Err(RecordError::Truncated(what));
    }
    ev.set_name(name);
    ev.qclass = Some(qclass(class).ok_or_else(|| malformed("query class", class))?);
    ev.qtype = Some(QType::parse(qtype).ok_or_else(|| malformed("query type", qtype))?);
    Ok(s)
}

/// `FLAGS [(SERVER)] [[ECS …]]`; the server is `addr`, or `addr#port` (9.21 series).
fn flags_and_server(flags: &str, rest: &str, what: &'static str, ev: &mut DnsEvent) -> Result<(), RecordError> {
    if flags.is_empty() {
        return Err(RecordError::Truncated(what));
    }
    if !flags_ok(flags) {
        return Err(malformed("query flags", flags));
    }
    ev.transport = Some(if flags.bytes().any(|b| b == b'T') { Transport::Tcp } else { Transport::Udp });
    ev.extra.push("Flags", flags);
    let (server, _) = word(rest);
    if !server.is_empty() {
        let inner = server.strip_prefix('(').and_then(|x| x.strip_suffix(')')).ok_or(RecordError::Truncated(what))?;
        let ip = inner.bytes().rposition(|b| b == b'#').map_or(inner, |i| &inner[..i]);
        ev.server_ip = Some(parse_ip(ip).ok_or_else(|| RecordError::BadIp(RecordError::quote(inner)))?);
    }
    Ok(())
}

/// Non-empty flags as BIND writes them: `+` or `-`, then letters, digits and parentheses.
fn flags_ok(flags: &str) -> bool {
    let flag = |b: &u8| matches!(b, b'S' | b'E' | b'T' | b'D' | b'C' | b'V' | b'K' | b'(' | b')' | b'0'..=b'9');
    matches!(flags.as_bytes(), [b'+' | b'-', rest @ ..] if rest.iter().all(flag))
}

/// The text up to the next space, and the text after it.
pub(super) fn word(s: &str) -> (&str, &str) {
    match find_byte(s.as_bytes(), b' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    }
}

pub(super) fn qclass(s: &str) -> Option<u16> {
    match s {
        "IN" => Some(1),
        "CH" | "CHAOS" => Some(3),
        "HS" => Some(4),
        "NONE" => Some(254),
        "ANY" => Some(255),
        _ => s.strip_prefix("CLASS").and_then(|n| n.parse().ok()),
    }
}

/// `NAME/CLASS` or `NAME/TYPE/CLASS` → name, qtype, qclass.
fn zone_spec(spec: &str, ev: &mut DnsEvent) -> Result<(), RecordError> {
    let (rest, class) = spec.rsplit_once('/').ok_or_else(|| malformed("zone", spec))?;
    ev.qclass = Some(qclass(class).ok_or_else(|| malformed("zone class", class))?);
    let name = match rest.rsplit_once('/') {
        Some((name, ty)) if QType::parse(ty).is_some() => {
            ev.qtype = QType::parse(ty);
            name
        }
        _ => rest,
    };
    if name.is_empty() {
        return Err(malformed("zone", spec));
    }
    ev.set_name(name);
    Ok(())
}

/// Informational `transfer of` messages that are not an outcome (an error line follows a failure).
const SKIPPED_NOTES: [&str; 5] =
    ["falling back", "not in journal", "delta size", "delta response disabled", "RR too large"];

/// After `transfer of '`: `NAME/CLASS': MNEMONIC started…`, `MNEMONIC ended: N messages, R
/// records, B bytes, …`, `IXFR poll up to date`, informational notes (skipped), or an error
/// (`sending zone data: …`, `aborted: …`) → Failed.
fn transfer_of(s: &str, debug: bool, ev: &mut DnsEvent) -> Result<Outcome, RecordError> {
    let (spec, rest) = s.split_once("': ").ok_or(RecordError::Truncated("transfer of"))?;
    zone_spec(spec, ev)?;
    let mnemonic_type = |m: &str| if m.contains("IXFR") { QType::IXFR } else { QType::AXFR };
    let outcome = if let Some((m, _)) = rest.split_once(" started") {
        ev.qtype = Some(mnemonic_type(m));
        TransferOutcome::Started
    } else if let Some((m, stats)) = rest.split_once(" ended") {
        ev.qtype = Some(mnemonic_type(m));
        for part in stats.trim_start_matches(':').split(',') {
            let mut w = part.split_whitespace();
            match (w.next().map(str::parse::<u64>), w.next()) {
                (Some(Ok(n)), Some("records")) => ev.transfer_records = Some(n),
                (Some(Ok(n)), Some("bytes")) => ev.transfer_bytes = Some(n),
                _ => {}
            }
        }
        TransferOutcome::Completed
    } else if rest.starts_with("IXFR poll up to date") {
        ev.qtype = Some(QType::IXFR);
        TransferOutcome::Completed
    } else if debug || SKIPPED_NOTES.iter().any(|note| rest.contains(note)) {
        return Ok(Outcome::Skip);
    } else {
        ev.extra.push("Reason", rest);
        TransferOutcome::Failed
    };
    ev.kind = DnsKind::Transfer;
    ev.transfer = Some(outcome);
    Ok(Outcome::Event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_pair_is_memmem_find() {
        for hay in ["a): b", "a)b): c", "): ", ")", "): x): ", "a) : b", "x:y: z", ": ", "a:", "", "v:\u{e9}: w"] {
            let b = hay.as_bytes();
            assert_eq!(find_pair(b, b')'), memchr::memmem::find(b, b"): "), "{hay}");
            assert_eq!(find_pair(b, b':'), memchr::memmem::find(b, b": "), "{hay}");
        }
    }

    fn ev(msg: &str) -> Result<(Outcome, DnsEvent), RecordError> {
        let mut e = DnsEvent::default();
        parse_client(msg, false, &mut e).map(|o| (o, e))
    }

    #[test]
    fn query_with_every_prefix_part() {
        let (o, e) = ev("client @0x7f1 2001:db8::7#53124/key tsig-k (www.example.com): view internal: query: \
                         www.example.com IN A +SE(0)TDCK (2001:db8::53)")
        .unwrap();
        assert_eq!(o, Outcome::Event);
        assert_eq!(e.client_ip, Some("2001:db8::7".parse().unwrap()));
        assert_eq!(
            (e.client_port, e.name.as_str(), e.qtype, e.qclass),
            (Some(53124), "www.example.com", Some(QType::A), Some(1))
        );
        assert_eq!((e.transport, e.view.as_deref()), (Some(Transport::Tcp), Some("internal")));
        assert_eq!(e.server_ip, Some("2001:db8::53".parse().unwrap()));
        assert_eq!((e.extra.get("Signer"), e.extra.get("Flags")), (Some("tsig-k"), Some("+SE(0)TDCK")));
    }

    #[test]
    fn old_forms_and_rejects() {
        let (_, e) = ev("client 198.51.100.7#1024: query: Example.COM. IN MX -").unwrap();
        assert_eq!(
            (e.name.as_str(), e.qtype, e.server_ip, e.transport),
            ("Example.COM", Some(QType::MX), None, Some(Transport::Udp))
        );
        assert!(matches!(ev("client 198.51.100.7#1024: query: example.com IN"), Err(RecordError::Truncated(_))));
        assert!(matches!(ev("client 198.51.100.777#1024: query: a IN A +"), Err(RecordError::BadIp(_))));
        assert!(matches!(ev("client 198.51.100.7#1024: query: a IN BOGUS +"), Err(RecordError::Malformed { .. })));
        assert!(matches!(ev("client 198.51.100.7#1024: query: a IN A !x"), Err(RecordError::Malformed { .. })));
        assert!(matches!(ev("client 198.51.100.7#1024: query: a IN A + (192.0.2"), Err(RecordError::Truncated(_))));
        assert!(matches!(ev("client @0x7f 198.51.100.7#10 (www.ex"), Err(RecordError::Truncated(_))));
        assert_eq!(ev("client 198.51.100.7#1024: query (cache) 'a/A/IN' denied").unwrap().0, Outcome::Skip);
        assert_eq!(ev("client @0x7f1 (no-peer): view v: query: a IN A +").unwrap().0, Outcome::Skip);
        // The 9.21 series writes the server as a socket address.
        let (_, e) =
            ev("client @0x7f1 198.51.100.7#1 (a): query: a IN A +E(0)K (192.0.2.53#53) [ECS 192.0.2.0/24/0]").unwrap();
        assert_eq!(e.server_ip, Some("192.0.2.53".parse().unwrap()));
        let (_, e) = ev("client @0x7f1 2001:db8::7#1 (a): query: a IN A + (2001:db8::53#53)").unwrap();
        assert_eq!(e.server_ip, Some("2001:db8::53".parse().unwrap()));
    }

    #[test]
    fn responses_category() {
        let (o, e) = ev("client @0x7f1 198.51.100.7#53124 (www.example.com): view v: response: www.example.com IN A \
                         NOERROR 1 0 1 +E(0)K (192.0.2.53)")
        .unwrap();
        assert_eq!(
            (o, e.kind, e.rcode, e.answer_count),
            (Outcome::Event, DnsKind::Response, Some(Rcode::NOERROR), Some(1))
        );
        assert_eq!((e.qtype, e.server_ip), (Some(QType::A), Some("192.0.2.53".parse().unwrap())));
        assert!(matches!(
            ev("client 198.51.100.7#1: response: a IN A NOERROR x 0 0 + (192.0.2.53)"),
            Err(RecordError::Malformed { .. })
        ));
        assert!(matches!(ev("client 198.51.100.7#1: response: a IN A"), Err(RecordError::Truncated(_))));
    }

    #[test]
    fn no_mutation_of_a_good_line_panics() {
        let lines = [
            "client @0x7f1 2001:db8::7#53124/key k (www.example.com): view v: query: www.example.com IN A +SE(0)TDCK (2001:db8::53#53) [ECS 192.0.2.0/24/0]",
            "client @0x1 198.51.100.7#5353 (example.com): transfer of 'example.com/IN': AXFR ended: 1 messages, 12 records, 345 bytes",
            "client 203.0.113.9#4242: bad zone transfer request: 'example.org/IN': non-authoritative zone (NOTAUTH)",
            "client @0x7f1 198.51.100.7#1 (a): view v: response: a IN A NOERROR 1 0 1 +E(0)K (192.0.2.53)",
            "client 203.0.113.9#4242 (example.com): zone transfer 'example.com/AXFR/IN' denied",
        ];
        for l in lines {
            for (i, _) in l.char_indices() {
                for insert in ["", "ü", "🦀", " ", "'", "#", "(", ")", ": "] {
                    let _ = ev(&format!("{}{insert}{}", &l[..i], &l[i..]));
                    let _ = ev(&l[..i]);
                }
            }
        }
    }

    #[test]
    fn transfers() {
        let (_, e) = ev("client @0x1 198.51.100.7#5353 (example.com): transfer of 'example.com/IN': AXFR ended: 1 \
                         messages, 12 records, 345 bytes, 0.001 secs (345000 bytes/sec) (serial 2026112701)")
        .unwrap();
        assert_eq!(
            (e.kind, e.transfer, e.qtype),
            (DnsKind::Transfer, Some(TransferOutcome::Completed), Some(QType::AXFR))
        );
        assert_eq!((e.transfer_records, e.transfer_bytes, e.name.as_str()), (Some(12), Some(345), "example.com"));
        let (_, e) =
            ev("client 198.51.100.7#5353: transfer of 'example.com/IN': AXFR-style IXFR started (serial 1)").unwrap();
        assert_eq!((e.transfer, e.qtype), (Some(TransferOutcome::Started), Some(QType::IXFR)));
        let (_, e) = ev("client 203.0.113.9#4242 (example.com): zone transfer 'example.com/AXFR/IN' denied").unwrap();
        assert_eq!(
            (e.transfer, e.qtype, e.rcode),
            (Some(TransferOutcome::Denied), Some(QType::AXFR), Some(Rcode::REFUSED))
        );
        let (_, e) = ev(
            "client 203.0.113.9#4242: bad zone transfer request: 'example.org/IN': non-authoritative zone (NOTAUTH)",
        )
        .unwrap();
        assert_eq!(
            (e.transfer, e.rcode, e.extra.get("Reason")),
            (Some(TransferOutcome::Failed), Some(Rcode::NOTAUTH), Some("non-authoritative zone"))
        );
        let (_, e) = ev(
            "client @0x1 203.0.113.9#53 (example.com): bad zone transfer request: attempted AXFR over UDP (FORMERR)",
        )
        .unwrap();
        assert_eq!(
            (e.name.as_str(), e.qtype, e.transfer),
            ("example.com", Some(QType::AXFR), Some(TransferOutcome::Failed))
        );
        assert_eq!((e.rcode, e.extra.get("Reason")), (Some(Rcode(1)), Some("attempted AXFR over UDP")));
        let msg =
            "client 198.51.100.7#5353: transfer of 'example.com/IN': IXFR version not in journal, falling back to AXFR";
        assert_eq!(ev(msg).unwrap().0, Outcome::Skip);
        assert!(ev("client 198.51.100.7#5353: transfer of 'example.com/IN AXFR started").is_err());
    }
}
