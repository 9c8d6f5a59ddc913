//! reconwatch input formats. Each format is one module exposing a [`FormatSpec`]; [`registry`]
//! lists them all and picks one by sniffing the content.

pub mod auditd;
pub mod bind;
mod coredns;
pub mod dnstap;
mod dnsutil;
mod ecs;
pub mod ecs_process;
mod error;
pub mod input;
mod ipaddr;
pub mod json;
mod jsonstream;
mod jsonwalk;
mod lines;
mod localtime;
pub mod pcap;
mod reader;
pub mod registry;
mod route53;
pub mod sentinel;
mod split;
mod suricata;
pub mod windns_debug;
pub mod windows;
pub mod wire;
mod zeek;

pub use error::{InputError, Location, RecordError, Reject, Rejects};
pub use lines::LineReader;
pub use localtime::LocalZone;
pub use reader::{dns_slot, dns_slot_but_extra, process_slot, EventReader, ReadOptions, Source};
pub use registry::{by_name, open_reader, sniff, FormatSpec, FORMATS};
