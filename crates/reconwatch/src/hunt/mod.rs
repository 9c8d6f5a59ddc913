//! `reconwatch hunt`: read inputs, run the rules, report the alerts and a summary.

mod chunk;
mod live;
mod merge;
mod outcome;
mod parallel;
mod progress;
mod signals;
mod summary;
mod worker;

use crate::cli::{FormatArg, HuntArgs, WindowArg};
use crate::config::{parse_duration, Config};
use crate::rules::load_rules;
use anyhow::{bail, Context, Result};
use detect::tuning::Tuning;
use detect::{Alert, Emit, Engine, EngineConfig, WindowMode};
use event::{Record, Timestamp};
use formats::input::{self, InputPath};
use formats::{ReadOptions, Rejects};
use merge::{Input, Merger};
use output::{Format, TableStyle};
use std::io::{IsTerminal, Write};
use summary::{InputSummary, Summary};

pub fn run(args: HuntArgs) -> Result<()> {
    if args.live.is_live() {
        return live::run(&args);
    }
    let Detection { mut tuning, mut join, mut engine, config } = detection(&args, Emit::WindowTotals)?;
    let since = time_arg(args.since.as_deref(), "--since")?;
    let until = time_arg(args.until.as_deref(), "--until")?;
    if let Some(f) = &args.input_format {
        if formats::by_name(f).is_none() {
            bail!("unknown input format `{f}`; `reconwatch formats` lists them");
        }
    }

    let mut opts = ReadOptions::default();
    opts.timezone = args.timezone.clone().or(config.hunt.timezone.clone());
    opts.server = args.server.clone();
    let mut summary = Summary::default();
    let mut progress = progress::Progress::start(progress::wanted(args.quiet, std::io::stderr().is_terminal()));
    let inputs = open_inputs(&args, &opts, &mut summary, &progress)?;
    let threads = parallel::Threads::new(args.threads.or(config.hunt.threads), args.chunk_bytes);
    let inputs = if threads.threads > 1 {
        parallel::start(inputs, threads, &opts, progress.byte_counter(), Some(engine.matcher()))?
    } else {
        inputs
    };

    let mut rejects = Rejects::default();
    let mut merger = Merger::new(inputs, &mut rejects);
    let mut fired: Vec<Alert> = Vec::new();
    let mut alerts: Vec<Alert> = Vec::new();
    let keep = |fired: &mut Vec<Alert>, tuning: &mut Tuning, alerts: &mut Vec<Alert>| {
        for a in fired.drain(..) {
            if !tuning.suppress(&a) {
                alerts.push(a);
            }
        }
    };
    while let Some((ev, reader)) = merger.next(&mut rejects) {
        progress.event();
        let t = ev.time();
        if since.is_some_and(|s| t < s) || until.is_some_and(|u| t >= u) {
            summary.outside_time += 1;
            continue;
        }
        join.on_event(ev, &mut alerts);
        match reader.matched() {
            // Most events match no rule: they have no field texts to look up.
            Some(hits) if !hits.is_empty() => {
                let (text, slots) = reader.matched_texts();
                engine.process_prepared(ev, hits, text, slots, &mut fired)
            }
            Some(hits) => engine.process_matched(ev, hits, &mut fired),
            None => engine.process(ev, &mut fired),
        }
        if !fired.is_empty() {
            let from = alerts.len();
            keep(&mut fired, &mut tuning, &mut alerts);
            join.on_alerts(ev, &mut alerts, from);
        }
    }
    engine.finish(&mut fired);
    keep(&mut fired, &mut tuning, &mut alerts);
    progress.finish();

    // Newest first, as the seed's `sort by TimeGenerated desc`; ties in a stable, readable order.
    alerts.sort_by(|a, b| b.time.cmp(&a.time).then_with(|| a.rule_title.cmp(&b.rule_title)));
    summary.inputs = merger
        .into_inputs()
        .into_iter()
        .map(|i| InputSummary {
            ignored: i.ignored(),
            name: i.name.to_string(),
            format: i.format,
            events: i.events,
            rejected: i.rejected,
        })
        .collect();
    summary.rejects = rejects;
    summary.suppressed = tuning.report();
    summary.engine = Some(engine.stats());
    summary.count_alerts(&alerts);
    write_output(&args, &alerts, &summary)
}

/// What every hunt runs: the engine over the rules, the tuning, the transfer-outcome join.
struct Detection {
    tuning: Tuning,
    join: outcome::OutcomeJoin,
    engine: Engine,
    config: Config,
}

fn detection(args: &HuntArgs, emit: Emit) -> Result<Detection> {
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let rules = load_rules(!args.no_builtin_rules, &args.rules)?;
    let tuning =
        Tuning::new(&config.allow, rules.allow.iter().map(|(id, l)| (id.as_str(), l.as_slice()))).map_err(|errs| {
            anyhow::anyhow!(
                "invalid tuning in the configuration:\n  {}",
                errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
            )
        })?;
    let engine_cfg = EngineConfig { emit, ..engine_config(args, &config)? };
    let join = outcome::OutcomeJoin::new(rules.set.metas())?;
    let engine = Engine::new(rules.set, engine_cfg).map_err(|errs| {
        anyhow::anyhow!(
            "rules cannot run:\n  {}",
            errs.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n  ")
        )
    })?;
    Ok(Detection { tuning, join, engine, config })
}

