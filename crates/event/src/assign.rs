//! Setting event fields from text by their canonical names: how the seed's exports (whose column
//! names are our field names) and rule test cases build events.

use crate::{
    DnsEvent, DnsField, DnsKind, ProcessEvent, ProcessField, QType, Rcode, Timestamp, TransferOutcome, Transport,
};
use std::net::IpAddr;

/// A text value that does not fit the field it was given for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad value for `{field}`: `{value}`")]
pub struct AssignError {
    pub field: &'static str,
    pub value: String,
}

fn bad(field: &'static str, value: &str) -> AssignError {
    AssignError { field, value: value.chars().take(80).collect() }
}

/// Parses an IP address as logs write it: plain, `[v6]`, or with a zone suffix (`fe80::1%eth0`).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    if let Some(v4) = crate::net::parse_ipv4_fast(s.as_bytes()) {
        return Some(IpAddr::V4(v4));
    }
    let s = s.trim();
    let s = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(s);
    let s = s.split('%').next().unwrap_or(s);
    s.parse().ok()
}

/// `v.trim().is_empty()`, answered from the first byte when it is visible ASCII (a value).
fn blank(v: &str) -> bool {
    match v.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => v.trim().is_empty(),
    }
}

fn num<T: std::str::FromStr>(field: &'static str, v: &str) -> Result<Option<T>, AssignError> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse().map(Some).map_err(|_| bad(field, v))
}

/// Parses the event times the seed's tables use: RFC 3339, or epoch seconds with a fraction.
pub fn parse_time(v: &str) -> Option<Timestamp> {
    Timestamp::parse_rfc3339(v).or_else(|| Timestamp::from_epoch_str(v.trim()))
}

impl DnsEvent {
    /// Sets one field from its text form. An empty string clears optional fields. Times accept
    /// RFC 3339 or epoch seconds; `QueryType` a mnemonic or a number; `ResultCode` a name or a
    /// number.
    pub fn set(&mut self, field: DnsField, v: &str) -> Result<(), AssignError> {
        let name = field.name();
        match field {
            DnsField::TimeGenerated => self.time = parse_time(v).ok_or_else(|| bad(name, v))?,
            DnsField::Kind => {
                self.kind = match v.trim().to_ascii_lowercase().as_str() {
                    "" | "query" => DnsKind::Query,
                    "response" => DnsKind::Response,
                    "transfer" => DnsKind::Transfer,
                    _ => return Err(bad(name, v)),
                }
            }
            DnsField::Computer => {
                self.server.clear();
                self.server.push_str(v);
            }
            DnsField::ClientIp => {
                self.client_ip = if blank(v) { None } else { Some(parse_ip(v).ok_or_else(|| bad(name, v))?) }
            }
            DnsField::ServerIp => {
                self.server_ip = if blank(v) { None } else { Some(parse_ip(v).ok_or_else(|| bad(name, v))?) }
            }
            DnsField::ClientPort => self.client_port = num(name, v)?,
            DnsField::Name => self.set_name(v),
            DnsField::QueryType => {
                self.qtype = if blank(v) { None } else { Some(QType::parse(v).ok_or_else(|| bad(name, v))?) }
            }
            DnsField::QueryClass => self.qclass = num(name, v)?,
            DnsField::ResultCode => {
                self.rcode = if blank(v) { None } else { Some(Rcode::parse(v).ok_or_else(|| bad(name, v))?) }
            }
            DnsField::Protocol => {
                self.transport = match v.trim().to_ascii_lowercase().as_str() {
                    "" => None,
                    "udp" => Some(Transport::Udp),
                    "tcp" => Some(Transport::Tcp),
                    "tls" | "dot" => Some(Transport::Tls),
                    "https" | "doh" => Some(Transport::Https),
                    "quic" | "doq" => Some(Transport::Quic),
                    _ => return Err(bad(name, v)),
                }
            }
            DnsField::AnswerCount => self.answer_count = num(name, v)?,
            DnsField::TransferOutcome => {
                self.transfer = match v.trim().to_ascii_lowercase().as_str() {
                    "" => None,
                    "started" => Some(TransferOutcome::Started),
                    "completed" => Some(TransferOutcome::Completed),
                    "denied" => Some(TransferOutcome::Denied),
                    "failed" => Some(TransferOutcome::Failed),
                    _ => return Err(bad(name, v)),
                }
            }
            DnsField::TransferRecords => self.transfer_records = num(name, v)?,
            DnsField::TransferBytes => self.transfer_bytes = num(name, v)?,
            DnsField::View => self.view = if v.is_empty() { None } else { Some(v.to_string()) },
            DnsField::SourceFormat => return Err(bad(name, v)),
        }
        Ok(())
    }
}

