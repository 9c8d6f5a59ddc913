//! Field access: rules resolve field names to a [`FieldId`] once, at compile time, and read
//! values through [`Record::field`] without allocating.

use crate::{DnsEvent, Event, JsonEvent, ProcessEvent, QType, Rcode, Timestamp};
use std::net::IpAddr;

/// A field value borrowed from an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldValue<'a> {
    /// The event has no such field.
    Missing,
    /// The field is present and null (JSON `null`, an empty CSV cell is `Str("")`).
    Null,
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Ip(IpAddr),
    QType(QType),
    Rcode(Rcode),
    Time(Timestamp),
    /// An array or object inside a JSON event.
    Json(&'a serde_json::Value),
}

impl FieldValue<'_> {
    /// The value as text for string matching: borrowed where it already is text, otherwise
    /// written into `buf`. `None` for Missing, Null and JSON arrays/objects.
    pub fn as_text<'b>(&'b self, buf: &'b mut String) -> Option<&'b str> {
        match self {
            FieldValue::Str(s) => Some(s),
            FieldValue::Json(serde_json::Value::String(s)) => Some(s),
            _ => {
                buf.clear();
                self.push_text(buf).then_some(buf.as_str())
            }
        }
    }

    /// Appends the value's text (as [`FieldValue::as_text`] gives it) to `out`, without an
    /// intermediate buffer; false (and nothing appended) where `as_text` gives `None`.
    pub fn push_text(&self, out: &mut String) -> bool {
        use std::fmt::Write;
        match self {
            FieldValue::Str(s) => out.push_str(s),
            FieldValue::Missing | FieldValue::Null => return false,
            FieldValue::Int(i) => return write!(out, "{i}").is_ok(),
            FieldValue::Float(f) => return write!(out, "{f}").is_ok(),
            FieldValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            FieldValue::Ip(IpAddr::V4(a)) => crate::net::push_ipv4(out, *a),
            FieldValue::Ip(IpAddr::V6(a)) => crate::net::push_ipv6(out, *a),
            FieldValue::QType(q) => return write!(out, "{q}").is_ok(),
            FieldValue::Rcode(r) => return write!(out, "{r}").is_ok(),
            FieldValue::Time(t) => return write!(out, "{t}").is_ok(),
            FieldValue::Json(v) => match v {
                serde_json::Value::String(s) => out.push_str(s),
                serde_json::Value::Null => return false,
                serde_json::Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                serde_json::Value::Number(n) => return write!(out, "{n}").is_ok(),
                _ => return false,
            },
        }
        true
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, FieldValue::Missing)
    }
}

macro_rules! field_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident => $s:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($var),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),*];
            /// The canonical field name used in rules and output.
            pub fn name(self) -> &'static str { match self { $($name::$var => $s),* } }
            /// Looks up a canonical name, exactly or ignoring ASCII case.
            pub fn from_name(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|f| f.name() == s)
                    .or_else(|| Self::ALL.iter().copied().find(|f| f.name().eq_ignore_ascii_case(s)))
            }
        }
    };
}

field_enum! {
    /// Fields of a [`DnsEvent`], named after the seed's DnsEvents columns where it has them.
    DnsField {
        TimeGenerated => "TimeGenerated",
        Kind => "EventKind",
        Computer => "Computer",
        ClientIp => "ClientIP",
        ClientPort => "ClientPort",
        ServerIp => "ServerIP",
        Name => "Name",
        QueryType => "QueryType",
        QueryClass => "QueryClass",
        ResultCode => "ResultCode",
        Protocol => "Protocol",
        AnswerCount => "AnswerCount",
        TransferOutcome => "TransferOutcome",
        TransferRecords => "TransferRecords",
        TransferBytes => "TransferBytes",
        View => "View",
        SourceFormat => "SourceFormat",
    }
}

field_enum! {
    /// Fields of DNS events computed from other fields (see the detection engine's `derived`).
    DerivedField {
        Zone => "Zone",
        ReverseNetwork => "ReverseNetwork",
        ClientNetwork => "ClientNetwork",
    }
}

field_enum! {
    /// Fields of a [`ProcessEvent`], named after the seed's DeviceProcessEvents columns.
    ProcessField {
        Timestamp => "Timestamp",
        DeviceName => "DeviceName",
        AccountName => "AccountName",
        AccountDomain => "AccountDomain",
        FileName => "FileName",
        FolderPath => "FolderPath",
        ProcessCommandLine => "ProcessCommandLine",
        ProcessId => "ProcessId",
        InitiatingProcessFileName => "InitiatingProcessFileName",
        InitiatingProcessCommandLine => "InitiatingProcessCommandLine",
        InitiatingProcessFolderPath => "InitiatingProcessFolderPath",
        InitiatingProcessId => "InitiatingProcessId",
        SourceFormat => "SourceFormat",
    }
}

