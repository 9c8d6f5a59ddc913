//! A progress line for long hunts, on stderr when it is a terminal: bytes read of the total,
//! events/s and the time left, redrawn four times a second from a thread of its own and erased
//! at the end. Nothing is drawn in the first second (short hunts stay clean), when stderr is not
//! a terminal, or with `-q`. Alerts go to stdout only after [`Progress::finish`].
//!
//! Bytes come from the input layer's counter ([`formats::input::open_counted`]): bytes as read
//! from the files, so a compressed file counts its compressed bytes against its compressed
//! size. Events are published by the hunt loop every [`PUBLISH_EVERY`] events, so counting
//! costs one increment of a local per event.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A power of two.
const PUBLISH_EVERY: u64 = 4096;
const BAR: usize = 24;

/// Whether to show progress: only on a terminal, and never with `-q`.
pub fn wanted(quiet: bool, stderr_is_terminal: bool) -> bool {
    stderr_is_terminal && !quiet
}

/// When and how often to draw.
#[derive(Clone, Copy)]
pub struct Timing {
    pub delay: Duration,
    pub interval: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { delay: Duration::from_secs(1), interval: Duration::from_millis(250) }
    }
}

#[derive(Default)]
struct Counters {
    bytes: Arc<AtomicU64>,
    total: AtomicU64,
    events: AtomicU64,
}

/// The progress display of one hunt (inert when not wanted).
pub struct Progress {
    counters: Option<Arc<Counters>>,
    events: u64,
    stop: Option<(Sender<()>, JoinHandle<()>)>,
}

impl Progress {
    /// Starts drawing to stderr if `show`. `RECONWATCH_PROGRESS_DELAY_MS` overrides the
    /// one-second wait before the first draw (0: draw at once).
    pub fn start(show: bool) -> Self {
        if !show {
            return Progress { counters: None, events: 0, stop: None };
        }
        let mut timing = Timing::default();
        if let Some(ms) = std::env::var("RECONWATCH_PROGRESS_DELAY_MS").ok().and_then(|v| v.parse().ok()) {
            timing.delay = Duration::from_millis(ms);
        }
        Self::start_on(Box::new(std::io::stderr()), timing)
    }

    /// Starts drawing to `out`.
    pub fn start_on(mut out: Box<dyn Write + Send>, timing: Timing) -> Self {
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        let (tx, rx) = mpsc::channel::<()>();
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            let mut drawn = false;
            let mut draw = |out: &mut Box<dyn Write + Send>| {
                let line = render(
                    c.bytes.load(Ordering::Relaxed),
                    c.total.load(Ordering::Relaxed),
                    c.events.load(Ordering::Relaxed),
                    started.elapsed(),
                );
                drawn |= write!(out, "\r{line}\x1b[K").and_then(|()| out.flush()).is_ok();
            };
            // Without a delay, draw at once, however short the hunt (tests rely on it).
            if timing.delay.is_zero() {
                draw(&mut out);
            }
            let mut wait = timing.delay;
            while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(wait) {
                wait = timing.interval;
                draw(&mut out);
            }
            if drawn {
                let _ = write!(out, "\r\x1b[K").and_then(|()| out.flush());
            }
        });
        Progress { counters: Some(counters), events: 0, stop: Some((tx, handle)) }
    }

    /// The byte counter for the input layer; `None` when no progress is shown.
    pub fn byte_counter(&self) -> Option<Arc<AtomicU64>> {
        self.counters.as_ref().map(|c| c.bytes.clone())
    }

    /// Adds an input's size (compressed size for a compressed file) to the total.
    pub fn add_total(&self, bytes: u64) {
        if let Some(c) = &self.counters {
            c.total.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// Counts one event.
    #[inline]
    pub fn event(&mut self) {
        self.events += 1;
        if self.events & (PUBLISH_EVERY - 1) == 0 {
            if let Some(c) = &self.counters {
                c.events.store(self.events, Ordering::Relaxed);
            }
        }
    }

    /// Stops drawing and erases the line; call before writing anything else to the terminal.
    pub fn finish(&mut self) {
        if let Some((tx, handle)) = self.stop.take() {
            drop(tx);
            let _ = handle.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// One progress line: `[######------] 12.3 MB / 45.6 MB  27%  2.15 M events/s  ETA 0:12`.
/// Without a known total (stdin), only bytes and events/s.
pub fn render(bytes: u64, total: u64, events: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64().max(1e-3);
    let rate = events as f64 / secs;
    let rate = match rate {
        r if r >= 1e6 => format!("{:.2} M events/s", r / 1e6),
        r if r >= 1e3 => format!("{:.0} k events/s", r / 1e3),
        r => format!("{r:.0} events/s"),
    };
    if total == 0 {
        return format!("{} read  {rate}", mb(bytes));
    }
    let frac = (bytes as f64 / total as f64).clamp(0.0, 1.0);
    let filled = (frac * BAR as f64).round() as usize;
    let eta = if bytes > 0 { (secs * (total.saturating_sub(bytes)) as f64 / bytes as f64).round() as u64 } else { 0 };
    format!(
        "[{}{}] {} / {}  {:.0}%  {rate}  ETA {}:{:02}",
        "#".repeat(filled),
        "-".repeat(BAR - filled),
        mb(bytes),
        mb(total),
        frac * 100.0,
        eta / 60,
        eta % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn shown_only_on_a_terminal_and_not_quiet() {
        assert!(wanted(false, true));
        assert!(!wanted(true, true));
        assert!(!wanted(false, false));
        assert!(!wanted(true, false));
    }

    #[test]
    fn renders_bytes_rate_and_eta() {
        let l = render(25_000_000, 100_000_000, 2_000_000, Duration::from_secs(1));
        assert_eq!(l, "[######------------------] 25.0 MB / 100.0 MB  25%  2.00 M events/s  ETA 0:03");
        assert_eq!(render(3_000_000, 0, 1500, Duration::from_secs(3)), "3.0 MB read  500 events/s");
        assert!(render(100, 100, 10, Duration::from_secs(90)).ends_with("ETA 0:00"));
    }

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn draws_while_running_and_erases_at_the_end() {
        let out = Shared::default();
        let timing = Timing { delay: Duration::ZERO, interval: Duration::from_millis(5) };
        let mut p = Progress::start_on(Box::new(out.clone()), timing);
        p.add_total(1000);
        p.byte_counter().unwrap().fetch_add(500, Ordering::Relaxed);
        for _ in 0..PUBLISH_EVERY {
            p.event();
        }
        std::thread::sleep(Duration::from_millis(60));
        p.finish();
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("0.0 MB / 0.0 MB  50%"), "{text:?}");
        assert!(text.ends_with("\r\x1b[K"), "{text:?}");
    }

    #[test]
    fn a_short_run_draws_nothing() {
        let out = Shared::default();
        let mut p = Progress::start_on(Box::new(out.clone()), Timing::default());
        p.event();
        p.finish();
        assert!(out.0.lock().unwrap().is_empty());
    }
}
