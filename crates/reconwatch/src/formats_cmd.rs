//! `reconwatch formats`: the input formats, as `--input-format` names them.

use anyhow::Result;
use std::io::Write;

pub fn run() -> Result<()> {
    let mut out = std::io::stdout().lock();
    let width = formats::FORMATS.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for f in formats::FORMATS {
        writeln!(out, "{:<width$}  {}", f.name, f.description)?;
    }
    Ok(())
}
