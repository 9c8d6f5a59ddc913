//! `reconwatch hunt --dnstap-socket PATH` / `--dnstap-tcp ADDR`: hunting live dnstap.
//!
//! The listeners ([`formats::dnstap::live`]) run one thread per sender connection, decoding
//! frames there and feeding one bounded channel; this module is the single engine thread that
//! reads it. The engine runs with [`Emit::WhenHeld`], so a correlation alert is written the
//! moment its condition holds instead of when its window closes, and every alert is flushed as
//! it is written ([`output::live_sink`]).
//!
//! An alert of a rule that joins transfer outcomes (the AXFR/IXFR alert) is held until the
//! server's answer to that transfer arrives, at most [`HOLD`] of wall-clock time, so it carries
//! its outcome as it does in a hunt over files; alerts behind it wait with it, keeping their
//! order.
//!
//! Correlations hold each observation for the engine's lateness (of event time) to put
//! senders' events in order; when no event has come for [`QUIET`], event time is advanced with
//! the wall clock from the newest event seen ([`detect::Engine::advance`]), so an alert whose
//! condition held is written within about lateness + [`QUIET`] even if the stream goes silent.
//!
//! Ctrl-C or SIGTERM: stop reading, take what the senders already queued (at most [`DRAIN_MAX`] items),
//! run the engine's end-of-stream flush, write the remaining alerts and the summary, exit 0.

use super::outcome::OutcomeJoin;
use super::signals;
use super::summary::{InputSummary, Summary};
use super::{detection, print_summary, time_arg, Detection, Output};
use crate::cli::HuntArgs;
use anyhow::{bail, Context, Result};
use detect::tuning::Tuning;
use detect::{Alert, Emit, Engine};
use event::{Event, Record, Timestamp};
use formats::dnstap::live::{Endpoint, Listener, LiveConfig, LiveItem};
use formats::Rejects;
use output::Sink;
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Events queued between the connection threads and the engine thread.
const QUEUE: usize = 4096;
/// How often the engine thread looks at the stop flag and the held alerts when idle.
const TICK: Duration = Duration::from_millis(100);
/// Longest wall-clock wait of an alert for its transfer outcome.
const HOLD: Duration = Duration::from_secs(2);
/// After this long without an event, event time is taken to advance with the wall clock, so
/// that correlation alerts held for lateness come out on a quiet stream.
const QUIET: Duration = Duration::from_secs(1);
/// Most items taken from the queue after a stop signal: the queue and then some.
const DRAIN_MAX: usize = 4 * QUEUE;

