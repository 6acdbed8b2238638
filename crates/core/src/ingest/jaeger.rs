//! Jaeger JSON: `{"data": [trace, …]}` as Jaeger UI downloads it (and its
//! query API answers), one bare trace object `{"traceID", "spans",
//! "processes"}`, or a bare array of spans. Times are
//! microseconds; a span's parent is its first `CHILD_OF` reference within
//! its own trace, else its first `FOLLOWS_FROM` there (a parent that does
//! not wait for it).

use std::borrow::Cow;
use std::collections::HashMap;

use base64::Engine as _;
use serde::Deserialize;
use serde_json::Value as JsonValue;

use super::assemble::{DecodedEvent, DecodedLink, DecodedSpan};
use super::json_syntax::{locate, U64Value};
use super::{IngestError, TraceSetBuilder};
use crate::attributes::{Attribute, Resource, Scope, Value};
use crate::ids::{decode_id, stand_in_id, SpanId, TraceId};
use crate::model::{Span, SpanKind, StatusCode};

/// `{"data": [trace…], "errors": …}` or one bare trace; keys no Jaeger
/// JSON defines are skipped. (No `#[serde(flatten)]`: it buffers the
/// document, and errors would then point at its closing brace.)
#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow, default)]
    data: Option<Vec<JaegerTrace<'a>>>,
    #[serde(borrow, default)]
    spans: Vec<JaegerSpan<'a>>,
    #[serde(borrow, default)]
    processes: HashMap<Cow<'a, str>, Process<'a>>,
    #[serde(borrow, default)]
    errors: Option<Vec<ApiError<'a>>>,
}

/// What Jaeger's query API says went wrong (`{"code": 404, "msg": …}`).
#[derive(Deserialize)]
struct ApiError<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(borrow, default)]
    msg: Cow<'a, str>,
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
    #[serde(borrow, default)]
    tags: Vec<Tag<'a>>,
}

#[derive(Deserialize)]
struct Log<'a> {
    #[serde(default)]
    timestamp: U64Value,
    #[serde(borrow, default)]
    fields: Vec<Tag<'a>>,
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
    #[serde(borrow, default)]
    logs: Vec<Log<'a>>,
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
    #[serde(borrow, default, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(default)]
    value: JsonValue,
}

/// Tags the OTLP→Jaeger translation makes from OTLP fields, read back into
/// those fields rather than kept as attributes.
const TRANSLATED_TAGS: &[&str] = &[
    "span.kind",
    "otel.status_code",
    "otel.status_description",
    "error",
    "w3c.tracestate",
    "otel.scope.name",
    "otel.scope.version",
];

/// Reads `{"data": [trace…]}` or one bare trace object.
pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let document: Document = serde_json::from_slice(bytes).map_err(|e| invalid(bytes, e))?;
    let traces = match document.data {
        Some(traces) => traces,
        None => vec![JaegerTrace {
            spans: document.spans,
            processes: document.processes,
        }],
    };
    add_traces(traces, document.errors, builder)
}

/// Reads a bare array of Jaeger spans, or one span object (as Jaeger's
/// Elasticsearch storage keeps each), each with its process inside.
pub(super) fn read_spans(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let spans: Vec<JaegerSpan> = match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => serde_json::from_slice(bytes),
        _ => serde_json::from_slice(bytes).map(|span| vec![span]),
    }
    .map_err(|e| invalid(bytes, e))?;
    let trace = JaegerTrace {
        spans,
        processes: HashMap::new(),
    };
    add_traces(vec![trace], None, builder)
}

fn invalid(bytes: &[u8], error: serde_json::Error) -> IngestError {
    IngestError::Malformed(format!("invalid Jaeger JSON at {}", locate(bytes, &error)))
}

