//! DNS over TCP (RFC 1035 §4.2.2, RFC 7766): per-direction stream reassembly and the two-byte
//! length prefix that frames each message.
//!
//! A flow is one direction of one connection. Segments are placed by sequence number
//! (wrapping): retransmitted bytes are trimmed, segments that arrive early wait (at most
//! [`Limits::max_pending`] bytes per flow), and every complete message is handed out, however the
//! messages fall across segments (several in one segment, one split over many; an AXFR response
//! is a long run of them). A flow that loses bytes for good (a gap that never fills in before
//! the pending limit is hit) cannot be re-framed: it is reported once and ignored until a new
//! SYN. A flow seen without its SYN (capture started mid-connection) starts at its first
//! segment. FIN/RST ends a flow; a message left half-received is reported.

use super::ip::TcpInfo;
use std::collections::HashMap;
use std::net::IpAddr;

/// One direction of a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowId {
    pub src: IpAddr,
    pub sport: u16,
    pub dst: IpAddr,
    pub dport: u16,
}

/// Bounds on memory held for reassembly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Out-of-order bytes held per flow.
    pub max_pending: usize,
    /// Flows tracked at once; past it the least recently active one is dropped.
    pub max_flows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_pending: 256 * 1024, max_flows: 16 * 1024 }
    }
}

/// A stream problem, reported against the packet that revealed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TcpError {
    #[error("TCP stream lost bytes (gap of {0} bytes never filled); flow ignored until the next SYN")]
    Gap(u32),
    #[error("TCP stream ended inside a DNS message ({0} bytes buffered)")]
    EndedMidMessage(usize),
    #[error("too many TCP flows: dropped one with {0} bytes buffered")]
    Evicted(usize),
}

#[derive(Debug, Default)]
struct Flow {
    next: u32,
    buf: Vec<u8>,
    start: usize,
    pending: Vec<(u32, Vec<u8>)>,
    pending_bytes: usize,
    broken: bool,
    last_seen: u64,
}

/// Complete DNS messages produced by one segment, copied into one reused buffer.
#[derive(Debug, Default)]
pub struct Messages {
    pub data: Vec<u8>,
    pub spans: Vec<(usize, usize)>,
}

impl Messages {
    pub fn clear(&mut self) {
        self.data.clear();
        self.spans.clear();
    }
    pub fn get(&self, i: usize) -> Option<&[u8]> {
        self.spans.get(i).and_then(|&(s, e)| self.data.get(s..e))
    }
    pub fn len(&self) -> usize {
        self.spans.len()
    }
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }
}

/// Reassembles DNS-over-TCP flows.
#[derive(Debug, Default)]
pub struct Reassembler {
    flows: HashMap<FlowId, Flow>,
    limits: Limits,
}

impl Reassembler {
    pub fn new(limits: Limits) -> Self {
        Reassembler { flows: HashMap::new(), limits }
    }

    /// Feeds one segment; complete messages are appended to `out`. `tick` orders flows by
    /// activity (the packet number).
    pub fn segment(
        &mut self,
        id: FlowId,
        tcp: TcpInfo,
        payload: &[u8],
        tick: u64,
        out: &mut Messages,
    ) -> Result<(), TcpError> {
        let mut evicted = None;
        if !self.flows.contains_key(&id) && self.flows.len() >= self.limits.max_flows {
            if let Some(old) = self.flows.iter().min_by_key(|(_, f)| f.last_seen).map(|(k, _)| *k) {
                let f = self.flows.remove(&old);
                evicted = f.map(|f| f.buf.len() - f.start).filter(|&n| n > 0);
            }
        }
        let fresh = !self.flows.contains_key(&id);
        let flow = self.flows.entry(id).or_default();
        flow.last_seen = tick;
        let mut data = payload;
        if tcp.syn {
            *flow = Flow { next: tcp.seq.wrapping_add(1), last_seen: tick, ..Flow::default() };
        } else if fresh {
            flow.next = tcp.seq;
        }
        let mut result = Ok(());
        if !flow.broken && !data.is_empty() {
            let off = tcp.seq.wrapping_add(u32::from(tcp.syn)).wrapping_sub(flow.next) as i32;
            if off < 0 {
                let skip = off.unsigned_abs() as usize;
                data = data.get(skip..).unwrap_or(&[]);
                if !data.is_empty() {
                    append(flow, data);
                }
            } else if off == 0 {
                append(flow, data);
            } else if flow.pending_bytes + data.len() <= self.limits.max_pending {
                flow.pending_bytes += data.len();
                flow.pending.push((tcp.seq, data.to_vec()));
            } else {
                flow.broken = true;
                flow.buf.clear();
                flow.start = 0;
                flow.pending.clear();
                flow.pending_bytes = 0;
                result = Err(TcpError::Gap(off as u32));
            }
            drain_pending(flow);
            extract(flow, out);
        }
        if tcp.fin || tcp.rst {
            if let Some(f) = self.flows.remove(&id) {
                let left = f.buf.len() - f.start;
                if left > 0 && !f.broken && result.is_ok() {
                    result = Err(TcpError::EndedMidMessage(left));
                }
            }
        }
        match evicted {
            Some(n) if result.is_ok() => Err(TcpError::Evicted(n)),
            _ => result,
        }
    }

    /// Flows still holding part of a message (at the end of the capture).
    pub fn unfinished(&self) -> usize {
        self.flows.values().filter(|f| f.buf.len() > f.start).count()
    }
}

fn append(flow: &mut Flow, data: &[u8]) {
    flow.buf.extend_from_slice(data);
    flow.next = flow.next.wrapping_add(data.len() as u32);
}

fn drain_pending(flow: &mut Flow) {
    loop {
        let next = flow.next;
        let Some(i) = flow.pending.iter().position(|(s, d)| {
            let off = s.wrapping_sub(next) as i32;
            off <= 0 && (off.unsigned_abs() as usize) < d.len()
        }) else {
            // Drop segments wholly before `next` (already covered).
            flow.pending.retain(|(s, d)| (s.wrapping_add(d.len() as u32).wrapping_sub(next) as i32) > 0);
            flow.pending_bytes = flow.pending.iter().map(|(_, d)| d.len()).sum();
            return;
        };
        let (s, d) = flow.pending.swap_remove(i);
        let skip = next.wrapping_sub(s) as usize;
        append(flow, &d[skip..]);
    }
}

fn extract(flow: &mut Flow, out: &mut Messages) {
    loop {
        let avail = &flow.buf[flow.start..];
        if avail.len() < 2 {
            break;
        }
        let len = usize::from(u16::from_be_bytes([avail[0], avail[1]]));
        if avail.len() < 2 + len {
            break;
        }
        let s = out.data.len();
        out.data.extend_from_slice(&avail[2..2 + len]);
        out.spans.push((s, out.data.len()));
        flow.start += 2 + len;
    }
    if flow.start == flow.buf.len() {
        flow.buf.clear();
        flow.start = 0;
    } else if flow.start > 64 * 1024 {
        flow.buf.drain(..flow.start);
        flow.start = 0;
    }
}
