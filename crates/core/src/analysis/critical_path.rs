//! The critical path, with Jaeger UI's semantics:
//!
//! 1. Spans that do not block their parent are set aside with their
//!    subtrees: a CONSUMER whose parent is a PRODUCER.
//! 2. Children are clipped to their (clipped) parent; a child wholly
//!    outside its parent is dropped with its subtree.
//! 3. From the root's end, walk backwards: the current span's
//!    last-finishing child (once the walk has come back up: the last one
//!    ending strictly before the point reached) takes over; the span
//!    itself holds the path in the gaps.
//!
//! The sections tile the root span exactly. Everything is iterative.

use crate::model::{SpanKind, Trace};

/// A stretch of the critical path held by one span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// Index of the span in `Trace::spans`.
    pub span: u32,
    /// Start, Unix nanoseconds.
    pub start_ns: u64,
    /// End, Unix nanoseconds.
    pub end_ns: u64,
}

/// Marks a span that is not part of the root's blocking tree.
const OFF: (u64, u64) = (u64::MAX, 0);

/// The critical path of the tree below `root`, in time order.
pub fn critical_path(trace: &Trace, root: u32) -> Vec<Section> {
    let mut search = PathSearch::new(Some(root));
    loop {
        if let Some(path) = search.step(trace) {
            return path;
        }
    }
}

/// The critical path found a stage at a time: clipping the blocking tree,
/// ordering children by end, walking back from the root's end. Each stage
/// goes over the spans once; a page pauses between them (at a million
/// spans the whole takes longer than a frame should).
pub struct PathSearch {
    root: Option<u32>,
    stage: Stage,
}

enum Stage {
    Clip,
    Order {
        clipped: Vec<(u64, u64)>,
    },
    Walk {
        clipped: Vec<(u64, u64)>,
        by_end: Vec<u32>,
        ranges: Vec<(usize, usize)>,
    },
}

impl PathSearch {
    /// The search for the path below `root` (none: an empty path).
    pub fn new(root: Option<u32>) -> Self {
        Self {
            root,
            stage: Stage::Clip,
        }
    }

    /// Runs the next stage on `trace` (the same trace each time); the path
    /// once the last stage has run.
    pub fn step(&mut self, trace: &Trace) -> Option<Vec<Section>> {
        let Some(root) = self.root else {
            return Some(Vec::new());
        };
        match std::mem::replace(&mut self.stage, Stage::Clip) {
            Stage::Clip => {
                self.stage = Stage::Order {
                    clipped: clip_blocking_tree(trace, root),
                };
                None
            }
            Stage::Order { clipped } => {
                let (by_end, ranges) = children_by_end(trace, root, &clipped);
                self.stage = Stage::Walk {
                    clipped,
                    by_end,
                    ranges,
                };
                None
            }
            Stage::Walk {
                clipped,
                by_end,
                ranges,
            } => Some(walk(trace, root, &clipped, &by_end, &ranges)),
        }
    }
}

/// The second stage: a flat vector of children and a range per span.
fn children_by_end(
    trace: &Trace,
    root: u32,
    clipped: &[(u64, u64)],
) -> (Vec<u32>, Vec<(usize, usize)>) {
    let kept = |index: u32| clipped[index as usize] != OFF;
    // Each kept span's kept children, last-finishing first; on equal ends
    // the earlier start (the longer child) first, as Jaeger UI sorts them.
    // One flat vector: span i's children are `by_end[ranges[i].0..ranges[i].1]`.
    let mut by_end: Vec<u32> = Vec::with_capacity(trace.spans.len());
    let mut ranges = vec![(0usize, 0usize); trace.spans.len()];
    let mut order = vec![root];
    let mut at = 0;
    while at < order.len() {
        let index = order[at];
        at += 1;
        let first = by_end.len();
        by_end.extend(trace.children(index).iter().copied().filter(|&c| kept(c)));
        let children = &mut by_end[first..];
        children.sort_unstable_by_key(|&c| {
            let (start, end) = clipped[c as usize];
            (std::cmp::Reverse(end), start, c)
        });
        order.extend_from_slice(children);
        ranges[index as usize] = (first, by_end.len());
    }
    (by_end, ranges)
}

