//! Jaeger JSON: `{"data": [trace, …]}` as Jaeger UI downloads it, or one
//! bare trace object `{"traceID", "spans", "processes"}`. Times are
//! microseconds; a span's parent is its first `CHILD_OF` reference within
//! its own trace.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use super::json_syntax::{locate, U64Value};
use super::{IngestError, TraceSetBuilder};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::model::{Span, SpanKind, StatusCode};

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<JaegerTrace<'a>>>,
    #[serde(borrow, flatten)]
    bare: JaegerTrace<'a>,
}

#[derive(Deserialize, Default)]
struct JaegerTrace<'a> {
    #[serde(borrow, default)]
    spans: Vec<JaegerSpan<'a>>,
    #[serde(borrow, default)]
    processes: HashMap<Cow<'a, str>, Process<'a>>,
}

#[derive(Deserialize)]
struct Process<'a> {
    #[serde(borrow, default, rename = "serviceName")]
    service_name: Cow<'a, str>,
}

#[derive(Deserialize)]
struct JaegerSpan<'a> {
    #[serde(borrow, default, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanID")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "operationName")]
    operation_name: Cow<'a, str>,
    #[serde(borrow, default)]
    references: Vec<Reference<'a>>,
    #[serde(default, rename = "startTime")]
    start_time: U64Value,
    #[serde(default)]
    duration: U64Value,
    #[serde(borrow, default)]
    tags: Vec<Tag<'a>>,
    #[serde(borrow, default, rename = "processID")]
    process_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    process: Option<Process<'a>>,
}

#[derive(Deserialize)]
struct Reference<'a> {
    #[serde(borrow, default, rename = "refType")]
    ref_type: Cow<'a, str>,
    #[serde(borrow, default, rename = "traceID")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanID")]
    span_id: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(default)]
    value: Value,
}

/// True when a JSON object's first key is one Jaeger's trace JSON starts with.
pub(super) fn is_jaeger_key(key: &str) -> bool {
    matches!(
        key,
        "data" | "traceID" | "spans" | "processes" | "total" | "limit" | "offset" | "errors"
    )
}

pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let document: Document = serde_json::from_slice(bytes).map_err(|e| {
        IngestError::Malformed(format!("invalid Jaeger JSON at {}", locate(bytes, &e)))
    })?;
    let traces = match document.data {
        Some(traces) => traces,
        None => vec![document.bare],
    };
    if traces.iter().all(|t| t.spans.is_empty()) {
        return Err(IngestError::Malformed(
            "the Jaeger JSON holds no spans".to_owned(),
        ));
    }
    for trace in traces {
        for span in &trace.spans {
            add_span(span, &trace.processes, builder);
        }
    }
    Ok(())
}

fn add_span(
    span: &JaegerSpan<'_>,
    processes: &HashMap<Cow<'_, str>, Process<'_>>,
    builder: &mut TraceSetBuilder,
) {
    let (Some(trace_id), Some(span_id)) = (
        decode_id::<16>(&span.trace_id),
        decode_id::<8>(&span.span_id),
    ) else {
        builder.warn(format!(
            "Jaeger span {:?} ({}) of trace {:?} has an invalid id; it was skipped",
            span.span_id, span.operation_name, span.trace_id
        ));
        return;
    };
    let parent_span_id = span
        .references
        .iter()
        .find(|r| r.ref_type == "CHILD_OF" && decode_id::<16>(&r.trace_id) == Some(trace_id))
        .and_then(|r| decode_id::<8>(&r.span_id))
        .map(SpanId);
    let service = span
        .process
        .as_ref()
        .or_else(|| processes.get(span.process_id.as_deref()?))
        .map_or("unknown_service", |p| &p.service_name);
    let tag = |key: &str| span.tags.iter().find(|t| t.key == key).map(|t| &t.value);
    let kind = match tag("span.kind").and_then(Value::as_str) {
        Some("server") => SpanKind::Server,
        Some("client") => SpanKind::Client,
        Some("producer") => SpanKind::Producer,
        Some("consumer") => SpanKind::Consumer,
        Some("internal") => SpanKind::Internal,
        _ => SpanKind::Unspecified,
    };
    let error_tag = matches!(tag("error"), Some(Value::Bool(true)))
        || tag("error").and_then(Value::as_str) == Some("true");
    let status = match tag("otel.status_code").and_then(Value::as_str) {
        Some("ERROR") => StatusCode::Error,
        Some("OK") => StatusCode::Ok,
        _ if error_tag => StatusCode::Error,
        _ => StatusCode::Unset,
    };
    let start_ns = span.start_time.0.saturating_mul(1_000);
    let service = builder.intern(service);
    let name = builder.intern(&span.operation_name);
    builder.push_span(
        TraceId(trace_id),
        Span {
            span_id: SpanId(span_id),
            parent_span_id,
            parent: None,
            name,
            service,
            kind,
            status,
            start_ns,
            end_ns: start_ns.saturating_add(span.duration.0.saturating_mul(1_000)),
            depth: 0,
        },
    );
}
