//! The batch worker: for each batch, consume messages, append them to a
//! JSON Lines file, compress it, upload it. Every step does real work on
//! real bytes inside its own span, so the trace measures the work.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use serde_json::json;

use crate::codec;
use crate::logs::Logger;
use crate::messages::{message, Rng};
use crate::upload::{simulated_transfer, Bucket};
use crate::Args;

/// Retries after a failed upload attempt.
const RETRIES: u32 = 3;
const STAGES: [&str; 4] = ["consume", "write_jsonl", "compress", "upload"];

/// What the run did, for the closing summary.
#[derive(Default)]
pub struct Summary {
    batches: u32,
    failed: u32,
    messages: u64,
    raw_bytes: u64,
    compressed_bytes: u64,
    stage_time: [Duration; 4],
    retries: u32,
}

impl Summary {
    pub fn print(&self, args: &Args) {
        let total: Duration = self.stage_time.iter().sum();
        println!(
            "{} batches ({} failed), {} messages, {} → {} bytes with {} level {}, {} upload retries",
            self.batches,
            self.failed,
            self.messages,
            self.raw_bytes,
            self.compressed_bytes,
            args.codec.name(),
            args.level.unwrap_or(args.codec.default_level()),
            self.retries
        );
        for (stage, time) in STAGES.iter().zip(self.stage_time) {
            println!(
                "  {stage:<12} {:>8.3} s  {:>5.1} %",
                time.as_secs_f64(),
                time.as_secs_f64() / total.as_secs_f64().max(f64::EPSILON) * 100.0
            );
        }
    }
}

