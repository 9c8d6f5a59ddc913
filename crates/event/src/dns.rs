//! DNS events: one query, response or zone-transfer outcome seen by a DNS server or sensor.

use crate::{Extra, Timestamp};
use std::fmt;
use std::net::IpAddr;

/// What a [`DnsEvent`] records. Rules on the `dns` log source see only queries, so a format that
/// logs both a query and its response never counts the query twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DnsKind {
    /// A query received (or sent) by the server: what the seed's DnsEvents rows are.
    #[default]
    Query,
    /// A response to a query, logged as a record of its own (rcode, answers).
    Response,
    /// A zone-transfer outcome logged by the server (BIND xfer-out, Windows 6001/6004, a dnstap or
    /// pcap AXFR/IXFR response carrying records).
    Transfer,
}

impl DnsKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DnsKind::Query => "query",
            DnsKind::Response => "response",
            DnsKind::Transfer => "transfer",
        }
    }
}

/// Outcome of a zone transfer, when the source says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferOutcome {
    /// The server started sending the zone (BIND "AXFR started").
    Started,
    /// The server finished sending the zone (BIND "AXFR ended", a response with records).
    Completed,
    /// The server refused (BIND "denied", REFUSED/NOTAUTH rcode).
    Denied,
    /// The transfer failed for another reason ("bad zone transfer request", SERVFAIL).
    Failed,
}

impl TransferOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TransferOutcome::Started => "started",
            TransferOutcome::Completed => "completed",
            TransferOutcome::Denied => "denied",
            TransferOutcome::Failed => "failed",
        }
    }
}

/// Transport of the DNS message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Udp,
    Tcp,
    Tls,
    Https,
    Quic,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Udp => "udp",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
            Transport::Https => "https",
            Transport::Quic => "quic",
        }
    }
}

/// A normalized DNS event. Field names in rules are the seed's DnsEvents columns
/// (`Computer`, `ClientIP`, `Name`, `QueryType`, `ResultCode`) plus the ones documented on
/// [`crate::DnsField`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DnsEvent {
    pub time: Timestamp,
    pub kind: DnsKind,
    /// The DNS server (DnsEvents `Computer`; syslog host; sensor name).
    pub server: String,
    pub client_ip: Option<IpAddr>,
    pub client_port: Option<u16>,
    pub server_ip: Option<IpAddr>,
    /// Query name as written, without the trailing dot. Matching is case-insensitive.
    pub name: String,
    pub qtype: Option<QType>,
    pub qclass: Option<u16>,
    pub rcode: Option<Rcode>,
    pub transport: Option<Transport>,
    pub answer_count: Option<u32>,
    pub transfer: Option<TransferOutcome>,
    /// Records delivered by a transfer, where the source says.
    pub transfer_records: Option<u64>,
    /// Bytes delivered by a transfer, where the source says.
    pub transfer_bytes: Option<u64>,
    /// BIND view or similar partition.
    pub view: Option<String>,
    /// Name of the input format that produced the event (`dnsevents-csv`, `bind-query`, ...).
    pub source_format: &'static str,
    /// Columns of the source record that have no normalized home, kept for rules and evidence.
    pub extra: Extra,
}

impl DnsEvent {
    /// Resets every field to its default, keeping the allocations of `server`, `name` and `extra`
    /// (field by field: rebuilding the whole struct costs a copy of it per event).
    pub fn reset(&mut self) {
        self.reset_but_extra();
        self.extra.clear();
    }

    /// [`DnsEvent::reset`] but for `extra`, left as it is: for readers that overwrite its entries
    /// in place row after row.
    pub fn reset_but_extra(&mut self) {
        // Destructured so that a new field cannot be forgotten here.
        let DnsEvent {
            time,
            kind,
            server,
            client_ip,
            client_port,
            server_ip,
            name,
            qtype,
            qclass,
            rcode,
            transport,
            answer_count,
            transfer,
            transfer_records,
            transfer_bytes,
            view,
            source_format,
            extra: _,
        } = self;
        *time = Timestamp::default();
        *kind = DnsKind::default();
        server.clear();
        *client_ip = None;
        *client_port = None;
        *server_ip = None;
        name.clear();
        *qtype = None;
        *qclass = None;
        *rcode = None;
        *transport = None;
        *answer_count = None;
        *transfer = None;
        *transfer_records = None;
        *transfer_bytes = None;
        *view = None;
        *source_format = "";
    }

