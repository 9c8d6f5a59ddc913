//! The whole dnstap reader (Frame Streams, protobuf, DNS, transfer tracking) on arbitrary files.
#![no_main]
use event::{DnsEvent, Event};
use formats::{open_reader, ReadOptions, Rejects, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = Source { name: "fuzz".into(), path: None, reader: Box::new(std::io::Cursor::new(data.to_vec())) };
    let Ok((_, mut r)) = open_reader(src, Some("dnstap"), &ReadOptions::default()) else { return };
    let mut out = Event::Dns(DnsEvent::default());
    let mut rejects = Rejects::default();
    while let Ok(true) = r.read(&mut out, &mut rejects) {}
});
