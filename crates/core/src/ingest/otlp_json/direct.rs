//! OTLP/JSON as exporters write it, read straight from the bytes.
//!
//! serde_json's machinery costs more per value than the work done with
//! it, and exporters write a narrow subset of JSON: known keys, strings
//! without escapes, integers. This reader takes exactly that subset and
//! nothing else. Whatever falls outside it is handed to the serde seeds of
//! the parent module, which stay the definition of the format: a span in
//! an unusual shape (escapes, doubles, links, unknown keys) is read by
//! [`SpanSeed`](super::SpanSeed) on its own, and anything wrong with the
//! structure makes the whole `ResourceSpans` element be taken back and
//! read again by the seeds, which report where the damage is. So this
//! reader never has to produce an error, and for every input it gives
//! exactly the spans and warnings that the seeds give (tested on every
//! corpus file, and by a fuzz target that compares the two).

use std::marker::PhantomData;

use serde::de::{DeserializeSeed, IgnoredAny};
use serde_json::value::RawValue;

use super::{
    add_span, resource_of, span_kind, span_of, status_code, value_end, EnumValue, ResourceSeed,
    ScopeSeed, SpanIds, SpanSeed,
};
use crate::attributes::{Attribute, Value};
use crate::ingest::assemble::{DecodedEvent, UndoMark};
use crate::ingest::cursor::{Cursor, Keys};
use crate::ingest::sniff::skip_whitespace;
use crate::ingest::TraceSetBuilder;
use crate::intern::Sym;
use crate::model::StatusCode;
use crate::warnings::Checkpoint;

/// A `ResourceSpans` element read a part at a time: a step stops at a
/// span (or any member) boundary once its budget is spent, or where the
/// bytes given so far end, and the next step goes on from there. What it
/// added can all be taken back until the element ends: if anything in it
/// is outside this reader's shape, the seeds read the element again whole.
pub(super) struct Partway {
    mark: Option<UndoMark>,
    /// The next part to read, in the bytes given.
    at: usize,
    level: Level,
    /// Whether the innermost object or array has had no part yet.
    first: bool,
    owner: Option<(Sym, u32)>,
    scope: Option<u32>,
    /// Whether the scope's spans came with no `scope` before them, so
    /// they were read as the seeds read spans of no scope: a `scope` after
    /// them in the same object would have been theirs, and makes the
    /// seeds read the element again.
    scope_assumed: bool,
    /// The JSON of the resource and of the scope read, for what a
    /// [`Partway::checkpoint`] hands the seeds.
    resource_json: Json,
    scope_json: Json,
    /// The warnings before the part being read.
    warnings: Checkpoint,
}

/// A value's JSON: where it is in the bytes given, or (once those may be
/// let go, at a checkpoint) a copy.
enum Json {
    Missing,
    At(usize, usize),
    Kept(Vec<u8>),
}

impl Json {
    fn at(bytes: &[u8], raw: &[u8]) -> Self {
        let start = raw.as_ptr() as usize - bytes.as_ptr() as usize;
        Json::At(start, start + raw.len())
    }

    fn get<'a>(&'a self, bytes: &'a [u8]) -> &'a [u8] {
        match self {
            Json::Missing => b"null",
            Json::At(start, end) => &bytes[*start..*end],
            Json::Kept(json) => json,
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        if let Json::At(..) = self {
            *self = Json::Kept(self.get(bytes).to_vec());
        }
    }

    fn let_go(&mut self, read: usize) {
        if let Json::At(start, end) = self {
            // Never the case: what a checkpoint lets go was kept first.
            debug_assert!(*start >= read, "a value's JSON let go");
            *start = start.saturating_sub(read);
            *end = end.saturating_sub(read);
        }
    }
}

/// Where in a `ResourceSpans` element reading is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Before its `{`.
    Start,
    /// Among its members.
    Resource,
    /// In its `scopeSpans` array.
    ScopeSpans,
    /// Among one `ScopeSpans`' members.
    Scope,
    /// In that scope's `spans` array.
    Spans,
}

