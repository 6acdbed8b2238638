//! The flame graph (an icicle: the root on top, each span a box under its
//! parent, as wide as it lasts), laid out for a width in pixels. Boxes
//! narrower than a pixel are merged, row by row, into runs, as Perfetto and
//! speedscope do: a million spans cost what the screen shows. The graph
//! can be zoomed to a subtree, with the way back as breadcrumbs.

use tracelens_core::{Trace, TraceSet};

use crate::row::Sections;

/// Boxes narrower than this (pixels) join the run beside them.
pub const MERGE_BELOW_PX: f64 = 1.0;

/// One box of the flame graph, in pixels of its width; `row` counts down
/// from the top (the subtree's root is row 0).
#[derive(Clone, Debug, PartialEq)]
pub struct FlameBox {
    /// The span it draws; `None` for a run of spans too narrow to draw
    /// one by one.
    pub span: Option<u32>,
    /// How many spans it stands for (1 for a span's box).
    pub spans: u32,
    pub row: u32,
    pub x: f64,
    pub width: f64,
    /// The span's critical sections, as `(x, width)` in pixels.
    pub critical: Vec<(f64, f64)>,
}

/// The spans the graph shows: the subtree of `focus` (every span when
/// `None`), in tree order, and the time window that is its width.
fn shown(trace: &Trace, focus: Option<u32>) -> (&[u32], u64, u64, u32) {
    let order = trace.depth_first();
    let Some(focus) = focus.filter(|&f| (f as usize) < trace.spans.len()) else {
        return (order, trace.start_ns(), trace.end_ns(), 0);
    };
    // A subtree is a run of the tree order: the span, then what is below.
    let at = order.iter().position(|&s| s == focus).unwrap_or(0);
    let below = trace.descendants(focus) as usize;
    let subtree = &order[at..(at + below + 1).min(order.len())];
    let span = &trace.spans[focus as usize];
    // Children may outlast their parent: the window holds them all.
    let (from, to) = subtree
        .iter()
        .fold((span.start_ns, span.end_ns), |(f, t), &s| {
            let s = &trace.spans[s as usize];
            (f.min(s.start_ns), t.max(s.end_ns))
        });
    (subtree, from, to, span.depth)
}

/// The boxes of the flame graph of `trace` (or of `focus`'s subtree) at
/// `width` pixels and at most `max_rows` rows deep, with the critical
/// sections of `sections` on them.
///
/// A box is drawn only if it shows: one that would cover no pixel of its
/// row that an earlier box has not covered (concurrent siblings hide each
/// other) is left out, unless it is on the critical path. So a row holds
/// at most as many boxes as it has pixels, and a million spans cost what
/// the screen shows. Which pixels are covered is kept per row as "the next
/// free pixel" links, each followed once (a union-find).
pub fn layout(
    trace: &Trace,
    focus: Option<u32>,
    width: f64,
    sections: &Sections,
    max_rows: u32,
) -> Vec<FlameBox> {
    let (spans, from, to, top) = shown(trace, focus);
    let scale = width / to.saturating_sub(from).max(1) as f64;
    let x = |ns: u64| (ns.saturating_sub(from)) as f64 * scale;
    let columns = width.ceil().max(1.0) as usize;
    let mut on_path = vec![false; trace.spans.len()];
    for &span in sections.keys() {
        on_path[span as usize] = true;
    }
    let mut boxes = Vec::new();
    // Per row: the run of narrow spans being merged (its index in
    // `boxes`), and the next-free-pixel links.
    let mut runs: Vec<Option<usize>> = Vec::new();
    let mut free: Vec<Vec<u32>> = Vec::new();
    for &index in spans {
        let span = &trace.spans[index as usize];
        let row = span.depth - top;
        if row >= max_rows {
            continue;
        }
        let r = row as usize;
        if runs.len() <= r {
            runs.resize(r + 1, None);
            free.resize_with(r + 1, Vec::new);
        }
        if free[r].is_empty() {
            free[r] = (0..=columns as u32).collect();
        }
        let (left, right) = (x(span.start_ns), x(span.end_ns));
        let first = (left.floor().max(0.0) as usize).min(columns - 1);
        let last = (right.ceil() as usize).clamp(first + 1, columns);
        let critical = on_path[index as usize];
        if right - left < MERGE_BELOW_PX {
            // A narrow span joins the run of its row if it touches it.
            if let Some(run) =
                runs[r].filter(|&run| left <= boxes_end(&boxes, run) + MERGE_BELOW_PX)
            {
                let merged: &mut FlameBox = &mut boxes[run];
                merged.width = merged.width.max(right - merged.x);
                merged.spans += 1;
                merged.span = None;
                occupy(&mut free[r], first, last);
                continue;
            }
            if next_free(&mut free[r], first) >= last && !critical {
                continue;
            }
            occupy(&mut free[r], first, last);
            runs[r] = Some(boxes.len());
            boxes.push(FlameBox {
                span: Some(index),
                spans: 1,
                row,
                x: left,
                width: (right - left).max(MERGE_BELOW_PX),
                critical: Vec::new(),
            });
            continue;
        }
        if next_free(&mut free[r], first) >= last && !critical {
            continue;
        }
        occupy(&mut free[r], first, last);
        let critical = sections
            .get(&index)
            .into_iter()
            .flatten()
            .map(|&(a, b)| (x(a), x(b) - x(a)))
            .collect();
        boxes.push(FlameBox {
            span: Some(index),
            spans: 1,
            row,
            x: left,
            width: right - left,
            critical,
        });
    }
    boxes
}

