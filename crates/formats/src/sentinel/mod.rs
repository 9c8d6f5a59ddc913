//! The seed's two tables, `DnsEvents` (Sentinel / Log Analytics) and `DeviceProcessEvents`
//! (Defender XDR advanced hunting, also mirrored into Sentinel), as users export them.
//!
//! Two formats, each detecting the table from the column names (column names are our canonical
//! field names, see [`event::DnsField`] / [`event::ProcessField`]; anything else goes to `Extra`):
//! - `sentinel-csv` ([`csv`]): the portal's "Export to CSV" and Defender's advanced hunting export.
//! - `sentinel-json` ([`json`]): an array of row objects, JSON Lines, the Log Analytics query API
//!   response `{"tables":[{"columns":[…],"rows":[[…]]}]}` and the Defender advanced hunting API
//!   response `{"Schema":[…],"Results":[{…}]}` (any key case, as Microsoft Graph writes them).
//!
//! Table detection: `Name` + `QueryType` + `ClientIP` → DnsEvents; else `ProcessCommandLine`, or
//! `FileName` + `DeviceName` → DeviceProcessEvents. The event time is `TimeGenerated` for
//! DnsEvents; `Timestamp` (else `TimeGenerated`) for DeviceProcessEvents, the other one kept in
//! `Extra`. Time values: see [`time::parse_export_time`].

mod cells;
pub mod csv;
pub mod json;
mod plain;
mod records;
pub mod time;

use crate::{process_slot, RecordError};
use event::{AssignError, DnsEvent, DnsField, Event, Extra, ProcessEvent, ProcessField, QType, Rcode};

/// Which of the seed's tables a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    DnsEvents,
    DeviceProcessEvents,
}

impl Table {
    /// The table whose columns these are, if any. Names compare ignoring ASCII case.
    pub fn detect<'a>(names: impl Iterator<Item = &'a str> + Clone) -> Option<Table> {
        let has = |want: &str| names.clone().any(|n| n.eq_ignore_ascii_case(want));
        if has("Name") && has("QueryType") && has("ClientIP") {
            Some(Table::DnsEvents)
        } else if has("ProcessCommandLine") || (has("FileName") && has("DeviceName")) {
            Some(Table::DeviceProcessEvents)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Table::DnsEvents => "DnsEvents",
            Table::DeviceProcessEvents => "DeviceProcessEvents",
        }
    }

    /// The column that gives the event time, among `names`.
    pub fn time_column<'a>(self, names: impl Iterator<Item = &'a str> + Clone) -> Option<&'static str> {
        let has = |want: &str| names.clone().any(|n| n.eq_ignore_ascii_case(want));
        match self {
            Table::DnsEvents => has("TimeGenerated").then_some("TimeGenerated"),
            Table::DeviceProcessEvents => {
                if has("Timestamp") {
                    Some("Timestamp")
                } else {
                    has("TimeGenerated").then_some("TimeGenerated")
                }
            }
        }
    }

    /// Where a column goes.
    pub fn column(self, name: &str, time_column: &str) -> Col {
        if name.eq_ignore_ascii_case(time_column) {
            return Col::Time;
        }
        let mapped = match self {
            Table::DnsEvents => DnsField::from_name(name)
                .filter(|f| !matches!(f, DnsField::SourceFormat | DnsField::TimeGenerated))
                .map(Col::Dns),
            Table::DeviceProcessEvents => ProcessField::from_name(name)
                .filter(|f| !matches!(f, ProcessField::SourceFormat | ProcessField::Timestamp))
                .map(Col::Process),
        };
        mapped.unwrap_or(Col::Extra)
    }
}

/// Where one source column goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Time,
    Dns(DnsField),
    Process(ProcessField),
    Extra,
}