/// How a step of a [`Partway`] ended.
pub(super) enum Step {
    /// The element ends just before this offset; what was read is kept.
    Done(usize),
    /// The budget is spent.
    Paused,
    /// The bytes given so far end inside the element.
    Wait,
    /// The element is not in this reader's shape: what it added was taken
    /// back, and the seeds must read it.
    Seeds,
}

impl Partway {
    /// Starts reading the element at `at`.
    pub(super) fn new(at: usize, builder: &mut TraceSetBuilder) -> Self {
        Self {
            mark: Some(builder.begin_undoable()),
            at,
            level: Level::Start,
            first: true,
            owner: None,
            scope: None,
            scope_assumed: false,
            resource_json: Json::Missing,
            scope_json: Json::Missing,
            warnings: Checkpoint::default(),
        }
    }

    /// The next part to read, in the bytes given.
    pub(super) fn at(&self) -> usize {
        self.at
    }

    /// The first `read` bytes were let go: offsets move back by as many.
    pub(super) fn let_go(&mut self, read: usize) {
        self.at -= read;
        self.resource_json.let_go(read);
        self.scope_json.let_go(read);
    }

    /// Between two spans, keeps what was read so far for good so that the
    /// bytes before can be let go: an element can be hundreds of
    /// megabytes (one per service, as `gen_trace.py` writes them), and
    /// holding it whole until it ends held that much memory beside the
    /// model. Returns where the rest starts — the next span — and the
    /// JSON the seeds read it after, should it need them: the element's
    /// start up to that span, its resource and scope as they were read,
    /// without the spans before. `None` when reading is not between two
    /// spans that have both arrived.
    pub(super) fn checkpoint(
        &mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
    ) -> Option<(usize, Vec<u8>)> {
        // What was read with a scope assumed may still be taken back.
        if self.level != Level::Spans || self.scope_assumed {
            return None;
        }
        let mut next = skip_whitespace(bytes, self.at);
        if !self.first {
            (bytes.get(next) == Some(&b',')).then_some(())?;
            next = skip_whitespace(bytes, next + 1);
        }
        (bytes.get(next) == Some(&b'{')).then_some(())?;
        self.resource_json.keep(bytes);
        self.scope_json.keep(bytes);
        let mut before = b"{\"resource\":".to_vec();
        before.extend_from_slice(self.resource_json.get(bytes));
        before.extend_from_slice(b",\"scopeSpans\":[{\"scope\":");
        before.extend_from_slice(self.scope_json.get(bytes));
        before.extend_from_slice(b",\"spans\":[");
        builder.commit();
        self.mark = Some(builder.begin_undoable());
        self.at = next;
        self.first = true;
        Some((next, before))
    }

    /// Reads parts until one ends at or past `stop`, the element ends, or
    /// the bytes given end (`complete`: no more will come).
    pub(super) fn step(
        &mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
        stop: usize,
        complete: bool,
    ) -> Step {
        while self.at < stop {
            let stacked = builder.attribute_stack.len();
            builder.warnings.checkpoint_into(&mut self.warnings);
            let mut cursor = Cursor {
                bytes,
                at: self.at,
                complete,
            };
            match self.part(&mut cursor, builder) {
                Some(None) => self.at = cursor.at,
                Some(Some(end)) => {
                    self.mark = None;
                    builder.commit();
                    return Step::Done(end);
                }
                None => {
                    // Cut short by the end of what has arrived: again from
                    // this part once more is there.
                    let mut part = skip_whitespace(bytes, self.at);
                    if !self.first && bytes.get(part) == Some(&b',') {
                        part = skip_whitespace(bytes, part + 1);
                    }
                    let object = matches!(self.level, Level::Resource | Level::Scope);
                    let cut = part_end(bytes, part, object).is_none_or(|end| end >= bytes.len());
                    if !complete && cut {
                        builder.attribute_stack.truncate(stacked);
                        builder.warnings.back_to(&self.warnings);
                        return Step::Wait;
                    }
                    if let Some(mark) = self.mark.take() {
                        builder.undo(mark);
                    }
                    return Step::Seeds;
                }
            }
        }
        Step::Paused
    }

