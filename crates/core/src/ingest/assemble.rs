//! Joins decoded spans into traces: spans of one trace may arrive in many
//! batches and children before parents. Everything here is iterative, so a
//! chain of 100,000 nested spans cannot overflow the stack.

use std::cmp::Reverse;
use std::collections::HashMap;

use crate::ids::TraceId;
use crate::intern::{Interner, Sym};
use crate::model::{Span, Trace, TraceSet, Warning};

/// Collects spans from any number of inputs; [`TraceSetBuilder::finish`]
/// turns them into a [`TraceSet`].
#[derive(Default)]
pub struct TraceSetBuilder {
    strings: Interner,
    traces: HashMap<TraceId, Vec<Span>>,
    pub(super) warnings: Vec<Warning>,
}

impl TraceSetBuilder {
    pub(super) fn intern(&mut self, text: &str) -> Sym {
        self.strings.intern(text)
    }

    /// Spans added so far.
    pub(super) fn span_total(&self) -> usize {
        self.traces.values().map(Vec::len).sum()
    }

    /// Adds a decoded span; `parent` and `depth` are filled in by `finish`.
    pub(super) fn push_span(&mut self, trace_id: TraceId, mut span: Span) {
        if span.end_ns < span.start_ns {
            self.warn(format!(
                "span {} ({}) of trace {trace_id} ends {} ns before it starts; \
                 it is shown with zero length",
                span.span_id,
                self.strings.get(span.name),
                span.start_ns - span.end_ns
            ));
            span.end_ns = span.start_ns;
        }
        self.traces.entry(trace_id).or_default().push(span);
    }

    /// Joins the spans into traces sorted by trace id.
    pub fn finish(mut self) -> TraceSet {
        let mut ids: Vec<TraceId> = self.traces.keys().copied().collect();
        ids.sort_unstable();
        let mut traces = Vec::with_capacity(ids.len());
        for trace_id in ids {
            let spans = self.traces.remove(&trace_id).unwrap_or_default();
            traces.push(assemble(trace_id, spans, &self.strings, &mut self.warnings));
        }
        TraceSet {
            traces,
            strings: self.strings,
            warnings: self.warnings,
        }
    }
}

fn assemble(
    trace_id: TraceId,
    mut spans: Vec<Span>,
    strings: &Interner,
    warnings: &mut Vec<Warning>,
) -> Trace {
    spans.sort_by_key(|s| (s.start_ns, Reverse(s.end_ns), s.span_id));

    let mut by_id = HashMap::with_capacity(spans.len());
    for (index, span) in spans.iter().enumerate() {
        if by_id.insert(span.span_id, index as u32).is_some() {
            warnings.push(Warning {
                message: format!(
                    "trace {trace_id}: span id {} ({}) is used by more than one span; \
                     children attach to the first",
                    span.span_id,
                    strings.get(span.name)
                ),
            });
        }
    }
    // `insert` kept the last duplicate; children attach to the first.
    for (index, span) in spans.iter().enumerate().rev() {
        by_id.insert(span.span_id, index as u32);
    }

    let mut orphans = 0usize;
    let mut first_orphan = None;
    for (index, span) in spans.iter_mut().enumerate() {
        let parent = span
            .parent_span_id
            .and_then(|p| by_id.get(&p).copied())
            .filter(|&p| p as usize != index);
        if span.parent_span_id.is_some() && parent.is_none() {
            orphans += 1;
            first_orphan.get_or_insert(index);
        }
        span.parent = parent;
    }
    if let Some(first) = first_orphan {
        let span = &spans[first];
        warnings.push(Warning {
            message: format!(
                "trace {trace_id}: {orphans} span(s) name a parent that is not in the input \
                 (first: span {} ({}), parent {}); each is shown as a root",
                span.span_id,
                strings.get(span.name),
                span.parent_span_id
                    .map(|p| p.to_string())
                    .unwrap_or_default()
            ),
        });
    }

    break_cycles(trace_id, &mut spans, strings, warnings);

    // Children as ranges of one flat vector, in start order.
    let mut counts = vec![0u32; spans.len()];
    for span in &spans {
        if let Some(p) = span.parent {
            counts[p as usize] += 1;
        }
    }
    let mut child_ranges = Vec::with_capacity(spans.len());
    let mut offset = 0u32;
    for &count in &counts {
        child_ranges.push((offset, count));
        offset += count;
    }
    let mut fill: Vec<u32> = child_ranges.iter().map(|r| r.0).collect();
    let mut children = vec![0u32; offset as usize];
    let mut roots = Vec::new();
    for (index, span) in spans.iter().enumerate() {
        match span.parent {
            Some(p) => {
                children[fill[p as usize] as usize] = index as u32;
                fill[p as usize] += 1;
            }
            None => roots.push(index as u32),
        }
    }

    let mut trace = Trace::new(trace_id, spans, roots, children, child_ranges);
    for index in trace.depth_first() {
        let depth = match trace.spans[index as usize].parent {
            Some(p) => trace.spans[p as usize].depth + 1,
            None => 0,
        };
        trace.spans[index as usize].depth = depth;
    }
    trace
}

/// Cuts parent links that form a cycle, so every span hangs below a root.
fn break_cycles(
    trace_id: TraceId,
    spans: &mut [Span],
    strings: &Interner,
    warnings: &mut Vec<Warning>,
) {
    const UNSEEN: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![UNSEEN; spans.len()];
    let mut path = Vec::new();
    for start in 0..spans.len() {
        let mut current = start;
        while state[current] == UNSEEN {
            state[current] = ON_PATH;
            path.push(current);
            let Some(parent) = spans[current].parent else {
                break;
            };
            let parent = parent as usize;
            if state[parent] == ON_PATH {
                warnings.push(Warning {
                    message: format!(
                        "trace {trace_id}: span {} ({}) is its own ancestor (a parent cycle); \
                         it is shown as a root",
                        spans[current].span_id,
                        strings.get(spans[current].name)
                    ),
                });
                spans[current].parent = None;
                break;
            }
            current = parent;
        }
        for &visited in &path {
            state[visited] = DONE;
        }
        path.clear();
    }
}
