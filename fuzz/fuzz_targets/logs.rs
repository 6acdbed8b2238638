//! Any bytes given to the log reader, then joined to a trace read from the
//! same bytes: never a panic.
#![no_main]

use tracelens_core::logs::{looks_like_logs, LogFields, LogSet, TraceLogs};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = looks_like_logs(data);
    let mut logs = LogSet::default();
    let _ = logs.add(data, &LogFields::default());
    if let Ok(set) = tracelens_core::ingest(data) {
        for trace in &set.traces {
            let joined = TraceLogs::join(trace, &logs);
            let _ = joined.unknown_span_warning(trace);
        }
    }
});
