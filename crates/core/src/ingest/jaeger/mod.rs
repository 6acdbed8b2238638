//! Jaeger JSON: `{"data": [trace, …]}` as Jaeger UI downloads it (and its
//! query API answers), one bare trace object `{"traceID", "spans",
//! "processes"}`, or a bare array of spans. Times are
//! microseconds; a span's parent is its first `CHILD_OF` reference within
//! its own trace, else its first `FOLLOWS_FROM` there (a parent that does
//! not wait for it).

use std::borrow::Cow;

use base64::Engine as _;
use rustc_hash::FxHashMap as HashMap;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value as JsonValue;
use std::collections::VecDeque;

use super::assemble::{DecodedEvent, DecodedLink, DecodedSpan};
use super::cursor::Cursor;
use super::json_syntax::{error_offset, strip_position, LineCounter, U64Value};
use super::sniff::{skip_whitespace, value_end};
use super::{IngestError, ReadInSteps, TraceSetBuilder};
use crate::attributes::{Attribute, Resource, Scope, Value};
use crate::ids::{decode_id, stand_in_id, SpanId, TraceId};
use crate::intern::Sym;

mod narrow;
use crate::model::{Span, SpanKind, StatusCode};
use crate::warnings::Checkpoint;

/// What Jaeger's query API says went wrong (`{"code": 404, "msg": …}`).
#[derive(Deserialize)]
struct ApiError<'a> {
    #[serde(default)]
    code: Option<i64>,
    #[serde(borrow, default)]
    msg: Cow<'a, str>,
}

#[derive(Deserialize)]
struct Process<'a> {
    #[serde(borrow, default, rename = "serviceName")]
    service_name: Cow<'a, str>,
    #[serde(borrow, default)]
    tags: Vec<Tag<'a>>,
}

#[derive(Deserialize, Default)]
struct Log<'a> {
    #[serde(default)]
    timestamp: U64Value,
    #[serde(borrow, default)]
    fields: Vec<Tag<'a>>,
}

#[derive(Deserialize, Default)]
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

#[derive(Deserialize, Default)]
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
    #[serde(borrow, default)]
    value: TagValue<'a>,
}

/// A tag's value as written; text is borrowed from the input unless it
/// holds escapes (a `serde_json::Value` made a `String` of every one).
#[derive(Default)]
enum TagValue<'a> {
    #[default]
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    /// An array or an object.
    Other(JsonValue),
}

impl<'a> TagValue<'a> {
    fn as_str(&self) -> Option<&str> {
        match self {
            TagValue::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TagValue<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = TagValue<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Null)
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(TagValue::Null)
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(TagValue::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(TagValue::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(TagValue::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(serde_json::Number::from_f64(v).map_or(TagValue::Null, TagValue::Number))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(TagValue::Str(Cow::Owned(v)))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Self::Value, A::Error> {
                JsonValue::deserialize(SeqAccessDeserializer::new(seq)).map(TagValue::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                JsonValue::deserialize(MapAccessDeserializer::new(map)).map(TagValue::Other)
            }
        }
        deserializer.deserialize_any(Visit(std::marker::PhantomData))
    }
}

/// Tags the OTLP→Jaeger translation makes from OTLP fields, read back into
/// those fields rather than kept as attributes.
#[derive(Clone, Copy)]
enum Translate {
    Kind,
    StatusCode,
    StatusDescription,
    Error,
    TraceState,
    ScopeName,
    ScopeVersion,
}

impl Translate {
    const COUNT: usize = Translate::ScopeVersion as usize + 1;

    fn of(key: &str) -> Option<Self> {
        Some(match key {
            "span.kind" => Translate::Kind,
            "otel.status_code" => Translate::StatusCode,
            "otel.status_description" => Translate::StatusDescription,
            "error" => Translate::Error,
            "w3c.tracestate" => Translate::TraceState,
            "otel.scope.name" => Translate::ScopeName,
            "otel.scope.version" => Translate::ScopeVersion,
            _ => return None,
        })
    }
}

/// The value of the first of a span's tags by each [`Translate`] key,
/// found in one pass over them.
struct Translated<'t, 'a>([Option<&'t TagValue<'a>>; Translate::COUNT]);

impl<'t, 'a> Translated<'t, 'a> {
    fn of(tags: &'t [Tag<'a>]) -> Self {
        let mut found = [None; Translate::COUNT];
        for tag in tags {
            if let Some(key) = Translate::of(&tag.key) {
                found[key as usize].get_or_insert(&tag.value);
            }
        }
        Self(found)
    }
}

/// Reads `{"data": [trace…]}` or one bare trace object, all at once: the
/// stepper given the whole input, so that reading it whole and reading it
/// as it arrives give the same.
pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    Stepper::new(Shape::Document, builder.span_total(), bytes.len()).read_whole(bytes, builder)
}

/// [`read`] with every span read by serde, never by the narrow reader:
/// what the narrow reader is checked against.
pub(super) fn read_by_serde(
    bytes: &[u8],
    builder: &mut TraceSetBuilder,
) -> Result<(), IngestError> {
    let mut stepper = Stepper::new(Shape::Document, builder.span_total(), bytes.len());
    stepper.narrow = false;
    stepper.read_whole(bytes, builder)
}

/// Reads a bare array of Jaeger spans, or one span object (as Jaeger's
/// Elasticsearch storage keeps each), each with its process inside.
pub(super) fn read_spans(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    Stepper::new(Shape::of_spans(bytes), builder.span_total(), bytes.len())
        .read_whole(bytes, builder)
}

/// What the top of a Jaeger input is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `{"data": [trace…]}` or one bare trace object.
    Document,
    /// A bare array of spans.
    Spans,
    /// One span object.
    Span,
}