/// Walks back from the root's end through the children ordered by end.
fn walk(
    trace: &Trace,
    root: u32,
    clipped: &[(u64, u64)],
    by_end: &[u32],
    ranges: &[(usize, usize)],
) -> Vec<Section> {
    let mut cursor = vec![0usize; trace.spans.len()];
    let mut path = Vec::new();
    let mut current = root;
    let mut returning: Option<u64> = None;
    loop {
        let (start, end) = clipped[current as usize];
        let point = returning.unwrap_or(end);
        let (first, last) = ranges[current as usize];
        let children = &by_end[first..last];
        let mut next = cursor[current as usize];
        if returning.is_some() {
            while next < children.len() && clipped[children[next] as usize].1 >= point {
                next += 1;
            }
        }
        if let Some(&child) = children.get(next) {
            cursor[current as usize] = next + 1;
            push(&mut path, current, clipped[child as usize].1, point);
            current = child;
            returning = None;
        } else {
            cursor[current as usize] = children.len();
            push(&mut path, current, start, point);
            match trace.spans[current as usize].parent {
                Some(parent) if current != root => {
                    current = parent;
                    returning = Some(start);
                }
                _ => break,
            }
        }
    }
    path.reverse();
    path
}

/// A path per root (orphans make a trace have several), in root order.
pub fn critical_paths(trace: &Trace) -> Vec<(u32, Vec<Section>)> {
    trace
        .roots
        .iter()
        .map(|&root| (root, critical_path(trace, root)))
        .collect()
}

/// Adds a section before the ones already found (the walk goes backwards
/// in time), merging it into the next one when the same span holds both,
/// as happens around zero-length children.
fn push(path: &mut Vec<Section>, span: u32, start_ns: u64, end_ns: u64) {
    if start_ns >= end_ns {
        return;
    }
    match path.last_mut() {
        Some(next) if next.span == span && next.start_ns == end_ns => next.start_ns = start_ns,
        _ => path.push(Section {
            span,
            start_ns,
            end_ns,
        }),
    }
}

