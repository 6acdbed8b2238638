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
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::marker::PhantomData;

use super::assemble::{DecodedEvent, DecodedSpan};
use super::json_syntax::{error_offset, strip_position, LineCounter, LookAgain, U64Value};
use super::sniff::{skip_whitespace, value_end};
use super::{IngestError, ReadInSteps, TraceSetBuilder};
use crate::attributes::{Attribute, Scope, Value};
use crate::ids::{decode_id, SpanId, TraceId};
use crate::intern::Sym;
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
    tags: Tags<'a>,
    #[serde(borrow, default)]
    annotations: Vec<Annotation<'a>>,
}

/// A span's tags, sorted by key, each key once (of a key written twice,
/// the last, as a map keeps it). Read into a vector, their texts borrowed
/// from the input where they hold no escapes: read into a hash map of
/// `Cow`s (which serde fills with copies), reading the bench's 100k spans
/// of four tags each took 193 ms natively against 173 now (medians of
/// seven runs each).
#[derive(Default)]
struct Tags<'a>(Vec<(Text<'a>, Text<'a>)>);

impl<'a> Tags<'a> {
    /// The value of tag `key`.
    fn get(&self, key: &str) -> Option<&str> {
        let at = self
            .0
            .binary_search_by(|(k, _)| k.0.as_ref().cmp(key))
            .ok()?;
        Some(&self.0[at].1 .0)
    }

    fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.0.as_ref(), v.0.as_ref()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Tags<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TagsVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for TagsVisitor<'a> {
            type Value = Tags<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of text tags")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tags<'a>, A::Error> {
                let mut tags: Vec<(Text<'a>, Text<'a>)> = Vec::new();
                while let Some(tag) = map.next_entry()? {
                    tags.push(tag);
                }
                // Of equal keys the last written comes first (the sort is
                // stable), and is kept.
                tags.reverse();
                tags.sort_by(|(a, _), (b, _)| a.0.cmp(&b.0));
                tags.dedup_by(|(a, _), (b, _)| a.0 == b.0);
                Ok(Tags(tags))
            }
        }
        deserializer.deserialize_map(TagsVisitor(PhantomData))
    }
}

/// Text borrowed from the input where it holds no escapes.
#[derive(Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

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

/// A span's trace, id and service: an untimed piece joins the first span
/// added with the same.
type SpanKey = (TraceId, SpanId, Sym);

/// An untimed piece of a span, kept until every span is added.
struct Piece {
    /// Its place among the spans of the input.
    index: usize,
    /// What it joins; none when its ids do not read as ids.
    joins: Option<SpanKey>,
    text: Box<[u8]>,
}

/// Reads Zipkin JSON a bounded amount a step, as it arrives: each span is
/// read and added as soon as all of it has come, and what is read is let
/// go. Zipkin reporters may send one span in pieces: the timed one, and
/// an untimed one with more tags or annotations, which joins the first
/// timed span of the same trace, id and service wherever in the file
/// either lies. The untimed pieces (rare, and small) are kept, and once
/// every span is added each joins its span (the first the builder has,
/// from this input or one read before it): the tags the span lacks, its
/// annotations after the span's own, and the status, status message and
/// scope the OpenTelemetry exporter writes as tags where the span's own
/// leave them unset. (This read the file twice, keeping all of it, to
/// join each piece as its span was added: the text of a million spans
/// beside their model, 1.99 times the model's size in the page.)
///
/// Damage that breaks the JSON ends reading there: the spans before it
/// are read, with a warning (an error when there are none); a span that
/// is JSON but not a Zipkin span is skipped with a warning.
pub(super) struct Stepper {
    /// The place in the input.
    walk: Walk,
    /// Spans found so far, pieces and spans that are not one too.
    found: usize,
    /// The untimed pieces, in the order they lie.
    pieces: Vec<Piece>,
    /// The pieces joining their spans, once every span is added.
    joining: Option<Joining>,
    /// Where the JSON broke, once reading found it.
    damage: Option<String>,
    /// The first span that is not one: where, and why.
    not_a_span: Option<String>,
    /// The builder's warnings before this input, once it is begun.
    warnings_before: Option<Checkpoint>,
    /// Lines counted up to the places told.
    lines: LineCounter,
    /// When to look for the end of a span still arriving again.
    look_again: LookAgain,
    /// Bytes let go before those given.
    base: usize,
    spans_before: usize,
    length: usize,
    waiting: bool,
}

