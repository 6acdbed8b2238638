//! The one-line description of a trace that lists and reports show.

use crate::ids::TraceId;
use crate::model::{Span, StatusCode, Trace, TraceSet};

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
    /// Levels of nesting: 1 for a trace of roots alone (0 without spans).
    pub depth: u32,
}

impl TraceSummary {
    /// Summarises `trace`, resolving names through `set`'s strings.
    pub fn of(set: &TraceSet, trace: &Trace) -> Self {
        let mut tally = Tally::new(set);
        tally.add(&trace.spans);
        tally.summary(set, trace)
    }
}

/// The summaries of every trace of a set, found a bounded number of spans
/// at a time: at five million spans one trace's summary took 36 ms
/// natively, in the task that put the trace on screen.
#[derive(Default)]
pub struct Summaries {
    found: Vec<TraceSummary>,
    /// What the trace being gone over has shown so far.
    tally: Option<Tally>,
}

impl Summaries {
    /// Goes on for about `budget` spans of `set` (the same set each time);
    /// every trace's summary, in the set's order, once all are found.
    pub fn step(&mut self, set: &TraceSet, budget: usize) -> Option<Vec<TraceSummary>> {
        let mut budget = budget.max(1);
        while budget > 0 {
            let Some(trace) = set.traces.get(self.found.len()) else {
                return Some(std::mem::take(&mut self.found));
            };
            let tally = self.tally.get_or_insert_with(|| Tally::new(set));
            let end = trace.spans.len().min(tally.next.saturating_add(budget));
            // A trace costs a unit of the budget even without spans.
            budget -= (end - tally.next).clamp(1, budget);
            tally.add(&trace.spans[tally.next..end]);
            if end == trace.spans.len() {
                if let Some(tally) = self.tally.take() {
                    self.found.push(tally.summary(set, trace));
                }
            }
        }
        (self.found.len() == set.traces.len()).then(|| std::mem::take(&mut self.found))
    }
}

/// What a summary counts over a trace's spans, some at a time.
struct Tally {
    /// Spans with status ERROR so far.
    errors: usize,
    /// The services seen so far, by handle.
    services: Vec<bool>,
    /// The levels of nesting seen so far.
    depth: u32,
    /// The next span to go over.
    next: usize,
}

impl Tally {
    fn new(set: &TraceSet) -> Self {
        Self {
            errors: 0,
            services: vec![false; set.strings.len()],
            depth: 0,
            next: 0,
        }
    }

    /// Counts `spans`, the trace's next ones. Errors, services and depth
    /// in one pass (two passes took 11 ms at a million spans in the
    /// browser).
    fn add(&mut self, spans: &[Span]) {
        for span in spans {
            self.errors += usize::from(span.status == StatusCode::Error);
            self.depth = self.depth.max(span.depth + 1);
            if let Some(seen) = self.services.get_mut(span.service.0 as usize) {
                *seen = true;
            }
        }
        self.next += spans.len();
    }

    fn summary(mut self, set: &TraceSet, trace: &Trace) -> TraceSummary {
        let root = trace.main_root().map(|r| &trace.spans[r as usize]);
        let root_service = root.map(|s| s.service);
        if let Some(seen) = root_service.and_then(|s| self.services.get_mut(s.0 as usize)) {
            *seen = false;
        }
        let mut services = set
            .strings
            .flagged(&self.services)
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        if let Some(service) = root_service {
            services.insert(0, set.strings.get(service).to_owned());
        }
        TraceSummary {
            trace_id: trace.trace_id,
            span_count: trace.spans.len(),
            root: root.map_or_else(String::new, |s| set.strings.get(s.name).to_owned()),
            service: root.map_or_else(String::new, |s| set.strings.get(s.service).to_owned()),
            start_ns: trace.start_ns(),
            duration_ns: trace.duration_ns(),
            errors: self.errors,
            services,
            depth: self.depth,
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
        assert_eq!(summary.depth, 3);
    }

    #[test]
    fn summaries_found_in_steps_of_any_size_are_each_traces_own() {
        let mut json = String::from(r#"{"resourceSpans":["#);
        for (t, spans) in [3u64, 1, 5].into_iter().enumerate() {
            for s in 0..spans {
                let parent = match s {
                    0 => String::new(),
                    _ => format!(r#""parentSpanId":"{:016x}","#, t as u64 * 100 + 1),
                };
                let service = ["api", "db", "web"][(s as usize + t) % 3];
                let code = s % 2 * 2;
                json.push_str(&format!(
                    r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeSpans":[{{"spans":[{{"traceId":"{:032x}","spanId":"{:016x}",{parent}"name":"s{s}","startTimeUnixNano":"{}","endTimeUnixNano":"9000","status":{{"code":{code}}}}}]}}]}},"#,
                    t + 1,
                    t as u64 * 100 + s + 1,
                    1000 + s,
                ));
            }
        }
        json.pop();
        json.push_str("]}");
        let set = crate::ingest(json.as_bytes()).unwrap();
        let each: Vec<TraceSummary> = set
            .traces
            .iter()
            .map(|t| TraceSummary::of(&set, t))
            .collect();
        assert_eq!(each.iter().map(|s| s.span_count).sum::<usize>(), 9);
        assert!(each.iter().any(|s| s.errors == 2 && s.services.len() == 3));
        for budget in [1, 2, 4, 100] {
            let mut summaries = Summaries::default();
            let mut steps = 1;
            let stepped = loop {
                if let Some(found) = summaries.step(&set, budget) {
                    break found;
                }
                steps += 1;
            };
            assert_eq!(stepped, each, "budget {budget}");
            assert!(steps >= 9 / budget, "budget {budget}: {steps} steps");
        }
    }
}