impl ProcessEvent {
    /// Sets one field from its text form. Setting `FolderPath` also fills `FileName` when it is
    /// still empty (and likewise for the initiating process), since many sources give only the
    /// full path.
    pub fn set(&mut self, field: ProcessField, v: &str) -> Result<(), AssignError> {
        let name = field.name();
        let put = |s: &mut String| {
            s.clear();
            s.push_str(v);
        };
        match field {
            ProcessField::Timestamp => self.time = parse_time(v).ok_or_else(|| bad(name, v))?,
            ProcessField::DeviceName => put(&mut self.device),
            ProcessField::AccountName => put(&mut self.account),
            ProcessField::AccountDomain => self.account_domain = if v.is_empty() { None } else { Some(v.to_string()) },
            ProcessField::FileName => put(&mut self.file_name),
            ProcessField::FolderPath => {
                put(&mut self.folder_path);
                if self.file_name.is_empty() {
                    self.file_name.push_str(crate::file_name_of(v));
                }
            }
            ProcessField::ProcessCommandLine => put(&mut self.command_line),
            ProcessField::ProcessId => self.process_id = num(name, v)?,
            ProcessField::InitiatingProcessFileName => put(&mut self.parent_file_name),
            ProcessField::InitiatingProcessCommandLine => put(&mut self.parent_command_line),
            ProcessField::InitiatingProcessFolderPath => {
                put(&mut self.parent_folder_path);
                if self.parent_file_name.is_empty() {
                    self.parent_file_name.push_str(crate::file_name_of(v));
                }
            }
            ProcessField::InitiatingProcessId => self.parent_process_id = num(name, v)?,
            ProcessField::SourceFormat => return Err(bad(name, v)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_fields_from_text() {
        let mut e = DnsEvent::default();
        e.set(DnsField::TimeGenerated, "2026-11-27T10:00:00Z").unwrap();
        e.set(DnsField::ClientIp, "[2001:db8::5]").unwrap();
        e.set(DnsField::QueryType, "252").unwrap();
        e.set(DnsField::ResultCode, "NXDOMAIN").unwrap();
        e.set(DnsField::Name, "Example.COM.").unwrap();
        assert_eq!(e.qtype, Some(QType::AXFR));
        assert_eq!(e.rcode, Some(Rcode::NXDOMAIN));
        assert_eq!(e.name, "Example.COM");
        assert_eq!(e.client_ip, Some("2001:db8::5".parse().unwrap()));
        assert_eq!(
            e.set(DnsField::ClientIp, "300.1.1.1"),
            Err(AssignError { field: "ClientIP", value: "300.1.1.1".into() })
        );
        assert!(e.set(DnsField::QueryType, "NOPE").is_err());
        e.set(DnsField::ClientIp, "").unwrap();
        assert_eq!(e.client_ip, None);
    }

    #[test]
    fn folder_path_fills_file_name() {
        let mut p = ProcessEvent::default();
        p.set(ProcessField::FolderPath, r"C:\Windows\System32\NSLOOKUP.EXE").unwrap();
        assert_eq!(p.file_name, "NSLOOKUP.EXE");
        p.set(ProcessField::FileName, "nslookup.exe").unwrap();
        p.set(ProcessField::FolderPath, r"C:\x\y.exe").unwrap();
        assert_eq!(p.file_name, "nslookup.exe");
    }
}
