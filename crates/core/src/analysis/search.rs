//! Finding spans: by text, service, attribute, errors, minimum duration.

use crate::attributes::Attribute;
use crate::model::{StatusCode, Trace, TraceSet};

/// What spans must match; every set field must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanQuery {
    /// Case-insensitive text in the name, service or an attribute value.
    pub text: Option<String>,
    /// Exact service name.
    pub service: Option<String>,
    /// An attribute key, and the value it must have (as text), if any.
    pub attribute: Option<(String, Option<String>)>,
    /// Only spans with status ERROR.
    pub errors_only: bool,
    /// Only spans at least this long.
    pub min_duration_ns: Option<u64>,
}

/// Indices of the spans of `trace` that match `query`, in span order.
pub fn search(set: &TraceSet, trace: &Trace, query: &SpanQuery) -> Vec<u32> {
    let text = query.text.as_ref().map(|t| t.to_lowercase());
    (0..trace.spans.len() as u32)
        .filter(|&index| {
            let span = &trace.spans[index as usize];
            let attributes = trace.span_attributes(index);
            (!query.errors_only || span.status == StatusCode::Error)
                && query
                    .min_duration_ns
                    .is_none_or(|min| span.duration_ns() >= min)
                && query
                    .service
                    .as_ref()
                    .is_none_or(|s| set.strings.get(span.service) == s)
                && query.attribute.as_ref().is_none_or(|(key, value)| {
                    has_attribute(set, attributes, key, value.as_deref())
                })
                && text.as_ref().is_none_or(|t| {
                    contains(set.strings.get(span.name), t)
                        || contains(set.strings.get(span.service), t)
                        || attributes
                            .iter()
                            .any(|a| contains(&a.value.display(&set.strings).to_string(), t))
                })
        })
        .collect()
}

fn has_attribute(set: &TraceSet, attributes: &[Attribute], key: &str, value: Option<&str>) -> bool {
    attributes.iter().any(|a| {
        set.strings.get(a.key) == key
            && value.is_none_or(|v| a.value.display(&set.strings).to_string() == v)
    })
}

fn contains(haystack: &str, lower_needle: &str) -> bool {
    haystack.to_lowercase().contains(lower_needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ascii::trace_from_ascii;

    #[test]
    fn filters_combine() {
        let (set, trace) = trace_from_ascii(&[
            "Batch [----------]",
            "  compress [---]",
            "  upload       [-]",
        ]);
        let names = |query: &SpanQuery| -> Vec<String> {
            search(&set, &trace, query)
                .into_iter()
                .map(|i| set.strings.get(trace.spans[i as usize].name).to_owned())
                .collect()
        };
        let text = SpanQuery {
            text: Some("COMP".to_owned()),
            ..SpanQuery::default()
        };
        assert_eq!(names(&text), ["compress"]);
        let long = SpanQuery {
            min_duration_ns: Some(3_000),
            ..SpanQuery::default()
        };
        assert_eq!(names(&long), ["Batch", "compress"]);
        let errors = SpanQuery {
            errors_only: true,
            ..SpanQuery::default()
        };
        assert!(names(&errors).is_empty());
    }
}
