//! Times the analyses of one trace natively, part by part, on the
//! benchmark's generated traces (for profiling; the figures that count are
//! `cargo xtask bench`'s):
//! `cargo run --release -p tracelens-core --example analysis_timing [SPANS…]`.

use std::time::Instant;

use tracelens_core::analysis::breakdown::{analyze_with_path, GroupBy};
use tracelens_core::analysis::critical_path::critical_path;
use tracelens_core::analysis::self_time::self_times;

#[path = "../benches/support/mod.rs"]
#[allow(dead_code)]
mod support;

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("a number of spans"))
        .collect();
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000, 1_000_000]
    } else {
        sizes
    };
    for spans in sizes {
        let set = tracelens_core::ingest(&support::protobuf(&support::trace(spans))).unwrap();
        let trace = &set.traces[0];
        let root = trace.main_root().unwrap();
        // The best of 15 batches: this kind of machine moves 10-30 %
        // between runs, and a mean carries that.
        let rounds = (3_000_000 / spans).max(1);
        let time = |f: &mut dyn FnMut()| {
            (0..15)
                .map(|_| {
                    let at = Instant::now();
                    for _ in 0..rounds {
                        f();
                    }
                    at.elapsed().as_nanos() as f64 / rounds as f64 / spans as f64
                })
                .fold(f64::MAX, f64::min)
        };
        let path = time(&mut || {
            std::hint::black_box(critical_path(trace, root));
        });
        let own = time(&mut || {
            std::hint::black_box(self_times(trace));
        });
        let whole = time(&mut || {
            let path = critical_path(trace, root);
            std::hint::black_box(analyze_with_path(&set, trace, &GroupBy::Name, path));
        });
        println!("{spans} spans: critical path {path:.1} ns/span, self times {own:.1}, analyze {whole:.1} (best of 15 batches)");
    }
}
