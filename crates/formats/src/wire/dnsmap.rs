//! From DNS messages seen on the wire (dnstap, pcap) to [`DnsEvent`]s.
//!
//! Counting rules, so that no query is counted twice:
//! - a query message gives one `Query` event (client = the querier);
//! - a response to an ordinary query gives one `Response` event (rcode, answer count);
//! - a response to an AXFR/IXFR query gives no `Response` event: it feeds a transfer, reported
//!   as ONE `Transfer` event per transfer: `Denied` for REFUSED/NOTAUTH, `Failed` for another
//!   error rcode or a stream that ends before the closing SOA, `Completed` once the answer
//!   records end with an SOA whose serial equals the first one's (RFC 5936 §2.2; an IXFR
//!   answered with a single SOA, "you are up to date", completes at once). A transfer spans many
//!   messages; it is keyed by (client, server, ports, message id), with records and bytes summed.

use super::dns::{self, DnsError, Summary};
use event::{DnsEvent, DnsKind, QType, Rcode, Timestamp, TransferOutcome, Transport};
use std::collections::HashMap;
use std::net::IpAddr;

/// Where and when a message was seen, already oriented: `client` is the querier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub time: Timestamp,
    pub client_ip: Option<IpAddr>,
    pub client_port: Option<u16>,
    pub server_ip: Option<IpAddr>,
    pub server_port: Option<u16>,
    pub transport: Option<Transport>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FlowKey {
    client: Option<IpAddr>,
    client_port: Option<u16>,
    server: Option<IpAddr>,
    server_port: Option<u16>,
    id: u16,
}

#[derive(Debug, Clone)]
struct Transfer {
    time: Timestamp,
    server: String,
    name: String,
    qtype: QType,
    transport: Option<Transport>,
    records: u64,
    bytes: u64,
    first_serial: Option<u32>,
}

/// Longest list of unfinished transfers kept; past it the oldest-keyed one is reported failed.
pub const MAX_OPEN_TRANSFERS: usize = 4096;

/// Turns DNS messages into events, tracking zone transfers across messages.
#[derive(Debug)]
pub struct DnsMapper {
    source_format: &'static str,
    name: String,
    open: HashMap<FlowKey, Transfer>,
    done: Vec<DnsEvent>,
}

impl DnsMapper {
    pub fn new(source_format: &'static str) -> Self {
        DnsMapper { source_format, name: String::new(), open: HashMap::new(), done: Vec::new() }
    }

    /// The format named in events this mapper creates itself (transfers reported failed).
    pub fn set_source_format(&mut self, source_format: &'static str) {
        self.source_format = source_format;
    }

