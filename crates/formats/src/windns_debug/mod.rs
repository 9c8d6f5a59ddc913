//! `windns-debug`: the Windows DNS Server debug log (`%windir%\System32\dns\dns.log`, "Debug
//! logging" in the DNS console / `Set-DnsServerDiagnostics`), one PACKET line per DNS message.
//!
//! Quirks handled:
//! - A header block (`DNS Server log file creation at …`, `Log file wrap at …`, the tab-indented
//!   `Message logging key` table) and, with "Details" logging, multi-line packet dumps
//!   (`UDP question info at …` followed by indented lines up to a blank line). Both are skipped
//!   without rejects; so are non-PACKET lines (`EVENT`, `Note`).
//! - Dates in the server's locale: `M/D/YYYY`, `D/M/YYYY`, `D.M.YYYY`, `YYYY-MM-DD`, Windows
//!   Server 2003's `YYYYMMDD`; 12-hour (`1:14:15 PM`) or 24-hour times. D/M versus M/D is decided
//!   once per file from the first MiB: the first date whose first number is > 12 means day first,
//!   whose second is > 12 means month first; with no such date, `.`-separated dates are day first
//!   and `/` ones month first (en-US, the Windows default). `ReadOptions.day_first` overrides the
//!   detection. A date impossible in the chosen order is rejected.
//! - No time zone in the file: `ReadOptions.timezone` (UTC by default, a fixed offset, or an
//!   IANA name with its DST rules) is applied.
//!   No host name either: `server` is `ReadOptions.server`, else empty.
//! - UTF-16 files (with a byte-order mark, as PowerShell 5 writes copies) are transcoded.
//! - Names as `(3)www(7)example(3)com(0)`; the `R` column (blank for queries); opcode `Q`/`N`/
//!   `U`/`?`; `[flags-hex flag-chars RCODE]`; UDP/TCP; IPv4 or IPv6 remote addresses.
//!
//! Events: a received standard query (`Rcv`, no `R`) is a `Query` with `client_ip` = the remote
//! address; a sent response (`Snd`, `R`) is a `Response` with its rcode. The two are separate
//! records of one exchange, so a query is counted once. Packets the server exchanges as a client
//! (`Snd` queries to forwarders, `Rcv` answers from them) and notify/update packets are not client
//! queries: counted in [`WinDnsReader::skipped`].

mod line;
mod utf16;

pub use line::DateOrder;

use crate::localtime::LocalZone;
use crate::{
    dns_slot, input, EventReader, FormatSpec, InputError, LineReader, ReadOptions, RecordError, Rejects, Source,
};
use event::Event;
use std::io;

pub static SPEC: FormatSpec = FormatSpec {
    name: "windns-debug",
    description: "Windows DNS Server debug log (dns.log): PACKET lines, any date locale, details dumps skipped",
    sniff,
    open,
};

/// How much of the file is scanned to decide the date order.
const DETECT_BYTES: usize = 1 << 20;

fn open(source: Source, opts: &ReadOptions) -> Result<Box<dyn EventReader>, InputError> {
    let name = source.name.to_string();
    let zone =
        LocalZone::parse(opts.timezone.as_deref()).map_err(|detail| InputError::Open { name: name.clone(), detail })?;
    let (head, mut source) =
        input::peek(source, DETECT_BYTES).map_err(|e| InputError::Open { name, detail: e.to_string() })?;
    let detected = match utf16::bom(&head) {
        Some(endian) => {
            let reader = std::mem::replace(&mut source.reader, Box::new(io::empty()));
            source.reader = Box::new(io::BufReader::new(utf16::Utf16Reader::new(reader, endian)));
            detect_order(utf16::decode_head(&head, endian).as_bytes())
        }
        None => detect_order(&head),
    };
    let order = match opts.day_first {
        Some(true) => DateOrder::DayFirst,
        Some(false) => DateOrder::MonthFirst,
        None => detected,
    };
    Ok(Box::new(WinDnsReader::new(source, opts, zone, order)))
}

