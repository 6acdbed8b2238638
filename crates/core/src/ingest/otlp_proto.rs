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
    arrives_as_stream(bytes, bytes.len(), true) == Some(true)
}

/// [`is_stream`] of an input of `length` bytes told from its first bytes,
/// `first` (all of them if `complete`): `None` until they tell. Arriving,
/// a stream is told by its first three frames' heads: a stream that ends
/// sooner is told once complete (the length a caller gives of an input
/// still expanding is an estimate, and the end it puts there may not be
/// the input's).
pub(super) fn arrives_as_stream(first: &[u8], length: usize, complete: bool) -> Option<bool> {
    if is_message(first) {
        return Some(false);
    }
    let mut at = 0;
    for _ in 0..3 {
        let Some(frame) = frame_length(first, at) else {
            return (at + 4 > length).then_some(false);
        };
        let end = at + 4 + frame;
        if end > length {
            return Some(false);
        }
        if frame > 0 && *first.get(at + 4)? != RESOURCE_SPANS_TAG {
            return Some(false);
        }
        if end == length {
            return complete.then_some(true);
        }
        at = end;
    }
    Some(true)
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
            let stray = stray_bytes(bytes.len() - at, at, messages - 1);
            return report(builder, read_any, stray);
        };
        let body = at + 4;
        let end = (body + length).min(bytes.len());
        // A damaged message loses only what follows the damage.
        let read = read_message(&bytes[body..end], body, builder, direct);
        message_read(read, &mut read_any, builder)?;
        if body + length > bytes.len() {
            builder.warn(truncated_frame(messages, at, length, bytes.len() - body));
        }
        at = end;
    }
    Ok(())
}

/// A stream's message read, whole or in steps: damage in it is a warning
/// once a message before it was read, else the stream's error.
fn message_read(
    read: Result<(), IngestError>,
    read_any: &mut bool,
    builder: &mut TraceSetBuilder,
) -> Result<(), IngestError> {
    match read {
        Ok(()) => *read_any = true,
        Err(IngestError::Malformed(reason)) if *read_any => builder.warn(reason),
        Err(error) => return Err(error),
    }
    Ok(())
}

/// What a stream tells of `stray` bytes at `at`, too few for a frame's
/// head, after `messages` messages.
fn stray_bytes(stray: usize, at: usize, messages: usize) -> String {
    format!("OTLP protobuf stream: {stray} stray byte(s) at byte {at} after message {messages}")
}

/// What a stream tells of its `message`th frame, at `at`, that declares
/// more bytes than `remain`.
fn truncated_frame(message: usize, at: usize, declared: usize, remain: usize) -> String {
    format!(
        "OTLP protobuf stream: message {message} at byte {at} declares {declared} bytes \
         but only {remain} remain (the file is truncated)"
    )
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
    let mut reading = BatchRead::new(direct);
    let mut unbounded = usize::MAX;
    loop {
        if let Some(read) = reading.step(bytes, offset, builder, &mut unbounded) {
            return read;
        }
    }
}

/// Work a field costs while its message is only walked for what comes
/// first (its header read, its body skipped), in the bytes a step's
/// budget counts: about what reading a few bytes of a span costs.
const WALKED_FIELD: usize = 16;

/// A message whose field 1 says what its field 2 items belong to (a
/// batch's resource, a scope spans' scope), walked twice as a whole
/// reading walks it once, a bounded amount a step: first for the last
/// field 1 given (it may follow the items) and how far walking gets
/// before any damage, then again for the items among those fields.
struct TwoWalks<M> {
    walk: FieldWalk,
    /// Fields the first walk visited (a cut-off last one counts).
    visited: usize,
    head: Option<M>,
    /// How the first walk ended, once it has.
    walked: Option<Result<(), String>>,
    /// Fields the second walk has gone past.
    passed: usize,
}

impl<M: Message + Default> TwoWalks<M> {
    fn new() -> Self {
        Self {
            walk: FieldWalk::default(),
            visited: 0,
            head: None,
            walked: None,
            passed: 0,
        }
    }