fn engine_config(args: &HuntArgs, config: &Config) -> Result<EngineConfig> {
    let window = match (args.window, config.hunt.window.as_deref()) {
        (Some(WindowArg::Sliding), _) | (None, None | Some("sliding")) => WindowMode::Sliding,
        (Some(WindowArg::Tumbling), _) | (None, Some("tumbling")) => WindowMode::Tumbling,
        (None, Some(other)) => bail!("config: hunt.window must be `sliding` or `tumbling`, not `{other}`"),
    };
    let mut cfg = EngineConfig { window, ..EngineConfig::default() };
    if let Some(l) = &config.hunt.lateness {
        cfg.lateness = parse_duration(l).context("config: hunt.lateness")?;
    }
    if let Some(n) = config.hunt.max_groups {
        cfg.max_groups = n;
    }
    if let Some(n) = config.hunt.max_values_per_group {
        cfg.max_values_per_group = n;
    }
    cfg.zones = detect::Zones::new(&config.zones).context("config: zones")?;
    Ok(cfg)
}

fn time_arg(v: Option<&str>, flag: &str) -> Result<Option<Timestamp>> {
    v.map(|s| {
        Timestamp::parse_rfc3339(s)
            .with_context(|| format!("{flag} `{s}`: expected an RFC 3339 time such as 2026-11-27T00:00:00Z"))
    })
    .transpose()
}

/// Opens every input. A path that cannot be read stops the run; so does a file named on the
/// command line whose format cannot be told. A file found inside a directory whose format cannot
/// be told is skipped and reported.
fn open_inputs(
    args: &HuntArgs,
    opts: &ReadOptions,
    summary: &mut Summary,
    progress: &progress::Progress,
) -> Result<Vec<Input>> {
    let named: Vec<InputPath> = args
        .paths
        .iter()
        .map(|p| if p.as_os_str() == "-" { InputPath::Stdin } else { InputPath::File(p.clone()) })
        .collect();
    let mut inputs = Vec::new();
    for path in input::expand_paths(&args.paths)? {
        if let InputPath::File(p) = &path {
            progress.add_total(std::fs::metadata(p).map_or(0, |m| m.len()));
        }
        let source = input::open_counted(&path, progress.byte_counter())?;
        match formats::open_reader(source, args.input_format.as_deref(), opts) {
            Ok((spec, reader)) => inputs.push(Input {
                name: path.display_name().into(),
                path: match &path {
                    InputPath::File(p) => Some(p.clone()),
                    InputPath::Stdin => None,
                },
                format: spec.name,
                reader,
                events: 0,
                rejected: 0,
            }),
            Err(e @ formats::InputError::UnknownFormat { .. }) if !named.contains(&path) => {
                summary.skipped.push(e.to_string())
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(inputs)
}

fn write_output(args: &HuntArgs, alerts: &[Alert], summary: &Summary) -> Result<()> {
    let out = Output::new(args)?;
    let mut sink = output::sink(out.format, out.writer, out.style);
    for a in alerts {
        sink.write_alert(a)?;
    }
    sink.finish()?;
    drop(sink);
    print_summary(args, out.format, out.style.color, summary)
}

/// Where and how alerts are written.
struct Output {
    format: Format,
    writer: Box<dyn Write>,
    style: TableStyle,
}

impl Output {
    fn new(args: &HuntArgs) -> Result<Output> {
        let stdout_tty = std::io::stdout().is_terminal();
        let format = match args.format {
            Some(FormatArg::Table) => Format::Table,
            Some(FormatArg::Jsonl) => Format::Jsonl,
            Some(FormatArg::Json) => Format::Json,
            Some(FormatArg::Csv) => Format::Csv,
            None if stdout_tty && args.output.is_none() => Format::Table,
            None => Format::Jsonl,
        };
        let to_terminal = args.output.is_none() && stdout_tty;
        let color = match args.color.as_str() {
            "always" => true,
            "never" => false,
            _ => to_terminal && std::env::var_os("NO_COLOR").is_none(),
        };
        let width = if to_terminal { terminal_width() } else { 0 };
        let writer: Box<dyn Write> = match &args.output {
            Some(p) => Box::new(std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?),
            None => Box::new(std::io::stdout().lock()),
        };
        Ok(Output { format, writer, style: TableStyle { color, width } })
    }
}

fn print_summary(args: &HuntArgs, format: Format, color: bool, summary: &Summary) -> Result<()> {
    if !args.quiet {
        // Machine formats keep stdout parseable: the summary goes to stderr.
        if format.is_machine() || args.output.is_some() {
            summary.print(&mut std::io::stderr().lock(), color && std::io::stderr().is_terminal())?;
        } else {
            summary.print(&mut std::io::stdout().lock(), color)?;
        }
    }
    Ok(())
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(160)
}
