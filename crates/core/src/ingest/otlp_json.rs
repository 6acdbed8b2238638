//! OTLP/JSON: one `ExportTraceServiceRequest`, JSON Lines of them (the
//! Collector's file exporter), and Tempo's v1 `{"batches": …}` and v2
//! `{"trace": …}` answers, which carry the same resource spans.
//!
//! Ids may be hex (the OTLP/JSON spec) or base64 (protobuf's JSON mapping,
//! Tempo); int64 may be a JSON string or number; enums an integer or a name.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use base64::Engine as _;

use super::assemble::{DecodedEvent, DecodedLink, DecodedSpan};
use super::json_syntax::{error_offset, strip_position, F64Value, I64Value, U64Value};
use super::{IngestError, TraceSetBuilder};
use crate::attributes::{Attribute, Resource, Scope, Value};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{Span, SpanKind, StatusCode};

#[derive(Deserialize)]
struct JsonResource<'a> {
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default, rename = "droppedAttributesCount")]
    dropped_attributes_count: U64Value,
}

#[derive(Deserialize)]
struct KeyValue<'a> {
    #[serde(borrow)]
    key: Cow<'a, str>,
    #[serde(borrow, default)]
    value: Option<AnyValue<'a>>,
}

/// OTLP's `AnyValue`: exactly one of these is set (none for an empty value).
#[derive(Deserialize)]
struct AnyValue<'a> {
    #[serde(borrow, default, rename = "stringValue")]
    string_value: Option<Cow<'a, str>>,
    #[serde(default, rename = "boolValue")]
    bool_value: Option<bool>,
    #[serde(default, rename = "intValue")]
    int_value: Option<I64Value>,
    #[serde(default, rename = "doubleValue")]
    double_value: Option<F64Value>,
    #[serde(borrow, default, rename = "bytesValue")]
    bytes_value: Option<Cow<'a, str>>,
    #[serde(borrow, default, rename = "arrayValue")]
    array_value: Option<ArrayValue<'a>>,
    #[serde(borrow, default, rename = "kvlistValue")]
    kvlist_value: Option<KvList<'a>>,
}

#[derive(Deserialize)]
struct ArrayValue<'a> {
    #[serde(borrow, default)]
    values: Vec<AnyValue<'a>>,
}

#[derive(Deserialize)]
struct KvList<'a> {
    #[serde(borrow, default)]
    values: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
struct ScopeSpans<'a> {
    #[serde(borrow, default, alias = "instrumentationLibrary")]
    scope: Option<JsonScope<'a>>,
    #[serde(borrow, default)]
    spans: Vec<JsonSpan<'a>>,
}

#[derive(Deserialize)]
struct JsonScope<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    version: Cow<'a, str>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
}

#[derive(Deserialize)]
struct JsonSpan<'a> {
    #[serde(borrow, default, rename = "traceId")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanId")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "traceState")]
    trace_state: Cow<'a, str>,
    #[serde(borrow, default, rename = "parentSpanId")]
    parent_span_id: Option<Cow<'a, str>>,
    #[serde(default)]
    flags: U64Value,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(default)]
    kind: Option<EnumValue<'a>>,
    #[serde(default, rename = "startTimeUnixNano")]
    start_time_unix_nano: U64Value,
    #[serde(default, rename = "endTimeUnixNano")]
    end_time_unix_nano: U64Value,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default, rename = "droppedAttributesCount")]
    dropped_attributes_count: U64Value,
    #[serde(borrow, default)]
    events: Vec<JsonEvent<'a>>,
    #[serde(default, rename = "droppedEventsCount")]
    dropped_events_count: U64Value,
    #[serde(borrow, default)]
    links: Vec<JsonLink<'a>>,
    #[serde(default, rename = "droppedLinksCount")]
    dropped_links_count: U64Value,
    #[serde(borrow, default)]
    status: Option<Status<'a>>,
}

#[derive(Deserialize)]
struct JsonEvent<'a> {
    #[serde(default, rename = "timeUnixNano")]
    time_unix_nano: U64Value,
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default, rename = "droppedAttributesCount")]
    dropped_attributes_count: U64Value,
}

#[derive(Deserialize)]
struct JsonLink<'a> {
    #[serde(borrow, default, rename = "traceId")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "spanId")]
    span_id: Cow<'a, str>,
    #[serde(borrow, default, rename = "traceState")]
    trace_state: Cow<'a, str>,
    #[serde(borrow, default)]
    attributes: Vec<KeyValue<'a>>,
    #[serde(default, rename = "droppedAttributesCount")]
    dropped_attributes_count: U64Value,
}

