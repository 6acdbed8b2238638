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

use super::{
    add_span, resource_of, span_kind, span_of, status_code, value_end, EnumValue, ResourceSeed,
    ScopeSeed, SpanIds, SpanSeed,
};
use crate::attributes::{Attribute, Value};
use crate::ingest::assemble::{DecodedEvent, UndoMark};
use crate::ingest::sniff::skip_whitespace;
use crate::ingest::TraceSetBuilder;
use crate::intern::Sym;
use crate::model::StatusCode;

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
        }
    }

    /// The next part to read, in the bytes given.
    pub(super) fn at(&self) -> usize {
        self.at
    }

    /// The first `read` bytes were let go: offsets move back by as many.
    pub(super) fn let_go(&mut self, read: usize) {
        self.at -= read;
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
            let warnings = builder.warnings.len();
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
                        builder.warnings.truncate(warnings);
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
                        let resource = with_seed(cursor.raw_value()?, ResourceSeed(&mut *builder))?;
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
                self.scope = None;
                self.enter(Level::Scope);
                return Some(None);
            }
            Level::Scope => match cursor.key(SCOPE_SPANS_KEYS.0, SCOPE_SPANS_KEYS.1, &mut 0)? {
                ScopeSpansKey::Scope => {
                    let json = with_seed(cursor.raw_value()?, ScopeSeed(&mut *builder))?;
                    self.scope = Some(json.map_or(0, |s| builder.scope(s)));
                }
                ScopeSpansKey::Spans => {
                    self.scope?;
                    cursor.eat(b'[')?;
                    self.enter(Level::Spans);
                    return Some(None);
                }
                ScopeSpansKey::Other => skip(cursor)?,
            },
            Level::Spans => {
                let (service, resource) = self.owner?;
                span(cursor, builder, (service, resource, self.scope?))?;
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

/// A position in the input, and the JSON tokens this reader takes.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Whether the bytes are the whole input (if not, a value that runs
    /// to their end may go on in bytes still to come).
    complete: bool,
}

impl<'a> Cursor<'a> {
    /// The next byte that is not JSON whitespace (not consumed).
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        // Exporters write no whitespace: one comparison tells a token.
        let &first = self.bytes.get(self.at)?;
        if first > b' ' {
            return Some(first);
        }
        while let Some(&b) = self.bytes.get(self.at) {
            if !is_whitespace(b) {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    #[inline]
    fn eat(&mut self, token: u8) -> Option<()> {
        (self.peek()? == token).then(|| self.at += 1)
    }

    /// The next non-whitespace byte, consumed.
    #[inline]
    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// A string without escapes or control characters: its bytes.
    #[inline]
    fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        let length = string_length(rest)?;
        self.at = start + length + 1;
        Some(&rest[..length])
    }

    /// A string, or `null` (read as empty, as [`RawText`](super::RawText) does).
    #[inline]
    fn text(&mut self) -> Option<&'a [u8]> {
        match self.null()? {
            true => Some(&[]),
            false => self.string(),
        }
    }

