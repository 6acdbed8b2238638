//! Joins decoded spans into traces: spans of one trace may arrive in many
//! batches and children before parents. Everything here is iterative, so a
//! chain of 100,000 nested spans cannot overflow the stack.

use rustc_hash::FxHashMap as HashMap;
use std::cmp::Reverse;

use crate::attributes::{Attribute, Event, Link, Range32, Resource, Scope};
use crate::ids::{SpanId, TraceId};
use crate::intern::{Interner, Sym};
use crate::model::{Span, Trace, TraceParts, TraceSet, TreeOrdering, NO_PARENT};
use crate::warnings::{Checkpoint, Warnings};

/// A span as a decoder hands it over, details still its own.
pub(super) struct DecodedSpan {
    pub trace_id: TraceId,
    /// Timing, ids and the plain fields; the detail ranges are set on push.
    pub span: Span,
    pub attributes: Vec<Attribute>,
    pub events: Vec<DecodedEvent>,
    pub links: Vec<DecodedLink>,
}

#[derive(Default)]
pub(super) struct DecodedEvent {
    pub time_ns: u64,
    pub name: Sym,
    pub attributes: Vec<Attribute>,
    pub dropped_attributes: u32,
}

pub(super) struct DecodedLink {
    pub trace_id: TraceId,
    pub span_id: SpanId,
    pub trace_state: Sym,
    pub attributes: Vec<Attribute>,
    pub dropped_attributes: u32,
}

/// Collects spans from any number of inputs; [`TraceSetBuilder::finish`]
/// turns them into a [`TraceSet`].
#[derive(Clone)]
pub struct TraceSetBuilder {
    strings: Interner,
    traces: HashMap<TraceId, TraceParts>,
    pub(super) warnings: Warnings,
    resources: Vec<Resource>,
    resource_index: HashMap<String, u32>,
    scopes: Vec<Scope>,
    scope_index: HashMap<String, u32>,
    /// The scope [`TraceSetBuilder::scope`] gave last: readers that name a
    /// span's scope on every span (Zipkin's and Jaeger's tags) mostly name
    /// that one again.
    last_scope: Option<u32>,
    /// Attributes being read: decoders that stream push them here and hand
    /// over a range, instead of building a vector per span.
    pub(super) attribute_stack: Vec<Attribute>,
    /// While a reader may still take back what it added: the trace of
    /// each span pushed since [`TraceSetBuilder::begin_undoable`].
    journal: Vec<TraceId>,
    journaling: bool,
    /// Spans pushed so far (taken back ones not counted).
    pushed: usize,
    /// How many more spans the input being read likely holds (see
    /// [`TraceSetBuilder::expect_spans`]).
    expected: usize,
    /// The first trace of the input being read to reach
    /// [`ROOM_AHEAD_SPANS`] spans holding most spans: the one
    /// [`TraceSetBuilder::room_wanted`] asks about.
    main: Option<TraceId>,
    /// Texts cut at [`TEXT_LIMIT`] so far (one warning says so at the end).
    cut_texts: usize,
}

/// The longest text (an attribute value, a name, an event's or status's
/// message) kept whole, as the OpenTelemetry SDKs' attribute value length
/// limit keeps values: past it a text is cut, with a marker saying how
/// long it was.
pub const TEXT_LIMIT: usize = 1 << 20;

/// `bytes` cut at [`TEXT_LIMIT`] (at a character boundary) with a note of
/// their whole length, if they are longer.
pub(crate) fn cut_text(bytes: &[u8]) -> Option<Vec<u8>> {
    if bytes.len() <= TEXT_LIMIT {
        return None;
    }
    let mut cut = TEXT_LIMIT;
    // Back over UTF-8 continuation bytes.
    while cut > 0 && bytes[cut] & 0xc0 == 0x80 {
        cut -= 1;
    }
    let mut text = bytes[..cut].to_vec();
    text.extend_from_slice(
        format!("… [cut by tracelens: {} bytes in all]", bytes.len()).as_bytes(),
    );
    Some(text)
}

/// Spans of a trace from which [`TraceSetBuilder::room_wanted`] asks
/// whether room for the rest of the input is due: before the vectors are
/// full at 1,024 spans, where [`TraceSetBuilder::push`] makes it itself.
const ROOM_AHEAD_SPANS: usize = 512;

/// Makes room in `parts`, a trace holding most spans, for the `expected`
/// more spans (none known: as many again as it has).
fn make_room(parts: &mut TraceParts, expected: usize) {
    let len = parts.spans.len();
    let more = match (expected, parts.spans.capacity() <= 1024) {
        (0, _) => len,
        // The first estimate, from the first few hundred spans, and a
        // sixteenth more: the spans of the first service or batch can
        // differ in size from the rest (gen_trace.py's 1M-span OTLP/JSON
        // estimated 6 % short, and the vectors were copied whole at 94 %:
        // 66 ms in one task in the browser, and old and new held at once).
        (expected, true) => expected + expected / 16,
        // It fell short (gen_trace.py's 1M-span file by 6 %): the rest now
        // expected and an eighth more, not as many again (doubling a
        // million spans' vectors copied them in 150 ms in the browser and
        // held 950 MB).
        (expected, false) => (expected + expected / 8).max(1024),
    };
    let per_span = parts.attributes.len().div_ceil(len.max(1));
    parts.spans.reserve_exact(more);
    parts.starts.reserve_exact(more);
    parts.attributes.reserve_exact(more * per_span);
}

/// Where [`TraceSetBuilder::undo`] takes the builder back to.
pub(super) struct UndoMark {
    warnings: Checkpoint,
    attribute_stack: usize,
}

impl Default for TraceSetBuilder {
    fn default() -> Self {
        Self {
            strings: Interner::default(),
            traces: HashMap::default(),
            warnings: Warnings::default(),
            // Index 0: for spans whose input names no resource or scope.
            resources: vec![Resource::default()],
            resource_index: HashMap::default(),
            scopes: vec![Scope::default()],
            scope_index: HashMap::default(),
            last_scope: None,
            attribute_stack: Vec::new(),
            journal: Vec::new(),
            journaling: false,
            pushed: 0,
            expected: 0,
            main: None,
            cut_texts: 0,
        }
    }
}

impl TraceSetBuilder {
    pub(super) fn intern(&mut self, text: &str) -> Sym {
        self.intern_bytes(text.as_bytes())
    }

    /// Once an input is read: a warning if texts of it were cut.
    pub(super) fn tell_cut_texts(&mut self) {
        if self.cut_texts > 0 {
            let cut = std::mem::take(&mut self.cut_texts);
            self.warn(format!(
                "{cut} text(s) longer than {} MiB (attribute values, names or messages) were cut \
                 there, each ending in a note of its whole length",
                TEXT_LIMIT >> 20
            ));
        }
    }

    /// Interns text, cut at [`TEXT_LIMIT`] bytes with a marker: one absurd
    /// value (a gigabyte attribute) must not exhaust the tab.
    pub(super) fn intern_bytes(&mut self, bytes: &[u8]) -> Sym {
        match cut_text(bytes) {
            None => self.strings.intern_bytes(bytes),
            Some(cut) => {
                self.cut_texts += 1;
                self.strings.intern_bytes(&cut)
            }
        }
    }

    /// The attributes stacked from `from` on, taken off the stack.
    pub(super) fn take_attributes(&mut self, from: usize) -> Vec<Attribute> {
        self.attribute_stack.split_off(from)
    }

    pub(super) fn string(&self, sym: Sym) -> &str {
        self.strings.get(sym)
    }

    /// The index of `resource`, stored once however many batches repeat it
    /// (a JSON Lines file repeats it on every line).
    pub(super) fn resource(&mut self, resource: Resource) -> u32 {
        let key = format!("{:?}", (&resource.attributes, resource.dropped_attributes));
        if let Some(&index) = self.resource_index.get(&key) {
            return index;
        }
        let index = self.resources.len() as u32;
        self.resources.push(resource);
        self.resource_index.insert(key, index);
        index
    }

