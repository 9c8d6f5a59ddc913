//! DNS on the wire, in layers: the DNS message parser ([`dns`]), Frame Streams framing
//! ([`fstrm`]) and the dnstap protobuf ([`dnstap_pb`]) under the `dnstap` format; link, IP and
//! transport layers ([`link`], [`ip`], [`tcp`]) under the `pcap`/`pcapng` formats; and the
//! mapping from DNS messages to events with zone-transfer tracking ([`dnsmap`]) that both share.

pub mod dns;
pub mod dnsmap;
pub mod dnstap_pb;
pub mod fstrm;
pub mod fstrm_bidi;
pub mod ip;
pub mod link;
pub mod tcp;
