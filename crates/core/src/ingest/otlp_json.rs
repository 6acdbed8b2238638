//! OTLP/JSON: one `ExportTraceServiceRequest`, JSON Lines of them (the
//! Collector's file exporter), and Tempo's v1 `{"batches": …}` and v2
//! `{"trace": …}` answers, which carry the same resource spans.
//!
//! Ids may be hex (the OTLP/JSON spec) or base64 (protobuf's JSON mapping,
//! Tempo); int64 may be a JSON string or number; enums an integer or a name.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

use super::json_syntax::{error_offset, strip_position, U64Value};
use super::{IngestError, TraceSetBuilder};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::model::{Span, SpanKind, StatusCode};

#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow, default, rename = "resourceSpans", alias = "batches")]
    resource_spans: Option<Vec<ResourceSpans<'a>>>,
    #[serde(borrow, default)]
    trace: Option<TempoTrace<'a>>,
}

#[derive(Deserialize)]
struct TempoTrace<'a> {
    #[serde(borrow, default, rename = "resourceSpans", alias = "batches")]
    resource_spans: Vec<ResourceSpans<'a>>,
}

#[derive(Deserialize)]
struct ResourceSpans<'a> {
    #[serde(borrow, default)]
    resource: Option<Resource<'a>>,
    #[serde(
        borrow,
        default,
        rename = "scopeSpans",
        alias = "instrumentationLibrarySpans"
    )]
    scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize)]
struct Resource<'a> {
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Option<AnyValue<'a>>,
}

#[derive(Deserialize)]
struct AnyValue<'a> {
    #[serde(borrow, default, rename = "stringValue")]
    string_value: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ScopeSpans<'a> {
    #[serde(borrow, default)]
    spans: Vec<JsonSpan<'a>>,
}

#[derive(Deserialize)]
struct JsonSpan<'a> {
    #[serde(borrow, default, rename = "traceId")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanId")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "parentSpanId")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(default)]
    kind: Option<EnumValue<'a>>,
    #[serde(default, rename = "startTimeUnixNano")]
    start_time_unix_nano: U64Value,
    #[serde(default, rename = "endTimeUnixNano")]
    end_time_unix_nano: U64Value,
    #[serde(borrow, default)]
    status: Option<Status<'a>>,
}

#[derive(Deserialize)]
struct Status<'a> {
    #[serde(borrow, default)]
    code: Option<EnumValue<'a>>,
}

/// An enum written as its integer or as its protobuf name.
enum EnumValue<'a> {
    Number(u64),
    Name(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for EnumValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EnumVisitor;
        impl<'de> Visitor<'de> for EnumVisitor {
            type Value = EnumValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum as an integer or a name")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(EnumValue::Number(v))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(EnumValue::Name(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(EnumValue::Name(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_any(EnumVisitor)
    }
}

fn span_kind(value: Option<&EnumValue<'_>>) -> SpanKind {
    let number = match value {
        None => 0,
        Some(EnumValue::Number(n)) => *n,
        Some(EnumValue::Name(name)) => match name.as_ref() {
            "SPAN_KIND_INTERNAL" => 1,
            "SPAN_KIND_SERVER" => 2,
            "SPAN_KIND_CLIENT" => 3,
            "SPAN_KIND_PRODUCER" => 4,
            "SPAN_KIND_CONSUMER" => 5,
            _ => 0,
        },
    };
    match number {
        1 => SpanKind::Internal,
        2 => SpanKind::Server,
        3 => SpanKind::Client,
        4 => SpanKind::Producer,
        5 => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    }
}

fn status_code(value: Option<&EnumValue<'_>>) -> StatusCode {
    match value {
        Some(EnumValue::Number(1)) => StatusCode::Ok,
        Some(EnumValue::Number(2)) => StatusCode::Error,
        Some(EnumValue::Name(name)) if name == "STATUS_CODE_OK" => StatusCode::Ok,
        Some(EnumValue::Name(name)) if name == "STATUS_CODE_ERROR" => StatusCode::Error,
        _ => StatusCode::Unset,
    }
}

