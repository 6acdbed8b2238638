//! Self time: a span's duration minus the union of its children's
//! intervals, each clipped to the span.

use crate::model::Trace;

/// Self time of every span of `trace`, indexed like `trace.spans`.
pub fn self_times(trace: &Trace) -> Vec<u64> {
    (0..trace.spans.len() as u32)
        .map(|index| self_time(trace, index))
        .collect()
}

/// Self time of span `index`. Children are in start order, so one sweep
/// merges their overlapping intervals.
pub fn self_time(trace: &Trace, index: u32) -> u64 {
    let span = &trace.spans[index as usize];
    let mut covered = 0;
    // The end of the merged run of child intervals seen so far.
    let mut reach = span.start_ns;
    for &child in trace.children(index) {
        let child = &trace.spans[child as usize];
        let start = child.start_ns.clamp(span.start_ns, span.end_ns).max(reach);
        let end = child.end_ns.clamp(span.start_ns, span.end_ns);
        if end > start {
            covered += end - start;
            reach = end;
        }
    }
    span.duration_ns() - covered
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