/// The place in the input's structure.
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
    /// Every span read.
    Done,
}

impl Walk {
    /// Where in the bytes given it is.
    fn at(self) -> usize {
        match self {
            Walk::Spans { at, .. } | Walk::Trailing { at } => at,
            Walk::Start | Walk::Done => 0,
        }
    }

    /// The same place once the first `read` bytes are let go.
    fn let_go(&mut self, read: usize) {
        if let Walk::Spans { at, .. } | Walk::Trailing { at } = self {
            *at -= read;
        }
    }
}

impl Stepper {
    pub(super) fn new(spans_before: usize, length: usize) -> Self {
        Self {
            walk: Walk::Start,
            found: 0,
            pieces: Vec::new(),
            joining: None,
            damage: None,
            not_a_span: None,
            warnings_before: None,
            lines: LineCounter::default(),
            look_again: LookAgain::default(),
            base: 0,
            spans_before,
            length,
            waiting: false,
        }
    }

    /// Reads on up to about `stop`: the next spans, each added as it is
    /// read. `Err` where the bytes end before the structure does, and more
    /// is to come.
    fn scan(
        &mut self,
        bytes: &[u8],
        stop: usize,
        complete: bool,
        builder: &mut TraceSetBuilder,
    ) -> Result<(), ()> {
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
                        let Some(end) = self.span(bytes, first, complete, builder)? else {
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
                    let Some(end) = self.span(bytes, i, complete, builder)? else {
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

    /// Reads the span at `start` and adds it (an untimed piece is kept
    /// for later, a span that is not one told and skipped): its end,
    /// `None` where the input ends first, `Err` (wait) while it arrives
    /// and has not grown by half since the last look. A span that does not
    /// read as one is looked over for its end (`value_end`).
    fn span(
        &mut self,
        bytes: &[u8],
        start: usize,
        complete: bool,
        builder: &mut TraceSetBuilder,
    ) -> Result<Option<usize>, ()> {
        if !self.look_again.may_look(start, bytes.len(), complete) {
            return Err(());
        }
        let mut read =
            serde_json::Deserializer::from_slice(&bytes[start..]).into_iter::<ZipkinSpan>();
        let span = read.next();
        let end = match span {
            Some(Ok(_)) => Some(start + read.byte_offset()),
            _ => value_end(bytes, start),
        };
        // A value that ends where the bytes do may go on (a number, or
        // text that is not JSON): told once more has come.
        let end = end.filter(|&end| complete || end < bytes.len());
        let Some(end) = end else {
            self.look_again.later(start, bytes.len());
            return Ok(None);
        };
        let index = self.found;
        self.found += 1;
        match span {
            Some(Ok(span)) if span.timestamp.0 == 0 => self.pieces.push(Piece {
                index,
                joins: key_of(&span, builder),
                text: bytes[start..end].into(),
            }),
            Some(Ok(span)) => add_span(index, &span, builder),
            Some(Err(error)) => {
                let at = error_offset(bytes, start, &error);
                let at = self.place(bytes, at);
                let damage = format!("{at}: {}", strip_position(&error));
                builder.warn(format!(
                    "Zipkin span #{index} is not a Zipkin span (at {damage}); it was skipped"
                ));
                self.not_a_span.get_or_insert(damage);
            }
            None => {}
        }
        Ok(Some(end))
    }

    /// After the top-level value, at `at`: nothing but whitespace, and
    /// reading is done once the input is complete.
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

    /// The JSON breaks at `at`: reading ends there once the input is
    /// complete (until then, more may come).
    fn broke(&mut self, bytes: &[u8], at: usize, what: &str, complete: bool) -> Result<(), ()> {
        if !complete {
            return Err(());
        }
        let at = self.place(bytes, at);
        self.damage = Some(format!("invalid Zipkin JSON at {at}: {what}"));
        self.walk = Walk::Done;
        Ok(())
    }

    /// Line, column and byte of offset `at` in `bytes`, as serde_json
    /// tells a place (places told must not go back).
    fn place(&mut self, bytes: &[u8], at: usize) -> String {
        let (line, column) = self.lines.position(bytes, at);
        format!("line {line}, column {column} (byte {})", self.base + at)
    }

    /// The outcome once every span is read and every piece joined: the
    /// pieces nothing took, and the damage, told.
    fn finish(&mut self, builder: &mut TraceSetBuilder) -> Result<(), IngestError> {
        builder.expect_spans(0);
        let joined = self.joining.take().map(|j| j.joined).unwrap_or_default();
        let mut left =
            (self.pieces.iter()).filter(|p| !p.joins.is_some_and(|k| joined.contains(&k)));
        if let Some(first) = left.next() {
            let head = serde_json::from_slice::<ZipkinSpan>(&first.text).ok();
            let (id, name) = head.map_or_else(Default::default, |s| {
                (
                    s.id.into_owned(),
                    s.name.map(Cow::into_owned).unwrap_or_default(),
                )
            });
            builder.warn(format!(
                "{} Zipkin span(s) have no timestamp and no timed span of the same id and service \
                 to join (first: span #{}, id {id:?}, {name:?}); they were skipped",
                left.count() + 1,
                first.index,
            ));
        }
        self.pieces = Vec::new();
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
            (None, None) if self.found == 0 => "the Zipkin JSON array holds no spans".to_owned(),
            (None, None) => return Ok(()),
        };
        if let Some(before) = &self.warnings_before {
            builder.warnings.back_to(before);
        }
        Err(IngestError::Malformed(error))
    }
}

/// The trace, id and service an untimed piece joins; none when its ids do
/// not read.
fn key_of(span: &ZipkinSpan<'_>, builder: &mut TraceSetBuilder) -> Option<SpanKey> {
    let trace_id = decode_id::<16>(&span.trace_id)?;
    let span_id = decode_id::<8>(&span.id)?;
    Some((
        TraceId(trace_id),
        SpanId(span_id),
        builder.intern(service_of(span)),
    ))
}

/// The span's service: an empty name is none.
fn service_of<'a>(span: &'a ZipkinSpan<'_>) -> &'a str {
    (span.local_endpoint.as_ref())
        .and_then(|e| e.service_name.as_deref())
        .filter(|service| !service.is_empty())
        .unwrap_or("unknown_service")
}

/// Of a trace, the first span found with each span id and service.
type FirstSpans = HashMap<(SpanId, Sym), Option<u32>, FxBuildHasher>;

/// The untimed pieces joining their spans, once every span is added: the
/// spans of each trace a piece names are gone over for the first with
/// its id and service, then each span found takes its pieces.
struct Joining {
    /// The traces the pieces name, each with the first span found with
    /// each key (its place among the trace's spans).
    traces: Vec<(TraceId, FirstSpans)>,
    /// The trace being gone over, and the next of its spans.
    trace: usize,
    at: usize,
    /// The spans found, each with its pieces (in the order they lie), and
    /// the next to take them.
    found: Vec<(SpanKey, u32, Vec<usize>)>,
    next: usize,
    /// The keys whose pieces joined a span.
    joined: HashSet<SpanKey, FxBuildHasher>,
}

impl Joining {
    fn new(pieces: &[Piece]) -> Self {
        let mut traces: HashMap<TraceId, FirstSpans, FxBuildHasher> = HashMap::default();
        for (trace_id, span_id, service) in pieces.iter().filter_map(|p| p.joins) {
            (traces.entry(trace_id).or_default()).insert((span_id, service), None);
        }
        let mut traces: Vec<_> = traces.into_iter().collect();
        traces.sort_unstable_by_key(|(trace_id, _)| *trace_id);
        Self {
            traces,
            trace: 0,
            at: 0,
            found: Vec::new(),
            next: 0,
            joined: HashSet::default(),
        }
    }

    /// Goes on for about `budget` bytes' worth of work; true once every
    /// piece that has a span joined it.
    fn step(&mut self, pieces: &[Piece], builder: &mut TraceSetBuilder, budget: usize) -> bool {
        // Looking a span up costs about what reading 16 bytes of it does.
        let mut spans = budget / 16 + 1;
        while let Some((trace_id, wanted)) = self.traces.get_mut(self.trace) {
            let all = builder.spans_of(trace_id);
            let end = all.len().min(self.at + spans);
            for (at, span) in (self.at..end).zip(&all[self.at..end]) {
                if let Some(first @ None) = wanted.get_mut(&(span.span_id, span.service)) {
                    *first = Some(at as u32);
                }
            }
            spans -= end - self.at;
            self.at = end;
            if end < all.len() {
                return false;
            }
            self.trace += 1;
            self.at = 0;
        }
        if !self.traces.is_empty() {
            let mut by_key: HashMap<SpanKey, Vec<usize>, FxBuildHasher> = HashMap::default();
            for (i, piece) in pieces.iter().enumerate() {
                if let Some(key) = piece.joins {
                    by_key.entry(key).or_default().push(i);
                }
            }
            for (trace_id, wanted) in std::mem::take(&mut self.traces) {
                for ((span_id, service), at) in wanted {
                    if let Some(at) = at {
                        let key = (trace_id, span_id, service);
                        let of_it = by_key.remove(&key).unwrap_or_default();
                        self.found.push((key, at, of_it));
                    }
                }
            }
            // The spans in the order of their first pieces: the same
            // steps whatever the hash maps' order.
            self.found
                .sort_unstable_by_key(|(_, _, of_it)| of_it.first().copied());
        }
        let mut read = 0;
        while let Some((key, at, of_it)) = self.found.get(self.next) {
            if read >= budget {
                return false;
            }
            let of_it: Vec<&Piece> = of_it.iter().map(|&i| &pieces[i]).collect();
            read += of_it.iter().map(|p| p.text.len()).sum::<usize>();
            join(key.0, *at, &of_it, builder);
            self.joined.insert(*key);
            self.next += 1;
        }
        true
    }
}

/// Span `at` of trace `trace_id` takes the pieces `pieces`: the tags it
/// lacks (of two pieces with one tag, the earlier's) and their
/// annotations after its own. The tags the OpenTelemetry exporter makes
/// of the status, status message and scope count as its own where its
/// fields tell them.
fn join(trace_id: TraceId, at: u32, pieces: &[&Piece], builder: &mut TraceSetBuilder) {
    let read: Vec<ZipkinSpan> = (pieces.iter())
        .filter_map(|p| serde_json::from_slice(&p.text).ok())
        .collect();
    let span = &builder.spans_of(&trace_id)[at as usize];
    let text = |sym| builder.string(sym).to_owned();
    let mut tags: Vec<(String, String)> = (builder.attributes_of(trace_id, at).iter())
        .map(|a| {
            let Value::Str(value) = a.value else {
                unreachable!("a Zipkin tag is text")
            };
            (text(a.key), text(value))
        })
        .collect();
    let own_error = (tags.iter())
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.clone());
    let mut own = |key: &str, value: String| tags.push((key.to_owned(), value));
    match span.status {
        StatusCode::Ok => own("otel.status_code", "OK".into()),
        StatusCode::Error => own("otel.status_code", "ERROR".into()),
        _ => {}
    }
    let message = text(span.status_message);
    // A message taken from the `error` tag for want of a description is
    // no description of its own.
    let from_error = span.status == StatusCode::Error && own_error.as_ref() == Some(&message);
    if !message.is_empty() && !from_error {
        own("otel.status_description", message);
    }
    if span.scope != 0 {
        let scope = builder.scope_at(span.scope);
        own("otel.scope.name", text(scope.name));
        if !builder.string(scope.version).is_empty() {
            own("otel.scope.version", text(scope.version));
        }
    }
    let mut keys: HashSet<String, FxBuildHasher> = tags.iter().map(|(k, _)| k.clone()).collect();
    for piece in &read {
        for (key, value) in piece.tags.iter() {
            if !keys.contains(key) {
                tags.push((key.to_owned(), value.to_owned()));
            }
        }
        keys.extend(piece.tags.iter().map(|(k, _)| k.to_owned()));
    }
    let tag = |key: &str| {
        (tags.iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let derived = Derived::of(tag, builder);
    let attributes = attributes_of(tags.iter().map(|(k, v)| (k.as_str(), v.as_str())), builder);
    let events = (read.iter())
        .flat_map(|p| &p.annotations)
        .map(|a| event(a, builder))
        .collect();
    let status_message = derived.status_message(derived.status, builder);
    builder.amend_span(trace_id, at, attributes, events, |span| {
        span.status = derived.status;
        span.status_message = status_message;
        span.scope = derived.scope;
    });
}

/// What the OpenTelemetry exporter writes as tags, read back into the
/// fields they came from.
struct Derived<'t> {
    status: StatusCode,
    /// `otel.status_description`, unless empty.
    description: Option<&'t str>,
    /// The `error` tag, where the exporter puts an error's description.
    error: &'t str,
    scope: u32,
}

impl<'t> Derived<'t> {
    fn of(tag: impl Fn(&str) -> Option<&'t str>, builder: &mut TraceSetBuilder) -> Self {
        let status = match tag("otel.status_code") {
            Some("ERROR") => StatusCode::Error,
            Some("OK") => StatusCode::Ok,
            _ if tag("error").is_some() => StatusCode::Error,
            _ => StatusCode::Unset,
        };
        let scope = match tag("otel.scope.name").unwrap_or("") {
            "" => 0,
            name => {
                let scope = Scope {
                    name: builder.intern(name),
                    version: builder.intern(tag("otel.scope.version").unwrap_or("")),
                    attributes: Vec::new(),
                };
                builder.scope(scope)
            }
        };
        Self {
            status,
            description: tag("otel.status_description").filter(|d| !d.is_empty()),
            error: tag("error").unwrap_or(""),
            scope,
        }
    }

    /// The status message of a span of status `status`: the description,
    /// or an error's `error` tag.
    fn status_message(&self, status: StatusCode, builder: &mut TraceSetBuilder) -> Sym {
        builder.intern(match (self.description, status) {
            (Some(description), _) => description,
            (None, StatusCode::Error) => self.error,
            (None, _) => "",
        })
    }
}

/// Tags as attributes, those read back into fields left out, sorted (so
/// the attributes do not depend on a hash map's order).
fn attributes_of<'t>(
    tags: impl Iterator<Item = (&'t str, &'t str)>,
    builder: &mut TraceSetBuilder,
) -> Vec<Attribute> {
    let mut tags: Vec<(&str, &str)> = tags.filter(|(k, _)| !TRANSLATED_TAGS.contains(k)).collect();
    tags.sort_unstable();
    (tags.into_iter())
        .map(|(key, value)| Attribute {
            key: builder.intern(key),
            value: Value::Str(builder.intern(value)),
        })
        .collect()
}

impl ReadInSteps for Stepper {
    fn offset(&self) -> usize {
        match self.walk {
            Walk::Done => self.length,
            walk => self.base + walk.at(),
        }
    }

