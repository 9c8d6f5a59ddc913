//! Malformed input: every bad record is counted and reported with its line (or record number),
//! every good one kept.

use super::{fixture, processes, read_with, tempdir};
use formats::{input, open_reader, InputError, ReadOptions, RecordError, Source};

fn lines_of(name: &str) -> Vec<String> {
    std::fs::read_to_string(fixture(name)).unwrap().lines().map(str::to_string).collect()
}

fn opts(max: usize) -> ReadOptions {
    let mut o = ReadOptions::default();
    o.max_record = max;
    o
}

/// (line, error) of every reject, all of which must have been kept.
fn reported(r: &formats::Rejects) -> Vec<(u64, RecordError)> {
    assert_eq!(r.count as usize, r.kept.len());
    r.kept.iter().map(|r| (r.location.line, r.error.clone())).collect()
}

#[test]
fn broken_xml_events_are_rejected_one_by_one() {
    let good = lines_of("sysmon1.xml");
    let mut f: Vec<u8> = Vec::new();
    let mut line = |b: &[u8]| {
        f.extend_from_slice(b);
        f.push(b'\n');
    };
    line(good[0].as_bytes()); // 1
    line(&good[1].as_bytes()[..700]); // 2: cut inside an element
    line(good[2].as_bytes()); // 3
    line(b"this is not xml at all"); // 4
    line(b""); // 5
    let mut bad_utf8 = good[3].clone().into_bytes();
    let at = bad_utf8.windows(5).position(|w| w == b"alice").unwrap();
    bad_utf8[at + 2] = 0xFF;
    line(&bad_utf8); // 6
    line(good[0].replace("<EventID>1<", "<EventID>abc<").as_bytes()); // 7
    line(good[0].replace("nslookup -type", "nslookup &bogus; -type").as_bytes()); // 8
    line(good[0].replace("</Data><Data Name='CurrentDirectory'>", "</Dat><Data Name='CurrentDirectory'>").as_bytes()); // 9
    let no_time = good[0].replace("<TimeCreated SystemTime='2026-11-27T10:00:01.1230000Z'/>", "");
    line(no_time.as_bytes()); // 10
    let huge = good[0].replace("nslookup -type=any example.com", &"A".repeat(300_000));
    line(huge.as_bytes()); // 11
    line(good[3].as_bytes()); // 12
    f.extend_from_slice(b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider"); // 13

    let dir = tempdir("bad-xml");
    let path = dir.join("broken.xml");
    std::fs::write(&path, &f).unwrap();
    let (fmt, events, rejects) = read_with(&path, None, &opts(64 * 1024));
    assert_eq!(fmt, "winevent-xml");
    let p = processes(&events);
    let cmds: Vec<_> = p.iter().map(|p| p.command_line.as_str()).collect();
    assert_eq!(cmds, ["nslookup -type=any example.com", "dig axfr @ns1 example.com", "nslookup intranet.contoso.test"]);
    let got = reported(&rejects);
    let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 4, 6, 7, 8, 9, 10, 11, 13], "{got:#?}");
    assert!(matches!(got[0].1, RecordError::Truncated(_)), "{:?}", got[0]);
    assert!(matches!(&got[1].1, RecordError::Unrecognised(s) if s == "this is not xml at all"), "{:?}", got[1]);
    assert_eq!(got[2].1, RecordError::NotUtf8);
    assert!(matches!(&got[3].1, RecordError::BadValue { field: "EventID", value } if value == "abc"), "{:?}", got[3]);
    assert!(matches!(&got[4].1, RecordError::Malformed { what: "XML", .. }), "{:?}", got[4]);
    assert!(matches!(&got[5].1, RecordError::Malformed { what: "XML", .. }), "{:?}", got[5]);
    assert_eq!(got[6].1, RecordError::MissingField("TimeCreated"));
    assert_eq!(got[7].1, RecordError::TooLong { limit: 64 * 1024 });
    assert!(matches!(got[8].1, RecordError::Truncated(_)), "{:?}", got[8]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn wrong_json_lines_are_rejected_and_good_ones_kept() {
    let good = lines_of("sysmon1-winlogbeat.ndjson");
    let huge = format!(r#"{{"winlog":{{"event_id":1,"event_data":{{"x":"{}"}}}}}}"#, "B".repeat(5000));
    let bad_pid = good[1].replace(r#""ProcessId": 5120"#, r#""ProcessId": "x12""#);
    assert_ne!(bad_pid, good[1]);
    let mut f: Vec<u8> = Vec::new();
    for l in [
        good[0].as_str(),                                                      // 1
        "garbage {",                                                           // 2
        r#"{"winlog":"string"}"#,                                              // 3
        r#"{"winlog":{"event_id":"abc","provider_name":"P"}}"#,                // 4
        r#"{"winlog":{"event_id":1,"provider_name":"P","event_data":[]}}"#,    // 5
        r#"{"@timestamp":12345,"winlog":{"event_id":1,"provider_name":"P"}}"#, // 6
        "\u{1}",                                                               // 7: replaced by bad UTF-8 below
        huge.as_str(),                                                         // 8
        "",                                                                    // 9: blank, skipped
        r#"{"foo":1}"#,                                                        // 10
        good[2].as_str(),                                                      // 11
        bad_pid.as_str(),                                                      // 12
        r#"{"Event":{"System":{"EventID":"1"}}}"#,                             // 13
        r#"{"@timestamp":"2026-11-27T10:00:00Z","winlog":{"event_id":1,"provider_name":"Microsoft-Windows-Sysmon"}}"#, // 14
    ] {
        if l == "\u{1}" {
            f.extend_from_slice(b"{\"winlog\":\"\xff\"}");
        } else {
            f.extend_from_slice(l.as_bytes());
        }
        f.push(b'\n');
    }
    let dir = tempdir("bad-json");
    let path = dir.join("broken.ndjson");
    std::fs::write(&path, &f).unwrap();
    let (fmt, events, rejects) = read_with(&path, None, &opts(4096));
    assert_eq!(fmt, "winlogbeat-json");
    let cmds: Vec<_> = processes(&events).iter().map(|p| p.command_line.clone()).collect();
    assert_eq!(cmds, ["nslookup -type=any example.com", "dig axfr @ns1 example.com"]);
    let got = reported(&rejects);
    let lines: Vec<u64> = got.iter().map(|(l, _)| *l).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10, 12, 13, 14], "{got:#?}");
    assert!(matches!(got[0].1, RecordError::Json(_)));
    assert!(matches!(got[1].1, RecordError::BadValue { field: "winlog", .. }));
    assert!(matches!(got[2].1, RecordError::BadValue { field: "EventID", .. }));
    assert!(matches!(got[3].1, RecordError::BadValue { field: "winlog.event_data", .. }));
    assert!(matches!(got[4].1, RecordError::BadTimestamp(_)));
    assert_eq!(got[5].1, RecordError::NotUtf8);
    assert_eq!(got[6].1, RecordError::TooLong { limit: 4096 });
    assert_eq!(got[7].1, RecordError::MissingField("winlog"));
    assert!(matches!(got[8].1, RecordError::BadValue { field: "ProcessId", .. }), "{:?}", got[8]);
    assert_eq!(got[9].1, RecordError::MissingField("Provider"));
    assert_eq!(got[10].1, RecordError::MissingField("Image"));
    std::fs::remove_dir_all(dir).unwrap();
}

fn open_err(src: Source, format: Option<&str>) -> String {
    match open_reader(src, format, &ReadOptions::default()) {
        Ok(_) => panic!("expected an error"),
        Err(e @ InputError::Open { .. }) => e.to_string(),
        Err(other) => panic!("unexpected error {other}"),
    }
}

#[test]
fn evtx_on_stdin_or_in_gzip_is_a_clear_error() {
    let src = Source { name: "-".into(), path: None, reader: Box::new(&b"ElfFile\0rest"[..]) };
    let msg = open_err(src, None);
    assert!(msg.contains("stdin") && msg.contains("pass its path"), "{msg}");

    let dir = tempdir("evtx-gz");
    let gz = dir.join("Security.evtx.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, b"ElfFile\0 and the rest of a log").unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let src = input::open(&input::InputPath::File(gz)).unwrap();
    let msg = open_err(src, None);
    assert!(msg.contains("gzip") && msg.contains("decompress"), "{msg}");

    let short = dir.join("short.evtx");
    std::fs::write(&short, b"ElfFile\0").unwrap();
    let src = input::open(&input::InputPath::File(short)).unwrap();
    let msg = open_err(src, Some("evtx"));
    assert!(msg.contains("short.evtx"), "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn corrupted_evtx_chunk_and_records_are_rejected_not_fatal() {
    let Some(files) = super::samples::sample_files() else { return };
    // The sample with the most records.
    let (path, want) = files
        .iter()
        .map(|p| {
            let (_, events, _) = super::read_all(p, None);
            (p.clone(), events)
        })
        .max_by_key(|(_, e)| e.len())
        .unwrap();
    assert!(want.len() > 3);
    let bytes = std::fs::read(&path).unwrap();
    let dir = tempdir("evtx-corrupt");

    // A chunk whose header magic is gone: the chunk is one reject, nothing else is lost or made up.
    let mut no_chunk = bytes.clone();
    no_chunk[4096..4104].copy_from_slice(b"XXXXXXXX");
    let p1 = dir.join("no-chunk.evtx");
    std::fs::write(&p1, &no_chunk).unwrap();
    let (_, events, rejects) = super::read_all(&p1, None);
    eprintln!("no chunk magic: {} events, rejects {:?}", events.len(), rejects.kept);
    assert_eq!(rejects.count, 1, "a lost chunk is one reject");
    assert!(matches!(rejects.kept[0].error, RecordError::Malformed { what: "EVTX chunk", .. }));
    assert!(events.iter().all(|e| want.contains(e)));

    // Records overwritten in the middle of the chunk: bad ones rejected, good ones kept.
    let mut mid = bytes.clone();
    let start = 4096 + 512 + 4000;
    for b in &mut mid[start..start + 64] {
        *b ^= 0x5A;
    }
    let p2 = dir.join("mid.evtx");
    std::fs::write(&p2, &mid).unwrap();
    let (_, events, rejects) = super::read_all(&p2, None);
    eprintln!(
        "flipped bytes: {} of {} events kept, {} rejects: {:?}",
        events.len(),
        want.len(),
        rejects.count,
        rejects.kept
    );
    assert!(rejects.count >= 1, "corruption must be reported");
    assert_eq!(events.len() as u64 + rejects.count, want.len() as u64, "every record kept or reported");
    assert_eq!(events.first(), want.first(), "records before the damage are kept");
    for e in &events {
        assert!(want.contains(e), "a damaged record was kept with made-up values: {e:?}");
    }
    let lines: Vec<u64> = rejects.kept.iter().map(|r| r.location.line).collect();
    assert!(lines.iter().all(|&l| l > 1), "rejects are numbered after the last good record: {lines:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn garbage_read_as_windows_formats_is_rejected_without_panicking() {
    let dir = tempdir("garbage");
    // Deterministic pseudo-random bytes (xorshift), with no `<Event` in them.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..300_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let path = dir.join("noise.bin");
    std::fs::write(&path, &bytes).unwrap();
    for max in [64 * 1024, 1 << 20] {
        let (_, events, rejects) = read_with(&path, Some("winevent-xml"), &opts(max));
        assert!(events.is_empty());
        assert!(rejects.count >= 1, "garbage must be reported");
        assert!(rejects.count <= (300_000 / max + 2) as u64, "{} rejects for 300 kB", rejects.count);
    }
    // As JSON lines every non-blank line is one reject.
    let lines = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty() && std::str::from_utf8(l).map_or(true, |s| !s.trim().is_empty()))
        .count();
    let (_, events, rejects) = read_with(&path, Some("winlogbeat-json"), &opts(64 * 1024));
    assert!(events.is_empty());
    assert_eq!(rejects.count, lines as u64);
    let src = input::open(&input::InputPath::File(path)).unwrap();
    let msg = open_err(src, Some("evtx"));
    assert!(msg.contains("not an EVTX file"), "{msg}");
    std::fs::remove_dir_all(dir).unwrap();
}
