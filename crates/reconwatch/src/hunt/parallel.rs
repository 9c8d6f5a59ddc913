//! Parallel hunting: inputs are parsed in worker threads while this thread merges their events
//! in time order and runs the engine, exactly as the single-threaded path does.
//!
//! Every input becomes a [`Stream`], an [`EventReader`] fed by its workers, so the merge and the
//! engine are unchanged and see the very same event sequence: a split file's chunks are read
//! back in file order, so the stream equals what one reader of the whole file would give. Hence
//! the alerts are identical to `--threads 1` by construction, out-of-order events included.
//!
//! A split file's chunks are claimed in file order by its workers and by this thread, which
//! parses a chunk itself when no worker has claimed it by the time it needs it (see
//! [`worker::Claims`]): `--threads n` runs `n - 1` workers for a split file, and this thread
//! takes on whatever they do not keep up with.
//!
//! Memory stays bounded: each worker owns one bounded channel of batches (about one chunk of
//! events for a split file) and one chunk buffer.

use super::chunk::{self, SplitKind};
use super::merge::Input;
use super::worker::{self, Brief, Claims, Msg, Pipe, Plan, Spent, Tx};
use anyhow::{Context, Result};
use detect::{FieldSlot, FieldTexts, Matcher};
use event::{DnsEvent, Event};
use formats::input::{self, InputPath};
use formats::{EventReader, ReadOptions, Reject, Rejects};
use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io;
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;

/// Split files are read in chunks of about this size. Small enough that the events of the chunks
/// in flight stay in the caches the consumer reads them from (1 MiB chunks made the consumer and
/// the workers each slower by a third on 2 cores), large enough that per-chunk costs vanish.
const DEFAULT_CHUNK: u64 = 256 << 10;

/// How a hunt uses threads.
#[derive(Debug, Clone, Copy)]
pub struct Threads {
    /// Parsing threads in all (1 = no threads: the single-threaded path).
    pub threads: usize,
    /// Nominal size of a chunk of a split file.
    pub chunk_bytes: u64,
}

impl Threads {
    /// From `--threads` or the config's `hunt.threads` (0 or absent: every available core).
    pub fn new(threads: Option<usize>, chunk_bytes: Option<u64>) -> Threads {
        let all = || std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = threads.filter(|&n| n > 0).unwrap_or_else(all);
        Threads { threads, chunk_bytes: chunk_bytes.unwrap_or(DEFAULT_CHUNK).max(1) }
    }
}

/// Batches in flight per worker of a whole input, besides the one it fills and the one being
/// consumed.
const DEPTH: usize = 4;
/// The shortest line a split file's queue is sized for: a chunk's workers must be able to get
/// about a chunk ahead, because its chunks are consumed in turn (while the consumer reads chunk
/// `k`, the workers of `k + 1 ..` fill their queues); a smaller queue would serialise them.
const MIN_LINE: u64 = 48;
/// Events in flight over all workers, which sets the batch size.
const EVENTS_IN_FLIGHT: usize = 64 * 1024;
/// The largest batch: a batch is a wake-up of the consumer, and 512 events a batch cost BIND
/// hunts on 2 cores a seventh of their speed (the consumer waking four times as often). A
/// batch holds whole events only for those that match a rule (see [`worker::Batch`]).
const MAX_BATCH: usize = 2048;

/// Most inputs given a thread each. Beyond it (a directory of thousands of small files) the
/// queues' events in flight would outgrow the memory bound, so the inputs are read as with
/// `--threads 1`.
const MAX_THREADED_INPUTS: usize = 1024;

