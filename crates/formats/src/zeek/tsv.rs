//! Zeek's TSV rows: the fields of one line, split by the separator of the current header block.
//!
//! The columns most rows hold as plain text (`ts`, the addresses, the port, `qclass`, the names
//! that only back up `qtype`/`rcode`) are read from their bytes: the separators are ASCII or
//! whole UTF-8 strings, so every field is a `&str` slice, but only the columns kept as text pay
//! for one (the char-boundary checks) and for the call to [`apply`].

use super::{apply, bad, unescape, Col, Header, State, SPEC};
use crate::ipaddr::ipv4_prefix;
use crate::{dns_slot_but_extra, RecordError};
use event::{bytes_eq, DnsEvent, DnsKind, Event, QType, Rcode, Timestamp, Transport};
use std::net::IpAddr;

/// Counts the fields of a set value (`answers`) split by the set separator.
struct Fields;

impl Fields {
    fn count(line: &str, sep: &str) -> usize {
        match sep.as_bytes() {
            // Set values are short: `memchr`'s set-up would cost more.
            &[b] => {
                // Search by search (a word at a time): a vectorised count's set-up and tail
                // cost over a hundred instructions on these few bytes.
                let (mut rest, mut n) = (line.as_bytes(), 1);
                while let Some(i) = crate::split::find_byte(rest, b) {
                    (rest, n) = (&rest[i + 1..], n + 1);
                }
                n
            }
            s => memchr::memmem::find_iter(line.as_bytes(), s).count() + 1,
        }
    }
}

pub(super) fn tsv_row(
    line: &str,
    hdr: &Header,
    seps: &mut Vec<usize>,
    seconds: &mut Seconds,
    scratch: &mut String,
    out: &mut Event,
) -> Result<(), RecordError> {
    // One pass over the line finds every separator (fields are then slices between them) and
    // whether there is any escape at all (they are rare: one look spares one per field).
    let (n, line_escaped) = separators(line.as_bytes(), &hdr.sep, seps);
    // The line's end after the last separator: field `i` ends at `seps[i]`, the last one too.
    match seps.get_mut(n) {
        Some(end) => *end = line.len(),
        None => seps.push(line.len()),
    }
    let seps = &seps[..=n];
    let got = n + 1;
    if got != hdr.cols.len() {
        return Err(RecordError::FieldCount { got, want: hdr.cols.len() });
    }
    // The extras of the last row are overwritten in place (same columns, no allocation).
    let d = dns_slot_but_extra(out);
    d.source_format = SPEC.name;
    d.kind = DnsKind::Query;
    let (unset, empty) = (hdr.unset.as_bytes(), hdr.empty.as_bytes());
    let mut row = Row {
        line,
        hdr,
        line_escaped,
        unset,
        empty,
        // Most fields start with neither marker's first byte: one compare spares both `bytes_eq`.
        unset0: first(unset),
        empty0: first(empty),
        st: State::default(),
        kept: 0,
    };
    let res = match <&[usize; STANDARD_LEN]>::try_from(seps) {
        Ok(s) if hdr.standard => standard_row(&mut row, s, d, seconds, scratch),
        _ => general_row(&mut row, seps, d, seconds, scratch),
    };
    d.extra.truncate(row.kept);
    res?;
    row.st.finish(d)
}

/// The columns of [`DEFAULT_FIELDS`](super::DEFAULT_FIELDS) (Zeek 4+) a row reads.
const STANDARD_LEN: usize = 24;

/// What every column of one row reads besides its bytes.
struct Row<'a> {
    line: &'a str,
    hdr: &'a Header,
    line_escaped: bool,
    unset: &'a [u8],
    empty: &'a [u8],
    unset0: u16,
    empty0: u16,
    st: State,
    /// The extras set so far.
    kept: usize,
}

