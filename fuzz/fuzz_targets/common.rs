//! What every fuzz target checks: decoding any bytes, then every analysis
//! of what decoded, ends without a panic, a hang or a stack overflow.

use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::{Format, TraceSetBuilder};

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
