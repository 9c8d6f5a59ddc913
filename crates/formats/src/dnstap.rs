//! `dnstap`: Frame Streams files of dnstap protobuf frames (BIND `dnstap-output file`, Unbound,
//! Knot, PowerDNS, `fstrm_capture`, `dnstap-ldns -w`).
//!
//! Each data frame is one `Dnstap` message carrying one DNS message. Mapping:
//! - `*_QUERY` → a `Query` event from `query_message` at `query_time`;
//! - `*_RESPONSE` → a `Response` event from `response_message` at `response_time` (rcode, answer
//!   count), except responses to AXFR/IXFR, which become one `Transfer` event per transfer (see
//!   [`crate::wire::dnsmap`]), so a query is never counted twice;
//! - `query_address`/`query_port` (the querier, in every message type of the schema) →
//!   `ClientIP`/client port, `response_address` → server IP, `identity` → `Computer` (else
//!   `--server`), `socket_protocol` → transport.
//!
//! Rejected (counted, numbered by data frame): oversize frames, protobuf that does not decode,
//! unknown message types, addresses that are not 4 or 16 bytes, missing or malformed DNS
//! messages. Framing errors that lose sync (truncation, bad control frames) end the file after
//! one reject; a file without its STOP frame (a server killed mid-write) is one reject too.

pub mod live;

use crate::registry::FormatSpec;
use crate::wire::dnsmap::{DnsMapper, Meta};
use crate::wire::dnstap_pb::{self, Message, MessageType};
use crate::wire::fstrm::{self, FstrmReader, Step};
use crate::{dns_slot, EventReader, InputError, ReadOptions, RecordError, Rejects, Source};
use event::{DnsEvent, Event, Timestamp, Transport, NANOS_PER_SEC};
use std::io::{self, BufRead};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

pub static SPEC: FormatSpec = FormatSpec {
    name: "dnstap",
    description: "dnstap Frame Streams file (BIND, Unbound, Knot, PowerDNS, fstrm_capture)",
    sniff: fstrm::sniff_dnstap,
    open,
};

const FORMAT: &str = "dnstap";

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(DnstapReader::new(source, opts)))
}

/// Reads dnstap events from a Frame Streams file.
pub struct DnstapReader {
    frames: FstrmReader<Box<dyn BufRead + Send>>,
    source: Arc<str>,
    server: Option<String>,
    frame_no: u64,
    mapper: DnsMapper,
    tail: Option<std::vec::IntoIter<DnsEvent>>,
}

impl DnstapReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        DnstapReader {
            frames: FstrmReader::new(source.reader, fstrm::DNSTAP_CONTENT_TYPE, opts.max_record),
            source: source.name,
            server: opts.server.clone(),
            frame_no: 0,
            mapper: DnsMapper::new(FORMAT),
            tail: None,
        }
    }
}

impl EventReader for DnstapReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            if let Some(tail) = &mut self.tail {
                return Ok(match tail.next() {
                    Some(e) => {
                        *out = Event::Dns(e);
                        true
                    }
                    None => false,
                });
            }
            if let Some(e) = self.mapper.take_evicted() {
                *out = Event::Dns(e);
                return Ok(true);
            }
            let frame = match self.frames.next_frame() {
                Ok(Step::Data(f)) => f,
                Ok(Step::End) => {
                    self.tail = Some(self.mapper.finish().into_iter());
                    continue;
                }
                Err(Err(e)) => return Err(e),
                Err(Ok(e)) => {
                    self.frame_no += 1;
                    let fatal = !e.recoverable();
                    rejects.push(
                        &self.source,
                        self.frame_no,
                        RecordError::Malformed { what: "frame stream", detail: e.to_string() },
                    );
                    if fatal {
                        self.tail = Some(self.mapper.finish().into_iter());
                    }
                    continue;
                }
            };
            self.frame_no += 1;
            let ev = dns_slot(out);
            match map_frame(frame, self.server.as_deref(), &mut self.mapper, ev) {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(e) => rejects.push(&self.source, self.frame_no, e),
            }
        }
    }
}

/// Decodes one dnstap frame into `ev`; `Ok(false)` when it gives no event yet (a transfer
/// message that does not end the transfer).
pub fn map_frame(
    frame: &[u8],
    server: Option<&str>,
    mapper: &mut DnsMapper,
    ev: &mut DnsEvent,
) -> Result<bool, RecordError> {
    let bad = |what, e: &dyn std::fmt::Display| RecordError::Malformed { what, detail: e.to_string() };
    let d = dnstap_pb::decode(frame).map_err(|e| bad("dnstap protobuf", &e))?;
    let m = &d.message;
    let raw_type = m.mtype.ok_or(RecordError::MissingField("Message.type"))?;
    let mtype = MessageType::from_u64(raw_type)
        .ok_or_else(|| RecordError::BadValue { field: "Message.type", value: raw_type.to_string() })?;
    let (msg, sec, nsec) = if mtype.is_query() {
        (m.query_message.ok_or(RecordError::MissingField("query_message"))?, m.query_time_sec, m.query_time_nsec)
    } else {
        let msg = m.response_message.ok_or(RecordError::MissingField("response_message"))?;
        (msg, m.response_time_sec.or(m.query_time_sec), m.response_time_nsec.or(m.query_time_nsec))
    };
    let meta = Meta {
        time: time(sec, nsec),
        client_ip: addr(m.query_address)?,
        client_port: m.query_port.and_then(|p| u16::try_from(p).ok()),
        server_ip: addr(m.response_address)?,
        server_port: m.response_port.and_then(|p| u16::try_from(p).ok()),
        transport: transport(m),
    };
    ev.source_format = FORMAT;
    match d.identity {
        Some(id) => ev.server.push_str(&String::from_utf8_lossy(id)),
        None => ev.server.push_str(server.unwrap_or("")),
    }
    mapper.map(msg, &meta, !mtype.is_query(), ev).map_err(|e| bad("DNS message", &e))
}

fn time(sec: Option<u64>, nsec: Option<u32>) -> Timestamp {
    let s = i64::try_from(sec.unwrap_or(0)).unwrap_or(i64::MAX / NANOS_PER_SEC);
    let ns = i64::from(nsec.unwrap_or(0).min(999_999_999));
    Timestamp(s.saturating_mul(NANOS_PER_SEC).saturating_add(ns))
}

fn addr(a: Option<&[u8]>) -> Result<Option<IpAddr>, RecordError> {
    match a {
        None => Ok(None),
        Some(b) => match <[u8; 4]>::try_from(b) {
            Ok(v4) => Ok(Some(IpAddr::V4(Ipv4Addr::from(v4)))),
            Err(_) => match <[u8; 16]>::try_from(b) {
                Ok(v6) => Ok(Some(IpAddr::V6(Ipv6Addr::from(v6)))),
                Err(_) => Err(RecordError::BadIp(format!("{} address bytes", b.len()))),
            },
        },
    }
}

fn transport(m: &Message<'_>) -> Option<Transport> {
    Some(match m.socket_protocol? {
        1 | 5 => Transport::Udp,
        2 | 6 => Transport::Tcp,
        3 => Transport::Tls,
        4 => Transport::Https,
        7 => Transport::Quic,
        _ => return None,
    })
}
