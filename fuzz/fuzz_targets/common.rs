//! What every fuzz target checks: decoding any bytes, then every analysis
//! of what decoded, ends without a panic, a hang or a stack overflow; and
//! what the targets that compare two readers compare.

// Each target uses one of these.
#![allow(dead_code)]

use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::{Format, TraceSet, TraceSetBuilder};

/// Decodes `data` as `format` (or sniffed, for `None`) and analyses it.
pub fn decode_and_analyze(format: Option<Format>, data: &[u8]) {
    let mut builder = TraceSetBuilder::default();
    let _ = match format {
        Some(format) => builder.add_as(format, data),
        None => builder.add(data),
    };
    let set = builder.finish();
    for trace in &set.traces {
        analyze(&set, trace, &GroupBy::Service);
    }
}

/// The warnings, then per span its ids, name, times and attributes as
/// text: what two readers of the same bytes must agree on (the targets
/// that compare two readers use it).
pub fn spans(set: &TraceSet) -> Vec<String> {
    let mut out: Vec<String> = set.warnings.iter().map(|w| w.message.clone()).collect();
    for trace in &set.traces {
        for (i, span) in trace.spans.iter().enumerate() {
            let attributes: Vec<String> = trace
                .span_attributes(i as u32)
                .iter()
                .map(|a| {
                    // The value's kind beside its text: symbol numbers
                    // depend on what each reader interned first.
                    let debug = format!("{:?}", a.value);
                    let kind = debug.split('(').next().unwrap_or_default().to_owned();
                    format!("{}:{kind}", a.display(&set.strings))
                })
                .collect();
            out.push(format!(
                "{} {} {:?} {} {}..{} {:?} {:?} {:?} {:?} {} {:?} {} {} {attributes:?}",
                trace.trace_id,
                span.span_id,
                span.parent_span_id,
                set.strings.get(span.name),
                span.start_ns,
                span.end_ns,
                span.kind,
                span.status,
                set.strings.get(span.status_message),
                set.strings.get(span.trace_state),
                span.flags,
                (span.dropped_attributes, span.dropped_events, span.dropped_links),
                trace.span_events(i as u32).len(),
                trace.span_links(i as u32).len()
            ));
        }
    }
    out
}
