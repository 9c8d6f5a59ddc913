//! The pcap reader (link, IP, UDP/TCP reassembly, DNS) on arbitrary captures.
#![no_main]
use event::{DnsEvent, Event};
use formats::{open_reader, ReadOptions, Rejects, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let src = Source { name: "fuzz".into(), path: None, reader: Box::new(std::io::Cursor::new(data.to_vec())) };
    let Ok((_, mut r)) = open_reader(src, Some("pcap"), &ReadOptions::default()) else { return };
    let mut out = Event::Dns(DnsEvent::default());
    let mut rejects = Rejects::default();
    while let Ok(true) = r.read(&mut out, &mut rejects) {}
});
