//! `sentinel-json`: DnsEvents / DeviceProcessEvents rows as JSON, in the shapes users get them:
//! - a top-level array of row objects (`[{"TimeGenerated":…,"Name":…},…]`), streamed element by
//!   element ([`crate::jsonstream`]); a truncated array keeps every complete element and rejects
//!   the partial last one;
//! - one object per line (JSON Lines / NDJSON), or pretty-printed objects one after another;
//! - the Log Analytics query API response `{"tables":[{"name":"PrimaryResult","columns":
//!   [{"name":…,"type":…}],"rows":[[…],…]}]}`, rows streamed one at a time (`columns` must come
//!   before `rows`, as the API writes them);
//! - the Defender advanced hunting API response `{"Schema":[…],"Results":[{…},…]}` (or Graph's
//!   `{"@odata.context":…,"schema":[…],"results":[…]}`), results streamed; other keys are skipped.
//!
//! Values may be strings, numbers (`QueryType` 252, `ResultCode` 0), booleans or null (an empty
//! field; a null `Extra` column is left out). Nested values are kept in `Extra` as JSON text.

use super::cells::Cells;
use super::{Col, Row, Table};
use crate::jsonstream::{first_object, next_element, shape, Element, JsonStream, Scan, Shape};
use crate::registry::FormatSpec;
use crate::{input, EventReader, InputError, LineReader, ReadOptions, RecordError, Rejects, Source};
use event::Event;
use serde_json::{Map, Value};
use std::io;
use std::sync::Arc;

pub const NAME: &str = "sentinel-json";

pub static SPEC: FormatSpec = FormatSpec {
    name: NAME,
    description: "DnsEvents / DeviceProcessEvents as JSON: array, JSON Lines, Log Analytics or Defender API response",
    sniff,
    open,
};

/// 90 for an API response shape, or when the first row object has one of the tables' columns.
fn sniff(head: &[u8]) -> u8 {
    match shape(head) {
        Shape::Response => 90,
        Shape::Array | Shape::Lines | Shape::Concatenated => match first_object(head) {
            Some(obj) if Table::detect(obj.keys().map(String::as_str)).is_some() => 90,
            _ => 0,
        },
        Shape::None => 0,
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    let name = source.name.to_string();
    let (head, source) = input::peek(source, crate::registry::SNIFF_BYTES)
        .map_err(|e| InputError::Open { name: name.clone(), detail: e.to_string() })?;
    let rows = Rows::new(source.name.clone());
    let mode = match shape(&head) {
        Shape::Lines => Mode::Lines(LineReader::new(source, opts)),
        Shape::Array | Shape::Concatenated | Shape::Response => {
            let response = shape(&head) == Shape::Response;
            Mode::Stream {
                s: JsonStream::new(source.reader, opts.max_record),
                stack: Vec::new(),
                started: false,
                response,
            }
        }
        Shape::None => return Err(InputError::Open { name, detail: "not JSON (expected `[`, `{`)".into() }),
    };
    Ok(Box::new(Reader { mode, rows }))
}

/// Where the streaming reader is in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Top-level values one after another (arrays of objects open an `Objects`).
    Top,
    /// Keys of a response object (`tables`, `Results`, …), `first` until one key is read.
    ResponseObj(bool),
    /// The `tables` array of a Log Analytics response.
    Tables(bool),
    /// Keys of one table object.
    TableObj(bool),
    /// `rows` arrays of arrays.
    RowArrays(bool),
    /// Arrays of row objects (top-level array, `Results`).
    Objects(bool),
}

enum Mode {
    Lines(LineReader),
    Stream { s: JsonStream, stack: Vec<Ctx>, started: bool, response: bool },
}

struct Reader {
    mode: Mode,
    rows: Rows,
}

/// Turns parsed rows into events.
struct Rows {
    source: Arc<str>,
    /// Table of the rows: from the current Log Analytics table's columns, or from the first row
    /// object that names one.
    table: Option<Table>,
    /// Columns of the current Log Analytics table, and its time column.
    columns: Vec<(Col, Box<str>)>,
    time_column: &'static str,
    /// The last row object's keys and where they go, reused while the next rows have the same.
    object_columns: Vec<(Col, Box<str>)>,
    object_time: &'static str,
    cells: Cells,
}

impl Rows {
    fn new(source: Arc<str>) -> Self {
        Rows {
            source,
            table: None,
            columns: Vec::new(),
            time_column: "TimeGenerated",
            object_columns: Vec::new(),
            object_time: "TimeGenerated",
            cells: Cells::default(),
        }
    }