    /// Whether the next value is `null` (consumed if so).
    #[inline]
    fn null(&mut self) -> Option<bool> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| true),
            _ => Some(false),
        }
    }

    /// An object key and its colon, as what it stands for in `keys` (or
    /// `other`). Keys come in the order exporters write them (from `next`
    /// on, a key missing now and then): each is first compared with those,
    /// which is cheaper than finding its end.
    fn key<K: Copy>(&mut self, keys: Keys<K>, other: K, next: &mut usize) -> Option<K> {
        if self.peek()? == b'"' {
            let text = &self.bytes[self.at + 1..];
            for (index, &(known, key)) in keys.iter().enumerate().skip(*next) {
                if text.get(known.len()) == Some(&b'"') && starts_with(text, known) {
                    *next = index + 1;
                    self.at += known.len() + 2;
                    self.eat(b':')?;
                    return Some(key);
                }
            }
        }
        let text = self.string()?;
        self.eat(b':')?;
        let known = keys.iter().find(|(known, _)| *known == text);
        Some(known.map_or(other, |&(_, key)| key))
    }

    #[inline]
    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.peek()?;
        let found = self.bytes.get(self.at..self.at + word.len())? == word;
        found.then(|| self.at += word.len())?;
        self.delimited()
    }

    /// A scalar must end at a delimiter (`1x` is not a number).
    #[inline]
    fn delimited(&self) -> Option<()> {
        match self.bytes.get(self.at) {
            None => Some(()),
            Some(&b) => (matches!(b, b',' | b'}' | b']') || is_whitespace(b)).then_some(()),
        }
    }

    /// JSON integer digits (no sign, no leading zeros, no fraction).
    #[inline]
    fn digits(&mut self) -> Option<u64> {
        let rest = self.bytes.get(self.at..)?;
        let (value, length) = decimal(rest)?;
        if length > 1 && rest[0] == b'0' {
            return None;
        }
        self.at += length;
        Some(value)
    }

    /// An unsigned integer as a JSON number or a string of digits, as
    /// [`U64Value`](super::U64Value) reads it.
    #[inline]
    fn unsigned(&mut self) -> Option<u64> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let value = self.digits_in_string()?;
                (self.bytes.get(self.at) == Some(&b'"')).then(|| self.at += 1)?;
                Some(value)
            }
            _ => {
                let value = self.digits()?;
                self.delimited()?;
                Some(value)
            }
        }
    }

    /// Digits inside a string, where leading zeros are allowed.
    fn digits_in_string(&mut self) -> Option<u64> {
        let (value, length) = decimal(&self.bytes[self.at..])?;
        self.at += length;
        Some(value)
    }

    /// A signed integer as a JSON number or a string, as
    /// [`I64Value`](super::I64Value) reads it.
    fn signed(&mut self) -> Option<i64> {
        let quoted = self.peek()? == b'"';
        let text = match quoted {
            true => self.string()?,
            // Negative numbers are rare here: the seeds read them.
            false => {
                let start = self.at;
                self.digits()?;
                self.delimited()?;
                &self.bytes[start..self.at]
            }
        };
        let (negative, digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let (magnitude, length) = decimal(digits)?;
        (length == digits.len()).then_some(())?;
        match negative {
            true => 0i64.checked_sub_unsigned(magnitude),
            false => i64::try_from(magnitude).ok(),
        }
    }

    /// Calls `each` for every member of an object (after its `{`) with its
    /// key as [`Cursor::key`] reads it.
    fn members<K: Copy>(
        &mut self,
        (keys, other): (Keys<K>, K),
        mut each: impl FnMut(&mut Self, K) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        let mut next = 0;
        loop {
            let key = self.key(keys, other, &mut next)?;
            each(self, key)?;
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Calls `each` at every element of an array (after its `[`).
    fn elements(&mut self, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            each(self)?;
            match self.next()? {
                b',' => continue,
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// The bytes of the next value, whatever it holds, for the seeds.
    fn raw_value(&mut self) -> Option<&'a [u8]> {
        self.peek()?;
        let start = self.at;
        let end = value_end(self.bytes, start)?;
        (end < self.bytes.len() || self.complete).then_some(())?;
        self.at = end;
        Some(&self.bytes[start..end])
    }
}

/// What JSON counts as whitespace (not form feeds, as ASCII does).
#[inline]
fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// The value and length of the decimal digits `text` starts with (at
/// least one), or `None` on overflow. Nanosecond times have 19 digits, so
/// eight are read at a time.
#[inline]
fn decimal(text: &[u8]) -> Option<(u64, usize)> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let mut value = 0u64;
    let mut at = 0;
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        // All eight are digits: high nibbles 3, and no low nibble above 9.
        let all_digits = word & 0xf0f0_f0f0_f0f0_f0f0 == ZEROS
            && (word.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0) == ZEROS;
        if !all_digits {
            break;
        }
        value = value
            .checked_mul(100_000_000)?
            .checked_add(eight_digits(word - ZEROS))?;
        at += 8;
    }
    while let Some(&b) = text.get(at).filter(|b| b.is_ascii_digit()) {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
        at += 1;
    }
    (at > 0).then_some((value, at))
}

/// Eight digit values, one per byte (the first in the lowest), as a number.
fn eight_digits(word: u64) -> u64 {
    // Pairs, then quadruples, then all eight, each step in every lane.
    let pairs = (word * 10 + (word >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs * 100 + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    (quads * 10_000 + (quads >> 32)) & 0xffff_ffff
}

/// The length of a string's text up to its closing quote, or `None` when
/// a backslash or a control character comes first (or the input ends).
/// Eight bytes at a time: long values (statements, URLs) are common.
#[inline]
fn string_length(text: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let special = has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if special != 0 {
            // The lowest flagged byte is the first special one (flags
            // above it may be false, below it never are).
            let length = at + special.trailing_zeros() as usize / 8;
            return (text[length] == b'"').then_some(length);
        }
        at += 8;
    }
    let length = at
        + text[at..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (text[length] == b'"').then_some(length)
}

/// Runs a seed of the parent module over `raw`, which must hold exactly
/// one value.
fn with_seed<'a, S: DeserializeSeed<'a>>(raw: &'a [u8], seed: S) -> Option<S::Value> {
    let mut deserializer = serde_json::Deserializer::from_slice(raw);
    let value = seed.deserialize(&mut deserializer).ok()?;
    deserializer.end().ok()?;
    Some(value)
}

/// `text` starts with `known`, an object key: short, so compared a word at
/// a time (the last word overlapping) rather than by a call to `memcmp`.
#[inline]
fn starts_with(text: &[u8], known: &[u8]) -> bool {
    let length = known.len();
    if text.len() < length {
        return false;
    }
    if length < 8 {
        return text.iter().zip(known).all(|(a, b)| a == b);
    }
    let word = |bytes: &[u8], at: usize| {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    };
    let whole = (0..length / 8).all(|i| word(text, 8 * i) == word(known, 8 * i));
    whole && word(text, length - 8) == word(known, length - 8)
}

/// The keys of one kind of object, each with what it stands for, in the
/// order exporters write them (the protobuf field order, which the
/// Collector and the SDKs follow); other spellings the seeds also take
/// come last.
type Keys<K> = &'static [(&'static [u8], K)];

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
    Other,
}