/// The used columns of any layout, as [`Header::used`] lists them.
fn general_row(
    row: &mut Row<'_>,
    seps: &[usize],
    d: &mut DnsEvent,
    seconds: &mut Seconds,
    scratch: &mut String,
) -> Result<(), RecordError> {
    let sep_len = row.hdr.sep.len();
    for &(i, col) in &row.hdr.used {
        // `seps` holds one offset per column (checked by the caller).
        let start = if i == 0 { 0 } else { seps[i - 1] + sep_len };
        column(row, i, col, start, seps[i], d, seconds, scratch)?;
    }
    Ok(())
}

/// The standard layout's used columns at their fixed places: [`column`] inlined with each
/// constant index and kind folds the kind's `match` away, and the offsets need no bounds check.
fn standard_row(
    row: &mut Row<'_>,
    seps: &[usize; STANDARD_LEN],
    d: &mut DnsEvent,
    seconds: &mut Seconds,
    scratch: &mut String,
) -> Result<(), RecordError> {
    let sep_len = row.hdr.sep.len();
    macro_rules! at {
        ($($i:literal $col:expr),*) => {$(
            let start = if $i == 0 { 0 } else { seps[$i.max(1) - 1] + sep_len };
            column(row, $i, $col, start, seps[$i], d, seconds, scratch)?;
        )*};
    }
    at!(0 Col::Ts, 1 Col::Other, 2 Col::OrigH, 3 Col::OrigP, 4 Col::RespH, 6 Col::Proto, 9 Col::Query,
        10 Col::Qclass, 12 Col::Qtype, 13 Col::QtypeName, 14 Col::Rcode, 15 Col::RcodeName, 21 Col::Answers,
        23 Col::Other);
    Ok(())
}

/// Reads column `i` (of kind `col`), the bytes `start..end` of the row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn column(
    row: &mut Row<'_>,
    i: usize,
    col: Col,
    start: usize,
    end: usize,
    d: &mut DnsEvent,
    seconds: &mut Seconds,
    scratch: &mut String,
) -> Result<(), RecordError> {
    let raw = &row.line.as_bytes()[start..end];
    let head = first(raw);
    if head == row.unset0 && bytes_eq(raw, row.unset) {
        return Ok(());
    }
    if head == row.empty0 && bytes_eq(raw, row.empty) {
        // An empty string or container: nothing to keep, but an empty query name is a name.
        match col {
            Col::Query => d.name.clear(),
            Col::Answers => d.answer_count = Some(0),
            _ => {}
        }
        return Ok(());
    }
    let escaped = row.line_escaped && memchr::memchr(b'\\', raw).is_some();
    if !escaped && from_bytes(d, &mut row.st, seconds, col, raw) {
        return Ok(());
    }
    // Both ends follow a separator (ASCII or a whole string) or the line's ends: char
    // boundaries, this never panics.
    let raw = &row.line[start..end];
    let utf8 = !escaped || unescape(raw, scratch);
    let v = if escaped { scratch.as_str() } else { raw };
    match col {
        Col::Answers | Col::Other => {
            if col == Col::Answers {
                let n = Fields::count(raw, &row.hdr.set_sep);
                d.answer_count = Some(u32::try_from(n).unwrap_or(u32::MAX));
            }
            d.extra.put_at(row.kept, &row.hdr.cols[i].1, v);
            row.kept += 1;
            Ok(())
        }
        _ if !utf8 && col != Col::Query => Err(bad("value", raw)),
        Col::Ts => apply(d, &mut row.st, col, v).map(|()| seconds.put(v.as_bytes())),
        _ => apply(d, &mut row.st, col, v),
    }
}

/// The first byte of `b`, 256 when empty (two fields' first bytes are equal iff this is).
fn first(b: &[u8]) -> u16 {
    b.first().map_or(256, |&c| u16::from(c))
}

