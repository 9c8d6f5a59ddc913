//! `sentinel-csv`: DnsEvents / DeviceProcessEvents as CSV (RFC 4180: header row, `"`-quoted
//! fields that may hold commas, doubled quotes and newlines; UTF-8 BOM and CRLF accepted), as the
//! Log Analytics portal's "Export to CSV" and Defender advanced hunting's "Export" write them.
//!
//! Portal quirks: time columns are headed `TimeGenerated [UTC]` / `Timestamp [UTC]` (the suffix
//! is dropped; other display zones are refused at open, see [`super::strip_zone_suffix`]) and
//! hold locale-formatted times such as `11/27/2026, 1:14:15.123 PM` ([`super::time`]).
//!
//! Rejects carry the physical line where the record starts. A record with the wrong number of
//! fields, a bad time, IP, QueryType, …, invalid UTF-8 or longer than `max_record` is rejected and
//! skipped. Records come from [`super::records`] (unquoted lines split directly, the rest through
//! `csv_core`); the hot path reuses its buffers and the output event's.
//!
//! A record the CSV parser keeps growing past [`RUNAWAY_FACTOR`] × `max_record` bytes (typically
//! an unterminated quote, after which nothing can be resynchronised) ends the input with one
//! reject at the line where it starts, instead of buffering the rest of a multi-GB file.

use super::records::{Records, Runaway};
use super::time::TimeCache;
use super::{strip_zone_suffix, Col, DnsPlan, Row, Table};
use crate::registry::FormatSpec;
use crate::{EventReader, InputError, ReadOptions, RecordError, Rejects, Source};
use event::Event;
use std::io;
use std::sync::Arc;

pub const NAME: &str = "sentinel-csv";

pub static SPEC: FormatSpec = FormatSpec {
    name: NAME,
    description: "DnsEvents / DeviceProcessEvents exported as CSV (Log Analytics portal, Defender advanced hunting)",
    sniff,
    open,
};

/// 90 when the first line is a CSV header naming one of the two tables' columns.
fn sniff(head: &[u8]) -> u8 {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    if !line.contains(&b',') {
        return 0;
    }
    let mut rdr = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(line);
    let mut rec = ::csv::StringRecord::new();
    if !matches!(rdr.read_record(&mut rec), Ok(true)) {
        return 0;
    }
    let names: Vec<&str> = rec.iter().map(|n| n.split(" [").next().unwrap_or(n).trim()).collect();
    match Table::detect(names.iter().copied()) {
        Some(t) if t.time_column(names.iter().copied()).is_some() => 90,
        _ => 0,
    }
}

/// How many times `max_record` one record may grow before the input is abandoned.
pub const RUNAWAY_FACTOR: u64 = 8;

struct Reader {
    rec: Records,
    table: Table,
    time_column: &'static str,
    cols: Vec<(Col, Box<str>)>,
    /// For DnsEvents headers of the usual columns only: where they are.
    plan: Option<DnsPlan>,
    source: Arc<str>,
    max: usize,
    /// The last time read.
    days: TimeCache,
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    let name = source.name.clone();
    let err = |detail: String| InputError::Open { name: name.to_string(), detail };
    let limit = (opts.max_record as u64).saturating_mul(RUNAWAY_FACTOR);
    let mut rec = Records::new(source.reader, limit);
    match rec.next() {
        Ok(Ok(true)) => {}
        Ok(Ok(false)) => return Err(err("empty input: no CSV header".into())),
        Ok(Err(Runaway)) => return Err(err("cannot read the CSV header: runaway CSV record".into())),
        Err(e) => return Err(err(format!("cannot read the CSV header: {e}"))),
    }
    let field = |i: usize| rec.range(i).map(|(a, b)| &rec.data()[a..b]);
    let first = field(0).unwrap_or_default();
    if first.starts_with(b"\xFF\xFE") || first.starts_with(b"\xFE\xFF") {
        return Err(err("the file is UTF-16; save it as UTF-8 (or convert with `iconv -f UTF-16`)".into()));
    }
    let mut names = Vec::with_capacity(rec.len());
    for raw in (0..rec.len()).filter_map(field) {
        let n = std::str::from_utf8(raw).map_err(|_| err("the CSV header is not valid UTF-8".into()))?;
        names.push(strip_zone_suffix(n).map_err(err)?.to_string());
    }
    let table = Table::detect(names.iter().map(String::as_str)).ok_or_else(|| {
        err(format!(
            "the CSV header names neither DnsEvents columns (Name, QueryType, ClientIP) nor DeviceProcessEvents \
             columns (ProcessCommandLine, or FileName and DeviceName); header: {}",
            RecordError::quote(&names.join(","))
        ))
    })?;
    let time_column = table
        .time_column(names.iter().map(String::as_str))
        .ok_or_else(|| err(format!("{} export without a time column (TimeGenerated/Timestamp)", table.name())))?;
    let cols: Vec<_> = names.into_iter().map(|n| (table.column(&n, time_column), n.into_boxed_str())).collect();
    let plan = if table == Table::DnsEvents { DnsPlan::new(&cols) } else { None };
    Ok(Box::new(Reader {
        rec,
        table,
        time_column,
        cols,
        plan,
        source: source.name,
        max: opts.max_record,
        days: TimeCache::default(),
    }))
}

impl Reader {
    fn fill(&mut self, out: &mut Event) -> Result<(), RecordError> {
        if self.rec.len() != self.cols.len() {
            return Err(RecordError::FieldCount { got: self.rec.len(), want: self.cols.len() });
        }
        if self.rec.content_len() > self.max {
            return Err(RecordError::TooLong { limit: self.max });
        }
        // One UTF-8 check for the whole record; a field is then a sub-slice, which must start and
        // end on character boundaries (else bytes of one character were split by a delimiter).
        let all = match self.rec.text() {
            Some(text) => text,
            None => std::str::from_utf8(self.rec.data()).map_err(|_| RecordError::NotUtf8)?,
        };
        let fields = self.rec.fields();
        if let Some(plan) = &self.plan {
            let mut row = Row::begin(out, self.table, NAME);
            if row.put_usual(plan, all, fields, &mut self.days) {
                return row.finish(self.time_column);
            }
        }
        let mut row = Row::begin(out, self.table, NAME);
        row.put_all(&self.cols, all, fields, &mut self.days)?;
        row.finish(self.time_column)
    }
}

impl EventReader for Reader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            match self.rec.next()? {
                Ok(false) => return Ok(false),
                Ok(true) => match self.fill(out) {
                    Ok(()) => return Ok(true),
                    Err(e) => rejects.push(&self.source, self.rec.line(), e),
                },
                Err(Runaway) => {
                    let limit = self.max.saturating_mul(RUNAWAY_FACTOR as usize);
                    let detail = format!(
                        "record still open after {limit} bytes (unterminated quote?); rest of the input skipped"
                    );
                    rejects.push(&self.source, self.rec.line(), RecordError::Malformed { what: "CSV record", detail });
                    return Ok(false);
                }
            }
        }
    }
}
