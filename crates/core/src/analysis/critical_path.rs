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

/// Marks a span that is not part of the root's blocking tree: its times
/// once clipped.
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
/// the root's subtree out of the spans, clipping it and ordering children
/// by end, walking back from the root's end. A page pauses between steps
/// (at a million spans each stage takes longer than a frame should).
///
/// The subtree is worked on in depth-first order (the trace's
/// [`Trace::depth_first`]), numbered locally from 0 (the root): a parent
/// comes before its subtree, which is one contiguous run. Copying is the
/// one stage that reads across memory (the spans are in start order);
/// clipping and ordering are one pass in local order that keeps the
/// nodes whose subtree it is in on a stack, and the walk only goes along
/// the path. (Read through the spans themselves, in start order, the walk
/// jumped across memory: its cost per span grew five-fold from 10k to 1M
/// spans; ordering each node's children where they lie, two-fold.)
pub struct PathSearch {
    root: Option<u32>,
    stage: Stage,
}

/// A node of the root's subtree, numbered locally in depth-first order.
#[derive(Clone, Copy)]
struct Node {
    /// The span's times, then clipped to its clipped parent: [`OFF`]
    /// when it does not block the root (asynchronous, outside its parent,
    /// or below such).
    start: u64,
    end: u64,
    /// Its subtree's size, without itself.
    below: u32,
    /// Its span id, big-endian (ties between children go to the lowest).
    id: u64,
    /// Its kind as far as blocking goes ([`CONSUMER`], …).
    kinds: u8,
}

impl Node {
    fn times(&self) -> (u64, u64) {
        (self.start, self.end)
    }
}

/// The root's subtree, numbered locally in depth-first order.
struct Subtree {
    /// Local number → span index: a run of `Trace::depth_first`.
    first: usize,
    len: usize,
    nodes: Vec<Node>,
}

impl Subtree {
    /// The span behind local node `local`.
    fn span(&self, trace: &Trace, local: u32) -> u32 {
        trace.depth_first()[self.first + local as usize]
    }
}

/// A CONSUMER span (it does not block a PRODUCER parent).
const CONSUMER: u8 = 1;
/// A PRODUCER span.
const PRODUCER: u8 = 2;
/// A span that only follows from its parent (Jaeger's FOLLOWS_FROM).
const FOLLOWS: u8 = 4;

/// How far copying has got: every span's local number noted, then the
/// spans read in their own order into local places.
enum Copying {
    Number { local_of: Vec<u32>, done: usize },
    Gather { local_of: Vec<u32>, done: usize },
}

/// The pass that clips the nodes and orders each one's kept children by
/// end, in local order. A node's children are noted on `pending` as they
/// come; when the pass leaves its subtree they are the top of `pending`,
/// and go in order to `by_end`.
struct Ordering {
    /// The next node.
    next: u32,
    /// The nodes whose subtree the pass is in, innermost last.
    open: Vec<Open>,
    pending: Vec<Child>,
    parent: Vec<u32>,
    by_end: Vec<u32>,
    ranges: Vec<(u32, u32)>,
}

/// A node whose subtree the pass is in.
struct Open {
    local: u32,
    /// Its subtree's last node.
    last: u32,
    /// Where its children start on `pending`.
    base: usize,
}

/// A kept child waiting for its parent's subtree to end, with what
/// sorting reads: its clipped times and span id (read from the spans on a
/// tie, the id was a cache miss each time).
#[derive(Clone, Copy)]
struct Child {
    end: u64,
    start: u64,
    id: u64,
    local: u32,
}

/// The kept children of every node, in walking order, and where the walk
/// goes up.
struct Order {
    parent: Vec<u32>,
    /// Node i's children are `by_end[ranges[i].0..ranges[i].1]`,
    /// last-finishing first.
    by_end: Vec<u32>,
    ranges: Vec<(u32, u32)>,
}