#[derive(Deserialize)]
struct Status<'a> {
    #[serde(borrow, default)]
    message: Cow<'a, str>,
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

/// Reads every OTLP/JSON document in `bytes` (one, or one per line),
/// streaming: each span goes to the builder as soon as it is parsed, so a
/// document cut short keeps every span before the cut. A document that
/// fails to parse is reported with its line and byte offset; reading
/// resumes at the next line that starts a JSON object.
pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let spans_before = builder.span_total();
    let mut lines = LineCounter::default();
    let mut offset = skip_whitespace(bytes, 0);
    let mut documents = 0usize;
    let mut recognised = 0usize;
    let mut first_error = None;
    while offset < bytes.len() {
        // serde_json counts lines and columns from the start of its slice.
        let line = lines.line_of(bytes, offset);
        let slice = &bytes[offset..];
        let mut deserializer = serde_json::Deserializer::from_slice(slice);
        match (DocumentSeed {
            builder: &mut *builder,
            line,
        })
        .deserialize(&mut deserializer)
        {
            Ok(is_otlp) => {
                documents += 1;
                recognised += usize::from(is_otlp);
                match deserializer.end() {
                    Ok(()) => break,
                    // Another document follows: serde_json points at it.
                    Err(next) => offset = skip_whitespace(bytes, offset + position(slice, &next)),
                }
            }
            Err(error) => {
                let message = format!(
                    "line {}, column {} (byte {}): {}",
                    line + error.line() - 1,
                    error.column(),
                    error_offset(bytes, offset, &error),
                    strip_position(&error)
                );
                first_error.get_or_insert_with(|| message.clone());
                offset = next_object_line(bytes, offset + 1);
                let resumes = if offset < bytes.len() {
                    format!("reading resumed at line {}", lines.line_of(bytes, offset))
                } else {
                    "the rest of the file was skipped".to_owned()
                };
                builder.warn(format!("{message}; {resumes}"));
            }
        }
    }
    if recognised == 0 && builder.span_total() == spans_before {
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

/// The byte offset within `slice` of the position serde_json reported.
fn position(slice: &[u8], error: &serde_json::Error) -> usize {
    error_offset(slice, 0, error)
}

/// The keys of a document that matter; the rest is skipped unparsed.
#[derive(Deserialize)]
#[serde(field_identifier)]
enum DocumentKey {
    #[serde(rename = "resourceSpans", alias = "batches")]
    ResourceSpans,
    #[serde(rename = "trace")]
    Trace,
    /// Tempo v2: `"PARTIAL"` when only part of the trace came back.
    #[serde(rename = "status")]
    Status,
    #[serde(rename = "message")]
    Message,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum ResourceSpansKey {
    #[serde(rename = "resource")]
    Resource,
    #[serde(rename = "scopeSpans", alias = "instrumentationLibrarySpans")]
    ScopeSpans,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum ScopeSpansKey {
    #[serde(rename = "scope", alias = "instrumentationLibrary")]
    Scope,
    #[serde(rename = "spans")]
    Spans,
    #[serde(other)]
    Other,
}

/// A whole document: true when it held OTLP resource spans.
struct DocumentSeed<'b> {
    builder: &'b mut TraceSetBuilder,
    line: usize,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP/JSON request object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut recognised = false;
        let (mut partial, mut message) = (false, String::new());
        while let Some(key) = map.next_key::<DocumentKey>()? {
            match key {
                DocumentKey::ResourceSpans => {
                    map.next_value_seed(ResourceSpansList {
                        builder: &mut *self.builder,
                        line: self.line,
                    })?;
                    recognised = true;
                }
                // Tempo v2: {"trace": {"resourceSpans": …}}
                DocumentKey::Trace => {
                    recognised |= map.next_value_seed(DocumentSeed {
                        builder: &mut *self.builder,
                        line: self.line,
                    })?;
                }
                DocumentKey::Status => {
                    partial = map.next_value::<serde_json::Value>()? == "PARTIAL";
                }
                DocumentKey::Message => {
                    if let serde_json::Value::String(text) = map.next_value()? {
                        message = text;
                    }
                }
                DocumentKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if partial {
            self.builder.warn(crate::tempo::partial_warning(&message));
        }
        Ok(recognised)
    }
}

/// `resourceSpans`: each element streamed to the builder.
struct ResourceSpansList<'b> {
    builder: &'b mut TraceSetBuilder,
    line: usize,
}

impl<'de> DeserializeSeed<'de> for ResourceSpansList<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of resource spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(ResourceSpansSeed {
                builder: &mut *self.builder,
                line: self.line,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One `ResourceSpans`. Its spans stream through when the resource came
/// first (as every exporter writes it); otherwise they wait for it.
struct ResourceSpansSeed<'b> {
    builder: &'b mut TraceSetBuilder,
    line: usize,
}

impl<'de> DeserializeSeed<'de> for ResourceSpansSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResourceSpansSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("resource spans")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let builder = self.builder;
        let mut owner: Option<(Sym, u32)> = None;
        let mut waiting: Vec<ScopeSpans<'de>> = Vec::new();
        while let Some(key) = map.next_key::<ResourceSpansKey>()? {
            match key {
                ResourceSpansKey::Resource => {
                    let resource: Option<JsonResource<'de>> = map.next_value()?;
                    owner = Some(resource_of(resource, builder));
                }
                ResourceSpansKey::ScopeSpans => match owner {
                    Some(owner) => map.next_value_seed(ScopeSpansList {
                        builder: &mut *builder,
                        owner,
                        line: self.line,
                    })?,
                    None => waiting.extend(map.next_value::<Vec<ScopeSpans<'de>>>()?),
                },
                ResourceSpansKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let owner = owner.unwrap_or_else(|| resource_of(None, builder));
        for scope_spans in waiting {
            let scope = scope_of(scope_spans.scope, builder);
            for span in scope_spans.spans {
                add_span(span, (owner.0, owner.1, scope), self.line, builder);
            }
        }
        Ok(())
    }
}

/// `scopeSpans` of one resource.
struct ScopeSpansList<'b> {
    builder: &'b mut TraceSetBuilder,
    owner: (Sym, u32),
    line: usize,
}

impl<'de> DeserializeSeed<'de> for ScopeSpansList<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpansList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of scope spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq
            .next_element_seed(ScopeSpansSeed {
                builder: &mut *self.builder,
                owner: self.owner,
                line: self.line,
            })?
            .is_some()
        {}
        Ok(())
    }
}

/// One `ScopeSpans`: spans stream through once the scope is known; spans
/// that come before a `scope` key wait for the end of the object.
struct ScopeSpansSeed<'b> {
    builder: &'b mut TraceSetBuilder,
    owner: (Sym, u32),
    line: usize,
}

