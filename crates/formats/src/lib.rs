//! reconwatch input formats. Each format is one module exposing a [`FormatSpec`]; [`registry`]
//! lists them all and picks one by sniffing the content.

pub mod dnstap;
mod error;
pub mod input;
pub mod pcap;
mod reader;
pub mod registry;
pub mod wire;

pub use error::{InputError, Location, RecordError, Reject, Rejects};
pub use reader::{dns_slot, process_slot, EventReader, LineReader, ReadOptions, Source};
pub use registry::{by_name, open_reader, sniff, FormatSpec, FORMATS};
