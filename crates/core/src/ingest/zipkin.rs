//! Zipkin v2 JSON: an array of spans with microsecond times (as Zipkin UI
//! downloads a trace), an array of such arrays (`/api/v2/traces`), or one
//! span object. 64-bit trace ids are left-padded to 128 bits. A CLIENT
//! span and the SERVER span handling its call may share one span id (B3):
//! both are kept, each with its own service, and joining nests the server
//! side under the client side as Zipkin does (the side marked `"shared":
//! true`, or else the SERVER beside a CLIENT, is the server side).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use rustc_hash::FxBuildHasher;
use serde::Deserialize;

use super::assemble::{DecodedEvent, DecodedSpan};
use super::json_syntax::{error_offset, strip_position, LineCounter, LookAgain, U64Value};
use super::sniff::{skip_whitespace, value_end};
use super::{IngestError, ReadInSteps, TraceSetBuilder};
use crate::attributes::{Attribute, Scope, Value};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::model::{Span, SpanKind, StatusCode, FLAGS_PARENT_IS_REMOTE};
use crate::warnings::Checkpoint;

#[derive(Deserialize)]
struct ZipkinSpan<'a> {
    #[serde(borrow, default, rename = "traceId")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(borrow, default, rename = "parentId")]
    parent_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: U64Value,
    #[serde(default)]
    duration: U64Value,
    #[serde(borrow, default, rename = "localEndpoint")]
    local_endpoint: Option<Endpoint<'a>>,
    /// The server side of a span id its client shares.
    #[serde(default)]
    shared: Option<bool>,
    #[serde(borrow, default)]
    tags: HashMap<Cow<'a, str>, Cow<'a, str>, FxBuildHasher>,
    #[serde(borrow, default)]
    annotations: Vec<Annotation<'a>>,
}

#[derive(Deserialize)]
struct Annotation<'a> {
    #[serde(default)]
    timestamp: U64Value,
    #[serde(borrow, default)]
    value: Cow<'a, str>,
}

/// Tags the OpenTelemetry Zipkin exporter makes from OTLP fields, read back
/// into those fields rather than kept as attributes.
const TRANSLATED_TAGS: &[&str] = &[
    "otel.status_code",
    "otel.status_description",
    "otel.scope.name",
    "otel.scope.version",
];

#[derive(Deserialize)]
struct Endpoint<'a> {
    #[serde(borrow, default, rename = "serviceName")]
    service_name: Option<Cow<'a, str>>,
}

pub(super) fn read(bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
    let mut stepper = Stepper::new(builder.span_total(), bytes.len());
    loop {
        if let Some(outcome) = stepper.step(bytes, builder, usize::MAX, true) {
            return outcome;
        }
    }
}

/// What a first look at a span tells: whether it is timed, and the
/// trace, id and service an untimed piece joins.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default, rename = "traceId")]
    trace_id: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Cow<'a, str>,
    #[serde(default)]
    timestamp: U64Value,
    #[serde(borrow, default, rename = "localEndpoint")]
    local_endpoint: Option<Endpoint<'a>>,
}

/// The trace, span id and service of a span: an untimed piece joins the
/// first timed span with the same.
type PieceKey = (String, String, String);

fn key_of(trace_id: &str, id: &str, endpoint: Option<&Endpoint<'_>>) -> PieceKey {
    let service = endpoint.and_then(|e| e.service_name.as_deref());
    (
        trace_id.to_owned(),
        id.to_owned(),
        service.unwrap_or("").to_owned(),
    )
}

