//! Loki answers with any labels, lines and structured metadata: the bytes
//! are split at zero bytes into a stream's labels, an entry's line and its
//! metadata, and put in a well-formed answer, so that every input reaches
//! the Loki reader (random bytes alone rarely make one). Read twice (the
//! second adds nothing), then joined: never a panic.
#![no_main]

use serde_json::{json, Map, Value};
use tracelens_core::logs::{LogFields, LogSet, TraceLogs};

/// A JSON object from the text, or the text under `trace_id` (so that ids
/// of every shape reach the id reader).
fn object(text: &str) -> Value {
    match serde_json::from_str::<Map<String, Value>>(text) {
        Ok(map) => Value::Object(map),
        Err(_) => json!({ "trace_id": text, "span_id": text }),
    }
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0');
    let labels = object(parts.next().unwrap_or_default());
    let line = parts.next().unwrap_or_default();
    let metadata = parts.next().map(object);
    let mut entry = vec![json!("1741831246579432000"), json!(line)];
    entry.extend(metadata);
    let answer = json!({
        "status": "success",
        "data": {"resultType": "streams", "result": [
            {"stream": labels, "values": [entry]}
        ]}
    });
    let bytes = serde_json::to_vec(&answer).unwrap();
    let mut logs = LogSet::default();
    let first = logs.add(&bytes, &LogFields::default());
    let again = logs.add(&bytes, &LogFields::default());
    if let (Ok((_, read)), Ok((_, twice))) = (first, again) {
        assert!(read <= 1 && twice == 0, "a Loki entry read twice is listed once");
    }
    if let Ok(set) = tracelens_core::ingest(&bytes) {
        for trace in &set.traces {
            let _ = TraceLogs::join(trace, &logs).unknown_span_warning(trace);
        }
    }
});
