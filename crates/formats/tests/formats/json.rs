//! The generic `json` format.

use super::{read_fixture, reject_lines};
use event::{Event, FieldId, FieldValue, Record};

fn field<'a>(e: &'a Event, k: &str) -> FieldValue<'a> {
    e.field(&FieldId::Other(k.into()))
}

#[test]
fn json_lines_with_each_time_key_and_unit() {
    let (ev, rej) = read_fixture("sentinel/generic.jsonl", "json");
    let times: Vec<String> = ev.iter().map(|e| e.time().to_string()).collect();
    assert_eq!(
        times,
        [
            "2026-11-27T13:14:15.500Z",
            "2026-11-27T13:14:15.250Z",
            "2026-11-27T13:14:15.123Z",
            "2026-11-27T13:14:15Z",
            "2026-11-27T13:14:15Z",
        ]
    );
    assert_eq!(field(&ev[0], "app.request.name"), FieldValue::Str("corp.example"));
    assert_eq!(ev[0].source_format(), "json");
    let got = reject_lines(&rej);
    assert_eq!(got.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [5, 7, 8], "{got:?}");
    assert_eq!(got[0].1, "missing field `@timestamp`");
    assert_eq!(got[1].1, "unrecognised record: not a JSON object");
}

#[test]
fn json_array_streamed() {
    let (ev, rej) = read_fixture("sentinel/generic_array.json", "json");
    assert_eq!(ev.len(), 2);
    assert_eq!(ev[0].time().to_string(), "2026-11-27T13:14:15.123Z");
    assert_eq!(field(&ev[0], "EventID"), FieldValue::Int(22));
    assert_eq!(field(&ev[1], "nested.k"), FieldValue::Str("v"));
    assert_eq!(reject_lines(&rej), [(4, "bad value for `time`: `time: true`".to_string())]);
}
