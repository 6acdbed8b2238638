//! core's ingest alone, built for the browser: what `cargo xtask bench`
//! times in Chromium against criterion's native `tracelens_ingest` on the
//! same bytes (tests/bench/wasm_ingest.mjs).
//!
//! The page's own measure of a load counts the file read from disk, the
//! partial view and the frames it yields; this one is the parse and join
//! alone, run again and again on bytes in memory as criterion runs it.
//! The caller hands the bytes over with [`load`], times [`ingest`], and
//! calls [`drop_set`] outside the timing (criterion drops what it returns
//! outside its timing too).

use std::cell::RefCell;

use tracelens_core::TraceSet;
use wasm_bindgen::prelude::wasm_bindgen;

thread_local! {
    static INPUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static SET: RefCell<Option<TraceSet>> = const { RefCell::new(None) };
}

/// Keeps a copy of `bytes` to read.
#[wasm_bindgen]
pub fn load(bytes: &[u8]) {
    INPUT.with(|input| *input.borrow_mut() = bytes.to_vec());
}

/// Reads the bytes [`load`] kept as [`tracelens_core::ingest`] does; the
/// spans read, or -1 where they cannot be read. The set is kept until
/// [`drop_set`].
#[wasm_bindgen]
pub fn ingest() -> f64 {
    let set = INPUT.with(|input| tracelens_core::ingest(&input.borrow()));
    match set {
        Ok(set) => {
            let spans = set.span_count() as f64;
            SET.with(|kept| *kept.borrow_mut() = Some(set));
            spans
        }
        Err(_) => -1.0,
    }
}

/// Frees the set the last [`ingest`] read.
#[wasm_bindgen]
pub fn drop_set() {
    SET.with(|kept| kept.borrow_mut().take());
}
