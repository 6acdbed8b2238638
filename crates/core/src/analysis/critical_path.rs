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

use crate::model::{Span, SpanBrief, SpanKind, Trace};

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

/// Marks a child that does not block its parent: its times once clipped.
const OFF: (u64, u64) = (u64::MAX, 0);
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

/// The critical path found in steps of a bounded amount of work; a page
/// pauses between steps.
///
/// The walk goes down the path only: entering a span, it clips that
/// span's children to it and puts them in order by end; below a child it
/// does not take it reads nothing. The spans it is inside are a stack and
/// their ordered children one vector of runs, so its memory follows the
/// path's depth and fan-out, not the trace's size. (Clipping and ordering
/// the root's whole subtree first, as this did before, read every span:
/// at a million spans that cost twice as much per span as at 10k, for
/// the cache misses of copying the subtree out of the spans.)
pub struct PathSearch {
    root: Option<u32>,
    walk: Option<Walk>,
}

/// The walk back in time from the root's end.
struct Walk {
    /// The spans the walk is inside, the root first.
    inside: Vec<Inside>,
    /// The kept children of each span in `inside`, a run each in the same
    /// order, each run last-finishing first.
    children: Vec<Child>,
    /// The sections found, latest first.
    path: Vec<Section>,
}

/// A span the walk is inside.
struct Inside {
    span: u32,
    /// Its start, clipped to its parent.
    start: u64,
    /// How far back in time the walk has come inside it.
    point: u64,
    /// Where its run of children starts in [`Walk::children`].
    run: usize,
    /// Its next child to look at there (those before were taken or
    /// passed over).
    next: usize,
}

/// A kept child, clipped, with what ordering reads: its times (and, on
/// equal times, its span's id).
#[derive(Clone, Copy)]
struct Child {
    end: u64,
    start: u64,
    span: u32,
}

/// What blocking needs of a span's kind.
#[derive(Clone, Copy)]
struct Blocking {
    consumer: bool,
    producer: bool,
    /// Linked to its parent by Jaeger's FOLLOWS_FROM alone.
    follows: bool,
}

impl Blocking {
    fn of(span: &SpanBrief) -> Self {
        Self {
            consumer: span.kind == SpanKind::Consumer,
            producer: span.kind == SpanKind::Producer,
            follows: span.follows_from,
        }
    }
}

impl PathSearch {
    /// The search for the path below `root` (none: an empty path).
    pub fn new(root: Option<u32>) -> Self {
        Self { root, walk: None }
    }

    /// Goes on with the search on `trace` (the same trace each time) for
    /// about `budget` spans' worth of work; the path once it is found.
    pub fn step(&mut self, trace: &Trace, budget: usize) -> Option<Vec<Section>> {
        let Some(root) = self.root else {
            return Some(Vec::new());
        };
        let mut spent = 0;
        let walk = self.walk.get_or_insert_with(|| {
            let span = &trace.briefs()[root as usize];
            let mut walk = Walk {
                inside: Vec::new(),
                children: Vec::new(),
                path: Vec::new(),
            };
            spent += walk.enter(trace, root, (span.start_ns, span.end_ns));
            walk
        });
        while spent < budget {
            spent += 1;
            let Some(inside) = walk.inside.last_mut() else {
                let mut path = std::mem::take(&mut walk.path);
                path.reverse();
                return Some(path);
            };
            // The last-finishing child not taken yet that ends at or
            // before the point reached.
            let run = &walk.children[inside.next..];
            let passed = run.iter().take_while(|c| c.end > inside.point).count();
            spent += passed;
            inside.next += passed;
            match run.get(passed).copied() {
                Some(child) => {
                    inside.next += 1;
                    push(&mut walk.path, inside.span, child.end, inside.point);
                    inside.point = child.start;
                    spent += walk.enter(trace, child.span, (child.start, child.end));
                }
                None => {
                    push(&mut walk.path, inside.span, inside.start, inside.point);
                    walk.children.truncate(inside.run);
                    walk.inside.pop();
                }
            }
        }
        None
    }
}

impl Walk {
    /// Enters `span`, whose clipped times are `times`: its kept children
    /// go on [`Walk::children`], last-finishing first (on equal ends the
    /// earlier start, the longer child, first, then the lowest span id).
    /// The work it took.
    fn enter(&mut self, trace: &Trace, span: u32, times: (u64, u64)) -> usize {
        let briefs = trace.briefs();
        let parent = Blocking::of(&briefs[span as usize]);
        let run = self.children.len();
        let children = trace.children(span);
        for &index in children {
            let child = &briefs[index as usize];
            let (start, end) = clip(
                (child.start_ns, child.end_ns),
                Blocking::of(child),
                times,
                parent,
            );
            if (start, end) != OFF {
                self.children.push(Child {
                    end,
                    start,
                    span: index,
                });
            }
        }
        order_by_end(&mut self.children[run..], &trace.spans);
        self.inside.push(Inside {
            span,
            start: times.0,
            point: times.1,
            run,
            next: run,
        });
        1 + children.len()
    }
}

/// Puts a span's kept children in walking order: last-finishing first,
/// on equal ends the earlier start, then the lowest span id (read from
/// `spans` only then: the spans are read at random, the briefs not).
fn order_by_end(children: &mut [Child], spans: &[Span]) {
    let id = |child: &Child| u64::from_be_bytes(spans[child.span as usize].span_id.0);
    let compare = |a: &Child, b: &Child| {
        b.end
            .cmp(&a.end)
            .then(a.start.cmp(&b.start))
            .then_with(|| id(a).cmp(&id(b)))
    };
    if children.len() < RADIX_FROM {
        children.sort_unstable_by(compare);
    } else {
        // A span with very many children (a fan-out of thousands) would
        // make the walk cost n log n: radix passes by end. They keep the
        // order of equal ends, and the children came in start order (a
        // span's children are in start order, and clipping keeps it);
        // the rare equal (end, start) runs by span id.
        radsort::sort_by_key(children, |c| u64::MAX - c.end);
        for run in children.chunk_by_mut(|a, b| (a.end, a.start) == (b.end, b.start)) {
            if run.len() > 1 {
                run.sort_unstable_by(compare);
            }
        }
    }
}

/// A child's times clipped to its parent's (clipped) times: [`OFF`] when
/// it does not block it.
fn clip(
    (start, end): (u64, u64),
    child: Blocking,
    (parent_start, parent_end): (u64, u64),
    parent: Blocking,
) -> (u64, u64) {
    let inside = start >= parent_start && end <= parent_end;
    // Asynchronous: the parent does not wait for it.
    if child.follows
        || (child.consumer && parent.producer)
        // Wholly outside its parent: dropped, subtree and all.
        || (!inside && (start >= parent_end || end <= parent_start))
    {
        OFF
    } else {
        (start.max(parent_start), end.min(parent_end))
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