    /// The index of `scope`, stored once.
    pub(super) fn scope(&mut self, scope: Scope) -> u32 {
        // The last scope again, without attributes (whose key is then its
        // name and version): found without writing the key, which was 4 %
        // of reading Zipkin spans that each carry their scope's tags.
        if let Some(last) = self.last_scope {
            let known = &self.scopes[last as usize];
            if scope.attributes.is_empty()
                && known.attributes.is_empty()
                && (scope.name, scope.version) == (known.name, known.version)
            {
                return last;
            }
        }
        let key = format!("{:?}", (&scope.name, &scope.version, &scope.attributes));
        let index = match self.scope_index.get(&key) {
            Some(&index) => index,
            None => {
                let index = self.scopes.len() as u32;
                self.scopes.push(scope);
                self.scope_index.insert(key, index);
                index
            }
        };
        self.last_scope = Some(index);
        index
    }

    /// The scope at `index` (from [`TraceSetBuilder::scope`]).
    pub(super) fn scope_at(&self, index: u32) -> &Scope {
        &self.scopes[index as usize]
    }

    /// The traces that have spans so far (in no particular order).
    pub fn trace_ids(&self) -> impl Iterator<Item = TraceId> + '_ {
        self.traces.keys().copied()
    }

    /// Spans added so far.
    pub fn span_total(&self) -> usize {
        self.pushed
    }

    /// Tells the builder that about `spans` more spans are coming: a trace
    /// that holds most spans so far then makes room for them at once
    /// instead of doubling its way there. In the browser each doubling
    /// copies the vectors (wasm's allocator cannot remap pages), which cost
    /// 70 ms of a 1M-span load and held old and new vectors at once.
    pub(super) fn expect_spans(&mut self, spans: usize) {
        self.expected = spans;
        if spans == 0 {
            // The input is read: the next one's main trace is its own.
            self.main = None;
        }
    }

    /// Whether the trace holding most spans would soon make room for the
    /// spans still expected of the input ([`TraceSetBuilder::expect_spans`]):
    /// at a million spans its vectors are then given a hundred megabytes or
    /// more at once. In a browser a WebAssembly memory grown that much sets
    /// off a full garbage collection of the page there and then (17–36 ms
    /// in a trace of the 1M-span protobuf file's load, in the middle of a
    /// turn of reading: a frame gap of 67–100 ms). A reader that yields to
    /// the page between steps stops its turn when this is true and calls
    /// [`TraceSetBuilder::make_room`] at the start of the next; otherwise
    /// the room is made when the vectors are full, as it always was.
    pub fn room_wanted(&self) -> bool {
        let Some(parts) = self.main.and_then(|id| self.traces.get(&id)) else {
            return false;
        };
        let len = parts.spans.len();
        self.expected > 0
            && 2 * len >= self.pushed
            && parts.spans.capacity() < len + self.expected / 2
    }

    /// Makes the room [`TraceSetBuilder::room_wanted`] asks for, now.
    pub fn make_room(&mut self) {
        if !self.room_wanted() {
            return;
        }
        if let Some(parts) = self.main.and_then(|id| self.traces.get_mut(&id)) {
            make_room(parts, self.expected);
        }
    }

    /// [`TraceSetBuilder::expect_spans`] for the rest of an input of
    /// `length` bytes with `done` read, judging by the bytes per span so
    /// far (the builder held `spans_before` when the input began).
    pub(super) fn expect_rest(&mut self, spans_before: usize, done: usize, length: usize) {
        let read = (self.span_total() - spans_before) as f64;
        let rest = length.saturating_sub(done) as f64;
        self.expect_spans((rest * read / done.max(1) as f64) as usize);
    }

    /// Starts recording what is added, so that [`TraceSetBuilder::undo`]
    /// can take it back (a reader that reads optimistically calls this).
    pub(super) fn begin_undoable(&mut self) -> UndoMark {
        self.journal.clear();
        self.journaling = true;
        UndoMark {
            warnings: self.warnings.checkpoint(),
            attribute_stack: self.attribute_stack.len(),
        }
    }

    /// Keeps what was added since [`TraceSetBuilder::begin_undoable`].
    pub(super) fn commit(&mut self) {
        self.journal.clear();
        self.journaling = false;
    }

    /// Takes back the spans and warnings added since `mark` (interned text
    /// and registered resources stay: they are shared and harmless).
    pub(super) fn undo(&mut self, mark: UndoMark) {
        let journal = std::mem::take(&mut self.journal);
        for trace_id in journal.iter().rev() {
            let Some(parts) = self.traces.get_mut(trace_id) else {
                continue;
            };
            if let Some(span) = parts.spans.pop() {
                parts.starts.pop();
                self.pushed -= 1;
                parts.attributes.truncate(span.attributes.start as usize);
                parts.events.truncate(span.events.start as usize);
                parts.links.truncate(span.links.start as usize);
            }
            if parts.spans.is_empty() {
                self.traces.remove(trace_id);
            }
        }
        self.journal = journal;
        self.journal.clear();
        self.journaling = false;
        self.warnings.back_to(&mark.warnings);
        self.attribute_stack.truncate(mark.attribute_stack);
    }

    /// Adds a decoded span; `parent` and `depth` are filled in by `finish`.
    pub(super) fn push_span(&mut self, decoded: DecodedSpan) {
        self.push(decoded, None);
    }

    /// Gives each span of trace `trace_id` at `at` (from
    /// [`TraceSetBuilder::push_span_with_stacked`]) its service and resource: a
    /// reader that meets a span before what owns it (Jaeger's processes
    /// come after the spans) adds the span at once and names its owner
    /// once known.
    pub(super) fn set_owners(&mut self, trace_id: TraceId, owners: &[(u32, (Sym, u32))]) {
        let Some(parts) = self.traces.get_mut(&trace_id) else {
            return;
        };
        for &(at, (service, resource)) in owners {
            if let Some(span) = parts.spans.get_mut(at as usize) {
                span.service = service;
                span.resource = resource;
            }
        }
    }

    /// The spans of trace `trace_id` added so far, in the order added.
    pub(super) fn spans_of(&self, trace_id: &TraceId) -> &[Span] {
        self.traces.get(trace_id).map_or(&[], |parts| &parts.spans)
    }

    /// The attributes of span `at` of trace `trace_id` (see
    /// [`TraceSetBuilder::spans_of`]).
    pub(super) fn attributes_of(&self, trace_id: TraceId, at: u32) -> &[Attribute] {
        let parts = &self.traces[&trace_id];
        let range = parts.spans[at as usize].attributes;
        &parts.attributes[range.start as usize..(range.start + range.len) as usize]
    }

    /// Gives span `at` of trace `trace_id` (see
    /// [`TraceSetBuilder::spans_of`]) `attributes` in place of its own and
    /// `events` after its own, and lets `amend` change its plain fields:
    /// for a reader that learns more of a span after adding it (Zipkin's
    /// untimed pieces). Its old attributes and events are left unused.
    pub(super) fn amend_span(
        &mut self,
        trace_id: TraceId,
        at: u32,
        attributes: Vec<Attribute>,
        events: Vec<DecodedEvent>,
        amend: impl FnOnce(&mut Span),
    ) {
        let parts = self.traces.get_mut(&trace_id).expect("a trace added");
        let span = &mut parts.spans[at as usize];
        amend(span);
        span.attributes = append(&mut parts.attributes, attributes);
        let own = span.events;
        let first_event = parts.events.len() as u32;
        parts
            .events
            .extend_from_within(own.start as usize..(own.start + own.len) as usize);
        add_events(parts, events);
        parts.spans[at as usize].events = Range32 {
            start: first_event,
            len: parts.events.len() as u32 - first_event,
        };
    }

    /// Adds a decoded span whose attributes are those stacked from `from`
    /// on (its own `attributes` are ignored); where it is among its
    /// trace's spans, for [`TraceSetBuilder::set_owners`].
    pub(super) fn push_span_with_stacked(
        &mut self,
        decoded: DecodedSpan,
        from: usize,
    ) -> (TraceId, u32) {
        let trace_id = decoded.trace_id;
        (trace_id, self.push(decoded, Some(from)))
    }

    fn push(&mut self, decoded: DecodedSpan, stacked_from: Option<usize>) -> u32 {
        let DecodedSpan {
            trace_id,
            mut span,
            attributes,
            events,
            links,
        } = decoded;
        if span.end_ns < span.start_ns {
            self.warnings
                .push_from("a span ending before it starts", || {
                    format!(
                        "span {} ({}) of trace {trace_id} ends {} ns before it starts; \
                     it is shown with zero length",
                        span.span_id,
                        self.strings.get(span.name),
                        span.start_ns - span.end_ns
                    )
                });
            span.end_ns = span.start_ns;
        }
        if self.journaling {
            self.journal.push(trace_id);
        }
        self.pushed += 1;
        let parts = self.traces.entry(trace_id).or_default();
        let len = parts.spans.len();
        if self.main.is_none() && len >= ROOM_AHEAD_SPANS && 2 * len >= self.pushed {
            self.main = Some(trace_id);
        }
        // Only a trace already big and holding most spans: an input of many
        // small traces grows each by doubling, as usual.
        if len == parts.spans.capacity() && len >= 1024 && 2 * len >= self.pushed {
            make_room(parts, self.expected);
        }
        span.attributes = match stacked_from {
            Some(from) => {
                let start = parts.attributes.len() as u32;
                parts.attributes.extend(self.attribute_stack.drain(from..));
                Range32 {
                    start,
                    len: parts.attributes.len() as u32 - start,
                }
            }
            None => append(&mut parts.attributes, attributes),
        };
        let first_event = parts.events.len() as u32;
        add_events(parts, events);
        span.events = Range32 {
            start: first_event,
            len: parts.events.len() as u32 - first_event,
        };
        let first_link = parts.links.len() as u32;
        for link in links {
            let attributes = append(&mut parts.attributes, link.attributes);
            parts.links.push(Link {
                trace_id: link.trace_id,
                span_id: link.span_id,
                trace_state: link.trace_state,
                attributes,
                dropped_attributes: link.dropped_attributes,
            });
        }
        span.links = Range32 {
            start: first_link,
            len: parts.links.len() as u32 - first_link,
        };
        parts.starts.push((span.start_ns, len as u32));
        parts.spans.push(span);
        len as u32
    }

    /// The spans added so far joined into traces, as [`TraceSetBuilder::finish`]
    /// would join them, while the builder goes on reading: a first view of
    /// a big input before all of it is read. Its warnings are those of
    /// reading so far; what joining reports (orphans, duplicate ids) waits
    /// for the whole input, since a parent may still come.
    pub fn provisional(&self) -> TraceSet {
        let reading = self.warnings.len();
        let mut set = self.clone().finish();
        // Joining's warnings come after reading's.
        set.warnings.truncate(reading);
        set
    }

    /// Joins the spans into traces sorted by trace id.
    pub fn finish(self) -> TraceSet {
        self.finishing().finish()
    }

    /// Joins the spans into traces in steps (see [`Finishing::step`]), so
    /// a page can paint between them: at a million spans joining takes
    /// hundreds of milliseconds.
    pub fn finishing(self) -> Finishing {
        let mut ids: Vec<TraceId> = self.traces.keys().copied().collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let spans = self.pushed;
        Finishing {
            builder: self,
            ids,
            joining: None,
            traces: Vec::new(),
            work: 0,
            total: spans * Stage::COUNT,
        }
    }
}