impl Shape {
    /// Spans as an array, or one span (told by the first byte).
    pub(super) fn of_spans(bytes: &[u8]) -> Self {
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'[') => Shape::Spans,
            _ => Shape::Span,
        }
    }
}

/// Where in the document reading is, innermost last.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Level {
    /// The document object: `{"data": …}` or a bare trace.
    Document,
    /// The array of traces, `"data": [`.
    Data,
    /// One trace object in `data`.
    Trace,
    /// An array of spans: a trace's `"spans": [`, or the whole input.
    Spans,
    /// Past the end of the document: only whitespace may follow.
    After,
    /// Past damage: the rest of the input is not read.
    Skipped,
}

/// Why a step stopped before the next part.
enum Stop {
    /// The part goes on in bytes not given yet.
    Wait,
    /// The JSON breaks here: at this offset (in the bytes given), this.
    Broken(usize, String),
}

/// Jaeger JSON read a span at a time, perhaps while it arrives: the text
/// read is let go (see [`Stepper::let_go`]), each span is added as soon as
/// all its bytes are there, and a trace's `processes`, which Jaeger writes
/// after the spans, name the spans' services when they come (until then a
/// span's service is its process id).
pub(super) struct Stepper {
    /// Where reading is, in the bytes given to [`Stepper::step`], which
    /// start `base` bytes into the input.
    offset: usize,
    base: usize,
    lines: LineCounter,
    shape: Shape,
    levels: Vec<Level>,
    /// Whether the innermost level has had no member or element yet.
    first: bool,
    /// The processes of the trace being read (its spans' owners), once its
    /// `processes` was read: by process id, the service and resource.
    processes: Option<HashMap<String, (Sym, u32)>>,
    /// Spans added before their trace's processes were read, each with its
    /// process id (its service until then).
    unowned: Vec<((TraceId, u32), Sym)>,
    /// Spans whose owners are known but not yet given them, named a
    /// bounded number a step.
    naming: VecDeque<Naming>,
    ids: Ids,
    /// What a Jaeger answer's `errors` say.
    said: Vec<String>,
    /// Span objects met, whether or not they could be added.
    spans_met: usize,
    spans_before: usize,
    /// The builder's warnings before this input (known at the first step).
    warnings_before: Option<Checkpoint>,
    first_error: Option<String>,
    waiting: bool,
    /// Whether spans go to the narrow reader first.
    narrow: bool,
    /// The whole input's length, for the progress and the span estimate.
    length: usize,
}

impl ReadInSteps for Stepper {
    /// Bytes read so far.
    fn offset(&self) -> usize {
        self.base + self.offset
    }

    /// How many of the first `bytes` (as given to the last step) are read
    /// and no longer needed: the next step is given the bytes from there on.
    fn let_go(&mut self, bytes: &[u8]) -> usize {
        let read = self.offset;
        self.lines.let_go(bytes, read);
        self.offset = 0;
        self.base += read;
        read
    }

