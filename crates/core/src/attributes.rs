//! What OpenTelemetry attaches to spans beyond their timing: attributes of
//! every `AnyValue` kind, events, links, resources and scopes.

use std::fmt;

use crate::ids::{SpanId, TraceId};
use crate::intern::{Interner, Sym};

/// An attribute value: every kind OpenTelemetry's `AnyValue` has. The
/// rare kinds that own memory hold it behind one thin pointer, so a value
/// is 16 bytes and an attribute 24 (not 32): a million spans hold
/// several million attributes, and each byte of them is memory to fill.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (interned: values such as `GET` repeat across spans).
    Str(Sym),
    /// A boolean.
    Bool(bool),
    /// A 64-bit signed integer.
    Int(i64),
    /// A double.
    Double(f64),
    /// Raw bytes.
    Bytes(Box<Vec<u8>>),
    /// A homogeneous or mixed array.
    Array(Box<Vec<Value>>),
    /// A nested list of key-value pairs.
    Map(Box<Vec<Attribute>>),
    /// An `AnyValue` with nothing set.
    Empty,
}

/// A key and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The attribute's key.
    pub key: Sym,
    /// The attribute's value.
    pub value: Value,
}

impl Attribute {
    /// `key=value`, the value as [`Value::display`] writes it.
    pub fn display<'a>(&'a self, strings: &'a Interner) -> impl fmt::Display + 'a {
        struct KeyValue<'a>(&'a Attribute, &'a Interner);
        impl fmt::Display for KeyValue<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "{}={}",
                    self.1.get(self.0.key),
                    self.0.value.display(self.1)
                )
            }
        }
        KeyValue(self, strings)
    }
}

impl Value {
    /// The value as text, the way a person reads it: strings as they are,
    /// arrays and maps as JSON-like lists, bytes as hex.
    pub fn display<'a>(&'a self, strings: &'a Interner) -> impl fmt::Display + 'a {
        ValueDisplay {
            value: self,
            strings,
        }
    }
}

struct ValueDisplay<'a> {
    value: &'a Value,
    strings: &'a Interner,
}

impl fmt::Display for ValueDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Nesting is bounded by the decoders (serde_json and prost both
        // stop at about 100 levels), so this recursion is bounded too.
        let show = |value| ValueDisplay {
            value,
            strings: self.strings,
        };
        match self.value {
            Value::Str(s) => f.write_str(self.strings.get(*s)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::Bytes(bytes) => {
                for b in bytes.iter() {
                    write!(f, "{b:02x}")?;
                }
                Ok(())
            }
            Value::Array(values) => {
                f.write_str("[")?;
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}", show(v))?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, a) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{}: {}", self.strings.get(a.key), show(&a.value))?;
                }
                f.write_str("}")
            }
            Value::Empty => Ok(()),
        }
    }
}

/// A half-open range of indices into one of a trace's detail vectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range32 {
    /// First index.
    pub start: u32,
    /// Number of items.
    pub len: u32,
}

impl Range32 {
    /// As a `usize` range, for slicing.
    pub fn as_range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// A timed annotation on a span.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// When it happened, Unix nanoseconds.
    pub time_ns: u64,
    /// Its name (`exception`, `seats.conflict`, …).
    pub name: Sym,
    /// Its attributes, in the trace's attribute vector.
    pub attributes: Range32,
    /// Attributes the producer dropped.
    pub dropped_attributes: u32,
}

/// A link from a span to another span, possibly in another trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    /// The linked span's trace.
    pub trace_id: TraceId,
    /// The linked span.
    pub span_id: SpanId,
    /// The link's W3C trace state.
    pub trace_state: Sym,
    /// Its attributes, in the trace's attribute vector.
    pub attributes: Range32,
    /// Attributes the producer dropped.
    pub dropped_attributes: u32,
}

/// The entity that produced spans (a service instance).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Resource {
    /// `service.name`, `host.name`, `k8s.*`, …
    pub attributes: Vec<Attribute>,
    /// Attributes the producer dropped.
    pub dropped_attributes: u32,
}

/// The instrumentation scope (library) that made spans.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Scope {
    /// The scope's name.
    pub name: Sym,
    /// The scope's version.
    pub version: Sym,
    /// The scope's attributes.
    pub attributes: Vec<Attribute>,
}
