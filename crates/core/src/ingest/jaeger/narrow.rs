//! Jaeger spans as Jaeger writes them, read straight from the bytes.
//!
//! serde's derived readers cost more per value than the work done with
//! them. This reader takes the narrow subset Jaeger's API and Jaeger UI's
//! downloads hold (known keys once each, strings without escapes, integer
//! times) into the same [`JaegerSpan`] serde gives; anything else, and
//! anything wrong, makes it give up, and serde reads the span, which stays
//! the definition of the format and reports the damage. So for every span
//! it gives exactly what serde gives (tested on every corpus file).

use std::borrow::Cow;

use serde::de::IgnoredAny;

use super::{JaegerSpan, Log, Reference, Tag, TagValue};
use crate::ingest::cursor::{Cursor, Keys};
use crate::ingest::json_syntax::U64Value;
use crate::ingest::sniff::value_end;

/// The span object at the cursor, or `None` for serde to read.
pub(super) fn span<'a>(cursor: &mut Cursor<'a>) -> Option<JaegerSpan<'a>> {
    let mut span = JaegerSpan::default();
    let mut seen = Seen::default();
    cursor.members(SPAN_KEYS, |cursor, key| {
        if !matches!(key, SpanKey::Other) {
            seen.first(key as u32)?;
        }
        match key {
            SpanKey::TraceId => span.trace_id = text(cursor)?,
            SpanKey::SpanId => span.span_id = text(cursor)?,
            SpanKey::OperationName => span.operation_name = text(cursor)?,
            SpanKey::References => span.references = list(cursor, reference)?,
            SpanKey::StartTime => span.start_time = U64Value(cursor.unsigned()?),
            SpanKey::Duration => span.duration = U64Value(cursor.unsigned()?),
            SpanKey::Tags => span.tags = list(cursor, tag)?,
            SpanKey::Logs => span.logs = list(cursor, log)?,
            SpanKey::ProcessId => {
                span.process_id = match cursor.null()? {
                    true => None,
                    false => Some(text(cursor)?),
                }
            }
            // A process inside the span is rare: serde reads those.
            SpanKey::Process => return None,
            SpanKey::Other => skip(cursor)?,
        }
        Some(())
    })?;
    Some(span)
}

/// Known keys met so far in one object: serde refuses one given twice.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, key: u32) -> Option<()> {
        let bit = 1 << key;
        (self.0 & bit == 0).then(|| self.0 |= bit)
    }
}

#[derive(Clone, Copy)]
enum SpanKey {
    TraceId,
    SpanId,
    OperationName,
    References,
    StartTime,
    Duration,
    Tags,
    Logs,
    ProcessId,
    Process,
    Other,
}

/// In the order Jaeger writes them.
const SPAN_KEYS: (Keys<SpanKey>, SpanKey) = (
    &[
        (b"traceID", SpanKey::TraceId),
        (b"spanID", SpanKey::SpanId),
        (b"operationName", SpanKey::OperationName),
        (b"references", SpanKey::References),
        (b"startTime", SpanKey::StartTime),
        (b"duration", SpanKey::Duration),
        (b"tags", SpanKey::Tags),
        (b"logs", SpanKey::Logs),
        (b"processID", SpanKey::ProcessId),
        (b"process", SpanKey::Process),
    ],
    SpanKey::Other,
);

#[derive(Clone, Copy)]
enum ReferenceKey {
    RefType,
    TraceId,
    SpanId,
    Other,
}

const REFERENCE_KEYS: (Keys<ReferenceKey>, ReferenceKey) = (
    &[
        (b"refType", ReferenceKey::RefType),
        (b"traceID", ReferenceKey::TraceId),
        (b"spanID", ReferenceKey::SpanId),
    ],
    ReferenceKey::Other,
);

#[derive(Clone, Copy)]
enum TagKey {
    Key,
    Type,
    Value,
    Other,
}

const TAG_KEYS: (Keys<TagKey>, TagKey) = (
    &[
        (b"key", TagKey::Key),
        (b"type", TagKey::Type),
        (b"value", TagKey::Value),
    ],
    TagKey::Other,
);

