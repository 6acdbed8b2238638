//! OTLP protobuf spans read straight from the bytes.
//!
//! prost decodes a span into owned values first: a vector for each id, a
//! string for the name and for every attribute's key and value, a vector
//! of attributes. At a million spans those allocations and frees were
//! most of reading (protobuf read slower than OTLP/JSON). This reader
//! walks a span's fields where they lie and hands the builder what it
//! keeps: interned texts, attributes on the builder's stack.
//!
//! It takes the spans exporters write: scalar attribute values, events,
//! a status. Anything else, and anything prost would refuse or merge, is
//! left to prost, which stays the definition of the format: a span with
//! links, an array, map or bytes value, a field in the wrong wire type, a
//! status or value given twice, text that is not UTF-8 or longer than the
//! builder keeps whole, a cut-off field. So this reader never has to
//! produce a warning or an error, and for every input it gives exactly the
//! spans and warnings prost gives (tested on every protobuf corpus file,
//! and by a fuzz target that compares the two).

use super::{kind_of, status_of};
use crate::attributes::{Attribute, Value};
use crate::ids::{SpanId, TraceId};
use crate::ingest::assemble::{DecodedEvent, DecodedSpan, TEXT_LIMIT};
use crate::ingest::TraceSetBuilder;
use crate::intern::Sym;
use crate::model::Span;

/// One field of a message, as it lies in the bytes.
#[derive(Clone, Copy)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Fixed32(u32),
    Bytes(&'a [u8]),
}

/// Reads one span (a `Span` message's bytes) owned by `(service,
/// resource, scope)` into `builder`; `None`, with nothing kept, when the
/// span is one to leave to prost.
pub(super) fn span(
    bytes: &[u8],
    owner: (Sym, u32, u32),
    builder: &mut TraceSetBuilder,
) -> Option<()> {
    let from = builder.attribute_stack.len();
    let read = read_span(bytes, owner, builder, from);
    if read.is_none() {
        builder.attribute_stack.truncate(from);
    }
    read
}

fn read_span(
    bytes: &[u8],
    (service, resource, scope): (Sym, u32, u32),
    builder: &mut TraceSetBuilder,
    attributes_from: usize,
) -> Option<()> {
    let mut span = Span {
        service,
        resource,
        scope,
        ..Span::default()
    };
    let (mut trace_id, mut span_id, mut parent_id): (&[u8], &[u8], &[u8]) = (&[], &[], &[]);
    let (mut name, mut trace_state): (&[u8], &[u8]) = (&[], &[]);
    let mut status = None;
    let mut events = Vec::new();
    each_field(bytes, |field, wire| {
        match (field, wire) {
            (1, Wire::Bytes(id)) => trace_id = id,
            (2, Wire::Bytes(id)) => span_id = id,
            (3, Wire::Bytes(state)) => trace_state = text(state)?,
            (4, Wire::Bytes(id)) => parent_id = id,
            (5, Wire::Bytes(raw)) => name = text(raw)?,
            (6, Wire::Varint(kind)) => span.kind = kind_of(kind as i32),
            (7, Wire::Fixed64(time)) => span.start_ns = time,
            (8, Wire::Fixed64(time)) => span.end_ns = time,
            (9, Wire::Bytes(pair)) => key_value(pair, builder)?,
            (10, Wire::Varint(count)) => span.dropped_attributes = count as u32,
            (11, Wire::Bytes(raw)) => events.push(event(raw, builder)?),
            (12, Wire::Varint(count)) => span.dropped_events = count as u32,
            (14, Wire::Varint(count)) => span.dropped_links = count as u32,
            // A second status is merged into the first by prost.
            (15, Wire::Bytes(raw)) if status.is_none() => status = Some(status_of_bytes(raw)?),
            (16, Wire::Fixed32(flags)) => span.flags = flags,
            // Links (rare), a status given twice, a known field in another
            // wire type.
            (1..=16, _) => return None,
            // Fields this version of OTLP does not know are skipped, as
            // prost skips them.
            _ => {}
        }
        Some(())
    })?;
    // Ids of the wrong length are warned about by prost's path.
    let trace_id = TraceId(trace_id.try_into().ok()?);
    span.span_id = SpanId(span_id.try_into().ok()?);
    span.parent_span_id = match parent_id.len() {
        0 => None,
        _ => Some(SpanId(parent_id.try_into().ok()?)),
    };
    if let Some((code, message)) = status {
        span.status = status_of(code);
        span.status_message = builder.intern_bytes(message);
    }
    span.name = builder.intern_bytes(name);
    span.trace_state = builder.intern_bytes(trace_state);
    let decoded = DecodedSpan {
        trace_id,
        span,
        attributes: Vec::new(),
        events,
        links: Vec::new(),
    };
    builder.push_span_with_stacked(decoded, attributes_from);
    Some(())
}

/// A `Status`: its code and message.
fn status_of_bytes(bytes: &[u8]) -> Option<(i32, &[u8])> {
    let (mut code, mut message): (i32, &[u8]) = (0, &[]);
    each_field(bytes, |field, wire| {
        match (field, wire) {
            (2, Wire::Bytes(raw)) => message = text(raw)?,
            (3, Wire::Varint(value)) => code = value as i32,
            (2 | 3, _) => return None,
            _ => {}
        }
        Some(())
    })?;
    Some((code, message))
}