/// Hands each input to worker threads; returns the inputs with their readers replaced by
/// streams. A plain (uncompressed) file of a line-oriented format, larger than two chunks, is
/// split when there are more threads than inputs.
pub fn start(
    inputs: Vec<Input>,
    cfg: Threads,
    opts: &ReadOptions,
    bytes: Option<Arc<AtomicU64>>,
    matcher: Option<Arc<Matcher>>,
) -> Result<Vec<Input>> {
    if inputs.len() > MAX_THREADED_INPUTS {
        return Ok(inputs);
    }
    let per_input = (cfg.threads / inputs.len().max(1)).max(1) as u64;
    let mut plans = Vec::with_capacity(inputs.len());
    for i in &inputs {
        plans.push(if per_input > 1 { plan(i, cfg.chunk_bytes, opts, &bytes)? } else { None });
    }
    let workers: u64 = plans.iter().map(|p| if p.is_some() { (per_input - 1).max(1) } else { 1 }).sum();
    let batch = (EVENTS_IN_FLIGHT / (workers as usize * (DEPTH + 2))).clamp(16, MAX_BATCH);
    let mut out = Vec::with_capacity(inputs.len());
    for (mut input, plan) in inputs.into_iter().zip(plans) {
        let mut stream = Stream::new(plan.clone(), matcher.clone());
        match plan {
            Some(plan) => {
                input.reader = Box::new(NoReader);
                // This thread parses too (the chunks no worker has claimed when it needs them).
                let of = (per_input - 1).clamp(1, plan.chunks.max(1));
                let depth = DEPTH.max((plan.chunk_bytes / (batch as u64 * MIN_LINE)) as usize);
                let (claims, (told, heard)) = (Arc::new(Claims::default()), mpsc::channel());
                for w in 0..of as usize {
                    let (plan, claims, told) = (plan.clone(), claims.clone(), told.clone());
                    stream.spawn(&input.name, batch, depth, move |pipe| {
                        worker::run_chunks(plan, w, claims, told, pipe)
                    })?;
                }
                stream.claims = Some((claims, heard));
                stream.own_pipe(batch);
            }
            None => {
                let reader = std::mem::replace(&mut input.reader, Box::new(NoReader));
                stream.spawn(&input.name, batch, DEPTH, move |pipe| worker::run_whole(reader, pipe))?;
            }
        }
        input.reader = Box::new(stream);
        out.push(input);
    }
    Ok(out)
}

/// The split plan for an input, if it can and should be split.
fn plan(i: &Input, chunk_bytes: u64, opts: &ReadOptions, bytes: &Option<Arc<AtomicU64>>) -> Result<Option<Arc<Plan>>> {
    let (Some(path), Some(kind)) = (&i.path, SplitKind::of_format(i.format)) else { return Ok(None) };
    let spec = formats::by_name(i.format).context("a format opened by name is in the registry")?;
    let len = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?.len();
    let chunk_bytes = chunk_bytes.max(1);
    if len < 2 * chunk_bytes {
        return Ok(None);
    }
    let (head, _) = input::peek(input::open(&InputPath::File(path.clone()))?, 64 * 1024)
        .with_context(|| format!("{}", path.display()))?;
    if !chunk::is_plain(path, &head).with_context(|| format!("{}", path.display()))? {
        return Ok(None);
    }
    let Some((prefix, prefix_lines)) = chunk::prefix(kind, &head) else { return Ok(None) };
    Ok(Some(Arc::new(Plan {
        path: path.clone(),
        name: i.name.clone(),
        spec,
        opts: opts.clone(),
        kind,
        prefix,
        prefix_lines,
        len,
        chunk_bytes,
        chunks: len.div_ceil(chunk_bytes),
        bytes_read: bytes.clone(),
    })))
}

/// Stands in for a reader handed to a worker.
struct NoReader;

impl EventReader for NoReader {
    fn read(&mut self, _: &mut Event, _: &mut Rejects) -> io::Result<bool> {
        Ok(false)
    }
}

