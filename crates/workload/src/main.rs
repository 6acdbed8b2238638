//! `tracelens-workload`: the batch pipeline of the story behind tracelens —
//! consume messages, write them as JSON Lines, compress, upload — doing real
//! work on real bytes and reporting the time each stage took.
//!
//! This first version times the stages itself; OpenTelemetry instrumentation,
//! zstd and object-store uploads come with issue #6.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use flate2::write::GzEncoder;

#[derive(Parser)]
#[command(name = "tracelens-workload", version, about)]
struct Args {
    /// Number of batches to process.
    #[arg(long, default_value_t = 3)]
    batches: u32,
    /// Messages consumed per batch.
    #[arg(long, default_value_t = 20_000)]
    messages: u32,
    /// gzip level, 0–9.
    #[arg(long, default_value_t = 9, value_parser = clap::value_parser!(u32).range(0..=9))]
    level: u32,
    /// Directory the compressed batches are uploaded to.
    #[arg(long, default_value = "target/workload-bucket")]
    bucket: PathBuf,
}

#[derive(Default)]
struct StageTimes {
    consume: Duration,
    write: Duration,
    compress: Duration,
    upload: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    fs::create_dir_all(&args.bucket).with_context(|| {
        format!(
            "cannot create the bucket directory {}",
            args.bucket.display()
        )
    })?;
    let scratch = std::env::temp_dir().join(format!("tracelens-workload-{}", std::process::id()));
    fs::create_dir_all(&scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    let mut times = StageTimes::default();
    let mut seed = 0x5eed_u64;
    for batch in 0..args.batches {
        let started = Instant::now();
        let messages: Vec<serde_json::Value> = (0..args.messages)
            .map(|i| message(&mut seed, batch, i))
            .collect();
        times.consume += started.elapsed();

        let started = Instant::now();
        let jsonl = scratch.join(format!("batch-{batch:04}.jsonl"));
        write_jsonl(&jsonl, &messages)?;
        times.write += started.elapsed();

        let started = Instant::now();
        let raw = fs::read(&jsonl).with_context(|| format!("cannot read {}", jsonl.display()))?;
        let mut encoder = GzEncoder::new(Vec::new(), flate2::Compression::new(args.level));
        encoder.write_all(&raw)?;
        let compressed = encoder.finish()?;
        times.compress += started.elapsed();

        let started = Instant::now();
        let object = args.bucket.join(format!("batch-{batch:04}.jsonl.gz"));
        fs::write(&object, &compressed)
            .with_context(|| format!("cannot upload to {}", object.display()))?;
        times.upload += started.elapsed();
        println!(
            "batch {batch}: {} messages, {} → {} bytes",
            args.messages,
            raw.len(),
            compressed.len()
        );
    }
    fs::remove_dir_all(&scratch).ok();
    report(&times);
    Ok(())
}

/// A realistic event, deterministic for a given seed.
fn message(seed: &mut u64, batch: u32, index: u32) -> serde_json::Value {
    // xorshift64: deterministic, no dependency for a handful of numbers.
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let kinds = ["page_view", "add_to_cart", "checkout", "search", "login"];
    serde_json::json!({
        "event_id": format!("{:016x}", next()),
        "batch": batch,
        "offset": index,
        "kind": kinds[(next() % kinds.len() as u64) as usize],
        "user_id": next() % 100_000,
        "amount_cents": next() % 50_000,
        "ts": 1_741_570_000_000u64 + u64::from(index) * 37,
    })
}

fn write_jsonl(path: &Path, messages: &[serde_json::Value]) -> anyhow::Result<()> {
    let file =
        fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for message in messages {
        serde_json::to_writer(&mut out, message)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}

fn report(times: &StageTimes) {
    let total = times.consume + times.write + times.compress + times.upload;
    let stages = [
        ("consume", times.consume),
        ("write_jsonl", times.write),
        ("compress", times.compress),
        ("upload", times.upload),
    ];
    for (name, time) in stages {
        println!(
            "{name:<12} {:>9.3} s  {:>5.1} %",
            time.as_secs_f64(),
            time.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON) * 100.0
        );
    }
}