/// Reads Zipkin JSON a bounded amount a step, in two passes over its
/// spans: the first, while the input arrives, finds each span and looks
/// at its head for the untimed pieces (Zipkin reporters may send one span
/// in pieces: the timed one, and later an untimed one with more tags or
/// annotations, which join the first timed span of the same trace, id and
/// service, wherever in the file either lies); the second, once all is
/// there, reads each span whole and adds it, its pieces joined. The input
/// is kept until the second pass is done.
///
/// Damage that breaks the JSON ends the first pass there: the spans
/// before it are read, with a warning (an error when there are none); a
/// span that is JSON but not a Zipkin span is skipped with a warning.
pub(super) struct Stepper {
    /// The spans found so far: where each starts and ends.
    elements: Vec<(usize, usize)>,
    /// The first pass's place in the input.
    walk: Walk,
    /// Untimed pieces by what they join, each by its place in `elements`.
    pieces: HashMap<PieceKey, Vec<usize>>,
    /// The keys whose pieces have joined a timed span.
    joined: HashSet<PieceKey>,
    /// The second pass: the next span to read.
    next: usize,
    /// Where the JSON broke, once the first pass found it.
    damage: Option<String>,
    /// The first span that is not one: where, and why.
    not_a_span: Option<String>,
    /// The builder's warnings before this input, once it is begun.
    warnings_before: Option<Checkpoint>,
    /// Lines counted up to the places told, in each pass.
    lines: [LineCounter; 2],
    /// When to look for the end of a span still arriving again.
    look_again: LookAgain,
    spans_before: usize,
    length: usize,
    waiting: bool,
}

/// The first pass's place in the input's structure.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walk {
    /// Nothing read yet.
    Start,
    /// Inside the top-level array, at `at`, after an element if `after`;
    /// `nested`: an array of traces, each an array of spans
    /// (`/api/v2/traces`), and `inner` inside one of those.
    Spans {
        at: usize,
        nested: bool,
        inner: bool,
        after: bool,
    },
    /// After the top-level value, at `at`: only whitespace may follow.
    Trailing { at: usize },
    /// Every span found: the first pass is done.
    Done,
}

impl Stepper {
    pub(super) fn new(spans_before: usize, length: usize) -> Self {
        Self {
            elements: Vec::new(),
            walk: Walk::Start,
            pieces: HashMap::new(),
            joined: HashSet::new(),
            next: 0,
            damage: None,
            not_a_span: None,
            warnings_before: None,
            lines: Default::default(),
            look_again: LookAgain::default(),
            spans_before,
            length,
            waiting: false,
        }
    }

    /// The first pass, up to about `stop`: finds the next spans and looks
    /// at their heads. `Err` where the bytes end before the structure
    /// does, and more is to come.
    fn scan(&mut self, bytes: &[u8], stop: usize, complete: bool) -> Result<(), ()> {
        loop {
            let Walk::Spans {
                at,
                nested,
                inner,
                after,
            } = self.walk
            else {
                match self.walk {
                    Walk::Done => return Ok(()),
                    Walk::Trailing { at } => return self.trailing(bytes, at, complete),
                    _ => {}
                }
                // The shape, told by the first bytes.
                let first = skip_whitespace(bytes, 0);
                match bytes.get(first) {
                    Some(b'{') => {
                        let Some(end) = self.span(bytes, first, complete)? else {
                            return self.broke(
                                bytes,
                                bytes.len(),
                                "EOF while parsing an object",
                                complete,
                            );
                        };
                        self.walk = Walk::Trailing { at: end };
                        continue;
                    }
                    Some(b'[') => {
                        let second = skip_whitespace(bytes, first + 1);
                        if second >= bytes.len() && !complete {
                            return Err(());
                        }
                        let nested = bytes.get(second) == Some(&b'[');
                        self.walk = Walk::Spans {
                            at: first + 1,
                            nested,
                            inner: false,
                            after: false,
                        };
                        continue;
                    }
                    Some(_) => return self.broke(bytes, first, "expected value", complete),
                    None => return self.broke(bytes, first, "EOF while parsing a value", complete),
                }
            };
            if at >= stop {
                return Ok(());
            }
            let i = skip_whitespace(bytes, at);
            let Some(&b) = bytes.get(i) else {
                return self.broke(bytes, i, "EOF while parsing a list", complete);
            };
            let in_spans = !nested || inner;
            let walk = |at, inner, after| Walk::Spans {
                at,
                nested,
                inner,
                after,
            };
            match b {
                b']' if nested && inner => self.walk = walk(i + 1, false, true),
                b']' => {
                    self.walk = Walk::Trailing { at: i + 1 };
                    continue;
                }
                b',' if after => self.walk = walk(i + 1, inner, false),
                _ if after => return self.broke(bytes, i, "expected `,` or `]`", complete),
                b'[' if !in_spans => self.walk = walk(i + 1, true, false),
                _ if !in_spans => {
                    return self.broke(bytes, i, "expected a list of spans", complete)
                }
                _ => {
                    let Some(end) = self.span(bytes, i, complete)? else {
                        return self.broke(
                            bytes,
                            bytes.len(),
                            "EOF while parsing a value",
                            complete,
                        );
                    };
                    self.walk = walk(end, inner, true);
                }
            }
        }
    }

