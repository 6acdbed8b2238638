//! The trace list's order: by start (the default: the nights of a job in
//! the order they ran), duration, span count or errors, either way; ties
//! by trace id, so the order never depends on how the files were read.

use tracelens_core::TraceSummary;

/// What the trace list is sorted by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceSort {
    #[default]
    Start,
    Duration,
    Spans,
    Errors,
}

impl TraceSort {
    /// Every choice, as the list offers them.
    pub const ALL: [TraceSort; 4] = [Self::Start, Self::Duration, Self::Spans, Self::Errors];

    /// Its name in the page (`value` of the option).
    pub fn name(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Duration => "duration",
            Self::Spans => "spans",
            Self::Errors => "errors",
        }
    }

    /// The choice named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The indices of `summaries` in list order.
pub fn order(summaries: &[TraceSummary], sort: TraceSort, descending: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..summaries.len()).collect();
    let key = |i: &usize| {
        let s = &summaries[*i];
        match sort {
            TraceSort::Start => s.start_ns,
            TraceSort::Duration => s.duration_ns,
            TraceSort::Spans => s.span_count as u64,
            TraceSort::Errors => s.errors as u64,
        }
    };
    order.sort_by(|a, b| {
        let by_key = key(a).cmp(&key(b));
        let by_key = if descending { by_key.reverse() } else { by_key };
        by_key.then(summaries[*a].trace_id.cmp(&summaries[*b].trace_id))
    });
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::{ingest, TraceSummary};

    /// Three traces: (trace id, start µs, duration µs, spans, errors).
    fn summaries() -> Vec<TraceSummary> {
        let traces = [
            ("0a", 30, 5, 1, 0),
            ("0b", 10, 50, 3, 1),
            ("0c", 20, 5, 2, 2),
        ];
        let mut spans = Vec::new();
        for (id, start, duration, count, errors) in traces {
            for n in 0..count {
                let status = if n < errors {
                    r#","status":{"code":2}"#
                } else {
                    ""
                };
                let parent = if n == 0 {
                    String::new()
                } else {
                    format!("{id}00000000000001")
                };
                spans.push(format!(
                    r#"{{"traceId":"{id}000000000000000000000000000000","spanId":"{id}0000000000000{}","parentSpanId":"{parent}","name":"s","startTimeUnixNano":"{}","endTimeUnixNano":"{}"{status}}}"#,
                    n + 1,
                    start * 1000,
                    (start + duration) * 1000
                ));
            }
        }
        let json = format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        );
        let set = ingest(json.as_bytes()).unwrap();
        set.traces
            .iter()
            .map(|t| TraceSummary::of(&set, t))
            .collect()
    }

    fn ids(summaries: &[TraceSummary], order: Vec<usize>) -> Vec<String> {
        order
            .into_iter()
            .map(|i| summaries[i].trace_id.to_string()[..2].to_owned())
            .collect()
    }

    #[test]
    fn traces_sort_by_start_duration_spans_or_errors_either_way() {
        let s = summaries();
        assert_eq!(
            ids(&s, order(&s, TraceSort::Start, false)),
            ["0b", "0c", "0a"]
        );
        assert_eq!(
            ids(&s, order(&s, TraceSort::Start, true)),
            ["0a", "0c", "0b"]
        );
        // Equal durations fall back to the trace id.
        assert_eq!(
            ids(&s, order(&s, TraceSort::Duration, true)),
            ["0b", "0a", "0c"]
        );
        assert_eq!(
            ids(&s, order(&s, TraceSort::Spans, true)),
            ["0b", "0c", "0a"]
        );
        assert_eq!(
            ids(&s, order(&s, TraceSort::Errors, true)),
            ["0c", "0b", "0a"]
        );
        assert_eq!(s.iter().map(|t| t.errors).sum::<usize>(), 3);
        assert_eq!(TraceSort::parse("errors"), Some(TraceSort::Errors));
    }
}