    /// Goes on with the first walk of `message` (its first byte at
    /// `offset` in the input) until `budget` is spent, taking from it what
    /// it spends; the field 1 found once the walk is done (`None` if none
    /// was), then `None` again until the next message.
    fn first(&mut self, message: &[u8], offset: usize, budget: &mut usize) -> Option<Option<M>> {
        while self.walked.is_none() {
            if *budget == 0 {
                return None;
            }
            *budget = budget.saturating_sub(WALKED_FIELD);
            match self.walk.next(message, offset) {
                None => self.walked = Some(Ok(())),
                Some(Err(damage)) => self.walked = Some(Err(damage)),
                Some(Ok((field, body, at))) => {
                    self.visited += 1;
                    if field == 1 {
                        *budget = budget.saturating_sub(body.len());
                        match M::decode(body) {
                            Ok(head) => self.head = Some(head),
                            Err(e) => self.walked = Some(Err(damaged(at, &e.to_string()))),
                        }
                    }
                }
            }
            if self.walked.is_some() {
                self.walk = FieldWalk::default();
                return Some(self.head.take());
            }
        }
        None
    }

    /// The second walk's next field 2 item (its body and the body's offset
    /// in the input), `Some(None)` past a field that is not one, `None`
    /// once the fields the first walk visited are gone past.
    fn next_item<'a>(
        &mut self,
        message: &'a [u8],
        offset: usize,
        budget: &mut usize,
    ) -> Option<Option<(&'a [u8], usize)>> {
        if self.passed == self.visited {
            return None;
        }
        self.passed += 1;
        Some(match self.walk.next(message, offset) {
            Some(Ok((2, body, at))) => {
                *budget = budget.saturating_sub(body.len().max(WALKED_FIELD));
                Some((body, at))
            }
            _ => {
                *budget = budget.saturating_sub(WALKED_FIELD);
                None
            }
        })
    }

    /// How the first walk ended, once the second is done too.
    fn outcome(&mut self) -> Result<(), String> {
        self.walked.take().unwrap_or(Ok(()))
    }
}

/// A `ResourceSpans` read a bounded amount at a time: a file that puts
/// all of a service's spans in one (as a tool merging batches would) is
/// one field of the message, and read at once it held a page for as long
/// as reading them all takes. Read as a whole reading reads it
/// ([`TwoWalks`]): the resource, then each scope spans' ([`ScopeRead`]).
struct BatchRead {
    direct: bool,
    walks: TwoWalks<ProtoResource>,
    /// The resource's service and index, once registered.
    owner: Option<(Sym, u32)>,
    scope: Option<ScopeSpansAt>,
    /// How far into the message reading has got.
    reached: usize,
}

impl BatchRead {
    fn new(direct: bool) -> Self {
        Self {
            direct,
            walks: TwoWalks::new(),
            owner: None,
            scope: None,
            reached: 0,
        }
    }

    /// Reads on in `message` (the `ResourceSpans`' bytes, the same each
    /// time; its first byte at `offset` in the input) until `budget` is
    /// spent (taking from it what it spends); the outcome once done.
    fn step(
        &mut self,
        message: &[u8],
        offset: usize,
        builder: &mut TraceSetBuilder,
        budget: &mut usize,
    ) -> Option<Result<(), String>> {
        if self.owner.is_none() {
            let resource = self.walks.first(message, offset, budget)?;
            let resource = resource.map_or_else(Resource::default, |r| Resource {
                attributes: attributes(r.attributes, builder),
                dropped_attributes: r.dropped_attributes_count,
            });
            let service = service_name(&resource, builder);
            self.owner = Some((service, builder.resource(resource)));
        }
        let owner = self.owner?;
        loop {
            if let Some(scope) = &mut self.scope {
                let body = scope.body.clone();
                let read =
                    scope
                        .read
                        .step(&message[body.clone()], scope.at, owner, builder, budget);
                self.reached = body.start + scope.read.reached;
                match read? {
                    Ok(()) => self.scope = None,
                    Err(damage) => return Some(Err(damage)),
                }
                continue;
            }
            if *budget == 0 {
                return None;
            }
            let Some(item) = self.walks.next_item(message, offset, budget) else {
                return Some(self.walks.outcome());
            };
            if let Some((body, at)) = item {
                let start = at - offset;
                self.scope = Some(ScopeSpansAt {
                    body: start..start + body.len(),
                    at,
                    read: ScopeRead::new(self.direct),
                });
            }
        }
    }
}

