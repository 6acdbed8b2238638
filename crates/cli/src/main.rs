//! `tracelens`: the analyses of tracelens-core in a terminal and in CI.

mod input;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracelens_core::analysis::breakdown::GroupBy;

#[derive(Parser)]
#[command(
    name = "tracelens",
    version,
    about = "Where does the time go? Critical paths and per-stage shares of OpenTelemetry traces."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Critical path and per-group shares of every trace in the files,
    /// and their aggregate.
    Analyze {
        /// Trace files: OTLP/JSON or JSON Lines, OTLP protobuf, Tempo,
        /// Jaeger or Zipkin JSON; gzip or zstd compressed or not.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Group spans by `name`, `service` or `attr:KEY`.
        #[arg(long, default_value = "name", value_parser = parse_group_by)]
        group_by: GroupBy,
        /// Print one JSON object instead of tables.
        #[arg(long)]
        json: bool,
        /// Exit with status 3 when GROUP's critical share of any trace
        /// exceeds PCT percent (repeatable), for CI gates.
        #[arg(long, value_name = "GROUP=PCT", value_parser = parse_limit)]
        fail_over: Vec<(String, f64)>,
    },
    /// How each group's critical time changed from one set of traces to
    /// another, biggest change first.
    Compare {
        /// The trace file from before the change.
        before: PathBuf,
        /// The trace file from after it.
        after: PathBuf,
        /// Group spans by `name`, `service` or `attr:KEY`.
        #[arg(long, default_value = "name", value_parser = parse_group_by)]
        group_by: GroupBy,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

fn parse_group_by(text: &str) -> Result<GroupBy, String> {
    text.parse()
}

fn parse_limit(text: &str) -> Result<(String, f64), String> {
    let (group, pct) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("{text:?} is not GROUP=PCT"))?;
    let pct: f64 = pct
        .parse()
        .map_err(|_| format!("{pct:?} in {text:?} is not a number"))?;
    Ok((group.to_owned(), pct))
}

/// Exit status when a `--fail-over` limit is exceeded.
const GATE_FAILED: u8 = 3;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        // A reader that stopped reading (`| head`) is not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tracelens: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut out = anstream::stdout().lock();
    match cli.command {
        Command::Analyze {
            files,
            group_by,
            json,
            fail_over,
        } => {
            let set = input::read_all(&files)?;
            let report = report::Report::of(&set, &group_by);
            if json {
                report.write_json(&mut out)?;
            } else {
                report.write_tables(&mut out, &group_by)?;
            }
            let violations = report.violations(&fail_over);
            for violation in &violations {
                eprintln!("tracelens: {violation}");
            }
            Ok(if violations.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(GATE_FAILED)
            })
        }
        Command::Compare {
            before,
            after,
            group_by,
            json,
        } => {
            let before_set = input::read_all(&[before])?;
            let after_set = input::read_all(&[after])?;
            let changes = report::Comparison::of(&before_set, &after_set, &group_by);
            if json {
                changes.write_json(&mut out)?;
            } else {
                changes.write_table(&mut out)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
