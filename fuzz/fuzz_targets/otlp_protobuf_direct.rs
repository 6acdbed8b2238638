//! Any bytes read as OTLP protobuf (a message, and a length-prefixed
//! stream) by the direct span reader (with prost behind it) and by prost
//! alone: the same outcome, warnings and spans.
#![no_main]

use tracelens_core::{Format, TraceSetBuilder};

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    for format in [Format::OtlpProtobuf, Format::OtlpProtobufStream] {
        let mut direct = TraceSetBuilder::default();
        let direct_outcome = direct.add_as(format, data);
        let mut prost = TraceSetBuilder::default();
        let prost_outcome = prost.add_otlp_protobuf_by_prost(format, data);
        assert_eq!(direct_outcome, prost_outcome);
        assert_eq!(
            common::spans(&direct.finish()),
            common::spans(&prost.finish())
        );
    }
});