    /// Whether the last step used up the bytes given so far.
    fn waiting(&self) -> bool {
        self.waiting
    }

    /// Reads about `budget` more bytes; the outcome once the input is done.
    /// While the input is not `complete`, `bytes` is what has arrived, and
    /// the step stops (and [`Stepper::waiting`] says so) where reading on
    /// needs what is still to come.
    fn step(
        &mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
        budget: usize,
        complete: bool,
    ) -> Option<Result<(), IngestError>> {
        let mut stop = self.offset.saturating_add(budget);
        self.waiting = false;
        if self.warnings_before.is_none() {
            self.warnings_before = Some(builder.warnings.checkpoint());
        }
        while self.offset < stop {
            if let Some(naming) = self.naming.front_mut() {
                // Naming spans takes the step's budget as reading would.
                let named = naming.step(builder, (stop - self.offset) / BYTES_A_SPAN_NAMED);
                stop = stop.saturating_sub(named.saturating_mul(BYTES_A_SPAN_NAMED));
                if naming.done() {
                    self.naming.pop_front();
                }
                continue;
            }
            let at = skip_whitespace(bytes, self.offset);
            if at >= bytes.len() {
                self.offset = at;
                if !complete {
                    self.waiting = true;
                    return None;
                }
                return Some(self.finish(bytes, builder));
            }
            match self.next(bytes, at, builder, complete) {
                Ok(next) => self.offset = next,
                Err(Stop::Wait) => {
                    self.waiting = true;
                    return None;
                }
                Err(Stop::Broken(at, what)) => {
                    let place = self.place(bytes, at);
                    let message = format!("{place}: {what}");
                    builder.warn(format!(
                        "invalid Jaeger JSON at {message}; the rest of the file was skipped"
                    ));
                    self.first_error.get_or_insert(message);
                    self.levels.push(Level::Skipped);
                    self.offset = bytes.len();
                }
            }
        }
        None
    }
}

impl Stepper {
    /// A reader of one input; `spans_before` is what the builder held
    /// before it (an input that adds nothing and is damaged is an error).
    pub(super) fn new(shape: Shape, spans_before: usize, length: usize) -> Self {
        Self {
            offset: 0,
            base: 0,
            lines: LineCounter::default(),
            shape,
            levels: Vec::new(),
            first: true,
            processes: None,
            unowned: Vec::new(),
            naming: VecDeque::new(),
            ids: Ids::default(),
            said: Vec::new(),
            spans_met: 0,
            spans_before,
            warnings_before: None,
            first_error: None,
            waiting: false,
            narrow: true,
            length,
        }
    }

    fn read_whole(
        mut self,
        bytes: &[u8],
        builder: &mut TraceSetBuilder,
    ) -> Result<(), IngestError> {
        loop {
            if let Some(outcome) = self.step(bytes, builder, usize::MAX, true) {
                return outcome;
            }
        }
    }

    /// Reads the next part, which starts at `at`; where reading goes on.
    fn next(
        &mut self,
        bytes: &[u8],
        at: usize,
        builder: &mut TraceSetBuilder,
        complete: bool,
    ) -> Result<usize, Stop> {
        let byte = bytes[at];
        let Some(&level) = self.levels.last() else {
            return match (self.shape, byte) {
                (Shape::Document, b'{') => Ok(self.enter(Level::Document, at + 1)),
                (Shape::Spans, b'[') => Ok(self.enter(Level::Spans, at + 1)),
                (Shape::Span, b'{') => {
                    let end = self.span(bytes, at, builder, complete)?;
                    self.levels.push(Level::After);
                    Ok(end)
                }
                _ => Err(Stop::Broken(at, "expected a JSON object".to_owned())),
            };
        };
        match level {
            Level::After => Err(Stop::Broken(at, "trailing characters".to_owned())),
            Level::Skipped => Ok(bytes.len()),
            Level::Data | Level::Spans => {
                if byte == b']' {
                    return Ok(self.leave(at + 1));
                }
                let element = self.separated(bytes, at, b']', complete)?;
                match level {
                    Level::Spans => {
                        let end = self.span(bytes, element, builder, complete)?;
                        self.first = false;
                        Ok(end)
                    }
                    _ if bytes[element] == b'{' => {
                        self.processes = None;
                        Ok(self.enter(Level::Trace, element + 1))
                    }
                    _ => Err(Stop::Broken(element, "a trace is not an object".to_owned())),
                }
            }
            Level::Document | Level::Trace => {
                if byte == b'}' {
                    return Ok(self.leave(at + 1));
                }
                let key = self.separated(bytes, at, b'}', complete)?;
                let depth = self.levels.len();
                let end = self.member(bytes, key, level, builder, complete)?;
                // A member that opens an array is past once the array is.
                if self.levels.len() == depth {
                    self.first = false;
                }
                Ok(end)
            }
        }
    }

