//! The parsing threads of a parallel hunt. A worker runs one reader (a whole input) or a share of
//! a split file's chunks (claimed in file order, see [`Claims`]), and sends its events in
//! batches over a bounded channel, each event with the detection rules it matches (the engine's
//! shared `Matcher`, run here so the consuming thread only correlates); the batches come back
//! empty for reuse, so event allocations circulate instead of being made per event.

use super::chunk::{self, Scan, SharedBytes, SplitKind};
use detect::{FieldTexts, Matcher};
use event::{DnsKind, Event, Timestamp};
use formats::{EventReader, FormatSpec, ReadOptions, Rejects, Source};
use std::fs::File;
use std::io;
use std::io::{Read, Seek};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender};
use std::sync::Arc;

/// What a worker tells the consumer, per chunk: `Begin`, then `Batch`es, then `End` (or
/// `Failed`). A whole input is one chunk.
pub enum Msg {
    Begin(Scan),
    /// Boxed: a batch is large beside the other messages.
    Batch(Box<Batch>),
    End {
        ignored: u64,
    },
    Failed(io::Error),
}

/// `len` events, and the records rejected while reading them (lines numbered within the chunk
/// as read, prefix included). `at[i]` is the event being read when `rejects.kept[i]` was found,
/// so the consumer can report it at the same point of the stream as one thread would.
///
/// An event handed over as a [`Brief`] takes no place in `events`: the worker reads the next
/// record into the same slot, so `events` holds, in order, only the events without a brief.
/// That keeps the memory a worker writes small (a few slots per batch when few events match a
/// rule) and in its own cache, as one thread reusing one event does; a slot per event made the
/// workers each slower by about half on 2 cores.
pub struct Batch {
    pub events: Vec<Event>,
    pub len: usize,
    pub rejects: Rejects,
    pub at: Vec<u32>,
    /// With a matcher: the rules each event matches, `hits[ends[i - 1]..ends[i]]` for event `i`.
    pub hits: Vec<u32>,
    pub ends: Vec<u32>,
    /// With a matcher, per event: its [`Brief`] when that is all the consumer needs of it.
    pub briefs: Vec<Option<Brief>>,
    /// With a matcher, per event: the texts of its fields that the correlations fed by its hits
    /// read, made here so that the consumer does not.
    pub texts: FieldTexts,
}

/// A DNS event that matched no rule and is not a transfer. The consumer's handling of such an
/// event depends on its time and kind only (the engine counts it by class; the outcome join
/// and `--since`/`--until` read its time), so it is handed over as these two: the event itself
/// stays in this worker's cache instead of being copied across cores.
#[derive(Debug, Clone, Copy)]
pub struct Brief {
    pub time: Timestamp,
    pub kind: DnsKind,
}

impl Brief {
    /// The brief of an event without rule hits, if it can be handed over as one.
    pub fn of(ev: &Event) -> Option<Brief> {
        match ev {
            Event::Dns(d) if d.kind != DnsKind::Transfer => Some(Brief { time: d.time, kind: d.kind }),
            _ => None,
        }
    }
}

/// A batch's allocations on their way back to its worker, to be filled again.
#[derive(Default)]
pub struct Spent {
    pub events: Vec<Event>,
    pub hits: Vec<u32>,
    pub ends: Vec<u32>,
    pub briefs: Vec<Option<Brief>>,
    pub texts: FieldTexts,
}

/// A file split into chunks, shared by its workers and by the consumer (to fall back).
pub struct Plan {
    pub path: PathBuf,
    pub name: Arc<str>,
    pub spec: &'static FormatSpec,
    pub opts: ReadOptions,
    pub kind: SplitKind,
    pub prefix: Arc<[u8]>,
    pub prefix_lines: u64,
    pub len: u64,
    pub chunk_bytes: u64,
    pub chunks: u64,
    /// The progress line's byte counter, advanced by each chunk read.
    pub bytes_read: Option<Arc<AtomicU64>>,
}

