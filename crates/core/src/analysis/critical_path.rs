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
/// The root's parent in the local numbering.
const NONE: u32 = u32::MAX;
/// Children lists this long are put in order by radix passes.
const RADIX_FROM: usize = 512;

/// The critical path of the tree below `root`, in time order.
pub fn critical_path(trace: &Trace, root: u32) -> Vec<Section> {
    let mut search = PathSearch::new(Some(root));
    loop {
        if let Some(path) = search.step(trace, usize::MAX) {
            return path;
        }
    }
}

/// The critical path found in steps of a bounded amount of work: copying
/// the root's subtree out of the spans, clipping it, ordering children by
/// end, walking back from the root's end. A page pauses between steps (at
/// a million spans each stage takes longer than a frame should).
///
/// The subtree is worked on in depth-first order (the trace's
/// [`Trace::depth_first`]), numbered locally from 0 (the root): a parent
/// comes before its subtree, which is one contiguous run, and what each
/// stage reads is a few small vectors in that order. (Read through the
/// spans themselves, in start order, the walk jumped across memory: its
/// cost per span grew five-fold from 10k to 1M spans.)
pub struct PathSearch {
    root: Option<u32>,
    stage: Stage,
}

/// The root's subtree, numbered locally in depth-first order.
struct Subtree {
    /// Local number → span index (a run of `Trace::depth_first`).
    first: usize,
    len: usize,
    /// Each node's parent (local), [`NONE`] for the root.
    parent: Vec<u32>,
    /// Each node's subtree size, without itself.
    below: Vec<u32>,
    /// Each node's kind as far as blocking goes ([`CONSUMER`], …).
    kinds: Vec<u8>,
    /// Each node's times, then clipped to its clipped parent; [`OFF`]
    /// when it does not block the root (asynchronous, outside its parent,
    /// or below such).
    clipped: Vec<(u64, u64)>,
}

/// A CONSUMER span (it does not block a PRODUCER parent).
const CONSUMER: u8 = 1;
/// A PRODUCER span.
const PRODUCER: u8 = 2;
/// A span that only follows from its parent (Jaeger's FOLLOWS_FROM).
const FOLLOWS: u8 = 4;

/// How far copying has got: every span's local number noted, the spans
/// read in their own order into local places, the nodes clipped in order.
enum Copying {
    Number { local_of: Vec<u32>, done: usize },
    Gather { local_of: Vec<u32>, done: usize },
    Clip { done: usize },
}

