//! The trace model, built for millions of spans: spans in flat vectors
//! indexed by `u32`, strings interned, children as index ranges, times in
//! `u64` nanoseconds.

use std::fmt;

use crate::attributes::{Attribute, Event, Link, Range32, Resource, Scope};
use crate::ids::{SpanId, TraceId};
use crate::intern::{Interner, Sym};

/// What role a span plays, as OpenTelemetry's `SpanKind` defines it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum SpanKind {
    /// Not given by the input.
    #[default]
    Unspecified,
    /// Internal work of one service.
    Internal,
    /// The server side of a synchronous call.
    Server,
    /// The client side of a synchronous call.
    Client,
    /// The sender of an asynchronous message.
    Producer,
    /// The receiver of an asynchronous message.
    Consumer,
}

/// A span's status code.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum StatusCode {
    /// Not set by the instrumentation.
    #[default]
    Unset,
    /// Explicitly successful.
    Ok,
    /// Failed.
    Error,
}

/// One span of a [`Trace`]. Its attributes, events and links live in the
/// trace's shared vectors; the ranges here index them.
#[derive(Clone, Debug, Default)]
pub struct Span {
    /// The span's id.
    pub span_id: SpanId,
    /// The parent's id as the input wrote it; `None` for a true root.
    pub parent_span_id: Option<SpanId>,
    /// Index of the parent in [`Trace::spans`], when it is in the trace.
    pub parent: Option<u32>,
    /// The operation name.
    pub name: Sym,
    /// The `service.name` of the span's resource.
    pub service: Sym,
    /// The span's kind.
    pub kind: SpanKind,
    /// Whether the span hangs under its parent by Jaeger's FOLLOWS_FROM
    /// reference alone: the parent does not wait for it, so the critical
    /// path sets it aside as it does a consumer under a producer.
    pub follows_from: bool,
    /// The span's status code.
    pub status: StatusCode,
    /// Start, Unix nanoseconds.
    pub start_ns: u64,
    /// End, Unix nanoseconds; never before `start_ns` (ingest clamps it).
    pub end_ns: u64,
    /// Nesting depth below its root (roots are 0).
    pub depth: u32,
    /// Index into [`TraceSet::resources`].
    pub resource: u32,
    /// Index into [`TraceSet::scopes`].
    pub scope: u32,
    /// The status message, if any.
    pub status_message: Sym,
    /// The W3C trace state.
    pub trace_state: Sym,
    /// OTLP span flags (sampled bit, remote-parent bits).
    pub flags: u32,
    /// The span's attributes in [`Trace::attributes`].
    pub attributes: Range32,
    /// The span's events in [`Trace::events`].
    pub events: Range32,
    /// The span's links in [`Trace::links`].
    pub links: Range32,
    /// Attributes the producer dropped.
    pub dropped_attributes: u32,
    /// Events the producer dropped.
    pub dropped_events: u32,
    /// Links the producer dropped.
    pub dropped_links: u32,
}

/// OTLP's span flags that say the span's parent is in another process
/// (`SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE` and `SPAN_FLAGS_CONTEXT_IS_REMOTE`).
/// Zipkin's `"shared": true` server span, which shares its client's id,
/// carries them too.
pub const FLAGS_PARENT_IS_REMOTE: u32 = 0x300;

impl Span {
    /// Whether the input says the span's parent is in another process.
    pub fn parent_is_remote(&self) -> bool {
        self.flags & FLAGS_PARENT_IS_REMOTE == FLAGS_PARENT_IS_REMOTE
    }

    /// End minus start, in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns - self.start_ns
    }
}

/// A span in brief: what the analyses that go over every span read of
/// it, side by side with the others' (32 bytes, against the whole span's
/// 112). At a million spans reading the whole spans once was half of the
/// critical path and breakdown's time, and twice as much a span as at
/// 10k, where they fit the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanBrief {
    /// Start, Unix nanoseconds.
    pub start_ns: u64,
    /// End, Unix nanoseconds.
    pub end_ns: u64,
    /// Index of the parent in [`Trace::spans`]; [`SpanBrief::NO_PARENT`]
    /// when it has none in the trace.
    pub parent: u32,
    /// The operation name.
    pub name: Sym,
    /// The `service.name` of the span's resource.
    pub service: Sym,
    /// The span's kind.
    pub kind: SpanKind,
    /// Whether it hangs under its parent by FOLLOWS_FROM alone.
    pub follows_from: bool,
}

