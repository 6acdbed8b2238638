//! Times the steps the page's loader takes natively, on a trace file:
//! reading (as the file arrives, in slices), joining, the critical path,
//! the breakdown and the summaries, in the loader's step sizes, and prints
//! the longest step of each loop (a step that runs long at millions of
//! spans holds a frame in the browser, at about twice the time):
//! `cargo run --release -p tracelens-core --example step_timing FILE`.

use std::time::{Duration, Instant};

use tracelens_core::analysis::breakdown::{Breakdown, GroupBy};
use tracelens_core::analysis::critical_path::PathSearch;
use tracelens_core::summary::Summaries;
use tracelens_core::TraceSetBuilder;

/// The loader's step sizes (`src/loader.rs`).
const TRACE_STEP_BYTES: usize = 128 << 10;
/// The slices a file is read from disk in (`src/slices.rs`).
const SLICE_BYTES: usize = 4 << 20;
const JOIN_STEP_SPANS: usize = 10_000;
const PATH_STEP_SPANS: usize = 50_000;
const BREAKDOWN_STEP_SPANS: usize = 50_000;
const SUMMARY_STEP_SPANS: usize = 200_000;

/// Runs `step` until it gives its outcome, printing the longest step,
/// the steps and the time in all under `what`; the outcome.
fn longest<T>(what: &str, mut step: impl FnMut() -> Option<T>) -> T {
    let (mut most, mut steps, all) = (Duration::ZERO, 0, Instant::now());
    loop {
        let at = Instant::now();
        let done = step();
        most = most.max(at.elapsed());
        steps += 1;
        if let Some(done) = done {
            let all = all.elapsed();
            println!(
                "{what:<12} longest step {most:>10.1?} of {steps:>5} steps, {:>8.1} ms in all",
                all.as_secs_f64() * 1e3
            );
            return done;
        }
    }
}

fn main() {
    let path = std::env::args().nth(1).expect("usage: step_timing FILE");
    let bytes = std::fs::read(path).expect("a readable file");
    let mut builder = TraceSetBuilder::default();
    // As the page reads a big file: as it arrives, a slice at a time
    // (`start` would read one protobuf message whole, in one step, and
    // hold the whole input to the end, dropping it in the last step).
    let length = bytes.len();
    let mut given = SLICE_BYTES.min(length);
    let mut load = builder.start_arriving(bytes[..given].to_vec(), length);
    // Room for the spans to come, made when asked as the page makes it
    // (at the start of a frame): when, and how long it took.
    let mut rooms = Vec::new();
    longest("read", || {
        if builder.room_wanted() {
            let at = Instant::now();
            builder.make_room();
            rooms.push((builder.span_total(), at.elapsed()));
        }
        if load.wants_input() {
            let more = SLICE_BYTES.min(length - given);
            load.append(&bytes[given..given + more]);
            given += more;
        }
        if given == length {
            load.complete().expect("a trace file");
        }
        builder.advance(&mut load, TRACE_STEP_BYTES)
    })
    .expect("a trace file");
    println!("room made when asked at (spans, time): {rooms:?}");
    let mut finishing = builder.finishing();
    longest("join", || finishing.step(JOIN_STEP_SPANS).then_some(()));
    let set = finishing.finish();
    let Some(trace) = set.traces.first() else {
        return;
    };
    let mut search = PathSearch::new(trace.main_root());
    let path = longest("path", || search.step(trace, PATH_STEP_SPANS));
    let mut adding = Breakdown::new(&set, trace, &GroupBy::Name, path);
    longest("breakdown", || {
        adding.step(&set, trace, BREAKDOWN_STEP_SPANS).then_some(())
    });
    let mut summaries = Summaries::default();
    longest("summaries", || summaries.step(&set, SUMMARY_STEP_SPANS));
}
