//! The table of input formats. Adding a format is one module plus one line here.

use crate::{input, EventReader, InputError, ReadOptions, Source};

/// Opens a reader of one format over an input.
pub type OpenFn = fn(Source, &ReadOptions) -> Result<Box<dyn EventReader>, InputError>;

/// An input format: how to recognise it and how to read it.
pub struct FormatSpec {
    /// Name used by `--input-format` and reported in events (`SourceFormat`).
    pub name: &'static str,
    /// One line for `reconwatch formats`.
    pub description: &'static str,
    /// How sure (0 = not this format, 100 = certain) the format is of the first bytes of an
    /// input (up to [`SNIFF_BYTES`], already decompressed; may end mid-line).
    pub sniff: fn(&[u8]) -> u8,
    pub open: OpenFn,
}

/// How many bytes sniffing looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Every format, in the order `reconwatch formats` lists them. Ties in sniffing go to the earlier;
/// the generic `json` format sniffs lowest and comes last.
pub static FORMATS: &[&FormatSpec] = &[
    // The seed's tables, as exported from Sentinel / Defender.
    &crate::sentinel::csv::SPEC,
    &crate::sentinel::json::SPEC,
    // DNS servers.
    &crate::bind::SPEC,
    &crate::windns_debug::SPEC,
    &crate::coredns::SPEC,
    // DNS sensors and cloud resolvers.
    &crate::zeek::SPEC,
    &crate::suricata::SPEC,
    &crate::ecs::SPEC,
    &crate::route53::SPEC,
    // DNS on the wire: dnstap and packet captures.
    &crate::dnstap::SPEC,
    &crate::pcap::SPEC,
    &crate::pcap::SPEC_NG,
    // Windows event logs: DNS Server, Sysmon, Security.
    &crate::windows::evtx::SPEC,
    &crate::windows::xml::SPEC,
    &crate::windows::json::SPEC,
    // Endpoints.
    &crate::auditd::SPEC,
    &crate::ecs_process::SPEC,
    // Anything else that is JSON.
    &crate::json::SPEC,
];

pub fn by_name(name: &str) -> Option<&'static FormatSpec> {
    FORMATS.iter().copied().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Picks the format of `head`: the highest non-zero sniff score.
pub fn sniff(head: &[u8]) -> Option<&'static FormatSpec> {
    let mut best: Option<(&'static FormatSpec, u8)> = None;
    for f in FORMATS.iter().copied() {
        let score = (f.sniff)(head);
        if score > 0 && best.is_none_or(|(_, s)| score > s) {
            best = Some((f, score));
        }
    }
    best.map(|(f, _)| f)
}

/// Opens a reader for `source`: with the named format, or the one sniffed from its content.
pub fn open_reader(
    source: Source,
    format: Option<&str>,
    opts: &ReadOptions,
) -> Result<(&'static FormatSpec, Box<dyn EventReader>), InputError> {
    let spec = match format {
        Some(name) => by_name(name).ok_or_else(|| InputError::NoSuchFormat(name.to_string()))?,
        None => {
            let name = source.name.to_string();
            let (head, src) = input::peek(source, SNIFF_BYTES)
                .map_err(|e| InputError::Open { name: name.clone(), detail: e.to_string() })?;
            let spec = sniff(&head).ok_or_else(|| InputError::UnknownFormat { name, preview: preview(&head) })?;
            return Ok((spec, (spec.open)(src, opts)?));
        }
    };
    Ok((spec, (spec.open)(source, opts)?))
}

fn preview(head: &[u8]) -> String {
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len()).min(60);
    String::from_utf8_lossy(&head[..end]).into_owned()
}
