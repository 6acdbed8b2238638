//! What `tracelens analyze` prints: the testing contract's JSON, or a table.

use std::io::{self, Write};

use serde::Serialize;
use tracelens_core::units::format_duration;
use tracelens_core::{TraceSet, TraceSummary};

/// The `analyze` output, in the testing contract's shape.
#[derive(Serialize)]
pub struct Report {
    traces: Vec<TraceReport>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
struct TraceReport {
    trace_id: String,
    span_count: usize,
    root: String,
    #[serde(skip)]
    service: String,
    duration_ns: u64,
}

impl Report {
    pub fn of(set: &TraceSet) -> Self {
        let traces = set
            .traces
            .iter()
            .map(|trace| {
                let summary = TraceSummary::of(set, trace);
                TraceReport {
                    trace_id: summary.trace_id.to_string(),
                    span_count: summary.span_count,
                    root: summary.root,
                    service: summary.service,
                    duration_ns: summary.duration_ns,
                }
            })
            .collect();
        Self {
            traces,
            warnings: set.warnings.iter().map(ToString::to_string).collect(),
        }
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        writeln!(out)
    }

    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        let root_width = self
            .traces
            .iter()
            .map(|t| t.root.len() + t.service.len() + 3)
            .max()
            .unwrap_or(4)
            .max(4);
        writeln!(
            out,
            "{:<32}  {:<root_width$}  {:>7}  {:>12}",
            "TRACE", "ROOT", "SPANS", "DURATION"
        )?;
        for trace in &self.traces {
            let root = format!("{} ({})", trace.root, trace.service);
            writeln!(
                out,
                "{:<32}  {root:<root_width$}  {:>7}  {:>12}",
                trace.trace_id,
                trace.span_count,
                format_duration(trace.duration_ns)
            )?;
        }
        for warning in &self.warnings {
            writeln!(out, "warning: {warning}")?;
        }
        Ok(())
    }
}
