//! Times the *Why slow* pane's steps natively on a file:
//! `cargo run --release -p tracelens-core --example explain_timing FILE`.

use std::time::Instant;

use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::analysis::explain::{explain, SlowRule};
use tracelens_core::analysis::structure::structure;

fn main() {
    let path = std::env::args().nth(1).expect("usage: explain_timing FILE");
    let set = tracelens_core::ingest(&std::fs::read(path).expect("FILE is readable")).unwrap();
    let at = Instant::now();
    let found = explain(&set, &GroupBy::Name, &SlowRule::SlowestPercent(10.0));
    println!("explain {:?}", at.elapsed());
    let at = Instant::now();
    let analyses: Vec<_> = (set.traces.iter())
        .map(|t| analyze(&set, t, &GroupBy::Name))
        .collect();
    println!("analyses {:?}", at.elapsed());
    let at = Instant::now();
    let all = structure(&set, set.traces.iter().zip(&analyses));
    println!(
        "structure of all {:?}: {} nodes",
        at.elapsed(),
        all.nodes.len()
    );
    let at = Instant::now();
    let slow = structure(
        &set,
        found.slow.iter().map(|&i| (&set.traces[i], &analyses[i])),
    );
    println!(
        "structure of the slow {:?}: {} nodes",
        at.elapsed(),
        slow.nodes.len()
    );
}