    /// Finds where the span at `start` ends and notes it, with what it
    /// joins if it is an untimed piece: its end, `None` where the input
    /// ends first, `Err` (wait) while it arrives and has not grown by half
    /// since the last look. Its head is read with serde, which tells where
    /// it ends too; a span that does not read as one is looked over for
    /// its end (`value_end`; a span that is not one is told by the second
    /// pass).
    fn span(&mut self, bytes: &[u8], start: usize, complete: bool) -> Result<Option<usize>, ()> {
        if !self.look_again.may_look(start, bytes.len(), complete) {
            return Err(());
        }
        let mut read = serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<Head>();
        let head = read.next().and_then(Result::ok);
        let end = match head {
            Some(_) => Some(start + read.byte_offset()),
            None => value_end(bytes, start),
        };
        // A value that ends where the bytes do may go on (a number, or
        // text that is not JSON): told once more has come.
        let end = end.filter(|&end| complete || end < bytes.len());
        let Some(end) = end else {
            self.look_again.later(start, bytes.len());
            return Ok(None);
        };
        let index = self.elements.len();
        self.elements.push((start, end));
        if let Some(head) = head.filter(|head| head.timestamp.0 == 0) {
            let key = key_of(&head.trace_id, &head.id, head.local_endpoint.as_ref());
            self.pieces.entry(key).or_default().push(index);
        }
        Ok(Some(end))
    }

    /// After the top-level value, at `at`: nothing but whitespace, and the
    /// first pass is done once the input is complete.
    fn trailing(&mut self, bytes: &[u8], at: usize, complete: bool) -> Result<(), ()> {
        let i = skip_whitespace(bytes, at);
        if i < bytes.len() {
            return self.broke(bytes, i, "trailing characters", complete);
        }
        if !complete {
            return Err(());
        }
        self.walk = Walk::Done;
        Ok(())
    }

    /// The JSON breaks at `at`: the first pass ends there once the input
    /// is complete (until then, more may come).
    fn broke(&mut self, bytes: &[u8], at: usize, what: &str, complete: bool) -> Result<(), ()> {
        if !complete {
            return Err(());
        }
        let at = place(&mut self.lines[0], bytes, at);
        self.damage = Some(format!("invalid Zipkin JSON at {at}: {what}"));
        self.walk = Walk::Done;
        Ok(())
    }

    /// The second pass: reads span `index` whole and adds it, its pieces
    /// joined.
    fn add(&mut self, bytes: &[u8], index: usize, builder: &mut TraceSetBuilder) {
        let parse = |(start, end): (usize, usize)| {
            serde_json::from_slice::<ZipkinSpan>(&bytes[start..end]).map_err(|e| (start, e))
        };
        let mut span = match parse(self.elements[index]) {
            Ok(span) => span,
            Err((start, error)) => {
                let at = error_offset(bytes, start, &error);
                let at = place(&mut self.lines[1], bytes, at);
                let damage = format!("{at}: {}", strip_position(&error));
                builder.warn(format!(
                    "Zipkin span #{index} is not a Zipkin span (at {damage}); it was skipped"
                ));
                self.not_a_span.get_or_insert(damage);
                return;
            }
        };
        if span.timestamp.0 == 0 {
            return;
        }
        if !self.pieces.is_empty() {
            let key = key_of(&span.trace_id, &span.id, span.local_endpoint.as_ref());
            if let Some(pieces) = self
                .pieces
                .get(&key)
                .filter(|_| !self.joined.contains(&key))
            {
                for &piece in pieces {
                    let Ok(piece) = parse(self.elements[piece]) else {
                        continue;
                    };
                    for (key, value) in piece.tags {
                        span.tags.entry(key).or_insert(value);
                    }
                    span.annotations.extend(piece.annotations);
                }
                self.joined.insert(key);
            }
        }
        add_span(index, &span, builder);
    }

