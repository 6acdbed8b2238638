//! Times the steps the page's loader takes natively, on a trace file:
//! joining, the critical path, the breakdown and the summaries, in the
//! loader's step sizes, and prints the longest step of each loop (a step
//! that runs long at millions of spans holds a frame in the browser, at
//! about twice the time):
//! `cargo run --release -p tracelens-core --example step_timing FILE`.

use std::time::{Duration, Instant};

use tracelens_core::analysis::breakdown::{Breakdown, GroupBy};
use tracelens_core::analysis::critical_path::PathSearch;
use tracelens_core::summary::Summaries;
use tracelens_core::TraceSetBuilder;

/// The loader's step sizes (`src/loader.rs`).
const JOIN_STEP_SPANS: usize = 10_000;
const PATH_STEP_SPANS: usize = 50_000;
const BREAKDOWN_STEP_SPANS: usize = 50_000;
const SUMMARY_STEP_SPANS: usize = 200_000;

/// Runs `step` until it says it is done: the longest step, the steps and
/// the time in all.
fn longest(mut step: impl FnMut() -> bool) -> (Duration, usize, Duration) {
    let (mut most, mut steps, all) = (Duration::ZERO, 0, Instant::now());
    loop {
        let at = Instant::now();
        let done = step();
        most = most.max(at.elapsed());
        steps += 1;
        if done {
            return (most, steps, all.elapsed());
        }
    }
}

fn report(what: &str, (most, steps, all): (Duration, usize, Duration)) {
    println!("{what:<12} longest step {most:>10.1?} of {steps:>5} steps, {all:>10.1?} in all");
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: step_timing FILE");
    let bytes = std::fs::read(path).expect("a readable file");
    let at = Instant::now();
    let mut builder = TraceSetBuilder::default();
    builder.add(&bytes).expect("a trace file");
    drop(bytes);
    println!("{:<12} {:>10.1?} (at once)", "read", at.elapsed());
    let mut finishing = builder.finishing();
    report("join", longest(|| finishing.step(JOIN_STEP_SPANS)));
    let set = finishing.finish();
    let Some(trace) = set.traces.first() else {
        return;
    };
    let mut search = PathSearch::new(trace.main_root());
    let mut path = None;
    report(
        "path",
        longest(|| {
            path = search.step(trace, PATH_STEP_SPANS);
            path.is_some()
        }),
    );
    let mut adding = Breakdown::new(&set, trace, &GroupBy::Name, path.unwrap_or_default());
    report(
        "breakdown",
        longest(|| adding.step(&set, trace, BREAKDOWN_STEP_SPANS)),
    );
    let mut summaries = Summaries::default();
    report(
        "summaries",
        longest(|| summaries.step(&set, SUMMARY_STEP_SPANS).is_some()),
    );
}
