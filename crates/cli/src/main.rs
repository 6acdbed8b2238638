//! `tracelens`: the analyses of tracelens-core in a terminal and in CI.

mod explain;
mod input;
mod report;
mod serve;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracelens_core::analysis::breakdown::GroupBy;
use tracelens_core::analysis::explain::{explain, SlowRule};
use tracelens_core::analysis::graph::operation_graph;
use tracelens_core::logs::LogFields;

#[derive(Parser)]
#[command(
    name = "tracelens",
    version,
    about = "Where does the time go? Critical paths and per-stage shares of OpenTelemetry traces."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How big compressed input may expand to (bytes, or with KiB, MiB,
    /// GiB): past it reading stops and says how big the input is.
    #[arg(long, global = true, value_name = "SIZE", default_value = "4GiB", value_parser = parse_size)]
    max_input_size: usize,
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
        /// Log files to join to the spans by trace and span id (OTLP/JSON
        /// logs, JSON Lines with the ids as fields, a Loki answer; gzip or
        /// zstd or not; repeatable): adds log lines and errors per group.
        #[arg(long, value_name = "FILE")]
        logs: Vec<PathBuf>,
        /// Also list each trace's N spans with the most self time (or,
        /// with `--top-by critical`, critical time).
        #[arg(long, value_name = "N")]
        top: Option<usize>,
        /// What `--top` ranks spans by: `self` or `critical`.
        #[arg(long, default_value = "self", value_parser = ["self", "critical"], requires = "top")]
        top_by: String,
        /// Also merge every trace by the path of (service, name) from its
        /// root into one tree (the average trace's structure), printed as
        /// indented text (or a `structure` list in `--json`).
        #[arg(long)]
        structure: bool,
        /// Field names of JSON Lines logs that the defaults miss, as
        /// ROLE=FIELD pairs: `trace_id=tid,span_id=sid,level=sev,time=ts,message=text`.
        #[arg(long, value_name = "ROLE=FIELD,…", value_parser = parse_log_fields)]
        log_fields: Option<LogFields>,
    },
    /// What makes the slow traces slow: the slow set (the slowest 10 % by
    /// default) against the rest — stages that take a bigger share of the
    /// critical path, attribute values over-represented, numeric
    /// attributes a stage's time follows.
    Explain {
        /// Trace files, in any format `analyze` reads.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The slowest PCT percent by duration are the slow set.
        #[arg(long, value_name = "PCT", conflicts_with_all = ["slow_over", "errors"])]
        slow: Option<f64>,
        /// Traces longer than DURATION (e.g. 2s, 150ms) are the slow set.
        #[arg(long, value_name = "DURATION", value_parser = parse_duration, conflicts_with = "errors")]
        slow_over: Option<u64>,
        /// Traces with an error are the slow set.
        #[arg(long)]
        errors: bool,
        /// Group spans by `name`, `service` or `attr:KEY`.
        #[arg(long, default_value = "name", value_parser = parse_group_by)]
        group_by: GroupBy,
        /// Print one JSON object instead of sentences and a table.
        #[arg(long)]
        json: bool,
    },
    /// The operation graph: spans folded by (service, name) into who calls
    /// whom, with calls, total, self and critical time, as Graphviz DOT or
    /// Mermaid text (the critical path's operations stand out).
    Graph {
        /// Trace files, in any format `analyze` reads (every trace is folded
        /// into one graph).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `dot` (Graphviz) or `mermaid`.
        #[arg(long, default_value = "dot", value_parser = ["dot", "mermaid"])]
        format: String,
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
    /// Receive OTLP (HTTP and gRPC) from OpenTelemetry SDKs, keep it in a
    /// data folder, and serve the app with this server as its Tempo and
    /// Loki: traces appear in the browser as they arrive.
    Serve(serve::Args),
}

/// "4GiB", "512 MiB", "100000" (bytes).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let number: usize = text[..digits]
        .parse()
        .map_err(|_| format!("{text:?} is not a size such as 4GiB"))?;
    let shift = match text[digits..].trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kib" | "kb" => 10,
        "m" | "mib" | "mb" => 20,
        "g" | "gib" | "gb" => 30,
        unit => return Err(format!("{unit:?} is not a unit: use KiB, MiB or GiB")),
    };
    number
        .checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too big"))
}

/// "2s", "150ms", "900us", "1m", "500" (ns) as nanoseconds.
fn parse_duration(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let number: f64 = text[..digits]
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 2s or 150ms"))?;
    let scale = match text[digits..].trim() {
        "" | "ns" => 1.0,
        "us" | "µs" => 1e3,
        "ms" => 1e6,
        "s" => 1e9,
        "m" | "min" => 60e9,
        unit => return Err(format!("{unit:?} is not a unit: use ns, us, ms, s or m")),
    };
    Ok((number * scale) as u64)
}

fn parse_group_by(text: &str) -> Result<GroupBy, String> {
    text.parse()
}

fn parse_log_fields(text: &str) -> Result<LogFields, String> {
    LogFields::default().with_overrides(text)
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
    tracelens_core::ingest::set_expanded_limit(cli.max_input_size);
    let mut out = anstream::stdout().lock();
    match cli.command {
        Command::Analyze {
            files,
            group_by,
            json,
            fail_over,
            logs,
            log_fields,
            top,
            top_by,
            structure,
        } => {
            let set = input::read_all(&files)?;
            let logs = match logs.is_empty() {
                true => None,
                false => Some(input::read_logs(&logs, &log_fields.unwrap_or_default())?),
            };
            let top = report::Top {
                count: top.unwrap_or(0),
                by_critical: top_by == "critical",
            };
            let report = report::Report::of(&set, &group_by, logs.as_ref(), top, structure);
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
        Command::Explain {
            files,
            slow,
            slow_over,
            errors,
            group_by,
            json,
        } => {
            let set = input::read_all(&files)?;
            let rule = match (slow, slow_over, errors) {
                (_, _, true) => SlowRule::Errors,
                (_, Some(ns), _) => SlowRule::Over(ns),
                (Some(pct), _, _) if pct > 0.0 && pct < 100.0 => SlowRule::SlowestPercent(pct),
                (Some(pct), _, _) => {
                    anyhow::bail!("--slow {pct}: give a percentage between 0 and 100")
                }
                _ => SlowRule::SlowestPercent(10.0),
            };
            let found = explain(&set, &group_by, &rule);
            if json {
                explain::write_json(&mut out, &found)?;
            } else {
                explain::write_text(&mut out, &found)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { files, format } => {
            let set = input::read_all(&files)?;
            let graph = operation_graph(&set);
            let text = match format.as_str() {
                "mermaid" => graph.to_mermaid(),
                _ => graph.to_dot(),
            };
            out.write_all(text.as_bytes())?;
            Ok(ExitCode::SUCCESS)
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
        Command::Serve(args) => {
            serve::run(args)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