    fn object(&mut self, out: &mut Event, bytes: &[u8]) -> Result<(), RecordError> {
        self.cells.decode(bytes, true).map_err(json_error)?;
        let keys = self.cells.keys();
        let Some(table) = self.table.or_else(|| Table::detect(keys.clone())) else {
            return Err(RecordError::Unrecognised(
                "object has neither DnsEvents nor DeviceProcessEvents columns".into(),
            ));
        };
        self.table = Some(table);
        let same = self.object_columns.len() == self.cells.len()
            && self.object_columns.iter().zip(keys.clone()).all(|((_, a), b)| **a == *b);
        if !same {
            let time = table.time_column(keys.clone()).ok_or(RecordError::MissingField(match table {
                Table::DnsEvents => "TimeGenerated",
                Table::DeviceProcessEvents => "Timestamp",
            }))?;
            self.object_columns = keys.map(|k| (table.column(k, time), Box::from(k))).collect();
            self.object_time = time;
        }
        fill(out, table, &self.object_columns, &self.cells, self.object_time)
    }

    fn set_columns(&mut self, bytes: &[u8]) -> Result<(), RecordError> {
        let cols: Vec<Map<String, Value>> = serde_json::from_slice(bytes).map_err(json_error)?;
        let names: Vec<&str> = cols
            .iter()
            .map(|c| c.get("name").or_else(|| c.get("ColumnName")).and_then(Value::as_str))
            .collect::<Option<_>>()
            .ok_or_else(|| RecordError::Malformed { what: "columns", detail: "a column without a name".into() })?;
        let names = || names.iter().copied();
        self.columns.clear();
        self.table = Table::detect(names());
        let table = self.table.ok_or_else(|| {
            RecordError::Unrecognised("table columns are neither DnsEvents nor DeviceProcessEvents".into())
        })?;
        let time = table.time_column(names()).ok_or(RecordError::MissingField("TimeGenerated"))?;
        self.columns = names().map(|n| (table.column(n, time), Box::from(n))).collect();
        self.time_column = time;
        Ok(())
    }

    fn array_row(&mut self, out: &mut Event, bytes: &[u8]) -> Result<(), RecordError> {
        let Some(table) = self.table.filter(|_| !self.columns.is_empty()) else {
            return Err(RecordError::Unrecognised("row of a table with unusable columns".into()));
        };
        self.cells.decode(bytes, false).map_err(json_error)?;
        if self.cells.len() != self.columns.len() {
            return Err(RecordError::FieldCount { got: self.cells.len(), want: self.columns.len() });
        }
        fill(out, table, &self.columns, &self.cells, self.time_column)
    }
}

fn json_error(e: serde_json::Error) -> RecordError {
    RecordError::Json(RecordError::quote(&e.to_string()))
}

/// One event from decoded cells; a null `Extra` column is left out, a null field is empty.
fn fill(
    out: &mut Event,
    table: Table,
    columns: &[(Col, Box<str>)],
    cells: &Cells,
    time: &'static str,
) -> Result<(), RecordError> {
    let mut row = Row::begin(out, table, NAME);
    for (i, (col, name)) in columns.iter().enumerate() {
        match cells.value(i) {
            Some(t) => row.put(*col, name, t)?,
            None if *col == Col::Extra => {}
            None => row.put(*col, name, "")?,
        }
    }
    row.finish(time)
}

impl EventReader for Reader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        match &mut self.mode {
            Mode::Lines(lines) => loop {
                let Some(line) = lines.next_line(rejects)? else { return Ok(false) };
                if line.trim().is_empty() {
                    continue;
                }
                match self.rows.object(out, line.as_bytes()) {
                    Ok(()) => return Ok(true),
                    Err(e) => rejects.push(&self.rows.source, lines.line_no(), e),
                }
            },
            Mode::Stream { s, stack, started, response } => {
                if !*started {
                    *started = true;
                    if *response {
                        // Checked by `shape`: the input starts with `{` and a response key.
                        s.peek()?;
                        s.bump();
                        stack.push(Ctx::ResponseObj(true));
                    } else {
                        stack.push(Ctx::Top);
                    }
                }
                stream(s, stack, &mut self.rows, out, rejects)
            }
        }
    }
}

/// Reads a key of an object whose `{` was consumed: `Ok(None)` at its `}`.
fn next_key(s: &mut JsonStream, first: &mut bool) -> io::Result<Result<Option<String>, String>> {
    match s.peek()? {
        Some(b'}') => {
            s.bump();
            return Ok(Ok(None));
        }
        Some(b',') if !*first => {
            s.bump();
        }
        None => return Ok(Err("input ends inside an object".into())),
        Some(_) if !*first => return Ok(Err("expected `,` or `}` between keys".into())),
        Some(_) => {}
    }
    *first = false;
    if s.peek()? != Some(b'"') || s.value(true)? != Scan::Value {
        return Ok(Err("expected a key".into()));
    }
    let key: String = match serde_json::from_slice(&s.buf) {
        Ok(k) => k,
        Err(e) => return Ok(Err(format!("bad key: {e}"))),
    };
    if s.peek()? != Some(b':') {
        return Ok(Err(format!("expected `:` after key `{}`", RecordError::quote(&key))));
    }
    s.bump();
    Ok(Ok(Some(key)))
}