    /// Sets `name` from a query name, dropping one trailing dot (the root `.` stays `.`).
    pub fn set_name(&mut self, raw: &str) {
        self.name.clear();
        let trimmed = if raw.len() > 1 { raw.strip_suffix('.').unwrap_or(raw) } else { raw };
        self.name.push_str(trimmed);
    }
}

/// A DNS RR type (RFC 1035 and successors), shown by its mnemonic where it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QType(pub u16);

const QTYPES: &[(u16, &str)] = &[
    (1, "A"),
    (2, "NS"),
    (3, "MD"),
    (4, "MF"),
    (5, "CNAME"),
    (6, "SOA"),
    (7, "MB"),
    (8, "MG"),
    (9, "MR"),
    (10, "NULL"),
    (11, "WKS"),
    (12, "PTR"),
    (13, "HINFO"),
    (14, "MINFO"),
    (15, "MX"),
    (16, "TXT"),
    (17, "RP"),
    (18, "AFSDB"),
    (19, "X25"),
    (20, "ISDN"),
    (21, "RT"),
    (22, "NSAP"),
    (23, "NSAP-PTR"),
    (24, "SIG"),
    (25, "KEY"),
    (26, "PX"),
    (27, "GPOS"),
    (28, "AAAA"),
    (29, "LOC"),
    (30, "NXT"),
    (31, "EID"),
    (32, "NIMLOC"),
    (33, "SRV"),
    (34, "ATMA"),
    (35, "NAPTR"),
    (36, "KX"),
    (37, "CERT"),
    (38, "A6"),
    (39, "DNAME"),
    (40, "SINK"),
    (41, "OPT"),
    (42, "APL"),
    (43, "DS"),
    (44, "SSHFP"),
    (45, "IPSECKEY"),
    (46, "RRSIG"),
    (47, "NSEC"),
    (48, "DNSKEY"),
    (49, "DHCID"),
    (50, "NSEC3"),
    (51, "NSEC3PARAM"),
    (52, "TLSA"),
    (53, "SMIMEA"),
    (55, "HIP"),
    (56, "NINFO"),
    (57, "RKEY"),
    (58, "TALINK"),
    (59, "CDS"),
    (60, "CDNSKEY"),
    (61, "OPENPGPKEY"),
    (62, "CSYNC"),
    (63, "ZONEMD"),
    (64, "SVCB"),
    (65, "HTTPS"),
    (99, "SPF"),
    (100, "UINFO"),
    (101, "UID"),
    (102, "GID"),
    (103, "UNSPEC"),
    (104, "NID"),
    (105, "L32"),
    (106, "L64"),
    (107, "LP"),
    (108, "EUI48"),
    (109, "EUI64"),
    (249, "TKEY"),
    (250, "TSIG"),
    (251, "IXFR"),
    (252, "AXFR"),
    (253, "MAILB"),
    (254, "MAILA"),
    (255, "ANY"),
    (256, "URI"),
    (257, "CAA"),
    (258, "AVC"),
    (259, "DOA"),
    (260, "AMTRELAY"),
    (32768, "TA"),
    (32769, "DLV"),
];

impl QType {
    pub const A: QType = QType(1);
    pub const NS: QType = QType(2);
    pub const SOA: QType = QType(6);
    pub const PTR: QType = QType(12);
    pub const MX: QType = QType(15);
    pub const TXT: QType = QType(16);
    pub const AAAA: QType = QType(28);
    pub const SRV: QType = QType(33);
    pub const NSEC: QType = QType(47);
    pub const NSEC3: QType = QType(50);
    pub const IXFR: QType = QType(251);
    pub const AXFR: QType = QType(252);
    pub const ANY: QType = QType(255);

