//! Any bytes read as OTLP/JSON by the direct reader (with the serde seeds
//! behind it) and by the seeds alone: the same outcome, warnings and spans.
#![no_main]

use tracelens_core::{Format, TraceSetBuilder};

// The corpus tests' account of a set read (its `everything`, of a
// result, goes unused here).
#[allow(dead_code)]
#[path = "../../crates/core/tests/everything/mod.rs"]
mod everything;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut direct = TraceSetBuilder::default();
    let direct_outcome = direct.add_as(Format::OtlpJson, data);
    let mut seeds = TraceSetBuilder::default();
    let seeds_outcome = seeds.add_otlp_json_by_seeds(data);
    assert_eq!(direct_outcome, seeds_outcome);
    assert_eq!(
        everything::of_set(&direct.finish()),
        everything::of_set(&seeds.finish())
    );
});
