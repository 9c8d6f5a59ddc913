//! reconwatch's normalized events. No I/O: formats produce these, the detection engine reads them
//! through [`Record`].

mod assign;
mod bytes;
mod dns;
mod extra;
mod field;
mod json;
mod net;
mod process;
mod time;

pub use assign::{parse_ip, parse_time, AssignError};
pub use bytes::{bytes_eq, decimal};
pub use dns::{DnsEvent, DnsKind, QType, Rcode, TransferOutcome, Transport};
pub use extra::Extra;
pub use field::{DerivedField, DnsField, FieldId, FieldSlot, FieldValue, ProcessField, Record};
pub use json::JsonEvent;
pub use net::IpNet;
pub use process::{file_name_of, ProcessEvent};
pub use time::{
    civil_days, civil_from_days, days_from_civil, days_in_month, fraction_nanos, month_from_name, DayCache, Timestamp,
    NANOS_PER_SEC,
};

/// One normalized event.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Dns(DnsEvent),
    Process(ProcessEvent),
    Json(JsonEvent),
}

/// Which family of log source an event belongs to; rules are routed by it (a rule on the `dns`
/// category sees only DNS queries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventClass {
    DnsQuery,
    DnsResponse,
    DnsTransfer,
    ProcessCreation,
    Json,
}

impl EventClass {
    pub const ALL: [EventClass; 5] = [
        EventClass::DnsQuery,
        EventClass::DnsResponse,
        EventClass::DnsTransfer,
        EventClass::ProcessCreation,
        EventClass::Json,
    ];
}

impl Event {
    pub fn class(&self) -> EventClass {
        match self {
            Event::Dns(d) => match d.kind {
                DnsKind::Query => EventClass::DnsQuery,
                DnsKind::Response => EventClass::DnsResponse,
                DnsKind::Transfer => EventClass::DnsTransfer,
            },
            Event::Process(_) => EventClass::ProcessCreation,
            Event::Json(_) => EventClass::Json,
        }
    }

    pub fn source_format(&self) -> &'static str {
        match self {
            Event::Dns(e) => e.source_format,
            Event::Process(e) => e.source_format,
            Event::Json(e) => e.source_format,
        }
    }
}