/// A `ScopeSpans` of a [`BatchRead`], where it lies in the batch's bytes
/// (and in the input), being read.
struct ScopeSpansAt {
    body: std::ops::Range<usize>,
    /// The body's first byte in the input.
    at: usize,
    read: ScopeRead,
}

/// `ScopeSpans` read a bounded amount at a time, as [`BatchRead`] reads
/// its batch: the scope, then the spans.
struct ScopeRead {
    direct: bool,
    walks: TwoWalks<InstrumentationScope>,
    /// The scope's index, once registered.
    index: Option<u32>,
    /// How far into the message reading has got.
    reached: usize,
}

impl ScopeRead {
    fn new(direct: bool) -> Self {
        Self {
            direct,
            walks: TwoWalks::new(),
            index: None,
            reached: 0,
        }
    }

    /// As [`BatchRead::step`], for the spans of `(service, resource)`.
    fn step(
        &mut self,
        message: &[u8],
        offset: usize,
        (service, resource): (Sym, u32),
        builder: &mut TraceSetBuilder,
        budget: &mut usize,
    ) -> Option<Result<(), String>> {
        if self.index.is_none() {
            let scope = self.walks.first(message, offset, budget)?;
            self.index = Some(scope.map_or(0, |scope| {
                let scope = Scope {
                    name: builder.intern(&scope.name),
                    version: builder.intern(&scope.version),
                    attributes: attributes(scope.attributes, builder),
                };
                builder.scope(scope)
            }));
        }
        let owner = (service, resource, self.index?);
        loop {
            if *budget == 0 {
                return None;
            }
            let Some(item) = self.walks.next_item(message, offset, budget) else {
                return Some(self.walks.outcome());
            };
            let Some((body, at)) = item else { continue };
            self.reached = at - offset + body.len();
            if self.direct && direct::span(body, owner, builder).is_some() {
                continue;
            }
            if let Err(e) = ProtoSpan::decode(body).map(|span| add_span(span, owner, at, builder)) {
                return Some(Err(damaged(at, &format!("invalid span: {e}"))));
            }
        }
    }
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
    let mut walk = FieldWalk::default();
    while let Some(field) = walk.next(message, offset) {
        let (field, body, at) = field?;
        visit(field, body, at)?;
    }
    Ok(())
}

/// A length-delimited field met on a walk: its number, its body, and
/// where the body starts in the input.
type FieldAt<'a> = (u64, &'a [u8], usize);

/// A walk over a message's length-delimited fields, a field at a time:
/// [`for_each_field`]'s, and the readers' that stop and go on.
#[derive(Default)]
struct FieldWalk {
    at: usize,
    /// The damage to tell once the cut-off field before it is visited.
    cut: Option<String>,
    done: bool,
}

