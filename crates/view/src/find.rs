//! Find: the form's fields as a query, the spans that match it in row
//! order, and walking them with Enter and Shift+Enter.

use tracelens_core::analysis::search::{search, SpanQuery};
use tracelens_core::{Trace, TraceSet};

use crate::rows::Rows;

/// The find form as the user filled it in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindForm {
    /// Text in a name, service or attribute value.
    pub text: String,
    /// A service name, or empty for any.
    pub service: String,
    /// `key` or `key=value`.
    pub attribute: String,
    /// Only spans with status ERROR.
    pub errors_only: bool,
    /// A minimum duration in milliseconds, as typed.
    pub min_ms: String,
}

impl FindForm {
    /// The query the form asks for; `None` when it asks for nothing.
    pub fn query(&self) -> Option<SpanQuery> {
        let text = self.text.trim();
        let attribute = self.attribute.trim();
        let min_duration_ns = self
            .min_ms
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|ms| *ms > 0.0 && ms.is_finite())
            .map(|ms| (ms * 1e6) as u64);
        let query = SpanQuery {
            text: (!text.is_empty()).then(|| text.to_owned()),
            service: (!self.service.is_empty()).then(|| self.service.clone()),
            attribute: (!attribute.is_empty()).then(|| match attribute.split_once('=') {
                Some((key, value)) => (key.trim().to_owned(), Some(value.trim().to_owned())),
                None => (attribute.to_owned(), None),
            }),
            errors_only: self.errors_only,
            min_duration_ns,
        };
        (query != SpanQuery::default()).then_some(query)
    }
}

/// The spans matching `query` that have a row, in row order.
pub fn matches(set: &TraceSet, trace: &Trace, query: &SpanQuery, rows: &Rows) -> Vec<u32> {
    let mut found = search(set, trace, query);
    found.retain(|&index| rows.row(index).is_some());
    let row_of = rows.row_of();
    found.sort_by_key(|&index| row_of[index as usize]);
    found
}

/// The match after `current` (`step` 1) or before it (-1), going round;
/// `None` when there are none.
pub fn next_match(current: usize, count: usize, step: isize) -> Option<usize> {
    (count > 0).then(|| (current as isize + step).rem_euclid(count as isize) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use tracelens_core::analysis::ascii::trace_from_ascii;

    #[test]
    fn an_empty_form_asks_for_nothing_and_fields_become_the_query() {
        assert_eq!(FindForm::default().query(), None);
        let form = FindForm {
            text: "  zstd ".into(),
            attribute: "compression.level = 19".into(),
            min_ms: "2.5".into(),
            ..FindForm::default()
        };
        let query = form.query().unwrap();
        assert_eq!(query.text.as_deref(), Some("zstd"));
        assert_eq!(
            query.attribute,
            Some(("compression.level".to_owned(), Some("19".to_owned())))
        );
        assert_eq!(query.min_duration_ns, Some(2_500_000));
        let bad = FindForm {
            min_ms: "soon".into(),
            ..FindForm::default()
        };
        assert_eq!(bad.query(), None);
    }

    #[test]
    fn matches_follow_the_rows_and_skip_folded_spans() {
        let (set, trace) = trace_from_ascii(&[
            "root [---------------]",
            "  compress [----]",
            "    compress_block [-]",
            "  compress_again     [---]",
        ]);
        let query = FindForm {
            text: "compress".into(),
            ..FindForm::default()
        }
        .query()
        .unwrap();
        let rows = Rows::visible(&set, &trace, &HashSet::new(), None);
        let names = |found: &[u32]| -> Vec<&str> {
            found
                .iter()
                .map(|&i| set.strings.get(trace.spans[i as usize].name))
                .collect()
        };
        let found = matches(&set, &trace, &query, &rows);
        assert_eq!(
            names(&found),
            ["compress", "compress_block", "compress_again"]
        );
        let mut folded = HashSet::new();
        folded.insert(found[0]);
        let rows = Rows::visible(&set, &trace, &folded, None);
        assert_eq!(
            names(&matches(&set, &trace, &query, &rows)),
            ["compress", "compress_again"]
        );
    }

    #[test]
    fn walking_the_matches_goes_round() {
        assert_eq!(next_match(0, 3, 1), Some(1));
        assert_eq!(next_match(2, 3, 1), Some(0));
        assert_eq!(next_match(0, 3, -1), Some(2));
        assert_eq!(next_match(0, 0, 1), None);
    }
}