/// The event being filled from one row: fields set in any order, `Extra` entries overwritten in
/// place when the previous row had the same columns (no allocation per row once warmed up).
pub enum Row<'a> {
    Dns(&'a mut DnsEvent, usize, bool),
    Process(&'a mut ProcessEvent, usize, bool),
}

/// The `Extra` of `out` when it is a process event, to be overwritten in place.
fn reuse_extra(out: &mut Event) -> Extra {
    match out {
        Event::Process(p) => std::mem::take(&mut p.extra),
        _ => Extra::default(),
    }
}

impl<'a> Row<'a> {
    /// Resets `out` to an empty event of `table`, tagged with `format`.
    pub fn begin(out: &'a mut Event, table: Table, format: &'static str) -> Row<'a> {
        match table {
            Table::DnsEvents => {
                // Reset in place, `extra` untouched, when `out` is a DNS event already (every row
                // but the first): taking `extra` out and back costs more than the reset.
                let d = crate::dns_slot_but_extra(out);
                d.source_format = format;
                Row::Dns(d, 0, false)
            }
            Table::DeviceProcessEvents => {
                let extra = reuse_extra(out);
                let p = process_slot(out);
                p.extra = extra;
                p.source_format = format;
                Row::Process(p, 0, false)
            }
        }
    }

    /// Sets one column from its text. `Extra` values are kept as given, even empty.
    pub fn put(&mut self, col: Col, name: &str, value: &str) -> Result<(), RecordError> {
        self.put_cached(col, name, value, &mut time::TimeCache::default())
    }

    /// [`Row::put`], with the reader's cache of the last time read.
    pub fn put_cached(
        &mut self,
        col: Col,
        name: &str,
        value: &str,
        times: &mut time::TimeCache,
    ) -> Result<(), RecordError> {
        if let (Row::Dns(d, _, _), Col::Dns(f)) = (&mut *self, col) {
            if put_dns_usual(d, f, value) {
                return Ok(());
            }
        }
        match (self, col) {
            (Row::Dns(d, _, seen), Col::Time) => {
                d.time = time::parse_export_time_cached(value, times).ok_or_else(|| bad_time(value))?;
                *seen = true;
            }
            (Row::Process(p, _, seen), Col::Time) => {
                p.time = time::parse_export_time_cached(value, times).ok_or_else(|| bad_time(value))?;
                *seen = true;
            }
            (Row::Dns(d, _, _), Col::Dns(f)) => d.set(f, value).map_err(assign_error)?,
            (Row::Process(p, _, _), Col::Process(f)) => p.set(f, value).map_err(assign_error)?,
            (Row::Dns(d, n, _), _) => put_extra(&mut d.extra, n, name, value),
            (Row::Process(p, n, _), _) => put_extra(&mut p.extra, n, name, value),
        }
        Ok(())
    }

    /// [`Row::put_cached`] for every column of a record in turn: column `i`'s value is
    /// `all[fields[i].0..fields[i].1]` (a range not on character boundaries is
    /// [`RecordError::NotUtf8`]), stopping at the first error. DnsEvents rows are filled in one
    /// loop over the ranges, without dispatching on the row for each column.
    pub fn put_all(
        &mut self,
        cols: &[(Col, Box<str>)],
        all: &str,
        fields: &[(usize, usize)],
        times: &mut time::TimeCache,
    ) -> Result<(), RecordError> {
        let value = |&(a, b): &(usize, usize)| all.get(a..b).ok_or(RecordError::NotUtf8);
        let Row::Dns(d, n, seen) = self else {
            for ((col, name), range) in cols.iter().zip(fields) {
                self.put_cached(*col, name, value(range)?, times)?;
            }
            return Ok(());
        };
        for ((col, name), range) in cols.iter().zip(fields) {
            let value = value(range)?;
            match *col {
                Col::Dns(f) => {
                    if !put_dns_usual(d, f, value) {
                        d.set(f, value).map_err(assign_error)?;
                    }
                }
                Col::Time => {
                    d.time = time::parse_export_time_cached(value, times).ok_or_else(|| bad_time(value))?;
                    *seen = true;
                }
                _ => put_extra(&mut d.extra, n, name, value),
            }
        }
        Ok(())
    }

    /// Fills a DnsEvents row whose columns are laid out as `plan` says, all usual values (see
    /// [`put_dns_usual`]) and a good time: straight-line, no dispatch per column. `false` for
    /// anything else, the row then in any state: the caller starts it again with
    /// [`Row::put_all`], which gives the answer (and the first error in column order).
    pub fn put_usual(
        &mut self,
        plan: &DnsPlan,
        all: &str,
        fields: &[(usize, usize)],
        times: &mut time::TimeCache,
    ) -> bool {
        let Row::Dns(d, _, seen) = self else { return false };
        let time = field(all, fields, plan.time).and_then(|v| time::parse_export_time_cached(v, times));
        let Some(t) = time else { return false };
        d.time = t;
        *seen = true;
        // Each call inlined with its field known: no dispatch on it.
        put_usual_at(d, DnsField::Computer, all, fields, plan.computer)
            && put_usual_at(d, DnsField::Name, all, fields, plan.name)
            && put_usual_at(d, DnsField::ClientIp, all, fields, plan.client_ip)
            && put_usual_at(d, DnsField::QueryType, all, fields, plan.qtype)
            && put_usual_at(d, DnsField::ResultCode, all, fields, plan.rcode)
    }

    /// Ends the row: drops stale `Extra` entries and checks the time was given.
    pub fn finish(self, time_column: &'static str) -> Result<(), RecordError> {
        let (extra, n, seen) = match self {
            Row::Dns(d, n, seen) => (&mut d.extra, n, seen),
            Row::Process(p, n, seen) => (&mut p.extra, n, seen),
        };
        extra.0.truncate(n);
        if seen {
            Ok(())
        } else {
            Err(RecordError::MissingField(time_column))
        }
    }
}