    /// Past the separator (unless this is the level's first part) before
    /// the next member or element, which must start at the returned offset.
    fn separated(
        &mut self,
        bytes: &[u8],
        at: usize,
        close: u8,
        complete: bool,
    ) -> Result<usize, Stop> {
        if self.first {
            return Ok(at);
        }
        if bytes[at] != b',' {
            return Err(Stop::Broken(
                at,
                format!("expected ',' or '{}'", close as char),
            ));
        }
        let next = skip_whitespace(bytes, at + 1);
        match bytes.get(next) {
            None => Err(ends(complete, at, "the file ends after a comma")),
            Some(&b) if b == close => Err(Stop::Broken(next, "trailing comma".to_owned())),
            Some(_) => Ok(next),
        }
    }

    /// One member of the document or a trace, its key at `at`.
    fn member(
        &mut self,
        bytes: &[u8],
        at: usize,
        level: Level,
        builder: &mut TraceSetBuilder,
        complete: bool,
    ) -> Result<usize, Stop> {
        if bytes[at] != b'"' {
            return Err(Stop::Broken(
                at,
                "expected a key in double quotes".to_owned(),
            ));
        }
        let key_end =
            value_end(bytes, at).ok_or_else(|| ends(complete, at, "the file ends in a key"))?;
        let colon = skip_whitespace(bytes, key_end);
        match bytes.get(colon) {
            None => return Err(ends(complete, at, "the file ends after a key")),
            Some(b':') => {}
            Some(_) => return Err(Stop::Broken(colon, "expected ':'".to_owned())),
        }
        let value = skip_whitespace(bytes, colon + 1);
        if value >= bytes.len() {
            return Err(ends(complete, at, "the file ends after a key"));
        }
        let key = &bytes[at + 1..key_end - 1];
        match (key, bytes[value]) {
            (b"data", b'[') if level == Level::Document => Ok(self.enter(Level::Data, value + 1)),
            (b"spans", b'[') => Ok(self.enter(Level::Spans, value + 1)),
            (b"data" | b"spans", b'n') => self.value(bytes, value, complete, |_: IgnoredAny, _| ()),
            (b"data" | b"spans", _) => Err(Stop::Broken(
                value,
                format!("\"{}\" is not an array", String::from_utf8_lossy(key)),
            )),
            (b"processes", _) => {
                let mut owners = HashMap::default();
                let end =
                    self.value(bytes, value, complete, |processes: Option<Processes>, _| {
                        for (id, process) in processes.map(|p| p.0).unwrap_or_default() {
                            owners.entry(id).or_insert_with(|| owner(&process, builder));
                        }
                    })?;
                self.processes = Some(owners);
                self.name_owners();
                Ok(end)
            }
            (b"errors", _) if level == Level::Document => self.value(
                bytes,
                value,
                complete,
                |errors: Option<Vec<ApiError>>, stepper| {
                    stepper
                        .said
                        .extend(errors.into_iter().flatten().map(|e| match e.code {
                            Some(code) => format!("{code} {}", e.msg),
                            None => e.msg.into_owned(),
                        }))
                },
            ),
            _ => self.value(bytes, value, complete, |_: IgnoredAny, _| ()),
        }
    }

    /// Deserializes the value at `at` as `T` and hands it to `take`; where
    /// the value ends.
    fn value<'b, T: Deserialize<'b>>(
        &mut self,
        bytes: &'b [u8],
        at: usize,
        complete: bool,
        take: impl FnOnce(T, &mut Self),
    ) -> Result<usize, Stop> {
        let end = match value_end(bytes, at) {
            Some(end) if end < bytes.len() || complete => end,
            _ => return Err(ends(complete, at, "the file ends inside a value")),
        };
        match serde_json::from_slice(&bytes[at..end]) {
            Ok(value) => {
                take(value, self);
                Ok(end)
            }
            Err(error) => Err(Stop::Broken(
                error_offset(bytes, at, &error),
                strip_position(&error),
            )),
        }
    }