impl FieldWalk {
    /// The next length-delimited field of `message` (its first byte at
    /// `offset` in the input): its number, body and the body's offset; or
    /// the damage that ends the walk; `None` once it has ended.
    fn next<'a>(
        &mut self,
        message: &'a [u8],
        offset: usize,
    ) -> Option<Result<FieldAt<'a>, String>> {
        if self.done {
            return None;
        }
        if let Some(cut) = self.cut.take() {
            self.done = true;
            return Some(Err(cut));
        }
        let walked = self.walk(message, offset);
        self.done = !matches!(walked, Some(Ok(_)));
        walked
    }

    fn walk<'a>(
        &mut self,
        message: &'a [u8],
        offset: usize,
    ) -> Option<Result<FieldAt<'a>, String>> {
        while self.at < message.len() {
            let field_start = self.at;
            let Some((key, after_key)) = varint(message, self.at) else {
                return Some(Err(damaged(offset + self.at, "a cut-off field key")));
            };
            let field = key >> 3;
            self.at = after_key;
            match key & 7 {
                0 => match varint(message, self.at) {
                    Some((_, next)) => self.at = next,
                    None => return Some(Err(damaged(offset + self.at, "a cut-off varint"))),
                },
                1 => self.at += 8,
                5 => self.at += 4,
                2 => {
                    let Some((length, body)) = varint(message, self.at) else {
                        return Some(Err(damaged(offset + self.at, "a cut-off length")));
                    };
                    let end = body.saturating_add(usize::try_from(length).unwrap_or(usize::MAX));
                    if end > message.len() {
                        self.at = message.len();
                        self.cut = Some(damaged(
                            offset + field_start,
                            &format!(
                                "field {field} declares {length} bytes but only {} remain \
                                 (the file is truncated)",
                                message.len() - body
                            ),
                        ));
                        self.done = false;
                        return Some(Ok((field, &message[body..], offset + body)));
                    }
                    self.at = end;
                    return Some(Ok((field, &message[body..end], offset + body)));
                }
                wire_type => {
                    return Some(Err(damaged(
                        offset + field_start,
                        &format!("wire type {wire_type} is not protobuf"),
                    )))
                }
            }
        }
        if self.at > message.len() {
            return Some(Err(damaged(offset + message.len(), "a cut-off field")));
        }
        None
    }
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
/// kept, and a `ResourceSpans` a bounded amount a step ([`BatchRead`]).
/// It gives the spans, warnings and errors [`read_message`] gives for the
/// whole input.
pub(super) struct Stepper {
    /// Where the next field starts, from the input's first byte.
    at: usize,
    /// Bytes let go before the first one given to a step.
    base: usize,
    /// The spans before the message (an error if it adds none and is
    /// damaged).
    spans_before: usize,
    /// The spans before the input, for the estimate of those to come.
    counted_from: usize,
    waiting: bool,
    /// The whole input's length, for the estimate of the spans to come.
    length: usize,
    /// The `ResourceSpans` at `at`, being read.
    batch: Option<Batch>,
    /// Where the field it waits for the whole of ends, from the input's
    /// first byte (0 when that is not known yet).
    wanted_until: usize,
}

/// A top-level `ResourceSpans` being read, all its bytes there.
struct Batch {
    /// Its body, from the input's first byte.
    body: std::ops::Range<usize>,
    /// Where the next field starts.
    next: usize,
    /// What to tell once it is read, when the input ends inside it.
    cut: Option<String>,
    read: BatchRead,
}

/// What reading one field came to.
enum Field {
    /// Read; the next starts at this offset (from the input's start).
    Next(usize),
    /// A `ResourceSpans`, to read.
    Batch(Box<Batch>),
    /// Its bytes are not all there yet; where it ends, from the input's
    /// first byte, once its length has come (0 before).
    Wait(usize),
    /// The message ends here: damaged (with what), or whole (`None`).
    End(Option<String>),
}

impl ReadInSteps for Stepper {
    /// How far reading has got, in bytes of the input.
    fn offset(&self) -> usize {
        match &self.batch {
            Some(batch) => batch.body.start + batch.read.reached,
            None => self.at,
        }
    }

    /// How many of the bytes given to the last step are read: the next
    /// step is given the bytes from there on (a batch being read is kept
    /// whole).
    fn let_go(&mut self, _bytes: &[u8]) -> usize {
        let read = self.at - self.base;
        self.base = self.at;
        read
    }

    /// Whether reading on needs bytes that have not come yet.
    fn waiting(&self) -> bool {
        self.waiting
    }