    /// Reads the next part: `Some(Some(end))` when it was the element's
    /// last, `Some(None)` for any other, `None` when it does not read.
    fn part(
        &mut self,
        cursor: &mut Cursor<'_>,
        builder: &mut TraceSetBuilder,
    ) -> Option<Option<usize>> {
        let (close, next_level) = match self.level {
            Level::Start => {
                cursor.eat(b'{')?;
                self.enter(Level::Resource);
                return Some(None);
            }
            Level::Resource => (b'}', None),
            Level::ScopeSpans => (b']', Some(Level::Resource)),
            Level::Scope => (b'}', Some(Level::ScopeSpans)),
            Level::Spans => (b']', Some(Level::Scope)),
        };
        if cursor.peek()? == close {
            cursor.at += 1;
            let Some(level) = next_level else {
                if self.owner.is_none() {
                    resource_of(None, builder);
                }
                return Some(Some(cursor.at));
            };
            self.level = level;
            self.first = false;
            return Some(None);
        }
        if !self.first {
            cursor.eat(b',')?;
        }
        match self.level {
            Level::Resource => {
                match cursor.key(RESOURCE_SPANS_KEYS.0, RESOURCE_SPANS_KEYS.1, &mut 0)? {
                    ResourceSpansKey::Resource => {
                        let raw = cursor.raw_value()?;
                        self.resource_json = Json::at(cursor.bytes, raw);
                        let resource = with_seed(raw, ResourceSeed(&mut *builder))?;
                        self.owner = Some(resource_of(resource, builder));
                    }
                    // Spans before their resource: the seeds keep them waiting.
                    ResourceSpansKey::ScopeSpans => {
                        self.owner?;
                        cursor.eat(b'[')?;
                        self.enter(Level::ScopeSpans);
                        return Some(None);
                    }
                    ResourceSpansKey::Other => skip(cursor)?,
                }
            }
            Level::ScopeSpans => {
                cursor.eat(b'{')?;
                (self.scope, self.scope_assumed) = (None, false);
                self.scope_json = Json::Missing;
                self.enter(Level::Scope);
                return Some(None);
            }
            Level::Scope => match cursor.key(SCOPE_SPANS_KEYS.0, SCOPE_SPANS_KEYS.1, &mut 0)? {
                ScopeSpansKey::Scope => {
                    if self.scope_assumed {
                        return None;
                    }
                    let raw = cursor.raw_value()?;
                    self.scope_json = Json::at(cursor.bytes, raw);
                    let json = with_seed(raw, ScopeSeed(&mut *builder))?;
                    self.scope = Some(json.map_or(0, |s| builder.scope(s)));
                }
                ScopeSpansKey::Spans => {
                    // No scope yet: as the seeds do once the object ends
                    // without one (writers that leave an empty scope out
                    // write none; a scope after its spans is taken back).
                    if self.scope.is_none() {
                        (self.scope, self.scope_assumed) = (Some(0), true);
                    }
                    cursor.eat(b'[')?;
                    self.enter(Level::Spans);
                    return Some(None);
                }
                ScopeSpansKey::Other => skip(cursor)?,
            },
            Level::Spans => {
                let (service, resource) = self.owner?;
                let start = cursor.at;
                span(cursor, builder, (service, resource, self.scope?))?;
                // The seeds set spans of no scope yet aside as JSON text,
                // which serde checks more strictly than it reads spans at
                // once (UTF-8, no control characters in strings): what it
                // would not set aside goes to the seeds.
                let text = &cursor.bytes[start..cursor.at];
                if self.scope_assumed && serde_json::from_slice::<&RawValue>(text).is_err() {
                    return None;
                }
            }
            Level::Start => unreachable!("handled above"),
        }
        self.first = false;
        Some(None)
    }

    fn enter(&mut self, level: Level) {
        self.level = level;
        self.first = true;
    }
}

/// Where the part (an element, or with `member` a key and its value) at
/// `at` ends; `None` when the bytes end first.
fn part_end(bytes: &[u8], at: usize, member: bool) -> Option<usize> {
    let end = value_end(bytes, at)?;
    if !member || bytes[at] != b'"' {
        return Some(end);
    }
    let colon = skip_whitespace(bytes, end);
    if *bytes.get(colon)? != b':' {
        return Some(colon);
    }
    value_end(bytes, skip_whitespace(bytes, colon + 1))
}