    /// One span object at `at`: added, or skipped with a warning.
    fn span(
        &mut self,
        bytes: &[u8],
        at: usize,
        builder: &mut TraceSetBuilder,
        complete: bool,
    ) -> Result<usize, Stop> {
        // The narrow reader first; then serde (which also says what is
        // wrong), straight from the bytes (a span object ends itself): only
        // a span that does not read is scanned for its end, to skip it.
        let mut cursor = Cursor {
            bytes,
            at,
            complete,
        };
        if let Some(span) = self.narrow.then(|| narrow::span(&mut cursor)).flatten() {
            self.spans_met += 1;
            self.add(&span, bytes, cursor.at, builder);
            return Ok(cursor.at);
        }
        let mut spans = serde_json::Deserializer::from_slice(&bytes[at..]).into_iter();
        let read: Result<JaegerSpan, _> = spans
            .next()
            .unwrap_or_else(|| Err(serde::de::Error::custom("the file ends before a span")));
        let end = match &read {
            Ok(_) => at + spans.byte_offset(),
            Err(error) if error.is_eof() => {
                return Err(ends(complete, at, "the file ends inside a span"))
            }
            Err(_) => match value_end(bytes, at) {
                Some(end) if end < bytes.len() || complete => end,
                _ => return Err(ends(complete, at, "the file ends inside a span")),
            },
        };
        self.spans_met += 1;
        match read {
            Ok(span) => self.add(&span, bytes, end, builder),
            Err(error) => {
                let place = self.place(bytes, error_offset(bytes, at, &error));
                let message = format!("{place}: {}", strip_position(&error));
                builder.warn(format!("invalid Jaeger span at {message}; it was skipped"));
                self.first_error.get_or_insert(message);
            }
        }
        Ok(end)
    }

    /// Adds `span` (which ends at `end`), and tells the builder how many
    /// spans the rest of the input likely holds.
    fn add(
        &mut self,
        span: &JaegerSpan<'_>,
        bytes: &[u8],
        end: usize,
        builder: &mut TraceSetBuilder,
    ) {
        let owner = self.owner_of(span, builder);
        if let Some(added) = add_span(span, owner, &mut self.ids, builder) {
            if let Err(process_id) = owner {
                self.unowned.push((added, process_id));
            }
        }
        let length = self.length.max(self.base + bytes.len());
        builder.expect_rest(self.spans_before, self.base + end, length);
    }

    /// The service and resource of `span`'s process, or (`Err`) its process
    /// id when its trace's processes are still to come.
    fn owner_of(
        &self,
        span: &JaegerSpan<'_>,
        builder: &mut TraceSetBuilder,
    ) -> Result<(Sym, u32), Sym> {
        if let Some(process) = &span.process {
            return Ok(owner(process, builder));
        }
        let known = match (span.process_id.as_deref(), &self.processes) {
            (Some(id), None) => return Err(builder.intern(id)),
            (Some(id), Some(processes)) => processes.get(id).copied(),
            (None, _) => None,
        };
        Ok(known.unwrap_or_else(|| (builder.intern("unknown_service"), 0)))
    }

    /// Sets the spans added before their processes were read to be given
    /// their owners: the processes read, or, where none names them, an
    /// unknown service (as a span without a process has). The next steps
    /// name them, a bounded number each.
    fn name_owners(&mut self) {
        if self.unowned.is_empty() {
            return;
        }
        self.naming.push_back(Naming {
            unowned: std::mem::take(&mut self.unowned),
            processes: self.processes.clone().unwrap_or_default(),
            owners: HashMap::default(),
            named: 0,
        });
    }

    fn enter(&mut self, level: Level, next: usize) -> usize {
        self.levels.push(level);
        self.first = true;
        next
    }

    /// Past the end of the innermost level; a trace's end names the
    /// owners of its spans.
    fn leave(&mut self, next: usize) -> usize {
        let level = self.levels.pop();
        if matches!(level, Some(Level::Trace | Level::Document)) {
            self.name_owners();
            self.processes = None;
        }
        self.first = false;
        if self.levels.is_empty() {
            self.levels.push(Level::After);
        }
        next
    }

