//! `suricata-eve`: Suricata's EVE JSON log (`eve.json`), one JSON object per line, DNS records only.
//!
//! Layouts read (all in the same file if need be):
//! - **v3** (Suricata 8; `dns.version: 3`): `dns.type` is `request` or `response`, the question
//!   is the first element of `dns.queries: [{rrname, rrtype}]`, `dns.answers` is an array,
//!   `dns.rcode` the response code.
//! - **v2** (Suricata 4.1–7; `dns.version: 2` on answers, often no version on queries):
//!   `dns.type` is `query` or `answer`, `dns.rrname`/`dns.rrtype`/`dns.rcode` at the top of
//!   `dns`, answers as an `answers` array (detailed) or a `grouped` object of arrays.
//! - **v1** (Suricata ≤ 4.0): one `answer` record per answer RR (`dns.rdata` at the top of `dns`);
//!   consecutive answer records of one message (same `flow_id` and `dns.id`) give one event.
//!
//! Requests/queries become `DnsKind::Query` events, responses/answers `DnsKind::Response` events,
//! so a query is never counted twice. A request's header `rcode` (always NOERROR) is not copied.
//!
//! Quirks: records of other `event_type`s (`flow`, `alert` — even with a `dns` object —,
//! `stats`, ...) are not events: they are counted as ignored ([`EventReader::ignored`]), never as
//! rejects. Client and server: the side whose port is a DNS port (53, 853, 5353, 5355) is the
//! server; when the ports do not tell, `src_ip` is the client, except on v3 responses, where
//! Suricata 8 logs the responder as `src_ip` (earlier versions logged the flow's client there).
//! `Computer` is `ReadOptions::server`, else the EVE `host` field (Suricata's `sensor-name`),
//! else empty. Timestamps carry a `+hhmm` offset. Unmapped leaves go to `extra` by dotted path.

use crate::dnsutil::{self, source_is_server};
use crate::jsonwalk::{first_line, has, has_key, push_extra, walk, JsonLines, Outcome, Val};
use crate::{dns_slot, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::{DnsKind, Event};
use std::io;

pub static SPEC: FormatSpec = FormatSpec {
    name: "suricata-eve",
    description: "Suricata EVE JSON, DNS records (v1, v2 and Suricata 8's v3 layout)",
    sniff,
    open,
};

fn sniff(head: &[u8]) -> u8 {
    let line = first_line(head);
    if !line.starts_with(b"{") || !has_key(line, "event_type") || !has_key(line, "timestamp") {
        return 0;
    }
    if has(head, b"\"event_type\":\"dns\"") || has(head, b"\"event_type\": \"dns\"") {
        90
    } else if has_key(line, "src_ip") || has_key(line, "stats") || has_key(line, "flow_id") {
        60
    } else {
        0
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(SuricataReader {
        j: JsonLines::new(LineReader::new(source, opts)),
        server: opts.server.clone(),
        last_v1: None,
    }))
}

pub struct SuricataReader {
    j: JsonLines,
    server: Option<String>,
    /// `(flow_id, dns.id)` of the last v1 answer record, to fold one message's answer records.
    last_v1: Option<(u64, u64)>,
}

impl EventReader for SuricataReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        let SuricataReader { j, server, last_v1 } = self;
        j.next(rejects, |line, path| parse(line, path, out, server.as_deref(), last_v1))
    }
    fn ignored(&self) -> u64 {
        self.j.ignored
    }
}

#[derive(Default)]
struct Rec<'a> {
    ts: Option<Val<'a>>,
    event_type: Option<Val<'a>>,
    src_ip: Option<Val<'a>>,
    dest_ip: Option<Val<'a>>,
    src_port: Option<Val<'a>>,
    dest_port: Option<Val<'a>>,
    proto: Option<Val<'a>>,
    host: Option<Val<'a>>,
    version: Option<Val<'a>>,
    typ: Option<Val<'a>>,
    rrname: Option<Val<'a>>,
    rrtype: Option<Val<'a>>,
    rcode: Option<Val<'a>>,
    answers: Option<usize>,
    grouped: usize,
    has_grouped: bool,
    rdata: bool,
    flow_id: Option<u64>,
    id: Option<u64>,
}

