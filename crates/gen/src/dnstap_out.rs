//! dnstap output: a unidirectional Frame Streams file (START with content type
//! `protobuf:dnstap.Dnstap`, one data frame per `Dnstap` message, STOP), the protobuf written by
//! hand from the published dnstap.proto schema.
//!
//! Each query gives a query frame and its response frame(s): recursive lookups from internal
//! clients as CLIENT_QUERY/CLIENT_RESPONSE (the resolver's view), queries from outside as
//! AUTH_QUERY/AUTH_RESPONSE; a completed AXFR gives one AUTH_RESPONSE frame per message of the
//! transfer. `identity` is the server's name (the `Computer` of the other formats).

use crate::dns::{Query, SERVERS};
use crate::wire;
use std::net::IpAddr;

const CONTENT_TYPE: &[u8] = b"protobuf:dnstap.Dnstap";
const CONTROL_START: u32 = 2;
const CONTROL_STOP: u32 = 3;
const FIELD_CONTENT_TYPE: u32 = 1;
const AUTH_QUERY: u64 = 1;
const AUTH_RESPONSE: u64 = 2;
const CLIENT_QUERY: u64 = 5;
const CLIENT_RESPONSE: u64 = 6;

/// The file's START control frame.
pub fn start(out: &mut Vec<u8>) {
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&(12 + CONTENT_TYPE.len() as u32).to_be_bytes());
    out.extend_from_slice(&CONTROL_START.to_be_bytes());
    out.extend_from_slice(&FIELD_CONTENT_TYPE.to_be_bytes());
    out.extend_from_slice(&(CONTENT_TYPE.len() as u32).to_be_bytes());
    out.extend_from_slice(CONTENT_TYPE);
}

/// The file's STOP control frame.
pub fn stop(out: &mut Vec<u8>) {
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&4u32.to_be_bytes());
    out.extend_from_slice(&CONTROL_STOP.to_be_bytes());
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn field_varint(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}

fn field_bytes(out: &mut Vec<u8>, field: u64, b: &[u8]) {
    varint(out, field << 3 | 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn field_fixed32(out: &mut Vec<u8>, field: u64, v: u32) {
    varint(out, field << 3 | 5);
    out.extend_from_slice(&v.to_le_bytes());
}

fn ip_bytes(a: IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// Reused buffers for writing frames.
#[derive(Default)]
pub struct Writer {
    dns: Vec<u8>,
    xfr: Vec<Vec<u8>>,
    pb: Protobuf,
}

#[derive(Default)]
struct Protobuf {
    msg: Vec<u8>,
    top: Vec<u8>,
}

impl Writer {
    /// Appends the frames of one query and its response to `out`.
    pub fn query(&mut self, q: &Query, out: &mut Vec<u8>) {
        let (qt, rt) = if q.recursion { (CLIENT_QUERY, CLIENT_RESPONSE) } else { (AUTH_QUERY, AUTH_RESPONSE) };
        self.dns.clear();
        wire::query(q, &mut self.dns);
        self.pb.frame(q, qt, q.time_ns, &self.dns, out);
        let t = q.time_ns + wire::RESPONSE_DELAY_NS;
        if wire::is_completed_axfr(q) {
            wire::axfr(q, &mut self.xfr);
            for m in &self.xfr {
                self.pb.frame(q, rt, t, m, out);
            }
        } else {
            self.dns.clear();
            wire::response(q, &mut self.dns);
            self.pb.frame(q, rt, t, &self.dns, out);
        }
    }
}

impl Protobuf {
    /// One data frame: a `Dnstap` message (identity, version, type MESSAGE) around a `Message`.
    fn frame(&mut self, q: &Query, mtype: u64, t_ns: i64, dns: &[u8], out: &mut Vec<u8>) {
        let (client, server) = wire::addresses(q);
        let response = mtype % 2 == 0;
        let m = &mut self.msg;
        m.clear();
        field_varint(m, 1, mtype);
        field_varint(m, 2, if client.is_ipv4() { 1 } else { 2 });
        field_varint(m, 3, if q.tcp { 2 } else { 1 });
        field_bytes(m, 4, &ip_bytes(client));
        field_bytes(m, 5, &ip_bytes(server));
        field_varint(m, 6, u64::from(q.port));
        field_varint(m, 7, 53);
        // Responses carry the query's time too, as servers write it.
        field_varint(m, 8, (q.time_ns / 1_000_000_000) as u64);
        field_fixed32(m, 9, (q.time_ns % 1_000_000_000) as u32);
        if response {
            field_varint(m, 12, (t_ns / 1_000_000_000) as u64);
            field_fixed32(m, 13, (t_ns % 1_000_000_000) as u32);
            field_bytes(m, 14, dns);
        } else {
            field_bytes(m, 10, dns);
        }
        let top = &mut self.top;
        top.clear();
        field_bytes(top, 1, SERVERS[q.server].0.as_bytes());
        field_bytes(top, 2, b"reconwatch-gen");
        field_bytes(top, 14, m);
        field_varint(top, 15, 1);
        out.extend_from_slice(&(top.len() as u32).to_be_bytes());
        out.extend_from_slice(top);
    }
}
