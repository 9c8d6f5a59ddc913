//! reconwatch: finds DNS reconnaissance (MITRE ATT&CK T1590.002) in DNS server, sensor and
//! endpoint logs. This file only dispatches; each subcommand lives in its own module.

mod cli;
mod config;
mod formats_cmd;
mod hunt;
mod rules;
mod rules_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match cli.command {
        cli::Command::Hunt(args) => hunt::run(*args).map(|()| ExitCode::SUCCESS),
        cli::Command::Rules(cmd) => rules_cmd::run(cmd),
        cli::Command::Formats => formats_cmd::run().map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        // The reader of our output went away (`| head`): stop quietly, as other filters do.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("reconwatch: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}