/// A resolved field reference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldId {
    Dns(DnsField),
    Process(ProcessField),
    /// A value computed from a DNS event's fields (zone, networks). Plain events report it as
    /// missing; the detection engine computes it, lazily, with its zone configuration.
    Derived(DerivedField),
    /// A column kept in an event's [`crate::Extra`], or a top-level/dotted/nested key of a JSON
    /// event (`a.b` is tried as one key first, then as a path).
    Other(Box<str>),
}

/// One field of an event made into text where the event was matched (parallel hunting), in the
/// engine's numbering of the fields its correlations read: `None` if not made (no matched rule's
/// correlation reads it), else its span in the event's texts (`Some(None)`: the field is missing).
pub type FieldSlot = Option<Option<(u32, u32)>>;

/// Anything the rule engine can evaluate.
pub trait Record {
    fn time(&self) -> Timestamp;
    fn field(&self, id: &FieldId) -> FieldValue<'_>;
    /// Calls `visit` on every string value of the event (Sigma keyword search) until it returns
    /// true; returns whether it did. Typed events visit their text fields (not the bookkeeping
    /// ones: event kind, protocol, source format) and extra columns, JSON events every string leaf.
    fn any_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        let _ = visit;
        false
    }
    /// The DNS event behind the record, for tests that read typed DNS fields directly.
    fn dns(&self) -> Option<&DnsEvent> {
        None
    }
}

fn json_any_text(v: &serde_json::Value, visit: &mut dyn FnMut(&str) -> bool) -> bool {
    match v {
        serde_json::Value::String(s) => visit(s),
        serde_json::Value::Array(a) => a.iter().any(|v| json_any_text(v, visit)),
        serde_json::Value::Object(o) => o.values().any(|v| json_any_text(v, visit)),
        _ => false,
    }
}

impl DnsEvent {
    fn any_text_impl(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        DnsField::ALL
            .iter()
            .filter(|f| !matches!(f, DnsField::Kind | DnsField::Protocol | DnsField::SourceFormat))
            .any(|f| matches!(self.get(*f), FieldValue::Str(s) if visit(s)))
            || self.extra.0.iter().any(|(_, v)| visit(v))
    }
}

impl ProcessEvent {
    fn any_text_impl(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        ProcessField::ALL
            .iter()
            .filter(|f| **f != ProcessField::SourceFormat)
            .any(|f| matches!(self.get(*f), FieldValue::Str(s) if visit(s)))
            || self.extra.0.iter().any(|(_, v)| visit(v))
    }
}

fn opt_str(s: &Option<String>) -> FieldValue<'_> {
    s.as_deref().map_or(FieldValue::Missing, FieldValue::Str)
}

impl DnsEvent {
    pub fn get(&self, f: DnsField) -> FieldValue<'_> {
        use FieldValue as V;
        match f {
            DnsField::TimeGenerated => V::Time(self.time),
            DnsField::Kind => V::Str(self.kind.as_str()),
            DnsField::Computer => V::Str(&self.server),
            DnsField::ClientIp => self.client_ip.map_or(V::Missing, V::Ip),
            DnsField::ClientPort => self.client_port.map_or(V::Missing, |p| V::Int(p.into())),
            DnsField::ServerIp => self.server_ip.map_or(V::Missing, V::Ip),
            DnsField::Name => V::Str(&self.name),
            DnsField::QueryType => self.qtype.map_or(V::Missing, V::QType),
            DnsField::QueryClass => self.qclass.map_or(V::Missing, |c| V::Int(c.into())),
            DnsField::ResultCode => self.rcode.map_or(V::Missing, V::Rcode),
            DnsField::Protocol => self.transport.map_or(V::Missing, |t| V::Str(t.as_str())),
            DnsField::AnswerCount => self.answer_count.map_or(V::Missing, |c| V::Int(c.into())),
            DnsField::TransferOutcome => self.transfer.map_or(V::Missing, |t| V::Str(t.as_str())),
            DnsField::TransferRecords => self.transfer_records.map_or(V::Missing, |c| V::Int(c as i64)),
            DnsField::TransferBytes => self.transfer_bytes.map_or(V::Missing, |c| V::Int(c as i64)),
            DnsField::View => opt_str(&self.view),
            DnsField::SourceFormat => V::Str(self.source_format),
        }
    }
}

impl ProcessEvent {
    pub fn get(&self, f: ProcessField) -> FieldValue<'_> {
        use FieldValue as V;
        match f {
            ProcessField::Timestamp => V::Time(self.time),
            ProcessField::DeviceName => V::Str(&self.device),
            ProcessField::AccountName => V::Str(&self.account),
            ProcessField::AccountDomain => opt_str(&self.account_domain),
            ProcessField::FileName => V::Str(&self.file_name),
            ProcessField::FolderPath => V::Str(&self.folder_path),
            ProcessField::ProcessCommandLine => V::Str(&self.command_line),
            ProcessField::ProcessId => self.process_id.map_or(V::Missing, |p| V::Int(p as i64)),
            ProcessField::InitiatingProcessFileName => V::Str(&self.parent_file_name),
            ProcessField::InitiatingProcessCommandLine => V::Str(&self.parent_command_line),
            ProcessField::InitiatingProcessFolderPath => V::Str(&self.parent_folder_path),
            ProcessField::InitiatingProcessId => self.parent_process_id.map_or(V::Missing, |p| V::Int(p as i64)),
            ProcessField::SourceFormat => V::Str(self.source_format),
        }
    }
}

