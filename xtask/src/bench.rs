//! `cargo xtask bench`: the speed and memory targets of DESIGN.md, measured
//! in one run and written to docs/BENCHMARKS.md as ratios.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};

/// Where criterion keeps its estimates.
const CRITERION: &str = "target/criterion";
/// The 1M-span file the memory and end-to-end measurements read.
const BIG_FILE: &str = "target/bench/1m.otlp.json";
const BIG_SPANS: &str = "1000000";

pub fn run(root: &Path) -> anyhow::Result<()> {
    crate::tools::run(
        Command::new("cargo")
            .args([
                "bench",
                "-p",
                "tracelens-core",
                "--bench",
                "ingest",
                "--bench",
                "analysis",
            ])
            .current_dir(root),
        "cargo bench",
    )?;
    let mean = |id: &str| estimate(root, id);
    let skim = mean("json_100k/serde_skim")?;
    let json = mean("json_100k/tracelens_ingest")?;
    let prost = mean("protobuf_100k/prost_decode")?;
    let proto = mean("protobuf_100k/tracelens_ingest")?;
    let analysis: Vec<(u64, f64)> = [10_000u64, 100_000, 1_000_000]
        .iter()
        .map(|&n| Ok((n, mean(&format!("critical_path_and_breakdown/{n}"))?)))
        .collect::<anyhow::Result<_>>()?;

    println!("\n==> memory and the CLI on a 1M-span OTLP/JSON file");
    std::fs::create_dir_all(root.join("target/bench"))?;
    let example = |args: &[&str]| -> anyhow::Result<String> {
        let out = Command::new("cargo")
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "tracelens-core",
                "--example",
                "bench_memory",
                "--",
            ])
            .args(args)
            .current_dir(root)
            .output()?;
        if !out.status.success() {
            bail!(
                "bench_memory failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    example(&["generate", BIG_SPANS, BIG_FILE])?;
    let file_bytes = std::fs::metadata(root.join(BIG_FILE))?.len();
    let loaded = example(&["load", BIG_FILE])?;
    let field = |name: &str| -> f64 {
        loaded
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    let (spans, heap, peak_kb) = (field("spans"), field("heap_bytes"), field("peak_rss_kb"));
    crate::tools::run(
        Command::new("cargo")
            .args(["build", "--release", "-p", "tracelens-cli"])
            .current_dir(root),
        "cargo build --release -p tracelens-cli",
    )?;
    let cli = cli_end_to_end(root)?;

    let mut md = String::new();
    let _ = writeln!(md, "# Benchmarks\n");
    let _ = writeln!(
        md,
        "Written by `cargo xtask bench`; every ratio compares numbers taken in the same run on the \
         same machine (criterion means, release builds). Inputs are synthetic traces from \
         `crates/core/benches/support` (a seeded random tree, 8 services, 4 attributes a span).\n"
    );
    let _ = writeln!(md, "## Ingest (100,000 spans)\n");
    let _ = writeln!(md, "| input | tracelens | floor | ratio | target |");
    let _ = writeln!(md, "| --- | --- | --- | --- | --- |");
    let _ = writeln!(
        md,
        "| OTLP/JSON | {} | serde_json skimming the bytes (`IgnoredAny`): {} | {:.2}× | ≤ 2× |",
        time(json),
        time(skim),
        json / skim
    );
    let _ = writeln!(
        md,
        "| OTLP protobuf | {} | prost decoding `TracesData`: {} | {:.2}× | ≤ 1.5× |",
        time(proto),
        time(prost),
        proto / prost
    );
    let _ = writeln!(
        md,
        "\nThroughput of tracelens' ingest: OTLP/JSON {:.0} k spans/s, protobuf {:.0} k spans/s.\n",
        1e5 / json * 1e9 / 1e3,
        1e5 / proto * 1e9 / 1e3
    );
    let _ = writeln!(md, "## Critical path + breakdown\n");
    let _ = writeln!(md, "| spans | time | per span | vs 10k, per span |");
    let _ = writeln!(md, "| --- | --- | --- | --- |");
    let base = analysis[0].1 / analysis[0].0 as f64;
    for (n, t) in &analysis {
        let per = t / *n as f64;
        let _ = writeln!(
            md,
            "| {n} | {} | {per:.0} ns | {:.2}× |",
            time(*t),
            per / base
        );
    }
    let _ = writeln!(
        md,
        "\nTarget: 1,000,000 spans in < 0.3 s, growing linearly.\n"
    );
    let _ = writeln!(
        md,
        "## Memory and the CLI (1,000,000 spans, {:.0} MB of OTLP/JSON)\n",
        file_bytes as f64 / 1e6
    );
    let _ = writeln!(md, "| what | measured |");
    let _ = writeln!(md, "| --- | --- |");
    let _ = writeln!(
        md,
        "| model heap per span (estimate: vector capacities + interned text) | {:.0} bytes |",
        heap / spans.max(1.0)
    );
    let _ = writeln!(
        md,
        "| peak RSS of loading the file (bytes read, parsed, model built) | {:.0} MB |",
        peak_kb / 1024.0
    );
    let _ = writeln!(
        md,
        "| `tracelens analyze --json` end to end | {:.2} s, peak RSS {:.0} MB |",
        cli.0,
        cli.1 / 1024.0
    );
    std::fs::write(root.join("docs/BENCHMARKS.md"), &md)?;
    println!("\n{md}");
    Ok(())
}

/// Criterion's mean for a benchmark id, in nanoseconds.
fn estimate(root: &Path, id: &str) -> anyhow::Result<f64> {
    let path = root.join(CRITERION).join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    // {"mean":{"confidence_interval":{…},"point_estimate":123.4,…},…}
    let mean = text
        .split("\"mean\"")
        .nth(1)
        .context("no mean in estimates.json")?;
    let value = mean
        .split("\"point_estimate\":")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .context("no point_estimate in estimates.json")?;
    Ok(value.trim().parse()?)
}

/// Seconds and peak RSS (kB) of the release CLI on the big file.
fn cli_end_to_end(root: &Path) -> anyhow::Result<(f64, f64)> {
    let out = Command::new("/usr/bin/time")
        .args([
            "-f",
            "%e %M",
            "target/release/tracelens",
            "analyze",
            "--json",
            BIG_FILE,
        ])
        .current_dir(root)
        .stdout(std::process::Stdio::null())
        .output()
        .context("/usr/bin/time (Debian's package `time`) is needed for the CLI measurement")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut parts = last.split_whitespace();
    let seconds = parts
        .next()
        .and_then(|s| s.parse().ok())
        .context("no time from /usr/bin/time")?;
    let peak = parts
        .next()
        .and_then(|s| s.parse().ok())
        .context("no RSS from /usr/bin/time")?;
    Ok((seconds, peak))
}

fn time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.1} ms", ns / 1e6)
    } else {
        format!("{:.1} µs", ns / 1e3)
    }
}
