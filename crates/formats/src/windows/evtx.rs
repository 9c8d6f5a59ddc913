//! Binary Windows event logs (`.evtx`, magic `ElfFile\0`), read with the `evtx` crate.
//!
//! The crate needs `Read + Seek`, so the reader reopens the file at `Source.path`; an EVTX on
//! stdin or inside gzip is refused with an error saying to pass the decompressed file. Each
//! 64 KiB chunk is parsed on its own; every record is rendered to XML by the crate and read by
//! the same parser as exported XML ([`super::xml::parse_event`]), so both paths map identically.
//! Checksums are not enforced (as `evtx_dump` does by default): records of a chunk with a bad
//! CRC are still read, and a record the crate cannot decode is one reject (its record id as the
//! line); a chunk that cannot be read at all is one reject numbered after the last record seen.

use super::{map::map, xml::parse_event, WinEvent};
use crate::{EventReader, FormatSpec, InputError, ReadOptions, RecordError, Rejects, Source};
use ::evtx::{EvtxParser, ParserSettings};
use event::Event;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

pub static SPEC: FormatSpec = FormatSpec {
    name: "evtx",
    description: "Windows event log files (.evtx): Sysmon, Security 4688, DNS Server, any other channel",
    sniff,
    open,
};

const NAME: &str = "evtx";
const MAGIC: &[u8] = b"ElfFile\0";

fn sniff(head: &[u8]) -> u8 {
    if head.starts_with(MAGIC) {
        100
    } else {
        0
    }
}

fn open(source: Source, _opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    let name = source.name.to_string();
    let Some(path) = source.path else {
        return Err(InputError::Open {
            name,
            detail: "an EVTX file cannot be read from stdin (the reader needs random access): pass its path".into(),
        });
    };
    let mut file = File::open(&path).map_err(|e| InputError::Io { path: path.clone(), source: e })?;
    let mut magic = [0u8; 8];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| InputError::Io { path: path.clone(), source: e })?;
    if magic[..got].starts_with(&[0x1f, 0x8b]) {
        return Err(InputError::Open {
            name,
            detail: "a gzip-compressed EVTX file cannot be read directly (the reader needs random access): \
                     decompress it first"
                .into(),
        });
    }
    if &magic[..got] != MAGIC {
        return Err(InputError::Open { name, detail: "not an EVTX file (no `ElfFile` header)".into() });
    }
    file.seek(SeekFrom::Start(0)).map_err(|e| InputError::Io { path: path.clone(), source: e })?;
    let parser = EvtxParser::from_read_seek(file).map_err(|e| InputError::Open { name, detail: chain(&e) })?;
    Ok(Box::new(EvtxReader::new(parser, source.name)))
}

/// An error with its causes, `a: b: c`.
fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// One record rendered to XML, or why it could not be.
type Rendered = (u64, Result<Vec<u8>, String>);

/// Reader for the `evtx` format.
pub struct EvtxReader {
    chunks: ::evtx::IntoIterChunks<File>,
    settings: Arc<ParserSettings>,
    pending: VecDeque<Rendered>,
    ev: WinEvent,
    source: Arc<str>,
    last_record: u64,
}

impl EvtxReader {
    pub fn new(parser: EvtxParser<File>, source: Arc<str>) -> Self {
        let settings = Arc::new(ParserSettings::new().num_threads(1).validate_checksums(false).indent(false));
        let parser = parser.with_configuration((*settings).clone());
        EvtxReader {
            chunks: parser.into_chunks(),
            settings,
            pending: VecDeque::new(),
            ev: WinEvent::default(),
            source,
            last_record: 0,
        }
    }

    /// Renders the records of the next chunk into `pending`; false when there are no chunks left.
    fn next_chunk(&mut self, rejects: &mut Rejects) -> bool {
        let Some(chunk) = self.chunks.next() else { return false };
        let mut data = match chunk {
            Ok(d) => d,
            Err(e) => {
                rejects.push(&self.source, self.last_record + 1, chunk_error(chain(&e)));
                return true;
            }
        };
        let mut parsed = match data.parse(self.settings.clone()) {
            Ok(p) => p,
            Err(e) => {
                rejects.push(&self.source, self.last_record + 1, chunk_error(chain(&e)));
                return true;
            }
        };
        let mut last = self.last_record;
        for record in parsed.iter() {
            match record {
                Ok(r) => {
                    let id = r.event_record_id;
                    last = id;
                    self.pending.push_back(match r.into_xml_bytes() {
                        Ok(x) => (id, Ok(x.data)),
                        Err(e) => (id, Err(chain(&e))),
                    });
                }
                Err(e) => {
                    last += 1;
                    self.pending.push_back((last, Err(chain(&e))));
                }
            }
        }
        true
    }
}

fn chunk_error(detail: String) -> RecordError {
    RecordError::Malformed { what: "EVTX chunk", detail: RecordError::quote(&detail) }
}

impl EventReader for EvtxReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            let Some((id, rendered)) = self.pending.pop_front() else {
                if self.next_chunk(rejects) {
                    continue;
                }
                return Ok(false);
            };
            self.last_record = self.last_record.max(id);
            let result = match rendered {
                Err(e) => Err(RecordError::Malformed { what: "EVTX record", detail: RecordError::quote(&e) }),
                Ok(xml) => match std::str::from_utf8(&xml) {
                    Err(_) => Err(RecordError::NotUtf8),
                    Ok(xml) => parse_event(xml, &mut self.ev).and_then(|()| map(&self.ev, NAME, out)),
                },
            };
            match result {
                Ok(()) => return Ok(true),
                Err(e) => rejects.push(&self.source, id, e),
            }
        }
    }
}
