//! Several inputs read as one stream in event-time order: a k-way merge on each input's next
//! event, so correlation windows see the interleaving the servers saw. Each input may itself be
//! slightly out of order; the engine's lateness absorbs that.

use event::{Event, Record, Timestamp};
use formats::{EventReader, RecordError, Rejects};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// One opened input and what was read from it.
pub struct Input {
    pub name: Arc<str>,
    /// The file, for inputs that are files (a parallel hunt may split it).
    pub path: Option<std::path::PathBuf>,
    pub format: &'static str,
    pub reader: Box<dyn EventReader>,
    pub events: u64,
    pub rejected: u64,
}

impl Input {
    /// Records the reader passed over by design (not events, not errors).
    pub fn ignored(&self) -> u64 {
        self.reader.ignored()
    }
}

pub struct Merger {
    inputs: Vec<Input>,
    slots: Vec<Event>,
    heap: BinaryHeap<Reverse<(Timestamp, usize)>>,
    /// The input whose event was handed out last; refilled on the next call.
    pending: Option<usize>,
}

impl Merger {
    pub fn new(inputs: Vec<Input>, rejects: &mut Rejects) -> Merger {
        let n = inputs.len();
        let placeholder =
            || Event::Json(event::JsonEvent { time: Timestamp(0), value: serde_json::Value::Null, source_format: "" });
        let mut m =
            Merger { inputs, slots: (0..n).map(|_| placeholder()).collect(), heap: BinaryHeap::new(), pending: None };
        for i in 0..n {
            m.refill(i, rejects);
        }
        m
    }

    /// Reads input `i`'s next event into its slot and queues it. An I/O failure in the middle of
    /// an input (a truncated gzip stream, a vanished file) ends that input and is reported as a
    /// rejected record; the other inputs go on.
    fn refill(&mut self, i: usize, rejects: &mut Rejects) {
        if self.read(i, rejects) {
            self.heap.push(Reverse((self.slots[i].time(), i)));
        }
    }

    /// Reads input `i`'s next event into its slot; whether there was one.
    fn read(&mut self, i: usize, rejects: &mut Rejects) -> bool {
        let before = rejects.count;
        let input = &mut self.inputs[i];
        let got = match input.reader.read(&mut self.slots[i], rejects) {
            Ok(got) => got,
            Err(e) => {
                let line = input.events + input.rejected + 1;
                rejects.push(
                    &input.name,
                    line,
                    RecordError::Malformed {
                        what: "input",
                        detail: format!("read failed, rest of input skipped: {e}"),
                    },
                );
                false
            }
        };
        input.rejected += rejects.count - before;
        input.events += u64::from(got);
        got
    }

    /// The next event in time order (ties: input order), or `None` when every input is done,
    /// with its reader, which may know the rules it matches (see [`EventReader::matched`]).
    pub fn next(&mut self, rejects: &mut Rejects) -> Option<(&Event, &dyn EventReader)> {
        if let Some(i) = self.pending.take() {
            if self.inputs.len() == 1 {
                // One input (the usual hunt): its next event is the next event, and the heap,
                // emptied by the previous call, stays empty.
                if !self.read(i, rejects) {
                    return None;
                }
                self.pending = Some(i);
                return Some((&self.slots[i], self.inputs[i].reader.as_ref()));
            }
            self.refill(i, rejects);
        }
        let Reverse((_, i)) = self.heap.pop()?;
        self.pending = Some(i);
        Some((&self.slots[i], self.inputs[i].reader.as_ref()))
    }

    pub fn into_inputs(self) -> Vec<Input> {
        self.inputs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use event::DnsEvent;
    use std::io;

    struct Fixed(Vec<Result<i64, &'static str>>);
    impl EventReader for Fixed {
        fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
            loop {
                if self.0.is_empty() {
                    return Ok(false);
                }
                match self.0.remove(0) {
                    Ok(t) => {
                        *out = Event::Dns(DnsEvent { time: Timestamp(t), ..DnsEvent::default() });
                        return Ok(true);
                    }
                    Err("io") => return Err(io::Error::other("boom")),
                    Err(_) => rejects.push(&"x".into(), 1, RecordError::NotUtf8),
                }
            }
        }
    }

    fn input(name: &str, items: Vec<Result<i64, &'static str>>) -> Input {
        Input { name: name.into(), path: None, format: "test", reader: Box::new(Fixed(items)), events: 0, rejected: 0 }
    }

    #[test]
    fn merges_in_time_order_and_counts_per_input() {
        let mut rejects = Rejects::default();
        let mut m = Merger::new(
            vec![input("a", vec![Ok(1), Ok(5), Err("bad"), Ok(9)]), input("b", vec![Ok(2), Ok(3), Err("io"), Ok(100)])],
            &mut rejects,
        );
        let mut times = Vec::new();
        while let Some((e, _)) = m.next(&mut rejects) {
            times.push(e.time().0);
        }
        assert_eq!(times, [1, 2, 3, 5, 9]);
        let inputs = m.into_inputs();
        assert_eq!((inputs[0].events, inputs[0].rejected), (3, 1));
        assert_eq!((inputs[1].events, inputs[1].rejected), (2, 1));
        assert_eq!(rejects.count, 2);
        let io = rejects
            .kept
            .iter()
            .find(|r| r.error.to_string().contains("read failed"))
            .expect("the I/O failure is reported");
        assert_eq!(&*io.location.source, "b");
    }

    #[test]
    fn one_input_passes_through_in_read_order_and_counts() {
        let mut rejects = Rejects::default();
        let mut m =
            Merger::new(vec![input("a", vec![Ok(5), Err("bad"), Ok(1), Ok(7), Err("io"), Ok(9)])], &mut rejects);
        let mut times = Vec::new();
        while let Some((e, _)) = m.next(&mut rejects) {
            times.push(e.time().0);
        }
        // Out of order within an input is the engine's business (lateness), not the merge's.
        assert_eq!(times, [5, 1, 7]);
        assert!(m.next(&mut rejects).is_none(), "stays done");
        let inputs = m.into_inputs();
        assert_eq!((inputs[0].events, inputs[0].rejected), (3, 2));
        assert_eq!(rejects.count, 2);
    }
}