pub fn run(args: &HuntArgs) -> Result<()> {
    // First, before any thread exists: the signal mask is inherited.
    let stop = signals::watch().context("cannot watch for Ctrl-C and SIGTERM")?;
    let Detection { tuning, join, engine, .. } = detection(args, Emit::WhenHeld)?;
    let since = time_arg(args.since.as_deref(), "--since")?;
    let until = time_arg(args.until.as_deref(), "--until")?;
    let mut endpoints: Vec<Endpoint> = args.live.dnstap_socket.iter().cloned().map(Endpoint::Unix).collect();
    for t in &args.live.dnstap_tcp {
        endpoints.push(Endpoint::parse_tcp(t).map_err(|e| anyhow::anyhow!("--dnstap-tcp: {e}"))?);
    }
    let out = Output::new(args)?;
    let (format, color) = (out.format, out.style.color);
    let Some(sink) = output::live_sink(out.format, out.writer, out.style) else {
        bail!("--format json is one array, complete only at the end; use jsonl to stream alerts");
    };
    let cfg = LiveConfig {
        max_frame: args.live.max_frame,
        max_connections: args.live.max_connections,
        server: args.server.clone(),
    };
    let (tx, rx) = sync_channel(QUEUE);
    let mut listeners = Vec::new();
    let mut sockets = Vec::new();
    for ep in &endpoints {
        let l = Listener::bind(ep).with_context(|| format!("cannot listen on {ep:?}"))?;
        eprintln!("reconwatch: listening for dnstap on {}", l.name());
        listeners.push(l.name().clone());
        sockets.extend(l.path().map(ToOwned::to_owned));
        l.spawn(cfg.clone(), tx.clone()).context("cannot start a listener thread")?;
    }
    drop(tx);
    let mut hunt = LiveHunt::new(engine, tuning, join, sink, (since, until), &listeners);

    while stop.signal().is_none() {
        match rx.recv_timeout(TICK) {
            Ok(item) => hunt.on_item(item)?,
            Err(RecvTimeoutError::Timeout) => hunt.tick()?,
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    // Everything queued when the signal came is taken (a sender that got FINISH has all its
    // events in the queue); senders still streaming are cut off after [`DRAIN_MAX`] more.
    for _ in 0..DRAIN_MAX {
        match rx.try_recv() {
            Ok(item) => hunt.on_item(item)?,
            Err(_) => break,
        }
    }
    let summary = hunt.finish(stop.signal().unwrap_or("end of input"))?;
    for p in sockets {
        let _ = std::fs::remove_file(p);
    }
    print_summary(args, format, color, &summary)
}

/// Connections seen on one listener.
#[derive(Default)]
struct Conns {
    opened: u64,
    clean: u64,
    errored: u64,
}

/// The engine thread's state.
struct LiveHunt {
    engine: Engine,
    tuning: Tuning,
    join: OutcomeJoin,
    sink: Box<dyn Sink>,
    window: (Option<Timestamp>, Option<Timestamp>),
    fired: Vec<Alert>,
    /// Alerts raised; those before `written` are out, the rest are held for their outcome.
    alerts: Vec<Alert>,
    written: usize,
    held_since: Option<Instant>,
    /// Set when alerts were added or a transfer outcome seen: the held alerts need a look.
    recheck: bool,
    /// The newest event time seen, when it was seen, and when event time was last advanced.
    newest: Option<Timestamp>,
    last_event: Instant,
    last_advance: Instant,
    inputs: Vec<InputSummary>,
    conns: Vec<Conns>,
    rejects: Rejects,
    summary: Summary,
}

impl LiveHunt {
    fn new(
        engine: Engine,
        tuning: Tuning,
        join: OutcomeJoin,
        sink: Box<dyn Sink>,
        window: (Option<Timestamp>, Option<Timestamp>),
        listeners: &[Arc<str>],
    ) -> LiveHunt {
        let inputs = listeners
            .iter()
            .map(|n| InputSummary { name: n.to_string(), format: "dnstap (live)", events: 0, rejected: 0, ignored: 0 })
            .collect();
        LiveHunt {
            engine,
            tuning,
            join,
            sink,
            window,
            fired: Vec::new(),
            alerts: Vec::new(),
            written: 0,
            held_since: None,
            recheck: false,
            newest: None,
            last_event: Instant::now(),
            last_advance: Instant::now(),
            inputs,
            conns: listeners.iter().map(|_| Conns::default()).collect(),
            rejects: Rejects::default(),
            summary: Summary::default(),
        }
    }

    /// The listener a connection `unix:PATH#N` belongs to.
    fn listener(&self, source: &str) -> usize {
        let name = source.rsplit_once('#').map_or(source, |(l, _)| l);
        self.inputs.iter().position(|i| i.name == name).unwrap_or(0)
    }

    fn on_item(&mut self, item: LiveItem) -> Result<()> {
        match item {
            LiveItem::Event { source, event } => {
                let i = self.listener(&source);
                self.inputs[i].events += 1;
                self.on_event(Event::Dns(*event));
                return self.write_settled(false);
            }
            LiveItem::Reject { source, frame, error } => {
                let i = self.listener(&source);
                self.inputs[i].rejected += 1;
                self.rejects.push(&source, frame, error);
            }
            LiveItem::Opened { source } => {
                let i = self.listener(&source);
                self.conns[i].opened += 1;
            }
            LiveItem::Closed { source, clean } => {
                let i = self.listener(&source);
                let c = &mut self.conns[i];
                if clean {
                    c.clean += 1;
                } else {
                    c.errored += 1;
                }
            }
        }
        Ok(())
    }

    fn on_event(&mut self, ev: Event) {
        let t = ev.time();
        self.newest = self.newest.max(Some(t));
        self.last_event = Instant::now();
        if self.window.0.is_some_and(|s| t < s) || self.window.1.is_some_and(|u| t >= u) {
            self.summary.outside_time += 1;
            return;
        }
        if let Event::Dns(d) = &ev {
            self.recheck |= d.kind == event::DnsKind::Transfer;
        }
        self.join.on_event(&ev, &mut self.alerts);
        self.engine.process(&ev, &mut self.fired);
        if !self.fired.is_empty() {
            let from = self.alerts.len();
            self.keep_fired();
            self.join.on_alerts(&ev, &mut self.alerts, from);
        }
    }

    /// No event for a while: event time moves on with the wall clock (from the newest event
    /// time seen), releasing what the engine held for lateness; then the held alerts' turn.
    fn tick(&mut self) -> Result<()> {
        let quiet = self.last_event.elapsed();
        if let Some(n) = self.newest.filter(|_| quiet >= QUIET && self.last_advance.elapsed() >= QUIET) {
            self.last_advance = Instant::now();
            let t = Timestamp(n.0.saturating_add(i64::try_from(quiet.as_nanos()).unwrap_or(i64::MAX)));
            self.engine.advance(t, &mut self.fired);
            self.keep_fired();
        }
        self.write_settled(false)
    }

    fn keep_fired(&mut self) {
        self.recheck |= !self.fired.is_empty();
        for a in self.fired.drain(..) {
            if !self.tuning.suppress(&a) {
                self.alerts.push(a);
            }
        }
    }

    /// Writes every alert no longer waiting for its transfer outcome (all of them if `force`
    /// or the first held one has waited [`HOLD`]).
    fn write_settled(&mut self, force: bool) -> Result<()> {
        let len = self.alerts.len();
        // Only new alerts, a transfer outcome or the hold timer can change what may go out.
        let timed_out = self.held_since.is_some_and(|t| t.elapsed() >= HOLD);
        if self.written == len || !(force || timed_out || std::mem::take(&mut self.recheck)) {
            return Ok(());
        }
        let mut upto = if force { len } else { self.join.unsettled_from(self.written).unwrap_or(len) };
        if upto < len && self.held_since.get_or_insert_with(Instant::now).elapsed() >= HOLD {
            upto = len;
        }
        if upto == self.written {
            return Ok(());
        }
        for a in &self.alerts[self.written..upto] {
            self.sink.write_alert(a).context("cannot write an alert")?;
        }
        self.summary.count_alerts(&self.alerts[self.written..upto]);
        self.written = upto;
        self.held_since = None;
        // Nothing out there refers to these any more: free them.
        if upto == len && self.join.unsettled_from(0).is_none() {
            self.alerts.clear();
            self.written = 0;
        }
        Ok(())
    }

    /// End of stream: the engine's flush, the last alerts, the summary.
    fn finish(mut self, why: &str) -> Result<Summary> {
        self.engine.finish(&mut self.fired);
        self.keep_fired();
        self.write_settled(true)?;
        self.sink.finish().context("cannot write the alerts")?;
        let mut summary = self.summary;
        for (i, c) in self.inputs.iter().zip(&self.conns) {
            summary.notes.push(format!(
                "{}: {} connection(s): {} ended with STOP, {} closed on an error, {} open at the end ({why})",
                i.name,
                c.opened,
                c.clean,
                c.errored,
                c.opened.saturating_sub(c.clean + c.errored)
            ));
        }
        summary.inputs = self.inputs;
        summary.rejects = self.rejects;
        summary.suppressed = self.tuning.report();
        summary.engine = Some(self.engine.stats());
        Ok(summary)
    }
}
