//! `route53-resolver`: Amazon Route 53 (VPC) Resolver query logs, one JSON object per line as
//! delivered to CloudWatch Logs, S3 or Firehose: `version`, `account_id`, `region`, `vpc_id`,
//! `query_timestamp` (ISO 8601 UTC), `query_name` (with trailing dot), `query_type` (mnemonic or
//! `ANY`), `query_class`, `rcode`, `answers: [{Rdata, Type, Class}]`, `srcaddr`, `srcport`,
//! `transport`, `srcids: {instance | resolver_endpoint}`, and the DNS Firewall fields
//! (`firewall_rule_action`, ...) when a rule matched.
//!
//! Each record is one query with the resolver's answer: one `DnsKind::Query` event carrying the
//! rcode and answer count. Quirks: `srcport` is a string in AWS's examples (a number is accepted
//! too); `transport` may be `UDP`, `TCP` or `DoH` (an unknown one is left unset and kept in
//! `extra`). `Computer` is `ReadOptions::server`, else `srcids.resolver_endpoint` (inbound
//! endpoint queries), else the `vpc_id` whose Resolver answered. Everything unmapped (account,
//! region, `srcids.instance`, firewall fields, answer data) is kept in `extra` by dotted path.

use crate::dnsutil;
use crate::jsonwalk::{first_line, has_key, push_extra, walk, Outcome, ParsedLines, Val};
use crate::{dns_slot, EventReader, FormatSpec, InputError, ReadOptions, RecordError, Source};
use event::{DnsKind, Event};

pub static SPEC: FormatSpec = FormatSpec {
    name: "route53-resolver",
    description: "Amazon Route 53 Resolver query logs (JSON lines)",
    sniff,
    open,
};

fn sniff(head: &[u8]) -> u8 {
    let line = first_line(head);
    let keys = ["query_timestamp", "query_name", "query_type", "srcaddr", "vpc_id", "rcode"];
    let n = keys.iter().filter(|k| has_key(line, k)).count();
    if line.starts_with(b"{") && has_key(line, "query_name") && n >= 4 {
        90
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
    srcaddr: Option<Val<'a>>,
    srcport: Option<Val<'a>>,
    transport: Option<Val<'a>>,
    endpoint: Option<Val<'a>>,
    vpc: Option<Val<'a>>,
    answers: Option<usize>,
}

fn parse(line: &str, path: &mut String, out: &mut Event, server: Option<&str>) -> Result<Outcome, RecordError> {
    let d = dns_slot(out);
    d.source_format = SPEC.name;
    d.kind = DnsKind::Query;
    let mut r = Rec::default();
    walk(line, path, &mut |p: &str, v: Val<'_>| {
        let slot = match p {
            "query_timestamp" => &mut r.ts,
            "query_name" => &mut r.name,
            "query_type" => &mut r.qtype,
            "query_class" => &mut r.qclass,
            "rcode" => &mut r.rcode,
            "srcaddr" => &mut r.srcaddr,
            "srcport" => &mut r.srcport,
            "answers" => {
                if let Val::Len(n) = v {
                    r.answers = Some(n);
                }
                return;
            }
            _ => {
                if p == "transport" && v.as_str().and_then(dnsutil::transport).is_some() {
                    r.transport = Some(v);
                    return;
                }
                if p == "srcids.resolver_endpoint" {
                    r.endpoint = Some(v.clone());
                } else if p == "vpc_id" {
                    r.vpc = Some(v.clone());
                }
                push_extra(&mut d.extra, p, &v);
                return;
            }
        };
        *slot = Some(v);
    })?;
    d.time = r.ts.as_ref().ok_or(RecordError::MissingField("query_timestamp"))?.time()?;
    d.set_name(r.name.as_ref().ok_or(RecordError::MissingField("query_name"))?.str("query_name")?);
    if let Some(t) = &r.qtype {
        d.qtype = Some(dnsutil::qtype("query_type", t.str("query_type")?)?);
    }
    if let Some(c) = &r.qclass {
        let s = c.str("query_class")?;
        d.qclass = Some(dnsutil::qclass(s).ok_or_else(|| c.bad("query_class"))?);
    }
    if let Some(c) = &r.rcode {
        d.rcode = Some(dnsutil::rcode("rcode", c.str("rcode")?)?);
    }
    if let Some(a) = &r.srcaddr {
        d.client_ip = Some(a.ip("srcaddr")?);
    }
    if let Some(p) = &r.srcport {
        d.client_port = Some(p.uint("srcport")?);
    }
    d.transport = r.transport.as_ref().and_then(|t| t.as_str().and_then(dnsutil::transport));
    d.answer_count = Some(u32::try_from(r.answers.unwrap_or(0)).unwrap_or(u32::MAX));
    let computer = server.or(r.endpoint.as_ref().and_then(Val::as_str)).or(r.vpc.as_ref().and_then(Val::as_str));
    d.server.push_str(computer.unwrap_or(""));
    Ok(Outcome::Event)
}
