//! The dnstap protobuf schema (dnstap.proto, proto2), decoded by hand without copying: a
//! borrowed view of one `Dnstap` frame and its `Message`.
//!
//! Schema (field numbers from the published dnstap.proto): `Dnstap { identity = 1 bytes,
//! version = 2 bytes, extra = 3 bytes, message = 14 Message, type = 15 enum (MESSAGE = 1) }`;
//! `Message { type = 1 enum, socket_family = 2 enum (INET = 1, INET6 = 2), socket_protocol = 3
//! enum (UDP, TCP, DOT, DOH, DNSCryptUDP, DNSCryptTCP, DOQ = 1..7), query_address = 4 bytes,
//! response_address = 5 bytes, query_port = 6 uint32, response_port = 7 uint32,
//! query_time_sec = 8 uint64, query_time_nsec = 9 fixed32, query_message = 10 bytes,
//! query_zone = 11 bytes, response_time_sec = 12 uint64, response_time_nsec = 13 fixed32,
//! response_message = 14 bytes }`. Unknown fields (newer schema versions: policy, http_protocol)
//! are skipped by wire type; groups (deprecated wire types 3/4) are errors. When a field is
//! repeated, the last value wins, as protobuf specifies.

/// A protobuf decoding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PbError {
    #[error("truncated {0}")]
    Truncated(&'static str),
    #[error("varint longer than 10 bytes")]
    VarintTooLong,
    #[error("unsupported wire type {0}")]
    WireType(u8),
    #[error("field {field} has wire type {got}")]
    WrongWireType { field: u32, got: u8 },
    #[error("field number 0")]
    FieldZero,
    #[error("Dnstap frame without a message")]
    NoMessage,
    #[error("Dnstap type {0} is not MESSAGE")]
    NotMessage(u64),
}

/// dnstap `Message.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    AuthQuery = 1,
    AuthResponse = 2,
    ResolverQuery = 3,
    ResolverResponse = 4,
    ClientQuery = 5,
    ClientResponse = 6,
    ForwarderQuery = 7,
    ForwarderResponse = 8,
    StubQuery = 9,
    StubResponse = 10,
    ToolQuery = 11,
    ToolResponse = 12,
    UpdateQuery = 13,
    UpdateResponse = 14,
}

impl MessageType {
    const ALL: [MessageType; 14] = [
        MessageType::AuthQuery,
        MessageType::AuthResponse,
        MessageType::ResolverQuery,
        MessageType::ResolverResponse,
        MessageType::ClientQuery,
        MessageType::ClientResponse,
        MessageType::ForwarderQuery,
        MessageType::ForwarderResponse,
        MessageType::StubQuery,
        MessageType::StubResponse,
        MessageType::ToolQuery,
        MessageType::ToolResponse,
        MessageType::UpdateQuery,
        MessageType::UpdateResponse,
    ];

    pub fn from_u64(v: u64) -> Option<MessageType> {
        Self::ALL.get(usize::try_from(v).ok()?.checked_sub(1)?).copied()
    }
    /// `*_QUERY` (odd numbers) as opposed to `*_RESPONSE`.
    pub fn is_query(self) -> bool {
        (self as u8) % 2 == 1
    }
    /// Messages where the query address is a client of the logging server (AUTH, CLIENT,
    /// UPDATE); for RESOLVER/FORWARDER the logging server itself is the querier.
    pub fn server_side(self) -> bool {
        matches!(
            self,
            MessageType::AuthQuery
                | MessageType::AuthResponse
                | MessageType::ClientQuery
                | MessageType::ClientResponse
                | MessageType::UpdateQuery
                | MessageType::UpdateResponse
        )
    }
    /// The schema's name (`AUTH_QUERY`).
    pub fn name(self) -> &'static str {
        const NAMES: [&str; 14] = [
            "AUTH_QUERY",
            "AUTH_RESPONSE",
            "RESOLVER_QUERY",
            "RESOLVER_RESPONSE",
            "CLIENT_QUERY",
            "CLIENT_RESPONSE",
            "FORWARDER_QUERY",
            "FORWARDER_RESPONSE",
            "STUB_QUERY",
            "STUB_RESPONSE",
            "TOOL_QUERY",
            "TOOL_RESPONSE",
            "UPDATE_QUERY",
            "UPDATE_RESPONSE",
        ];
        NAMES[self as usize - 1]
    }
}

