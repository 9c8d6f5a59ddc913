//! What every reader benchmark does: read a whole input with one format's reader.

use event::Event;
use formats::{open_reader, ReadOptions, Rejects, Source};
use std::io::Cursor;
use std::sync::Arc;

/// Reads `data` to its end as `format` and returns how many events it held. Bench inputs are clean:
/// a reject fails the benchmark.
pub fn read_all(data: &Arc<[u8]>, format: &str) -> u64 {
    let src = Source { name: "bench".into(), path: None, reader: Box::new(Cursor::new(data.clone())) };
    let (_, mut r) = open_reader(src, Some(format), &ReadOptions::default()).expect("open");
    let mut ev = Event::Dns(Default::default());
    let mut rejects = Rejects::default();
    let mut n = 0;
    while r.read(&mut ev, &mut rejects).expect("read") {
        n += 1;
        std::hint::black_box(&ev);
    }
    assert_eq!(rejects.count, 0);
    n
}
