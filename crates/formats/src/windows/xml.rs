//! Exported Windows event XML (`winevent-xml`): `wevtutil qe LOG /f:xml` (events back to back,
//! often on one line, no root element), Event Viewer "Save as XML" / `wevtutil /f:RenderedXml`
//! (`<Events>` root, `<RenderingInfo>` ignored), `Get-WinEvent | % ToXml`.
//!
//! Events are cut out of the byte stream at `<Event ` / `</Event>` before XML parsing (event
//! names, `<EventData>` etc., never match, and `<` cannot appear unescaped in XML text), so one
//! broken event is one reject and never swallows the next: an `<Event` that starts before the
//! previous one closed rejects the previous one as truncated. Anything between events other
//! than whitespace, `<?xml?>`, comments and `<Events>`/`</Events>` is rejected as garbage.
//! Line numbers are those of each `<Event` tag. UTF-16 input (what PowerShell 5 redirection
//! writes) is recognised by its BOM and transcoded.

use super::split::EventSplitter;
use super::utf16::decode_bom;
use super::{map::map, WinEvent};
use crate::{EventReader, FormatSpec, InputError, ReadOptions, RecordError, Rejects, Source};
use event::{Event, Timestamp};
use memchr::memmem;
use quick_xml::events::Event as X;
use std::io::{self, BufRead};
use std::sync::Arc;

pub static SPEC: FormatSpec = FormatSpec {
    name: "winevent-xml",
    description: "Windows events exported as XML (wevtutil qe /f:xml, Event Viewer Save as XML)",
    sniff,
    open,
};

const NAME: &str = "winevent-xml";

fn sniff(head: &[u8]) -> u8 {
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        let le: Vec<u8> = head.iter().skip(2).step_by(2).copied().collect();
        let be: Vec<u8> = head.iter().skip(3).step_by(2).copied().collect();
        return sniff(&le).max(sniff(&be)).min(80);
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
    if head[start..].first() != Some(&b'<') {
        return 0;
    }
    let ev = memmem::find(head, b"<Event xmlns=").is_some() || memmem::find(head, b"<Event>").is_some();
    if ev || memmem::find(head, b"<Events>").is_some() {
        90
    } else {
        0
    }
}

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    Ok(Box::new(XmlReader::new(source, opts)))
}

/// Which part of the event the parser is in.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    Other,
    System,
    EventData,
    UserData,
}

fn xml_err(e: impl std::fmt::Display) -> RecordError {
    RecordError::Malformed { what: "XML", detail: RecordError::quote(&e.to_string()) }
}

fn push_ref(out: &mut String, r: &quick_xml::events::BytesRef<'_>) -> Result<(), RecordError> {
    if let Some(c) = r.resolve_char_ref().map_err(xml_err)? {
        out.push(c);
        return Ok(());
    }
    let s = match &**r {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Err(xml_err(format!("unknown entity &{other};"))),
    };
    out.push_str(s);
    Ok(())
}