const ANY_VALUE_KEYS: (Keys<AnyValueKey>, AnyValueKey) = (
    &[
        (b"stringValue", AnyValueKey::String),
        (b"intValue", AnyValueKey::Int),
        (b"boolValue", AnyValueKey::Bool),
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

/// One `KeyValue` whose value is a string, an integer or a boolean,
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
}

fn any_value(cursor: &mut Cursor<'_>, builder: &mut TraceSetBuilder) -> Option<Scalar> {
    let mut value = Scalar::Empty;
    if cursor.null()? {
        return Some(value);
    }
    cursor.members(ANY_VALUE_KEYS, |cursor, key| {
        let next = match key {
            // These read `null` as empty (other kinds read it otherwise).
            AnyValueKey::String | AnyValueKey::Int | AnyValueKey::Bool if cursor.null()? => {
                Scalar::Empty
            }
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

#[cfg(test)]
mod tests {
    use super::{decimal, starts_with, string_length};

    #[test]
    fn a_string_ends_at_its_first_quote_unless_an_escape_or_control_comes_first() {
        for length in 0..20 {
            let text = "a".repeat(length);
            assert_eq!(
                string_length(format!("{text}\"x\"").as_bytes()),
                Some(length)
            );
            assert_eq!(string_length(format!("{text}\\\"\"").as_bytes()), None);
            assert_eq!(string_length(format!("{text}\n\"").as_bytes()), None);
            // Bytes above a special one (where the word trick may misfire).
            assert_eq!(
                string_length(format!("{text}\"\u{1}\\ ").as_bytes()),
                Some(length)
            );
            assert_eq!(string_length(text.as_bytes()), None);
        }
        assert_eq!(string_length("é\"".as_bytes()), Some(2));
        assert_eq!(string_length(b"\x1f\""), None);
        assert_eq!(string_length(b" !#[]~\x7f\""), Some(7));
    }

    #[test]
    fn keys_are_compared_whole() {
        assert!(starts_with(b"traceId\":", b"traceId"));
        assert!(starts_with(b"startTimeUnixNano\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"startTimeUnixNanx\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"xtartTimeUnixNano\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"startTimeXnixNano\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"trace", b"traceId"));
        assert!(starts_with(b"", b""));
    }

    #[test]
    fn decimals_are_read_eight_digits_at_a_time_and_checked_for_overflow() {
        assert_eq!(decimal(b"0"), Some((0, 1)));
        assert_eq!(decimal(b"12345678\""), Some((12_345_678, 8)));
        assert_eq!(
            decimal(b"1741977000123456789\""),
            Some((1_741_977_000_123_456_789, 19))
        );
        assert_eq!(decimal(b"18446744073709551615"), Some((u64::MAX, 20)));
        assert_eq!(decimal(b"18446744073709551616"), None);
        assert_eq!(decimal(b"1234567:9"), Some((1_234_567, 7)));
        assert_eq!(decimal(b"12345678/1"), Some((12_345_678, 8)));
        assert_eq!(decimal(b"x1"), None);
    }
}