fn parse(
    line: &str,
    path: &mut String,
    out: &mut Event,
    server: Option<&str>,
    last_v1: &mut Option<(u64, u64)>,
) -> Result<Outcome, RecordError> {
    let d = dns_slot(out);
    d.source_format = SPEC.name;
    let mut r = Rec::default();
    walk(line, path, &mut |p: &str, v: Val<'_>| {
        let slot = match p {
            "timestamp" => &mut r.ts,
            "event_type" => &mut r.event_type,
            "src_ip" => &mut r.src_ip,
            "dest_ip" => &mut r.dest_ip,
            "src_port" => &mut r.src_port,
            "dest_port" => &mut r.dest_port,
            "proto" => &mut r.proto,
            "host" => &mut r.host,
            "dns.version" => &mut r.version,
            "dns.type" => &mut r.typ,
            "dns.rcode" => &mut r.rcode,
            // v3 keeps the question in `queries`; v1/v2 at the top of `dns`. First one wins.
            "dns.rrname" | "dns.queries.rrname" if r.rrname.is_none() => &mut r.rrname,
            "dns.rrtype" | "dns.queries.rrtype" if r.rrtype.is_none() => &mut r.rrtype,
            "dns.queries.rrname" | "dns.queries.rrtype" | "dns.queries" => return,
            "dns.answers" => {
                if let Val::Len(n) = v {
                    r.answers = Some(n);
                }
                return;
            }
            "dns.answers.rrname" | "dns.answers.rrtype" | "dns.answers.ttl" => return,
            "flow_id" => {
                r.flow_id = if let Val::U64(n) = v { Some(n) } else { None };
                return;
            }
            "dns.id" => {
                r.id = if let Val::U64(n) = v { Some(n) } else { None };
                return;
            }
            _ => {
                if let Some(rest) = p.strip_prefix("dns.grouped.") {
                    r.has_grouped = true;
                    if !rest.contains('.') && !matches!(v, Val::Len(_)) {
                        r.grouped += 1;
                    }
                } else if p == "dns.rdata" {
                    r.rdata = true;
                }
                push_extra(&mut d.extra, p, &v);
                return;
            }
        };
        *slot = Some(v);
    })?;

    let event_type = r.event_type.as_ref().ok_or(RecordError::MissingField("event_type"))?;
    if event_type.str("event_type")? != "dns" {
        return Ok(Outcome::Ignored);
    }
    let typ = r.typ.as_ref().ok_or(RecordError::MissingField("dns.type"))?;
    d.kind = match typ.str("dns.type")? {
        "request" | "query" => DnsKind::Query,
        "response" | "answer" => DnsKind::Response,
        _ => return Err(typ.bad("dns.type")),
    };
    let v3 = match &r.version {
        None => false,
        Some(v) => v.uint::<u8>("dns.version")? >= 3,
    };
    if d.kind == DnsKind::Response && r.version.is_none() && r.rdata {
        // v1: one record per answer RR; fold the records of one message into one event.
        let key = r.flow_id.zip(r.id);
        if key.is_some() && key == *last_v1 {
            return Ok(Outcome::Ignored);
        }
        *last_v1 = key;
    }
    d.time = r.ts.as_ref().ok_or(RecordError::MissingField("timestamp"))?.time()?;
    match &r.rrname {
        Some(n) => d.set_name(n.str("dns.rrname")?),
        None if d.kind == DnsKind::Query => return Err(RecordError::MissingField("dns.rrname")),
        None => {}
    }
    if let Some(t) = &r.rrtype {
        d.qtype = Some(dnsutil::qtype("dns.rrtype", t.str("dns.rrtype")?)?);
    }
    if d.kind == DnsKind::Response {
        if let Some(c) = &r.rcode {
            d.rcode = Some(dnsutil::rcode("dns.rcode", c.str("dns.rcode")?)?);
        }
        let count = match (r.answers, r.has_grouped, r.rdata) {
            (Some(n), _, _) => n,
            (None, true, _) => r.grouped,
            (None, false, true) => 1,
            _ => 0,
        };
        d.answer_count = Some(u32::try_from(count).unwrap_or(u32::MAX));
    }
    let src = r.src_ip.as_ref().map(|v| v.ip("src_ip")).transpose()?;
    let dst = r.dest_ip.as_ref().map(|v| v.ip("dest_ip")).transpose()?;
    let sp = r.src_port.as_ref().map(|v| v.uint::<u16>("src_port")).transpose()?;
    let dp = r.dest_port.as_ref().map(|v| v.uint::<u16>("dest_port")).transpose()?;
    let src_is_server = source_is_server(sp, dp).unwrap_or(v3 && d.kind == DnsKind::Response);
    if src_is_server {
        (d.client_ip, d.client_port, d.server_ip) = (dst, dp, src);
    } else {
        (d.client_ip, d.client_port, d.server_ip) = (src, sp, dst);
    }
    if let Some(p) = &r.proto {
        d.transport = dnsutil::transport(p.str("proto")?);
    }
    match (server, &r.host) {
        (Some(s), _) => d.server.push_str(s),
        (None, Some(h)) => d.server.push_str(h.str("host")?),
        (None, None) => {}
    }
    Ok(Outcome::Event)
}
