//! What the trace header and the span detail say, as text: the views
//! render these and never read a span themselves.

use tracelens_core::units::format_duration;
use tracelens_core::{Attribute, Trace, TraceSet, TraceSummary};

/// One attribute as the reader sees it: key and value as text (values
/// are never markup).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
}

/// The attributes of a list, as text.
pub fn key_values(set: &TraceSet, attributes: &[Attribute]) -> Vec<KeyValue> {
    attributes
        .iter()
        .map(|a| KeyValue {
            key: set.strings.get(a.key).to_owned(),
            value: a.value.display(&set.strings).to_string(),
        })
        .collect()
}

/// What the header over the timeline says about a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    /// The main root's name and service ("" when the trace has no root).
    pub title: String,
    pub service: String,
    pub trace_id: String,
    pub spans: usize,
    pub duration: String,
    pub start_ns: u64,
    /// Every service, by name.
    pub services: Vec<String>,
    /// Levels of nesting: 1 for a trace of roots alone.
    pub depth: u32,
}

/// The header of a trace, from its summary (which the loader finds in
/// steps: going over the spans here took tens of milliseconds of the
/// frame showing a trace of millions).
pub fn header(summary: &TraceSummary) -> Header {
    let mut services = summary.services.clone();
    services.sort_unstable();
    Header {
        title: summary.root.clone(),
        service: summary.service.clone(),
        trace_id: summary.trace_id.to_string(),
        spans: summary.span_count,
        duration: format_duration(summary.duration_ns),
        start_ns: summary.start_ns,
        services,
        depth: summary.depth,
    }
}

/// The name of span `index` ("" past the trace's end).
pub fn span_name<'a>(set: &'a TraceSet, trace: &Trace, index: u32) -> &'a str {
    trace
        .spans
        .get(index as usize)
        .map_or("", |s| set.strings.get(s.name))
}

/// The service of span `index` ("" past the trace's end).
pub fn span_service<'a>(set: &'a TraceSet, trace: &Trace, index: u32) -> &'a str {
    trace
        .spans
        .get(index as usize)
        .map_or("", |s| set.strings.get(s.service))
}

/// The id of span `index` as links write it.
pub fn span_id(trace: &Trace, index: u32) -> Option<String> {
    Some(trace.spans.get(index as usize)?.span_id.to_string())
}

/// An event of a span: its name, when after the span's start, and its
/// attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct EventFacts {
    pub name: String,
    pub after: String,
    pub attributes: Vec<KeyValue>,
}

/// A link of a span: the ids it names, the span they are when it is
/// loaded (`(trace, span)`), and the link's attributes.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkFacts {
    pub text: String,
    pub target: Option<(usize, u32)>,
    pub attributes: Vec<KeyValue>,
}

/// Everything the detail panel shows of one span.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanFacts {
    pub name: String,
    /// Term and text, in the order shown.
    pub facts: Vec<(&'static str, String)>,
    pub attributes: Vec<KeyValue>,
    pub events: Vec<EventFacts>,
    pub links: Vec<LinkFacts>,
    pub scope: Vec<KeyValue>,
    pub resource: Vec<KeyValue>,
}

/// The facts of span `index` of trace `t`. `times` is its self and
/// critical time once the whole trace is analysed (a partial read has
/// neither yet).
pub fn span_facts(
    set: &TraceSet,
    t: usize,
    index: u32,
    times: Option<(u64, u64)>,
) -> Option<SpanFacts> {
    let trace = set.traces.get(t)?;
    let span = trace.spans.get(index as usize)?;
    let strings = &set.strings;
    let status = match strings.get(span.status_message) {
        "" => format!("{:?}", span.status),
        message => format!("{:?}: {message}", span.status),
    };
    let pending = || "pending (reading the rest)".to_owned();
    let facts = vec![
        ("Service", strings.get(span.service).to_owned()),
        ("Kind", format!("{:?}", span.kind)),
        ("Status", status),
        (
            "Starts at",
            format!("+{}", format_duration(span.start_ns - trace.start_ns())),
        ),
        ("Duration", format_duration(span.duration_ns())),
        (
            "Self time",
            times.map_or_else(pending, |t| format_duration(t.0)),
        ),
        (
            "Critical time",
            times.map_or_else(pending, |t| format_duration(t.1)),
        ),
        ("Span id", span.span_id.to_string()),
        (
            "Parent id",
            span.parent_span_id
                .map_or_else(|| "— (root)".to_owned(), |p| p.to_string()),
        ),
    ];
    let events = trace
        .span_events(index)
        .iter()
        .map(|event| EventFacts {
            name: strings.get(event.name).to_owned(),
            after: format!(
                "+{}",
                format_duration(event.time_ns.saturating_sub(span.start_ns))
            ),
            attributes: key_values(set, trace.attributes_in(event.attributes)),
        })
        .collect();
    let links = trace
        .span_links(index)
        .iter()
        .map(|link| LinkFacts {
            text: format!("{} / {}", link.trace_id, link.span_id),
            target: set
                .traces
                .iter()
                .position(|t| t.trace_id == link.trace_id)
                .and_then(|t| Some((t, set.traces[t].span_index(link.span_id)?))),
            attributes: key_values(set, trace.attributes_in(link.attributes)),
        })
        .collect();
    let listed = |attributes: Option<&[Attribute]>| key_values(set, attributes.unwrap_or(&[]));
    Some(SpanFacts {
        name: strings.get(span.name).to_owned(),
        facts,
        attributes: key_values(set, trace.span_attributes(index)),
        events,
        links,
        scope: listed(
            set.scopes
                .get(span.scope as usize)
                .map(|s| &s.attributes[..]),
        ),
        resource: listed(
            set.resources
                .get(span.resource as usize)
                .map(|r| &r.attributes[..]),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;

    fn set_of(lines: &[&str]) -> TraceSet {
        let (set, trace) = trace_from_ascii(lines);
        TraceSet {
            traces: vec![trace],
            ..set
        }
    }

    #[test]
    fn the_header_names_the_root_its_services_and_depth() {
        let set = set_of(&[
            "root         [----------]",
            "  api:get      [---]",
            "    db:query    [-]",
            "  api:put           [-]",
        ]);
        let header = header(&TraceSummary::of(&set, &set.traces[0]));
        assert_eq!(header.title, "root");
        assert_eq!(header.spans, 4);
        assert_eq!(header.depth, 3);
        let mut services = header.services.clone();
        services.sort();
        assert_eq!(services.len(), 3, "{services:?}");
        assert_eq!(header.trace_id, set.traces[0].trace_id.to_string());
    }

    #[test]
    fn span_facts_wait_for_the_analysis_and_then_give_self_and_critical_time() {
        let set = set_of(&["root [----]", "  child [-]"]);
        let child = set.traces[0]
            .spans
            .iter()
            .position(|s| s.depth == 1)
            .unwrap() as u32;
        let fact = |facts: &SpanFacts, term| {
            facts
                .facts
                .iter()
                .find(|(t, _)| *t == term)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let pending = span_facts(&set, 0, child, None).unwrap();
        assert_eq!(pending.name, "child");
        assert!(fact(&pending, "Self time").starts_with("pending"));
        let done = span_facts(&set, 0, child, Some((3_000_000, 2_000_000))).unwrap();
        assert_eq!(fact(&done, "Self time"), "3.00 ms");
        assert_eq!(fact(&done, "Critical time"), "2.00 ms");
        assert_ne!(fact(&done, "Parent id"), "— (root)");
        assert!(span_facts(&set, 0, 99, None).is_none());
        assert!(span_facts(&set, 1, 0, None).is_none());
    }
}