impl SpanBrief {
    /// [`SpanBrief::parent`] of a span without a parent in the trace.
    pub const NO_PARENT: u32 = NO_PARENT;

    fn of(span: &Span) -> Self {
        Self {
            start_ns: span.start_ns,
            end_ns: span.end_ns,
            parent: span.parent.unwrap_or(NO_PARENT),
            name: span.name,
            service: span.service,
            kind: span.kind,
            follows_from: span.follows_from,
        }
    }

    /// The parent's index, if the parent is in the trace.
    pub fn parent(&self) -> Option<u32> {
        Some(self.parent).filter(|&p| p != NO_PARENT)
    }

    /// End minus start, in nanoseconds.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns - self.start_ns
    }
}

/// All spans of one trace id, sorted by start time.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The trace's id.
    pub trace_id: TraceId,
    /// The spans, sorted by start time (longer first on ties), so a parent
    /// always precedes the children that start with it.
    pub spans: Vec<Span>,
    /// Spans with no parent in the trace, in start order: the true roots
    /// and the orphans whose parent was never exported.
    pub roots: Vec<u32>,
    /// Attributes of all spans, events and links of the trace.
    pub attributes: Vec<Attribute>,
    /// Events of all spans of the trace.
    pub events: Vec<Event>,
    /// Links of all spans of the trace.
    pub links: Vec<Link>,
    children: Vec<u32>,
    child_ranges: Vec<(u32, u32)>,
    /// Every span in tree order, walked once at assembly: the views and
    /// the depths all need it, and at a million spans a walk costs 100 ms
    /// in the browser.
    tree_order: Vec<u32>,
    /// Spans below each span (its subtree without itself).
    below: Vec<u32>,
    /// Each span in brief, indexed like `spans`: written at assembly,
    /// with the depths (the spans are gone over then anyway).
    briefs: Vec<SpanBrief>,
    /// The latest span end, found at assembly (the views ask on every
    /// frame, and a scan of a million spans costs milliseconds).
    end_ns: u64,
}

/// In a vector of parent indices, as assembly keeps them beside the
/// spans: the span has no parent in the trace.
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// A trace's spans with their details, as ingest hands them to assembly.
#[derive(Clone, Default)]
pub(crate) struct TraceParts {
    pub spans: Vec<Span>,
    /// Each span's start and index, noted as it comes: sorting them then
    /// needs no walk over the spans (a walk that reads a cache line per
    /// span, 2 ms at 100k spans).
    pub starts: Vec<(u64, u32)>,
    pub attributes: Vec<Attribute>,
    pub events: Vec<Event>,
    pub links: Vec<Link>,
}

impl Trace {
    pub(crate) fn new(
        trace_id: TraceId,
        parts: TraceParts,
        roots: Vec<u32>,
        children: Vec<u32>,
        child_ranges: Vec<(u32, u32)>,
    ) -> Self {
        Self {
            trace_id,
            spans: parts.spans,
            roots,
            attributes: parts.attributes,
            events: parts.events,
            links: parts.links,
            children,
            child_ranges,
            tree_order: Vec::new(),
            below: Vec::new(),
            briefs: Vec::new(),
            end_ns: 0,
        }
    }

    /// Every span in brief, indexed like [`Trace::spans`]: what to read
    /// when going over all of them for their times, parents and names.
    pub fn briefs(&self) -> &[SpanBrief] {
        &self.briefs
    }

    /// The attributes of span `index`.
    pub fn span_attributes(&self, index: u32) -> &[Attribute] {
        &self.attributes[self.spans[index as usize].attributes.as_range()]
    }

    /// The events of span `index`, in the order the input gave them.
    pub fn span_events(&self, index: u32) -> &[Event] {
        &self.events[self.spans[index as usize].events.as_range()]
    }

    /// The links of span `index`.
    pub fn span_links(&self, index: u32) -> &[Link] {
        &self.links[self.spans[index as usize].links.as_range()]
    }

    /// The attributes an event or link refers to.
    pub fn attributes_in(&self, range: Range32) -> &[Attribute] {
        &self.attributes[range.as_range()]
    }

