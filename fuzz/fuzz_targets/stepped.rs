//! Any bytes read in small steps, as the browser reads them: never a panic,
//! and the same spans as reading them at once.
#![no_main]

use tracelens_core::TraceSetBuilder;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut whole = TraceSetBuilder::default();
    let at_once = whole.add(data);
    let whole = whole.finish();
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
        let count = |set: &tracelens_core::TraceSet| set.traces.iter().map(|t| t.spans.len()).sum::<usize>();
        assert_eq!(count(&whole), count(&stepped));
    }
});
