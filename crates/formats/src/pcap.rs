//! `pcap` and `pcapng`: packet captures (tcpdump, tshark, dumpcap), read with `pcap-parser`.
//!
//! pcap: magic `a1b2c3d4` (microseconds) or `a1b23c4d` (nanoseconds), either byte order.
//! pcapng: Section Header Block `0a0d0d0a` with byte-order magic `1a2b3c4d` either way; each
//! Interface Description Block brings its link type, timestamp resolution and offset; a new
//! section starts a new interface list. Layers: [`crate::wire::link`] → [`crate::wire::ip`] →
//! UDP, or TCP through [`crate::wire::tcp`] → [`crate::wire::dnsmap`]. Only port 53 (either
//! side) is read; other traffic is skipped without a reject. Queries give `Query` events
//! (client = sender), responses `Response` events (client = receiver) or, for AXFR/IXFR,
//! one `Transfer` event per transfer.
//!
//! Rejected (counted, numbered by packet): frames and IP/UDP/TCP headers that are truncated or
//! inconsistent, IP fragments (not reassembled), lost TCP bytes, DNS messages that do not
//! parse, packets on unsupported link types. A capture cut mid-block (a killed tcpdump) is one
//! reject, after which everything read so far is kept.

use crate::registry::FormatSpec;
use crate::wire::dns;
use crate::wire::dnsmap::{DnsMapper, Meta};
use crate::wire::ip::{self, Segment};
use crate::wire::link::{self, Network};
use crate::wire::tcp::{FlowId, Limits, Messages, Reassembler};
use crate::{dns_slot, EventReader, InputError, ReadOptions, RecordError, Rejects, Source};
use event::{DnsEvent, Event, Timestamp, Transport, NANOS_PER_SEC};
use pcap_parser::pcapng::Block;
use pcap_parser::traits::PcapReaderIterator;
use pcap_parser::{PcapBlockOwned, PcapError};
use std::io;
use std::sync::Arc;

pub static SPEC: FormatSpec = FormatSpec {
    name: "pcap",
    description: "pcap packet capture (tcpdump): DNS over UDP/TCP port 53",
    sniff: sniff_pcap,
    open,
};

pub static SPEC_NG: FormatSpec = FormatSpec {
    name: "pcapng",
    description: "pcapng packet capture (tshark, dumpcap): DNS over UDP/TCP port 53",
    sniff: sniff_pcapng,
    open,
};

const DNS_PORT: u16 = 53;
const BUF: usize = 256 * 1024;
const MAX_BUF: usize = 64 * 1024 * 1024;

fn sniff_pcap(head: &[u8]) -> u8 {
    match head.get(..4) {
        Some(
            [0xa1, 0xb2, 0xc3, 0xd4] | [0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d] | [0x4d, 0x3c, 0xb2, 0xa1],
        ) => 100,
        _ => 0,
    }
}

fn sniff_pcapng(head: &[u8]) -> u8 {
    match (head.get(..4), head.get(8..12)) {
        (Some([0x0a, 0x0d, 0x0d, 0x0a]), Some([0x1a, 0x2b, 0x3c, 0x4d] | [0x4d, 0x3c, 0x2b, 0x1a])) => 100,
        _ => 0,
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(PcapReader::new(source, opts)?))
}

/// Reads DNS events from a pcap or pcapng capture.
pub struct PcapReader {
    inner: Option<Box<dyn PcapReaderIterator + Send>>,
    d: Decoder,
}

struct Iface {
    linktype: u32,
    units_per_sec: u64,
    offset_secs: i64,
}

struct Decoder {
    source: Arc<str>,
    /// `pcap` or `pcapng`, from the file header: the events' `source_format`.
    format: &'static str,
    server: String,
    legacy_linktype: u32,
    legacy_nanos: bool,
    ifaces: Vec<Iface>,
    packet_no: u64,
    tcp: Reassembler,
    msgs: Messages,
    next_msg: usize,
    seg: Option<(FlowId, Option<Transport>, Timestamp)>,
    mapper: DnsMapper,
    tail: Option<std::vec::IntoIter<DnsEvent>>,
}

