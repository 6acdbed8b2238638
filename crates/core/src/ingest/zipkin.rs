//! Zipkin v2 JSON: an array of spans with microsecond times. 64-bit trace
//! ids are left-padded to 128 bits; a CLIENT and a SERVER span may share
//! one span id (both are kept).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

use super::json_syntax::{locate, U64Value};
use super::{IngestError, TraceSetBuilder};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::model::{Span, SpanKind, StatusCode};

#[derive(Deserialize)]
struct ZipkinSpan<'a> {
    #[serde(borrow, default, rename = "traceId")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(borrow, default, rename = "parentId")]
    parent_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: U64Value,
    #[serde(default)]
    duration: U64Value,
    #[serde(borrow, default, rename = "localEndpoint")]
    local_endpoint: Option<Endpoint<'a>>,
    #[serde(borrow, default)]
    tags: HashMap<Cow<'a, str>, Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Endpoint<'a> {
    #[serde(borrow, default, rename = "serviceName")]
    service_name: Option<Cow<'a, str>>,
}

pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let spans: Vec<ZipkinSpan> = serde_json::from_slice(bytes).map_err(|e| {
        IngestError::Malformed(format!("invalid Zipkin JSON at {}", locate(bytes, &e)))
    })?;
    if spans.is_empty() {
        return Err(IngestError::Malformed(
            "the Zipkin JSON array holds no spans".to_owned(),
        ));
    }
    for (index, span) in spans.iter().enumerate() {
        add_span(index, span, builder);
    }
    Ok(())
}

fn add_span(index: usize, span: &ZipkinSpan<'_>, builder: &mut TraceSetBuilder) {
    let (Some(trace_id), Some(span_id)) =
        (decode_id::<16>(&span.trace_id), decode_id::<8>(&span.id))
    else {
        builder.warn(format!(
            "Zipkin span #{index} (id {:?}, trace {:?}) has an invalid id; it was skipped",
            span.id, span.trace_id
        ));
        return;
    };
    let parent_span_id = span
        .parent_id
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(decode_id::<8>)
        .map(SpanId);
    let kind = match span.kind.as_deref() {
        Some("SERVER") => SpanKind::Server,
        Some("CLIENT") => SpanKind::Client,
        Some("PRODUCER") => SpanKind::Producer,
        Some("CONSUMER") => SpanKind::Consumer,
        // Zipkin leaves the kind out of local (internal) spans.
        None => SpanKind::Internal,
        _ => SpanKind::Unspecified,
    };
    let status = match span.tags.get("otel.status_code").map(|c| c.as_ref()) {
        Some("ERROR") => StatusCode::Error,
        Some("OK") => StatusCode::Ok,
        _ if span.tags.contains_key("error") => StatusCode::Error,
        _ => StatusCode::Unset,
    };
    let service = span
        .local_endpoint
        .as_ref()
        .and_then(|e| e.service_name.as_deref())
        .unwrap_or("unknown_service");
    let start_ns = span.timestamp.0.saturating_mul(1_000);
    let service = builder.intern(service);
    let name = builder.intern(span.name.as_deref().unwrap_or(""));
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