/// Where the time and the usual DnsEvents columns (see [`put_dns_usual`]) are, for a header
/// with those columns only, each at most once: [`Row::put_usual`] then fills every field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DnsPlan {
    time: usize,
    computer: Option<usize>,
    name: Option<usize>,
    client_ip: Option<usize>,
    qtype: Option<usize>,
    rcode: Option<usize>,
}

impl DnsPlan {
    /// The plan for these columns, if they are such a header (with a time column).
    pub fn new(cols: &[(Col, Box<str>)]) -> Option<DnsPlan> {
        let mut time = None;
        let mut plan = DnsPlan::default();
        for (i, (col, _)) in cols.iter().enumerate() {
            let slot = match col {
                Col::Time => &mut time,
                Col::Dns(DnsField::Computer) => &mut plan.computer,
                Col::Dns(DnsField::Name) => &mut plan.name,
                Col::Dns(DnsField::ClientIp) => &mut plan.client_ip,
                Col::Dns(DnsField::QueryType) => &mut plan.qtype,
                Col::Dns(DnsField::ResultCode) => &mut plan.rcode,
                _ => return None,
            };
            if slot.replace(i).is_some() {
                return None;
            }
        }
        plan.time = time?;
        Some(plan)
    }
}

/// Field `i` of a record (`None` when a range is not on character boundaries).
#[inline(always)]
fn field<'v>(all: &'v str, fields: &[(usize, usize)], i: usize) -> Option<&'v str> {
    fields.get(i).and_then(|&(a, b)| all.get(a..b))
}

/// [`put_dns_usual`] for the field at `at`, if the record has one.
#[inline(always)]
fn put_usual_at(d: &mut DnsEvent, f: DnsField, all: &str, fields: &[(usize, usize)], at: Option<usize>) -> bool {
    match at {
        Some(i) => field(all, fields, i).is_some_and(|v| put_dns_usual(d, f, v)),
        None => true,
    }
}

/// The columns every DnsEvents export has, with the values they usually hold, set as
/// [`DnsEvent::set`] would, without its general dispatch; `false` leaves the value to it (blank,
/// unusual spellings, bad values, other fields).
#[inline(always)]
fn put_dns_usual(d: &mut DnsEvent, f: DnsField, v: &str) -> bool {
    match f {
        DnsField::Computer => {
            d.server.clear();
            d.server.push_str(v);
        }
        DnsField::Name => d.set_name(v),
        DnsField::ClientIp => match crate::ipaddr::parse_ip_inline(v) {
            Some(ip) => d.client_ip = Some(ip),
            None => return false,
        },
        DnsField::QueryType => match QType::parse(v) {
            Some(q) => d.qtype = Some(q),
            None => return false,
        },
        DnsField::ResultCode => match Rcode::parse(v) {
            Some(r) => d.rcode = Some(r),
            None => return false,
        },
        _ => return false,
    }
    true
}

fn put_extra(extra: &mut Extra, n: &mut usize, name: &str, value: &str) {
    match extra.0.get_mut(*n) {
        Some((k, v)) if **k == *name => {
            v.clear();
            v.push_str(value);
        }
        _ => {
            extra.0.truncate(*n);
            extra.push(name, value);
        }
    }
    *n += 1;
}

fn bad_time(v: &str) -> RecordError {
    RecordError::BadTimestamp(RecordError::quote(v))
}

fn assign_error(e: AssignError) -> RecordError {
    if e.field == DnsField::ClientIp.name() || e.field == DnsField::ServerIp.name() {
        RecordError::BadIp(e.value)
    } else {
        RecordError::BadValue { field: e.field, value: e.value }
    }
}