/// One input's events as its workers send them, chunk after chunk in file order.
pub struct Stream {
    rx: Vec<Receiver<Msg>>,
    back: Vec<Sender<Spent>>,
    plan: Option<Arc<Plan>>,
    /// The chunk being read, the newlines before it, the `Begin` scan of it.
    chunk: u64,
    lines_before: u64,
    scan: chunk::Scan,
    /// The batch being read: its events, and its kept rejects by the event they came before,
    /// with the shift of their line numbers.
    events: Vec<Event>,
    len: usize,
    pos: usize,
    /// The next of `events` to hand out (briefs take no place there, see [`worker::Batch`]).
    next: usize,
    pending: VecDeque<(u32, Reject)>,
    /// The batch's rule hits (see [`worker::Batch`]), and whether the event last handed out came
    /// with its hits.
    hits: Vec<u32>,
    ends: Vec<u32>,
    matched: bool,
    /// The batch's briefs (see [`Brief`]), and whether the reader's event is one handed out
    /// from a brief (only its time and kind set).
    briefs: Vec<Option<Brief>>,
    out_brief: bool,
    /// The batch's field texts (see [`worker::Batch`]).
    texts: FieldTexts,
    matcher: Option<Arc<Matcher>>,
    shift: i64,
    ignored: u64,
    done: bool,
    /// After a chunk that cannot be parsed on its own: the rest of the file, read here, and the
    /// shift of its line numbers.
    fallback: Option<(Box<dyn EventReader>, i64)>,
    /// A split file: who claims its chunks, and the workers' claims as they tell them (chunk,
    /// worker), with those heard ahead of their turn.
    claims: Option<Claimed>,
    heard: HashMap<u64, usize>,
    /// The worker the current chunk comes from (`None`: not known yet, or parsed here).
    from: Option<usize>,
    /// The current chunk when this thread parses it: its reader and bytes; the file, and a
    /// chunk buffer for the next one.
    here: Option<Here>,
    file: Option<File>,
    buf: Vec<u8>,
    /// The pipe of the chunks this thread parses ahead while a worker's chunk is not ready, its
    /// index among the channels, and how many such chunks wait to be read.
    own: Option<(Pipe, usize)>,
    ahead: usize,
}

/// Chunks this thread parses ahead at most, waiting to be read (their events are held meanwhile).
const MAX_AHEAD: usize = 2;

/// A split file's claims, and the receiving end of the workers' (chunk, worker) claims.
type Claimed = (Arc<Claims>, Receiver<(u64, usize)>);
/// A chunk parsed on the consuming thread: its reader, and its bytes (the buffer is reused).
type Here = (Box<dyn EventReader>, Arc<Vec<u8>>);

/// Where the current chunk's events come from.
enum Source {
    Worker(usize),
    Here,
}

impl Stream {
    fn new(plan: Option<Arc<Plan>>, matcher: Option<Arc<Matcher>>) -> Stream {
        Stream {
            rx: Vec::new(),
            back: Vec::new(),
            plan,
            chunk: 0,
            lines_before: 0,
            scan: chunk::Scan::default(),
            events: Vec::new(),
            len: 0,
            pos: 0,
            next: 0,
            pending: VecDeque::new(),
            hits: Vec::new(),
            ends: Vec::new(),
            matched: false,
            briefs: Vec::new(),
            out_brief: false,
            texts: FieldTexts::default(),
            matcher,
            shift: 0,
            ignored: 0,
            done: false,
            fallback: None,
            claims: None,
            heard: HashMap::new(),
            from: None,
            here: None,
            file: None,
            buf: Vec::new(),
            own: None,
            ahead: 0,
        }
    }

    /// Sets up the channel of the chunks this thread parses ahead.
    fn own_pipe(&mut self, batch: usize) {
        let (tx, rx) = mpsc::channel();
        let (back_tx, back) = mpsc::channel();
        self.rx.push(rx);
        self.back.push(back_tx);
        let pipe = Pipe { tx: Tx::Own(tx), back, batch, matcher: self.matcher.clone() };
        self.own = Some((pipe, self.rx.len() - 1));
    }