/// Spans being joined into traces, a stage of a trace at a time: what
/// [`TraceSetBuilder::finish`] does at once.
pub struct Finishing {
    builder: TraceSetBuilder,
    /// Traces not started yet, the next last.
    ids: Vec<TraceId>,
    joining: Option<Joining>,
    traces: Vec<Trace>,
    /// Spans times stages done, and to do in all, for the progress.
    work: usize,
    total: usize,
}

/// One trace being joined.
struct Joining {
    trace_id: TraceId,
    /// Its spans (the cost of each stage).
    spans: usize,
    parts: TraceParts,
    stage: Stage,
    /// In [`Stage::Sort`], which goes a bounded number of spans a step:
    /// the sort so far (`None` before it starts).
    sorting: Option<Sorting>,
    /// The progress given so far for the stage in hand, where it goes
    /// over the spans several times (sorting, building the tree, ordering
    /// it): [`Joining::stage_progress`].
    stage_work: usize,
    /// From [`Stage::Sort`] to the end of [`Stage::Move`]: the spans being
    /// moved into order (`None`: they are in order).
    moving: Option<Moving>,
    /// In [`Stage::Index`] and [`Stage::Link`], which go a bounded number
    /// of spans a step: the first span not done yet.
    at: usize,
    /// From [`Stage::Index`] on: the first span of each id (the client
    /// side of an id shared by a client and its server).
    by_id: HashMap<SpanId, u32>,
    /// From [`Stage::Index`] on: ids that a client span and the server
    /// span handling its call share, as Zipkin's B3 lets them.
    shared: HashMap<SpanId, SharedId>,
    /// In [`Stage::Link`]: what it has found so far.
    linking: Linking,
    /// From [`Stage::Link`] on: each span's parent ([`NO_PARENT`] for
    /// none). The stages after linking walk this rather than the spans: at
    /// 112 bytes a span, every walk over them reads megabytes, and ingest
    /// is bound by memory, not by work.
    parents: Vec<u32>,
    /// In [`Stage::Cycles`]: the cycles cut so far.
    cycles: Option<Cycles>,
    /// In [`Stage::Tree`]: the tree so far.
    nesting: Nesting,
    /// After [`Stage::Tree`]: the trace, still without its tree order.
    tree: Option<Trace>,
    /// In [`Stage::Order`]: its tree order so far.
    ordering: Option<TreeOrdering>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Sort,
    Move,
    Index,
    Link,
    /// Only where a parent came after its child: parent cycles cut. Its
    /// steps add no progress (most traces never go through it).
    Cycles,
    Tree,
    Order,
}

impl Stage {
    /// The stages every trace goes through.
    const COUNT: usize = 6;
}

