//! Any bytes read as OTLP protobuf (a message, and a length-prefixed
//! stream) by the direct span reader (with prost behind it) and by prost
//! alone: the same outcome, warnings and spans.
#![no_main]

use tracelens_core::{Format, TraceSetBuilder};

// The corpus tests' account of a set read (its `everything`, of a
// result, goes unused here).
#[allow(dead_code)]
#[path = "../../crates/core/tests/everything/mod.rs"]
mod everything;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for format in [Format::OtlpProtobuf, Format::OtlpProtobufStream] {
        let mut direct = TraceSetBuilder::default();
        let direct_outcome = direct.add_as(format, data);
        let mut prost = TraceSetBuilder::default();
        let prost_outcome = prost.add_otlp_protobuf_by_prost(format, data);
        assert_eq!(direct_outcome, prost_outcome);
        assert_eq!(
            everything::of_set(&direct.finish()),
            everything::of_set(&prost.finish())
        );
    }
});