fn boxes_end(boxes: &[FlameBox], at: usize) -> f64 {
    boxes[at].x + boxes[at].width
}

/// The first pixel at or after `x` no box covers yet (the row's width
/// when there is none), halving the links it follows.
fn next_free(links: &mut [u32], mut x: usize) -> usize {
    while links[x] as usize != x {
        let next = links[x] as usize;
        links[x] = links[next];
        x = next;
    }
    x
}

/// Marks pixels `from..to` covered.
fn occupy(links: &mut [u32], from: usize, to: usize) {
    let mut x = next_free(links, from);
    while x < to {
        links[x] = x as u32 + 1;
        x = next_free(links, x + 1);
    }
}

/// The span whose box is at `x` on `row`, if one is (runs of merged spans
/// are not one span).
pub fn hit(boxes: &[FlameBox], x: f64, row: u32) -> Option<u32> {
    boxes
        .iter()
        .filter(|b| b.row == row && x >= b.x && x <= b.x + b.width)
        .find_map(|b| b.span)
}

/// The way back from `focus` to the top: each ancestor, the root first,
/// with its name.
pub fn breadcrumbs(set: &TraceSet, trace: &Trace, focus: u32) -> Vec<(u32, String)> {
    let mut path = Vec::new();
    let mut at = Some(focus);
    while let Some(index) = at {
        let Some(span) = trace.spans.get(index as usize) else {
            break;
        };
        path.push((index, set.strings.get(span.name).to_owned()));
        at = span.parent;
    }
    path.reverse();
    path
}