    /// While the worker with the current chunk has nothing ready: parses the next unclaimed
    /// chunk here, into this thread's own channel, to be read in its turn. `false`: nothing to
    /// do (enough parsed ahead, or every chunk claimed).
    fn help(&mut self) -> io::Result<bool> {
        let (Some((claims, _)), Some((pipe, me)), Some(plan)) = (&self.claims, &self.own, &self.plan) else {
            return Ok(false);
        };
        if self.ahead >= MAX_AHEAD {
            return Ok(false);
        }
        let k = claims.take();
        if k >= plan.chunks {
            return Ok(false);
        }
        self.heard.insert(k, *me);
        let file = open_once(&mut self.file, &plan.path)?;
        // A failure is a `Failed` message in the pipe, reported when the chunk's turn comes.
        if let Ok(buf) = worker::run_chunk(plan, file, k, std::mem::take(&mut self.buf), pipe) {
            self.buf = buf;
        }
        self.ahead += 1;
        Ok(true)
    }

    /// The current chunk's worker's next message; while it has none, parses chunks ahead.
    fn next_msg(&mut self, w: usize) -> io::Result<Msg> {
        let gone = || io::Error::other("a reader thread stopped unexpectedly");
        loop {
            match self.rx[w].try_recv() {
                Ok(m) => return Ok(m),
                Err(TryRecvError::Disconnected) => return Err(gone()),
                Err(TryRecvError::Empty) => {
                    if !self.help()? {
                        return self.rx[w].recv().map_err(|_| gone());
                    }
                }
            }
        }
    }

    fn spawn(&mut self, name: &str, batch: usize, depth: usize, run: impl FnOnce(Pipe) + Send + 'static) -> Result<()> {
        let (tx, rx) = mpsc::sync_channel(depth);
        let (back_tx, back) = mpsc::channel();
        let matcher = self.matcher.clone();
        std::thread::Builder::new()
            .name(format!("read {name}"))
            .spawn(move || run(Pipe { tx: Tx::Bounded(tx), back, batch, matcher }))
            .context("cannot start a reader thread")?;
        self.rx.push(rx);
        self.back.push(back_tx);
        Ok(())
    }

    fn chunks(&self) -> u64 {
        self.plan.as_ref().map_or(1, |p| p.chunks)
    }

    /// Whether the chunk just begun cannot be parsed apart from the one before it.
    fn must_fall_back(&self, scan: &chunk::Scan) -> bool {
        self.plan.as_ref().is_some_and(|p| match p.kind {
            SplitKind::Lines => false,
            SplitKind::Csv => scan.odd_quotes,
            SplitKind::Zeek => scan.zeek_header,
        })
    }

    /// Stops the workers and reads the rest of the file, from the current chunk, on this thread.
    fn fall_back(&mut self) -> io::Result<()> {
        self.stop_workers();
        let plan = self.plan.as_ref().expect("only split files fall back");
        let shift = plan.line_shift(self.chunk, self.lines_before);
        self.fallback = Some((plan.open_from(self.chunk)?, shift));
        Ok(())
    }

    /// Drops this end of the channels: each worker stops at its next send. (Not joined: one
    /// may be blocked reading standard input, and it holds nothing that needs cleaning up.)
    fn stop_workers(&mut self) {
        self.rx.clear();
        self.back.clear();
    }

    /// Makes `out` the event `b` stands for: a DNS event with only its time and kind set (the
    /// other fields are cleared once, when `out` last held a whole event).
    fn hand_out_brief(&mut self, b: Brief, out: &mut Event) {
        match out {
            Event::Dns(d) if self.out_brief => (d.time, d.kind) = (b.time, b.kind),
            Event::Dns(d) => {
                d.reset();
                (d.time, d.kind) = (b.time, b.kind);
            }
            _ => *out = Event::Dns(DnsEvent { time: b.time, kind: b.kind, ..DnsEvent::default() }),
        }
        self.out_brief = true;
    }

    /// Who has the current chunk: a worker that claimed it, else this thread, which claims it.
    fn source(&mut self) -> io::Result<Source> {
        let k = self.chunk;
        let Some((claims, heard)) = &self.claims else { return Ok(Source::Worker(0)) };
        loop {
            if let Some(w) = self.heard.remove(&k) {
                return Ok(Source::Worker(w));
            }
            if claims.take_if_next(k) {
                return Ok(Source::Here);
            }
            // A worker has it, and tells so as soon as it claims it.
            let (c, w) = heard.recv().map_err(|_| io::Error::other("a reader thread stopped unexpectedly"))?;
            self.heard.insert(c, w);
        }
    }