/// Parses one `<Event>` element into `ev`.
pub fn parse_event(xml: &str, ev: &mut WinEvent) -> Result<(), RecordError> {
    ev.clear();
    let mut r = quick_xml::Reader::from_str(xml);
    let mut part = Part::Other;
    let mut depth = 0usize;
    // Element whose text is being collected: (depth, target). Target 1-5 = System fields.
    let mut text_for: Option<(usize, u8)> = None;
    let mut text = String::new();
    let mut saw_event_id = false;
    loop {
        let e = r.read_event().map_err(xml_err)?;
        match e {
            X::Start(ref s) | X::Empty(ref s) => {
                let empty = matches!(e, X::Empty(_));
                let name = s.local_name();
                let name = name.as_ref();
                if !empty {
                    depth += 1;
                }
                let d = if empty { depth + 1 } else { depth };
                match (d, part, name) {
                    (2, _, "System") => part = Part::System,
                    (2, _, "EventData") => part = Part::EventData,
                    (2, _, "UserData") => part = Part::UserData,
                    (2, _, _) => part = Part::Other,
                    (3, Part::System, "Provider") => {
                        for a in s.attributes().flatten() {
                            if a.key.local_name().as_ref() == "Name" {
                                ev.provider.push_str(&a.normalized_value(Default::default()).map_err(xml_err)?);
                            }
                        }
                    }
                    (3, Part::System, "TimeCreated") => {
                        for a in s.attributes().flatten() {
                            if a.key.local_name().as_ref() == "SystemTime" {
                                let v = a.normalized_value(Default::default()).map_err(xml_err)?;
                                ev.time = Some(
                                    Timestamp::parse_rfc3339(&v)
                                        .ok_or_else(|| RecordError::BadTimestamp(RecordError::quote(&v)))?,
                                );
                            }
                        }
                    }
                    (3, Part::System, "Security") => {
                        for a in s.attributes().flatten() {
                            if a.key.local_name().as_ref() == "UserID" {
                                ev.user_sid.push_str(&a.normalized_value(Default::default()).map_err(xml_err)?);
                            }
                        }
                    }
                    (3, Part::System, field) => {
                        let t = match field {
                            "EventID" => 1,
                            "Channel" => 2,
                            "Computer" => 3,
                            "EventRecordID" => 4,
                            _ => 0,
                        };
                        if t > 0 && !empty {
                            text.clear();
                            text_for = Some((d, t));
                        }
                    }
                    (3, Part::EventData, "Data") | (4, Part::UserData, _) => {
                        let mut named = false;
                        if part == Part::EventData {
                            for a in s.attributes().flatten() {
                                if a.key.local_name().as_ref() == "Name" {
                                    let v = a.normalized_value(Default::default()).map_err(xml_err)?;
                                    let (n, _) = ev.slot();
                                    n.push_str(&v);
                                    named = true;
                                }
                            }
                        } else {
                            let (n, _) = ev.slot();
                            n.push_str(name);
                            named = true;
                        }
                        if !named {
                            let k = ev.next_unnamed();
                            let (n, _) = ev.slot();
                            n.push_str("param");
                            n.push_str(&k.to_string());
                        }
                        if !empty {
                            text.clear();
                            text_for = Some((d, 9));
                        }
                    }
                    _ => {}
                }
            }
            X::Text(t) if text_for.is_some() => text.push_str(&t.xml10_content()),
            X::GeneralRef(rf) if text_for.is_some() => push_ref(&mut text, &rf)?,
            X::CData(c) if text_for.is_some() => text.push_str(&c.xml10_content()),
            X::End(_) => {
                if let Some((d, t)) = text_for {
                    if d == depth {
                        text_for = None;
                        match t {
                            1 => {
                                ev.event_id = text.trim().parse().map_err(|_| RecordError::BadValue {
                                    field: "EventID",
                                    value: RecordError::quote(&text),
                                })?;
                                saw_event_id = true;
                            }
                            2 => ev.channel.push_str(text.trim()),
                            3 => ev.computer.push_str(text.trim()),
                            4 => ev.record_id = text.trim().parse().ok(),
                            _ => {
                                if let Some(v) = ev.last_value() {
                                    v.push_str(&text);
                                }
                            }
                        }
                    }
                }
                depth = depth.saturating_sub(1);
                if depth == 1 {
                    part = Part::Other;
                }
                if depth == 0 {
                    break;
                }
            }
            X::Eof => return Err(RecordError::Truncated("XML ends inside <Event>")),
            _ => {}
        }
    }
    if !saw_event_id {
        return Err(RecordError::MissingField("EventID"));
    }
    if ev.provider.is_empty() {
        return Err(RecordError::MissingField("Provider"));
    }
    Ok(())
}

/// Reader for the `winevent-xml` format.
pub struct XmlReader {
    split: Option<EventSplitter>,
    pending: Option<(Box<dyn BufRead + Send>, Arc<str>, usize)>,
    ev: WinEvent,
    source: Arc<str>,
}

impl XmlReader {
    pub fn new(source: Source, opts: &ReadOptions) -> Self {
        let name = source.name.clone();
        XmlReader {
            split: None,
            pending: Some((source.reader, name.clone(), opts.max_record)),
            ev: WinEvent::default(),
            source: name,
        }
    }
}

impl EventReader for XmlReader {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        if let Some((reader, name, max)) = self.pending.take() {
            self.split = Some(EventSplitter::new(decode_bom(reader)?, name, max));
        }
        let Some(split) = self.split.as_mut() else { return Ok(false) };
        while let Some((line, range)) = split.next_event(rejects)? {
            let result = match std::str::from_utf8(split.bytes(range)) {
                Err(_) => Err(RecordError::NotUtf8),
                Ok(xml) => parse_event(xml, &mut self.ev).and_then(|()| map(&self.ev, NAME, out)),
            };
            match result {
                Ok(()) => return Ok(true),
                Err(e) => rejects.push(&self.source, line, e),
            }
        }
        Ok(false)
    }
}
