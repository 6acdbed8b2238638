//! Any bytes given to the OtlpJson decoder, then to the analyses.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    common::decode_and_analyze(Some(tracelens_core::Format::OtlpJson), data)
});