/// Strips a ` [UTC]` suffix from an exported column name (`TimeGenerated [UTC]`). Other
/// bracketed zones (`[Local Time]`, `[UTC+02:00]`) are refused: Microsoft documents neither what
/// they mean for daylight saving nor their spelling, so guessing could shift every event.
pub fn strip_zone_suffix(name: &str) -> Result<&str, String> {
    let name = name.trim();
    let Some(open) = name.rfind(" [").filter(|_| name.ends_with(']')) else {
        return Ok(name);
    };
    let zone = &name[open + 2..name.len() - 1];
    if zone.eq_ignore_ascii_case("UTC") {
        Ok(name[..open].trim_end())
    } else {
        Err(format!(
            "column `{name}` holds times in the display time zone `{zone}`, which cannot be converted reliably; \
             set the portal's display time zone to UTC and export again"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row filled by `put_usual` when it says so, else by `put_all`; and by `put_all` alone.
    fn both_ways(cols: &[(Col, Box<str>)], row: &[&str]) -> (Result<Event, RecordError>, Result<Event, RecordError>) {
        let (mut all, mut fields) = (String::new(), Vec::new());
        for v in row {
            fields.push((all.len(), all.len() + v.len()));
            all.push_str(v);
        }
        let general = |out: &mut Event| {
            let mut r = Row::begin(out, Table::DnsEvents, "t");
            r.put_all(cols, &all, &fields, &mut time::TimeCache::default())?;
            r.finish("TimeGenerated")
        };
        let mut want = Event::Dns(DnsEvent::default());
        let want = general(&mut want).map(|()| want);
        let mut got = Event::Dns(DnsEvent::default());
        let plan = DnsPlan::new(cols).expect("usual columns");
        let mut r = Row::begin(&mut got, Table::DnsEvents, "t");
        let got = if r.put_usual(&plan, &all, &fields, &mut time::TimeCache::default()) {
            r.finish("TimeGenerated").map(|()| got)
        } else {
            general(&mut got).map(|()| got)
        };
        (got, want)
    }

    #[test]
    fn usual_rows_are_filled_as_put_all_fills_them() {
        let header = |names: &[&str]| -> Vec<(Col, Box<str>)> {
            names.iter().map(|n| (Table::DnsEvents.column(n, "TimeGenerated"), (*n).into())).collect()
        };
        let usual = ["TimeGenerated", "Computer", "ClientIP", "Name", "QueryType", "ResultCode"];
        let shuffled = ["ResultCode", "Name", "TimeGenerated", "QueryType", "ClientIP", "Computer"];
        let times =
            ["2026-11-27T00:00:00.009Z", "11/27/2026, 1:14:15.123 PM", "", "x", "2026-11-27T00:00:00.0091234567"];
        let ips = ["10.0.2.1", "", " ", "2001:db8::1", "010.0.2.1", "fe80::1%eth0", "x"];
        let qtypes = ["A", "", "aaaa", "TYPE65", "BOGUS"];
        let rcodes = ["0", "", "NXDOMAIN", "Name Error", "x"];
        let (mut n, mut fast) = (0, 0);
        for t in times {
            for ip in ips {
                for q in qtypes {
                    for rc in rcodes {
                        let by_name = |c: &str| match c {
                            "TimeGenerated" => t,
                            "Computer" => "dc1",
                            "ClientIP" => ip,
                            "Name" => "a.example.",
                            "QueryType" => q,
                            _ => rc,
                        };
                        for names in [&usual, &shuffled] {
                            let row: Vec<&str> = names.iter().map(|c| by_name(c)).collect();
                            let (got, want) = both_ways(&header(names), &row);
                            assert_eq!(got.as_ref().ok(), want.as_ref().ok(), "{row:?}");
                            assert_eq!(got.err().map(|e| e.to_string()), want.err().map(|e| e.to_string()), "{row:?}");
                            n += 1;
                            fast += usize::from(ip == "10.0.2.1" && q == "A" && rc == "0");
                        }
                    }
                }
            }
        }
        assert!(n > 1000 && fast > 0);
        // Other or repeated columns, or no time column: no plan.
        assert!(DnsPlan::new(&header(&usual[1..])).is_none());
        assert!(DnsPlan::new(&header(&["TimeGenerated", "Name", "Name"])).is_none());
        assert!(DnsPlan::new(&header(&["TimeGenerated", "Name", "Remark"])).is_none());
        assert!(DnsPlan::new(&header(&["TimeGenerated", "Name"])).is_some());
    }

    #[test]
    fn usual_dns_values_are_set_as_dns_event_set_does() {
        let fields =
            [DnsField::Computer, DnsField::Name, DnsField::ClientIp, DnsField::QueryType, DnsField::ResultCode];
        let values = [
            "",
            " ",
            "dc1",
            "a.example.",
            ".",
            "10.0.2.1",
            " 10.0.2.1",
            "010.0.2.1",
            "300.1.1.1",
            "2001:db8::5",
            "[2001:db8::5]",
            "fe80::1%eth0",
            "A",
            "aaaa",
            " A ",
            "TYPE65",
            "252",
            "0",
            "3",
            "NXDOMAIN",
            "NXDomain",
            "Name Error",
            "x\"y,z",
            "é",
        ];
        for f in fields {
            for v in values {
                let (mut fast, mut general) = (DnsEvent::default(), DnsEvent::default());
                let want = general.set(f, v);
                if put_dns_usual(&mut fast, f, v) {
                    assert_eq!(want, Ok(()), "{f:?} {v:?}");
                    assert_eq!(fast, general, "{f:?} {v:?}");
                }
            }
        }
    }
}
