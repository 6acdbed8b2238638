//! The one-line description of a trace that lists and reports show.

use crate::ids::TraceId;
use crate::model::{Trace, TraceSet};

/// What a trace list shows of one trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceSummary {
    /// The trace's id.
    pub trace_id: TraceId,
    /// Number of spans.
    pub span_count: usize,
    /// Name of the main root span (see [`Trace::main_root`]).
    pub root: String,
    /// Service of the main root span.
    pub service: String,
    /// Earliest span start, Unix nanoseconds.
    pub start_ns: u64,
    /// Latest span end minus earliest span start.
    pub duration_ns: u64,
    /// Spans with status ERROR.
    pub errors: usize,
    /// The services of its spans, the root's first, then by name.
    pub services: Vec<String>,
}

impl TraceSummary {
    /// Summarises `trace`, resolving names through `set`'s strings.
    pub fn of(set: &TraceSet, trace: &Trace) -> Self {
        let root = trace.main_root().map(|r| &trace.spans[r as usize]);
        let root_service = root.map(|s| s.service);
        // Errors counted in the same pass over the spans as their services
        // (two passes took 11 ms at a million spans in the browser).
        let mut errors = 0;
        let mut services = set
            .strings
            .distinct(
                trace
                    .spans
                    .iter()
                    .inspect(|s| errors += usize::from(s.status == crate::model::StatusCode::Error))
                    .map(|s| s.service)
                    .filter(|&s| Some(s) != root_service),
            )
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        if let Some(service) = root_service {
            services.insert(0, set.strings.get(service).to_owned());
        }
        Self {
            trace_id: trace.trace_id,
            span_count: trace.spans.len(),
            root: root.map_or_else(String::new, |s| set.strings.get(s.name).to_owned()),
            service: root.map_or_else(String::new, |s| set.strings.get(s.service).to_owned()),
            start_ns: trace.start_ns(),
            duration_ns: trace.duration_ns(),
            errors,
            services,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_counts_errors_and_names_the_root_service_first() {
        let span = |id: u64, parent: Option<u64>, service: &str, code: u8| {
            let parent = parent.map_or(String::new(), |p| format!(r#""parentSpanId":"{p:016x}","#));
            format!(
                r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{id:016x}",{parent}"name":"s{id}","startTimeUnixNano":"{id}000","endTimeUnixNano":"9000","status":{{"code":{code}}}}}]}}]}}"#
            )
        };
        let json = format!(
            r#"{{"resourceSpans":[{},{},{},{}]}}"#,
            span(2, Some(1), "api", 2),
            span(1, None, "web", 0),
            span(3, Some(1), "db", 2),
            span(4, Some(3), "api", 1),
        );
        let set = crate::ingest(json.as_bytes()).unwrap();
        let summary = TraceSummary::of(&set, &set.traces[0]);
        assert_eq!(summary.errors, 2);
        assert_eq!(summary.services, ["web", "api", "db"]);
        assert_eq!((summary.root.as_str(), summary.span_count), ("s1", 4));
    }
}