    /// Starts parsing the current chunk on this thread (or falls back, as for a worker's chunk
    /// that cannot be parsed on its own).
    fn start_here(&mut self) -> io::Result<()> {
        let plan = self.plan.clone().expect("only split files have claims");
        let file = open_once(&mut self.file, &plan.path)?;
        let (bytes, scan) = worker::load(&plan, file, self.chunk, std::mem::take(&mut self.buf))?;
        if self.must_fall_back(&scan) {
            return self.fall_back();
        }
        self.scan = scan;
        self.shift = plan.line_shift(self.chunk, self.lines_before);
        let reader = plan.open(Box::new(chunk::SharedBytes { bytes: bytes.clone(), pos: 0 }))?;
        self.here = Some((reader, bytes));
        Ok(())
    }

    /// The chunk parsed here is done.
    fn end_here(&mut self) {
        if let Some((reader, bytes)) = self.here.take() {
            self.ignored += reader.ignored();
            drop(reader);
            self.buf = Arc::try_unwrap(bytes).unwrap_or_default();
        }
        self.end_chunk();
    }

    fn end_chunk(&mut self) {
        self.lines_before += self.scan.lines;
        self.chunk += 1;
        self.done = self.chunk == self.chunks();
        self.from = None;
    }

    fn take_rejects(from: Rejects, shift: i64, into: &mut Rejects) {
        into.count += from.count - from.kept.len() as u64;
        for r in from.kept {
            push_shifted(r, shift, into);
        }
    }

    /// Reports the current batch's rejects found before the event about to be handed out.
    fn flush_rejects(&mut self, into: &mut Rejects) {
        while self.pending.front().is_some_and(|(at, _)| *at as usize <= self.pos) {
            let (_, r) = self.pending.pop_front().expect("just looked");
            push_shifted(r, self.shift, into);
        }
    }
}

/// The file this thread reads chunks from, opened on first use.
fn open_once<'a>(file: &'a mut Option<File>, path: &std::path::Path) -> io::Result<&'a File> {
    match file {
        Some(f) => Ok(f),
        None => Ok(file.insert(File::open(path)?)),
    }
}

fn push_shifted(mut r: Reject, shift: i64, into: &mut Rejects) {
    r.location.line = (r.location.line as i64 + shift).max(0) as u64;
    into.count += 1;
    if into.kept.len() < into.keep {
        into.kept.push(r);
    }
}