/// Reads every OTLP/JSON document in `bytes` (one, or one per line). A
/// document that fails to parse is reported with its line and byte offset;
/// reading resumes at the next line that starts a JSON object.
pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let mut lines = LineCounter::default();
    let mut offset = 0usize;
    let mut documents = 0usize;
    let mut recognised = 0usize;
    let mut first_error = None;
    while offset < bytes.len() {
        // serde_json counts lines from the start of the slice it is given.
        let slice_line = lines.line_of(bytes, offset);
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes[offset..]).into_iter::<Document>();
        loop {
            let doc_start = offset + stream.byte_offset();
            match stream.next() {
                None => {
                    offset = bytes.len();
                    break;
                }
                Some(Ok(document)) => {
                    documents += 1;
                    let line = lines.line_of(bytes, skip_whitespace(bytes, doc_start));
                    if add_document(document, line, builder) {
                        recognised += 1;
                    }
                }
                Some(Err(error)) => {
                    let start = skip_whitespace(bytes, doc_start);
                    let message = format!(
                        "line {}, column {} (byte {}): {}",
                        slice_line + error.line() - 1,
                        error.column(),
                        error_offset(bytes, offset, &error),
                        strip_position(&error)
                    );
                    first_error.get_or_insert_with(|| message.clone());
                    offset = next_object_line(bytes, start + 1);
                    let resumes = if offset < bytes.len() {
                        format!("reading resumed at line {}", lines.line_of(bytes, offset))
                    } else {
                        "the rest of the file was skipped".to_owned()
                    };
                    builder.warn(format!("{message}; {resumes}"));
                    break;
                }
            }
        }
    }
    if recognised == 0 {
        if let Some(error) = first_error {
            // Nothing loaded: the parse error is the whole story.
            builder.warnings.pop();
            return Err(IngestError::Malformed(format!(
                "invalid OTLP/JSON at {error}"
            )));
        }
        if documents > 0 {
            return Err(IngestError::UnknownFormat(
                "a JSON object without \"resourceSpans\", \"batches\" or \"trace\" \
                 (OTLP/JSON or a Tempo answer)"
                    .to_owned(),
            ));
        }
    }
    Ok(())
}

/// Adds a document's spans; false when it was not an OTLP document at all.
fn add_document(document: Document<'_>, line: usize, builder: &mut TraceSetBuilder) -> bool {
    let resource_spans = match (document.resource_spans, document.trace) {
        (Some(spans), _) => spans,
        (None, Some(trace)) => trace.resource_spans,
        (None, None) => return false,
    };
    for resource_spans in resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref()?.string_value.as_deref())
            .unwrap_or("unknown_service");
        let service = builder.intern(service);
        for span in resource_spans.scope_spans.into_iter().flat_map(|s| s.spans) {
            add_span(span, service, line, builder);
        }
    }
    true
}

fn add_span(span: JsonSpan<'_>, service: crate::Sym, line: usize, builder: &mut TraceSetBuilder) {
    let Some(trace_id) = decode_id::<16>(&span.trace_id) else {
        builder.warn(format!(
            "line {line}: span {:?} ({}) has an invalid trace id {:?}; it was skipped",
            span.span_id, span.name, span.trace_id
        ));
        return;
    };
    let Some(span_id) = decode_id::<8>(&span.span_id) else {
        builder.warn(format!(
            "line {line}: a span ({}) of trace {} has an invalid span id {:?}; it was skipped",
            span.name,
            TraceId(trace_id),
            span.span_id
        ));
        return;
    };
    let parent_span_id = match span.parent_span_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => match decode_id::<8>(text) {
            Some(id) => Some(SpanId(id)),
            None => {
                builder.warn(format!(
                    "line {line}: span {} ({}) has an invalid parent span id {text:?}; \
                     it is shown as a root",
                    SpanId(span_id),
                    span.name
                ));
                None
            }
        },
    };
    let name = builder.intern(&span.name);
    builder.push_span(
        TraceId(trace_id),
        Span {
            span_id: SpanId(span_id),
            parent_span_id,
            parent: None,
            name,
            service,
            kind: span_kind(span.kind.as_ref()),
            status: status_code(span.status.as_ref().and_then(|s| s.code.as_ref())),
            start_ns: span.start_time_unix_nano.0,
            end_ns: span.end_time_unix_nano.0,
            depth: 0,
        },
    );
}

/// Counts lines incrementally, so positions cost O(n) over a whole file.
#[derive(Default)]
struct LineCounter {
    offset: usize,
    line: usize,
}

impl LineCounter {
    /// The 1-based line of byte `offset`; offsets must not decrease.
    fn line_of(&mut self, bytes: &[u8], offset: usize) -> usize {
        let offset = offset.min(bytes.len());
        if offset >= self.offset {
            self.line += bytes[self.offset..offset]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.offset = offset;
        }
        self.line + 1
    }
}

fn skip_whitespace(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(bytes.len(), |p| from + p)
}

/// The start of the first line after `from` that begins with `{`.
fn next_object_line(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while let Some(newline) = bytes
        .get(at..)
        .and_then(|b| b.iter().position(|&c| c == b'\n'))
    {
        at += newline + 1;
        if bytes.get(at) == Some(&b'{') {
            return at;
        }
    }
    bytes.len()
}
