//! Live dnstap: a Frame Streams receiver on a unix or TCP socket, as `fstrm_capture` is, that
//! BIND (`dnstap-output unix`), Unbound, Knot and dnsdist stream to.
//!
//! Each accepted connection runs on its own thread: the bidirectional handshake (READY → ACCEPT
//! for `protobuf:dnstap.Dnstap`), then START, data frames, STOP → FINISH
//! ([`crate::wire::fstrm_bidi`]), each frame decoded on that thread into [`DnsEvent`]s with the
//! connection's own zone-transfer tracking, and every result sent as a [`LiveItem`] into one
//! bounded channel that the caller's single engine thread reads. A full channel blocks the
//! connection threads, and so (through the socket) the senders: nothing is dropped.
//!
//! Protocol violations are reported as rejects located at `<listener>#<connection>` and frame
//! number: a data frame over the maximum length is skipped (the stream stays in sync); anything
//! else (no READY, a READY without our content type, a bad control frame, truncation, a
//! connection lost before STOP) closes that connection only. The listener keeps serving the
//! others, and a sender that reconnects is simply a new connection. Beyond
//! [`LiveConfig::max_connections`] concurrent connections a new one is refused (closed at once,
//! reported).

use crate::dnstap::map_frame;
use crate::wire::dnsmap::DnsMapper;
use crate::wire::fstrm::{self, FstrmError, FstrmReader, Step};
use crate::wire::fstrm_bidi;
use crate::RecordError;
use event::DnsEvent;
use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;

/// Where to listen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp(SocketAddr),
}

impl Endpoint {
    /// `--dnstap-tcp` syntax: a bare port listens on 127.0.0.1; anything else must be a full
    /// socket address (`0.0.0.0:6000`, `[::1]:6000`), so a non-loopback address is only ever
    /// used when written out.
    pub fn parse_tcp(s: &str) -> Result<Endpoint, String> {
        if let Ok(port) = s.parse::<u16>() {
            return Ok(Endpoint::Tcp(SocketAddr::from(([127, 0, 0, 1], port))));
        }
        s.parse::<SocketAddr>()
            .map(Endpoint::Tcp)
            .map_err(|_| format!("`{s}` is neither a port nor an address:port such as 127.0.0.1:6000"))
    }
}

/// Limits of a live listener.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// Longest data frame accepted (bytes); a longer one is skipped and reported.
    pub max_frame: usize,
    /// Most connections served at once.
    pub max_connections: usize,
    /// `Computer` for messages without a dnstap `identity`.
    pub server: Option<String>,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig { max_frame: 1 << 20, max_connections: 256, server: None }
    }
}

/// What the connection threads report.
#[derive(Debug)]
pub enum LiveItem {
    /// An event decoded from connection `source`.
    Event {
        source: Arc<str>,
        event: Box<DnsEvent>,
    },
    /// A frame or connection that broke the protocol or could not be decoded; `frame` counts
    /// the connection's frames (0 for the handshake).
    Reject {
        source: Arc<str>,
        frame: u64,
        error: RecordError,
    },
    Opened {
        source: Arc<str>,
    },
    /// The connection ended: `clean` after STOP (FINISH sent, or the sender already gone),
    /// otherwise after an error.
    Closed {
        source: Arc<str>,
        clean: bool,
    },
}

enum Bound {
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// A bound socket, not yet serving.
pub struct Listener {
    bound: Bound,
    name: Arc<str>,
    path: Option<PathBuf>,
}

impl Listener {
    /// Binds `ep`. A unix socket path left behind by a dead process is replaced; one that a
    /// live process still accepts on, or a path that is not a socket, is an error.
    pub fn bind(ep: &Endpoint) -> io::Result<Listener> {
        match ep {
            Endpoint::Unix(path) => {
                clear_stale_socket(path)?;
                let l = UnixListener::bind(path)?;
                Ok(Listener {
                    bound: Bound::Unix(l),
                    name: format!("unix:{}", path.display()).into(),
                    path: Some(path.clone()),
                })
            }
            Endpoint::Tcp(addr) => {
                let l = TcpListener::bind(addr)?;
                let name = format!("tcp:{}", l.local_addr()?).into();
                Ok(Listener { bound: Bound::Tcp(l), name, path: None })
            }
        }
    }