impl Plan {
    /// A reader over the file from chunk `k`'s start to its end, behind the prefix.
    pub fn open_from(&self, k: u64) -> io::Result<Box<dyn EventReader>> {
        let mut file = File::open(&self.path)?;
        let (start, _) = chunk::range(&file, self.len, self.chunk_bytes, k)?;
        io::Seek::seek(&mut file, io::SeekFrom::Start(start))?;
        let prefix = if k > 0 { self.prefix.to_vec() } else { Vec::new() };
        let reader = io::BufReader::with_capacity(256 * 1024, io::Read::chain(io::Cursor::new(prefix), file));
        self.open(Box::new(reader))
    }

    pub fn open(&self, reader: Box<dyn io::BufRead + Send>) -> io::Result<Box<dyn EventReader>> {
        let source = Source { name: self.name.clone(), path: Some(self.path.clone()), reader };
        (self.spec.open)(source, &self.opts).map_err(|e| io::Error::other(e.to_string()))
    }

    /// The reject line numbers of chunk `k` are shifted by this to number the file's lines.
    pub fn line_shift(&self, k: u64, lines_before: u64) -> i64 {
        lines_before as i64 - if k > 0 { self.prefix_lines as i64 } else { 0 }
    }
}

/// Where a pipe's messages go: a worker's bounded channel, or the consumer's own unbounded one
/// (for the chunks it parses ahead while it waits for a worker: it must never wait on itself).
pub enum Tx {
    Bounded(SyncSender<Msg>),
    Own(Sender<Msg>),
}

/// One worker's ends of its channels.
pub struct Pipe {
    pub tx: Tx,
    pub back: Receiver<Spent>,
    pub batch: usize,
    /// Evaluates the detection rules here, in the parsing thread, so the engine thread only
    /// counts and correlates.
    pub matcher: Option<Arc<Matcher>>,
}

/// The consumer is gone (the hunt ended or fell back): stop quietly.
pub struct Gone;

impl Pipe {
    fn send(&self, m: Msg) -> Result<(), Gone> {
        match &self.tx {
            Tx::Bounded(tx) => tx.send(m).map_err(|_| Gone),
            Tx::Own(tx) => tx.send(m).map_err(|_| Gone),
        }
    }