pub fn run(
    args: &Args,
    tracer: &SdkTracer,
    bucket: &Bucket,
    logger: &Logger,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Summary> {
    let scratch = std::env::temp_dir().join(format!("tracelens-workload-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .with_context(|| format!("cannot create {}", scratch.display()))?;
    let progress = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(u64::from(args.batches))
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:30} batch {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let level = args.level.unwrap_or(args.codec.default_level());
    let mut rng = Rng::new(args.seed);
    // Batch sizes from a stream of their own: the messages stay the same
    // for a seed whether sizes vary or not.
    let mut sizes = Rng::new(args.seed ^ 0x5eed_ba7c);
    let mut summary = Summary::default();
    for batch in 0..args.batches {
        let messages = match args.steady {
            true => args.messages,
            false => crate::messages::batch_size(&mut sizes, args.messages),
        };
        let mut span = tracer
            .span_builder("process_batch")
            .with_kind(SpanKind::Internal)
            .with_attributes([
                KeyValue::new("batch.index", i64::from(batch)),
                KeyValue::new("messaging.batch.message_count", i64::from(messages)),
                KeyValue::new("compression.codec", args.codec.name()),
                KeyValue::new("compression.level", i64::from(level)),
            ])
            .start(tracer);
        span.add_event("batch.started", vec![]);
        let cx = Context::current_with_span(span);
        let _attached = cx.clone().attach();
        logger.log("info", "batch started", json!({ "batch": batch }));
        let outcome = process(
            args,
            tracer,
            bucket,
            logger,
            runtime,
            &progress,
            &mut rng,
            batch,
            messages,
            level,
            &scratch,
            &mut summary,
        );
        summary.batches += 1;
        let span = cx.span();
        match &outcome {
            Ok(()) => logger.log("info", "batch done", json!({ "batch": batch })),
            Err(error) => {
                summary.failed += 1;
                span.set_status(Status::error(format!("{error:#}")));
                logger.log(
                    "error",
                    "batch failed",
                    json!({ "batch": batch, "error": format!("{error:#}") }),
                );
            }
        }
        span.end();
        progress.inc(1);
    }
    progress.finish_and_clear();
    logger.flush();
    std::fs::remove_dir_all(&scratch).ok();
    Ok(summary)
}

#[allow(clippy::too_many_arguments)]
fn process(
    args: &Args,
    tracer: &SdkTracer,
    bucket: &Bucket,
    logger: &Logger,
    runtime: &tokio::runtime::Runtime,
    progress: &ProgressBar,
    rng: &mut Rng,
    batch: u32,
    messages: u32,
    level: i32,
    scratch: &std::path::Path,
    summary: &mut Summary,
) -> anyhow::Result<()> {
    progress.set_message("consuming");
    let started = Instant::now();
    let lines: Vec<String> = stage(tracer, "consume", SpanKind::Consumer, |span| {
        span.set_attribute(KeyValue::new("messaging.system", "generator"));
        span.set_attribute(KeyValue::new("messaging.operation.type", "receive"));
        span.set_attribute(KeyValue::new("messaging.destination.name", "events"));
        let lines: Vec<String> = (0..messages).map(|i| message(rng, batch, i)).collect();
        span.set_attribute(KeyValue::new(
            "messaging.batch.message_count",
            lines.len() as i64,
        ));
        logger.log(
            "debug",
            "consumed messages",
            json!({ "count": lines.len() }),
        );
        Ok(lines)
    })?;
    summary.stage_time[0] += started.elapsed();
    summary.messages += lines.len() as u64;

    progress.set_message("writing JSON Lines");
    let started = Instant::now();
    let path = scratch.join(format!("batch-{batch:05}.jsonl"));
    stage(tracer, "write_jsonl", SpanKind::Internal, |span| {
        let file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        for line in &lines {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        let size = std::fs::metadata(&path)?.len();
        span.set_attribute(KeyValue::new("file.path", path.display().to_string()));
        span.set_attribute(KeyValue::new("file.size", size as i64));
        Ok(())
    })?;
    summary.stage_time[1] += started.elapsed();
    drop(lines);

    progress.set_message(format!("compressing ({} level {level})", args.codec.name()));
    let started = Instant::now();
    let name = format!("compress_{}", args.codec.name());
    let (raw, compressed) = stage(tracer, &name, SpanKind::Internal, |span| {
        let raw =
            std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let compressed = codec::compress(args.codec, level, args.threads, &raw)?;
        let ratio = compressed.len() as f64 / raw.len().max(1) as f64;
        span.set_attribute(KeyValue::new("compression.codec", args.codec.name()));
        span.set_attribute(KeyValue::new("compression.level", i64::from(level)));
        span.set_attribute(KeyValue::new(
            "compression.threads",
            i64::from(args.threads),
        ));
        span.set_attribute(KeyValue::new("compression.input_bytes", raw.len() as i64));
        span.set_attribute(KeyValue::new(
            "compression.output_bytes",
            compressed.len() as i64,
        ));
        span.set_attribute(KeyValue::new(
            "compression.ratio",
            (ratio * 1000.0).round() / 1000.0,
        ));
        logger.log(
            "info",
            &format!(
                "compressed {} → {} bytes (ratio {ratio:.3})",
                raw.len(),
                compressed.len()
            ),
            json!({ "bytes_in": raw.len(), "bytes_out": compressed.len() }),
        );
        Ok((raw.len(), compressed))
    })?;
    summary.stage_time[2] += started.elapsed();
    summary.raw_bytes += raw as u64;
    summary.compressed_bytes += compressed.len() as u64;
    std::fs::remove_file(&path).ok();

    progress.set_message("uploading");
    let started = Instant::now();
    let object = format!("batch-{batch:05}.jsonl{}", args.codec.extension());
    let uploaded = stage(tracer, "upload", SpanKind::Client, |span| {
        span.set_attribute(KeyValue::new("upload.bucket", bucket.url.clone()));
        span.set_attribute(KeyValue::new("upload.object", object.clone()));
        span.set_attribute(KeyValue::new("upload.bytes", compressed.len() as i64));
        span.set_attribute(KeyValue::new(
            "upload.simulated",
            args.upload_mbps.is_some(),
        ));
        if let Some(mbps) = args.upload_mbps {
            span.set_attribute(KeyValue::new("upload.simulated_mbps", mbps));
        }
        upload(
            args,
            tracer,
            bucket,
            logger,
            runtime,
            rng,
            &object,
            &compressed,
            summary,
        )
    });
    summary.stage_time[3] += started.elapsed();
    uploaded
}

/// Puts the object, retrying injected failures, one span per attempt.
#[allow(clippy::too_many_arguments)]
fn upload(
    args: &Args,
    tracer: &SdkTracer,
    bucket: &Bucket,
    logger: &Logger,
    runtime: &tokio::runtime::Runtime,
    rng: &mut Rng,
    object: &str,
    bytes: &[u8],
    summary: &mut Summary,
) -> anyhow::Result<()> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let fails = args.fail_rate > 0.0 && rng.unit() < args.fail_rate;
        let result = stage(tracer, "PUT object", SpanKind::Client, |span| {
            span.set_attribute(KeyValue::new("http.request.method", "PUT"));
            span.set_attribute(KeyValue::new("upload.attempt", i64::from(attempt)));
            if let Some(mbps) = args.upload_mbps {
                std::thread::sleep(simulated_transfer(bytes.len(), mbps));
            }
            if fails {
                // An injected failure: the connection drops after a while.
                std::thread::sleep(Duration::from_millis(20));
                anyhow::bail!(
                    "injected failure (--fail-rate {}): connection reset by peer",
                    args.fail_rate
                );
            }
            runtime.block_on(bucket.put(object, bytes.to_vec()))
        });
        match result {
            Ok(()) => return Ok(()),
            Err(error) if attempt <= RETRIES => {
                summary.retries += 1;
                let backoff = Duration::from_millis(50 << (attempt - 1));
                Context::current().span().add_event(
                    "retry",
                    vec![
                        KeyValue::new("upload.attempt", i64::from(attempt)),
                        KeyValue::new("retry.backoff_ms", backoff.as_millis() as i64),
                    ],
                );
                logger.log(
                    "warn",
                    "upload failed, retrying",
                    json!({ "attempt": attempt, "error": format!("{error:#}"), "backoff_ms": backoff.as_millis() as u64 }),
                );
                std::thread::sleep(backoff);
            }
            Err(error) => {
                return Err(error.context(format!(
                    "upload of {object} failed after {attempt} attempts"
                )))
            }
        }
    }
}

/// Runs `work` inside a child span of the current one. An error becomes
/// the span's status and an `exception` event.
fn stage<T>(
    tracer: &SdkTracer,
    name: &str,
    kind: SpanKind,
    work: impl FnOnce(&opentelemetry::trace::SpanRef<'_>) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let span = tracer
        .span_builder(name.to_owned())
        .with_kind(kind)
        .start_with_context(tracer, &Context::current());
    let cx = Context::current_with_span(span);
    let _attached = cx.clone().attach();
    let span = cx.span();
    let result = work(&span);
    if let Err(error) = &result {
        let message = format!("{error:#}");
        span.add_event(
            "exception",
            vec![
                KeyValue::new("exception.type", "WorkloadError"),
                KeyValue::new("exception.message", message.clone()),
            ],
        );
        span.set_status(Status::error(message));
    }
    span.end();
    result
}