fn add_traces(
    traces: Vec<JaegerTrace<'_>>,
    errors: Option<Vec<ApiError<'_>>>,
    builder: &mut TraceSetBuilder,
) -> Result<(), IngestError> {
    if traces.iter().all(|t| t.spans.is_empty()) {
        let said: Vec<String> = errors
            .iter()
            .flatten()
            .map(|e| match e.code {
                Some(code) => format!("{code} {}", e.msg),
                None => e.msg.to_string(),
            })
            .collect();
        return Err(IngestError::Malformed(match said.is_empty() {
            true => "the Jaeger JSON holds no spans".to_owned(),
            false => format!(
                "the Jaeger answer holds no spans; it says: {}",
                said.join("; ")
            ),
        }));
    }
    let mut ids = Ids::default();
    for trace in traces {
        for span in &trace.spans {
            add_span(span, &trace.processes, &mut ids, builder);
        }
    }
    if let Some(example) = ids.first_opaque {
        builder.warn(format!(
            "the Jaeger ids are not hex (first: {example:?}); each was given a stand-in hex id \
             made from its text, so spans still join to their parents"
        ));
    }
    Ok(())
}

/// Reads ids: hex (or base64) as written, and, since Jaeger UI takes ids
/// as opaque text (its own test traces say `"span-1"`), any other text as
/// a stand-in id made from it, the same text giving the same id.
#[derive(Default)]
struct Ids {
    first_opaque: Option<String>,
}

impl Ids {
    fn id<const N: usize>(&mut self, text: &str) -> Option<[u8; N]> {
        if text.trim().is_empty() {
            return None;
        }
        decode_id::<N>(text).or_else(|| {
            self.first_opaque.get_or_insert_with(|| text.to_owned());
            Some(stand_in_id(text))
        })
    }
}