impl Finishing {
    /// Joins for about `budget` span-stages (each stage of a trace goes
    /// over all its spans once, and every stage is split to fit the
    /// budget); true once all is done.
    pub fn step(&mut self, budget: usize) -> bool {
        let mut spent = 0usize;
        while spent < budget {
            let Some(mut joining) = self.joining.take().or_else(|| self.start_next()) else {
                return true;
            };
            let mut spans = joining.spans.max(1);
            let builder = &mut self.builder;
            // The progress made, when not the spans gone over.
            let mut work = None;
            let joined = match joining.stage {
                // At a million spans sorting at once held the page for 100 ms.
                Stage::Sort => {
                    let parts = &mut joining.parts;
                    let sorting = joining.sorting.get_or_insert_with(|| {
                        Sorting::new(&parts.spans, std::mem::take(&mut parts.starts))
                    });
                    let (done, sorted) = sorting.step(&parts.spans, budget - spent);
                    spans = sorted.max(1);
                    // Sorting goes over the spans a few times (chunks,
                    // merge passes, ties).
                    work = Some(joining.stage_progress(sorted, 4, done));
                    if done {
                        let order = joining.sorting.take().and_then(Sorting::order);
                        joining.moving = order.map(Moving::new);
                        joining.stage = Stage::Move;
                    }
                    false
                }
                // At a million spans moving them all takes 150 ms natively.
                Stage::Move => {
                    let done = match &mut joining.moving {
                        Some(moving) => {
                            let before = moving.moved;
                            let done = moving.step(&mut joining.parts.spans, budget - spent);
                            // The stage's share of the work: the rest of it once done.
                            spans = match done {
                                true => joining.spans.saturating_sub(before),
                                false => moving.moved - before,
                            }
                            .max(1);
                            done
                        }
                        None => true,
                    };
                    if done {
                        joining.moving = None;
                        joining.stage = Stage::Index;
                    }
                    false
                }
                // Indexing and linking also go a bounded number of spans a
                // step: at a million spans each takes 70–90 ms natively.
                Stage::Index => {
                    let (from, to) = joining.next_part(budget - spent);
                    if from == 0 {
                        let capacity = joining.spans;
                        joining.by_id =
                            HashMap::with_capacity_and_hasher(capacity, Default::default());
                    }
                    index_ids(
                        joining.trace_id,
                        &joining.parts.spans,
                        from..to,
                        (&mut joining.by_id, &mut joining.shared),
                        &builder.strings,
                        &mut builder.warnings,
                    );
                    spans = (to - from).max(1);
                    if to == joining.spans {
                        joining.at = 0;
                        joining.stage = Stage::Link;
                    }
                    false
                }
                Stage::Link => {
                    let (from, to) = joining.next_part(budget - spent);
                    if from == 0 {
                        joining.parents = Vec::with_capacity(joining.spans);
                    }
                    link_parents(
                        &mut joining.parts.spans,
                        from..to,
                        (&joining.by_id, &joining.shared),
                        &mut joining.linking,
                        &mut joining.parents,
                    );
                    spans = (to - from).max(1);
                    if to == joining.spans {
                        joining.by_id = HashMap::default();
                        joining.shared = HashMap::default();
                        joining.linking.warn_of_orphans(
                            joining.trace_id,
                            &joining.parts.spans,
                            &builder.strings,
                            &mut builder.warnings,
                        );
                        joining.stage = match joining.linking.parent_after_child {
                            true => Stage::Cycles,
                            false => Stage::Tree,
                        };
                    }
                    false
                }
                // At a million spans cutting cycles at once held a step for
                // 70 ms natively.
                Stage::Cycles => {
                    let cycles = joining
                        .cycles
                        .get_or_insert_with(|| Cycles::new(joining.spans));
                    let (done, went) = cycles.step(
                        joining.trace_id,
                        (&mut joining.parts.spans, &mut joining.parents),
                        (&builder.strings, &mut builder.warnings),
                        budget - spent,
                    );
                    spans = went.max(1);
                    work = Some(0);
                    if done {
                        joining.cycles = None;
                        joining.stage = Stage::Tree;
                    }
                    false
                }
                Stage::Tree => {
                    let (done, went) = joining.nesting.step(&joining.parents, budget - spent);
                    spans = went.max(1);
                    // It goes over the spans three times.
                    work = Some(joining.stage_progress(went, 3, done));
                    if done {
                        let nesting = std::mem::take(&mut joining.nesting);
                        let parts = std::mem::take(&mut joining.parts);
                        joining.tree = Some(nesting.finish(
                            joining.trace_id,
                            parts,
                            &builder.strings,
                            &mut builder.warnings,
                        ));
                        joining.stage = Stage::Order;
                    }
                    false
                }
                // At a million spans the tree order took 44 ms at once in
                // the browser.
                Stage::Order => match joining.tree.as_mut() {
                    Some(trace) => {
                        let ordering = joining
                            .ordering
                            .get_or_insert_with(|| TreeOrdering::new(trace));
                        let (done, went) = ordering.step(trace, &joining.parents, budget - spent);
                        spans = went.max(1);
                        // It goes over the spans four times.
                        work = Some(joining.stage_progress(went, 4, done));
                        if done {
                            let (trace, ordering) = (joining.tree.take(), joining.ordering.take());
                            if let Some((trace, ordering)) = trace.zip(ordering) {
                                self.traces
                                    .push(ordering.finish(trace, joining.linking.end_ns));
                            }
                        }
                        done
                    }
                    None => true,
                },
            };
            self.work += work.unwrap_or(spans);
            spent += spans;
            if !joined {
                self.joining = Some(joining);
            }
        }
        self.joining.is_none() && self.ids.is_empty()
    }

    /// How much of the joining is done, from 0 to 1.
    pub fn progress(&self) -> f64 {
        match self.total {
            0 => 1.0,
            total => self.work as f64 / total as f64,
        }
    }

    /// The joined traces (all of them once [`Finishing::step`] said so).
    pub fn finish(mut self) -> TraceSet {
        while !self.step(usize::MAX) {}
        let builder = self.builder;
        TraceSet {
            traces: self.traces,
            strings: builder.strings,
            warnings: builder.warnings.into_vec(),
            resources: builder.resources,
            scopes: builder.scopes,
        }
    }

    fn start_next(&mut self) -> Option<Joining> {
        let trace_id = self.ids.pop()?;
        let parts = self.builder.traces.remove(&trace_id).unwrap_or_default();
        Some(Joining {
            trace_id,
            spans: parts.spans.len(),
            parts,
            stage: Stage::Sort,
            sorting: None,
            stage_work: 0,
            cycles: None,
            nesting: Nesting::default(),
            ordering: None,
            moving: None,
            at: 0,
            by_id: HashMap::default(),
            shared: HashMap::default(),
            linking: Linking::default(),
            parents: Vec::new(),
            tree: None,
        })
    }
}

/// Adds `events` to the trace's events, their attributes to its attributes.
fn add_events(parts: &mut TraceParts, events: Vec<DecodedEvent>) {
    for event in events {
        let attributes = append(&mut parts.attributes, event.attributes);
        parts.events.push(Event {
            time_ns: event.time_ns,
            name: event.name,
            attributes,
            dropped_attributes: event.dropped_attributes,
        });
    }
}

fn append(all: &mut Vec<Attribute>, new: Vec<Attribute>) -> Range32 {
    let start = all.len() as u32;
    let len = new.len() as u32;
    all.extend(new);
    Range32 { start, len }
}

impl Joining {
    /// The progress a step of a stage that goes over the spans about
    /// `passes` times gives, having gone over `went` elements: its part of
    /// the stage's share (one span-stage), short of all of it until the
    /// stage is `done`, then the rest.
    fn stage_progress(&mut self, went: usize, passes: usize, done: bool) -> usize {
        let share = match done {
            true => self.spans.saturating_sub(self.stage_work),
            false => (went / passes).min(self.spans.saturating_sub(1 + self.stage_work)),
        };
        self.stage_work = match done {
            true => 0,
            false => self.stage_work + share,
        };
        share
    }

    /// The spans a bounded stage takes next, `budget` at most (at least
    /// one), from [`Joining::at`] on; moves `at` past them.
    fn next_part(&mut self, budget: usize) -> (usize, usize) {
        let from = self.at;
        let to = from.saturating_add(budget.max(1)).min(self.spans);
        self.at = to;
        (from, to)
    }
}

/// An id that a client span and the server span handling its call share
/// (Zipkin's B3 single-host joins): the server side hangs under the client
/// side, and a child naming the id goes to the side of its own service.
/// Several servers may answer one client's id (a message fanned out).
#[derive(Clone)]
struct SharedId {
    client: u32,
    servers: Vec<u32>,
}

/// Notes the first span of each id among `range` in `by_id`, and the
/// server side of an id shared by a client and its server in `shared`;
/// other spans that repeat an id are warned of.
fn index_ids(
    trace_id: TraceId,
    spans: &[Span],
    range: std::ops::Range<usize>,
    (by_id, shared): (&mut HashMap<SpanId, u32>, &mut HashMap<SpanId, SharedId>),
    strings: &Interner,
    warnings: &mut Warnings,
) {
    for index in range {
        let span = &spans[index];
        // Children attach to the first span with an id.
        let first = match by_id.entry(span.span_id) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index as u32);
                continue;
            }
            std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
        };
        let side = match shared.get_mut(&span.span_id) {
            // A further server answering the same client.
            Some(known) => match server_side(&spans[known.client as usize], span) {
                Some(true) => {
                    known.servers.push(index as u32);
                    continue;
                }
                _ => None,
            },
            None => server_side(&spans[first as usize], span),
        };
        match side {
            Some(server_is_second) => {
                let (client, server) = match server_is_second {
                    true => (first, index as u32),
                    false => (index as u32, first),
                };
                // Children with no side of their own go to the client.
                by_id.insert(span.span_id, client);
                let servers = vec![server];
                shared.insert(span.span_id, SharedId { client, servers });
            }
            None => warnings.push_from("a span id used twice", || {
                format!(
                    "trace {trace_id}: span id {} ({}) is used by more than one span; \
                     children attach to the first",
                    span.span_id,
                    strings.get(span.name)
                )
            }),
        }
    }
}

