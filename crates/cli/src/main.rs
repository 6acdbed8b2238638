//! `tracelens`: the analyses of tracelens-core in a terminal and in CI.

mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tracelens_core::TraceSetBuilder;

#[derive(Parser)]
#[command(
    name = "tracelens",
    version,
    about = "Where does the time go? Trace analysis for the terminal and CI."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Summarise the traces in one or more files.
    Analyze {
        /// Trace files (OTLP/JSON or JSON Lines, optionally gzip or zstd).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print one JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tracelens: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Analyze { files, json } => {
            let mut builder = TraceSetBuilder::default();
            for file in &files {
                let bytes = std::fs::read(file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                builder
                    .add(&bytes)
                    .with_context(|| file.display().to_string())?;
            }
            let set = builder.finish();
            let report = report::Report::of(&set);
            let mut out = std::io::stdout().lock();
            if json {
                report.write_json(&mut out)?;
            } else {
                report.write_table(&mut out)?;
            }
            Ok(())
        }
    }
}