enum Stage {
    Started,
    /// Copying and clipping.
    Copy {
        tree: Subtree,
        copying: Copying,
    },
    /// Ordering each node's children by end, node `done` next.
    Order {
        tree: Subtree,
        by_end: Vec<u32>,
        ranges: Vec<(u32, u32)>,
        done: usize,
    },
    Walk {
        tree: Subtree,
        by_end: Vec<u32>,
        ranges: Vec<(u32, u32)>,
        walker: Walker,
    },
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
                    let order = trace.depth_first();
                    // The root's run: found by skipping whole subtrees.
                    let mut first = 0;
                    while order[first] != root {
                        first += 1 + trace.descendants(order[first]) as usize
                            * usize::from(!is_ancestor(trace, order[first], root));
                    }
                    let len = 1 + trace.descendants(root) as usize;
                    spent += 1;
                    Stage::Copy {
                        tree: Subtree {
                            first,
                            len,
                            parent: vec![NONE; len],
                            below: vec![0; len],
                            kinds: vec![0; len],
                            clipped: vec![OFF; len],
                        },
                        copying: Copying::Number {
                            local_of: vec![NONE; trace.spans.len()],
                            done: 0,
                        },
                    }
                }
                Stage::Copy { mut tree, copying } => {
                    let (copying, steps) = copy_some(trace, &mut tree, copying, budget - spent);
                    spent += steps;
                    match copying {
                        Some(copying) => Stage::Copy { tree, copying },
                        None => Stage::Order {
                            by_end: Vec::with_capacity(tree.len),
                            ranges: vec![(0, 0); tree.len],
                            tree,
                            done: 0,
                        },
                    }
                }
                Stage::Order {
                    tree,
                    mut by_end,
                    mut ranges,
                    mut done,
                } => {
                    while done < tree.len && spent < budget {
                        spent +=
                            1 + order_children(trace, &tree, done as u32, &mut by_end, &mut ranges);
                        done += 1;
                    }
                    match done < tree.len {
                        true => Stage::Order {
                            tree,
                            by_end,
                            ranges,
                            done,
                        },
                        false => Stage::Walk {
                            walker: Walker::new(tree.len),
                            tree,
                            by_end,
                            ranges,
                        },
                    }
                }
                Stage::Walk {
                    tree,
                    by_end,
                    ranges,
                    mut walker,
                } => {
                    let (steps, found) =
                        walker.walk(trace, &tree, &by_end, &ranges, budget - spent);
                    spent += steps;
                    if let Some(path) = found {
                        return Some(path);
                    }
                    Stage::Walk {
                        tree,
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

/// Whether span `a` is `b` or one of its ancestors.
fn is_ancestor(trace: &Trace, a: u32, b: u32) -> bool {
    let mut at = Some(b);
    while let Some(index) = at {
        if index == a {
            return true;
        }
        at = trace.spans[index as usize].parent;
    }
    false
}

/// Copies the subtree out of the spans and clips it, for about `budget`
/// steps; how far it got (`None`: done) and the steps taken.
///
/// The spans are read in their own order (start order), each written to
/// its local place: read in depth-first order instead, every span was a
/// cache miss (at a million spans, 41 % of the search's time was the
/// first load of each span's times), with its parent's local number.
/// Then the nodes are clipped in local order: a parent always comes
/// before its children.
fn copy_some(
    trace: &Trace,
    tree: &mut Subtree,
    copying: Copying,
    budget: usize,
) -> (Option<Copying>, usize) {
    let order = &trace.depth_first()[tree.first..tree.first + tree.len];
    match copying {
        Copying::Number { mut local_of, done } => {
            let end = tree.len.min(done.saturating_add(budget));
            for (local, &index) in order.iter().enumerate().take(end).skip(done) {
                local_of[index as usize] = local as u32;
            }
            let next = match end < tree.len {
                true => Copying::Number {
                    local_of,
                    done: end,
                },
                false => Copying::Gather { local_of, done: 0 },
            };
            (Some(next), end - done)
        }
        Copying::Gather { local_of, done } => {
            let end = trace.spans.len().min(done.saturating_add(budget));
            for (index, span) in trace.spans.iter().enumerate().take(end).skip(done) {
                let local = local_of[index] as usize;
                if local == NONE as usize {
                    continue;
                }
                tree.clipped[local] = (span.start_ns, span.end_ns);
                // The root's parent, if any, is outside: NONE.
                tree.parent[local] = span.parent.map_or(NONE, |p| local_of[p as usize]);
                tree.below[local] = trace.descendants(index as u32);
                tree.kinds[local] = match span.kind {
                    SpanKind::Consumer => CONSUMER,
                    SpanKind::Producer => PRODUCER,
                    _ => 0,
                } | if span.follows_from { FOLLOWS } else { 0 };
            }
            let next = match end < trace.spans.len() {
                true => Copying::Gather {
                    local_of,
                    done: end,
                },
                false => Copying::Clip { done: 0 },
            };
            (Some(next), end - done)
        }
        Copying::Clip { done } => {
            let end = tree.len.min(done.saturating_add(budget));
            for local in done..end {
                clip(tree, local);
            }
            let next = (end < tree.len).then_some(Copying::Clip { done: end });
            (next, end - done)
        }
    }
}

/// Clips node `local` to its parent (nodes before it are done); the root
/// stays as it is.
fn clip(tree: &mut Subtree, local: usize) {
    let parent = tree.parent[local];
    if parent == NONE {
        return;
    }
    let (parent_start, parent_end) = tree.clipped[parent as usize];
    let (start, end) = tree.clipped[local];
    let kind = tree.kinds[local];
    let inside = start >= parent_start && end <= parent_end;
    tree.clipped[local] = if (parent_start, parent_end) == OFF
        // Asynchronous: the parent does not wait for it.
        || kind & FOLLOWS != 0
        || (kind & CONSUMER != 0 && tree.kinds[parent as usize] & PRODUCER != 0)
        // Wholly outside its parent: dropped, subtree and all.
        || (!inside && (start >= parent_end || end <= parent_start))
    {
        OFF
    } else {
        (start.max(parent_start), end.min(parent_end))
    }
}

/// Appends node `local`'s kept children to `by_end`, last-finishing first
/// (on equal ends the earlier start, the longer child, first, then the
/// lowest span id), and notes their range: node i's children are
/// `by_end[ranges[i].0..ranges[i].1]`. How many children it went over.
fn order_children(
    trace: &Trace,
    tree: &Subtree,
    local: u32,
    by_end: &mut Vec<u32>,
    ranges: &mut [(u32, u32)],
) -> usize {
    let first = by_end.len();
    let last_below = local as usize + tree.below[local as usize] as usize;
    let mut child = local as usize + 1;
    let mut seen = 0;
    while child <= last_below {
        if tree.clipped[child] != OFF {
            by_end.push(child as u32);
        }
        seen += 1;
        child += 1 + tree.below[child] as usize;
    }
    let order = &trace.depth_first()[tree.first..];
    let span_id = |c: u32| trace.spans[order[c as usize] as usize].span_id;
    let compare = |&a: &u32, &b: &u32| {
        let (a_start, a_end) = tree.clipped[a as usize];
        let (b_start, b_end) = tree.clipped[b as usize];
        b_end
            .cmp(&a_end)
            .then(a_start.cmp(&b_start))
            .then_with(|| span_id(a).cmp(&span_id(b)))
    };
    let children = &mut by_end[first..];
    if children.len() < RADIX_FROM {
        children.sort_unstable_by(compare);
    } else {
        // A span with very many children (a fan-out of thousands) would
        // make the walk cost n log n: radix passes by start, then by end
        // (stable), and the rare equal (end, start) runs by span id.
        radsort::sort_by_key(children, |&c| tree.clipped[c as usize].0);
        radsort::sort_by_key(children, |&c| u64::MAX - tree.clipped[c as usize].1);
        for run in
            children.chunk_by_mut(|&a, &b| tree.clipped[a as usize] == tree.clipped[b as usize])
        {
            if run.len() > 1 {
                run.sort_unstable_by(compare);
            }
        }
    }
    ranges[local as usize] = (first as u32, by_end.len() as u32);
    seen
}

/// The walk back from the root's end through the children ordered by end,
/// where it has got to.
struct Walker {
    cursor: Vec<u32>,
    path: Vec<Section>,
    current: u32,
    returning: Option<u64>,
}

impl Walker {
    fn new(len: usize) -> Self {
        Self {
            cursor: vec![0; len],
            path: Vec::new(),
            current: 0,
            returning: None,
        }
    }

    /// Walks on for about `budget` steps: how many it took, and the path
    /// once the walk is back at the root.
    fn walk(
        &mut self,
        trace: &Trace,
        tree: &Subtree,
        by_end: &[u32],
        ranges: &[(u32, u32)],
        budget: usize,
    ) -> (usize, Option<Vec<Section>>) {
        let order = &trace.depth_first()[tree.first..];
        let clipped = &tree.clipped;
        let mut steps = 0;
        while steps < budget {
            steps += 1;
            let current = self.current;
            let span = order[current as usize];
            let (start, end) = clipped[current as usize];
            let point = self.returning.unwrap_or(end);
            let (first, last) = ranges[current as usize];
            let children = &by_end[first as usize..last as usize];
            let mut next = self.cursor[current as usize] as usize;
            if self.returning.is_some() {
                while next < children.len() && clipped[children[next] as usize].1 > point {
                    next += 1;
                }
            }
            if let Some(&child) = children.get(next) {
                self.cursor[current as usize] = next as u32 + 1;
                push(&mut self.path, span, clipped[child as usize].1, point);
                self.current = child;
                self.returning = None;
            } else {
                self.cursor[current as usize] = children.len() as u32;
                push(&mut self.path, span, start, point);
                match tree.parent[current as usize] {
                    NONE => {
                        let mut path = std::mem::take(&mut self.path);
                        path.reverse();
                        return (steps, Some(path));
                    }
                    parent => {
                        self.current = parent;
                        self.returning = Some(start);
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
    fn the_path_below_any_span_of_any_root_tiles_that_span() {
        let drawing = [
            "first [------]",
            "  a     [--]",
            "second        [----------]",
            "  b              [----]",
            "    c              [-]",
        ];
        let (set, trace) = trace_from_ascii(&drawing);
        let named = |name: &str| {
            (0..trace.spans.len() as u32)
                .find(|&i| set.strings.get(trace.spans[i as usize].name) == name)
                .unwrap()
        };
        let names = |root: &str| {
            let path = critical_path(&trace, named(root));
            let span = &trace.spans[named(root) as usize];
            assert_eq!(path.first().unwrap().start_ns, span.start_ns);
            assert_eq!(path.last().unwrap().end_ns, span.end_ns);
            path.iter()
                .map(|s| {
                    set.strings
                        .get(trace.spans[s.span as usize].name)
                        .to_owned()
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(trace.roots.len(), 2);
        assert_eq!(names("first"), ["first", "a", "first"]);
        assert_eq!(names("second"), ["second", "b", "c", "b", "second"]);
        assert_eq!(names("b"), ["b", "c", "b"]);
        assert_eq!(names("c"), ["c"]);
        // In steps of any size, the same path.
        for budget in [1, 2, 3, 7] {
            let mut search = PathSearch::new(Some(named("second")));
            let stepped = loop {
                if let Some(path) = search.step(&trace, budget) {
                    break path;
                }
            };
            assert_eq!(stepped, critical_path(&trace, named("second")));
        }
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