/// Whether two spans with one id are a client and the server handling its
/// call, and if so whether the server is `second`. As Zipkin's span-node
/// builder decides: the server side is the one marked shared (its parent
/// is remote), or, where neither is marked, a SERVER beside a CLIENT.
fn server_side(first: &Span, second: &Span) -> Option<bool> {
    use crate::model::SpanKind::{Client, Server};
    match (first.parent_is_remote(), second.parent_is_remote()) {
        (false, true) => Some(true),
        (true, false) => Some(false),
        _ => match (first.kind, second.kind) {
            (Client, Server) => Some(true),
            (Server, Client) => Some(false),
            _ => None,
        },
    }
}

/// What linking parents has found so far (see [`link_parents`]).
#[derive(Default)]
struct Linking {
    orphans: usize,
    first_orphan: Option<usize>,
    /// Whether some parent comes after its child: a cycle needs one, which
    /// spans sorted by start rarely have, and without one there is nothing
    /// to look for.
    parent_after_child: bool,
    /// The latest end.
    end_ns: u64,
}

/// Sets the parent index of each span in `range` (the spans before it are
/// linked), and pushes it onto `parents` ([`NO_PARENT`] for none; see
/// [`Joining::parents`]).
fn link_parents(
    spans: &mut [Span],
    range: std::ops::Range<usize>,
    (by_id, shared): (&HashMap<SpanId, u32>, &HashMap<SpanId, SharedId>),
    linking: &mut Linking,
    parents: &mut Vec<u32>,
) {
    for index in range {
        let span = &spans[index];
        let mut parent = span.parent_span_id.and_then(|p| by_id.get(&p).copied());
        if !shared.is_empty() {
            parent = shared_parent(spans, index, shared).or(parent);
        }
        let parent = parent.filter(|&p| p as usize != index);
        let span = &mut spans[index];
        if span.parent_span_id.is_some() && parent.is_none() {
            linking.orphans += 1;
            linking.first_orphan.get_or_insert(index);
        }
        linking.parent_after_child |= parent.is_some_and(|p| p as usize > index);
        span.parent = parent;
        parents.push(parent.unwrap_or(NO_PARENT));
        linking.end_ns = linking.end_ns.max(span.end_ns);
    }
}

/// Where a shared id decides span `index`'s parent: a server side of a
/// shared id hangs under its client side; a span naming a shared id as its
/// parent goes under the (first) server side of its own service (work that
/// server did), else under the client side. Zipkin tells servers apart by
/// their whole endpoint; services are what tracelens keeps.
fn shared_parent(spans: &[Span], index: usize, shared: &HashMap<SpanId, SharedId>) -> Option<u32> {
    let span = &spans[index];
    if let Some(pair) = shared.get(&span.span_id) {
        if pair.servers.contains(&(index as u32)) {
            return Some(pair.client);
        }
    }
    let pair = shared.get(&span.parent_span_id?)?;
    let own = |&&server: &&u32| spans[server as usize].service == span.service;
    Some(
        pair.servers
            .iter()
            .find(own)
            .copied()
            .unwrap_or(pair.client),
    )
}

impl Linking {
    /// Once every span is linked: orphans are warned of.
    fn warn_of_orphans(
        &self,
        trace_id: TraceId,
        spans: &[Span],
        strings: &Interner,
        warnings: &mut Warnings,
    ) {
        if let Some(first) = self.first_orphan {
            let span = &spans[first];
            warnings.push(format!(
                "trace {trace_id}: {} span(s) name a parent that is not in the input \
                 (first: span {} ({}), parent {}); each is shown as a root",
                self.orphans,
                span.span_id,
                strings.get(span.name),
                span.parent_span_id
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            ));
        }
    }
}

/// The children and roots of spans whose parents are linked, found a
/// bounded number of spans at a time: each span's children counted, the
/// ranges of one flat vector they take (in start order), then each span
/// placed in its parent's range or among the roots, a pass each (core
/// built for wasm32 took 6–7 ms for the three at a million spans, in node;
/// they grow with the spans, and at five million were the last stage of
/// joining done in one task).
#[derive(Default)]
struct Nesting {
    counts: Vec<u32>,
    child_ranges: Vec<(u32, u32)>,
    /// Where each span's next child goes.
    fill: Vec<u32>,
    children: Vec<u32>,
    roots: Vec<u32>,
    pass: NestingPass,
    /// The next span of the pass.
    at: usize,
}

#[derive(Clone, Copy, Default, PartialEq, Eq)]
enum NestingPass {
    #[default]
    Count,
    Ranges,
    Place,
    Done,
}

impl Nesting {
    /// Goes on for about `budget` spans over `parents` (each span's
    /// parent, [`NO_PARENT`] for none; the same each time): whether it is
    /// done, and how many spans it went over.
    fn step(&mut self, parents: &[u32], budget: usize) -> (bool, usize) {
        let len = parents.len();
        let budget = budget.max(1);
        let mut spent = 0;
        while spent < budget && self.pass != NestingPass::Done {
            if self.at == 0 && self.pass == NestingPass::Count {
                self.counts = vec![0; len];
            }
            let end = len.min(self.at.saturating_add(budget - spent));
            match self.pass {
                NestingPass::Count => {
                    for &p in &parents[self.at..end] {
                        if p != NO_PARENT {
                            self.counts[p as usize] += 1;
                        }
                    }
                }
                NestingPass::Ranges => {
                    let mut offset = self.child_ranges.last().map_or(0, |&(at, n)| at + n);
                    for &count in &self.counts[self.at..end] {
                        self.child_ranges.push((offset, count));
                        self.fill.push(offset);
                        offset += count;
                    }
                }
                NestingPass::Place => {
                    for (index, &p) in parents.iter().enumerate().take(end).skip(self.at) {
                        match p {
                            NO_PARENT => self.roots.push(index as u32),
                            p => {
                                self.children[self.fill[p as usize] as usize] = index as u32;
                                self.fill[p as usize] += 1;
                            }
                        }
                    }
                }
                NestingPass::Done => unreachable!("the loop stops first"),
            }
            spent += end - self.at;
            self.at = end;
            if end == len {
                self.at = 0;
                self.pass = match self.pass {
                    NestingPass::Count => {
                        self.child_ranges = Vec::with_capacity(len);
                        self.fill = Vec::with_capacity(len);
                        NestingPass::Ranges
                    }
                    NestingPass::Ranges => {
                        self.counts = Vec::new();
                        let total = self.child_ranges.last().map_or(0, |&(at, n)| at + n);
                        self.children = vec![0; total as usize];
                        NestingPass::Place
                    }
                    _ => NestingPass::Done,
                };
            }
        }
        (self.pass == NestingPass::Done, spent)
    }

    /// The trace, its tree order still to walk ([`TreeOrdering`]), once
    /// [`Nesting::step`] said so.
    fn finish(
        self,
        trace_id: TraceId,
        parts: TraceParts,
        strings: &Interner,
        warnings: &mut Warnings,
    ) -> Trace {
        let roots = self.roots;
        if roots.len() > 1 {
            let names: Vec<String> = roots
                .iter()
                .take(3)
                .map(|&r| {
                    let span = &parts.spans[r as usize];
                    format!("{} ({})", span.span_id, strings.get(span.name))
                })
                .collect();
            warnings.push(format!(
                "trace {trace_id} has {} roots ({}{}); each has its own critical path, and the \
                     breakdown follows the earliest root without a parent id",
                roots.len(),
                names.join(", "),
                if roots.len() > 3 { ", …" } else { "" }
            ));
        }
        Trace::new(trace_id, parts, roots, self.children, self.child_ranges)
    }
}