    /// "line L, column C (byte B)" of offset `at` in the bytes given.
    fn place(&mut self, bytes: &[u8], at: usize) -> String {
        let (line, column) = self.lines.position(bytes, at);
        format!("line {line}, column {column} (byte {})", self.base + at)
    }

    fn finish(&mut self, bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
        if !matches!(self.levels.last(), Some(Level::After | Level::Skipped)) {
            let at = bytes.len();
            let message = format!(
                "{}: the file ends before the JSON does",
                self.place(bytes, at)
            );
            builder.warn(format!("invalid Jaeger JSON at {message}"));
            self.first_error.get_or_insert(message);
        }
        self.name_owners();
        while let Some(mut naming) = self.naming.pop_front() {
            naming.step(builder, usize::MAX);
        }
        builder.expect_spans(0);
        if builder.span_total() == self.spans_before {
            if let Some(error) = self.first_error.take() {
                if let Some(before) = &self.warnings_before {
                    builder.warnings.back_to(before);
                }
                return Err(IngestError::Malformed(format!(
                    "invalid Jaeger JSON at {error}"
                )));
            }
            if self.spans_met == 0 {
                return Err(IngestError::Malformed(match self.said.is_empty() {
                    true => "the Jaeger JSON holds no spans".to_owned(),
                    false => format!(
                        "the Jaeger answer holds no spans; it says: {}",
                        self.said.join("; ")
                    ),
                }));
            }
        }
        if let Some(example) = self.ids.first_opaque.take() {
            builder.warn(format!(
                "the Jaeger ids are not hex (first: {example:?}); each was given a stand-in hex id \
                 made from its text, so spans still join to their parents"
            ));
        }
        Ok(())
    }
}

/// A step names its budget over this many spans: natively a span is named
/// in about 21 ns and a byte of Jaeger JSON read in about 3.6, so a step's
/// naming takes well under the time its reading would.
const BYTES_A_SPAN_NAMED: usize = 16;

/// Spans of a trace added before its processes were read, given their
/// owners a bounded number at a time: a million named at once held the
/// step that read the processes for 21 ms natively (read as it arrives,
/// as the page reads it).
struct Naming {
    unowned: Vec<((TraceId, u32), Sym)>,
    /// The trace's processes, as read (empty where it has none).
    processes: HashMap<String, (Sym, u32)>,
    /// Each process id looked up once: a million spans name a handful.
    owners: HashMap<Sym, (Sym, u32)>,
    /// Spans of `unowned` named so far.
    named: usize,
}

impl Naming {
    /// Names about `budget` more spans (one at least); how many.
    fn step(&mut self, builder: &mut TraceSetBuilder, budget: usize) -> usize {
        let from = self.named;
        let end = self
            .unowned
            .len()
            .min(self.named.saturating_add(budget.max(1)));
        // Each trace once per run of its spans.
        for run in self.unowned[self.named..end].chunk_by(|a, b| a.0 .0 == b.0 .0) {
            let named: Vec<(u32, (Sym, u32))> = run
                .iter()
                .map(|&((_, at), process_id)| {
                    let owner = *self.owners.entry(process_id).or_insert_with(|| {
                        self.processes
                            .get(builder.string(process_id))
                            .copied()
                            .unwrap_or_else(|| (builder.intern("unknown_service"), 0))
                    });
                    (at, owner)
                })
                .collect();
            builder.set_owners(run[0].0 .0, &named);
        }
        self.named = end;
        end - from
    }

    /// Whether every span is named.
    fn done(&self) -> bool {
        self.named == self.unowned.len()
    }
}

/// Where the input ends before a part does: wait for more, or, once it is
/// complete, the JSON is cut short there.
fn ends(complete: bool, at: usize, what: &str) -> Stop {
    match complete {
        true => Stop::Broken(at, what.to_owned()),
        false => Stop::Wait,
    }
}

/// A trace's processes in the order written (the order their resources
/// are numbered in).
struct Processes<'a>(Vec<(String, Process<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for Processes<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for InOrder<'a> {
            type Value = Processes<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of processes by id")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    all.push(entry);
                }
                Ok(Processes(all))
            }
        }
        deserializer.deserialize_map(InOrder(std::marker::PhantomData))
    }
}

