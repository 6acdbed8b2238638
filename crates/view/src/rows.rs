//! Which spans have a row in the timeline, and in which order: the spans
//! in tree order, less the subtrees folded away, less (when a breakdown
//! group is in focus) every span outside that group. As Jaeger UI keeps
//! `generateRowStates` apart from its virtualised list, this is a pure
//! function of the trace and what the user folded.

use std::collections::HashSet;
use std::sync::OnceLock;

use tracelens_core::analysis::breakdown::{spans_in_group, GroupBy};
use tracelens_core::{Trace, TraceSet};

/// In [`Rows::row_of`]: the span has no row.
pub const NO_ROW: u32 = u32::MAX;

/// The rows of one trace as folded and focused.
#[derive(Clone, Debug)]
pub struct Rows {
    /// Span indices in row order (parents before children).
    pub order: Vec<u32>,
    /// The row of each span, the inverse of `order`, found when first
    /// asked for ([`Rows::row_of`]): a view opened without a span selected
    /// or a find under way never needs it, and at a million spans its
    /// writes across memory were 15 ms of the frame showing the trace.
    row_of: OnceLock<Vec<u32>>,
    /// The trace's spans.
    spans: usize,
    /// The trace's first start, Unix ns.
    pub start_ns: u64,
    /// The trace's duration, at least 1 ns.
    pub duration_ns: u64,
}

/// Rows are the same when their order and times are: the rest follows.
impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        (&self.order, self.spans, self.start_ns, self.duration_ns)
            == (&other.order, other.spans, other.start_ns, other.duration_ns)
    }
}

impl Eq for Rows {}

/// A breakdown group whose spans alone have rows.
pub struct Focus<'a> {
    /// How the breakdown groups spans.
    pub group_by: &'a GroupBy,
    /// The group's label.
    pub group: &'a str,
}

impl Rows {
    /// The rows of `trace` with the subtrees of `folded` hidden and, if a
    /// group is in `focus`, only its spans.
    pub fn visible(
        set: &TraceSet,
        trace: &Trace,
        folded: &HashSet<u32>,
        focus: Option<Focus<'_>>,
    ) -> Rows {
        let full = trace.depth_first();
        let mut order = Vec::with_capacity(full.len());
        match folded.is_empty() {
            true => order.extend_from_slice(full),
            false => {
                // A folded span hides the spans after it in tree order, as
                // many as are below it.
                let mut at = 0;
                while let Some(&index) = full.get(at) {
                    order.push(index);
                    at += 1;
                    if folded.contains(&index) {
                        at += trace.descendants(index) as usize;
                    }
                }
            }
        }
        if let Some(focus) = focus {
            let mut member = vec![false; trace.spans.len()];
            for span in spans_in_group(set, trace, focus.group_by, focus.group) {
                member[span as usize] = true;
            }
            order.retain(|&span| member[span as usize]);
        }
        Rows {
            order,
            row_of: OnceLock::new(),
            spans: trace.spans.len(),
            start_ns: trace.start_ns(),
            duration_ns: trace.duration_ns().max(1),
        }
    }

    /// The row of each span, indexed like the trace's spans ([`NO_ROW`]:
    /// none).
    pub fn row_of(&self) -> &[u32] {
        self.row_of.get_or_init(|| {
            let mut row_of = vec![NO_ROW; self.spans];
            for (row, &index) in self.order.iter().enumerate() {
                row_of[index as usize] = row as u32;
            }
            row_of
        })
    }

    /// The row of span `index`, if it has one.
    pub fn row(&self, index: u32) -> Option<usize> {
        self.row_of()
            .get(index as usize)
            .filter(|&&r| r != NO_ROW)
            .map(|&r| r as usize)
    }

    /// The span the keyboard moves to from the span `from` (none: from
    /// before the first row).
    pub fn moved(&self, from: Option<u32>, step: Move) -> Option<u32> {
        let last = self.order.len().checked_sub(1)?;
        let current = from.and_then(|span| self.row(span));
        let row = match step {
            Move::Next => current.map_or(0, |r| (r + 1).min(last)),
            Move::Previous => current.map_or(0, |r| r.saturating_sub(1)),
            Move::First => 0,
            Move::Last => last,
        };
        self.order.get(row).copied()
    }
}

/// A move through the rows by keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// `j`, ↓.
    Next,
    /// `k`, ↑.
    Previous,
    /// Home.
    First,
    /// End.
    Last,
}

/// The spans to fold so that rows go `depth` levels deep: every span with
/// children at depth `depth - 1` (roots are at depth 0; depth 1 shows the
/// roots alone).
pub fn folded_to_depth(trace: &Trace, depth: u32) -> HashSet<u32> {
    (0..trace.spans.len() as u32)
        .filter(|&i| trace.spans[i as usize].depth + 1 == depth && !trace.children(i).is_empty())
        .collect()
}

