//! Zipkin v2 JSON: an array of spans with microsecond times (as Zipkin UI
//! downloads a trace), an array of such arrays (`/api/v2/traces`), or one
//! span object. 64-bit trace ids are left-padded to 128 bits. A CLIENT
//! span and the SERVER span handling its call may share one span id (B3):
//! both are kept, each with its own service, and joining nests the server
//! side under the client side as Zipkin does (the side marked `"shared":
//! true`, or else the SERVER beside a CLIENT, is the server side).

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;

use super::assemble::{DecodedEvent, DecodedSpan};
use super::json_syntax::{locate, U64Value};
use super::{IngestError, TraceSetBuilder};
use crate::attributes::{Attribute, Scope, Value};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::model::{Span, SpanKind, StatusCode, FLAGS_PARENT_IS_REMOTE};

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
    /// The server side of a span id its client shares.
    #[serde(default)]
    shared: Option<bool>,
    #[serde(borrow, default)]
    tags: HashMap<Cow<'a, str>, Cow<'a, str>>,
    #[serde(borrow, default)]
    annotations: Vec<Annotation<'a>>,
}

#[derive(Deserialize)]
struct Annotation<'a> {
    #[serde(default)]
    timestamp: U64Value,
    #[serde(borrow, default)]
    value: Cow<'a, str>,
}

/// Tags the OpenTelemetry Zipkin exporter makes from OTLP fields, read back
/// into those fields rather than kept as attributes.
const TRANSLATED_TAGS: &[&str] = &[
    "otel.status_code",
    "otel.status_description",
    "otel.scope.name",
    "otel.scope.version",
];

#[derive(Deserialize)]
struct Endpoint<'a> {
    #[serde(borrow, default, rename = "serviceName")]
    service_name: Option<Cow<'a, str>>,
}

pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let invalid = |e: serde_json::Error| {
        IngestError::Malformed(format!("invalid Zipkin JSON at {}", locate(bytes, &e)))
    };
    // Told by the first bytes, not by serde's untagged enum: its errors
    // would say only that no shape matched, nowhere.
    let mut text = bytes.iter().filter(|b| !b.is_ascii_whitespace());
    let mut spans: Vec<ZipkinSpan> = match (text.next(), text.next()) {
        (Some(b'['), Some(b'[')) => {
            let traces: Vec<Vec<ZipkinSpan>> = serde_json::from_slice(bytes).map_err(invalid)?;
            traces.into_iter().flatten().collect()
        }
        (Some(b'{'), _) => vec![serde_json::from_slice(bytes).map_err(invalid)?],
        _ => serde_json::from_slice(bytes).map_err(invalid)?,
    };
    if spans.is_empty() {
        return Err(IngestError::Malformed(
            "the Zipkin JSON array holds no spans".to_owned(),
        ));
    }
    let untimed = merge_pieces(&mut spans);
    if let Some(&first) = untimed.first() {
        let span = &spans[first];
        builder.warn(format!(
            "{} Zipkin span(s) have no timestamp and no timed span of the same id and service \
             to join (first: span #{first}, id {:?}, {:?}); they were skipped",
            untimed.len(),
            span.id,
            span.name.as_deref().unwrap_or("")
        ));
    }
    for (index, span) in spans.iter().enumerate() {
        if span.timestamp.0 != 0 {
            add_span(index, span, builder);
        }
    }
    Ok(())
}