    fn let_go(&mut self, bytes: &[u8]) -> usize {
        let read = self.walk.at();
        self.lines.let_go(bytes, read);
        self.look_again.let_go(read);
        self.walk.let_go(read);
        self.base += read;
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
        if self.warnings_before.is_none() {
            self.warnings_before = Some(builder.warnings.checkpoint());
        }
        let budget = budget.max(1);
        if self.walk != Walk::Done {
            let stop = self.walk.at().saturating_add(budget);
            if self.scan(bytes, stop, complete, builder).is_err() {
                self.waiting = true;
            }
            let length = self.length.max(self.base + bytes.len());
            builder.expect_rest(self.spans_before, self.offset(), length);
            return None;
        }
        if !self.pieces.is_empty() {
            let pieces = &self.pieces;
            let joining = self.joining.get_or_insert_with(|| Joining::new(pieces));
            if !joining.step(pieces, builder, budget) {
                return None;
            }
        }
        Some(self.finish(builder))
    }
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
    let start_ns = span.timestamp.0.saturating_mul(1_000);
    let tag = |key: &str| span.tags.get(key);
    let derived = Derived::of(tag, builder);
    let attributes = attributes_of(span.tags.iter(), builder);
    let events = span.annotations.iter().map(|a| event(a, builder)).collect();
    let decoded = DecodedSpan {
        trace_id: TraceId(trace_id),
        span: Span {
            span_id: SpanId(span_id),
            parent_span_id,
            name: builder.intern(span.name.as_deref().unwrap_or("")),
            service: builder.intern(service_of(span)),
            scope: derived.scope,
            kind,
            status: derived.status,
            flags: match span.shared {
                Some(true) => FLAGS_PARENT_IS_REMOTE,
                _ => 0,
            },
            status_message: derived.status_message(derived.status, builder),
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