/// Runs a seed of the parent module over `raw`, which must hold exactly
/// one value.
fn with_seed<'a, S: DeserializeSeed<'a>>(raw: &'a [u8], seed: S) -> Option<S::Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let value = seed.deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(value)
}

#[derive(Clone, Copy)]
enum ResourceSpansKey {
    Resource,
    ScopeSpans,
    Other,
}

const RESOURCE_SPANS_KEYS: (Keys<ResourceSpansKey>, ResourceSpansKey) = (
    &[
        (b"resource", ResourceSpansKey::Resource),
        (b"scopeSpans", ResourceSpansKey::ScopeSpans),
        (b"schemaUrl", ResourceSpansKey::Other),
        (b"instrumentationLibrarySpans", ResourceSpansKey::ScopeSpans),
    ],
    ResourceSpansKey::Other,
);

#[derive(Clone, Copy)]
enum ScopeSpansKey {
    Scope,
    Spans,
    Other,
}

const SCOPE_SPANS_KEYS: (Keys<ScopeSpansKey>, ScopeSpansKey) = (
    &[
        (b"scope", ScopeSpansKey::Scope),
        (b"spans", ScopeSpansKey::Spans),
        (b"schemaUrl", ScopeSpansKey::Other),
        (b"instrumentationLibrary", ScopeSpansKey::Scope),
    ],
    ScopeSpansKey::Other,
);

#[derive(Clone, Copy)]
enum SpanKey {
    TraceId,
    SpanId,
    TraceState,
    ParentSpanId,
    Flags,
    Name,
    Kind,
    Start,
    End,
    Attributes,
    DroppedAttributes,
    Events,
    DroppedEvents,
    Links,
    DroppedLinks,
    Status,
    Other,
}

const SPAN_KEYS: (Keys<SpanKey>, SpanKey) = (
    &[
        (b"traceId", SpanKey::TraceId),
        (b"spanId", SpanKey::SpanId),
        (b"traceState", SpanKey::TraceState),
        (b"parentSpanId", SpanKey::ParentSpanId),
        (b"flags", SpanKey::Flags),
        (b"name", SpanKey::Name),
        (b"kind", SpanKey::Kind),
        (b"startTimeUnixNano", SpanKey::Start),
        (b"endTimeUnixNano", SpanKey::End),
        (b"attributes", SpanKey::Attributes),
        (b"droppedAttributesCount", SpanKey::DroppedAttributes),
        (b"events", SpanKey::Events),
        (b"droppedEventsCount", SpanKey::DroppedEvents),
        (b"links", SpanKey::Links),
        (b"droppedLinksCount", SpanKey::DroppedLinks),
        (b"status", SpanKey::Status),
    ],
    SpanKey::Other,
);

#[derive(Clone, Copy)]
enum KeyValueKey {
    Key,
    Value,
    Other,
}

const KEY_VALUE_KEYS: (Keys<KeyValueKey>, KeyValueKey) = (
    &[(b"key", KeyValueKey::Key), (b"value", KeyValueKey::Value)],
    KeyValueKey::Other,
);

#[derive(Clone, Copy)]
enum AnyValueKey {
    String,
    Int,
    Bool,
    Double,
    Other,
}

const ANY_VALUE_KEYS: (Keys<AnyValueKey>, AnyValueKey) = (
    &[
        (b"stringValue", AnyValueKey::String),
        (b"intValue", AnyValueKey::Int),
        (b"boolValue", AnyValueKey::Bool),
        (b"doubleValue", AnyValueKey::Double),
    ],
    AnyValueKey::Other,
);

#[derive(Clone, Copy)]
enum EventKey {
    Time,
    Name,
    Attributes,
    DroppedAttributes,
    Other,
}

const EVENT_KEYS: (Keys<EventKey>, EventKey) = (
    &[
        (b"timeUnixNano", EventKey::Time),
        (b"name", EventKey::Name),
        (b"attributes", EventKey::Attributes),
        (b"droppedAttributesCount", EventKey::DroppedAttributes),
    ],
    EventKey::Other,
);

