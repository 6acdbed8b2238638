//! Any bytes through sniffing and decompression, then the analyses.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| common::decode_and_analyze(None, data));
