//! Any bytes read as OTLP/JSON by the direct reader (with the serde seeds
//! behind it) and by the seeds alone: the same outcome, warnings and spans.
#![no_main]

use tracelens_core::{Format, TraceSet, TraceSetBuilder};

/// Per span: ids, name, times and its attributes as text; then warnings.
fn spans(set: &TraceSet) -> Vec<String> {
    let mut out: Vec<String> = set.warnings.iter().map(|w| w.message.clone()).collect();
    for trace in &set.traces {
        for (i, span) in trace.spans.iter().enumerate() {
            let attributes: Vec<String> = trace
                .span_attributes(i as u32)
                .iter()
                .map(|a| format!("{:?}", (a.display(&set.strings).to_string(), &a.value)))
                .collect();
            out.push(format!(
                "{} {} {:?} {} {}..{} {:?} {:?} {} {attributes:?}",
                trace.trace_id,
                span.span_id,
                span.parent_span_id,
                set.strings.get(span.name),
                span.start_ns,
                span.end_ns,
                span.kind,
                span.status,
                trace.span_events(i as u32).len()
            ));
        }
    }
    out
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let mut direct = TraceSetBuilder::default();
    let direct_outcome = direct.add_as(Format::OtlpJson, data);
    let mut seeds = TraceSetBuilder::default();
    let seeds_outcome = seeds.add_otlp_json_by_seeds(data);
    assert_eq!(direct_outcome, seeds_outcome);
    assert_eq!(spans(&direct.finish()), spans(&seeds.finish()));
});
