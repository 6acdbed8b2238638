//! Traces drawn as ASCII timelines, for tests that show what they check.
//!
//! Each line is `NAME BAR`: the name's indentation (two spaces a level)
//! gives the nesting, `[---]` spans from the column of `[` to the column
//! of `]`, and a lone `|` is a zero-length span at its column. One column
//! is one microsecond. A name may end in `@producer`, `@consumer`,
//! `@client` or `@server` to set the span kind.

use crate::{ingest, Trace, TraceSet};

/// Builds the drawn trace through the real OTLP/JSON ingest.
pub(crate) fn trace_from_ascii(lines: &[&str]) -> (TraceSet, Trace) {
    let mut spans = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let depth = indent / 2;
        let label = line.split_whitespace().next().unwrap();
        let (name, kind) = match label.split_once('@') {
            Some((name, "producer")) => (name, 4),
            Some((name, "consumer")) => (name, 5),
            Some((name, "client")) => (name, 3),
            Some((name, "server")) => (name, 2),
            _ => (label, 1),
        };
        let bar = indent + label.len();
        let rest = &line[bar..];
        let (start, end) = match (rest.find('['), rest.find(']'), rest.find('|')) {
            (Some(open), Some(close), _) => (bar + open, bar + close),
            (_, _, Some(at)) => (bar + at, bar + at),
            _ => panic!("line {n} has no bar: {line:?}"),
        };
        stack.truncate(depth);
        let parent = stack.last().map(|(_, id)| id.clone()).unwrap_or_default();
        let id = format!("{:016x}", n + 1);
        stack.push((depth, id.clone()));
        spans.push(format!(
            r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{id}","parentSpanId":"{parent}","name":"{name}","kind":{kind},"startTimeUnixNano":"{}","endTimeUnixNano":"{}"}}"#,
            start * 1_000,
            end * 1_000
        ));
    }
    let json = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"drawn"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    );
    let mut set = ingest(json.as_bytes()).unwrap();
    let trace = set.traces.remove(0);
    (set, trace)
}
