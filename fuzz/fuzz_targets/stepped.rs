//! Any bytes read in small steps, as the browser reads them, and read while
//! they arrive in small parts, as the browser reads a big file: never a
//! panic, and the same spans as reading them at once.
#![no_main]

use tracelens_core::{TraceSet, TraceSetBuilder};

fn count(set: &TraceSet) -> usize {
    set.traces.iter().map(|t| t.spans.len()).sum()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut whole = TraceSetBuilder::default();
    let at_once = whole.add(data);
    let whole = whole.finish();

    // Arriving in 64-byte parts: exactly what reading at once gives.
    let mut arriving = TraceSetBuilder::default();
    let mut given = data.len().min(64);
    let mut load = arriving.start_arriving(data[..given].to_vec(), data.len());
    let outcome = 'read: loop {
        if given == data.len() {
            if let Err(error) = load.complete() {
                break Err(error);
            }
        }
        loop {
            if let Some(outcome) = arriving.advance(&mut load, 64) {
                break 'read outcome;
            }
            if load.wants_input() {
                break;
            }
        }
        let next = (given + 64).min(data.len());
        load.append(&data[given..next]);
        given = next;
    };
    assert_eq!(outcome, at_once);
    let arriving = arriving.finish();
    assert_eq!(count(&arriving), count(&whole));
    assert_eq!(arriving.warnings, whole.warnings);

    let mut stepped = TraceSetBuilder::default();
    let Ok(mut load) = stepped.start(data.to_vec()) else {
        return;
    };
    let outcome = loop {
        if let Some(outcome) = stepped.advance(&mut load, 64) {
            break outcome;
        }
    };
    let stepped = stepped.finish();
    // Well-formed input must give the same spans however it is read.
    if at_once.is_ok() && outcome.is_ok() && whole.warnings.is_empty() && stepped.warnings.is_empty() {
        assert_eq!(count(&whole), count(&stepped));
    }
});