    /// Reads `reader` to its end in batches.
    fn pump(&self, reader: &mut dyn EventReader) -> Result<(), Gone> {
        loop {
            let Spent { mut events, mut hits, mut ends, mut briefs, mut texts } =
                self.back.try_recv().unwrap_or_default();
            hits.clear();
            ends.clear();
            briefs.clear();
            texts.clear();
            let mut rejects = Rejects::default();
            let (mut len, mut at) = (0, Vec::new());
            // Events kept whole (without a brief): the next record is read into `events[kept]`.
            let mut kept = 0;
            let mut failed = None;
            while len < self.batch {
                if events.len() == kept {
                    events.push(placeholder());
                }
                let got = reader.read(&mut events[kept], &mut rejects);
                at.resize(rejects.kept.len(), len as u32);
                match got {
                    Ok(true) => {
                        let mut brief = None;
                        if let Some(m) = &self.matcher {
                            let before = hits.len();
                            m.matches_prepared(&events[kept], &mut hits, &mut texts);
                            ends.push(hits.len() as u32);
                            brief = if hits.len() == before { Brief::of(&events[kept]) } else { None };
                            briefs.push(brief);
                        }
                        kept += usize::from(brief.is_none());
                        len += 1;
                    }
                    Ok(false) => break,
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let more = len == self.batch && failed.is_none();
            if len > 0 || rejects.count > 0 {
                self.send(Msg::Batch(Box::new(Batch { events, len, rejects, at, hits, ends, briefs, texts })))?;
            }
            if let Some(e) = failed {
                self.send(Msg::Failed(e))?;
                return Err(Gone);
            }
            if !more {
                return Ok(());
            }
        }
    }
}

fn placeholder() -> Event {
    Event::Json(event::JsonEvent { time: Timestamp(0), value: serde_json::Value::Null, source_format: "" })
}

/// Runs one whole input.
pub fn run_whole(mut reader: Box<dyn EventReader>, pipe: Pipe) {
    let _ = (|| -> Result<(), Gone> {
        pipe.send(Msg::Begin(Scan::default()))?;
        pipe.pump(reader.as_mut())?;
        pipe.send(Msg::End { ignored: reader.ignored() })
    })();
}

/// The chunks of a split file, claimed in file order by its workers and by the consumer, which
/// parses a chunk itself when no worker has claimed it by the time it needs it. So the consumer
/// takes on what the workers do not keep up with, and a hunt on `n` cores runs `n` threads (a
/// consumer beside `n` workers made the cores take turns).
#[derive(Default)]
pub struct Claims {
    next: AtomicU64,
}

impl Claims {
    /// The next chunk no one has claimed (a worker's next one, or one the consumer parses ahead).
    pub fn take(&self) -> u64 {
        self.next.fetch_add(1, Ordering::AcqRel)
    }

    /// The consumer's claim of chunk `k`, the one it needs next: `false` when a worker has it.
    pub fn take_if_next(&self, k: u64) -> bool {
        self.next.compare_exchange(k, k + 1, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }
}

/// Runs the chunks worker `w` claims, telling the consumer each claim (`told`) before parsing it.
pub fn run_chunks(plan: Arc<Plan>, w: usize, claims: Arc<Claims>, told: Sender<(u64, usize)>, pipe: Pipe) {
    let mut buf = Vec::new();
    let _ = (|| -> Result<(), Gone> {
        let file = File::open(&plan.path).map_err(|e| fail(&pipe, e))?;
        loop {
            let k = claims.take();
            if k >= plan.chunks {
                return Ok(());
            }
            told.send((k, w)).map_err(|_| Gone)?;
            buf = run_chunk(&plan, &file, k, std::mem::take(&mut buf), &pipe)?;
        }
    })();
}

/// Parses chunk `k` into `pipe` (`Begin`, batches, `End`; or `Failed`), reading it into `buf`'s
/// allocation, which it gives back for the next chunk.
pub fn run_chunk(plan: &Plan, file: &File, k: u64, buf: Vec<u8>, pipe: &Pipe) -> Result<Vec<u8>, Gone> {
    let (bytes, scan) = load(plan, file, k, buf).map_err(|e| fail(pipe, e))?;
    pipe.send(Msg::Begin(scan))?;
    let mut reader = plan.open(Box::new(SharedBytes { bytes: bytes.clone(), pos: 0 })).map_err(|e| fail(pipe, e))?;
    pipe.pump(reader.as_mut())?;
    pipe.send(Msg::End { ignored: reader.ignored() })?;
    drop(reader);
    Ok(Arc::try_unwrap(bytes).unwrap_or_default())
}

/// Chunk `k`'s bytes (in `buf`'s allocation) and what they say about themselves.
pub fn load(plan: &Plan, file: &File, k: u64, buf: Vec<u8>) -> io::Result<(Arc<Vec<u8>>, Scan)> {
    let bytes = fill(plan, file, k, Arc::new(buf))?;
    let mut scan = Scan::of(plan.kind, &bytes[plan.prefix.len().min(bytes.len())..]);
    if k == 0 {
        scan.lines += plan.prefix_lines;
    }
    Ok((bytes, scan))
}

fn fail(pipe: &Pipe, e: io::Error) -> Gone {
    let _ = pipe.send(Msg::Failed(e));
    Gone
}

/// Chunk `k`'s bytes, behind the prefix unless it is the first chunk (which holds it).
fn fill(plan: &Plan, file: &File, k: u64, mut bytes: Arc<Vec<u8>>) -> io::Result<Arc<Vec<u8>>> {
    let (start, end) = chunk::range(file, plan.len, plan.chunk_bytes, k)?;
    let buf = Arc::get_mut(&mut bytes).expect("a fresh buffer is not shared");
    buf.clear();
    if k > 0 {
        buf.extend_from_slice(&plan.prefix);
    }
    // Read into the buffer's spare capacity (not zeroed first: a chunk is a megabyte).
    let want = (end - start) as usize;
    buf.reserve(want);
    let mut f = file;
    f.seek(io::SeekFrom::Start(start))?;
    let got = f.take(want as u64).read_to_end(buf)?;
    if got < want {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file got shorter while being read"));
    }
    if let Some(c) = &plan.bytes_read {
        c.fetch_add(end - start, Ordering::Relaxed);
    }
    Ok(bytes)
}