/// How many rows the graph of `focus`'s subtree has.
pub fn rows(trace: &Trace, focus: Option<u32>) -> u32 {
    let (spans, _, _, top) = shown(trace, focus);
    spans
        .iter()
        .map(|&s| trace.spans[s as usize].depth - top + 1)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::row::sections;
    use tracelens_core::analysis::ascii::trace_from_ascii;
    use tracelens_core::analysis::critical_path::critical_path;

    fn span(trace: &Trace, id: u8) -> u32 {
        trace
            .span_index(tracelens_core::SpanId([0, 0, 0, 0, 0, 0, 0, id]))
            .unwrap()
    }

    #[test]
    fn boxes_sit_under_their_parents_as_wide_as_they_last() {
        // 10 µs drawn on 100 px: a microsecond is 10 px.
        let (_, trace) = trace_from_ascii(&[
            "root [---------]",
            "  a   [---]",
            "    b  [-]",
            "  c         [--]",
        ]);
        let none = Sections::new();
        let boxes = layout(&trace, None, 100.0, &none, 100);
        let of = |id| {
            boxes
                .iter()
                .find(|b| b.span == Some(span(&trace, id)))
                .unwrap()
        };
        assert_eq!((of(1).row, of(1).x, of(1).width), (0, 0.0, 100.0));
        assert_eq!((of(2).row, of(2).x, of(2).width), (1, 10.0, 40.0));
        assert_eq!((of(3).row, of(3).x, of(3).width), (2, 20.0, 20.0));
        assert_eq!((of(4).row, of(4).x, of(4).width), (1, 70.0, 30.0));
        assert_eq!(rows(&trace, None), 3);
        assert_eq!(hit(&boxes, 25.0, 2), Some(span(&trace, 3)));
        assert_eq!(hit(&boxes, 55.0, 1), None);
    }

    #[test]
    fn a_subtree_fills_the_width_and_starts_at_the_top() {
        let (set, trace) = trace_from_ascii(&[
            "root [---------]",
            "  a   [---]",
            "    b  [-]",
            "  c         [--]",
        ]);
        let a = span(&trace, 2);
        let boxes = layout(&trace, Some(a), 100.0, &Sections::new(), 100);
        assert_eq!(boxes.len(), 2);
        assert_eq!((boxes[0].row, boxes[0].x, boxes[0].width), (0, 0.0, 100.0));
        assert_eq!((boxes[1].row, boxes[1].x, boxes[1].width), (1, 25.0, 50.0));
        assert_eq!(rows(&trace, Some(a)), 2);
        let b = span(&trace, 3);
        let path: Vec<String> = breadcrumbs(&set, &trace, b)
            .into_iter()
            .map(|c| c.1)
            .collect();
        assert_eq!(path, ["root", "a", "b"]);
    }

    #[test]
    fn spans_narrower_than_a_pixel_merge_into_runs() {
        // 1000 one-microsecond children under a 1000 µs root, on 100 px:
        // each is a tenth of a pixel, so they draw as one run.
        let mut lines = vec![format!("root [{}]", "-".repeat(999))];
        for n in 0..1000 {
            lines.push(format!("  c{n} {}[]", " ".repeat(n + 1)));
        }
        let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (_, trace) = trace_from_ascii(&lines);
        let boxes = layout(&trace, None, 100.0, &Sections::new(), 100);
        let children: Vec<&FlameBox> = boxes.iter().filter(|b| b.row == 1).collect();
        assert_eq!(children.len(), 1, "{children:?}");
        assert_eq!(children[0].spans, 1000);
        assert_eq!(children[0].span, None);
        // Wide enough, each child is a box of its own.
        assert_eq!(
            layout(&trace, None, 10_000.0, &Sections::new(), 100).len(),
            1001
        );
    }

    #[test]
    fn a_box_hidden_under_its_siblings_is_left_out_unless_on_the_path() {
        // Three siblings at once: b lies wholly under a, c sticks out.
        let (_, trace) = trace_from_ascii(&[
            "root [----------]",
            "  a  [------]",
            "  b    [--]",
            "  c     [------]",
        ]);
        let boxes = layout(&trace, None, 100.0, &Sections::new(), 100);
        let drawn: Vec<u32> = boxes.iter().filter_map(|b| b.span).collect();
        assert!(!drawn.contains(&span(&trace, 3)), "{drawn:?}");
        assert!(drawn.contains(&span(&trace, 4)));
        // Rows past the limit are not laid out.
        assert!(layout(&trace, None, 100.0, &Sections::new(), 1)
            .iter()
            .all(|b| b.row == 0));
        // On the path, a hidden span is drawn all the same.
        let mut path = Sections::new();
        path.insert(
            span(&trace, 3),
            vec![(trace.start_ns() + 2_000, trace.start_ns() + 4_000)],
        );
        let boxes = layout(&trace, None, 100.0, &path, 100);
        assert!(boxes.iter().any(|b| b.span == Some(span(&trace, 3))));
    }

    #[test]
    fn critical_sections_are_marked_on_their_boxes() {
        let (_, trace) = trace_from_ascii(&["root [--------]", "  a   [--]", "  b        [-]"]);
        let sections = sections(&critical_path(&trace, trace.main_root().unwrap()));
        let boxes = layout(&trace, None, 90.0, &sections, 100);
        let root = boxes.iter().find(|b| b.row == 0).unwrap();
        // The root holds 0–1, 4–6 and 8–9 µs of the 9 µs path.
        assert_eq!(root.critical, vec![(0.0, 10.0), (40.0, 20.0), (80.0, 10.0)]);
        let a = boxes
            .iter()
            .find(|b| b.span == Some(span(&trace, 2)))
            .unwrap();
        assert_eq!(a.critical, vec![(10.0, 30.0)]);
    }
}
