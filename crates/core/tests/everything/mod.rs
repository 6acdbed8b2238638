//! Everything a set of traces holds, as text: what two readers of the same
//! bytes must agree on. Shared by the corpus tests and the fuzz targets
//! that compare two readers (`fuzz/`, by path).

use tracelens_core::TraceSet;

/// Everything a set holds, strings resolved: two readers agree when these
/// are equal, whatever order they interned text in.
pub fn everything(result: &Result<TraceSet, tracelens_core::IngestError>) -> Vec<String> {
    match result {
        Ok(set) => of_set(set),
        Err(error) => vec![format!("error: {error}")],
    }
}

/// [`everything`] of a set read: its warnings, then each span with its
/// details, attributes, events, links, resource and scope.
pub fn of_set(set: &TraceSet) -> Vec<String> {
    let text = |attributes: &[tracelens_core::Attribute]| -> String {
        let shown: Vec<String> = attributes
            .iter()
            .map(|a| {
                // The value's kind: its text is shown above, and symbol
                // numbers depend on what was interned first.
                let debug = format!("{:?}", a.value);
                let kind = debug.split('(').next().unwrap_or_default().to_owned();
                format!("{}:{kind}", a.display(&set.strings))
            })
            .collect();
        shown.join(", ")
    };
    let mut out: Vec<String> = set.warnings.iter().map(|w| w.message.clone()).collect();
    for trace in &set.traces {
        briefs_agree(trace);
        for (i, s) in trace.spans.iter().enumerate() {
            let resource = &set.resources[s.resource as usize];
            let scope = &set.scopes[s.scope as usize];
            let events: Vec<String> = trace
                .span_events(i as u32)
                .iter()
                .map(|e| {
                    let attributes = text(trace.attributes_in(e.attributes));
                    let name = set.strings.get(e.name);
                    format!(
                        "{}@{} [{attributes}] -{}",
                        name, e.time_ns, e.dropped_attributes
                    )
                })
                .collect();
            let links: Vec<String> = trace
                .span_links(i as u32)
                .iter()
                .map(|l| {
                    let attributes = text(trace.attributes_in(l.attributes));
                    let state = set.strings.get(l.trace_state);
                    format!("{}/{} {state} [{attributes}]", l.trace_id, l.span_id)
                })
                .collect();
            out.push(format!(
                "{} {} {:?} {:?} {} {} {:?} {:?} {}..{} {:?} {:?} {} {} {:?}/{:?}/{:?} \
                 attrs [{}] events {events:?} links {links:?} resource [{}] -{} \
                 scope {} {} [{}]",
                trace.trace_id,
                s.span_id,
                s.parent_span_id,
                s.parent,
                set.strings.get(s.name),
                set.strings.get(s.service),
                s.kind,
                s.status,
                s.start_ns,
                s.end_ns,
                s.depth,
                set.strings.get(s.status_message),
                set.strings.get(s.trace_state),
                s.flags,
                s.dropped_attributes,
                s.dropped_events,
                s.dropped_links,
                text(trace.span_attributes(i as u32)),
                text(&resource.attributes),
                resource.dropped_attributes,
                set.strings.get(scope.name),
                set.strings.get(scope.version),
                text(&scope.attributes),
            ));
        }
    }
    out
}

/// Asserts that each span's brief says what the span says.
fn briefs_agree(trace: &tracelens_core::Trace) {
    assert_eq!(trace.briefs().len(), trace.spans.len(), "a brief a span");
    for (i, (brief, span)) in trace.briefs().iter().zip(&trace.spans).enumerate() {
        let said = (
            brief.start_ns,
            brief.end_ns,
            brief.parent(),
            brief.name,
            brief.service,
            brief.kind,
            brief.follows_from,
        );
        let span = (
            span.start_ns,
            span.end_ns,
            span.parent,
            span.name,
            span.service,
            span.kind,
            span.follows_from,
        );
        assert_eq!(said, span, "span {i}'s brief");
    }
}