    /// The mnemonic (`AXFR`), if the type has one.
    pub fn name(self) -> Option<&'static str> {
        QTYPES.iter().find(|(n, _)| *n == self.0).map(|(_, s)| *s)
    }

    /// Parses a mnemonic in any case (`axfr`), a number (`252`), RFC 3597 `TYPE252`, or Zeek's `*`
    /// for ANY.
    pub fn parse(s: &str) -> Option<QType> {
        if let Some(q) = QType::common(s.as_bytes()) {
            return Some(q);
        }
        let s = s.trim();
        if s == "*" {
            return Some(QType::ANY);
        }
        if let Ok(n) = s.parse::<u16>() {
            return Some(QType(n));
        }
        // `get`, not indexing: byte 4 may fall inside a multi-byte character of bad input.
        if let (Some(prefix), Some(num)) = (s.get(..4), s.get(4..)) {
            if prefix.eq_ignore_ascii_case("TYPE") {
                if let Ok(n) = num.parse::<u16>() {
                    return Some(QType(n));
                }
            }
        }
        QTYPES.iter().find(|(_, name)| name.eq_ignore_ascii_case(s)).map(|(n, _)| QType(*n))
    }
}

impl QType {
    /// The usual spellings in logs (upper-case mnemonics of the common types, small numbers),
    /// answered without trimming or scanning the table. Anything else is `None`, left to the
    /// general path, which gives the same answer for these.
    fn common(b: &[u8]) -> Option<QType> {
        Some(match b {
            b"A" => QType::A,
            b"AAAA" => QType::AAAA,
            b"PTR" => QType::PTR,
            b"MX" => QType::MX,
            b"TXT" => QType::TXT,
            b"SRV" => QType::SRV,
            b"NS" => QType::NS,
            b"SOA" => QType::SOA,
            b"CNAME" => QType(5),
            b"HTTPS" => QType(65),
            b"SVCB" => QType(64),
            b"ANY" => QType::ANY,
            b"AXFR" => QType::AXFR,
            b"IXFR" => QType::IXFR,
            [d @ b'0'..=b'9'] => QType(u16::from(d - b'0')),
            [d1 @ b'1'..=b'9', d2 @ b'0'..=b'9'] => QType(u16::from(d1 - b'0') * 10 + u16::from(d2 - b'0')),
            _ => return None,
        })
    }
}

impl fmt::Display for QType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "TYPE{}", self.0),
        }
    }
}

/// A DNS response code (RFC 1035, 2136, 6895).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rcode(pub u16);

const RCODES: &[(u16, &str)] = &[
    (0, "NOERROR"),
    (1, "FORMERR"),
    (2, "SERVFAIL"),
    (3, "NXDOMAIN"),
    (4, "NOTIMP"),
    (5, "REFUSED"),
    (6, "YXDOMAIN"),
    (7, "YXRRSET"),
    (8, "NXRRSET"),
    (9, "NOTAUTH"),
    (10, "NOTZONE"),
    (11, "DSOTYPENI"),
    (16, "BADVERS"),
    (17, "BADKEY"),
    (18, "BADTIME"),
    (19, "BADMODE"),
    (20, "BADNAME"),
    (21, "BADALG"),
    (22, "BADTRUNC"),
    (23, "BADCOOKIE"),
];

impl Rcode {
    pub const NOERROR: Rcode = Rcode(0);
    pub const SERVFAIL: Rcode = Rcode(2);
    pub const NXDOMAIN: Rcode = Rcode(3);
    pub const REFUSED: Rcode = Rcode(5);
    pub const NOTAUTH: Rcode = Rcode(9);