    /// A `ResourceSpans` is read once all of it is there: while it comes,
    /// the bytes up to its end (within the input's length, whatever its
    /// length says).
    fn held_for(&self) -> usize {
        match self.waiting {
            true => self.wanted_until.min(self.length).saturating_sub(self.base),
            false => 0,
        }
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
        let budget = budget.max(1);
        let mut spent = 0;
        while spent < budget {
            if let Some(batch) = &mut self.batch {
                let mut left = budget - spent;
                let body = batch.body.start - self.base..batch.body.end - self.base;
                let read = batch
                    .read
                    .step(&bytes[body], batch.body.start, builder, &mut left);
                spent = budget - left;
                let Some(read) = read else {
                    let reached = batch.body.start + batch.read.reached;
                    builder.expect_rest(self.counted_from, reached, self.length);
                    return None;
                };
                match read {
                    Ok(()) => match batch.cut.take() {
                        Some(cut) => return Some(self.end(builder, Some(cut))),
                        None => {
                            self.at = batch.next;
                            self.batch = None;
                            // Room for the spans to come at once: grown by
                            // doubling, a million spans' vectors were
                            // copied and held twice.
                            builder.expect_rest(self.counted_from, self.at, self.length);
                        }
                    },
                    Err(damage) => return Some(self.end(builder, Some(damage))),
                }
                continue;
            }
            match self.field(bytes, complete) {
                Field::Next(next) => {
                    spent += next - self.at;
                    self.at = next;
                    builder.expect_rest(self.counted_from, self.at, self.length);
                }
                Field::Batch(batch) => self.batch = Some(*batch),
                Field::Wait(until) => {
                    self.waiting = true;
                    self.wanted_until = until;
                    return None;
                }
                Field::End(damage) => return Some(self.end(builder, damage)),
            }
        }
        None
    }
}

impl Stepper {
    pub(super) fn new(spans_before: usize, length: usize) -> Self {
        Self::framed(0, spans_before, spans_before, length)
    }

    /// The reader of a message that starts `origin` bytes into an input
    /// of `length` bytes (a frame of a stream), the builder holding
    /// `spans_before` spans, `counted_from` of them before the input.
    fn framed(origin: usize, spans_before: usize, counted_from: usize, length: usize) -> Self {
        Self {
            at: origin,
            base: origin,
            spans_before,
            counted_from,
            waiting: false,
            length,
            batch: None,
            wanted_until: 0,
        }
    }

    /// The outcome of a message that ends here, damaged or whole.
    fn end(
        &self,
        builder: &mut TraceSetBuilder,
        damage: Option<String>,
    ) -> Result<(), IngestError> {
        builder.expect_spans(0);
        let read_any = builder.span_total() > self.spans_before;
        match damage {
            None => Ok(()),
            Some(damage) => report(builder, read_any, damage),
        }
    }

    /// Reads the field at `self.at`, as `for_each_field` and
    /// `read_message` read it in a whole message.
    fn field(&self, bytes: &[u8], complete: bool) -> Field {
        let local = self.at - self.base;
        if local >= bytes.len() {
            return match complete {
                true => Field::End(None),
                false => Field::Wait(0),
            };
        }
        // Cut off: wait for more, or, at the end, the damage as told whole.
        let cut = |what: &str, at: usize| match complete {
            true => Field::End(Some(damaged(self.base + at, what))),
            false => Field::Wait(0),
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
                        return Field::Wait(self.base.saturating_add(end));
                    }
                    let cut = damaged(
                        self.base + local,
                        &format!(
                            "field {} declares {length} bytes but only {} remain \
                             (the file is truncated)",
                            key >> 3,
                            bytes.len() - body
                        ),
                    );
                    return match key >> 3 {
                        1 => Field::Batch(Box::new(Batch {
                            body: self.base + body..self.base + bytes.len(),
                            next: self.base + bytes.len(),
                            cut: Some(cut),
                            read: BatchRead::new(true),
                        })),
                        _ => Field::End(Some(cut)),
                    };
                }
                return match key >> 3 {
                    1 => Field::Batch(Box::new(Batch {
                        body: self.base + body..self.base + end,
                        next: self.base + end,
                        cut: None,
                        read: BatchRead::new(true),
                    })),
                    _ => Field::Next(self.base + end),
                };
            }
            wire_type => {
                return Field::End(Some(damaged(
                    self.base + local,
                    &format!("wire type {wire_type} is not protobuf"),
                )))
            }
        };
        // A fixed-size field past the end: cut off, as the whole reading
        // tells it (where the message ends).
        match (next > bytes.len(), complete) {
            (true, false) => Field::Wait(0),
            (true, true) => Field::End(Some(damaged(self.base + bytes.len(), "a cut-off field"))),
            (false, _) => Field::Next(self.base + next),
        }
    }
}