    /// Decodes `msg` and fills `out` (already reset, `server`/`source_format` set by the caller)
    /// if it gives an event now. Returns `Ok(false)` for a transfer message that does not end
    /// the transfer. `is_response` says which side sent it (dnstap type, or the QR bit).
    pub fn map(&mut self, msg: &[u8], meta: &Meta, is_response: bool, out: &mut DnsEvent) -> Result<bool, DnsError> {
        let s = dns::parse(msg, &mut self.name)?;
        let q = s.question;
        let qtype = q.map(|q| QType(q.qtype));
        let fill = |out: &mut DnsEvent, name: &str, kind| {
            out.kind = kind;
            out.time = meta.time;
            out.client_ip = meta.client_ip;
            out.client_port = meta.client_port;
            out.server_ip = meta.server_ip;
            out.transport = meta.transport;
            out.set_name(name);
            out.qtype = qtype;
            out.qclass = q.map(|q| q.qclass);
        };
        if !is_response {
            fill(out, &self.name, DnsKind::Query);
            return Ok(true);
        }
        let rcode = Rcode(s.header.rcode());
        let is_xfr = matches!(qtype, Some(QType::AXFR | QType::IXFR));
        let key = FlowKey {
            client: meta.client_ip,
            client_port: meta.client_port,
            server: meta.server_ip,
            server_port: meta.server_port,
            id: s.header.id,
        };
        // Later messages of a transfer carry no question (RFC 5936 §2.2.1): match them by key.
        let continues_transfer = q.is_none() && self.open.contains_key(&key);
        if !is_xfr && !continues_transfer {
            fill(out, &self.name, DnsKind::Response);
            out.rcode = Some(rcode);
            out.answer_count = Some(s.answers);
            return Ok(true);
        }
        if rcode != Rcode::NOERROR {
            let t = self.open.remove(&key);
            fill(out, &self.name, DnsKind::Transfer);
            if let Some(t) = t {
                restore(out, &t);
                out.transfer_records = Some(t.records);
                out.transfer_bytes = Some(t.bytes + msg.len() as u64);
            } else {
                out.transfer_records = Some(0);
                out.transfer_bytes = Some(msg.len() as u64);
            }
            out.rcode = Some(rcode);
            out.transfer = Some(if matches!(rcode, Rcode::REFUSED | Rcode::NOTAUTH) {
                TransferOutcome::Denied
            } else {
                TransferOutcome::Failed
            });
            return Ok(true);
        }
        if !self.open.contains_key(&key) && self.open.len() >= MAX_OPEN_TRANSFERS {
            self.evict_one();
        }
        let t = self.open.entry(key.clone()).or_insert_with(|| Transfer {
            time: meta.time,
            server: out.server.clone(),
            name: String::new(),
            qtype: qtype.unwrap_or(QType::AXFR),
            transport: meta.transport,
            records: 0,
            bytes: 0,
            first_serial: None,
        });
        if t.records == 0 && t.name.is_empty() {
            let mut tmp = DnsEvent::default();
            tmp.set_name(&self.name);
            t.name = tmp.name;
        }
        if t.first_serial.is_none() && t.records == 0 {
            t.first_serial = if s.first_answer_soa { s.first_soa_serial } else { None };
        }
        t.records += u64::from(s.answers);
        t.bytes += msg.len() as u64;
        if !finished(t, &s) {
            return Ok(false);
        }
        let Some(t) = self.open.remove(&key) else { return Ok(false) };
        fill(out, &t.name, DnsKind::Transfer);
        restore(out, &t);
        out.rcode = Some(rcode);
        out.transfer = Some(TransferOutcome::Completed);
        out.transfer_records = Some(t.records);
        out.transfer_bytes = Some(t.bytes);
        out.answer_count = Some(u32::try_from(t.records).unwrap_or(u32::MAX));
        Ok(true)
    }

    /// Reports every transfer still open (the input ended before its closing SOA) as `Failed`,
    /// oldest first, after any evicted ones not yet taken.
    pub fn finish(&mut self) -> Vec<DnsEvent> {
        let mut open: Vec<_> = self.open.drain().collect();
        open.sort_by_key(|(_, t)| t.time);
        let mut out = std::mem::take(&mut self.done);
        for (k, t) in open {
            out.push(failed(&k, &t, self.source_format));
        }
        out
    }

    /// A transfer evicted for lack of room (reported failed): callers drain these after [`Self::map`].
    pub fn take_evicted(&mut self) -> Option<DnsEvent> {
        self.done.pop()
    }

    fn evict_one(&mut self) {
        let oldest = self.open.iter().min_by_key(|(_, t)| t.time).map(|(k, _)| k.clone());
        if let Some(k) = oldest {
            if let Some(t) = self.open.remove(&k) {
                self.done.push(failed(&k, &t, self.source_format));
            }
        }
    }
}

fn finished(t: &Transfer, s: &Summary) -> bool {
    if !s.last_answer_soa || t.first_serial.is_none() || s.last_soa_serial != t.first_serial {
        return false;
    }
    t.records >= 2 || (t.qtype == QType::IXFR && t.records == 1)
}

fn restore(out: &mut DnsEvent, t: &Transfer) {
    out.time = t.time;
    out.name.clear();
    out.name.push_str(&t.name);
    out.qtype = Some(t.qtype);
    out.transport = t.transport;
}

fn failed(k: &FlowKey, t: &Transfer, source_format: &'static str) -> DnsEvent {
    DnsEvent {
        time: t.time,
        kind: DnsKind::Transfer,
        server: t.server.clone(),
        client_ip: k.client,
        client_port: k.client_port,
        server_ip: k.server,
        name: t.name.clone(),
        qtype: Some(t.qtype),
        rcode: Some(Rcode::NOERROR),
        transport: t.transport,
        transfer: Some(TransferOutcome::Failed),
        transfer_records: Some(t.records),
        transfer_bytes: Some(t.bytes),
        source_format,
        ..DnsEvent::default()
    }
}