    /// Indices of the children of span `index`, in start order.
    pub fn children(&self, index: u32) -> &[u32] {
        let (start, len) = self.child_ranges[index as usize];
        &self.children[start as usize..(start + len) as usize]
    }

    /// The index of the first span with id `id` (the one children attach
    /// to), if the trace has it.
    pub fn span_index(&self, id: SpanId) -> Option<u32> {
        self.spans
            .iter()
            .position(|s| s.span_id == id)
            .map(|i| i as u32)
    }

    /// How many spans are below span `index` (its subtree without itself).
    pub fn descendants(&self, index: u32) -> u32 {
        self.below[index as usize]
    }

    /// Earliest span start, Unix nanoseconds: the first span's, as spans
    /// are sorted by start.
    pub fn start_ns(&self) -> u64 {
        self.spans.first().map_or(0, |s| s.start_ns)
    }

    /// Latest span end, Unix nanoseconds.
    pub fn end_ns(&self) -> u64 {
        self.end_ns
    }

    /// Trace duration: latest span end minus earliest span start.
    pub fn duration_ns(&self) -> u64 {
        self.end_ns().saturating_sub(self.start_ns())
    }

    /// The root that stands for the trace: the earliest true root (no
    /// parent id at all), else the earliest root.
    pub fn main_root(&self) -> Option<u32> {
        self.roots
            .iter()
            .copied()
            .find(|&r| self.spans[r as usize].parent_span_id.is_none())
            .or_else(|| self.roots.first().copied())
    }

    /// Spans in depth-first order (each parent before its subtree, siblings
    /// in start order), computed without recursion.
    pub fn depth_first(&self) -> &[u32] {
        &self.tree_order
    }
}

/// A trace's tree order, found without recursion a bounded number of
/// spans at a time: the walk (each parent before its subtree, siblings in
/// start order), each span's depth, the depths written into the spans
/// (and the spans' briefs written beside them), and what each span has
/// below it, each a pass of its own (at a million
/// spans the four took 44 ms at once in the browser). A trace is whole
/// only once this is done. The passes keep to small vectors and write
/// into the spans once, in order.
pub(crate) struct TreeOrdering {
    order: Vec<u32>,
    /// The walk's spans still to visit, the next last.
    stack: Vec<u32>,
    depths: Vec<u32>,
    below: Vec<u32>,
    briefs: Vec<SpanBrief>,
    pass: OrderPass,
    /// The next span (or place in the order) of the pass.
    at: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum OrderPass {
    Walk,
    Depths,
    Write,
    Below,
    Done,
}

impl TreeOrdering {
    pub(crate) fn new(trace: &Trace) -> Self {
        Self {
            order: Vec::with_capacity(trace.spans.len()),
            stack: trace.roots.iter().rev().copied().collect(),
            depths: Vec::new(),
            below: Vec::new(),
            briefs: Vec::new(),
            pass: OrderPass::Walk,
            at: 0,
        }
    }