#[derive(Clone, Copy)]
enum StatusKey {
    Message,
    Code,
    Other,
}

const STATUS_KEYS: (Keys<StatusKey>, StatusKey) = (
    &[(b"message", StatusKey::Message), (b"code", StatusKey::Code)],
    StatusKey::Other,
);

/// A value this reader does not use, checked by serde_json.
fn skip(cursor: &mut Cursor<'_>) -> Option<()> {
    with_seed(cursor.raw_value()?, PhantomData::<IgnoredAny>).map(|_| ())
}

/// One span: in the narrow shape by this reader, else by the seeds.
fn span(
    cursor: &mut Cursor<'_>,
    builder: &mut TraceSetBuilder,
    owner: (Sym, u32, u32),
) -> Option<()> {
    let start = cursor.at;
    let from = builder.attribute_stack.len();
    if read_span(cursor, builder, owner).is_some() {
        return Some(());
    }
    // Not in the narrow shape: the seeds read this span.
    builder.attribute_stack.truncate(from);
    cursor.at = start;
    let raw = cursor.raw_value()?;
    with_seed(
        raw,
        &mut SpanSeed {
            builder: &mut *builder,
            owner,
        },
    )
}

/// One span in the narrow shape, handed to the builder as the seeds do.
fn read_span(
    cursor: &mut Cursor<'_>,
    builder: &mut TraceSetBuilder,
    owner: (Sym, u32, u32),
) -> Option<()> {
    let attributes_from = builder.attribute_stack.len();
    let mut span = span_of(owner);
    let (mut trace_id, mut span_id, mut parent_id): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let mut events = Vec::new();
    cursor.members(SPAN_KEYS, |cursor, key| {
        match key {
            SpanKey::TraceId => trace_id = cursor.text()?,
            SpanKey::SpanId => span_id = cursor.text()?,
            SpanKey::ParentSpanId => parent_id = cursor.text()?,
            SpanKey::Name => span.name = builder.intern_bytes(cursor.text()?),
            SpanKey::Kind => span.kind = span_kind(enum_value(cursor)?.as_ref()),
            SpanKey::Start => span.start_ns = cursor.unsigned()?,
            SpanKey::End => span.end_ns = cursor.unsigned()?,
            SpanKey::Attributes => cursor.elements(|cursor| key_value(cursor, builder))?,
            SpanKey::Events => cursor.elements(|cursor| event(cursor, builder, &mut events))?,
            // Links are rare: the seeds read spans that have any.
            SpanKey::Links => cursor.elements(|_| None)?,
            SpanKey::Status => (span.status, span.status_message) = status(cursor, builder)?,
            SpanKey::TraceState => span.trace_state = builder.intern_bytes(cursor.text()?),
            SpanKey::Flags => span.flags = count(cursor)?,
            SpanKey::DroppedAttributes => span.dropped_attributes = count(cursor)?,
            SpanKey::DroppedEvents => span.dropped_events = count(cursor)?,
            SpanKey::DroppedLinks => span.dropped_links = count(cursor)?,
            _ => return None,
        }
        Some(())
    })?;
    add_span(
        builder,
        SpanIds {
            trace: trace_id,
            span: span_id,
            parent: parent_id,
        },
        span,
        (attributes_from, events, Vec::new(), 0),
    );
    Some(())
}

/// A count, saturated to u32 as the seeds do.
fn count(cursor: &mut Cursor<'_>) -> Option<u32> {
    Some(u32::try_from(cursor.unsigned()?).unwrap_or(u32::MAX))
}

/// An enum as its integer or its name, or `null`.
fn enum_value<'a>(cursor: &mut Cursor<'a>) -> Option<Option<EnumValue<'a>>> {
    if cursor.null()? {
        return Some(None);
    }
    match cursor.peek()? {
        b'"' => {
            let name = std::str::from_utf8(cursor.string()?).ok()?;
            Some(Some(EnumValue::Name(name.into())))
        }
        _ => {
            let number = cursor.digits()?;
            cursor.delimited()?;
            Some(Some(EnumValue::Number(number)))
        }
    }
}

