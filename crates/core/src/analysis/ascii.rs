//! Traces drawn as ASCII timelines, for tests that show what they check.
//!
//! Each line is `LABEL BAR`: the label's indentation (two spaces a level)
//! gives the nesting, `[---]` spans from the column of `[` to the column
//! of `]`, and a lone `|` is a zero-length span at its column. One column
//! is one microsecond. A label is `[SERVICE:]NAME[@KIND][#ID]`: the kind
//! is `producer`, `consumer`, `client`, `server` (or, in a Jaeger drawing,
//! `follows`: a FOLLOWS_FROM reference to the parent instead of CHILD_OF);
//! `#ID` gives the span id in hex (two lines may share one, as Zipkin's
//! client and server sides do), else it is the line's number.

use crate::{ingest, Trace, TraceSet};

const TRACE_ID: &str = "0102030405060708090a0b0c0d0e0f10";

/// One drawn span.
struct Drawn<'a> {
    service: &'a str,
    name: &'a str,
    kind: &'a str,
    id: String,
    parent: String,
    start_us: usize,
    end_us: usize,
}

fn drawn<'a>(lines: &[&'a str]) -> Vec<Drawn<'a>> {
    let mut spans = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let depth = indent / 2;
        let label = line.split_whitespace().next().unwrap();
        let (label, id) = match label.split_once('#') {
            Some((label, id)) => (label, format!("{id:0>16}")),
            None => (label, format!("{:016x}", n + 1)),
        };
        let (label, kind) = label.split_once('@').unwrap_or((label, "internal"));
        let (service, name) = label.split_once(':').unwrap_or(("drawn", label));
        let bar = indent + line.split_whitespace().next().unwrap().len();
        let rest = &line[bar..];
        let (start_us, end_us) = match (rest.find('['), rest.find(']'), rest.find('|')) {
            (Some(open), Some(close), _) => (bar + open, bar + close),
            (_, _, Some(at)) => (bar + at, bar + at),
            _ => panic!("line {n} has no bar: {line:?}"),
        };
        stack.truncate(depth);
        let parent = stack.last().cloned().unwrap_or_default();
        stack.push(id.clone());
        spans.push(Drawn {
            service,
            name,
            kind,
            id,
            parent,
            start_us,
            end_us,
        });
    }
    spans
}

fn only_trace(json: String) -> (TraceSet, Trace) {
    let mut set = ingest(json.as_bytes()).unwrap();
    let trace = set.traces.remove(0);
    (set, trace)
}

/// Builds the drawn trace through the real OTLP/JSON ingest (one resource
/// per service).
pub fn trace_from_ascii(lines: &[&str]) -> (TraceSet, Trace) {
    only_trace(format!(
        r#"{{"resourceSpans":[{}]}}"#,
        resource_spans(lines, TRACE_ID).join(",")
    ))
}

/// Several drawn traces as one set, read by the real OTLP/JSON ingest:
/// drawing `n` is the trace whose id ends in `n` (in hex), so the set
/// lists them in the order drawn.
pub fn set_from_ascii(drawings: &[&[&str]]) -> TraceSet {
    let resources: Vec<String> = drawings
        .iter()
        .enumerate()
        .flat_map(|(n, lines)| resource_spans(lines, &format!("{}{n:04x}", &TRACE_ID[..28])))
        .collect();
    ingest(format!(r#"{{"resourceSpans":[{}]}}"#, resources.join(",")).as_bytes()).unwrap()
}

/// The drawn spans as OTLP/JSON `resourceSpans`, one per service.
fn resource_spans(lines: &[&str], trace_id: &str) -> Vec<String> {
    let spans = drawn(lines);
    let mut services: Vec<&str> = spans.iter().map(|s| s.service).collect();
    services.sort_unstable();
    services.dedup();
    services
        .iter()
        .map(|service| {
            let of_service: Vec<String> = spans
                .iter()
                .filter(|s| s.service == *service)
                .map(|s| {
                    let kind = match s.kind {
                        "server" => 2,
                        "client" => 3,
                        "producer" => 4,
                        "consumer" => 5,
                        _ => 1,
                    };
                    format!(
                        r#"{{"traceId":"{trace_id}","spanId":"{}","parentSpanId":"{}","name":"{}","kind":{kind},"startTimeUnixNano":"{}","endTimeUnixNano":"{}"}}"#,
                        s.id,
                        s.parent,
                        s.name,
                        s.start_us * 1_000,
                        s.end_us * 1_000
                    )
                })
                .collect();
            format!(
                r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}"#,
                of_service.join(",")
            )
        })
        .collect()
}

/// Builds the drawn trace through the real Zipkin v2 ingest: `@server`
/// spans are marked `"shared": true` when `shared_flag` is set (as Brave
/// writes them), and left unmarked otherwise (as some instrumentation does).
pub fn trace_from_zipkin_ascii(lines: &[&str], shared_flag: bool) -> (TraceSet, Trace) {
    let spans: Vec<String> = drawn(lines)
        .iter()
        .map(|s| {
            let kind = match s.kind {
                "internal" => String::new(),
                kind => format!(r#","kind":"{}""#, kind.to_uppercase()),
            };
            let parent = match s.parent.as_str() {
                "" => String::new(),
                parent => format!(r#","parentId":"{parent}""#),
            };
            let shared = match shared_flag && s.kind == "server" {
                true => r#","shared":true"#,
                false => "",
            };
            format!(
                r#"{{"traceId":"{TRACE_ID}","id":"{}"{parent},"name":"{}"{kind}{shared},"timestamp":{},"duration":{},"localEndpoint":{{"serviceName":"{}"}}}}"#,
                s.id,
                s.name,
                s.start_us,
                s.end_us - s.start_us,
                s.service
            )
        })
        .collect();
    only_trace(format!("[{}]", spans.join(",")))
}

/// Builds the drawn trace through the real Jaeger JSON ingest: a span
/// drawn `@follows` refers to its parent by FOLLOWS_FROM, others by
/// CHILD_OF.
pub fn trace_from_jaeger_ascii(lines: &[&str]) -> (TraceSet, Trace) {
    let spans: Vec<String> = drawn(lines)
        .iter()
        .map(|s| {
            let references = match (s.parent.as_str(), s.kind) {
                ("", _) => String::new(),
                (parent, kind) => format!(
                    r#"{{"refType":"{}","traceID":"{TRACE_ID}","spanID":"{parent}"}}"#,
                    if kind == "follows" { "FOLLOWS_FROM" } else { "CHILD_OF" }
                ),
            };
            format!(
                r#"{{"traceID":"{TRACE_ID}","spanID":"{}","operationName":"{}","references":[{references}],"startTime":{},"duration":{},"processID":"{}"}}"#,
                s.id,
                s.name,
                s.start_us,
                s.end_us - s.start_us,
                s.service
            )
        })
        .collect();
    let mut services: Vec<&str> = drawn(lines).iter().map(|s| s.service).collect();
    services.sort_unstable();
    services.dedup();
    let processes: Vec<String> = services
        .iter()
        .map(|s| format!(r#""{s}":{{"serviceName":"{s}"}}"#))
        .collect();
    only_trace(format!(
        r#"{{"data":[{{"traceID":"{TRACE_ID}","spans":[{}],"processes":{{{}}}}}]}}"#,
        spans.join(","),
        processes.join(",")
    ))
}