    pub fn name(self) -> Option<&'static str> {
        RCODES.iter().find(|(n, _)| *n == self.0).map(|(_, s)| *s)
    }

    /// Parses a mnemonic in any case (`NXDOMAIN`, also `NXDomain`, `Name Error`), or a number.
    pub fn parse(s: &str) -> Option<Rcode> {
        // The usual spellings, without trimming, allocating or scanning (same answers).
        match s.as_bytes() {
            [d @ b'0'..=b'9'] => return Some(Rcode(u16::from(d - b'0'))),
            b"NOERROR" => return Some(Rcode::NOERROR),
            b"NXDOMAIN" => return Some(Rcode::NXDOMAIN),
            b"SERVFAIL" => return Some(Rcode::SERVFAIL),
            b"REFUSED" => return Some(Rcode::REFUSED),
            _ => {}
        }
        let s = s.trim();
        if let Ok(n) = s.parse::<u16>() {
            return Some(Rcode(n));
        }
        let alias = match s.to_ascii_uppercase().as_str() {
            "SUCCESS" | "NO ERROR" => Some(0),
            "FORMAT ERROR" => Some(1),
            "SERVER FAILURE" => Some(2),
            "NAME ERROR" | "NXDOMAIN" | "NON-EXISTENT DOMAIN" => Some(3),
            "NOT IMPLEMENTED" => Some(4),
            _ => None,
        };
        if let Some(n) = alias {
            return Some(Rcode(n));
        }
        RCODES.iter().find(|(_, name)| name.eq_ignore_ascii_case(s)).map(|(n, _)| Rcode(*n))
    }
}

impl fmt::Display for Rcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "RCODE{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qtype_names_and_numbers_agree() {
        for s in ["AXFR", "axfr", "252", "TYPE252"] {
            assert_eq!(QType::parse(s), Some(QType::AXFR), "{s}");
        }
        assert_eq!(QType::parse("*"), Some(QType::ANY));
        assert_eq!(QType::parse("255"), Some(QType::ANY));
        assert_eq!(QType(65280).to_string(), "TYPE65280");
        assert_eq!(QType::parse("bogus"), None);
        assert_eq!(QType::parse("70000"), None);
        assert_eq!(QType::parse("A🦀AAA"), None);
        assert_eq!(QType::parse("TYPE"), None);
    }

    #[test]
    fn common_spellings_agree_with_the_general_path() {
        let mut inputs: Vec<String> = QTYPES.iter().map(|(_, n)| n.to_string()).collect();
        inputs.extend((0..=300).map(|n| n.to_string()));
        inputs.extend(["00", "01", "0A", " A", "a", "Ax", "", "AAAA "].map(String::from));
        for s in &inputs {
            if let Some(q) = QType::common(s.as_bytes()) {
                let general = QTYPES.iter().find(|(_, n)| n.eq_ignore_ascii_case(s)).map(|(n, _)| QType(*n));
                assert_eq!(Some(q), general.or_else(|| s.parse().ok().map(QType)), "{s}");
            }
        }
        assert_eq!(QType::parse("01"), Some(QType::A));
        for (n, name) in RCODES {
            assert_eq!(Rcode::parse(name), Some(Rcode(*n)), "{name}");
            assert_eq!(Rcode::parse(&n.to_string()), Some(Rcode(*n)), "{n}");
        }
    }

    #[test]
    fn rcode_forms() {
        assert_eq!(Rcode::parse("NXDomain"), Some(Rcode::NXDOMAIN));
        assert_eq!(Rcode::parse("3"), Some(Rcode::NXDOMAIN));
        assert_eq!(Rcode::parse("Name Error"), Some(Rcode::NXDOMAIN));
        assert_eq!(Rcode(5).to_string(), "REFUSED");
    }

    #[test]
    fn reset_is_default() {
        let mut e = DnsEvent {
            time: Timestamp(5),
            kind: DnsKind::Transfer,
            server: "s".into(),
            client_ip: Some([1, 2, 3, 4].into()),
            client_port: Some(1),
            server_ip: Some([1, 2, 3, 5].into()),
            name: "n".into(),
            qtype: Some(QType::A),
            qclass: Some(1),
            rcode: Some(Rcode::NXDOMAIN),
            transport: Some(Transport::Tcp),
            answer_count: Some(1),
            transfer: Some(TransferOutcome::Failed),
            transfer_records: Some(1),
            transfer_bytes: Some(1),
            view: Some("v".into()),
            source_format: "f",
            extra: Extra::default(),
        };
        e.extra.push("k", "v");
        e.reset();
        assert_eq!(e, DnsEvent::default());
    }

    #[test]
    fn trailing_dot_is_dropped_once() {
        let mut e = DnsEvent::default();
        e.set_name("WWW.Example.com.");
        assert_eq!(e.name, "WWW.Example.com");
        e.set_name(".");
        assert_eq!(e.name, ".");
    }
}