fn status(cursor: &mut Cursor<'_>, builder: &mut TraceSetBuilder) -> Option<(StatusCode, Sym)> {
    let (mut code, mut message) = (StatusCode::Unset, Sym(0));
    if cursor.null()? {
        return Some((code, message));
    }
    cursor.members(STATUS_KEYS, |cursor, key| {
        match key {
            StatusKey::Code => code = status_code(enum_value(cursor)?.as_ref()),
            StatusKey::Message => message = builder.intern_bytes(cursor.text()?),
            _ => return None,
        }
        Some(())
    })?;
    Some((code, message))
}

fn event(
    cursor: &mut Cursor<'_>,
    builder: &mut TraceSetBuilder,
    events: &mut Vec<DecodedEvent>,
) -> Option<()> {
    let from = builder.attribute_stack.len();
    let mut event = DecodedEvent::default();
    cursor.members(EVENT_KEYS, |cursor, key| {
        match key {
            EventKey::Time => event.time_ns = cursor.unsigned()?,
            EventKey::Name => event.name = builder.intern_bytes(cursor.text()?),
            EventKey::Attributes => cursor.elements(|cursor| key_value(cursor, builder))?,
            EventKey::DroppedAttributes => event.dropped_attributes = count(cursor)?,
            _ => return None,
        }
        Some(())
    })?;
    event.attributes = builder.take_attributes(from);
    events.push(event);
    Some(())
}

/// One `KeyValue` whose value is a string, an integer, a boolean or a
/// double,
/// pushed onto the builder's attribute stack.
fn key_value(cursor: &mut Cursor<'_>, builder: &mut TraceSetBuilder) -> Option<()> {
    let (mut key, mut value) = (Sym(0), Scalar::Empty);
    cursor.members(KEY_VALUE_KEYS, |cursor, member| {
        match member {
            KeyValueKey::Key => key = builder.intern_bytes(cursor.text()?),
            KeyValueKey::Value => value = any_value(cursor, builder)?,
            KeyValueKey::Other => return None,
        }
        Some(())
    })?;
    let value = match value {
        Scalar::Empty => Value::Empty,
        Scalar::Str(text) => Value::Str(text),
        Scalar::Int(number) => Value::Int(number),
        Scalar::Bool(flag) => Value::Bool(flag),
        Scalar::Double(number) => Value::Double(number),
    };
    builder.attribute_stack.push(Attribute { key, value });
    Some(())
}

/// The values this reader takes. Unlike [`Value`], it owns nothing, so
/// replacing one costs no call to drop it (a cost per attribute).
#[derive(Clone, Copy)]
enum Scalar {
    Empty,
    Str(Sym),
    Int(i64),
    Bool(bool),
    Double(f64),
}

fn any_value(cursor: &mut Cursor<'_>, builder: &mut TraceSetBuilder) -> Option<Scalar> {
    let mut value = Scalar::Empty;
    if cursor.null()? {
        return Some(value);
    }
    cursor.members(ANY_VALUE_KEYS, |cursor, key| {
        let next = match key {
            // These read `null` as empty (other kinds read it otherwise).
            AnyValueKey::String | AnyValueKey::Int | AnyValueKey::Bool | AnyValueKey::Double
                if cursor.null()? =>
            {
                Scalar::Empty
            }
            AnyValueKey::Double => Scalar::Double(cursor.double()?),
            AnyValueKey::String => Scalar::Str(builder.intern_bytes(cursor.string()?)),
            AnyValueKey::Int => Scalar::Int(cursor.signed()?),
            AnyValueKey::Bool => match cursor.peek()? {
                b't' => cursor.literal(b"true").map(|()| Scalar::Bool(true))?,
                _ => cursor.literal(b"false").map(|()| Scalar::Bool(false))?,
            },
            AnyValueKey::Other => return None,
        };
        // Exactly one is set; an empty one does not hide another.
        if !matches!(next, Scalar::Empty) {
            value = next;
        }
        Some(())
    })?;
    Some(value)
}
