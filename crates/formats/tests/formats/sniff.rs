//! Content sniffing across the formats: each fixture sniffs to its format, garbage to none.

use super::fixture;
use formats::registry::SNIFF_BYTES;

fn sniffed(bytes: &[u8]) -> Option<&'static str> {
    formats::sniff(&bytes[..bytes.len().min(SNIFF_BYTES)]).map(|f| f.name)
}

#[test]
fn every_fixture_sniffs_to_its_format() {
    let cases = [
        ("sentinel/dnsevents_portal.csv", "sentinel-csv"),
        ("sentinel/deviceprocessevents_defender.csv", "sentinel-csv"),
        ("sentinel/dnsevents_malformed.csv", "sentinel-csv"),
        ("sentinel/dnsevents_array.json", "sentinel-json"),
        ("sentinel/dnsevents.jsonl", "sentinel-json"),
        ("sentinel/dnsevents_loganalytics_api.json", "sentinel-json"),
        ("sentinel/deviceprocessevents_hunting_api.json", "sentinel-json"),
        ("sentinel/deviceprocessevents_truncated.json", "sentinel-json"),
        ("sentinel/generic.jsonl", "json"),
        ("sentinel/generic_array.json", "json"),
    ];
    for (file, want) in cases {
        let bytes = std::fs::read(fixture(file)).unwrap();
        assert_eq!(sniffed(&bytes), Some(want), "{file}");
    }
}

#[test]
fn garbage_and_other_text_sniff_to_none() {
    assert_eq!(sniffed(b""), None);
    assert_eq!(sniffed(b"\x00\x01\x02\xff\xfe garbage"), None);
    assert_eq!(sniffed(b"a,b,c\n1,2,3\n"), None);
    assert_eq!(
        sniffed(
            b"27-Nov-2026 13:14:15.123 client @0x1 192.0.2.1#5353 (corp.example): query: corp.example IN AXFR -E(0)"
        ),
        Some("bind"),
        "a BIND line is BIND's, not an export's"
    );
    assert_eq!(sniffed(b"[1,2,3]"), None);
    assert_eq!(sniffed(b"\"just a string\""), None);
}

#[test]
fn sniffing_sees_a_table_key_only_in_the_first_object() {
    let dns = br#"[{"TimeGenerated":"2026-11-27T10:00:00Z","Name":"a","QueryType":"A","ClientIP":"192.0.2.1"}]"#;
    assert_eq!(sniffed(dns), Some("sentinel-json"));
    let other = br#"[{"TimeGenerated":"2026-11-27T10:00:00Z","Name":"a"}]"#;
    assert_eq!(sniffed(other), Some("json"));
    let csv_utc = "\u{feff}\"TimeGenerated [UTC]\",Computer,ClientIP,Name,QueryType,ResultCode\r\n".as_bytes();
    assert_eq!(sniffed(csv_utc), Some("sentinel-csv"));
}
