//! `reconwatch rules list | validate | test`: without a path they work on the built-in rules.

use crate::cli::RulesCommand;
use crate::rules::{is_test_file, load_builtin, load_rules, BUILTIN};
use anyhow::Result;
use detect::testcases::{parse_tests, run_paths, run_tests, Report};
use detect::EngineConfig;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(cmd: RulesCommand) -> Result<ExitCode> {
    match cmd {
        RulesCommand::List { paths } => list(&paths),
        RulesCommand::Validate { paths } => validate(&paths),
        RulesCommand::Test { paths } => test(&paths),
    }
}

fn list(paths: &[PathBuf]) -> Result<ExitCode> {
    let rules = load_rules(paths.is_empty(), paths)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{:<32}  {:<13}  {:<18}  TITLE", "NAME (or ID)", "LEVEL", "KIND")?;
    for d in &rules.set.detections {
        let kind = d.logsource.category.clone().or(d.logsource.product.clone()).unwrap_or_else(|| "any".into());
        let name = d.meta.name.clone().unwrap_or_else(|| d.meta.id.clone());
        writeln!(out, "{name:<32}  {:<13}  {:<18}  {}", d.meta.level.as_str(), kind, d.meta.title)?;
    }
    for c in &rules.set.correlations {
        let kind = c.body.get("type").and_then(|t| t.as_str()).unwrap_or("correlation");
        let name = c.meta.name.clone().unwrap_or_else(|| c.meta.id.clone());
        writeln!(
            out,
            "{name:<32}  {:<13}  {:<18}  {}",
            c.meta.level.as_str(),
            format!("correlation:{kind}"),
            c.meta.title
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(paths: &[PathBuf]) -> Result<ExitCode> {
    let (set, errors) = if paths.is_empty() { load_builtin() } else { detect::load_paths(paths) };
    // A set that loads must also build: correlation references, merge groups, field names.
    let build_errors = if errors.is_empty() {
        detect::Engine::new(set.clone(), EngineConfig::default()).err().unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut out = std::io::stdout().lock();
    for e in errors.iter().chain(&build_errors) {
        writeln!(out, "{e}")?;
    }
    let problems = errors.len() + build_errors.len();
    writeln!(out, "{} rule(s) loaded, {problems} problem(s)", set.len())?;
    Ok(if problems == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn test(paths: &[PathBuf]) -> Result<ExitCode> {
    let cfg = EngineConfig::default();
    let report = if paths.is_empty() {
        let rules = load_rules(true, &[])?;
        let mut report = Report::default();
        for (name, text) in BUILTIN.iter().filter(|(n, _)| is_test_file(n)) {
            match parse_tests(text, &Path::new("rules").join(name)) {
                Ok(tests) => report.outcomes.extend(run_tests(&rules.set, &tests, &cfg).outcomes),
                Err(e) => report.load_errors.push(e.to_string()),
            }
        }
        report
    } else {
        run_paths(paths, &cfg)
    };
    print!("{report}");
    if report.outcomes.is_empty() && report.load_errors.is_empty() {
        println!("no test cases found (a rule x.yml has its tests in x.tests.yml)");
        return Ok(ExitCode::from(1));
    }
    Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
