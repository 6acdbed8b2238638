//! OTLP protobuf: one `TracesData` / `ExportTraceServiceRequest` (the two
//! are wire-identical: field 1 holds the resource spans), or the Collector
//! file exporter's stream of them, each preceded by its length as a 4-byte
//! big-endian integer.
//!
//! The top level is walked by hand so that each `ResourceSpans` is decoded
//! on its own: a truncated or corrupt file still yields every complete
//! batch before the damage, and errors name the byte offset. Resources and
//! scopes are decoded by prost; spans are read straight from the bytes
//! ([`direct`]), and by prost where that reader leaves them.

use opentelemetry_proto::tonic::common::v1::any_value::Value as PV;
use opentelemetry_proto::tonic::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource as ProtoResource;
use opentelemetry_proto::tonic::trace::v1::{span, status, Span as ProtoSpan};
use prost::Message;

mod direct;

use super::assemble::{DecodedEvent, DecodedLink, DecodedSpan};
use super::otlp_json::service_name;
use super::{IngestError, ReadInSteps, TraceSetBuilder};
use crate::attributes::{Attribute, Resource, Scope, Value};
use crate::ids::{SpanId, TraceId};
use crate::intern::Sym;
use crate::model::{Span, SpanKind, StatusCode};

/// Field 1, wire type 2 (length-delimited): `resource_spans`.
const RESOURCE_SPANS_TAG: u8 = 0x0a;

/// True when `bytes` are exactly one OTLP trace message: top-level
/// `resource_spans` fields that end together with the data.
pub(super) fn is_whole_message(bytes: &[u8]) -> bool {
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != RESOURCE_SPANS_TAG {
            return false;
        }
        let Some((length, body)) = varint(bytes, at + 1) else {
            return false;
        };
        at = body.saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
    }
    at == bytes.len() && !bytes.is_empty()
}

/// True when `bytes` look like a length-prefixed stream of messages: the
/// first frames' lengths chain up and each frame starts like a message.
///
/// A stream starting with the byte a message starts with would have a
/// first frame of 160 MB or more (the Collector writes a batch a frame):
/// such bytes are a message.
pub(super) fn is_stream(bytes: &[u8]) -> bool {
    if is_message(bytes) {
        return false;
    }
    let mut at = 0;
    for _ in 0..3 {
        let Some(length) = frame_length(bytes, at) else {
            return false;
        };
        let end = at + 4 + length;
        if end > bytes.len() || (length > 0 && bytes[at + 4] != RESOURCE_SPANS_TAG) {
            return false;
        }
        if end == bytes.len() {
            return true;
        }
        at = end;
    }
    true
}

/// True when `bytes` start like one OTLP trace message.
pub(super) fn is_message(bytes: &[u8]) -> bool {
    bytes.first() == Some(&RESOURCE_SPANS_TAG)
}

fn frame_length(bytes: &[u8], at: usize) -> Option<usize> {
    let prefix: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(prefix) as usize)
}

/// Reads a length-prefixed stream of messages.
pub(super) fn read_stream(
    bytes: &[u8],
    builder: &mut TraceSetBuilder,
    direct: bool,
) -> Result<(), IngestError> {
    let mut at = 0;
    let mut messages = 0usize;
    let mut read_any = false;
    while at < bytes.len() {
        messages += 1;
        let Some(length) = frame_length(bytes, at) else {
            let stray = bytes.len() - at;
            let message = format!(
                "OTLP protobuf stream: {stray} stray byte(s) at byte {at} after message {}",
                messages - 1
            );
            return report(builder, read_any, message);
        };
        let body = at + 4;
        let end = (body + length).min(bytes.len());
        // A damaged message loses only what follows the damage.
        match read_message(&bytes[body..end], body, builder, direct) {
            Ok(()) => read_any = true,
            Err(IngestError::Malformed(reason)) if read_any => builder.warn(reason),
            Err(error) => return Err(error),
        }
        if body + length > bytes.len() {
            builder.warn(format!(
                "OTLP protobuf stream: message {messages} at byte {at} declares {length} bytes \
                 but only {} remain (the file is truncated)",
                bytes.len() - body
            ));
        }
        at = end;
    }
    Ok(())
}

