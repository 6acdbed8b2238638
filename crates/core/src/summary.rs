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
        let mut services = set
            .strings
            .distinct(
                trace
                    .spans
                    .iter()
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
            errors: trace
                .spans
                .iter()
                .filter(|s| s.status == crate::model::StatusCode::Error)
                .count(),
            services,
        }
    }
}