impl<'de> DeserializeSeed<'de> for ScopeSpansSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ScopeSpansSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("scope spans")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let builder = self.builder;
        let mut scope: Option<u32> = None;
        let mut waiting: Vec<JsonSpan<'de>> = Vec::new();
        while let Some(key) = map.next_key::<ScopeSpansKey>()? {
            match key {
                ScopeSpansKey::Scope => {
                    let json: Option<JsonScope<'de>> = map.next_value()?;
                    scope = Some(scope_of(json, builder));
                }
                ScopeSpansKey::Spans => match scope {
                    Some(scope) => map.next_value_seed(SpanList {
                        builder: &mut *builder,
                        owner: (self.owner.0, self.owner.1, scope),
                        line: self.line,
                    })?,
                    None => waiting.extend(map.next_value::<Vec<JsonSpan<'de>>>()?),
                },
                ScopeSpansKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let scope = scope.unwrap_or(0);
        for span in waiting {
            add_span(
                span,
                (self.owner.0, self.owner.1, scope),
                self.line,
                builder,
            );
        }
        Ok(())
    }
}

/// `spans`: each span added as soon as it is parsed.
struct SpanList<'b> {
    builder: &'b mut TraceSetBuilder,
    owner: (Sym, u32, u32),
    line: usize,
}

impl<'de> DeserializeSeed<'de> for SpanList<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for SpanList<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of spans")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(span) = seq.next_element::<JsonSpan<'de>>()? {
            add_span(span, self.owner, self.line, self.builder);
        }
        Ok(())
    }
}

/// The service and resource index of a batch's resource.
fn resource_of(json: Option<JsonResource<'_>>, builder: &mut TraceSetBuilder) -> (Sym, u32) {
    let resource = json.map_or_else(Resource::default, |r| Resource {
        attributes: attributes(r.attributes, builder),
        dropped_attributes: saturate(r.dropped_attributes_count),
    });
    let service = service_name(&resource, builder);
    (service, builder.resource(resource))
}

