//! The critical path, with Jaeger UI's semantics:
//!
//! 1. Spans that do not block their parent are set aside with their
//!    subtrees: a CONSUMER whose parent is a PRODUCER, and a span that
//!    Jaeger input links to its parent only by FOLLOWS_FROM.
//! 2. Children are clipped to their (clipped) parent; a child wholly
//!    outside its parent is dropped with its subtree.
//! 3. From the root's end, walk backwards: the current span's
//!    last-finishing child (once the walk has come back up: the last one
//!    ending at or before the point reached, and not taken already)
//!    takes over; the span itself holds the path in the gaps. Among equal
//!    ends the one that started first wins, then the lowest span id.
//!
//! Jaeger UI asks for "strictly before"; that skips a step that ends at
//! the very timestamp the next begins (back-to-back steps, common with
//! microsecond and millisecond clocks) and credits its time to the
//! parent. Jaeger's backend moved to the inclusive bound, and so do we.
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
        if let Some(path) = search.step(trace, usize::MAX) {
            return path;
        }
    }
}

/// The critical path found in steps of a bounded amount of work: clipping
/// the blocking tree, ordering children by end, walking back from the
/// root's end. A page pauses between steps (at a million spans each stage
/// takes longer than a frame should).
pub struct PathSearch {
    root: Option<u32>,
    stage: Stage,
}

enum Stage {
    Clip {
        clipped: Vec<(u64, u64)>,
        /// Spans whose children are still to clip.
        stack: Vec<u32>,
    },
    Order {
        clipped: Vec<(u64, u64)>,
        by_end: Vec<u32>,
        ranges: Vec<(usize, usize)>,
        /// Spans in the order their children are ordered, and how many
        /// of them are done.
        queue: Vec<u32>,
        done: usize,
    },
    Walk {
        clipped: Vec<(u64, u64)>,
        by_end: Vec<u32>,
        ranges: Vec<(usize, usize)>,
        walker: Walker,
    },
    Started,
}

impl PathSearch {
    /// The search for the path below `root` (none: an empty path).
    pub fn new(root: Option<u32>) -> Self {
        Self {
            root,
            stage: Stage::Started,
        }
    }

    /// Goes on with the search on `trace` (the same trace each time) for
    /// about `budget` spans' worth of work; the path once it is found.
    pub fn step(&mut self, trace: &Trace, budget: usize) -> Option<Vec<Section>> {
        let Some(root) = self.root else {
            return Some(Vec::new());
        };
        let mut spent = 0usize;
        while spent < budget {
            self.stage = match std::mem::replace(&mut self.stage, Stage::Started) {
                Stage::Started => {
                    let mut clipped = vec![OFF; trace.spans.len()];
                    let root_span = &trace.spans[root as usize];
                    clipped[root as usize] = (root_span.start_ns, root_span.end_ns);
                    Stage::Clip {
                        clipped,
                        stack: vec![root],
                    }
                }
                Stage::Clip {
                    mut clipped,
                    mut stack,
                } => {
                    spent += clip_some(trace, &mut clipped, &mut stack, budget - spent);
                    match stack.is_empty() {
                        false => Stage::Clip { clipped, stack },
                        true => Stage::Order {
                            by_end: Vec::with_capacity(trace.spans.len()),
                            ranges: vec![(0, 0); trace.spans.len()],
                            clipped,
                            queue: vec![root],
                            done: 0,
                        },
                    }
                }
                Stage::Order {
                    clipped,
                    mut by_end,
                    mut ranges,
                    mut queue,
                    mut done,
                } => {
                    while done < queue.len() && spent < budget {
                        let index = queue[done];
                        done += 1;
                        spent +=
                            1 + order_children(trace, &clipped, index, &mut by_end, &mut ranges);
                        let (first, last) = ranges[index as usize];
                        queue.extend_from_slice(&by_end[first..last]);
                    }
                    match done < queue.len() {
                        true => Stage::Order {
                            clipped,
                            by_end,
                            ranges,
                            queue,
                            done,
                        },
                        false => Stage::Walk {
                            walker: Walker::new(trace, root),
                            clipped,
                            by_end,
                            ranges,
                        },
                    }
                }
                Stage::Walk {
                    clipped,
                    by_end,
                    ranges,
                    mut walker,
                } => {
                    let (steps, found) =
                        walker.walk(trace, root, &clipped, &by_end, &ranges, budget - spent);
                    spent += steps;
                    if let Some(path) = found {
                        return Some(path);
                    }
                    Stage::Walk {
                        clipped,
                        by_end,
                        ranges,
                        walker,
                    }
                }
            };
        }
        None
    }
}