/// Consumes the byte `want`, or says what was there instead.
fn open_bracket(s: &mut JsonStream, want: u8) -> io::Result<Result<(), String>> {
    if s.peek()? == Some(want) {
        s.bump();
        Ok(Ok(()))
    } else {
        Ok(Err(format!("expected `{}`", want as char)))
    }
}

fn stream(
    s: &mut JsonStream,
    stack: &mut Vec<Ctx>,
    rows: &mut Rows,
    out: &mut Event,
    rejects: &mut Rejects,
) -> io::Result<bool> {
    let src = rows.source.clone();
    // A structural error ends the input: without the structure no later byte can be placed.
    macro_rules! malformed {
        ($detail:expr) => {{
            rejects.push(&src, s.line(), RecordError::Malformed { what: "JSON document", detail: $detail });
            stack.clear();
            return Ok(false);
        }};
    }
    loop {
        let Some(ctx) = stack.last_mut() else { return Ok(false) };
        let kind = *ctx;
        match ctx {
            Ctx::Top => match s.peek()? {
                None => {
                    stack.clear();
                    return Ok(false);
                }
                Some(b'[') => {
                    s.bump();
                    stack.push(Ctx::Objects(true));
                }
                Some(_) => {
                    let line = s.line();
                    match s.value(true)? {
                        Scan::Value => match rows.object(out, &s.buf) {
                            Ok(()) => return Ok(true),
                            Err(e) => rejects.push(&src, line, e),
                        },
                        Scan::TooLong => rejects.push(&src, line, RecordError::TooLong { limit: s.max() }),
                        Scan::Truncated => malformed!("input ends inside a value".into()),
                    }
                }
            },
            Ctx::ResponseObj(first) | Ctx::TableObj(first) => {
                let in_table = matches!(kind, Ctx::TableObj(_));
                let key = match next_key(s, first)? {
                    Ok(Some(k)) => k,
                    Ok(None) => {
                        stack.pop();
                        continue;
                    }
                    Err(e) => malformed!(e),
                };
                let line = s.line();
                if !in_table && key.eq_ignore_ascii_case("tables") {
                    if let Err(e) = open_bracket(s, b'[')? {
                        malformed!(e);
                    }
                    stack.push(Ctx::Tables(true));
                } else if !in_table && key.eq_ignore_ascii_case("results") {
                    if let Err(e) = open_bracket(s, b'[')? {
                        malformed!(e);
                    }
                    stack.push(Ctx::Objects(true));
                } else if in_table && key.eq_ignore_ascii_case("columns") {
                    match s.value(true)? {
                        Scan::Value => {
                            if let Err(e) = rows.set_columns(&s.buf) {
                                rejects.push(&src, line, e);
                            }
                        }
                        _ => malformed!("bad `columns`".into()),
                    }
                } else if in_table && key.eq_ignore_ascii_case("rows") {
                    if let Err(e) = open_bracket(s, b'[')? {
                        malformed!(e);
                    }
                    stack.push(Ctx::RowArrays(true));
                } else if s.value(false)? == Scan::Truncated {
                    malformed!(format!("input ends inside `{}`", RecordError::quote(&key)));
                }
            }
            Ctx::Tables(first) => match s.peek()? {
                Some(b']') => {
                    s.bump();
                    stack.pop();
                }
                Some(b',') if !*first => s.bump(),
                Some(b'{') => {
                    *first = false;
                    s.bump();
                    rows.columns.clear();
                    rows.table = None;
                    stack.push(Ctx::TableObj(true));
                }
                _ => malformed!("expected a table object in `tables`".into()),
            },
            Ctx::RowArrays(first) | Ctx::Objects(first) => {
                let objects = matches!(kind, Ctx::Objects(_));
                match next_element(s, first, true)? {
                    Element::End => {
                        stack.pop();
                    }
                    Element::Unclosed(line) => {
                        rejects.push(&src, line, RecordError::Truncated("array not closed at end of input"));
                        stack.clear();
                        return Ok(false);
                    }
                    Element::MissingComma(line) => rejects.push(
                        &src,
                        line,
                        RecordError::Malformed { what: "JSON array", detail: "missing `,`".into() },
                    ),
                    Element::At(line, Scan::Truncated) => {
                        rejects.push(&src, line, RecordError::Truncated("input ends inside this element"));
                        stack.clear();
                        return Ok(false);
                    }
                    Element::At(line, Scan::TooLong) => {
                        rejects.push(&src, line, RecordError::TooLong { limit: s.max() })
                    }
                    Element::At(line, Scan::Value) => {
                        let r = if objects { rows.object(out, &s.buf) } else { rows.array_row(out, &s.buf) };
                        match r {
                            Ok(()) => return Ok(true),
                            Err(e) => rejects.push(&src, line, e),
                        }
                    }
                }
            }
        }
    }
}