/// An error when nothing has been read yet, else a warning.
fn report(
    builder: &mut TraceSetBuilder,
    read_any: bool,
    message: String,
) -> Result<(), IngestError> {
    if read_any {
        builder.warn(message);
        Ok(())
    } else {
        Err(IngestError::Malformed(message))
    }
}

/// Reads one message whose first byte is at `offset` in the file. Every
/// complete span before damage is kept, however deep the damage lies; the
/// damage becomes a warning (or the error, when no span could be read).
/// `direct`: spans read straight from the bytes where they can be, not
/// all by prost (the same outcome; false for the tests that check so).
pub(super) fn read_message(
    message: &[u8],
    offset: usize,
    builder: &mut TraceSetBuilder,
    direct: bool,
) -> Result<(), IngestError> {
    let spans_before = builder.span_total();
    let walked = for_each_field(message, offset, &mut |field, body, at| {
        if field == 1 {
            read_resource_spans(body, at, builder, direct)
        } else {
            Ok(())
        }
    });
    match walked {
        Ok(()) => Ok(()),
        Err(damage) => report(builder, builder.span_total() > spans_before, damage),
    }
}

/// `ResourceSpans`: field 1 the resource, field 2 the scope spans.
fn read_resource_spans(
    bytes: &[u8],
    offset: usize,
    builder: &mut TraceSetBuilder,
    direct: bool,
) -> Result<(), String> {
    let mut resource = None;
    let mut scopes = Vec::new();
    let walked = for_each_field(bytes, offset, &mut |field, body, at| {
        match field {
            1 => {
                resource =
                    Some(ProtoResource::decode(body).map_err(|e| damaged(at, &e.to_string()))?)
            }
            2 => scopes.push((body, at)),
            _ => {}
        }
        Ok(())
    });
    let resource = resource.map_or_else(Resource::default, |r| Resource {
        attributes: attributes(r.attributes, builder),
        dropped_attributes: r.dropped_attributes_count,
    });
    let service = service_name(&resource, builder);
    let resource = builder.resource(resource);
    for (body, at) in scopes {
        read_scope_spans(body, at, (service, resource), builder, direct)?;
    }
    walked
}

/// `ScopeSpans`: field 1 the scope, field 2 the spans, each read on its own.
fn read_scope_spans(
    bytes: &[u8],
    offset: usize,
    (service, resource): (Sym, u32),
    builder: &mut TraceSetBuilder,
    direct: bool,
) -> Result<(), String> {
    let mut scope = None;
    let mut spans = Vec::new();
    let walked = for_each_field(bytes, offset, &mut |field, body, at| {
        match field {
            1 => {
                scope = Some(
                    InstrumentationScope::decode(body).map_err(|e| damaged(at, &e.to_string()))?,
                )
            }
            2 => spans.push((body, at)),
            _ => {}
        }
        Ok(())
    });
    let scope = match scope {
        Some(scope) => {
            let scope = Scope {
                name: builder.intern(&scope.name),
                version: builder.intern(&scope.version),
                attributes: attributes(scope.attributes, builder),
            };
            builder.scope(scope)
        }
        None => 0,
    };
    for (body, at) in spans {
        if direct && direct::span(body, (service, resource, scope), builder).is_some() {
            continue;
        }
        let span =
            ProtoSpan::decode(body).map_err(|e| damaged(at, &format!("invalid span: {e}")))?;
        add_span(span, (service, resource, scope), at, builder);
    }
    walked
}