/// A process's service and resource (`service.name` and its tags).
fn owner(process: &Process<'_>, builder: &mut TraceSetBuilder) -> (Sym, u32) {
    let service = builder.intern(&process.service_name);
    let mut attributes = vec![Attribute {
        key: builder.intern("service.name"),
        value: Value::Str(service),
    }];
    attributes.extend(process.tags.iter().map(|t| attribute(t, builder)));
    let resource = builder.resource(Resource {
        attributes,
        dropped_attributes: 0,
    });
    (service, resource)
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

/// Adds `span`, owned by `owner` (its service and resource, or its
/// process id until its trace's processes are read); where it was added.
fn add_span(
    span: &JaegerSpan<'_>,
    owner: Result<(Sym, u32), Sym>,
    ids: &mut Ids,
    builder: &mut TraceSetBuilder,
) -> Option<(TraceId, u32)> {
    let (Some(trace_id), Some(span_id)) =
        (ids.id::<16>(&span.trace_id), ids.id::<8>(&span.span_id))
    else {
        builder.warn(format!(
            "Jaeger span {:?} ({}) of trace {:?} has an invalid id; it was skipped",
            span.span_id, span.operation_name, span.trace_id
        ));
        return None;
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
    let (service, resource) = owner.unwrap_or_else(|process_id| (process_id, 0));
    let translated = Translated::of(&span.tags);
    let tag = |key: Translate| translated.0[key as usize];
    let kind = match tag(Translate::Kind).and_then(TagValue::as_str) {
        Some("server") => SpanKind::Server,
        Some("client") => SpanKind::Client,
        Some("producer") => SpanKind::Producer,
        Some("consumer") => SpanKind::Consumer,
        Some("internal") => SpanKind::Internal,
        _ => SpanKind::Unspecified,
    };
    let error_tag = matches!(tag(Translate::Error), Some(TagValue::Bool(true)))
        || tag(Translate::Error).and_then(TagValue::as_str) == Some("true");
    let status = match tag(Translate::StatusCode).and_then(TagValue::as_str) {
        Some("ERROR") => StatusCode::Error,
        Some("OK") => StatusCode::Ok,
        _ if error_tag => StatusCode::Error,
        _ => StatusCode::Unset,
    };
    let text = |key: Translate| tag(key).and_then(TagValue::as_str).unwrap_or("");
    let (status_description, trace_state) = (
        text(Translate::StatusDescription),
        text(Translate::TraceState),
    );
    let (scope_name, scope_version) = (text(Translate::ScopeName), text(Translate::ScopeVersion));
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
    // Stacked on the builder, which moves them to the span's trace: no
    // vector of their own a span.
    let attributes_from = builder.attribute_stack.len();
    for tag in span.tags.iter().filter(|t| Translate::of(&t.key).is_none()) {
        let attribute = attribute(tag, builder);
        builder.attribute_stack.push(attribute);
    }
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
        attributes: Vec::new(),
        events,
        links,
    };
    Some(builder.push_span_with_stacked(decoded, attributes_from))
}

/// A Jaeger tag as an attribute, by its declared type.
fn attribute(tag: &Tag<'_>, builder: &mut TraceSetBuilder) -> Attribute {
    let value = match (tag.kind.as_ref(), &tag.value) {
        ("bool", TagValue::Bool(b)) => Value::Bool(*b),
        ("int64", TagValue::Number(n)) if n.as_i64().is_some() => {
            Value::Int(n.as_i64().unwrap_or(0))
        }
        ("int64", TagValue::Str(s)) if s.parse::<i64>().is_ok() => {
            Value::Int(s.parse().unwrap_or(0))
        }
        ("float64", TagValue::Number(n)) => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        ("binary", TagValue::Str(s)) => base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map(|b| Value::Bytes(b.into()))
            .unwrap_or_else(|_| Value::Str(builder.intern(s))),
        (_, TagValue::Str(s)) => Value::Str(builder.intern(s)),
        (_, TagValue::Null) => Value::Empty,
        (_, TagValue::Bool(b)) => Value::Str(builder.intern(if *b { "true" } else { "false" })),
        (_, TagValue::Number(n)) => Value::Str(builder.intern(&n.to_string())),
        (_, TagValue::Other(other)) => Value::Str(builder.intern(&other.to_string())),
    };
    Attribute {
        key: builder.intern(&tag.key),
        value,
    }
}
