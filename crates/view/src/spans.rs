//! Spans by id: a link's `span=`, a link of one span to another, and a
//! partial view's spans in the whole trace that replaces it.

use std::collections::HashSet;

use tracelens_core::ids::decode_id;
use tracelens_core::{SpanId, Trace, TraceSet};

/// The trace and span of the span with id `text` (hex, as links write
/// it), the first trace holding it first.
pub fn find_span(set: &TraceSet, text: &str) -> Option<(usize, u32)> {
    let id = SpanId(decode_id::<8>(text.trim())?);
    set.traces
        .iter()
        .enumerate()
        .find_map(|(t, trace)| Some((t, trace.span_index(id)?)))
}

/// The indices in `whole` of the spans of `partial` at `spans`, by span id
/// (indices change as spans arrive).
pub fn same_spans(partial: &Trace, whole: &Trace, spans: &HashSet<u32>) -> HashSet<u32> {
    spans
        .iter()
        .filter_map(|&i| whole.span_index(partial.spans.get(i as usize)?.span_id))
        .collect()
}

/// Where trace `t` of `old` and its span `span` are in `new`, by their
/// ids: a set read again (more files, the whole of a partial read) keeps
/// the user's place.
pub fn same_place(
    old: &TraceSet,
    t: usize,
    span: Option<u32>,
    new: &TraceSet,
) -> (Option<usize>, Option<u32>) {
    let Some(trace) = old.traces.get(t) else {
        return (None, None);
    };
    let found = new.traces.iter().position(|n| n.trace_id == trace.trace_id);
    let span = span
        .and_then(|span| trace.spans.get(span as usize))
        .zip(found)
        .and_then(|(span, found)| new.traces[found].span_index(span.span_id));
    (found, span)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;

    #[test]
    fn a_span_is_found_by_its_hex_id() {
        let (set, trace) = trace_from_ascii(&["root [----]", "  child [-]"]);
        let child = trace.spans.iter().position(|s| s.depth == 1).unwrap() as u32;
        let set = TraceSet {
            traces: vec![trace],
            ..set
        };
        let id = set.traces[0].spans[child as usize].span_id.to_string();
        assert_eq!(find_span(&set, &id), Some((0, child)));
        assert_eq!(find_span(&set, &id.to_uppercase()), Some((0, child)));
        assert_eq!(find_span(&set, "00000000000000ff"), None);
        assert_eq!(find_span(&set, "not an id"), None);
    }

    #[test]
    fn a_place_is_kept_by_ids_in_a_set_read_again() {
        let (old_set, old) = trace_from_ascii(&["root  [-----]", "  a    [-]", "  b      [-]"]);
        let (new_set, whole) =
            trace_from_ascii(&["root  [-----]", "  a    [-]", "  b      [-]", "  early [-]"]);
        let b_old = old.span_index(SpanId([0, 0, 0, 0, 0, 0, 0, 3])).unwrap();
        let b_new = whole.span_index(SpanId([0, 0, 0, 0, 0, 0, 0, 3])).unwrap();
        let (old, new) = (
            TraceSet {
                traces: vec![old],
                ..old_set
            },
            TraceSet {
                traces: vec![whole],
                ..new_set
            },
        );
        assert_eq!(
            same_place(&old, 0, Some(b_old), &new),
            (Some(0), Some(b_new))
        );
        assert_eq!(same_place(&old, 0, None, &new), (Some(0), None));
        assert_eq!(same_place(&old, 1, Some(b_old), &new), (None, None));
    }

    #[test]
    fn a_partial_views_spans_map_to_the_whole_trace_by_id() {
        // The whole trace has a span the partial one had not read, which
        // starts before b and so moves b's index by one.
        let (_, partial) = trace_from_ascii(&["root  [-----]", "  a    [-]", "  b      [-]"]);
        let (_, whole) =
            trace_from_ascii(&["root  [-----]", "  a    [-]", "  b      [-]", "  early [-]"]);
        let b = |t: &Trace| {
            t.spans
                .iter()
                .position(|s| s.span_id.to_string() == "0000000000000003")
                .unwrap() as u32
        };
        let kept = same_spans(&partial, &whole, &HashSet::from([b(&partial)]));
        assert_eq!(kept, HashSet::from([b(&whole)]));
        assert_ne!(b(&partial), b(&whole));
    }
}