    /// `unix:PATH` or `tcp:ADDR:PORT` with the port actually bound.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// The unix socket's path, to remove when done.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Accepts connections forever on a new thread, one thread per connection, all sending to
    /// `tx`. The thread ends when `tx`'s receiver is gone.
    pub fn spawn(self, cfg: LiveConfig, tx: SyncSender<LiveItem>) -> io::Result<std::thread::JoinHandle<()>> {
        let cfg = Arc::new(cfg);
        let live = Arc::new(AtomicUsize::new(0));
        std::thread::Builder::new().name(format!("accept {}", self.name)).spawn(move || {
            let mut n = 0u64;
            loop {
                let conn = match &self.bound {
                    Bound::Unix(l) => l.accept().map(|(s, _)| Conn::Unix(s)),
                    Bound::Tcp(l) => l.accept().map(|(s, _)| Conn::Tcp(s)),
                };
                let Ok(conn) = conn else {
                    // Out of descriptors and the like: do not spin.
                    std::thread::sleep(std::time::Duration::from_millis(50));
                    continue;
                };
                n += 1;
                let source: Arc<str> = format!("{}#{n}", self.name).into();
                if live.load(Ordering::Relaxed) >= cfg.max_connections {
                    let error = RecordError::Malformed {
                        what: "connection",
                        detail: format!("refused: already {} connections", cfg.max_connections),
                    };
                    if tx.send(LiveItem::Reject { source, frame: 0, error }).is_err() {
                        return;
                    }
                    continue;
                }
                live.fetch_add(1, Ordering::Relaxed);
                let (tx, cfg, count) = (tx.clone(), cfg.clone(), live.clone());
                let spawned = std::thread::Builder::new().name(source.to_string()).spawn(move || {
                    serve_conn(&conn, &source, &cfg, &mut |item| tx.send(item).is_ok());
                    count.fetch_sub(1, Ordering::Relaxed);
                });
                if spawned.is_err() {
                    live.fetch_sub(1, Ordering::Relaxed);
                }
            }
        })
    }
}

/// A unix socket path may be reused if nothing accepts on it any more.
fn clear_stale_socket(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(meta) = std::fs::symlink_metadata(path) else { return Ok(()) };
    if !meta.file_type().is_socket() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} exists and is not a socket", path.display()),
        ));
    }
    if UnixStream::connect(path).is_ok() {
        return Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("{} is in use by another listener", path.display()),
        ));
    }
    std::fs::remove_file(path)
}

enum Conn {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for &Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => (&*s).read(buf),
            Conn::Tcp(s) => (&*s).read(buf),
        }
    }
}

impl Write for &Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Unix(s) => (&*s).write(buf),
            Conn::Tcp(s) => (&*s).write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Serves one connection to its end: handshake, frames, FINISH. Every event, reject and the
/// open/close notices go to `send`; when `send` returns false (nobody listens any more) the
/// connection is dropped. Works over any stream whose shared reference reads and writes.
pub fn serve_conn<S>(stream: S, source: &Arc<str>, cfg: &LiveConfig, send: &mut dyn FnMut(LiveItem) -> bool)
where
    S: Read + Write + Copy,
{
    if !send(LiveItem::Opened { source: source.clone() }) {
        return;
    }
    let mut frames = 0u64;
    let clean = match serve_frames(stream, source, cfg, &mut frames, send) {
        Ok(clean) => clean,
        Err(error) => {
            send(LiveItem::Reject { source: source.clone(), frame: frames, error });
            false
        }
    };
    send(LiveItem::Closed { source: source.clone(), clean });
}