impl EventReader for Stream {
    fn read(&mut self, out: &mut Event, rejects: &mut Rejects) -> io::Result<bool> {
        loop {
            self.matched = false;
            if let Some((reader, shift)) = &mut self.fallback {
                self.out_brief = false;
                let mut local = Rejects::default();
                let got = reader.read(out, &mut local);
                Self::take_rejects(local, *shift, rejects);
                return got;
            }
            if let Some((reader, _)) = &mut self.here {
                self.out_brief = false;
                let mut local = Rejects::default();
                let got = reader.read(out, &mut local);
                Self::take_rejects(local, self.shift, rejects);
                match got {
                    Ok(true) => return Ok(true),
                    Ok(false) => self.end_here(),
                    Err(e) => {
                        self.done = true;
                        self.here = None;
                        return Err(e);
                    }
                }
                continue;
            }
            self.flush_rejects(rejects);
            if self.pos < self.len {
                match self.briefs.get(self.pos).copied().flatten() {
                    Some(b) => self.hand_out_brief(b, out),
                    None => {
                        std::mem::swap(out, &mut self.events[self.next]);
                        self.next += 1;
                        self.out_brief = false;
                    }
                }
                self.pos += 1;
                self.matched = self.ends.len() >= self.pos;
                return Ok(true);
            }
            if self.done {
                return Ok(false);
            }
            let w = match self.from {
                Some(w) => w,
                None => match self.source()? {
                    Source::Worker(w) => *self.from.insert(w),
                    Source::Here => {
                        self.start_here()?;
                        continue;
                    }
                },
            };
            if !self.events.is_empty() {
                let spent = Spent {
                    events: std::mem::take(&mut self.events),
                    hits: std::mem::take(&mut self.hits),
                    ends: std::mem::take(&mut self.ends),
                    briefs: std::mem::take(&mut self.briefs),
                    texts: std::mem::take(&mut self.texts),
                };
                let _ = self.back[w].send(spent);
            }
            let msg = self.next_msg(w)?;
            match msg {
                Msg::Begin(scan) => {
                    if self.must_fall_back(&scan) {
                        self.fall_back()?;
                    }
                    self.scan = scan;
                }
                Msg::Batch(b) => {
                    self.shift = self.plan.as_ref().map_or(0, |p| p.line_shift(self.chunk, self.lines_before));
                    // Rejects beyond those kept are only counted.
                    rejects.count += b.rejects.count - b.rejects.kept.len() as u64;
                    self.pending = b.at.into_iter().zip(b.rejects.kept).collect();
                    (self.events, self.len, self.pos, self.next) = (b.events, b.len, 0, 0);
                    (self.hits, self.ends, self.briefs, self.texts) = (b.hits, b.ends, b.briefs, b.texts);
                }
                Msg::End { ignored } => {
                    self.ignored += ignored;
                    if self.own.as_ref().is_some_and(|(_, me)| *me == w) {
                        self.ahead -= 1;
                    }
                    self.end_chunk();
                }
                Msg::Failed(e) => {
                    self.done = true;
                    return Err(e);
                }
            }
        }
    }

    fn ignored(&self) -> u64 {
        self.ignored + self.fallback.as_ref().map_or(0, |(r, _)| r.ignored())
    }

    fn matched(&self) -> Option<&[u32]> {
        if !self.matched {
            return None;
        }
        let i = self.pos - 1;
        let from = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.hits[from..self.ends[i] as usize])
    }

    fn matched_texts(&self) -> (&str, &[FieldSlot]) {
        if !self.matched {
            return ("", &[]);
        }
        self.texts.get(self.pos - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use event::{DnsKind, EventClass, ProcessEvent, Record, Timestamp};

    fn dns(t: i64, kind: DnsKind) -> Event {
        Event::Dns(DnsEvent {
            time: Timestamp(t),
            kind,
            name: "www.example.com".into(),
            client_ip: Some("192.0.2.7".parse().unwrap()),
            ..DnsEvent::default()
        })
    }

    #[test]
    fn only_dns_events_other_than_transfers_have_briefs() {
        let b = Brief::of(&dns(5, DnsKind::Response)).expect("a response has a brief");
        assert_eq!((b.time, b.kind), (Timestamp(5), DnsKind::Response));
        assert!(Brief::of(&dns(5, DnsKind::Transfer)).is_none(), "the outcome join reads transfers whole");
        assert!(Brief::of(&Event::Process(ProcessEvent::default())).is_none());
    }

    #[test]
    fn a_brief_is_handed_out_as_an_event_with_only_its_time_and_kind() {
        let mut s = Stream::new(None, None);
        for start in [dns(1, DnsKind::Query), Event::Process(ProcessEvent::default())] {
            let mut out = start;
            s.out_brief = false;
            s.hand_out_brief(Brief { time: Timestamp(9), kind: DnsKind::Response }, &mut out);
            assert_eq!((out.time(), out.class()), (Timestamp(9), EventClass::DnsResponse));
            let Event::Dns(d) = &out else { panic!("a brief is a DNS event") };
            assert_eq!(*d, DnsEvent { time: Timestamp(9), kind: DnsKind::Response, ..DnsEvent::default() });
            // The next brief only sets the time and kind.
            s.hand_out_brief(Brief { time: Timestamp(10), kind: DnsKind::Query }, &mut out);
            assert_eq!((out.time(), out.class()), (Timestamp(10), EventClass::DnsQuery));
        }
    }
}
