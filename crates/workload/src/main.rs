//! `tracelens-workload`: the batch pipeline of the story behind tracelens —
//! consume messages, append them to a JSON Lines file, compress it, upload
//! it — doing real work on real bytes, instrumented with the OpenTelemetry
//! SDK so that tracelens can show where the time goes.

mod codec;
mod logs;
mod messages;
mod pipeline;
mod telemetry;
mod upload;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use crate::codec::Codec;

#[derive(Parser, Debug)]
#[command(name = "tracelens-workload", version, about)]
pub struct Args {
    /// Batches to process (one trace each).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub batches: u32,
    /// Messages consumed per batch: the median when batches vary (the
    /// default), each batch's count with `--steady`.
    #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
    pub messages: u32,
    /// Every batch the same size. By default batch sizes vary as real
    /// ones do: skewed around `--messages`, now and then several times
    /// larger (drawn from `--seed`).
    #[arg(long)]
    pub steady: bool,
    /// Compression codec.
    #[arg(long, value_enum, default_value_t = Codec::Zstd)]
    pub codec: Codec,
    /// Compression level (zstd 1–22, gzip 0–9; ignored by lz4 and none).
    /// Default: 19 for zstd (slow on purpose: the story's bottleneck), 6 for gzip.
    #[arg(long)]
    pub level: Option<i32>,
    /// Compression threads (zstd only; 1 compresses on the calling thread).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
    /// Where batches are uploaded: file:///dir (default target/workload-bucket),
    /// or s3://, gs://, az:// with the `cloud` feature.
    #[arg(long)]
    pub bucket: Option<String>,
    /// Simulate a network of this many megabits per second during uploads
    /// (recorded on the span as simulated).
    #[arg(long)]
    pub upload_mbps: Option<f64>,
    /// Probability that an upload attempt fails (injected), 0–1; failed
    /// attempts are retried up to 3 times.
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Seed of the generated messages and injected failures.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Write the traces here as OTLP/JSON (one ExportTraceServiceRequest).
    #[arg(long, default_value = "traces.json")]
    pub out: PathBuf,
    /// Also send the traces over OTLP/HTTP protobuf, e.g. http://localhost:4318.
    #[arg(long)]
    pub otlp_endpoint: Option<String>,
    /// Write JSON log lines carrying trace_id and span_id here.
    #[arg(long)]
    pub log_out: Option<PathBuf>,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tracelens-workload: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    codec::check_level(args.codec, args.level)?;
    if !(0.0..=1.0).contains(&args.fail_rate) {
        anyhow::bail!(
            "--fail-rate must be between 0 and 1, not {}",
            args.fail_rate
        );
    }
    if args.upload_mbps.is_some_and(|m| m <= 0.0 || !m.is_finite()) {
        anyhow::bail!("--upload-mbps must be a positive number");
    }
    let bucket = upload::Bucket::open(args.bucket.as_deref())?;
    let logger = logs::Logger::create(args.log_out.as_deref())?;
    let telemetry = telemetry::Telemetry::start(&args.out, args.otlp_endpoint.as_deref())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime for uploads")?;

    let summary = pipeline::run(args, &telemetry.tracer(), &bucket, &logger, &runtime);
    // Whatever happened, the traces so far are written.
    let exported = telemetry.shutdown();
    let summary = summary?;
    if !args.quiet {
        summary.print(args);
        println!("traces written to {}", args.out.display());
        if let Some(path) = &args.log_out {
            println!("logs written to {}", path.display());
        }
    }
    match exported {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(error) => {
            eprintln!("tracelens-workload: {error:#}");
            Ok(ExitCode::from(2))
        }
    }
}