/// A decoded `Message`, borrowing the frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Message<'a> {
    pub mtype: Option<u64>,
    pub socket_family: Option<u64>,
    pub socket_protocol: Option<u64>,
    pub query_address: Option<&'a [u8]>,
    pub response_address: Option<&'a [u8]>,
    pub query_port: Option<u32>,
    pub response_port: Option<u32>,
    pub query_time_sec: Option<u64>,
    pub query_time_nsec: Option<u32>,
    pub query_message: Option<&'a [u8]>,
    pub query_zone: Option<&'a [u8]>,
    pub response_time_sec: Option<u64>,
    pub response_time_nsec: Option<u32>,
    pub response_message: Option<&'a [u8]>,
}

/// A decoded `Dnstap` frame.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dnstap<'a> {
    pub identity: Option<&'a [u8]>,
    pub version: Option<&'a [u8]>,
    pub message: Message<'a>,
}

enum Value<'a> {
    Varint(u64),
    Fixed64,
    Bytes(&'a [u8]),
    Fixed32(u32),
}

struct Fields<'a> {
    b: &'a [u8],
}

impl<'a> Fields<'a> {
    fn next(&mut self) -> Option<Result<(u32, Value<'a>), PbError>> {
        if self.b.is_empty() {
            return None;
        }
        Some(self.field())
    }

    fn varint(&mut self) -> Result<u64, PbError> {
        let mut v = 0u64;
        for i in 0..10 {
            let byte = *self.b.get(i).ok_or(PbError::Truncated("varint"))?;
            v |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.b = &self.b[i + 1..];
                return Ok(v);
            }
        }
        Err(PbError::VarintTooLong)
    }

    fn field(&mut self) -> Result<(u32, Value<'a>), PbError> {
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| PbError::FieldZero)?;
        if number == 0 {
            return Err(PbError::FieldZero);
        }
        let v = match (key & 7) as u8 {
            0 => Value::Varint(self.varint()?),
            1 => {
                self.b = self.b.get(8..).ok_or(PbError::Truncated("fixed64"))?;
                Value::Fixed64
            }
            2 => {
                let len = usize::try_from(self.varint()?).map_err(|_| PbError::Truncated("length-delimited field"))?;
                if len > self.b.len() {
                    return Err(PbError::Truncated("length-delimited field"));
                }
                let (v, rest) = self.b.split_at(len);
                self.b = rest;
                Value::Bytes(v)
            }
            5 => {
                let v = self.b.get(..4).ok_or(PbError::Truncated("fixed32"))?;
                let n = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
                self.b = &self.b[4..];
                Value::Fixed32(n)
            }
            w => return Err(PbError::WireType(w)),
        };
        Ok((number, v))
    }
}

fn wrong(field: u32, v: &Value<'_>) -> PbError {
    let got = match v {
        Value::Varint(_) => 0,
        Value::Fixed64 => 1,
        Value::Bytes(_) => 2,
        Value::Fixed32(_) => 5,
    };
    PbError::WrongWireType { field, got }
}

/// Decodes one dnstap frame. A frame whose `type` is not MESSAGE, or that has no message, is an
/// error (the schema defines no other payload).
pub fn decode(frame: &[u8]) -> Result<Dnstap<'_>, PbError> {
    let mut d = Dnstap::default();
    let mut has_message = false;
    let mut f = Fields { b: frame };
    while let Some(r) = f.next() {
        let (n, v) = r?;
        match (n, v) {
            (1, Value::Bytes(b)) => d.identity = Some(b),
            (2, Value::Bytes(b)) => d.version = Some(b),
            (3, Value::Bytes(_)) => {}
            (14, Value::Bytes(b)) => {
                d.message = decode_message(b)?;
                has_message = true;
            }
            (15, Value::Varint(1)) => {}
            (15, Value::Varint(t)) => return Err(PbError::NotMessage(t)),
            (1..=3 | 14 | 15, v) => return Err(wrong(n, &v)),
            _ => {}
        }
    }
    if !has_message {
        return Err(PbError::NoMessage);
    }
    Ok(d)
}