/// Runs the protocol; `Ok(true)` after STOP → FINISH, `Ok(false)` when the receiver went away,
/// `Err` on the violation or I/O failure that closes the connection.
fn serve_frames<S>(
    mut stream: S,
    source: &Arc<str>,
    cfg: &LiveConfig,
    frames: &mut u64,
    send: &mut dyn FnMut(LiveItem) -> bool,
) -> Result<bool, RecordError>
where
    S: Read + Write + Copy,
{
    fstrm_bidi::accept(&mut stream, fstrm::DNSTAP_CONTENT_TYPE).map_err(|e| protocol("handshake", e))?;
    let mut reader =
        FstrmReader::new(BufReader::new(stream), fstrm::DNSTAP_CONTENT_TYPE, cfg.max_frame).bidirectional();
    let mut mapper = DnsMapper::new("dnstap");
    let result = loop {
        let frame = match reader.next_frame() {
            Ok(Step::Data(f)) => f,
            Ok(Step::End) => break Ok(()),
            Err(e) => {
                *frames += 1;
                match e {
                    Ok(e) if e.recoverable() => {
                        let error = RecordError::Malformed { what: "frame stream", detail: e.to_string() };
                        if !send(LiveItem::Reject { source: source.clone(), frame: *frames, error }) {
                            return Ok(false);
                        }
                        continue;
                    }
                    e => break Err(protocol("frame stream", e)),
                }
            }
        };
        *frames += 1;
        let mut ev = DnsEvent::default();
        let item = match map_frame(frame, cfg.server.as_deref(), &mut mapper, &mut ev) {
            Ok(true) => LiveItem::Event { source: source.clone(), event: Box::new(ev) },
            Ok(false) => continue,
            Err(error) => LiveItem::Reject { source: source.clone(), frame: *frames, error },
        };
        if !send(item) {
            return Ok(false);
        }
        while let Some(e) = mapper.take_evicted() {
            if !send(LiveItem::Event { source: source.clone(), event: Box::new(e) }) {
                return Ok(false);
            }
        }
    };
    // Transfers still open when the stream ends are reported (as failed), whatever the end.
    for e in mapper.finish() {
        if !send(LiveItem::Event { source: source.clone(), event: Box::new(e) }) {
            return Ok(false);
        }
    }
    result?;
    // Every frame is in once STOP is. A sender that hangs up without waiting for FINISH (Unbound
    // on shutdown, sometimes) has lost nothing.
    match fstrm_bidi::finish(&mut stream) {
        Err(e) if !matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset) => {
            Err(protocol("FINISH", Err(e)))
        }
        _ => Ok(true),
    }
}

fn protocol(what: &'static str, e: Result<FstrmError, io::Error>) -> RecordError {
    let detail = match e {
        Ok(e) => format!("{e}; connection closed"),
        Err(e) => format!("connection lost: {e}"),
    };
    RecordError::Malformed { what, detail }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_port_is_loopback_and_other_addresses_are_explicit() {
        assert_eq!(Endpoint::parse_tcp("6000"), Ok(Endpoint::Tcp("127.0.0.1:6000".parse().unwrap())));
        assert_eq!(Endpoint::parse_tcp("0.0.0.0:6000"), Ok(Endpoint::Tcp("0.0.0.0:6000".parse().unwrap())));
        assert_eq!(Endpoint::parse_tcp("[::1]:53"), Ok(Endpoint::Tcp("[::1]:53".parse().unwrap())));
        assert!(Endpoint::parse_tcp("localhost").is_err());
        assert!(Endpoint::parse_tcp("70000").is_err());
    }

    #[test]
    fn a_stale_socket_is_replaced_and_a_live_one_is_not_taken() {
        let dir = std::env::temp_dir().join(format!("rw-live-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.sock");
        drop(UnixListener::bind(&path).unwrap()); // leaves the socket file, nobody accepting
        let l = Listener::bind(&Endpoint::Unix(path.clone())).expect("stale socket replaced");
        assert_eq!(&**l.name(), format!("unix:{}", path.display()));
        let again = Listener::bind(&Endpoint::Unix(path.clone())).err().expect("in use");
        assert_eq!(again.kind(), io::ErrorKind::AddrInUse);
        drop(l);
        let file = dir.join("plain");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(Listener::bind(&Endpoint::Unix(file)).err().unwrap().kind(), io::ErrorKind::AlreadyExists);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_connection_that_hangs_up_mid_stream_is_one_reject_and_closed() {
        let (mut sender, receiver) = UnixStream::pair().unwrap();
        sender.write_all(&fstrm::control_frame(fstrm::CONTROL_READY, Some(fstrm::DNSTAP_CONTENT_TYPE))).unwrap();
        sender.write_all(&fstrm::control_frame(fstrm::CONTROL_START, Some(fstrm::DNSTAP_CONTENT_TYPE))).unwrap();
        sender.write_all(&[0, 0, 0, 9, 1, 2]).unwrap(); // a frame cut short
        sender.shutdown(std::net::Shutdown::Write).unwrap();
        let mut items = Vec::new();
        serve_conn(&receiver, &"unix:x#1".into(), &LiveConfig::default(), &mut |i| {
            items.push(i);
            true
        });
        assert!(matches!(items.first(), Some(LiveItem::Opened { .. })));
        let rejects: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                LiveItem::Reject { error, frame, .. } => Some(format!("{frame}: {error}")),
                _ => None,
            })
            .collect();
        assert_eq!(rejects.len(), 1, "{rejects:?}");
        assert!(rejects[0].contains("truncated data frame; connection closed"), "{rejects:?}");
        assert!(matches!(items.last(), Some(LiveItem::Closed { clean: false, .. })));
    }
}