/// Sets the columns whose usual values are read from their (unescaped) bytes alone, as
/// [`apply`] would set them; `false` if `raw` is not such a value (then [`apply`] reads it).
#[inline(always)]
fn from_bytes(d: &mut DnsEvent, st: &mut State, seconds: &Seconds, col: Col, raw: &[u8]) -> bool {
    match col {
        Col::Ts => seconds.get(raw).map(|t| (d.time, st.saw_ts) = (t, true)).is_some(),
        Col::OrigH | Col::RespH => match ipv4_prefix(raw) {
            Some((a, end)) if end == raw.len() => {
                let ip = Some(IpAddr::V4(a));
                *(if col == Col::OrigH { &mut d.client_ip } else { &mut d.server_ip }) = ip;
                true
            }
            _ => false,
        },
        Col::OrigP => digits_u16(raw).map(|p| d.client_port = Some(p)).is_some(),
        Col::Qclass => digits_u16(raw).map(|c| d.qclass = Some(c)).is_some(),
        // Numbers: what `QType::parse`/`Rcode::parse` give for plain digits.
        Col::Qtype => digits_u16(raw).map(|n| d.qtype = Some(QType(n))).is_some(),
        Col::Rcode => digits_u16(raw).map(|n| d.rcode = Some(Rcode(n))).is_some(),
        // Zeek's spellings, as `dnsutil::transport` reads them first.
        Col::Proto => {
            d.transport = Some(match raw {
                b"udp" => Transport::Udp,
                b"tcp" => Transport::Tcp,
                _ => return false,
            });
            true
        }
        // Only fallbacks, unread once `qtype`/`rcode` are set (as in `apply`).
        Col::QtypeName => d.qtype.is_some(),
        Col::RcodeName => d.rcode.is_some(),
        _ => false,
    }
}

/// 1 to 5 plain digits as a `u16` (ports, classes), in one pass (digit test and value together);
/// `None` for anything else, which `str::parse` may still read.
pub(super) fn digits_u16(b: &[u8]) -> Option<u16> {
    if b.len() > 5 {
        return None;
    }
    u16::try_from(event::decimal(b)?).ok()
}

/// The whole seconds of the last epoch `ts` read (`1795737600` of `1795737600.009002`) and their
/// time: the rows of one second then only read the fraction. What `Timestamp::from_epoch_str`
/// gives for `SECONDS.FRACTION` (1 to 12 digits, then 1 to 9).
#[derive(Default)]
pub(super) struct Seconds {
    digits: [u8; 12],
    len: usize,
    nanos: i64,
}

impl Seconds {
    /// The time of `v` if its seconds are the cached ones.
    fn get(&self, v: &[u8]) -> Option<Timestamp> {
        let n = self.len;
        if n == 0 || v.get(n) != Some(&b'.') || !bytes_eq(&v[..n], &self.digits[..n]) {
            return None;
        }
        self.nanos.checked_add(event::fraction_nanos(&v[n + 1..])?).map(Timestamp)
    }

    /// Caches the seconds of `v` if it starts with 1 to 12 digits and a dot.
    fn put(&mut self, v: &[u8]) {
        let n = v.iter().take(13).take_while(|c| c.is_ascii_digit()).count();
        if !(1..=12).contains(&n) || v.get(n) != Some(&b'.') {
            return;
        }
        let secs = v[..n].iter().fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'));
        if let Some(nanos) = secs.checked_mul(event::NANOS_PER_SEC) {
            self.digits[..n].copy_from_slice(&v[..n]);
            (self.len, self.nanos) = (n, nanos);
        }
    }
}