/// The order the spans go in, by start, then longest first, then id,
/// found a bounded number of spans at a time: `starts` (each span's start
/// and index) is sorted in chunks, the chunks merged pairwise, then each
/// run of equal starts sorted by the whole key.
struct Sorting {
    order: Vec<(u64, u32)>,
    spare: Vec<(u64, u32)>,
    /// A run of tied starts being sorted by the whole key, with the key.
    tied: Vec<(SortKey, u32)>,
    phase: SortPhase,
    /// The first element not done yet in this phase (or pass).
    at: usize,
    /// The sorted runs' length while merging.
    width: usize,
    /// How far into the pair of runs at `at` merging is, in each run.
    merged: (usize, usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SortPhase {
    /// Already in order: nothing to do.
    Sorted,
    Chunks,
    Merge,
    Ties,
    Done,
}

/// Elements a chunk holds at least: below it, chunks and passes cost more
/// than they save.
const SORT_CHUNK: usize = 1 << 16;

impl Sorting {
    fn new(spans: &[Span], starts: Vec<(u64, u32)>) -> Self {
        let sorted =
            starts.is_sorted_by_key(|&(start, _)| start) && spans.is_sorted_by_key(sort_key);
        Self {
            order: starts,
            spare: Vec::new(),
            tied: Vec::new(),
            phase: if sorted {
                SortPhase::Sorted
            } else {
                SortPhase::Chunks
            },
            at: 0,
            width: 0,
            merged: (0, 0),
        }
    }

    /// Sorts on for about `budget` elements: whether it is done, and how
    /// many elements it went over.
    fn step(&mut self, spans: &[Span], budget: usize) -> (bool, usize) {
        let len = self.order.len();
        let chunk = budget.max(SORT_CHUNK);
        let mut spent = 0;
        while spent < budget.max(1) {
            match self.phase {
                SortPhase::Sorted | SortPhase::Done => return (true, spent),
                // A radix sort, stable (equal starts stay in input order)
                // and over only the bytes in which starts differ (a
                // trace's starts share their high bytes).
                SortPhase::Chunks => {
                    let end = (self.at + chunk).min(len);
                    radsort::sort_by_key(&mut self.order[self.at..end], |&(start, _)| start);
                    spent += end - self.at;
                    self.at = end;
                    if end == len {
                        (self.phase, self.at, self.width) = (SortPhase::Merge, 0, chunk);
                        self.spare = Vec::with_capacity(len);
                    }
                }
                // Bottom-up, a pair of runs a time, the left first on ties
                // (stable).
                SortPhase::Merge => {
                    if self.width >= len {
                        self.spare = Vec::new();
                        (self.phase, self.at) = (SortPhase::Ties, 0);
                        continue;
                    }
                    let middle = (self.at + self.width).min(len);
                    let end = (middle + self.width).min(len);
                    let (left, right) = (&self.order[self.at..middle], &self.order[middle..end]);
                    let room = budget.max(1) - spent;
                    let before = self.merged.0 + self.merged.1;
                    let done = merge(left, right, &mut self.merged, room, &mut self.spare);
                    spent += self.merged.0 + self.merged.1 - before;
                    if !done {
                        continue;
                    }
                    (self.at, self.merged) = (end, (0, 0));
                    if end == len {
                        std::mem::swap(&mut self.order, &mut self.spare);
                        self.spare.clear();
                        (self.at, self.width) = (0, self.width * 2);
                    }
                }
                // Starts rarely tie: each run of equal starts is sorted by
                // the whole key.
                SortPhase::Ties => {
                    let end = (self.at + chunk).min(len);
                    let mut at = self.at;
                    while at < end {
                        let start = self.order[at].0;
                        // Runs are short: a scan, not a binary search over
                        // the rest (which cost more than the merging).
                        let run = self.order[at..]
                            .iter()
                            .take_while(|&&(s, _)| s == start)
                            .count();
                        if run > 1 {
                            // Each tied span's key read once (the spans lie
                            // apart in memory), not at each comparison.
                            let tied = &mut self.tied;
                            tied.clear();
                            tied.extend(
                                self.order[at..at + run]
                                    .iter()
                                    .map(|&(_, index)| (sort_key(&spans[index as usize]), index)),
                            );
                            tied.sort_unstable();
                            for (slot, &(_, index)) in
                                self.order[at..at + run].iter_mut().zip(&*tied)
                            {
                                slot.1 = index;
                            }
                        }
                        at += run;
                    }
                    spent += at - self.at;
                    self.at = at;
                    if at >= len {
                        self.phase = SortPhase::Done;
                    }
                }
            }
        }
        (
            matches!(self.phase, SortPhase::Sorted | SortPhase::Done),
            spent,
        )
    }

    /// The span indices in order, once done (`None`: they already were).
    fn order(self) -> Option<Vec<u32>> {
        (self.phase != SortPhase::Sorted)
            .then(|| self.order.into_iter().map(|(_, index)| index).collect())
    }
}

/// The order of spans: by start, then longest first, then id (as integers:
/// comparing the id as a byte array costs several times more).
type SortKey = (u64, Reverse<u64>, u64);

/// A span's [`SortKey`].
fn sort_key(s: &Span) -> SortKey {
    (
        s.start_ns,
        Reverse(s.end_ns),
        u64::from_be_bytes(s.span_id.0),
    )
}

/// Appends up to `room` more of `left` and `right` (each sorted by
/// start) merged, stable, going on from `(i, j)`: whether all is merged.
fn merge(
    left: &[(u64, u32)],
    right: &[(u64, u32)],
    (i, j): &mut (usize, usize),
    room: usize,
    out: &mut Vec<(u64, u32)>,
) -> bool {
    let stop = (*i + *j + room).min(left.len() + right.len());
    while *i + *j < stop && *i < left.len() && *j < right.len() {
        if right[*j].0 < left[*i].0 {
            out.push(right[*j]);
            *j += 1;
        } else {
            out.push(left[*i]);
            *i += 1;
        }
    }
    let rest = stop - (*i + *j);
    if *i == left.len() {
        out.extend_from_slice(&right[*j..*j + rest]);
        *j += rest;
    } else if *j == right.len() {
        out.extend_from_slice(&left[*i..*i + rest]);
        *i += rest;
    }
    *i == left.len() && *j == right.len()
}

#[cfg(test)]
fn sorted_order(spans: &[Span], starts: Vec<(u64, u32)>) -> Option<Vec<u32>> {
    let mut sorting = Sorting::new(spans, starts);
    while !sorting.step(spans, 1000).0 {}
    sorting.order()
}

/// Spans being moved to their places, in place, along the cycles of the
/// permutation `source` (from [`sorted_order`]: `source[i]` is the span
/// that goes to `i`), a bounded number at a time.
struct Moving {
    source: Vec<u32>,
    /// Where to look for the next cycle.
    next: usize,
    /// The cycle being followed: the span taken out of its start (it goes
    /// where the cycle closes), the start, and the place to fill next.
    cycle: Option<(Span, usize, usize)>,
    /// Spans put in their places so far.
    moved: usize,
}

impl Moving {
    fn new(source: Vec<u32>) -> Self {
        Self {
            source,
            next: 0,
            cycle: None,
            moved: 0,
        }
    }

    /// Puts about `budget` more spans in place; true once all are.
    fn step(&mut self, spans: &mut [Span], budget: usize) -> bool {
        let until = self.moved.saturating_add(budget.max(1));
        loop {
            if let Some((held, start, mut at)) = self.cycle.take() {
                loop {
                    let from = self.source[at] as usize;
                    self.source[at] = at as u32;
                    self.moved += 1;
                    if from == start {
                        spans[at] = held;
                        break;
                    }
                    spans[at] = spans[from].clone();
                    at = from;
                    if self.moved >= until {
                        self.cycle = Some((held, start, at));
                        return false;
                    }
                }
            }
            while self
                .source
                .get(self.next)
                .is_some_and(|&s| s as usize == self.next)
            {
                self.next += 1;
            }
            if self.next == spans.len() {
                return true;
            }
            self.cycle = Some((spans[self.next].clone(), self.next, self.next));
            if self.moved >= until {
                return false;
            }
        }
    }
}

/// Moves each span to its place at once (see [`Moving`]).
#[cfg(test)]
fn move_into_order(spans: &mut [Span], source: Vec<u32>) {
    let mut moving = Moving::new(source);
    while !moving.step(spans, usize::MAX) {}
}

/// Parent links that form a cycle cut, so every span hangs below a root,
/// a bounded number of spans at a time: from each span in turn its
/// ancestors are walked until a root, a span walked before, or a span on
/// the walk itself (a cycle, cut there: the span becomes a root).
struct Cycles {
    state: Vec<u8>,
    /// The spans of the walk in hand.
    path: Vec<usize>,
    /// The walk's next span, if one is in hand.
    walking: Option<usize>,
    /// The span the next walk starts from.
    next: usize,
}

/// [`Cycles::state`]: not walked yet, on the walk in hand, walked.
const UNSEEN: u8 = 0;
const ON_PATH: u8 = 1;
const DONE: u8 = 2;

impl Cycles {
    fn new(spans: usize) -> Self {
        Self {
            state: vec![UNSEEN; spans],
            path: Vec::new(),
            walking: None,
            next: 0,
        }
    }

    /// Goes on for about `budget` spans: whether all are done, and how
    /// many it went over.
    fn step(
        &mut self,
        trace_id: TraceId,
        (spans, parents): (&mut [Span], &mut [u32]),
        (strings, warnings): (&Interner, &mut Warnings),
        budget: usize,
    ) -> (bool, usize) {
        let mut went = 0;
        while went < budget.max(1) {
            let current = match self.walking.take() {
                Some(current) => current,
                None if self.next == spans.len() => return (true, went),
                None => {
                    self.next += 1;
                    self.next - 1
                }
            };
            went += 1;
            if self.state[current] != UNSEEN {
                self.end_walk();
                continue;
            }
            self.state[current] = ON_PATH;
            self.path.push(current);
            match spans[current].parent.map(|p| p as usize) {
                Some(parent) if self.state[parent] == ON_PATH => {
                    warnings.push(format!(
                        "trace {trace_id}: span {} ({}) is its own ancestor (a parent cycle); \
                         it is shown as a root",
                        spans[current].span_id,
                        strings.get(spans[current].name)
                    ));
                    spans[current].parent = None;
                    parents[current] = NO_PARENT;
                    self.end_walk();
                }
                Some(parent) => self.walking = Some(parent),
                None => self.end_walk(),
            }
        }
        (self.next == spans.len() && self.walking.is_none(), went)
    }

    /// The walk in hand is over: its spans are walked.
    fn end_walk(&mut self) {
        for &walked in &self.path {
            self.state[walked] = DONE;
        }
        self.path.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{move_into_order, sort_key, sorted_order, Cycles, Moving, Sorting, NO_PARENT};
    use crate::ids::SpanId;
    use crate::ids::TraceId;
    use crate::intern::Interner;
    use crate::model::Span;
    use crate::warnings::Warnings;

    fn span(id: u8, start_ns: u64, end_ns: u64) -> Span {
        Span {
            span_id: SpanId([0, 0, 0, 0, 0, 0, 0, id]),
            start_ns,
            end_ns,
            ..Span::default()
        }
    }

    #[test]
    fn spans_moved_a_few_at_a_time_end_where_they_belong() {
        // Starts in a scrambled order: long cycles and some fixed points.
        let starts: Vec<u64> = (0..1000u64).map(|i| (i * 7919) % 1000 / 3).collect();
        let spans: Vec<Span> = starts
            .iter()
            .enumerate()
            .map(|(i, &start)| span(i as u8, start, start + i as u64))
            .collect();
        let order = spans.iter().enumerate();
        let order = order.map(|(i, s)| (s.start_ns, i as u32)).collect();
        let source = sorted_order(&spans, order).expect("out of order");
        let mut at_once = spans.clone();
        move_into_order(&mut at_once, source.clone());
        let mut stepped = spans;
        let mut moving = Moving::new(source);
        let mut steps = 0;
        while !moving.step(&mut stepped, 7) {
            steps += 1;
        }
        assert!(steps > 100, "{steps} steps");
        assert!(moving.moved <= 1000);
        let key = |s: &Span| (s.start_ns, s.end_ns, s.span_id);
        assert_eq!(
            stepped.iter().map(key).collect::<Vec<_>>(),
            at_once.iter().map(key).collect::<Vec<_>>()
        );
        assert!(stepped.is_sorted_by_key(|s| s.start_ns));
    }

    /// Sorted a few thousand spans a step, in chunks merged pairwise: the
    /// order a single sort of the whole key gives, ties kept in input order.
    #[test]
    fn a_sort_in_steps_gives_the_order_of_one_sort() {
        let count = 300_003u32;
        let spans: Vec<Span> = (0..count)
            .map(|i| {
                // Many tied starts, ties on ends, and a few equal ids.
                let start = u64::from(i.wrapping_mul(2_654_435_761) % 50_000);
                span((i % 251) as u8, start, start + u64::from(i % 7))
            })
            .collect();
        let starts: Vec<(u64, u32)> = spans
            .iter()
            .zip(0..)
            .map(|(s, i)| (s.start_ns, i))
            .collect();
        let mut expected: Vec<u32> = (0..count).collect();
        expected.sort_by_key(|&i| (sort_key(&spans[i as usize]), i));
        let mut sorting = Sorting::new(&spans, starts);
        let mut steps = 0;
        loop {
            let (done, sorted) = sorting.step(&spans, 5_000);
            assert!(sorted <= 1 << 17, "{sorted} elements in one step");
            steps += 1;
            if done {
                break;
            }
        }
        assert!(steps > 10, "{steps} steps");
        assert_eq!(sorting.order(), Some(expected));
    }

    #[test]
    fn a_scope_named_again_is_the_one_registered_before() {
        use super::TraceSetBuilder;
        use crate::attributes::{Attribute, Scope, Value};
        let mut builder = TraceSetBuilder::default();
        let scope = |builder: &mut TraceSetBuilder, name: &str, version: &str| Scope {
            name: builder.intern(name),
            version: builder.intern(version),
            attributes: Vec::new(),
        };
        let a = scope(&mut builder, "a", "1");
        let a = builder.scope(a);
        let b = scope(&mut builder, "b", "1");
        let b = builder.scope(b);
        let a_again = scope(&mut builder, "a", "1");
        let a_newer = scope(&mut builder, "a", "2");
        assert_ne!(a, b);
        assert_eq!(builder.scope(a_again.clone()), a);
        assert_eq!(builder.scope(a_again), a, "the last one again");
        let newer = builder.scope(a_newer);
        assert!(![a, b].contains(&newer));
        // The same name and version with attributes is another scope, and
        // the one without is still itself after it.
        let mut with = scope(&mut builder, "a", "2");
        let key = builder.intern("k");
        with.attributes.push(Attribute {
            key,
            value: Value::Int(1),
        });
        let with = builder.scope(with);
        assert!(![a, b, newer].contains(&with));
        let plain = scope(&mut builder, "a", "2");
        assert_eq!(builder.scope(plain), newer);
    }

    #[test]
    fn spans_sort_by_start_then_longest_then_id() {
        let mut spans = vec![
            span(5, 30, 31),
            span(4, 10, 20),
            span(3, 10, 40),
            span(9, 20, 25),
            span(2, 10, 20),
            span(1, 0, 100),
        ];
        let starts = |spans: &[Span]| {
            let starts = spans.iter().enumerate();
            starts
                .map(|(index, span)| (span.start_ns, index as u32))
                .collect()
        };
        let source = sorted_order(&spans, starts(&spans)).expect("out of order");
        move_into_order(&mut spans, source);
        let ids: Vec<u8> = spans.iter().map(|s| s.span_id.0[7]).collect();
        assert_eq!(ids, [1, 3, 2, 4, 9, 5]);
        assert_eq!(sorted_order(&spans, starts(&spans)), None);
        // Starts in order, ties not: sorted all the same.
        let mut tied = vec![span(2, 10, 20), span(1, 10, 20), span(3, 10, 30)];
        let source = sorted_order(&tied, starts(&tied)).expect("out of order");
        move_into_order(&mut tied, source);
        let ids: Vec<u8> = tied.iter().map(|s| s.span_id.0[7]).collect();
        assert_eq!(ids, [3, 1, 2]);
    }

    /// Many tied starts, in runs of every length, across the chunks and
    /// merges of the stepped sort: the order a plain sort of the whole key
    /// gives.
    #[test]
    fn tied_starts_sort_by_the_whole_key() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let spans: Vec<Span> = (0..200_000)
            .map(|_| {
                let start = next() % 50_000;
                Span {
                    span_id: SpanId((next() % 1_000).to_be_bytes()),
                    start_ns: start,
                    end_ns: start + next() % 4,
                    ..Span::default()
                }
            })
            .collect();
        let starts = spans
            .iter()
            .enumerate()
            .map(|(index, span)| (span.start_ns, index as u32))
            .collect();
        let order = sorted_order(&spans, starts).expect("out of order");
        let mut expected: Vec<u32> = (0..spans.len() as u32).collect();
        expected.sort_by_key(|&index| (sort_key(&spans[index as usize]), index));
        assert_eq!(order, expected);
    }

    /// One trace of `count` spans as OTLP/JSON, span `id` (from 1) under
    /// span `id / 2`, starting and ending at `times(id)`. Its resource
    /// comes first, as exporters write it, so its spans are read as they
    /// come.
    fn one_trace_json(count: u64, times: impl Fn(u64) -> (u64, u64)) -> String {
        let spans: Vec<String> = (1..=count)
            .map(|id| {
                let parent = (id > 1).then(|| format!(r#""parentSpanId":"{:016x}","#, id / 2));
                let (start, end) = times(id);
                format!(
                    r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{id:016x}",{}"name":"s","startTimeUnixNano":"{start}","endTimeUnixNano":"{end}"}}"#,
                    parent.unwrap_or_default(),
                )
            })
            .collect();
        format!(
            r#"{{"resourceSpans":[{{"resource":{{"attributes":[]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        )
    }

    /// Every stage of joining goes in steps of the budget, building the
    /// tree and putting it in order too (three and four passes over the
    /// spans): in steps of one span, 5,000 spans take more than nine steps
    /// a span (moving, indexing, linking, the tree's three passes, the
    /// order's four). Built and ordered in steps of any size, the tree is
    /// the one joining at once builds: order, depths and subtree sizes.
    #[test]
    fn the_tree_is_built_and_ordered_in_steps_of_the_budget() {
        let json = one_trace_json(5_000, |id| ((id * 7919) % 5_000, 10_000 - id));
        let tree = |set: &super::TraceSet| {
            let trace = &set.traces[0];
            let depths: Vec<u32> = trace.spans.iter().map(|s| s.depth).collect();
            let below: Vec<u32> = (0..5_000).map(|i| trace.descendants(i)).collect();
            (trace.depth_first().to_vec(), depths, below)
        };
        let mut builder = super::TraceSetBuilder::default();
        builder.add(json.as_bytes()).unwrap();
        let at_once = tree(&builder.finish());
        assert_eq!(at_once.1.iter().max(), Some(&12));
        for budget in [1, 700, 1_300, 3_000, 4_500] {
            let mut builder = super::TraceSetBuilder::default();
            builder.add(json.as_bytes()).unwrap();
            let mut finishing = builder.finishing();
            let mut steps = 1;
            while !finishing.step(budget) {
                steps += 1;
            }
            if budget == 1 {
                assert!(steps > 9 * 5_000, "{steps} steps");
            }
            assert_eq!(tree(&finishing.finish()), at_once, "budget {budget}");
        }
    }

    /// A big trace read in steps asks for room for the spans still to come
    /// before its vectors are full (so that a page can make it at the
    /// start of a frame), once; made when asked, that room holds the rest,
    /// and the spans read are the ones read at once.
    #[test]
    fn room_for_the_spans_to_come_is_asked_for_before_it_is_made() {
        let json = one_trace_json(20_000, |id| (id, 40_000 - id));
        let mut builder = super::TraceSetBuilder::default();
        builder.add(json.as_bytes()).unwrap();
        let at_once = builder.finish();

        let mut builder = super::TraceSetBuilder::default();
        let mut load = builder.start(json.into_bytes()).unwrap();
        let capacity = |builder: &super::TraceSetBuilder| {
            builder.traces.values().map(|p| p.spans.capacity()).max()
        };
        let (mut asked_at, mut capacities) = (Vec::new(), Vec::new());
        loop {
            if builder.room_wanted() {
                asked_at.push(builder.span_total());
                builder.make_room();
                assert!(!builder.room_wanted(), "asked again at once");
            }
            if capacities.last() != Some(&capacity(&builder)) {
                capacities.push(capacity(&builder));
            }
            if let Some(outcome) = builder.advance(&mut load, 4_096) {
                outcome.unwrap();
                break;
            }
        }
        assert_eq!(asked_at.len(), 1, "asked at {asked_at:?}");
        assert!((512..1024).contains(&asked_at[0]), "asked at {asked_at:?}");
        // Doubling up to the first few hundred spans, then one room for
        // all the rest.
        let big: Vec<usize> = capacities
            .iter()
            .flatten()
            .copied()
            .filter(|&c| c > 1024)
            .collect();
        assert_eq!(big.len(), 1, "{capacities:?}");
        assert!((20_000..24_000).contains(&big[0]), "{capacities:?}");
        let stepped = builder.finish();
        assert_eq!(stepped.traces[0].briefs(), at_once.traces[0].briefs());
        assert_eq!(
            stepped.traces[0].depth_first(),
            at_once.traces[0].depth_first()
        );
    }

    /// Cycles of 1, 2 and 997 spans among chains and roots, cut in steps
    /// of any size: the same links cut and warned of as at once, and no
    /// step going over many more spans than its budget.
    #[test]
    fn cycles_cut_a_few_spans_at_a_time_are_the_ones_cut_at_once() {
        let len = 3_000usize;
        let parent_of = |i: usize| -> Option<u32> {
            match i {
                0 | 2_500 => None,
                7 => Some(7),
                10 => Some(11),
                11 => Some(10),
                // 1,000..1,997 a ring, entered from 2,999 down.
                1_000 => Some(1_996),
                i if (1_001..1_997).contains(&i) => Some(i as u32 - 1),
                i => Some(i as u32 - 1),
            }
        };
        let cut = |budget: usize| {
            let mut spans: Vec<Span> = (0..len)
                .map(|i| Span {
                    parent: parent_of(i),
                    ..span((i % 250) as u8, i as u64, i as u64 + 1)
                })
                .collect();
            let mut parents: Vec<u32> = spans
                .iter()
                .map(|s| s.parent.unwrap_or(NO_PARENT))
                .collect();
            let (strings, mut warnings) = (Interner::default(), Warnings::default());
            let mut cycles = Cycles::new(len);
            let mut steps = 0;
            loop {
                let (done, went) = cycles.step(
                    TraceId([1; 16]),
                    (&mut spans, &mut parents),
                    (&strings, &mut warnings),
                    budget,
                );
                assert!(went <= budget.max(1), "{went} spans in a step of {budget}");
                steps += 1;
                if done {
                    break;
                }
            }
            let roots: Vec<usize> = (0..len).filter(|&i| spans[i].parent.is_none()).collect();
            assert!(roots.iter().all(|&r| parents[r] == NO_PARENT));
            (roots, warnings.into_vec().len(), steps)
        };
        let (roots, warned, _) = cut(usize::MAX);
        // The three cycles cut once each, beside the two true roots.
        assert_eq!(roots.len(), 5, "{roots:?}");
        assert_eq!(warned, 3);
        for budget in [1, 7, 100] {
            let (stepped, warned_stepped, steps) = cut(budget);
            assert_eq!(stepped, roots, "steps of {budget}");
            assert_eq!(warned_stepped, warned);
            assert!(steps >= len / budget, "{steps} steps of {budget}");
        }
    }
}
