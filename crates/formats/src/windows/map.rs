//! From a normalized [`WinEvent`] to our events, by provider and event id.
//!
//! - Sysmon 1 (process creation) and Security 4688 → [`ProcessEvent`]. `User` / `Subject*` /
//!   `Target*` accounts are split into `AccountName` + `AccountDomain`. 4688 gives process ids in
//!   hex (`0x1a2b`); its command line (`CommandLine`) is absent when command-line auditing is
//!   off: the event is kept with an empty command line. 4688 has no parent command line, and
//!   `ParentProcessName` only from Windows 10 / Server 2016 on. The account is the new process's
//!   (`TargetUserName` when set, else `SubjectUserName`, the creator's).
//! - Sysmon 22 (DnsQuery) → a DNS `Query` made by the endpoint: `Computer` = the endpoint, no
//!   `ClientIP` (the client is the local host), no `QueryType` (Sysmon does not log it).
//!   `QueryStatus` is a Win32 status: 0 → NOERROR, 9001–9010 (`DNS_ERROR_RCODE_*`) → rcode
//!   1–10 (9003 → NXDOMAIN), 9501 (`DNS_INFO_NO_RECORDS`) → NOERROR with 0 answers; anything else
//!   (timeouts, 1460, …) leaves `ResultCode` empty. `Image`, `ProcessId`, … go to extra fields.
//! - DNS Server Analytical (`Microsoft-Windows-DNSServer`): 256 QUERY_RECEIVED → `Query`;
//!   257 RESPONSE_SUCCESS / 258 RESPONSE_FAILURE → `Response` (`Destination` is the client);
//!   259 IGNORED_QUERY → `Response` without rcode (the query itself was its 256). So a query is
//!   never counted twice. 266 IXFR_REQ_RECV / 270 AXFR_REQ_RECV → `Transfer`, outcome `started`
//!   (request received; an AXFR query also logged as 256 stays the one `Query`); 267 IXFR_RESP_OUT
//!   / 271 AXFR_RESP_OUT → `Transfer`, outcome from `RCODE` (0 completed, REFUSED/NOTAUTH denied,
//!   other failed). 260/261 (the server's own recursion to upstream servers), 265/268/269/272
//!   (this server as a secondary pulling a zone) and the rest are not client activity: generic
//!   JSON events.
//! - DNS Server log (`Microsoft-Windows-DNS-Server-Service`): 6000 transfer started, 6001
//!   completed, 6002 aborted (failed), 6003 UDP AXFR refused, 6004 request for a zone the server
//!   is not authoritative for (denied) → `Transfer` (client = the secondary named in the event).
//! - Anything else → a generic JSON event: the event data as top-level keys plus `EventID`,
//!   `Channel`, `Provider`, `Provider_Name`, `Computer`, `EventRecordID`, `TimeCreated`, so
//!   users' own Sigma rules run on it.

use super::{WinEvent, DNS_SERVER, DNS_SERVER_SERVICE, SECURITY, SYSMON};
use crate::{dns_slot, process_slot, RecordError};
use event::{file_name_of, parse_ip, DnsKind, Event, Extra, JsonEvent, QType, Rcode, Timestamp, TransferOutcome};
use event::{ProcessEvent, Transport};

/// Maps one Windows event into `out`.
pub fn map(ev: &WinEvent, format: &'static str, out: &mut Event) -> Result<(), RecordError> {
    let time = ev.time.ok_or(RecordError::MissingField("TimeCreated"))?;
    match (ev.provider.as_str(), ev.event_id) {
        (SYSMON, 1) => sysmon_process(ev, time, format, out),
        (SECURITY, 4688) => security_4688(ev, time, format, out),
        (SYSMON, 22) => sysmon_dns(ev, time, format, out),
        (DNS_SERVER, 256..=259 | 266 | 267 | 270 | 271) => dns_analytical(ev, time, format, out),
        (DNS_SERVER_SERVICE, 6000..=6004) => dns_service_transfer(ev, time, format, out),
        _ => {
            generic(ev, time, format, out);
            Ok(())
        }
    }
}