/// Clipped intervals of the root's blocking tree; `OFF` for the rest.
fn clip_blocking_tree(trace: &Trace, root: u32) -> Vec<(u64, u64)> {
    let mut clipped = vec![OFF; trace.spans.len()];
    let root_span = &trace.spans[root as usize];
    clipped[root as usize] = (root_span.start_ns, root_span.end_ns);
    let mut stack = vec![root];
    while let Some(parent) = stack.pop() {
        let (parent_start, parent_end) = clipped[parent as usize];
        let parent_kind = trace.spans[parent as usize].kind;
        for &child in trace.children(parent) {
            let span = &trace.spans[child as usize];
            if span.kind == SpanKind::Consumer && parent_kind == SpanKind::Producer {
                continue; // asynchronous: the producer does not wait for it
            }
            let (start, end) = (span.start_ns, span.end_ns);
            let inside = start >= parent_start && end <= parent_end;
            if !inside && (start >= parent_end || end <= parent_start) {
                continue; // wholly outside its parent: dropped, subtree and all
            }
            clipped[child as usize] = (start.max(parent_start), end.min(parent_end));
            stack.push(child);
        }
    }
    clipped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ascii::trace_from_ascii;

    /// The path as (name, start column, end column).
    fn path_of(drawing: &[&str]) -> Vec<(String, u64, u64)> {
        let (set, trace) = trace_from_ascii(drawing);
        let root = trace.main_root().unwrap();
        let path = critical_path(&trace, root);
        let root_span = &trace.spans[root as usize];
        // The sections tile the root exactly.
        assert_eq!(path.first().unwrap().start_ns, root_span.start_ns);
        assert_eq!(path.last().unwrap().end_ns, root_span.end_ns);
        for pair in path.windows(2) {
            assert_eq!(pair[0].end_ns, pair[1].start_ns);
        }
        path.iter()
            .map(|s| {
                let name = set
                    .strings
                    .get(trace.spans[s.span as usize].name)
                    .to_owned();
                (name, s.start_ns / 1_000, s.end_ns / 1_000)
            })
            .collect()
    }

    fn p(name: &str, start: u64, end: u64) -> (String, u64, u64) {
        (name.to_owned(), start, end)
    }

    #[test]
    fn sequential_children_hand_over_and_the_parent_fills_the_gaps() {
        let drawing = [
            "root [--------------------]",
            "  a    [----]",
            "  b            [------]",
        ];
        // root 5..26, a 7..12, b 15..22
        assert_eq!(
            path_of(&drawing),
            [
                p("root", 5, 7),
                p("a", 7, 12),
                p("root", 12, 15),
                p("b", 15, 22),
                p("root", 22, 26)
            ]
        );
    }

    #[test]
    fn of_overlapping_siblings_the_last_finishing_wins_then_what_ends_before_it() {
        let drawing = [
            "root [--------------------]",
            "  a    [---------]",
            "  b        [------------]",
            "  c     [-]",
        ];
        // root 5..26; a 7..17, b 11..24, c 8..10: b ends last; a overlaps
        // b's start so it is skipped; c ends before b starts.
        assert_eq!(
            path_of(&drawing),
            [
                p("root", 5, 8),
                p("c", 8, 10),
                p("root", 10, 11),
                p("b", 11, 24),
                p("root", 24, 26)
            ]
        );
    }

    #[test]
    fn the_path_descends_into_grandchildren() {
        let drawing = [
            "root [--------------------]",
            "  a   [-----------------]",
            "    x    [---]",
            "    y          [----]",
        ];
        // root 5..26, a 6..24, x 9..13, y 15..20
        assert_eq!(
            path_of(&drawing),
            [
                p("root", 5, 6),
                p("a", 6, 9),
                p("x", 9, 13),
                p("a", 13, 15),
                p("y", 15, 20),
                p("a", 20, 24),
                p("root", 24, 26)
            ]
        );
    }

    #[test]
    fn children_outliving_or_preceding_their_parent_are_clipped() {
        let drawing = [
            "      root [----------]",
            "  early  [----]",
            "  late              [--------]",
        ];
        // root 11..22, early 9..14 → 11..14, late 20..29 → 20..22
        assert_eq!(
            path_of(&drawing),
            [p("early", 11, 14), p("root", 14, 20), p("late", 20, 22)]
        );
    }

    #[test]
    fn a_child_ending_exactly_where_the_next_starts_is_passed_over() {
        // "Strictly before": like Jaeger UI, a sibling that ends at the very
        // start of the one on the path does not take over.
        let drawing = ["root [----------]", "  a   [----]", "  b        [----]"];
        // root 5..16, a 6..11, b 11..16
        assert_eq!(path_of(&drawing), [p("root", 5, 11), p("b", 11, 16)]);
    }

    #[test]
    fn a_child_wholly_after_its_parent_is_dropped_with_its_subtree() {
        let drawing = [
            "root [-----]",
            "  detached     [---]",
            "    inner       [-]",
        ];
        assert_eq!(path_of(&drawing), [p("root", 5, 11)]);
    }

    #[test]
    fn a_consumer_of_a_producer_does_not_block() {
        let drawing = [
            "root [-------------]",
            "  send@producer [--]",
            "    process@consumer [--------------]",
        ];
        // root 5..19, send 16..19; the consumer is set aside.
        assert_eq!(path_of(&drawing), [p("root", 5, 16), p("send", 16, 19)]);
    }

    #[test]
    fn zero_length_spans_hold_no_section() {
        let drawing = ["root [------]", "  z  |", "  m     |", "  e         |"];
        assert_eq!(path_of(&drawing), [p("root", 5, 12)]);
    }

    #[test]
    fn ties_in_end_time_go_to_the_longer_child() {
        let drawing = [
            "root [----------]",
            "  long  [-------]",
            "  short     [---]",
            "  same      [---]",
        ];
        // All three end at 16 = root's end; the longest takes over.
        assert_eq!(path_of(&drawing), [p("root", 5, 8), p("long", 8, 16)]);
    }

    #[test]
    fn a_deep_chain_does_not_recurse() {
        // 100,000 nested spans, each starting 1 µs after its parent and all
        // ending together: the innermost holds the end, each ancestor its
        // first microsecond.
        let depth = 100_000u64;
        let spans: Vec<String> = (0..depth)
            .map(|d| {
                let parent = if d == 0 { String::new() } else { format!("{d:016x}") };
                format!(
                    r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{:016x}","parentSpanId":"{parent}","name":"s","startTimeUnixNano":"{}","endTimeUnixNano":"{}"}}"#,
                    d + 1,
                    d * 1_000,
                    depth * 1_000 + 1_000
                )
            })
            .collect();
        let json = format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        );
        let set = crate::ingest(json.as_bytes()).unwrap();
        let trace = &set.traces[0];
        let path = critical_path(trace, trace.main_root().unwrap());
        assert_eq!(path.len(), depth as usize);
        assert_eq!(
            path.last().unwrap().end_ns - path.last().unwrap().start_ns,
            2_000
        );
    }

    #[test]
    fn every_root_gets_a_path() {
        let drawing = ["first [---]", "second    [--]"];
        let (_, trace) = trace_from_ascii(&drawing);
        let paths = critical_paths(&trace);
        assert_eq!(paths.len(), 2);
        assert!(paths.iter().all(|(_, path)| path.len() == 1));
    }
}
