//! JSON log lines like the story's: each carries the trace_id and span_id
//! of the span it was written in, so a trace and its logs can be joined.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::Context;
use opentelemetry::trace::TraceContextExt;

pub struct Logger {
    out: Option<Mutex<BufWriter<File>>>,
}

impl Logger {
    pub fn create(path: Option<&Path>) -> anyhow::Result<Self> {
        let out = match path {
            Some(path) => Some(Mutex::new(BufWriter::new(
                File::create(path)
                    .with_context(|| format!("cannot write the log file {}", path.display()))?,
            ))),
            None => None,
        };
        Ok(Self { out })
    }

    /// Writes one line in the current span's context.
    pub fn log(&self, level: &str, message: &str, fields: serde_json::Value) {
        let Some(out) = &self.out else {
            return;
        };
        let context = opentelemetry::Context::current();
        let span = context.span();
        let ids = span.span_context();
        let mut line = serde_json::json!({
            "time": SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0),
            "level": level,
            "service": "batch-worker",
            "message": message,
        });
        if let (Some(line), serde_json::Value::Object(fields)) = (line.as_object_mut(), fields) {
            line.extend(fields);
            if ids.is_valid() {
                line.insert("trace_id".into(), ids.trace_id().to_string().into());
                line.insert("span_id".into(), ids.span_id().to_string().into());
            }
        }
        if let Ok(mut out) = out.lock() {
            // A log line that cannot be written must not stop the pipeline.
            let _ = writeln!(out, "{line}");
        }
    }

    pub fn flush(&self) {
        if let Some(out) = &self.out {
            if let Ok(mut out) = out.lock() {
                let _ = out.flush();
            }
        }
    }
}