/// Reads a length-prefixed stream of messages while it arrives, each
/// message a bounded amount a step by its own [`Stepper`] (once the
/// stream is told, as soon as the first frames' heads have come). It gives
/// the spans, warnings and errors [`read_stream`] gives for the whole
/// input.
pub(super) struct StreamStepper {
    /// Where the next frame starts, from the input's first byte.
    at: usize,
    /// Bytes let go before the first one given to a step.
    base: usize,
    /// Frames begun.
    messages: usize,
    /// Whether a message has been read (damage after it is a warning).
    read_any: bool,
    spans_before: usize,
    length: usize,
    /// The frame at `at`, once its head is read.
    frame: Option<Frame>,
    waiting: bool,
}

/// A frame of a stream being read.
struct Frame {
    message: Stepper,
    /// Where its head says it ends, from the input's first byte.
    end: usize,
    /// Whether its message is read (what is left of it is passed over).
    read: bool,
}

impl StreamStepper {
    pub(super) fn new(spans_before: usize, length: usize) -> Self {
        Self {
            at: 0,
            base: 0,
            messages: 0,
            read_any: false,
            spans_before,
            length,
            frame: None,
            waiting: false,
        }
    }
}

impl ReadInSteps for StreamStepper {
    fn offset(&self) -> usize {
        self.frame
            .as_ref()
            .map_or(self.at, |frame| frame.message.offset())
    }

    fn let_go(&mut self, bytes: &[u8]) -> usize {
        let base = match &mut self.frame {
            // What is left of a frame read is not needed.
            Some(frame) if frame.read => self.base + bytes.len(),
            Some(frame) => {
                let from = frame.message.base - self.base;
                frame.message.let_go(&bytes[from..]);
                frame.message.base
            }
            None => self.at,
        };
        let read = base - self.base;
        self.base = base;
        read
    }

    fn waiting(&self) -> bool {
        self.waiting
    }

    fn step(
        &mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
        budget: usize,
        complete: bool,
    ) -> Option<Result<(), IngestError>> {
        self.waiting = false;
        let arrived = self.base + bytes.len();
        let (from, budget) = (self.offset(), budget.max(1));
        loop {
            let left = budget
                .checked_sub(self.offset() - from)
                .filter(|&l| l > 0)?;
            if let Some(frame) = &mut self.frame {
                // The frame's bytes so far; all of them once they are
                // there, or once the input ends inside the frame.
                let whole = frame.end <= arrived;
                if !frame.read {
                    let message = &mut frame.message;
                    let body = &bytes[message.base - self.base..frame.end.min(arrived) - self.base];
                    let Some(outcome) = message.step(body, builder, left, whole || complete) else {
                        self.waiting = message.waiting();
                        return None;
                    };
                    frame.read = true;
                    if let Err(error) = message_read(outcome, &mut self.read_any, builder) {
                        return Some(Err(error));
                    }
                }
                if !whole {
                    // Whatever is left of the frame belongs to it.
                    if !complete {
                        self.waiting = true;
                        return None;
                    }
                    let body = self.at + 4;
                    let (declared, remain) = (frame.end - body, arrived - body);
                    builder.warn(truncated_frame(self.messages, self.at, declared, remain));
                }
                self.at = frame.end.min(arrived);
                self.frame = None;
                continue;
            }
            let local = self.at - self.base;
            if local >= bytes.len() {
                if !complete {
                    self.waiting = true;
                    return None;
                }
                builder.expect_spans(0);
                return Some(Ok(()));
            }
            let Some(length) = frame_length(bytes, local) else {
                if !complete {
                    self.waiting = true;
                    return None;
                }
                let stray = stray_bytes(bytes.len() - local, self.at, self.messages);
                builder.expect_spans(0);
                return Some(report(builder, self.read_any, stray));
            };
            self.messages += 1;
            let body = self.at + 4;
            self.frame = Some(Frame {
                message: Stepper::framed(
                    body,
                    builder.span_total(),
                    self.spans_before,
                    self.length,
                ),
                end: body.saturating_add(length),
                read: false,
            });
        }
    }
}