    /// The outcome once every span is read: the pieces nothing took, and
    /// the damage, told.
    fn finish(&mut self, bytes: &[u8], builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
        builder.expect_spans(0);
        let mut left: Vec<usize> = (self.pieces.iter())
            .filter(|(key, _)| !self.joined.contains(*key))
            .flat_map(|(_, pieces)| pieces.iter().copied())
            .collect();
        left.sort_unstable();
        if let Some(&first) = left.first() {
            let (start, end) = self.elements[first];
            let head = serde_json::from_slice::<ZipkinSpan>(&bytes[start..end]).ok();
            let (id, name) = head.map_or_else(Default::default, |s| {
                (
                    s.id.into_owned(),
                    s.name.map(Cow::into_owned).unwrap_or_default(),
                )
            });
            builder.warn(format!(
                "{} Zipkin span(s) have no timestamp and no timed span of the same id and service \
                 to join (first: span #{first}, id {id:?}, {name:?}); they were skipped",
                left.len(),
            ));
        }
        if builder.span_total() > self.spans_before {
            if let Some(damage) = self.damage.take() {
                builder.warn(format!("{damage}; the spans before it are read"));
            }
            return Ok(());
        }
        // Nothing read: the damage, or the first span that is not one, is
        // the whole story.
        let error = match (self.damage.take(), self.not_a_span.take()) {
            (Some(damage), _) => damage,
            (None, Some(not_a_span)) => format!("invalid Zipkin JSON at {not_a_span}"),
            (None, None) if self.elements.is_empty() => {
                "the Zipkin JSON array holds no spans".to_owned()
            }
            (None, None) => return Ok(()),
        };
        if let Some(before) = &self.warnings_before {
            builder.warnings.back_to(before);
        }
        Err(IngestError::Malformed(error))
    }
}

impl ReadInSteps for Stepper {
    fn keeps_input(&self) -> bool {
        true
    }

    /// Each pass counts for half the input.
    fn offset(&self) -> usize {
        match self.walk {
            Walk::Start => 0,
            Walk::Spans { at, .. } | Walk::Trailing { at } => at / 2,
            Walk::Done => {
                let read = (self.elements.get(self.next)).map_or(self.length, |&(start, _)| start);
                (self.length + read) / 2
            }
        }
    }

    /// Nothing is let go: the second pass reads it all again.
    fn let_go(&mut self, _bytes: &[u8]) -> usize {
        0
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
        if self.warnings_before.is_none() {
            self.warnings_before = Some(builder.warnings.checkpoint());
        }
        let budget = budget.max(1);
        if self.walk != Walk::Done {
            let from = match self.walk {
                Walk::Spans { at, .. } | Walk::Trailing { at } => at,
                _ => 0,
            };
            if self
                .scan(bytes, from.saturating_add(budget), complete)
                .is_err()
            {
                self.waiting = true;
            }
            return None;
        }
        // The spans to come are known: room for them at once.
        builder.expect_spans(self.elements.len() - self.next);
        let from = (self.elements.get(self.next)).map_or(0, |&(start, _)| start);
        while let Some(&(start, _)) = self.elements.get(self.next) {
            if start - from >= budget {
                return None;
            }
            self.add(bytes, self.next, builder);
            self.next += 1;
        }
        Some(self.finish(bytes, builder))
    }
}

/// Line, column and byte of offset `at` in `bytes`, as serde_json tells a
/// place; `lines` has counted them up to an earlier one.
fn place(lines: &mut LineCounter, bytes: &[u8], at: usize) -> String {
    let (line, column) = lines.position(bytes, at);
    format!("line {line}, column {column} (byte {at})")
}