fn decode_message(b: &[u8]) -> Result<Message<'_>, PbError> {
    let mut m = Message::default();
    let mut f = Fields { b };
    while let Some(r) = f.next() {
        let (n, v) = r?;
        match (n, v) {
            (1, Value::Varint(x)) => m.mtype = Some(x),
            (2, Value::Varint(x)) => m.socket_family = Some(x),
            (3, Value::Varint(x)) => m.socket_protocol = Some(x),
            (4, Value::Bytes(x)) => m.query_address = Some(x),
            (5, Value::Bytes(x)) => m.response_address = Some(x),
            (6, Value::Varint(x)) => m.query_port = Some(x as u32),
            (7, Value::Varint(x)) => m.response_port = Some(x as u32),
            (8, Value::Varint(x)) => m.query_time_sec = Some(x),
            (9, Value::Fixed32(x)) => m.query_time_nsec = Some(x),
            (10, Value::Bytes(x)) => m.query_message = Some(x),
            (11, Value::Bytes(x)) => m.query_zone = Some(x),
            (12, Value::Varint(x)) => m.response_time_sec = Some(x),
            (13, Value::Fixed32(x)) => m.response_time_nsec = Some(x),
            (14, Value::Bytes(x)) => m.response_message = Some(x),
            (1..=14, v) => return Err(wrong(n, &v)),
            _ => {}
        }
    }
    Ok(m)
}

/// A minimal protobuf encoder for the same schema: used by tests, benches and the fuzz corpus.
pub mod encode {
    pub fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }
    pub fn field_varint(out: &mut Vec<u8>, n: u32, v: u64) {
        varint(out, u64::from(n) << 3);
        varint(out, v);
    }
    pub fn field_bytes(out: &mut Vec<u8>, n: u32, b: &[u8]) {
        varint(out, u64::from(n) << 3 | 2);
        varint(out, b.len() as u64);
        out.extend_from_slice(b);
    }
    pub fn field_fixed32(out: &mut Vec<u8>, n: u32, v: u32) {
        varint(out, u64::from(n) << 3 | 5);
        out.extend_from_slice(&v.to_le_bytes());
    }
    /// Encodes a `Dnstap` frame holding `m`.
    pub fn dnstap(identity: &[u8], m: &super::Message<'_>) -> Vec<u8> {
        let mut msg = Vec::with_capacity(128);
        let opt_v = |out: &mut Vec<u8>, n, v: Option<u64>| {
            if let Some(v) = v {
                field_varint(out, n, v)
            }
        };
        let opt_b = |out: &mut Vec<u8>, n, v: Option<&[u8]>| {
            if let Some(v) = v {
                field_bytes(out, n, v)
            }
        };
        opt_v(&mut msg, 1, m.mtype);
        opt_v(&mut msg, 2, m.socket_family);
        opt_v(&mut msg, 3, m.socket_protocol);
        opt_b(&mut msg, 4, m.query_address);
        opt_b(&mut msg, 5, m.response_address);
        opt_v(&mut msg, 6, m.query_port.map(u64::from));
        opt_v(&mut msg, 7, m.response_port.map(u64::from));
        opt_v(&mut msg, 8, m.query_time_sec);
        if let Some(v) = m.query_time_nsec {
            field_fixed32(&mut msg, 9, v);
        }
        opt_b(&mut msg, 10, m.query_message);
        opt_b(&mut msg, 11, m.query_zone);
        opt_v(&mut msg, 12, m.response_time_sec);
        if let Some(v) = m.response_time_nsec {
            field_fixed32(&mut msg, 13, v);
        }
        opt_b(&mut msg, 14, m.response_message);
        let mut out = Vec::with_capacity(msg.len() + 32);
        field_bytes(&mut out, 1, identity);
        field_bytes(&mut out, 14, &msg);
        field_varint(&mut out, 15, 1);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let m = Message {
            mtype: Some(1),
            socket_family: Some(1),
            query_address: Some(&[198, 51, 100, 7]),
            query_port: Some(40000),
            query_time_sec: Some(1_700_000_000),
            query_time_nsec: Some(5),
            query_message: Some(b"xyz"),
            ..Message::default()
        };
        let f = encode::dnstap(b"ns1", &m);
        let d = decode(&f).unwrap();
        assert_eq!(d.identity, Some(&b"ns1"[..]));
        assert_eq!(d.message, m);
        assert_eq!(decode(&f[..f.len() - 1]), Err(PbError::Truncated("varint")));
        assert_eq!(decode(&[0x0b]), Err(PbError::WireType(3)));
        assert_eq!(decode(&[0x08, 1]), Err(PbError::WrongWireType { field: 1, got: 0 }));
        assert_eq!(decode(&[0x78, 2]), Err(PbError::NotMessage(2)));
        assert_eq!(decode(&[0x78, 1]), Err(PbError::NoMessage));
        assert_eq!(decode(&[0xff; 11]), Err(PbError::VarintTooLong));
        assert_eq!(MessageType::from_u64(14), Some(MessageType::UpdateResponse));
        assert_eq!(MessageType::from_u64(0), None);
        assert_eq!(MessageType::from_u64(15), None);
    }
}
