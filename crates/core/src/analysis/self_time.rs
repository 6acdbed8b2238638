//! Self time: a span's duration minus the union of its children's
//! intervals, each clipped to the span.

use crate::model::Trace;

/// Self time of every span of `trace`, indexed like `trace.spans`.
pub fn self_times(trace: &Trace) -> Vec<u64> {
    // The spans' times side by side: children are read out of order, and
    // a whole span per read cost three times as much at a million spans.
    let times: Vec<(u64, u64)> = trace.spans.iter().map(|s| (s.start_ns, s.end_ns)).collect();
    (0..trace.spans.len() as u32)
        .map(|index| {
            let (start, end) = times[index as usize];
            uncovered(
                start,
                end,
                trace.children(index).iter().map(|&c| times[c as usize]),
            )
        })
        .collect()
}

/// What of `[start, end]` the intervals `children` (in start order) leave
/// uncovered.
fn uncovered(start: u64, end: u64, children: impl Iterator<Item = (u64, u64)>) -> u64 {
    let mut covered = 0;
    // The end of the merged run of child intervals seen so far.
    let mut reach = start;
    for (child_start, child_end) in children {
        let from = child_start.clamp(start, end).max(reach);
        let to = child_end.clamp(start, end);
        if to > from {
            covered += to - from;
            reach = to;
        }
    }
    end.saturating_sub(start) - covered
}

/// Self time of span `index`. Children are in start order, so one sweep
/// merges their overlapping intervals.
pub fn self_time(trace: &Trace, index: u32) -> u64 {
    let span = &trace.spans[index as usize];
    let children = trace.children(index).iter().map(|&c| {
        let child = &trace.spans[c as usize];
        (child.start_ns, child.end_ns)
    });
    uncovered(span.start_ns, span.end_ns, children)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ascii::trace_from_ascii;

    fn self_of(drawing: &[&str], name: &str) -> u64 {
        let (set, trace) = trace_from_ascii(drawing);
        let index = trace
            .spans
            .iter()
            .position(|s| set.strings.get(s.name) == name)
            .unwrap();
        self_time(&trace, index as u32) / 1_000
    }

    #[test]
    fn overlapping_children_count_once() {
        let drawing = [
            "root [--------------------]",
            "  a    [------]",
            "  b        [-------]",
        ];
        // root 5..26; a 7..14 and b 11..19 cover 7..19 together.
        assert_eq!(self_of(&drawing, "root"), 21 - 12);
    }

    #[test]
    fn children_outside_the_parent_are_clipped() {
        let drawing = [
            "       root [----------]",
            "  early   [----]",
            "  late              [--------]",
        ];
        // root 12..23; early covers 12..15 of it, late 20..23.
        assert_eq!(self_of(&drawing, "root"), 11 - 3 - 3);
    }

    #[test]
    fn a_child_wholly_outside_takes_nothing() {
        let drawing = ["root [-----]", "  detached     [---]"];
        assert_eq!(self_of(&drawing, "root"), 6);
    }

    #[test]
    fn zero_length_children_take_nothing() {
        let drawing = ["root [-----]", "  z  |", "  m     |"];
        assert_eq!(self_of(&drawing, "root"), 6);
    }
}