fn add_span(index: usize, span: &ZipkinSpan<'_>, builder: &mut TraceSetBuilder) {
    let (Some(trace_id), Some(span_id)) =
        (decode_id::<16>(&span.trace_id), decode_id::<8>(&span.id))
    else {
        builder.warn(format!(
            "Zipkin span #{index} (id {:?}, trace {:?}) has an invalid id; it was skipped",
            span.id, span.trace_id
        ));
        return;
    };
    let parent_span_id = span
        .parent_id
        .as_deref()
        .filter(|p| !p.is_empty())
        .and_then(decode_id::<8>)
        .map(SpanId);
    let kind = match span.kind.as_deref() {
        Some("SERVER") => SpanKind::Server,
        Some("CLIENT") => SpanKind::Client,
        Some("PRODUCER") => SpanKind::Producer,
        Some("CONSUMER") => SpanKind::Consumer,
        // Zipkin leaves the kind out of local (internal) spans.
        None => SpanKind::Internal,
        _ => SpanKind::Unspecified,
    };
    let status = match span.tags.get("otel.status_code").map(|c| c.as_ref()) {
        Some("ERROR") => StatusCode::Error,
        Some("OK") => StatusCode::Ok,
        _ if span.tags.contains_key("error") => StatusCode::Error,
        _ => StatusCode::Unset,
    };
    let service = span
        .local_endpoint
        .as_ref()
        .and_then(|e| e.service_name.as_deref())
        .unwrap_or("unknown_service");
    let start_ns = span.timestamp.0.saturating_mul(1_000);
    let tag = |key: &str| span.tags.get(key).map_or("", |v| v.as_ref());
    let scope = if tag("otel.scope.name").is_empty() {
        0
    } else {
        let scope = Scope {
            name: builder.intern(tag("otel.scope.name")),
            version: builder.intern(tag("otel.scope.version")),
            attributes: Vec::new(),
        };
        builder.scope(scope)
    };
    // Sorted, so the attributes do not depend on the hash map's order.
    let mut tags: Vec<(&str, &str)> = span
        .tags
        .iter()
        .filter(|(k, _)| !TRANSLATED_TAGS.contains(&k.as_ref()))
        .map(|(k, v)| (k.as_ref(), v.as_ref()))
        .collect();
    tags.sort_unstable();
    let attributes = tags
        .into_iter()
        .map(|(key, value)| Attribute {
            key: builder.intern(key),
            value: Value::Str(builder.intern(value)),
        })
        .collect();
    let events = span.annotations.iter().map(|a| event(a, builder)).collect();
    let decoded = DecodedSpan {
        trace_id: TraceId(trace_id),
        span: Span {
            span_id: SpanId(span_id),
            parent_span_id,
            name: builder.intern(span.name.as_deref().unwrap_or("")),
            service: builder.intern(service),
            scope,
            kind,
            status,
            flags: match span.shared {
                Some(true) => FLAGS_PARENT_IS_REMOTE,
                _ => 0,
            },
            // The OpenTelemetry exporter puts the status description in `error`.
            status_message: builder.intern(match tag("otel.status_description") {
                "" if status == StatusCode::Error => tag("error"),
                description => description,
            }),
            start_ns,
            end_ns: start_ns.saturating_add(span.duration.0.saturating_mul(1_000)),
            ..Span::default()
        },
        attributes,
        events,
        links: Vec::new(),
    };
    builder.push_span(decoded);
}

/// An annotation as an event. The OpenTelemetry exporter writes an event as
/// `{"name": {attributes}}` in the annotation's value; others write text.
fn event(annotation: &Annotation<'_>, builder: &mut TraceSetBuilder) -> DecodedEvent {
    let time_ns = annotation.timestamp.0.saturating_mul(1_000);
    let parsed: Option<serde_json::Map<String, serde_json::Value>> =
        serde_json::from_str(&annotation.value).ok();
    if let Some((name, serde_json::Value::Object(fields))) = parsed
        .filter(|m| m.len() == 1)
        .and_then(|m| m.into_iter().next())
    {
        let attributes = fields
            .into_iter()
            .map(|(key, value)| Attribute {
                key: builder.intern(&key),
                value: Value::Str(builder.intern(&match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })),
            })
            .collect();
        return DecodedEvent {
            time_ns,
            name: builder.intern(&name),
            attributes,
            dropped_attributes: 0,
        };
    }
    DecodedEvent {
        time_ns,
        name: builder.intern(&annotation.value),
        attributes: Vec::new(),
        dropped_attributes: 0,
    }
}