impl PcapReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Result<Self, InputError> {
        let name = source.name.clone();
        let inner = match pcap_parser::create_reader(BUF, source.reader) {
            Ok(r) => Some(r),
            Err(PcapError::Eof) => None,
            Err(e) => return Err(InputError::Open { name: name.to_string(), detail: format!("not a capture: {e:?}") }),
        };
        Ok(PcapReader {
            inner,
            d: Decoder {
                source: name,
                format: "pcap",
                server: opts.server.clone().unwrap_or_default(),
                legacy_linktype: link::ETHERNET,
                legacy_nanos: false,
                ifaces: Vec::new(),
                packet_no: 0,
                tcp: Reassembler::new(Limits::default()),
                msgs: Messages::default(),
                next_msg: 0,
                seg: None,
                mapper: DnsMapper::new("pcap"),
                tail: None,
            },
        })
    }
}

impl EventReader for PcapReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        let d = &mut self.d;
        loop {
            if let Some(tail) = &mut d.tail {
                return Ok(match tail.next() {
                    Some(e) => {
                        *out = Event::Dns(e);
                        true
                    }
                    None => false,
                });
            }
            if let Some(e) = d.mapper.take_evicted() {
                *out = Event::Dns(e);
                return Ok(true);
            }
            if d.next_msg < d.msgs.len() {
                if d.map_next(out, rejects) {
                    return Ok(true);
                }
                continue;
            }
            let Some(inner) = &mut self.inner else {
                d.finish();
                continue;
            };
            match inner.next() {
                Ok((offset, block)) => {
                    d.block(block, rejects);
                    inner.consume(offset);
                }
                Err(PcapError::Eof) => {
                    self.inner = None;
                }
                Err(PcapError::Incomplete(_)) => {
                    inner.refill().map_err(|e| io::Error::other(format!("{e:?}")))?;
                }
                Err(PcapError::BufferTooSmall) => {
                    // Grow only while the input really has more bytes: a header claiming a huge
                    // block in a small file must not cost a huge buffer.
                    inner.refill().map_err(|e| io::Error::other(format!("{e:?}")))?;
                    if inner.reader_exhausted() {
                        continue;
                    }
                    let cap = inner.data().len().max(BUF) * 2;
                    if cap > MAX_BUF || !inner.grow(cap) {
                        d.packet_no += 1;
                        rejects.push(&d.source, d.packet_no, RecordError::TooLong { limit: MAX_BUF });
                        self.inner = None;
                    }
                }
                Err(PcapError::ReadError) => return Err(io::Error::other("read error in capture")),
                Err(e) => {
                    let detail = match e {
                        PcapError::UnexpectedEof => "capture ends in the middle of a block".to_string(),
                        other => format!("{other:?}"),
                    };
                    d.packet_no += 1;
                    rejects.push(&d.source, d.packet_no, RecordError::Malformed { what: "capture block", detail });
                    self.inner = None;
                }
            }
        }
    }
}

impl Decoder {
    fn finish(&mut self) {
        self.tail = Some(self.mapper.finish().into_iter());
    }