fn scope_of(json: Option<JsonScope<'_>>, builder: &mut TraceSetBuilder) -> u32 {
    match json {
        Some(scope) => {
            let scope = Scope {
                name: builder.intern(&scope.name),
                version: builder.intern(&scope.version),
                attributes: attributes(scope.attributes, builder),
            };
            builder.scope(scope)
        }
        None => 0,
    }
}

/// `service.name` of a resource, or OpenTelemetry's fallback.
pub(super) fn service_name(resource: &Resource, builder: &mut TraceSetBuilder) -> Sym {
    let named = resource.attributes.iter().find_map(|a| match a.value {
        Value::Str(s) if builder.string(a.key) == "service.name" => Some(s),
        _ => None,
    });
    named.unwrap_or_else(|| builder.intern("unknown_service"))
}

fn saturate(value: U64Value) -> u32 {
    u32::try_from(value.0).unwrap_or(u32::MAX)
}

fn attributes(list: Vec<KeyValue<'_>>, builder: &mut TraceSetBuilder) -> Vec<Attribute> {
    list.into_iter()
        .map(|kv| Attribute {
            key: builder.intern(&kv.key),
            value: kv.value.map_or(Value::Empty, |v| value(v, builder)),
        })
        .collect()
}

/// Nesting is bounded by serde_json's recursion limit (128 levels).
fn value(any: AnyValue<'_>, builder: &mut TraceSetBuilder) -> Value {
    if let Some(s) = any.string_value {
        Value::Str(builder.intern(&s))
    } else if let Some(b) = any.bool_value {
        Value::Bool(b)
    } else if let Some(i) = any.int_value {
        Value::Int(i.0)
    } else if let Some(d) = any.double_value {
        Value::Double(d.0)
    } else if let Some(bytes) = any.bytes_value {
        base64::engine::general_purpose::STANDARD
            .decode(bytes.as_bytes())
            .map(|b| Value::Bytes(b.into()))
            .unwrap_or_else(|_| Value::Str(builder.intern(&bytes)))
    } else if let Some(array) = any.array_value {
        Value::Array(
            array
                .values
                .into_iter()
                .map(|v| value(v, builder))
                .collect(),
        )
    } else if let Some(list) = any.kvlist_value {
        Value::Map(attributes(list.values, builder).into())
    } else {
        Value::Empty
    }
}

fn add_span(
    span: JsonSpan<'_>,
    (service, resource, scope): (Sym, u32, u32),
    line: usize,
    builder: &mut TraceSetBuilder,
) {
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
    let events = span
        .events
        .into_iter()
        .map(|event| DecodedEvent {
            time_ns: event.time_unix_nano.0,
            name: builder.intern(&event.name),
            attributes: attributes(event.attributes, builder),
            dropped_attributes: saturate(event.dropped_attributes_count),
        })
        .collect();
    let mut links = Vec::with_capacity(span.links.len());
    for link in span.links {
        let (Some(link_trace), Some(link_span)) = (
            decode_id::<16>(&link.trace_id),
            decode_id::<8>(&link.span_id),
        ) else {
            builder.warn(format!(
                "line {line}: span {} ({}) has a link with an invalid id; the link was skipped",
                SpanId(span_id),
                span.name
            ));
            continue;
        };
        links.push(DecodedLink {
            trace_id: TraceId(link_trace),
            span_id: SpanId(link_span),
            trace_state: builder.intern(&link.trace_state),
            attributes: attributes(link.attributes, builder),
            dropped_attributes: saturate(link.dropped_attributes_count),
        });
    }
    let status = span.status.as_ref();
    let decoded = DecodedSpan {
        trace_id: TraceId(trace_id),
        span: Span {
            span_id: SpanId(span_id),
            parent_span_id,
            name: builder.intern(&span.name),
            service,
            resource,
            scope,
            kind: span_kind(span.kind.as_ref()),
            status: status_code(status.and_then(|s| s.code.as_ref())),
            status_message: builder.intern(status.map_or("", |s| &s.message)),
            trace_state: builder.intern(&span.trace_state),
            flags: saturate(span.flags),
            start_ns: span.start_time_unix_nano.0,
            end_ns: span.end_time_unix_nano.0,
            dropped_attributes: saturate(span.dropped_attributes_count),
            dropped_events: saturate(span.dropped_events_count),
            dropped_links: saturate(span.dropped_links_count),
            ..Span::default()
        },
        attributes: attributes(span.attributes, builder),
        events,
        links,
    };
    builder.push_span(decoded);
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