/// Parses a process id as Windows logs write it: decimal, or hex with `0x`.
pub fn parse_pid(field: &'static str, v: Option<&str>) -> Result<Option<u64>, RecordError> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty() && *v != "-") else { return Ok(None) };
    let parsed = match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => v.parse(),
    };
    parsed.map(Some).map_err(|_| RecordError::BadValue { field, value: RecordError::quote(v) })
}

/// Splits `DOMAIN\user` into (`user`, `Some(DOMAIN)`).
pub fn split_account(v: &str) -> (&str, Option<&str>) {
    match v.split_once('\\') {
        Some((d, u)) => (u, Some(d)),
        None => (v, None),
    }
}

fn set_path(folder: &mut String, file: &mut String, path: &str) {
    folder.push_str(path);
    file.push_str(file_name_of(path));
}

fn set_account(p: &mut ProcessEvent, user: &str, domain: Option<&str>) {
    p.account.push_str(user);
    p.account_domain = domain.filter(|d| !d.is_empty() && *d != "-").map(str::to_string);
}

/// Keeps every event data field not in `used`, plus `EventID` and `Channel`.
fn extras(ev: &WinEvent, used: &[&str], extra: &mut Extra) {
    for (n, v) in ev.data() {
        if !used.contains(&n) {
            extra.push(n, v);
        }
    }
    extra.push("EventID", ev.event_id.to_string());
    extra.push("Channel", ev.channel.as_str());
}

const SYSMON1_USED: &[&str] =
    &["Image", "CommandLine", "ParentImage", "ParentCommandLine", "User", "ProcessId", "ParentProcessId"];

fn sysmon_process(ev: &WinEvent, time: Timestamp, format: &'static str, out: &mut Event) -> Result<(), RecordError> {
    let image = ev.get_set("Image").ok_or(RecordError::MissingField("Image"))?;
    let pid = parse_pid("ProcessId", ev.get("ProcessId"))?;
    let ppid = parse_pid("ParentProcessId", ev.get("ParentProcessId"))?;
    let p = process_slot(out);
    p.time = time;
    p.source_format = format;
    p.process_id = pid;
    p.parent_process_id = ppid;
    p.device.push_str(&ev.computer);
    set_path(&mut p.folder_path, &mut p.file_name, image);
    p.command_line.push_str(ev.get("CommandLine").unwrap_or(""));
    if let Some(parent) = ev.get_set("ParentImage") {
        set_path(&mut p.parent_folder_path, &mut p.parent_file_name, parent);
    }
    p.parent_command_line.push_str(ev.get_set("ParentCommandLine").unwrap_or(""));
    if let Some(user) = ev.get_set("User") {
        let (u, d) = split_account(user);
        set_account(p, u, d);
    }
    extras(ev, SYSMON1_USED, &mut p.extra);
    Ok(())
}

const S4688_USED: &[&str] =
    &["NewProcessName", "CommandLine", "ProcessCommandLine", "ParentProcessName", "NewProcessId", "ProcessId"];

fn security_4688(ev: &WinEvent, time: Timestamp, format: &'static str, out: &mut Event) -> Result<(), RecordError> {
    let image = ev.get_set("NewProcessName").ok_or(RecordError::MissingField("NewProcessName"))?;
    let pid = parse_pid("NewProcessId", ev.get("NewProcessId"))?;
    let ppid = parse_pid("ProcessId", ev.get("ProcessId"))?;
    // The new process's account when the event names one, else the creator's.
    let target = ev.get_set("TargetUserName").filter(|_| ev.get("TargetUserSid") != Some("S-1-0-0"));
    let (user, domain) = match target {
        Some(u) => (u, ev.get("TargetDomainName")),
        None => (ev.get_set("SubjectUserName").unwrap_or(""), ev.get("SubjectDomainName")),
    };
    let p = process_slot(out);
    p.time = time;
    p.source_format = format;
    p.process_id = pid;
    p.parent_process_id = ppid;
    p.device.push_str(&ev.computer);
    set_path(&mut p.folder_path, &mut p.file_name, image);
    let cmd = ev.get("CommandLine").or_else(|| ev.get("ProcessCommandLine")).unwrap_or("");
    p.command_line.push_str(cmd);
    if let Some(parent) = ev.get_set("ParentProcessName") {
        set_path(&mut p.parent_folder_path, &mut p.parent_file_name, parent);
    }
    set_account(p, user, domain);
    extras(ev, S4688_USED, &mut p.extra);
    Ok(())
}

