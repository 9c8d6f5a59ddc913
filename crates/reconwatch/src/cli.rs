//! Command-line definitions (clap). Each subcommand's behaviour lives in its own module.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "reconwatch",
    version,
    about = "Detects DNS reconnaissance (MITRE ATT&CK T1590.002) in DNS server, sensor and endpoint logs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Hunt through log files: run the rules over them and report the alerts.
    Hunt(Box<HuntArgs>),
    /// List, validate and test detection rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// List the input formats reconwatch reads.
    Formats,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WindowArg {
    /// Any span of the rule's timespan (catches a burst that straddles a clock boundary).
    Sliding,
    /// Fixed buckets aligned to the epoch, exactly like KQL `bin(TimeGenerated, 10m)`.
    Tumbling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Jsonl,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct HuntArgs {
    /// Log files or directories (read recursively); `-` reads standard input. gzip is detected.
    #[arg(required_unless_present_any = ["dnstap_socket", "dnstap_tcp"], value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Input format instead of detecting it from the content (see `reconwatch formats`).
    #[arg(long, value_name = "NAME")]
    pub input_format: Option<String>,
    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, short = 'f', value_enum)]
    pub format: Option<FormatArg>,
    /// Write alerts to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Correlation windows [default: sliding, or the config file's `hunt.window`].
    #[arg(long, value_enum)]
    pub window: Option<WindowArg>,
    /// Configuration file: tuning (allow-lists) and engine settings. See examples/reconwatch.yml.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Additional Sigma rule files or directories.
    #[arg(long, short = 'r', value_name = "PATH")]
    pub rules: Vec<PathBuf>,
    /// Do not load the built-in rules (use only --rules).
    #[arg(long)]
    pub no_builtin_rules: bool,
    /// Only events at or after this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only events before this time (RFC 3339).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Time zone for logs whose timestamps carry none (Windows DNS debug log): UTC, +02:00, ...
    #[arg(long, value_name = "TZ")]
    pub timezone: Option<String>,
    /// Server name (`Computer`) for logs that do not name their server, such as a plain BIND
    /// query log; a syslog header's host name wins.
    #[arg(long, value_name = "NAME")]
    pub server: Option<String>,
    /// Parsing threads [default: the config's `hunt.threads`, else every available core]. 1 reads
    /// everything on one thread; alerts are the same for any number.
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Nominal chunk size when a large file is split between threads (for tests).
    #[arg(long, value_name = "BYTES", hide = true)]
    pub chunk_bytes: Option<u64>,
    /// Do not print the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Colour in the table output [default: auto].
    #[arg(long, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
    #[command(flatten)]
    pub live: LiveArgs,
}

/// Live dnstap: instead of files, listen on sockets that DNS servers stream dnstap to.
#[derive(Debug, Args)]
pub struct LiveArgs {
    /// Listen for dnstap on this unix socket (BIND `dnstap-output unix`, Unbound, Knot) and hunt
    /// live: alerts are written as they fire; Ctrl-C or SIGTERM ends with the summary.
    #[arg(long, value_name = "PATH", conflicts_with = "paths", help_heading = "Live dnstap")]
    pub dnstap_socket: Vec<PathBuf>,
    /// Listen for dnstap over TCP: a port (on 127.0.0.1), or ADDR:PORT to listen elsewhere.
    #[arg(long, value_name = "ADDR", conflicts_with = "paths", help_heading = "Live dnstap")]
    pub dnstap_tcp: Vec<String>,
    /// Longest dnstap frame accepted on a live socket; longer ones are skipped and reported.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, help_heading = "Live dnstap")]
    pub max_frame: usize,
    /// Most sender connections served at once; more are refused and reported.
    #[arg(long, value_name = "N", default_value_t = 256, help_heading = "Live dnstap")]
    pub max_connections: usize,
}

impl LiveArgs {
    pub fn is_live(&self) -> bool {
        !self.dnstap_socket.is_empty() || !self.dnstap_tcp.is_empty()
    }
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rules (built-in, or those under PATH).
    List {
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Check that rules load; report every problem with its file and rule title.
    Validate {
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Run the rules' own test cases (`<rule>.tests.yml` beside each rule).
    Test {
        #[arg(value_name = "DIR")]
        paths: Vec<PathBuf>,
    },
}