    fn block(&mut self, block: PcapBlockOwned<'_>, rejects: &mut Rejects) {
        let (linktype, time, data) = match block {
            PcapBlockOwned::LegacyHeader(h) => {
                self.format = SPEC.name;
                self.mapper.set_source_format(SPEC.name);
                self.legacy_linktype = h.network.0 as u32;
                self.legacy_nanos = matches!(h.magic_number, 0xa1b2_3c4d | 0x4d3c_b2a1);
                return;
            }
            PcapBlockOwned::Legacy(b) => {
                let frac = i64::from(b.ts_usec) * if self.legacy_nanos { 1 } else { 1000 };
                let t = Timestamp(i64::from(b.ts_sec) * NANOS_PER_SEC + frac);
                let end = (b.caplen as usize).min(b.data.len());
                (self.legacy_linktype, t, &b.data[..end])
            }
            PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                self.format = SPEC_NG.name;
                self.mapper.set_source_format(SPEC_NG.name);
                self.ifaces.clear();
                return;
            }
            PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                self.ifaces.push(Iface {
                    linktype: idb.linktype.0 as u32,
                    units_per_sec: idb.ts_resolution().unwrap_or(1_000_000),
                    offset_secs: idb.ts_offset(),
                });
                return;
            }
            PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                let Some(iface) = self.ifaces.get(epb.if_id as usize) else {
                    self.packet_no += 1;
                    let e = RecordError::BadValue { field: "interface id", value: epb.if_id.to_string() };
                    rejects.push(&self.source, self.packet_no, e);
                    return;
                };
                let units = u128::from(epb.ts_high) << 32 | u128::from(epb.ts_low);
                let res = u128::from(iface.units_per_sec.max(1));
                let ns = (units / res) * 1_000_000_000 + (units % res) * 1_000_000_000 / res;
                let ns = i64::try_from(ns)
                    .unwrap_or(i64::MAX)
                    .saturating_add(iface.offset_secs.saturating_mul(NANOS_PER_SEC));
                (iface.linktype, Timestamp(ns), &epb.data[..(epb.caplen as usize).min(epb.data.len())])
            }
            PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                let linktype = self.ifaces.first().map_or(link::ETHERNET, |i| i.linktype);
                (linktype, Timestamp(0), &spb.data[..(spb.origlen as usize).min(spb.data.len())])
            }
            PcapBlockOwned::NG(_) => return,
        };
        self.packet_no += 1;
        if let Err(e) = self.packet(linktype, time, data) {
            rejects.push(&self.source, self.packet_no, e);
        }
    }

    fn packet(&mut self, linktype: u32, time: Timestamp, frame: &[u8]) -> Result<(), RecordError> {
        let bad = |what, e: &dyn std::fmt::Display| RecordError::Malformed { what, detail: e.to_string() };
        let net = link::network(linktype, frame).map_err(|e| bad("link layer", &e))?;
        let seg: Option<Segment<'_>> = match net {
            None => return Ok(()),
            Some(Network::V4(p)) => ip::ipv4(p).map_err(|e| bad("IPv4 packet", &e))?,
            Some(Network::V6(p)) => ip::ipv6(p).map_err(|e| bad("IPv6 packet", &e))?,
        };
        let Some(seg) = seg else { return Ok(()) };
        if seg.sport != DNS_PORT && seg.dport != DNS_PORT {
            return Ok(());
        }
        let id = FlowId { src: seg.src, sport: seg.sport, dst: seg.dst, dport: seg.dport };
        self.msgs.clear();
        self.next_msg = 0;
        match seg.tcp {
            None => {
                self.msgs.data.extend_from_slice(seg.payload);
                self.msgs.spans.push((0, seg.payload.len()));
                self.seg = Some((id, Some(Transport::Udp), time));
            }
            Some(tcp) => {
                self.seg = Some((id, Some(Transport::Tcp), time));
                self.tcp
                    .segment(id, tcp, seg.payload, self.packet_no, &mut self.msgs)
                    .map_err(|e| bad("TCP stream", &e))?;
            }
        }
        Ok(())
    }

    /// Maps the next pending message into `out`; false if it gave no event (rejected, or a
    /// transfer message that does not end the transfer).
    fn map_next(&mut self, out: &mut Event, rejects: &mut Rejects) -> bool {
        let i = self.next_msg;
        self.next_msg += 1;
        let (Some(msg), Some((id, transport, time))) = (self.msgs.get(i), self.seg) else { return false };
        let is_response = match dns::header(msg) {
            Ok(h) => h.is_response(),
            Err(e) => {
                rejects.push(
                    &self.source,
                    self.packet_no,
                    RecordError::Malformed { what: "DNS message", detail: e.to_string() },
                );
                return false;
            }
        };
        let (client, cport, server, sport) =
            if is_response { (id.dst, id.dport, id.src, id.sport) } else { (id.src, id.sport, id.dst, id.dport) };
        let meta = Meta {
            time,
            client_ip: Some(client),
            client_port: Some(cport),
            server_ip: Some(server),
            server_port: Some(sport),
            transport,
        };
        let ev = dns_slot(out);
        ev.source_format = self.format;
        ev.server.push_str(&self.server);
        match self.mapper.map(msg, &meta, is_response, ev) {
            Ok(filled) => filled,
            Err(e) => {
                rejects.push(
                    &self.source,
                    self.packet_no,
                    RecordError::Malformed { what: "DNS message", detail: e.to_string() },
                );
                false
            }
        }
    }
}