/// Win32 DNS status of Sysmon 22 `QueryStatus` → (rcode, answer count).
fn query_status(v: &str) -> (Option<Rcode>, Option<u32>) {
    match v.trim().parse::<u32>() {
        Ok(0) => (Some(Rcode::NOERROR), None),
        Ok(n @ 9001..=9010) => (Some(Rcode((n - 9000) as u16)), None),
        Ok(9501) => (Some(Rcode::NOERROR), Some(0)),
        _ => (None, None),
    }
}

fn sysmon_dns(ev: &WinEvent, time: Timestamp, format: &'static str, out: &mut Event) -> Result<(), RecordError> {
    let name = ev.get("QueryName").ok_or(RecordError::MissingField("QueryName"))?;
    let d = dns_slot(out);
    d.time = time;
    d.source_format = format;
    d.kind = DnsKind::Query;
    d.server.push_str(&ev.computer);
    d.set_name(name);
    (d.rcode, d.answer_count) = ev.get("QueryStatus").map_or((None, None), query_status);
    extras(ev, &["QueryName"], &mut d.extra);
    Ok(())
}

fn ip_field(ev: &WinEvent, field: &'static str) -> Result<Option<std::net::IpAddr>, RecordError> {
    match ev.get_set(field) {
        None => Ok(None),
        Some(v) => parse_ip(v).map(Some).ok_or_else(|| RecordError::BadIp(RecordError::quote(v))),
    }
}

fn num_field<T: std::str::FromStr>(ev: &WinEvent, field: &'static str) -> Result<Option<T>, RecordError> {
    match ev.get_set(field) {
        None => Ok(None),
        Some(v) => {
            v.trim().parse().map(Some).map_err(|_| RecordError::BadValue { field, value: RecordError::quote(v) })
        }
    }
}

const ANALYTICAL_USED: &[&str] = &["Source", "Destination", "QNAME", "QTYPE", "RCODE", "InterfaceIP", "TCP", "Port"];

fn dns_analytical(ev: &WinEvent, time: Timestamp, format: &'static str, out: &mut Event) -> Result<(), RecordError> {
    let id = ev.event_id;
    let client_field = if matches!(id, 257 | 258 | 267 | 271) { "Destination" } else { "Source" };
    let client_ip = ip_field(ev, client_field)?;
    let server_ip = ip_field(ev, "InterfaceIP")?;
    let port: Option<u16> = num_field(ev, "Port")?;
    let qtype: Option<u16> = num_field(ev, "QTYPE")?;
    let rcode: Option<u16> = num_field(ev, "RCODE")?;
    let tcp = ev.get_set("TCP").map(|v| v == "1" || v.eq_ignore_ascii_case("true"));
    let name = ev.get("QNAME").or_else(|| ev.get("Zone")).ok_or(RecordError::MissingField("QNAME"))?;
    let d = dns_slot(out);
    d.time = time;
    d.source_format = format;
    d.server.push_str(&ev.computer);
    d.client_ip = client_ip;
    d.client_port = port;
    d.server_ip = server_ip;
    d.set_name(name);
    d.transport = tcp.map(|t| if t { Transport::Tcp } else { Transport::Udp });
    d.rcode = rcode.map(Rcode);
    d.qtype = qtype.map(QType);
    match id {
        256 => d.kind = DnsKind::Query,
        257..=259 => d.kind = DnsKind::Response,
        _ => {
            d.kind = DnsKind::Transfer;
            d.qtype = Some(if matches!(id, 266 | 267) { QType::IXFR } else { QType::AXFR });
            d.transfer = match (id, rcode) {
                (266 | 270, _) => Some(TransferOutcome::Started),
                (_, Some(0)) => Some(TransferOutcome::Completed),
                (_, Some(5 | 9)) => Some(TransferOutcome::Denied),
                (_, Some(_)) => Some(TransferOutcome::Failed),
                (_, None) => None,
            };
        }
    }
    extras(ev, ANALYTICAL_USED, &mut d.extra);
    Ok(())
}