/// Zipkin reporters may send one span in pieces: the timed one, and later
/// an untimed one with more tags or annotations (same trace, id and
/// service). Each untimed piece's tags and annotations join the timed span
/// it belongs to; the pieces left over, which nothing can place in time,
/// are returned for a warning.
fn merge_pieces(spans: &mut [ZipkinSpan<'_>]) -> Vec<usize> {
    let key = |s: &ZipkinSpan<'_>| {
        let service = s
            .local_endpoint
            .as_ref()
            .and_then(|e| e.service_name.as_deref());
        (
            s.trace_id.to_string(),
            s.id.to_string(),
            service.unwrap_or("").to_owned(),
        )
    };
    let untimed: Vec<usize> = (0..spans.len())
        .filter(|&i| spans[i].timestamp.0 == 0)
        .collect();
    if untimed.is_empty() {
        return Vec::new();
    }
    let mut timed: HashMap<(String, String, String), usize> = HashMap::new();
    for (i, span) in spans.iter().enumerate() {
        if span.timestamp.0 != 0 {
            timed.entry(key(span)).or_insert(i);
        }
    }
    let mut left = Vec::new();
    for i in untimed {
        match timed.get(&key(&spans[i])) {
            Some(&into) => {
                let tags = std::mem::take(&mut spans[i].tags);
                let annotations = std::mem::take(&mut spans[i].annotations);
                let target = &mut spans[into];
                for (key, value) in tags {
                    target.tags.entry(key).or_insert(value);
                }
                target.annotations.extend(annotations);
            }
            None => left.push(i),
        }
    }
    left
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
    let tag = |key: &str| span.tags.get(key).map_or("", |v| v.as_ref());
    let scope = if tag("otel.scope.name").is_empty() {
        0
    } else {
        let scope = Scope {
            name: builder.intern(tag("otel.scope.name")),
            version: builder.intern(tag("otel.scope.version")),
            attributes: Vec::new(),
        };
        builder.scope(scope)
    };
    // Sorted, so the attributes do not depend on the hash map's order.
    let mut tags: Vec<(&str, &str)> = span
        .tags
        .iter()
        .filter(|(k, _)| !TRANSLATED_TAGS.contains(&k.as_ref()))
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    tags.sort_unstable();
    let attributes = tags
        .into_iter()
        .map(|(key, value)| Attribute {
            key: builder.intern(key),
            value: Value::Str(builder.intern(value)),
        })
        .collect();
    let events = span.annotations.iter().map(|a| event(a, builder)).collect();
    let decoded = DecodedSpan {
        trace_id: TraceId(trace_id),
        span: Span {
            span_id: SpanId(span_id),
            parent_span_id,
            name: builder.intern(span.name.as_deref().unwrap_or("")),
            service: builder.intern(service),
            scope,
            kind,
            status,
            flags: match span.shared {
                Some(true) => FLAGS_PARENT_IS_REMOTE,
                _ => 0,
            },
            // The OpenTelemetry exporter puts the status description in `error`.
            status_message: builder.intern(match tag("otel.status_description") {
                "" if status == StatusCode::Error => tag("error"),
                description => description,
            }),
            start_ns,
            end_ns: start_ns.saturating_add(span.duration.0.saturating_mul(1_000)),
            ..Span::default()
        },
        attributes,
        events,
        links: Vec::new(),
    };
    builder.push_span(decoded);
}

/// An annotation as an event. The OpenTelemetry exporter writes an event as
/// `{"name": {attributes}}` in the annotation's value; others write text.
fn event(annotation: &Annotation<'_>, builder: &mut TraceSetBuilder) -> DecodedEvent {
    let time_ns = annotation.timestamp.0.saturating_mul(1_000);
    let parsed: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&annotation.value).ok();
    if let Some((name, serde_json::Value::Object(fields))) = parsed
        .filter(|m| m.len() == 1)
        .and_then(|m| m.into_iter().next())
    {
        let attributes = fields
            .into_iter()
            .map(|(key, value)| Attribute {
                key: builder.intern(&key),
                value: Value::Str(builder.intern(&match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })),
            })
            .collect();
        return DecodedEvent {
            time_ns,
            name: builder.intern(&name),
            attributes,
            dropped_attributes: 0,
        };
    }
    DecodedEvent {
        time_ns,
        name: builder.intern(&annotation.value),
        attributes: Vec::new(),
        dropped_attributes: 0,
    }
}