/// Calls `visit(field, body, offset)` for each length-delimited field of a
/// message and skips the others. A field cut off by the end of the data is
/// still visited with what is there (complete inner fields survive), then
/// reported.
fn for_each_field<'a>(
    message: &'a [u8],
    offset: usize,
    visit: &mut dyn FnMut(u64, &'a [u8], usize) -> Result<(), String>,
) -> Result<(), String> {
    let mut at = 0;
    while at < message.len() {
        let field_start = at;
        let (key, after_key) =
            varint(message, at).ok_or_else(|| damaged(offset + at, "a cut-off field key"))?;
        let field = key >> 3;
        at = after_key;
        match key & 7 {
            0 => {
                at = varint(message, at)
                    .ok_or_else(|| damaged(offset + at, "a cut-off varint"))?
                    .1
            }
            1 => at += 8,
            5 => at += 4,
            2 => {
                let (length, body) =
                    varint(message, at).ok_or_else(|| damaged(offset + at, "a cut-off length"))?;
                let end = body.saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
                if end > message.len() {
                    visit(field, &message[body..], offset + body)?;
                    return Err(damaged(
                        offset + field_start,
                        &format!(
                            "field {field} declares {length} bytes but only {} remain \
                             (the file is truncated)",
                            message.len() - body
                        ),
                    ));
                }
                visit(field, &message[body..end], offset + body)?;
                at = end;
            }
            wire_type => {
                return Err(damaged(
                    offset + field_start,
                    &format!("wire type {wire_type} is not protobuf"),
                ))
            }
        }
    }
    if at > message.len() {
        return Err(damaged(offset + message.len(), "a cut-off field"));
    }
    Ok(())
}

fn damaged(offset: usize, what: &str) -> String {
    format!("invalid OTLP protobuf at byte {offset}: {what}")
}

/// A protobuf varint at `at`: its value and the offset after it.
pub(crate) fn varint(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, &byte) in bytes.get(at..)?.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, at + i + 1));
        }
    }
    None
}

fn attributes(list: Vec<KeyValue>, builder: &mut TraceSetBuilder) -> Vec<Attribute> {
    list.into_iter()
        .map(|kv| Attribute {
            key: builder.intern(&kv.key),
            value: kv.value.map_or(Value::Empty, |v| value(v, builder)),
        })
        .collect()
}

/// Nesting is bounded by prost's recursion limit (100 levels).
fn value(any: AnyValue, builder: &mut TraceSetBuilder) -> Value {
    match any.value {
        Some(PV::StringValue(s)) => Value::Str(builder.intern(&s)),
        Some(PV::BoolValue(b)) => Value::Bool(b),
        Some(PV::IntValue(i)) => Value::Int(i),
        Some(PV::DoubleValue(d)) => Value::Double(d),
        Some(PV::BytesValue(b)) => Value::Bytes(b.into()),
        Some(PV::ArrayValue(array)) => Value::Array(
            array
                .values
                .into_iter()
                .map(|v| value(v, builder))
                .collect::<Vec<_>>()
                .into(),
        ),
        Some(PV::KvlistValue(list)) => Value::Map(attributes(list.values, builder).into()),
        // An index into a profiles string table: meaningless outside one.
        Some(PV::StringValueStrindex(_)) | None => Value::Empty,
    }
}