/// Folds `span` (`Some(true)`), unfolds it (`Some(false)`) or toggles it.
pub fn fold(folded: &mut HashSet<u32>, span: u32, fold: Option<bool>) {
    let fold = fold.unwrap_or(!folded.contains(&span));
    match fold {
        true => folded.insert(span),
        false => folded.remove(&span),
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;

    const DRAWING: [&str; 6] = [
        "root [------------------]",
        "  a   [-------]",
        "    a1 [--]",
        "    a2     [--]",
        "  b             [-----]",
        "    b1           [-]",
    ];

    fn names(set: &TraceSet, trace: &Trace, rows: &Rows) -> Vec<String> {
        rows.order
            .iter()
            .map(|&i| set.strings.get(trace.spans[i as usize].name).to_owned())
            .collect()
    }

    fn index(set: &TraceSet, trace: &Trace, name: &str) -> u32 {
        (0..trace.spans.len() as u32)
            .find(|&i| set.strings.get(trace.spans[i as usize].name) == name)
            .unwrap()
    }

    #[test]
    fn every_span_has_a_row_in_tree_order() {
        let (set, trace) = trace_from_ascii(&DRAWING);
        let rows = Rows::visible(&set, &trace, &HashSet::new(), None);
        assert_eq!(
            names(&set, &trace, &rows),
            ["root", "a", "a1", "a2", "b", "b1"]
        );
        for (row, &span) in rows.order.iter().enumerate() {
            assert_eq!(rows.row(span), Some(row));
        }
        // Rows whose inverse was found equal rows whose inverse was not.
        assert_eq!(rows, Rows::visible(&set, &trace, &HashSet::new(), None));
    }

    #[test]
    fn a_folded_span_hides_its_subtree_and_keeps_its_row() {
        let (set, trace) = trace_from_ascii(&DRAWING);
        let mut folded = HashSet::new();
        fold(&mut folded, index(&set, &trace, "a"), None);
        let rows = Rows::visible(&set, &trace, &folded, None);
        assert_eq!(names(&set, &trace, &rows), ["root", "a", "b", "b1"]);
        assert_eq!(rows.row(index(&set, &trace, "a1")), None);
        // Toggling again unfolds; an explicit unfold of an open span is a no-op.
        fold(&mut folded, index(&set, &trace, "a"), None);
        fold(&mut folded, index(&set, &trace, "b"), Some(false));
        assert!(folded.is_empty());
    }

    #[test]
    fn folding_to_a_depth_shows_that_many_levels() {
        let (set, trace) = trace_from_ascii(&DRAWING);
        let one = Rows::visible(&set, &trace, &folded_to_depth(&trace, 1), None);
        assert_eq!(names(&set, &trace, &one), ["root"]);
        let two = Rows::visible(&set, &trace, &folded_to_depth(&trace, 2), None);
        assert_eq!(names(&set, &trace, &two), ["root", "a", "b"]);
        let all = Rows::visible(&set, &trace, &folded_to_depth(&trace, 9), None);
        assert_eq!(all.order.len(), 6);
    }

    #[test]
    fn a_group_in_focus_keeps_only_its_spans() {
        let (set, trace) = trace_from_ascii(&DRAWING);
        let focus = Focus {
            group_by: &GroupBy::Name,
            group: "a2",
        };
        let rows = Rows::visible(&set, &trace, &HashSet::new(), Some(focus));
        assert_eq!(names(&set, &trace, &rows), ["a2"]);
        assert_eq!(rows.row(index(&set, &trace, "root")), None);
    }

    #[test]
    fn keys_move_through_the_rows_and_stop_at_the_ends() {
        let (set, trace) = trace_from_ascii(&DRAWING);
        let rows = Rows::visible(&set, &trace, &HashSet::new(), None);
        let name = |span: Option<u32>| set.strings.get(trace.spans[span.unwrap() as usize].name);
        assert_eq!(name(rows.moved(None, Move::Next)), "root");
        let b1 = Some(index(&set, &trace, "b1"));
        assert_eq!(name(rows.moved(b1, Move::Next)), "b1");
        assert_eq!(name(rows.moved(b1, Move::Previous)), "b");
        assert_eq!(name(rows.moved(b1, Move::First)), "root");
        assert_eq!(name(rows.moved(None, Move::Last)), "b1");
        let empty = Rows::visible(
            &set,
            &trace,
            &HashSet::new(),
            Some(Focus {
                group_by: &GroupBy::Name,
                group: "nothing",
            }),
        );
        assert_eq!(empty.moved(None, Move::Next), None);
    }
}