#[derive(Clone, Copy)]
enum LogKey {
    Timestamp,
    Fields,
    Other,
}

const LOG_KEYS: (Keys<LogKey>, LogKey) = (
    &[
        (b"timestamp", LogKey::Timestamp),
        (b"fields", LogKey::Fields),
    ],
    LogKey::Other,
);

fn reference<'a>(cursor: &mut Cursor<'a>) -> Option<Reference<'a>> {
    let mut reference = Reference::default();
    let mut seen = Seen::default();
    cursor.members(REFERENCE_KEYS, |cursor, key| {
        if !matches!(key, ReferenceKey::Other) {
            seen.first(key as u32)?;
        }
        match key {
            ReferenceKey::RefType => reference.ref_type = text(cursor)?,
            ReferenceKey::TraceId => reference.trace_id = text(cursor)?,
            ReferenceKey::SpanId => reference.span_id = text(cursor)?,
            ReferenceKey::Other => skip(cursor)?,
        }
        Some(())
    })?;
    Some(reference)
}

fn tag<'a>(cursor: &mut Cursor<'a>) -> Option<Tag<'a>> {
    let (mut key, mut kind, mut value) = (None, Cow::Borrowed(""), TagValue::Null);
    let mut seen = Seen::default();
    cursor.members(TAG_KEYS, |cursor, member| {
        if !matches!(member, TagKey::Other) {
            seen.first(member as u32)?;
        }
        match member {
            TagKey::Key => key = Some(text(cursor)?),
            TagKey::Type => kind = text(cursor)?,
            TagKey::Value => value = tag_value(cursor)?,
            TagKey::Other => skip(cursor)?,
        }
        Some(())
    })?;
    Some(Tag {
        key: key?,
        kind,
        value,
    })
}

/// A tag's value: text, a number, a boolean or null (an array or object
/// is left to serde).
fn tag_value<'a>(cursor: &mut Cursor<'a>) -> Option<TagValue<'a>> {
    Some(match cursor.peek()? {
        b'"' => TagValue::Str(text(cursor)?),
        b'n' => {
            cursor.literal(b"null")?;
            TagValue::Null
        }
        b't' => {
            cursor.literal(b"true")?;
            TagValue::Bool(true)
        }
        b'f' => {
            cursor.literal(b"false")?;
            TagValue::Bool(false)
        }
        b'-' | b'0'..=b'9' => {
            let start = cursor.at;
            let end = value_end(cursor.bytes, start)?;
            (end < cursor.bytes.len() || cursor.complete).then_some(())?;
            let number = serde_json::from_slice(&cursor.bytes[start..end]).ok()?;
            cursor.at = end;
            TagValue::Number(number)
        }
        _ => return None,
    })
}

fn log<'a>(cursor: &mut Cursor<'a>) -> Option<Log<'a>> {
    let mut log = Log::default();
    let mut seen = Seen::default();
    cursor.members(LOG_KEYS, |cursor, key| {
        if !matches!(key, LogKey::Other) {
            seen.first(key as u32)?;
        }
        match key {
            LogKey::Timestamp => log.timestamp = U64Value(cursor.unsigned()?),
            LogKey::Fields => log.fields = list(cursor, tag)?,
            LogKey::Other => skip(cursor)?,
        }
        Some(())
    })?;
    Some(log)
}

/// An array of what `each` reads.
fn list<'a, T>(
    cursor: &mut Cursor<'a>,
    mut each: impl FnMut(&mut Cursor<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    let mut all = Vec::new();
    cursor.elements(|cursor| {
        all.push(each(cursor)?);
        Some(())
    })?;
    Some(all)
}

/// A string without escapes, checked for UTF-8, borrowed from the input.
fn text<'a>(cursor: &mut Cursor<'a>) -> Option<Cow<'a, str>> {
    std::str::from_utf8(cursor.string()?)
        .ok()
        .map(Cow::Borrowed)
}

/// A value no field takes, checked by serde_json.
fn skip(cursor: &mut Cursor<'_>) -> Option<()> {
    serde_json::from_slice::<IgnoredAny>(cursor.raw_value()?).ok()?;
    Some(())
}
