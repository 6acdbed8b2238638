//! Ingest speed against the floor set by the parsers themselves: serde_json
//! merely skimming the same bytes, and prost decoding them into TracesData.
//! What each returns is dropped outside the timing (`iter_with_large_drop`):
//! freeing a model or a `TracesData` is not reading it.

#[allow(dead_code)] // each benchmark binary uses a part of the shared generator
mod support;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use opentelemetry_proto::tonic::trace::v1::TracesData;
use prost::Message;
use serde::de::IgnoredAny;
use std::hint::black_box;

const SPANS: usize = 100_000;

fn ingest(c: &mut Criterion) {
    let data = support::trace(SPANS);
    let json = support::json(&data);
    let protobuf = support::protobuf(&data);

    let mut group = c.benchmark_group("json_100k");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("serde_skim", |b| {
        b.iter_with_large_drop(|| serde_json::from_slice::<IgnoredAny>(black_box(&json)).unwrap())
    });
    group.bench_function("tracelens_ingest", |b| {
        b.iter_with_large_drop(|| tracelens_core::ingest(black_box(&json)).unwrap())
    });
    group.finish();

    let mut group = c.benchmark_group("protobuf_100k");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(protobuf.len() as u64));
    group.bench_function("prost_decode", |b| {
        b.iter_with_large_drop(|| TracesData::decode(black_box(protobuf.as_slice())).unwrap())
    });
    group.bench_function("tracelens_ingest", |b| {
        b.iter_with_large_drop(|| tracelens_core::ingest(black_box(&protobuf)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, ingest);
criterion_main!(benches);