/// An `Event`.
fn event(bytes: &[u8], builder: &mut TraceSetBuilder) -> Option<DecodedEvent> {
    let from = builder.attribute_stack.len();
    let mut event = DecodedEvent::default();
    let mut name: &[u8] = &[];
    each_field(bytes, |field, wire| {
        match (field, wire) {
            (1, Wire::Fixed64(time)) => event.time_ns = time,
            (2, Wire::Bytes(raw)) => name = text(raw)?,
            (3, Wire::Bytes(pair)) => key_value(pair, builder)?,
            (4, Wire::Varint(count)) => event.dropped_attributes = count as u32,
            (1..=4, _) => return None,
            _ => {}
        }
        Some(())
    })?;
    event.name = builder.intern_bytes(name);
    event.attributes = builder.take_attributes(from);
    Some(event)
}

/// A `KeyValue` whose value is a string, a boolean, an integer or a
/// double (or none), pushed onto the builder's attribute stack.
fn key_value(bytes: &[u8], builder: &mut TraceSetBuilder) -> Option<()> {
    let (mut key, mut value): (&[u8], Option<Scalar<'_>>) = (&[], None);
    each_field(bytes, |field, wire| {
        match (field, wire) {
            (1, Wire::Bytes(raw)) => key = text(raw)?,
            // A second value is merged into the first by prost (an empty one
            // keeps the first).
            (2, Wire::Bytes(any)) if value.is_none() => value = Some(any_value(any)?),
            // An index into a profiles string table: meaningless here.
            (3, Wire::Varint(_)) => {}
            (1..=3, _) => return None,
            _ => {}
        }
        Some(())
    })?;
    let key = builder.intern_bytes(key);
    let value = match value.unwrap_or(Scalar::Empty) {
        Scalar::Empty => Value::Empty,
        Scalar::Str(raw) => Value::Str(builder.intern_bytes(raw)),
        Scalar::Bool(flag) => Value::Bool(flag),
        Scalar::Int(number) => Value::Int(number),
        Scalar::Double(number) => Value::Double(number),
    };
    builder.attribute_stack.push(Attribute { key, value });
    Some(())
}

/// The values this reader takes, the text not yet interned.
#[derive(Clone, Copy)]
enum Scalar<'a> {
    Empty,
    Str(&'a [u8]),
    Bool(bool),
    Int(i64),
    Double(f64),
}

/// An `AnyValue` holding a scalar; the last one set wins, as in prost.
fn any_value(bytes: &[u8]) -> Option<Scalar<'_>> {
    let mut value = Scalar::Empty;
    each_field(bytes, |field, wire| {
        value = match (field, wire) {
            (1, Wire::Bytes(raw)) => Scalar::Str(text(raw)?),
            (2, Wire::Varint(flag)) => Scalar::Bool(flag != 0),
            (3, Wire::Varint(number)) => Scalar::Int(number as i64),
            (4, Wire::Fixed64(bits)) => Scalar::Double(f64::from_bits(bits)),
            // Arrays, maps, bytes and string-table indices, or a scalar in
            // another wire type.
            (1..=8, _) => return None,
            _ => value,
        };
        Some(())
    })?;
    Some(value)
}

/// Text as prost takes it: UTF-8, and (left to prost past it) no longer
/// than the builder keeps whole, so that a cut is counted once.
fn text(bytes: &[u8]) -> Option<&[u8]> {
    (bytes.len() <= TEXT_LIMIT && std::str::from_utf8(bytes).is_ok()).then_some(bytes)
}

/// Calls `visit(field, value)` for each field of a message; `None` where
/// prost would find the message damaged (or `visit` says `None`).
fn each_field<'a>(
    bytes: &'a [u8],
    mut visit: impl FnMut(u32, Wire<'a>) -> Option<()>,
) -> Option<()> {
    let mut at = 0;
    while at < bytes.len() {
        let (key, after_key) = varint(bytes, at)?;
        // prost refuses keys past 32 bits and field number 0.
        let field = u32::try_from(key).ok()? >> 3;
        if field == 0 {
            return None;
        }
        let wire = match key & 7 {
            0 => {
                let (value, next) = varint(bytes, after_key)?;
                at = next;
                Wire::Varint(value)
            }
            1 => {
                let value = bytes.get(after_key..after_key + 8)?;
                at = after_key + 8;
                Wire::Fixed64(u64::from_le_bytes(value.try_into().ok()?))
            }
            5 => {
                let value = bytes.get(after_key..after_key + 4)?;
                at = after_key + 4;
                Wire::Fixed32(u32::from_le_bytes(value.try_into().ok()?))
            }
            2 => {
                let (length, body) = varint(bytes, after_key)?;
                let end = body.checked_add(usize::try_from(length).ok()?)?;
                at = end;
                Wire::Bytes(bytes.get(body..end)?)
            }
            // Groups, and wire types protobuf does not have.
            _ => return None,
        };
        visit(field, wire)?;
    }
    Some(())
}

/// A varint as prost reads it: at most ten bytes, the tenth 0 or 1.
fn varint(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let (value, next) = super::varint(bytes, at)?;
    match next - at {
        10 if bytes[next - 1] > 1 => None,
        _ => Some((value, next)),
    }
}
