//! Critical path + breakdown, 10k to 1M spans: it must stay linear and
//! finish a million spans in under 0.3 s.

#[allow(dead_code)] // each benchmark binary uses a part of the shared generator
mod support;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use tracelens_core::analysis::breakdown::{analyze, GroupBy};

fn analysis(c: &mut Criterion) {
    let mut group = c.benchmark_group("critical_path_and_breakdown");
    for spans in [10_000usize, 100_000, 1_000_000] {
        // The small sizes run in under a millisecond: ten samples of them
        // moved by 70 % between runs on this kind of machine.
        group.sample_size(match spans {
            1_000_000 => 10,
            100_000 => 30,
            _ => 100,
        });
        let set = tracelens_core::ingest(&support::protobuf(&support::trace(spans))).unwrap();
        let trace = &set.traces[0];
        group.throughput(Throughput::Elements(spans as u64));
        group.bench_with_input(BenchmarkId::from_parameter(spans), trace, |b, trace| {
            b.iter(|| analyze(&set, black_box(trace), &GroupBy::Name))
        });
    }
    group.finish();
}

/// The slow tenth of 1,000 traces of 1,000 spans against the rest, as the
/// *Why slow* pane works it out.
fn explain(c: &mut Criterion) {
    let set = tracelens_core::ingest(&support::protobuf(&support::night(1_000, 1_000))).unwrap();
    let mut group = c.benchmark_group("explain");
    group.sample_size(10);
    group.bench_function("1000x1000", |b| {
        b.iter(|| {
            tracelens_core::analysis::explain::explain(
                black_box(&set),
                &GroupBy::Name,
                &tracelens_core::analysis::explain::SlowRule::SlowestPercent(10.0),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, analysis, explain);
criterion_main!(benches);