fn add_span(
    span: &JaegerSpan<'_>,
    processes: &HashMap<Cow<'_, str>, Process<'_>>,
    ids: &mut Ids,
    builder: &mut TraceSetBuilder,
) {
    let (Some(trace_id), Some(span_id)) =
        (ids.id::<16>(&span.trace_id), ids.id::<8>(&span.span_id))
    else {
        builder.warn(format!(
            "Jaeger span {:?} ({}) of trace {:?} has an invalid id; it was skipped",
            span.span_id, span.operation_name, span.trace_id
        ));
        return;
    };
    // The parent is the first CHILD_OF reference within the trace; a span
    // with none hangs under the span it FOLLOWS_FROM, which does not wait
    // for it (Jaeger UI keeps it there, set aside by the critical path).
    let mut within = |r: &Reference<'_>, kind: &str| {
        r.ref_type == kind && ids.id::<16>(&r.trace_id) == Some(trace_id)
    };
    let child_of = span.references.iter().position(|r| within(r, "CHILD_OF"));
    let follows_from = child_of
        .is_none()
        .then(|| {
            span.references
                .iter()
                .position(|r| within(r, "FOLLOWS_FROM"))
        })
        .flatten();
    let parent = child_of.or(follows_from);
    let parent_span_id = parent
        .and_then(|i| ids.id::<8>(&span.references[i].span_id))
        .map(SpanId);
    // Every other reference (more FOLLOWS_FROM, CHILD_OF into other
    // traces) is what OTLP calls a link.
    let links = span
        .references
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != parent)
        .filter_map(|(_, r)| {
            Some(DecodedLink {
                trace_id: TraceId(ids.id::<16>(&r.trace_id)?),
                span_id: SpanId(ids.id::<8>(&r.span_id)?),
                trace_state: Default::default(),
                attributes: Vec::new(),
                dropped_attributes: 0,
            })
        })
        .collect();
    let process = span
        .process
        .as_ref()
        .or_else(|| processes.get(span.process_id.as_deref()?));
    let service = builder.intern(process.map_or("unknown_service", |p| &p.service_name));
    let resource = match process {
        Some(process) => {
            let mut attributes = vec![Attribute {
                key: builder.intern("service.name"),
                value: Value::Str(service),
            }];
            attributes.extend(process.tags.iter().map(|t| attribute(t, builder)));
            builder.resource(Resource {
                attributes,
                dropped_attributes: 0,
            })
        }
        None => 0,
    };
    let tag = |key: &str| span.tags.iter().find(|t| t.key == key).map(|t| &t.value);
    let kind = match tag("span.kind").and_then(JsonValue::as_str) {
        Some("server") => SpanKind::Server,
        Some("client") => SpanKind::Client,
        Some("producer") => SpanKind::Producer,
        Some("consumer") => SpanKind::Consumer,
        Some("internal") => SpanKind::Internal,
        _ => SpanKind::Unspecified,
    };
    let error_tag = matches!(tag("error"), Some(JsonValue::Bool(true)))
        || tag("error").and_then(JsonValue::as_str) == Some("true");
    let status = match tag("otel.status_code").and_then(JsonValue::as_str) {
        Some("ERROR") => StatusCode::Error,
        Some("OK") => StatusCode::Ok,
        _ if error_tag => StatusCode::Error,
        _ => StatusCode::Unset,
    };
    let text = |key: &str| tag(key).and_then(JsonValue::as_str).unwrap_or("");
    let (status_description, trace_state) =
        (text("otel.status_description"), text("w3c.tracestate"));
    let (scope_name, scope_version) = (text("otel.scope.name"), text("otel.scope.version"));
    let scope = if scope_name.is_empty() {
        0
    } else {
        let scope = Scope {
            name: builder.intern(scope_name),
            version: builder.intern(scope_version),
            attributes: Vec::new(),
        };
        builder.scope(scope)
    };
    let attributes = span
        .tags
        .iter()
        .filter(|t| !TRANSLATED_TAGS.contains(&t.key.as_ref()))
        .map(|t| attribute(t, builder))
        .collect();
    let events = span
        .logs
        .iter()
        .map(|log| {
            let name = log
                .fields
                .iter()
                .find(|f| f.key == "event")
                .and_then(|f| f.value.as_str())
                .unwrap_or("log");
            DecodedEvent {
                time_ns: log.timestamp.0.saturating_mul(1_000),
                name: builder.intern(name),
                attributes: log
                    .fields
                    .iter()
                    .filter(|f| f.key != "event")
                    .map(|f| attribute(f, builder))
                    .collect(),
                dropped_attributes: 0,
            }
        })
        .collect();
    let start_ns = span.start_time.0.saturating_mul(1_000);
    let decoded = DecodedSpan {
        trace_id: TraceId(trace_id),
        span: Span {
            span_id: SpanId(span_id),
            parent_span_id,
            name: builder.intern(&span.operation_name),
            service,
            resource,
            scope,
            kind,
            follows_from: follows_from.is_some(),
            status,
            status_message: builder.intern(status_description),
            trace_state: builder.intern(trace_state),
            start_ns,
            end_ns: start_ns.saturating_add(span.duration.0.saturating_mul(1_000)),
            ..Span::default()
        },
        attributes,
        events,
        links,
    };
    builder.push_span(decoded);
}

/// A Jaeger tag as an attribute, by its declared type.
fn attribute(tag: &Tag<'_>, builder: &mut TraceSetBuilder) -> Attribute {
    let value = match (tag.kind.as_ref(), &tag.value) {
        ("bool", JsonValue::Bool(b)) => Value::Bool(*b),
        ("int64", JsonValue::Number(n)) if n.as_i64().is_some() => {
            Value::Int(n.as_i64().unwrap_or(0))
        }
        ("int64", JsonValue::String(s)) if s.parse::<i64>().is_ok() => {
            Value::Int(s.parse().unwrap_or(0))
        }
        ("float64", JsonValue::Number(n)) => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        ("binary", JsonValue::String(s)) => base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map(|b| Value::Bytes(b.into()))
            .unwrap_or_else(|_| Value::Str(builder.intern(s))),
        (_, JsonValue::String(s)) => Value::Str(builder.intern(s)),
        (_, JsonValue::Null) => Value::Empty,
        (_, other) => Value::Str(builder.intern(&other.to_string())),
    };
    Attribute {
        key: builder.intern(&tag.key),
        value,
    }
}