fn dns_service_transfer(
    ev: &WinEvent,
    time: Timestamp,
    format: &'static str,
    out: &mut Event,
) -> Result<(), RecordError> {
    // 6000-6002: %1 version, %2 zone, %3 secondary's address. 6003: %1 client.
    // 6004: %1 client, %2 zone.
    let (ip_param, zone_param) = match ev.event_id {
        6003 => ("param1", None),
        6004 => ("param1", Some("param2")),
        _ => ("param3", Some("param2")),
    };
    // Kept even when the insertion string is not an address (other Windows versions may differ).
    let client_ip = ev.get_set(ip_param).and_then(parse_ip);
    let d = dns_slot(out);
    d.time = time;
    d.source_format = format;
    d.kind = DnsKind::Transfer;
    d.server.push_str(&ev.computer);
    d.client_ip = client_ip;
    if let Some(zone) = zone_param.and_then(|z| ev.get(z)) {
        d.set_name(zone);
    }
    d.qtype = Some(QType::AXFR).filter(|_| ev.event_id == 6003);
    d.transfer = Some(match ev.event_id {
        6000 => TransferOutcome::Started,
        6001 => TransferOutcome::Completed,
        6002 => TransferOutcome::Failed,
        _ => TransferOutcome::Denied,
    });
    extras(ev, &[], &mut d.extra);
    Ok(())
}

/// The event as a generic JSON event (see the module documentation for its keys).
pub fn generic(ev: &WinEvent, time: Timestamp, format: &'static str, out: &mut Event) {
    use serde_json::{Map, Value};
    let mut m = Map::new();
    m.insert("EventID".into(), Value::from(ev.event_id));
    m.insert("Provider".into(), Value::from(ev.provider.as_str()));
    m.insert("Provider_Name".into(), Value::from(ev.provider.as_str()));
    m.insert("Channel".into(), Value::from(ev.channel.as_str()));
    m.insert("Computer".into(), Value::from(ev.computer.as_str()));
    if let Some(r) = ev.record_id {
        m.insert("EventRecordID".into(), Value::from(r));
    }
    m.insert("TimeCreated".into(), Value::from(time.to_string()));
    for (n, v) in ev.data() {
        m.entry(n).or_insert_with(|| Value::from(v));
    }
    *out = Event::Json(JsonEvent { time, value: Value::Object(m), source_format: format });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_and_accounts() {
        assert_eq!(parse_pid("p", Some("0x1a2b")), Ok(Some(0x1a2b)));
        assert_eq!(parse_pid("p", Some("6699")), Ok(Some(6699)));
        assert_eq!(parse_pid("p", Some("")), Ok(None));
        assert!(parse_pid("p", Some("0xzz")).is_err());
        assert_eq!(split_account(r"CONTOSO\alice"), ("alice", Some("CONTOSO")));
        assert_eq!(split_account("alice"), ("alice", None));
    }

    #[test]
    fn sysmon_query_status() {
        assert_eq!(query_status("0"), (Some(Rcode::NOERROR), None));
        assert_eq!(query_status("9003"), (Some(Rcode::NXDOMAIN), None));
        assert_eq!(query_status("9501"), (Some(Rcode::NOERROR), Some(0)));
        assert_eq!(query_status("1460"), (None, None));
    }
}
