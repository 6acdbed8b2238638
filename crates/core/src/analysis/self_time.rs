//! Self time: a span's duration minus the union of its children's
//! intervals, each clipped to the span.

use crate::model::Trace;

/// Self time of every span of `trace`, indexed like `trace.spans`.
pub fn self_times(trace: &Trace) -> Vec<u64> {
    let mut finding = SelfTimes::default();
    loop {
        if let Some(times) = finding.step(trace, usize::MAX) {
            return times;
        }
    }
}

/// Self times found a bounded number of spans at a time: at a million
/// spans they take tens of milliseconds in the browser, and a page paints
/// between steps.
///
/// Spans are in start order, so each span's children come to it in start
/// order too: one pass over the spans, in the order they lie in memory,
/// adds each child's interval to its parent's running union. A span whose
/// parent comes after it (a child starting before its parent, as clock
/// skew makes) needs its parent's times before the parent is reached: the
/// trace is then gone over parent by parent instead, each reading its
/// children where they lie (at a million spans, twice the time).
#[derive(Default)]
pub struct SelfTimes {
    /// Each span gone over so far: its end, the end of the merged run of
    /// its children's intervals so far (at first its start), and the time
    /// they leave uncovered (at first its duration). Three words, not
    /// four: at a million spans these are read across memory, and a
    /// smaller record misses the cache less (1M spans: 12.6 -> 9.4 ns a
    /// span).
    spans: Vec<[u64; 3]>,
    /// The self times taken from `spans` once all are gone over, a
    /// bounded number a step too (at five million spans taking them all
    /// at once held a step for 46 ms natively).
    found: Vec<u64>,
    /// The pass parent by parent, once a parent came after its child.
    by_parent: Option<ByParent>,
}

impl SelfTimes {
    /// Goes on for about `budget` spans on `trace` (the same trace each
    /// time); every span's self time once all are found.
    pub fn step(&mut self, trace: &Trace, budget: usize) -> Option<Vec<u64>> {
        if let Some(by_parent) = &mut self.by_parent {
            return by_parent.step(trace, budget);
        }
        let len = trace.spans.len();
        if self.spans.len() == len {
            return self.take_found(budget);
        }
        if self.spans.capacity() < len {
            self.spans.reserve_exact(len);
        }
        let from = self.spans.len();
        let end = len.min(from.saturating_add(budget.max(1)));
        for span in &trace.briefs()[from..end] {
            let (child_start, child_end) = (span.start_ns, span.end_ns);
            self.spans
                .push([child_end, child_start, child_end - child_start]);
            let Some(parent) = span.parent() else {
                continue;
            };
            let Some([end, reach, uncovered]) = self.spans.get_mut(parent as usize) else {
                // Its parent comes after it.
                self.spans = Vec::new();
                return self
                    .by_parent
                    .insert(ByParent::default())
                    .step(trace, budget);
            };
            // What of the child's interval, clipped to the parent, its
            // earlier siblings have not covered yet (the run's end is
            // never before the parent's start).
            let from = child_start.max(*reach);
            let to = child_end.min(*end);
            if to > from {
                *uncovered -= to - from;
                *reach = to;
            }
        }
        None
    }

    /// Takes about `budget` more self times from the spans gone over; all
    /// of them once all are taken.
    fn take_found(&mut self, budget: usize) -> Option<Vec<u64>> {
        let len = self.spans.len();
        if self.found.capacity() < len {
            self.found.reserve_exact(len);
        }
        let from = self.found.len();
        let end = len.min(from.saturating_add(budget.max(1)));
        self.found.extend(
            self.spans[from..end]
                .iter()
                .map(|&[_, _, uncovered]| uncovered),
        );
        (end == len).then(|| {
            self.spans = Vec::new();
            std::mem::take(&mut self.found)
        })
    }
}

/// Self times found parent by parent, each reading its children's times
/// from the spans' briefs.
#[derive(Default)]
struct ByParent {
    found: Vec<u64>,
}

impl ByParent {
    fn step(&mut self, trace: &Trace, budget: usize) -> Option<Vec<u64>> {
        let len = trace.spans.len();
        if self.found.capacity() < len {
            self.found.reserve_exact(len);
        }
        let end = len.min(self.found.len().saturating_add(budget.max(1)));
        let briefs = trace.briefs();
        let times = |index: u32| {
            let brief = &briefs[index as usize];
            (brief.start_ns, brief.end_ns)
        };
        self.found.extend((self.found.len()..end).map(|index| {
            let (start, end) = times(index as u32);
            uncovered(
                start,
                end,
                trace.children(index as u32).iter().map(|&c| times(c)),
            )
        }));
        (end == len).then(|| std::mem::take(&mut self.found))
    }
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

    #[test]
    fn found_in_steps_of_any_size_they_are_each_spans_own() {
        let drawing = [
            "root [--------------------]",
            "  a    [------]",
            "    a1   [--]",
            "  b        [-------]",
            "    b1          [-----]",
            "  c                 |",
        ];
        found_in_steps(&drawing);
        // A child starting before its parent (clock skew): the spans are
        // gone over parent by parent instead, with the same outcome.
        let skewed = [
            "root [--------------------]",
            "  a       [------]",
            "    a1  [---]",
            "  b        [-------]",
            "    b1 [-------------]",
        ];
        found_in_steps(&skewed);
    }

    fn found_in_steps(drawing: &[&str]) {
        let (_, trace) = trace_from_ascii(drawing);
        let each: Vec<u64> = (0..trace.spans.len() as u32)
            .map(|i| self_time(&trace, i))
            .collect();
        assert_eq!(self_times(&trace), each);
        for budget in [1, 2, 3, 5] {
            let mut finding = SelfTimes::default();
            let mut steps = 0;
            let stepped = loop {
                steps += 1;
                if let Some(times) = finding.step(&trace, budget) {
                    break times;
                }
            };
            assert_eq!(stepped, each, "budget {budget}");
            // A span per unit of budget: in each of the two passes (the
            // spans gone over, then their self times taken), or in the
            // one parent by parent.
            let passes = if trace
                .spans
                .iter()
                .enumerate()
                .any(|(i, s)| s.parent > Some(i as u32))
            {
                1
            } else {
                2
            };
            assert!(
                steps >= passes * trace.spans.len() / budget,
                "budget {budget}"
            );
        }
    }
}