/// The offsets of every separator in `line` (non-overlapping, left to right) into `out[..n]`;
/// `n` and whether the line holds a backslash.
fn separators(line: &[u8], sep: &str, out: &mut Vec<usize>) -> (usize, bool) {
    match sep.as_bytes() {
        &[c] => crate::split::separators_into(line, c, out),
        many => {
            out.clear();
            out.extend(memchr::memmem::find_iter(line, many));
            (out.len(), memchr::memchr(b'\\', line).is_some())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_from_bytes_are_what_apply_reads() {
        let values = [
            "",
            "0",
            "1",
            "01",
            "28",
            "53",
            "255",
            "65535",
            "65536",
            "99999",
            "123456",
            " 1",
            "1 ",
            "+1",
            "-1",
            "1a",
            "A",
            "AAAA",
            "*",
            "NOERROR",
            "NXDOMAIN",
            "query-65280",
            "udp",
            "tcp",
            "UDP",
            " udp",
            "udp ",
            "tls",
            "10.0.0.1",
            "10.0.1.53",
            "255.255.255.255",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.",
            "01.2.3.4",
            "1.2.3.4 ",
            "::1",
            "2001:db8::1",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            "1795737600.5",
            "1795737600.009002",
            "1795737601.25",
            "1795737600",
            "1795737600.",
            "1795737600.1234567891",
            "2026-11-27T13:14:15Z",
            "é",
        ];
        let cols = [
            Col::Ts,
            Col::OrigH,
            Col::RespH,
            Col::OrigP,
            Col::Proto,
            Col::Qclass,
            Col::Qtype,
            Col::QtypeName,
            Col::Rcode,
            Col::RcodeName,
            Col::Query,
            Col::Node(0),
        ];
        let mut seconds = Seconds::default();
        seconds.put(b"1795737600.1");
        let mut fast_ones = 0;
        for set in [false, true] {
            // Set `qtype`/`rcode` first, as their columns do before the name columns.
            let start =
                DnsEvent { qtype: set.then_some(QType(1)), rcode: set.then_some(Rcode(0)), ..DnsEvent::default() };
            for col in cols {
                for v in values {
                    let (mut fast, mut fast_st) = (start.clone(), State::default());
                    if !from_bytes(&mut fast, &mut fast_st, &seconds, col, v.as_bytes()) {
                        continue;
                    }
                    fast_ones += 1;
                    let (mut slow, mut slow_st) = (start.clone(), State::default());
                    assert!(apply(&mut slow, &mut slow_st, col, v).is_ok(), "{col:?} {v:?}");
                    assert_eq!(fast, slow, "{col:?} {v:?}");
                    assert_eq!(fast_st.saw_ts, slow_st.saw_ts, "{col:?} {v:?}");
                    assert!(fast_st.qtype_name.is_none() && slow_st.qtype_name.is_none(), "{col:?} {v:?}");
                    assert!(fast_st.rcode_name.is_none() && slow_st.rcode_name.is_none(), "{col:?} {v:?}");
                }
            }
        }
        // Every fast column took some values (ts 2, addresses 3 each, numbers 8 each, ...).
        assert!(fast_ones > 60, "{fast_ones}");
    }

    #[test]
    fn standard_rows_read_as_the_general_loop_reads_them() {
        let good: [&[&str]; 24] = [
            &["1795737600.009002", "1795737600.5", "1795737601.25", "1795737600", "x", "2026-11-27T13:14:15Z"],
            &["CXApneiSpdmQboMoMG", "C\\x09d"],
            &["10.0.0.1", "10.1.5.51", "2001:db8::1", "256.1.1.1", "1.2.3"],
            &["55201", "65536", "1a", "0"],
            &["10.0.1.53", "::1", "10.0.0.1\\x20"],
            &["53"],
            &["udp", "tcp", "UDP", "icmp"],
            &["36347"],
            &["0.000812"],
            &["db0.ad.corp.example", "a\\x09b", "\\xff\\xfe", "\\x5c\\x5c.example", "é.example"],
            &["1", "255", "65536", "x"],
            &["C_INTERNET"],
            &["1", "28", "65535", "65536", "AAAA"],
            &["A", "AAAA", "*", "query-65280", "bogus"],
            &["0", "3", "NXDOMAIN", "65536"],
            &["NOERROR", "NXDOMAIN", "unassigned-11", "bogus"],
            &["F", "T"],
            &["F"],
            &["T"],
            &["T"],
            &["0"],
            &["10.4.20.78", "10.4.20.78,2001:db8::1", "a\\x2cb"],
            &["300.000000"],
            &["F", "T", "\\xe9"],
        ];
        let odd = ["-", "(empty)", "", "\\xff", "x\\", "é"];
        let standard = Header::default();
        let mut general = Header::default();
        assert!(standard.standard && standard.cols.len() == STANDARD_LEN);
        general.standard = false;
        let (mut seps_a, mut seps_b) = (Vec::new(), Vec::new());
        let (mut sec_a, mut sec_b) = (Seconds::default(), Seconds::default());
        let (mut scratch_a, mut scratch_b) = (String::new(), String::new());
        let (mut out_a, mut out_b) = (Event::Dns(DnsEvent::default()), Event::Dns(DnsEvent::default()));
        let mut seed = 1590u64;
        let mut next = |n: usize| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let (mut ok, mut errors) = (0, 0);
        for _ in 0..20_000 {
            let mut fields: Vec<&str> = good.iter().map(|vals| vals[next(vals.len())]).collect();
            for _ in 0..next(4) {
                fields[next(24)] = odd[next(odd.len())];
            }
            match next(40) {
                0 => _ = fields.pop(),
                1 => fields.push("extra"),
                _ => {}
            }
            let line = fields.join("\t");
            let a = tsv_row(&line, &standard, &mut seps_a, &mut sec_a, &mut scratch_a, &mut out_a);
            let b = tsv_row(&line, &general, &mut seps_b, &mut sec_b, &mut scratch_b, &mut out_b);
            assert_eq!(a, b, "{line:?}");
            assert_eq!(out_a, out_b, "{line:?}");
            if a.is_ok() {
                ok += 1
            } else {
                errors += 1
            }
        }
        // Both paths taken many times.
        assert!(ok > 1000 && errors > 1000, "{ok} {errors}");
    }

    #[test]
    fn set_fields_counted_as_split_counts_them() {
        let sets = ["", ",", ",,", "a", "a,b", "10.4.20.78", "10.4.20.78,2001:db8::1,10.0.0.1,", "é,é", "abcdefgh,"];
        for set in sets {
            for pad in ["", "x", "1234567", "12345678,"] {
                let v = format!("{pad}{set}{pad}");
                assert_eq!(Fields::count(&v, ","), v.split(',').count(), "{v:?}");
                assert_eq!(Fields::count(&v, ",,"), v.split(",,").count(), "{v:?}");
            }
        }
    }

    #[test]
    fn first_bytes_are_equal_iff_first() {
        for (a, b) in [("", ""), ("", "-"), ("-", "-"), ("-", "(empty)"), ("(", "(empty)"), ("\u{100}", "\u{0}")] {
            assert_eq!(first(a.as_bytes()) == first(b.as_bytes()), a.bytes().next() == b.bytes().next(), "{a:?} {b:?}");
        }
    }

    #[test]
    fn cached_seconds_give_what_from_epoch_str_gives() {
        let stamps = [
            "1795737600.009002",
            "1795737600.5",
            "1795737600.123456789",
            "1795737600.1234567891",
            "1795737600.",
            "1795737600.x",
            "1795737600",
            "1795737601.000001",
            "17957376010.1",
            "179573760.1",
            "0.1",
            "0.999999999",
            "9223372036.854775807",
            "9223372036.854775808",
            "9223372036.9",
            "9223372037.0",
            "999999999999.5",
            "1000000000000.5",
            "-1.5",
            "+1.5",
            "2026-11-27T13:14:15Z",
        ];
        let mut seconds = Seconds::default();
        for _ in 0..2 {
            for a in stamps {
                seconds.put(a.as_bytes());
                for b in stamps {
                    if let Some(t) = seconds.get(b.as_bytes()) {
                        assert_eq!(Some(t), Timestamp::from_epoch_str(b), "{b} after {a}");
                    }
                }
            }
        }
        seconds.put(b"1795737600.1");
        assert_eq!(seconds.get(b"1795737600.25"), Timestamp::from_epoch_str("1795737600.25"));
        assert!(seconds.get(b"1795737600.25").is_some());
    }
}