fn add_span(
    span: ProtoSpan,
    (service, resource, scope): (Sym, u32, u32),
    offset: usize,
    builder: &mut TraceSetBuilder,
) {
    let Ok(trace_id) = <[u8; 16]>::try_from(span.trace_id.as_slice()) else {
        builder.warn(format!(
            "span at byte {offset}: span {} has a trace id of {} bytes instead of 16; it was skipped",
            span.name,
            span.trace_id.len()
        ));
        return;
    };
    let Ok(span_id) = <[u8; 8]>::try_from(span.span_id.as_slice()) else {
        builder.warn(format!(
            "span at byte {offset}: span {} of trace {} has a span id of {} bytes instead of 8; \
             it was skipped",
            span.name,
            TraceId(trace_id),
            span.span_id.len()
        ));
        return;
    };
    let parent_span_id = match span.parent_span_id.len() {
        0 => None,
        _ => match <[u8; 8]>::try_from(span.parent_span_id.as_slice()) {
            Ok(id) => Some(SpanId(id)),
            Err(_) => {
                builder.warn(format!(
                    "span {} ({}) has a parent span id of {} bytes instead of 8; it is shown as a root",
                    SpanId(span_id),
                    span.name,
                    span.parent_span_id.len()
                ));
                None
            }
        },
    };
    let kind = kind_of(span.kind);
    let (status, status_message) = match span.status {
        Some(s) => (status_of(s.code), builder.intern(&s.message)),
        None => (StatusCode::Unset, Sym::default()),
    };
    let events = span
        .events
        .into_iter()
        .map(|event| DecodedEvent {
            time_ns: event.time_unix_nano,
            name: builder.intern(&event.name),
            attributes: attributes(event.attributes, builder),
            dropped_attributes: event.dropped_attributes_count,
        })
        .collect();
    let mut links = Vec::with_capacity(span.links.len());
    for link in span.links {
        let (Ok(link_trace), Ok(link_span)) = (
            <[u8; 16]>::try_from(link.trace_id.as_slice()),
            <[u8; 8]>::try_from(link.span_id.as_slice()),
        ) else {
            builder.warn(format!(
                "span {} ({}) has a link with an invalid id; the link was skipped",
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
            dropped_attributes: link.dropped_attributes_count,
        });
    }
    let decoded = DecodedSpan {
        trace_id: TraceId(trace_id),
        span: Span {
            span_id: SpanId(span_id),
            parent_span_id,
            name: builder.intern(&span.name),
            service,
            resource,
            scope,
            kind,
            status,
            status_message,
            trace_state: builder.intern(&span.trace_state),
            flags: span.flags,
            start_ns: span.start_time_unix_nano,
            end_ns: span.end_time_unix_nano,
            dropped_attributes: span.dropped_attributes_count,
            dropped_events: span.dropped_events_count,
            dropped_links: span.dropped_links_count,
            ..Span::default()
        },
        attributes: attributes(span.attributes, builder),
        events,
        links,
    };
    builder.push_span(decoded);
}

/// A span's kind as the message numbers it.
fn kind_of(number: i32) -> SpanKind {
    match span::SpanKind::try_from(number) {
        Ok(span::SpanKind::Internal) => SpanKind::Internal,
        Ok(span::SpanKind::Server) => SpanKind::Server,
        Ok(span::SpanKind::Client) => SpanKind::Client,
        Ok(span::SpanKind::Producer) => SpanKind::Producer,
        Ok(span::SpanKind::Consumer) => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    }
}

/// A status code as the message numbers it.
fn status_of(number: i32) -> StatusCode {
    match status::StatusCode::try_from(number) {
        Ok(status::StatusCode::Ok) => StatusCode::Ok,
        Ok(status::StatusCode::Error) => StatusCode::Error,
        _ => StatusCode::Unset,
    }
}

/// Whether an input whose first bytes are `first` is one OTLP trace
/// message, to read while it arrives: it starts with a `resource_spans`
/// field (a stream never does, see [`is_stream`]).
pub(super) fn arrives_as_message(first: &[u8]) -> bool {
    is_message(first)
}

/// Reads one OTLP trace message while it arrives: each top-level field
/// once all of its bytes are there, so that only the field being read is
/// kept. It gives the spans, warnings and errors [`read_message`] gives
/// for the whole input.
pub(super) struct Stepper {
    /// Where the next field starts, from the input's first byte.
    at: usize,
    /// Bytes let go before the first one given to a step.
    base: usize,
    spans_before: usize,
    waiting: bool,
    /// The whole input's length, for the estimate of the spans to come.
    length: usize,
}

/// What reading one field came to.
enum Field {
    /// Read; the next starts at this offset (from the input's start).
    Next(usize),
    /// Its bytes are not all there yet.
    Wait,
    /// The message ends here: damaged (with what), or whole (`None`).
    End(Option<String>),
}

impl ReadInSteps for Stepper {
    /// How far reading has got, in bytes of the input.
    fn offset(&self) -> usize {
        self.at
    }

    /// How many of the bytes given to the last step are read: the next
    /// step is given the bytes from there on.
    fn let_go(&mut self, _bytes: &[u8]) -> usize {
        let read = self.at - self.base;
        self.base = self.at;
        read
    }

    /// Whether reading on needs bytes that have not come yet.
    fn waiting(&self) -> bool {
        self.waiting
    }

    /// Reads about `budget` more bytes of `bytes` (the input from
    /// [`Stepper::let_go`]'s point on); the outcome once the input is done.
    fn step(
        &mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
        budget: usize,
        complete: bool,
    ) -> Option<Result<(), IngestError>> {
        self.waiting = false;
        let started = self.at;
        while self.at - started < budget.max(1) {
            match self.field(bytes, builder, complete) {
                Field::Next(next) => {
                    self.at = next;
                    // Room for the spans to come at once: grown by
                    // doubling, a million spans' vectors were copied and
                    // held twice.
                    builder.expect_rest(self.spans_before, self.at, self.length);
                }
                Field::Wait => {
                    self.waiting = true;
                    return None;
                }
                Field::End(damage) => {
                    builder.expect_spans(0);
                    let read_any = builder.span_total() > self.spans_before;
                    return Some(match damage {
                        None => Ok(()),
                        Some(damage) => report(builder, read_any, damage),
                    });
                }
            }
        }
        None
    }
}

impl Stepper {
    pub(super) fn new(spans_before: usize, length: usize) -> Self {
        Self {
            at: 0,
            base: 0,
            spans_before,
            waiting: false,
            length,
        }
    }

    /// Reads the field at `self.at`, as `for_each_field` and
    /// `read_message` read it in a whole message.
    fn field(&self, bytes: &[u8], builder: &mut TraceSetBuilder, complete: bool) -> Field {
        let local = self.at - self.base;
        if local >= bytes.len() {
            return match complete {
                true => Field::End(None),
                false => Field::Wait,
            };
        }
        // Cut off: wait for more, or, at the end, the damage as told whole.
        let cut = |what: &str, at: usize| match complete {
            true => Field::End(Some(damaged(self.base + at, what))),
            false => Field::Wait,
        };
        let Some((key, after_key)) = varint(bytes, local) else {
            return cut("a cut-off field key", local);
        };
        let next = match key & 7 {
            0 => match varint(bytes, after_key) {
                Some((_, next)) => next,
                None => return cut("a cut-off varint", after_key),
            },
            1 => after_key + 8,
            5 => after_key + 4,
            2 => {
                let Some((length, body)) = varint(bytes, after_key) else {
                    return cut("a cut-off length", after_key);
                };
                let end = body.saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
                if end > bytes.len() {
                    if !complete {
                        return Field::Wait;
                    }
                    let visited = match key >> 3 {
                        1 => read_resource_spans(&bytes[body..], self.base + body, builder, true),
                        _ => Ok(()),
                    };
                    let damage = visited.err().unwrap_or_else(|| {
                        damaged(
                            self.base + local,
                            &format!(
                                "field {} declares {length} bytes but only {} remain \
                                 (the file is truncated)",
                                key >> 3,
                                bytes.len() - body
                            ),
                        )
                    });
                    return Field::End(Some(damage));
                }
                if key >> 3 == 1 {
                    if let Err(damage) =
                        read_resource_spans(&bytes[body..end], self.base + body, builder, true)
                    {
                        return Field::End(Some(damage));
                    }
                }
                return Field::Next(self.base + end);
            }
            wire_type => {
                return Field::End(Some(damaged(
                    self.base + local,
                    &format!("wire type {wire_type} is not protobuf"),
                )))
            }
        };
        // Fixed-size fields past the end: the whole reading skips past the
        // end and stops there, with nothing to say.
        match (next > bytes.len(), complete) {
            (true, false) => Field::Wait,
            (true, true) => Field::End(None),
            (false, _) => Field::Next(self.base + next),
        }
    }
}