    /// Goes on for about `budget` spans on `trace` (the same trace each
    /// time), whose spans' parents are `parents` ([`NO_PARENT`] for none):
    /// whether it is done, and how many spans it went over.
    pub(crate) fn step(
        &mut self,
        trace: &mut Trace,
        parents: &[u32],
        budget: usize,
    ) -> (bool, usize) {
        let len = trace.spans.len();
        let parent = |index: u32| Some(parents[index as usize]).filter(|&p| p != NO_PARENT);
        let budget = budget.max(1);
        let mut spent = 0;
        while spent < budget {
            // The order holds every span reached from a root.
            let pass_len = match self.pass {
                OrderPass::Depths | OrderPass::Below => self.order.len(),
                _ => len,
            };
            let end = pass_len.min(self.at.saturating_add(budget - spent));
            match self.pass {
                OrderPass::Walk => {
                    while spent < budget {
                        let Some(index) = self.stack.pop() else {
                            (self.pass, self.at) = (OrderPass::Depths, 0);
                            self.depths = vec![0; len];
                            self.briefs = Vec::with_capacity(len);
                            break;
                        };
                        self.order.push(index);
                        self.stack.extend(trace.children(index).iter().rev());
                        spent += 1;
                    }
                    continue;
                }
                OrderPass::Depths => {
                    for &index in &self.order[self.at..end] {
                        if let Some(p) = parent(index) {
                            self.depths[index as usize] = self.depths[p as usize] + 1;
                        }
                    }
                }
                OrderPass::Write => {
                    for (span, &depth) in trace.spans[self.at..end]
                        .iter_mut()
                        .zip(&self.depths[self.at..end])
                    {
                        span.depth = depth;
                        self.briefs.push(SpanBrief::of(span));
                    }
                }
                // Subtree sizes: children come after their parents in the
                // order, so the order is gone over backwards.
                OrderPass::Below => {
                    let order = &self.order[pass_len - end..pass_len - self.at];
                    for &index in order.iter().rev() {
                        if let Some(p) = parent(index) {
                            self.below[p as usize] += self.below[index as usize] + 1;
                        }
                    }
                }
                OrderPass::Done => return (true, spent),
            }
            spent += end - self.at;
            self.at = end;
            if end == pass_len {
                self.at = 0;
                self.pass = match self.pass {
                    OrderPass::Depths => OrderPass::Write,
                    OrderPass::Write => {
                        self.depths = Vec::new();
                        self.below = vec![0; len];
                        OrderPass::Below
                    }
                    _ => OrderPass::Done,
                };
            }
        }
        (self.pass == OrderPass::Done, spent)
    }

    /// The trace with its tree order, once [`TreeOrdering::step`] said so;
    /// `end_ns` is its latest span end.
    pub(crate) fn finish(self, mut trace: Trace, end_ns: u64) -> Trace {
        trace.below = self.below;
        trace.tree_order = self.order;
        trace.briefs = self.briefs;
        trace.end_ns = end_ns;
        trace
    }
}

/// Something odd in the input that did not stop it from loading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// A readable sentence saying what and where.
    pub message: String,
    /// How many more warnings of its kind came after it and were only
    /// counted: a load keeps each kind's first
    /// [`crate::warnings::KEPT_OF_A_KIND`] whole, and counts the rest on
    /// the last of those.
    pub also: usize,
}

impl Warning {
    /// A warning saying `message`.
    pub fn new(message: String) -> Self {
        Self { message, also: 0 }
    }
}

impl AsRef<str> for Warning {
    fn as_ref(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        match self.also {
            0 => Ok(()),
            also => write!(f, " (and {also} more like it, not kept)"),
        }
    }
}

/// Every trace read from one or more inputs.
#[derive(Clone, Debug, Default)]
pub struct TraceSet {
    /// Traces sorted by trace id.
    pub traces: Vec<Trace>,
    /// The strings the spans' [`Sym`]s refer to.
    pub strings: Interner,
    /// What was odd in the input, in the order it was found.
    pub warnings: Vec<Warning>,
    /// The resources spans point to (`Span::resource`); index 0 is empty.
    pub resources: Vec<Resource>,
    /// The scopes spans point to (`Span::scope`); index 0 is empty.
    pub scopes: Vec<Scope>,
}

impl TraceSet {
    /// Total number of spans over all traces.
    pub fn span_count(&self) -> usize {
        self.traces.iter().map(|t| t.spans.len()).sum()
    }

    /// An estimate of the heap the model holds: every vector's capacity
    /// and the interned text (attribute values nested in arrays and maps
    /// are not counted). For reporting memory per span.
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        let traces: usize = self
            .traces
            .iter()
            .map(|t| {
                t.spans.capacity() * size_of::<Span>()
                    + t.attributes.capacity() * size_of::<Attribute>()
                    + t.events.capacity() * size_of::<Event>()
                    + t.links.capacity() * size_of::<Link>()
                    + t.roots.capacity() * size_of::<u32>()
                    + t.children.capacity() * size_of::<u32>()
                    + t.child_ranges.capacity() * size_of::<(u32, u32)>()
                    + t.tree_order.capacity() * size_of::<u32>()
                    + t.below.capacity() * size_of::<u32>()
                    + t.briefs.capacity() * size_of::<SpanBrief>()
            })
            .sum();
        let resources: usize = self
            .resources
            .iter()
            .map(|r| r.attributes.capacity() * size_of::<Attribute>())
            .sum();
        traces + resources + self.strings.heap_bytes()
    }
}
