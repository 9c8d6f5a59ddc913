//! `ecs-dns`: Elastic Common Schema DNS documents as written by Packetbeat, Elastic Agent
//! integrations and Filebeat modules (NDJSON, one document per line; `_source` documents exported
//! from Elasticsearch, bare or as hits wrapped in `_source`, read the same).
//!
//! Fields: `@timestamp`, `dns.question.name`, `dns.question.type`, `dns.question.class`,
//! `dns.response_code`, `dns.type` (`query` | `answer`), `dns.answers` (array) or
//! `dns.answers_count`, `client.ip`/`client.port` (else `source.*`), `server.ip` (else
//! `destination.ip`), `network.transport`, and the sensor: `observer.hostname`, `observer.name`,
//! `host.name`, `agent.hostname`. Keys may be nested (`{"dns":{"question":{...}}}`), dotted
//! (`{"dns.question.name":...}`) or a mix; all read the same.
//!
//! Quirks: per ECS a `dns.type: answer` document is the whole exchange (Packetbeat's
//! transaction: question, response code and answers), so every document is ONE `DnsKind::Query`
//! event carrying the rcode — except Elastic Defend's `event.action: lookup_result`, which
//! follows a separate `lookup_requested` document for the same lookup and so becomes a
//! `DnsKind::Response`. Documents with no `dns.*` field at all (flows, HTTP, process events in
//! the same index) are ignored, not rejected; a document with `dns.*` fields but no question name
//! is rejected. `Computer` is `ReadOptions::server`, else `observer.hostname`, `observer.name`,
//! `host.name`, `agent.hostname`, in that order. Unmapped leaves go to `extra` by dotted path.

use crate::dnsutil;
use crate::jsonwalk::{first_line, has, has_key, push_extra, walk, Outcome, ParsedLines, Val};
use crate::{dns_slot, EventReader, FormatSpec, InputError, ReadOptions, RecordError, Source};
use event::{DnsKind, Event};

pub static SPEC: FormatSpec = FormatSpec {
    name: "ecs-dns",
    description: "Elastic Common Schema DNS documents (Packetbeat, Elastic Agent, Filebeat), NDJSON",
    sniff,
    open,
};

fn sniff(head: &[u8]) -> u8 {
    let line = first_line(head);
    if !line.starts_with(b"{") || !has_key(line, "@timestamp") {
        return 0;
    }
    let dotted = has_key(head, "dns.question.name");
    let nested = has_key(head, "dns") && has_key(head, "question") && has(head, b"\"name\"");
    if dotted || nested {
        80
    } else {
        0
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(ParsedLines::open(source, opts, parse))
}

#[derive(Default)]
struct Rec<'a> {
    ts: Option<Val<'a>>,
    name: Option<Val<'a>>,
    qtype: Option<Val<'a>>,
    qclass: Option<Val<'a>>,
    rcode: Option<Val<'a>>,
    action: Option<Val<'a>>,
    client_ip: Option<Val<'a>>,
    client_port: Option<Val<'a>>,
    source_ip: Option<Val<'a>>,
    source_port: Option<Val<'a>>,
    server_ip: Option<Val<'a>>,
    dest_ip: Option<Val<'a>>,
    transport: Option<Val<'a>>,
    /// observer.hostname, observer.name, host.name, agent.hostname
    sensor: [Option<Val<'a>>; 4],
    answers: Option<usize>,
    answers_count: Option<Val<'a>>,
    saw_dns: bool,
}

fn parse(line: &str, path: &mut String, out: &mut Event, server: Option<&str>) -> Result<Outcome, RecordError> {
    let d = dns_slot(out);
    d.source_format = SPEC.name;
    let mut r = Rec::default();
    walk(line, path, &mut |p: &str, v: Val<'_>| {
        // Search hits exported from Elasticsearch wrap the document in `_source`.
        let p = p.strip_prefix("_source.").unwrap_or(p);
        if p.starts_with("dns.") {
            r.saw_dns = true;
        }
        let slot = match p {
            "@timestamp" => &mut r.ts,
            "dns.question.name" => &mut r.name,
            "dns.question.type" => &mut r.qtype,
            "dns.question.class" => &mut r.qclass,
            "dns.response_code" => &mut r.rcode,
            "event.action" => &mut r.action,
            "client.ip" => &mut r.client_ip,
            "client.port" => &mut r.client_port,
            "source.ip" => &mut r.source_ip,
            "source.port" => &mut r.source_port,
            "server.ip" => &mut r.server_ip,
            "destination.ip" => &mut r.dest_ip,
            "network.transport" => &mut r.transport,
            "observer.hostname" => &mut r.sensor[0],
            "observer.name" => &mut r.sensor[1],
            "host.name" => &mut r.sensor[2],
            "agent.hostname" => &mut r.sensor[3],
            "dns.answers_count" => &mut r.answers_count,
            "dns.answers" => {
                if let Val::Len(n) = v {
                    r.answers = Some(n);
                }
                return;
            }
            _ => {
                push_extra(&mut d.extra, p, &v);
                return;
            }
        };
        if matches!(v, Val::Len(_)) {
            return; // an array at a scalar field: its elements were seen, first one kept
        }
        if slot.is_none() {
            *slot = Some(v);
        }
    })?;
    if !r.saw_dns {
        return Ok(Outcome::Ignored);
    }
    d.time = r.ts.as_ref().ok_or(RecordError::MissingField("@timestamp"))?.time()?;
    d.set_name(r.name.as_ref().ok_or(RecordError::MissingField("dns.question.name"))?.str("dns.question.name")?);
    d.kind = match r.action.as_ref().and_then(Val::as_str) {
        Some("lookup_result") => DnsKind::Response,
        _ => DnsKind::Query,
    };
    if let Some(t) = &r.qtype {
        d.qtype = Some(match t {
            Val::U64(_) => event::QType(t.uint("dns.question.type")?),
            _ => dnsutil::qtype("dns.question.type", t.str("dns.question.type")?)?,
        });
    }
    if let Some(c) = &r.qclass {
        let s = c.str("dns.question.class")?;
        d.qclass = Some(dnsutil::qclass(s).ok_or_else(|| c.bad("dns.question.class"))?);
    }
    if let Some(c) = &r.rcode {
        d.rcode = Some(match c {
            Val::U64(_) => event::Rcode(c.uint("dns.response_code")?),
            _ => dnsutil::rcode("dns.response_code", c.str("dns.response_code")?)?,
        });
    }
    let (cip, cport) =
        if r.client_ip.is_some() { (&r.client_ip, &r.client_port) } else { (&r.source_ip, &r.source_port) };
    d.client_ip = cip.as_ref().map(|v| v.ip("client.ip")).transpose()?;
    d.client_port = cport.as_ref().map(|v| v.uint("client.port")).transpose()?;
    let sip = if r.server_ip.is_some() { &r.server_ip } else { &r.dest_ip };
    d.server_ip = sip.as_ref().map(|v| v.ip("server.ip")).transpose()?;
    d.transport = r.transport.as_ref().and_then(|t| t.as_str().and_then(dnsutil::transport));
    d.answer_count = match (r.answers, &r.answers_count) {
        (Some(n), _) => Some(u32::try_from(n).unwrap_or(u32::MAX)),
        (None, Some(c)) => Some(c.uint("dns.answers_count")?),
        (None, None) => None,
    };
    let sensor = r.sensor.iter().flatten().find_map(Val::as_str);
    d.server.push_str(server.or(sensor).unwrap_or(""));
    Ok(Outcome::Event)
}