/// Decides M/D versus D/M from the dates in `head` (see the module documentation).
pub fn detect_order(head: &[u8]) -> DateOrder {
    let text = String::from_utf8_lossy(head);
    let mut dotted = false;
    for l in text.lines() {
        let l = l.strip_prefix("DNS Server log file creation at ").unwrap_or(l);
        let Some(date) = l.split_whitespace().next() else { continue };
        if let Some((a, b, sep)) = line::date_parts(date) {
            if a > 12 {
                return DateOrder::DayFirst;
            }
            if b > 12 {
                return DateOrder::MonthFirst;
            }
            dotted |= sep == b'.';
        }
    }
    if dotted {
        DateOrder::DayFirst
    } else {
        DateOrder::MonthFirst
    }
}

/// Reads the debug log; see the module documentation.
pub struct WinDnsReader {
    lines: LineReader,
    server: String,
    order: DateOrder,
    zone: LocalZone,
    in_details: bool,
    skipped: u64,
}

impl WinDnsReader {
    pub fn new(source: Source, opts: &ReadOptions, zone: LocalZone, order: DateOrder) -> Self {
        WinDnsReader {
            lines: LineReader::new(source, opts),
            server: opts.server.clone().unwrap_or_default(),
            order,
            zone,
            in_details: false,
            skipped: 0,
        }
    }

    /// Valid lines that are not events (header, details dumps, non-client packets, EVENT lines).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

/// Header and details-dump lines that start at column 0.
fn is_header(l: &str) -> bool {
    l.starts_with("DNS Server log file creation at")
        || l.starts_with("Log file wrap at")
        || l.starts_with("Message logging key")
}

fn is_details_start(l: &str) -> bool {
    (l.starts_with("UDP ") || l.starts_with("TCP ")) && l.contains(" info at ")
}

impl EventReader for WinDnsReader {
    fn ignored(&self) -> u64 {
        self.skipped()
    }

    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            let Some(l) = self.lines.next_line(rejects)? else { return Ok(false) };
            if l.trim_ascii().is_empty() {
                self.in_details = false;
                continue;
            }
            let date_led = l.as_bytes()[0].is_ascii_digit();
            if (self.in_details && !date_led) || l.starts_with([' ', '\t']) || is_header(l) {
                self.skipped += 1;
                continue;
            }
            // A dump normally ends at a blank line; a date-led line ends it too, so no packet
            // line is ever swallowed by a dump.
            self.in_details = false;
            if is_details_start(l) {
                self.in_details = true;
                self.skipped += 1;
                continue;
            }
            if !date_led {
                let err = RecordError::Unrecognised(RecordError::quote(l));
                let n = self.lines.line_no();
                rejects.push(&self.lines.source, n, err);
                continue;
            }
            let ev = dns_slot(out);
            let result = line::parse(l, self.order, &self.zone, ev);
            match result {
                Ok(line::Line::Event) => {
                    ev.server.push_str(&self.server);
                    ev.source_format = SPEC.name;
                    return Ok(true);
                }
                Ok(line::Line::Skip) => self.skipped += 1,
                Err(e) => {
                    let n = self.lines.line_no();
                    rejects.push(&self.lines.source, n, e);
                }
            }
        }
    }
}

/// The header's first line is unmistakable; without it (a log that wrapped), PACKET lines with
/// a direction and a bracketed rcode are.
fn sniff(head: &[u8]) -> u8 {
    let head = &head[..head.len().min(16 * 1024)];
    let text = match utf16::bom(head) {
        Some(endian) => utf16::decode_head(head, endian).into(),
        None => String::from_utf8_lossy(head),
    };
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("DNS Server log file creation at") || text.contains("\nMessage logging key (for packets") {
        return 100;
    }
    for l in text.lines().take(200) {
        if l.contains(" PACKET ") && (l.contains(" Rcv ") || l.contains(" Snd ")) && l.contains('[') && l.contains(']')
        {
            return 90;
        }
    }
    0
}