/// Clips the children of spans on `stack` for about `budget` children;
/// how many it went over.
fn clip_some(
    trace: &Trace,
    clipped: &mut [(u64, u64)],
    stack: &mut Vec<u32>,
    budget: usize,
) -> usize {
    let mut spent = 0;
    while spent < budget {
        let Some(parent) = stack.pop() else { break };
        let (parent_start, parent_end) = clipped[parent as usize];
        let parent_kind = trace.spans[parent as usize].kind;
        spent += 1 + trace.children(parent).len();
        for &child in trace.children(parent) {
            let span = &trace.spans[child as usize];
            if span.follows_from
                || (span.kind == SpanKind::Consumer && parent_kind == SpanKind::Producer)
            {
                continue; // asynchronous: the parent does not wait for it
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
    spent
}

/// Appends span `index`'s kept children to `by_end`, last-finishing first
/// (on equal ends the earlier start, the longer child, first, then the
/// lowest span id), and notes their range: span i's children are
/// `by_end[ranges[i].0..ranges[i].1]`. How many children it went over.
fn order_children(
    trace: &Trace,
    clipped: &[(u64, u64)],
    index: u32,
    by_end: &mut Vec<u32>,
    ranges: &mut [(usize, usize)],
) -> usize {
    let first = by_end.len();
    let children = trace.children(index);
    by_end.extend(
        children
            .iter()
            .copied()
            .filter(|&c| clipped[c as usize] != OFF),
    );
    by_end[first..].sort_unstable_by_key(|&c| {
        let (start, end) = clipped[c as usize];
        (
            std::cmp::Reverse(end),
            start,
            trace.spans[c as usize].span_id,
        )
    });
    ranges[index as usize] = (first, by_end.len());
    children.len()
}

/// The walk back from the root's end through the children ordered by end,
/// where it has got to.
struct Walker {
    cursor: Vec<usize>,
    path: Vec<Section>,
    current: u32,
    returning: Option<u64>,
}

impl Walker {
    fn new(trace: &Trace, root: u32) -> Self {
        Self {
            cursor: vec![0usize; trace.spans.len()],
            path: Vec::new(),
            current: root,
            returning: None,
        }
    }

    /// Walks on for about `budget` steps: how many it took, and the path
    /// once the walk is back at the root.
    fn walk(
        &mut self,
        trace: &Trace,
        root: u32,
        clipped: &[(u64, u64)],
        by_end: &[u32],
        ranges: &[(usize, usize)],
        budget: usize,
    ) -> (usize, Option<Vec<Section>>) {
        let mut steps = 0;
        while steps < budget {
            steps += 1;
            let current = self.current;
            let (start, end) = clipped[current as usize];
            let point = self.returning.unwrap_or(end);
            let (first, last) = ranges[current as usize];
            let children = &by_end[first..last];
            let mut next = self.cursor[current as usize];
            if self.returning.is_some() {
                while next < children.len() && clipped[children[next] as usize].1 > point {
                    next += 1;
                }
            }
            if let Some(&child) = children.get(next) {
                self.cursor[current as usize] = next + 1;
                push(&mut self.path, current, clipped[child as usize].1, point);
                self.current = child;
                self.returning = None;
            } else {
                self.cursor[current as usize] = children.len();
                push(&mut self.path, current, start, point);
                match trace.spans[current as usize].parent {
                    Some(parent) if current != root => {
                        self.current = parent;
                        self.returning = Some(start);
                    }
                    _ => {
                        let mut path = std::mem::take(&mut self.path);
                        path.reverse();
                        return (steps, Some(path));
                    }
                }
            }
        }
        (steps, None)
    }
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
    fn back_to_back_siblings_each_hold_their_own_time() {
        // "At or before": a step that ends at the very start of the next
        // one takes over from it (Jaeger UI's "strictly before" would skip
        // a and credit its time to root).
        let drawing = ["root [----------]", "  a   [----]", "  b        [----]"];
        // root 5..16, a 6..11, b 11..16
        assert_eq!(
            path_of(&drawing),
            [p("root", 5, 6), p("a", 6, 11), p("b", 11, 16)]
        );
    }

    #[test]
    fn a_batch_written_back_to_back_credits_each_step() {
        // consume → compress → upload with no gap between them, as a
        // millisecond clock writes them: the parent holds nothing.
        let drawing = [
            "batch [------------------]",
            "  consume [--]",
            "  compress   [----------]",
            "  upload                [-]",
        ];
        // batch 6..25, consume 10..13, compress 13..24, upload 24..26
        // (clipped to 25).
        let path = path_of(&drawing);
        assert_eq!(
            path,
            [
                p("batch", 6, 10),
                p("consume", 10, 13),
                p("compress", 13, 24),
                p("upload", 24, 25)
            ]
        );
    }

    #[test]
    fn zero_length_siblings_at_the_boundary_take_nothing_and_stop_nothing() {
        // z is zero-length at 11, where a ends and b starts: it may be
        // taken, holds no time, and a still takes over after it.
        let drawing = [
            "root [----------]",
            "  a   [----]",
            "  z        |",
            "  b        [----]",
        ];
        assert_eq!(
            path_of(&drawing),
            [p("root", 5, 6), p("a", 6, 11), p("b", 11, 16)]
        );
    }

    #[test]
    fn steps_in_a_row_hand_over_one_to_the_next() {
        // Each step ends where the next begins: the walk goes c, b, a and
        // the parent holds only its first microsecond.
        let drawing = [
            "root [------------]",
            "  a   [---]",
            "  b       [---]",
            "  c           [---]",
        ];
        // root 5..18, a 6..10, b 10..14, c 14..18
        assert_eq!(
            path_of(&drawing),
            [
                p("root", 5, 6),
                p("a", 6, 10),
                p("b", 10, 14),
                p("c", 14, 18)
            ]
        );
    }

    #[test]
    fn among_equal_ends_the_earliest_start_then_the_lowest_id_wins() {
        // x and y end together at 12 where b starts, and start together:
        // the lower span id (x, drawn first) takes over; y is a sibling
        // that then ends after the point reached (x's start) and is passed.
        let drawing = [
            "root [----------]",
            "  x    [---]",
            "  y    [---]",
            "  b         [---]",
        ];
        // root 5..16, x 7..11, y 7..11, b 12..16
        assert_eq!(
            path_of(&drawing),
            [
                p("root", 5, 7),
                p("x", 7, 11),
                p("root", 11, 12),
                p("b", 12, 16)
            ]
        );
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