enum Stage {
    Started,
    Copy {
        tree: Subtree,
        copying: Copying,
    },
    Order {
        tree: Subtree,
        ordering: Ordering,
    },
    Walk {
        tree: Subtree,
        order: Order,
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
                    let unset = Node {
                        start: OFF.0,
                        end: OFF.1,
                        below: 0,
                        id: 0,
                        kinds: 0,
                    };
                    Stage::Copy {
                        tree: Subtree {
                            first,
                            len,
                            nodes: vec![unset; len],
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
                            ordering: Ordering::new(tree.len),
                            tree,
                        },
                    }
                }
                Stage::Order {
                    mut tree,
                    mut ordering,
                } => {
                    spent += ordering.go_on(&mut tree, budget - spent);
                    match ordering.done(&tree) {
                        Some(order) => Stage::Walk {
                            walker: Walker::new(tree.len),
                            tree,
                            order,
                        },
                        None => Stage::Order { tree, ordering },
                    }
                }
                Stage::Walk {
                    tree,
                    order,
                    mut walker,
                } => {
                    let (steps, found) = walker.walk(trace, &tree, &order, budget - spent);
                    spent += steps;
                    if let Some(path) = found {
                        return Some(path);
                    }
                    Stage::Walk {
                        tree,
                        order,
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

/// Copies the subtree out of the spans for about `budget` steps; how far
/// it got (`None`: done) and the steps taken.
///
/// The spans are read in their own order (start order), each written to
/// its local place, a node of its own cache line at most: read in
/// depth-first order instead, every span was a cache miss (at a million
/// spans, 41 % of the search's time was the first load of each span's
/// times).
fn copy_some(
    trace: &Trace,
    tree: &mut Subtree,
    copying: Copying,
    budget: usize,
) -> (Option<Copying>, usize) {
    match copying {
        Copying::Number { mut local_of, done } => {
            let order = &trace.depth_first()[tree.first..tree.first + tree.len];
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
                tree.nodes[local] = Node {
                    start: span.start_ns,
                    end: span.end_ns,
                    below: trace.descendants(index as u32),
                    id: u64::from_be_bytes(span.span_id.0),
                    kinds: match span.kind {
                        SpanKind::Consumer => CONSUMER,
                        SpanKind::Producer => PRODUCER,
                        _ => 0,
                    } | if span.follows_from { FOLLOWS } else { 0 },
                };
            }
            let next = (end < trace.spans.len()).then_some(Copying::Gather {
                local_of,
                done: end,
            });
            (next, end - done)
        }
    }
}

impl Ordering {
    fn new(len: usize) -> Self {
        Self {
            next: 0,
            open: Vec::new(),
            pending: Vec::new(),
            parent: vec![NONE; len],
            by_end: Vec::with_capacity(len),
            ranges: vec![(0, 0); len],
        }
    }

    /// Goes on for about `budget` steps: how many it took.
    fn go_on(&mut self, tree: &mut Subtree, budget: usize) -> usize {
        let mut spent = 0;
        while spent < budget && (self.next as usize) < tree.len {
            let local = self.next;
            // Leaving the subtrees that end before this node.
            while let Some(top) = self.open.last() {
                if top.last >= local {
                    break;
                }
                spent += self.close();
            }
            let node = tree.nodes[local as usize];
            if let Some(top) = self.open.last() {
                let parent = tree.nodes[top.local as usize];
                let (start, end) = clip(node, parent);
                tree.nodes[local as usize].start = start;
                tree.nodes[local as usize].end = end;
                self.parent[local as usize] = top.local;
                if (start, end) != OFF {
                    self.pending.push(Child {
                        end,
                        start,
                        id: node.id,
                        local,
                    });
                }
            }
            self.open.push(Open {
                local,
                last: local + node.below,
                base: self.pending.len(),
            });
            self.next += 1;
            spent += 1;
        }
        if self.next as usize == tree.len {
            while spent < budget && !self.open.is_empty() {
                spent += self.close();
            }
        }
        spent
    }

    /// The order, once every node is clipped and its children ordered.
    fn done(&mut self, tree: &Subtree) -> Option<Order> {
        (self.next as usize == tree.len && self.open.is_empty()).then(|| Order {
            parent: std::mem::take(&mut self.parent),
            by_end: std::mem::take(&mut self.by_end),
            ranges: std::mem::take(&mut self.ranges),
        })
    }

    /// Leaves the innermost open node's subtree: its kept children go to
    /// `by_end`, last-finishing first (on equal ends the earlier start,
    /// the longer child, first, then the lowest span id). How many
    /// children it ordered.
    fn close(&mut self) -> usize {
        let Open { local, base, .. } = self.open.pop().expect("an open node");
        let children = &mut self.pending[base..];
        let compare = |a: &Child, b: &Child| {
            b.end
                .cmp(&a.end)
                .then(a.start.cmp(&b.start))
                .then(a.id.cmp(&b.id))
        };
        if children.len() < RADIX_FROM {
            children.sort_unstable_by(compare);
        } else {
            // A span with very many children (a fan-out of thousands)
            // would make the walk cost n log n: radix passes by end. They
            // keep the order of equal ends, and the children came in start
            // order (a parent's children are in start order, and so in
            // depth-first order; clipping keeps it); the rare equal
            // (end, start) runs by span id.
            radsort::sort_by_key(children, |c| u64::MAX - c.end);
            for run in children.chunk_by_mut(|a, b| (a.end, a.start) == (b.end, b.start)) {
                if run.len() > 1 {
                    run.sort_unstable_by(compare);
                }
            }
        }
        let first = self.by_end.len() as u32;
        self.by_end.extend(children.iter().map(|c| c.local));
        self.ranges[local as usize] = (first, self.by_end.len() as u32);
        let ordered = children.len();
        self.pending.truncate(base);
        1 + ordered
    }
}

/// A node's times clipped to its (clipped) parent: [`OFF`] when it does
/// not block it.
fn clip(node: Node, parent: Node) -> (u64, u64) {
    let (parent_start, parent_end) = parent.times();
    let (start, end) = node.times();
    let inside = start >= parent_start && end <= parent_end;
    if (parent_start, parent_end) == OFF
        // Asynchronous: the parent does not wait for it.
        || node.kinds & FOLLOWS != 0
        || (node.kinds & CONSUMER != 0 && parent.kinds & PRODUCER != 0)
        // Wholly outside its parent: dropped, subtree and all.
        || (!inside && (start >= parent_end || end <= parent_start))
    {
        OFF
    } else {
        (start.max(parent_start), end.min(parent_end))
    }
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
        order: &Order,
        budget: usize,
    ) -> (usize, Option<Vec<Section>>) {
        let nodes = &tree.nodes;
        let mut steps = 0;
        while steps < budget {
            steps += 1;
            let current = self.current;
            let span = tree.span(trace, current);
            let Node { start, end, .. } = nodes[current as usize];
            let point = self.returning.unwrap_or(end);
            let (first, last) = order.ranges[current as usize];
            let children = &order.by_end[first as usize..last as usize];
            let mut next = self.cursor[current as usize] as usize;
            if self.returning.is_some() {
                while next < children.len() && nodes[children[next] as usize].end > point {
                    next += 1;
                }
            }
            if let Some(&child) = children.get(next) {
                self.cursor[current as usize] = next as u32 + 1;
                push(&mut self.path, span, nodes[child as usize].end, point);
                self.current = child;
                self.returning = None;
            } else {
                self.cursor[current as usize] = children.len() as u32;
                push(&mut self.path, span, start, point);
                match order.parent[current as usize] {
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

    /// One span of a generated OTLP/JSON trace, by its numbers.
    fn span_json(id: u64, parent: Option<u64>, start_ns: u64, end_ns: u64) -> String {
        let parent = parent.map_or(String::new(), |p| format!(r#""parentSpanId":"{p:016x}","#));
        format!(
            r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{id:016x}",{parent}"name":"s","startTimeUnixNano":"{start_ns}","endTimeUnixNano":"{end_ns}"}}"#
        )
    }

    /// The trace those spans make, read as OTLP/JSON.
    fn ingest_spans(spans: &[String]) -> crate::TraceSet {
        let json = format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        );
        crate::ingest(json.as_bytes()).unwrap()
    }

    #[test]
    fn a_deep_chain_does_not_recurse() {
        // 100,000 nested spans, each starting 1 µs after its parent and all
        // ending together: the innermost holds the end, each ancestor its
        // first microsecond.
        let depth = 100_000u64;
        let spans: Vec<String> = (0..depth)
            .map(|d| {
                span_json(
                    d + 1,
                    (d > 0).then_some(d),
                    d * 1_000,
                    depth * 1_000 + 1_000,
                )
            })
            .collect();
        let set = ingest_spans(&spans);
        let trace = &set.traces[0];
        let path = critical_path(trace, trace.main_root().unwrap());
        assert_eq!(path.len(), depth as usize);
        assert_eq!(
            path.last().unwrap().end_ns - path.last().unwrap().start_ns,
            2_000
        );
    }

    #[test]
    fn a_wide_fan_out_hands_over_step_by_step_and_ties_go_to_the_lowest_id() {
        // 1,500 back-to-back steps under the root (enough for the radix
        // passes), each written twice with the same times: the twin with
        // the lower span id holds the step. The twins come in the file
        // higher id first, so input order cannot decide.
        let steps = 1_500u64;
        let root = u64::MAX >> 1;
        let mut spans = vec![span_json(root, None, 0, steps * 1_000)];
        for step in 0..steps {
            for id in [2 * step + 2, 2 * step + 1] {
                spans.push(span_json(
                    id,
                    Some(root),
                    step * 1_000,
                    step * 1_000 + 1_000,
                ));
            }
        }
        let set = ingest_spans(&spans);
        let trace = &set.traces[0];
        let path = critical_path(trace, trace.main_root().unwrap());
        let held: Vec<(u64, u64)> = path
            .iter()
            .map(|s| {
                let id = u64::from_be_bytes(trace.spans[s.span as usize].span_id.0);
                (id, s.start_ns)
            })
            .collect();
        let expected: Vec<(u64, u64)> = (0..steps)
            .map(|step| (2 * step + 1, step * 1_000))
            .collect();
        assert_eq!(held, expected);
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