impl Record for Event {
    fn time(&self) -> Timestamp {
        match self {
            Event::Dns(e) => e.time,
            Event::Process(e) => e.time,
            Event::Json(e) => e.time,
        }
    }

    fn dns(&self) -> Option<&DnsEvent> {
        match self {
            Event::Dns(d) => Some(d),
            _ => None,
        }
    }

    fn field(&self, id: &FieldId) -> FieldValue<'_> {
        match (self, id) {
            (Event::Dns(e), FieldId::Dns(f)) => e.get(*f),
            (Event::Process(e), FieldId::Process(f)) => e.get(*f),
            (Event::Dns(e), FieldId::Other(k)) => e.extra.get(k).map_or(FieldValue::Missing, FieldValue::Str),
            (Event::Process(e), FieldId::Other(k)) => e.extra.get(k).map_or(FieldValue::Missing, FieldValue::Str),
            (Event::Json(e), FieldId::Other(k)) => e.lookup(k),
            _ => FieldValue::Missing,
        }
    }

    fn any_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        match self {
            Event::Dns(e) => e.any_text_impl(visit),
            Event::Process(e) => e.any_text_impl(visit),
            Event::Json(e) => json_any_text(&e.value, visit),
        }
    }
}

impl Record for JsonEvent {
    fn time(&self) -> Timestamp {
        self.time
    }
    fn field(&self, id: &FieldId) -> FieldValue<'_> {
        match id {
            FieldId::Other(k) => self.lookup(k),
            _ => FieldValue::Missing,
        }
    }
    fn any_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        json_any_text(&self.value, visit)
    }
}

impl Record for DnsEvent {
    fn time(&self) -> Timestamp {
        self.time
    }
    fn dns(&self) -> Option<&DnsEvent> {
        Some(self)
    }
    fn field(&self, id: &FieldId) -> FieldValue<'_> {
        match id {
            FieldId::Dns(f) => self.get(*f),
            FieldId::Other(k) => self.extra.get(k).map_or(FieldValue::Missing, FieldValue::Str),
            FieldId::Process(_) | FieldId::Derived(_) => FieldValue::Missing,
        }
    }
    fn any_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.any_text_impl(visit)
    }
}

impl Record for ProcessEvent {
    fn time(&self) -> Timestamp {
        self.time
    }
    fn field(&self, id: &FieldId) -> FieldValue<'_> {
        match id {
            FieldId::Process(f) => self.get(*f),
            FieldId::Other(k) => self.extra.get(k).map_or(FieldValue::Missing, FieldValue::Str),
            FieldId::Dns(_) | FieldId::Derived(_) => FieldValue::Missing,
        }
    }
    fn any_text(&self, visit: &mut dyn FnMut(&str) -> bool) -> bool {
        self.any_text_impl(visit)
    }
}

#[cfg(test)]
mod tests {
    use super::FieldValue;
    use crate::{QType, Rcode, Timestamp};

    #[test]
    fn push_text_appends_what_as_text_gives() {
        let (s, n, arr) = (serde_json::json!("x"), serde_json::json!(1.5), serde_json::json!([1]));
        let (null, t) = (serde_json::Value::Null, serde_json::json!(true));
        let values = [
            FieldValue::Missing,
            FieldValue::Null,
            FieldValue::Str("WWW.Example.com"),
            FieldValue::Int(-42),
            FieldValue::Float(0.25),
            FieldValue::Bool(false),
            FieldValue::Ip("192.0.2.10".parse().unwrap()),
            FieldValue::Ip("2001:db8::1".parse().unwrap()),
            FieldValue::Ip("::ffff:10.0.0.1".parse().unwrap()),
            FieldValue::QType(QType(28)),
            FieldValue::QType(QType(65000)),
            FieldValue::Rcode(Rcode(3)),
            FieldValue::Time(Timestamp::from_secs(1_700_000_000)),
            FieldValue::Json(&s),
            FieldValue::Json(&n),
            FieldValue::Json(&arr),
            FieldValue::Json(&null),
            FieldValue::Json(&t),
        ];
        for v in values {
            let want = v.as_text(&mut String::new()).map(|t| format!("pre{t}"));
            let mut out = String::from("pre");
            let pushed = v.push_text(&mut out);
            assert_eq!(pushed.then_some(out.clone()), want, "{v:?}");
            if !pushed {
                assert_eq!(out, "pre", "{v:?}");
            }
        }
    }
}
