//! What the CLI prints: the testing contract's JSON, or tables with bars.

use std::io::{self, Write};

use owo_colors::OwoColorize;
use serde::Serialize;
use tracelens_core::analysis::aggregate::{
    aggregate, duration_stats, DurationStats, GroupAggregate,
};
use tracelens_core::analysis::breakdown::{analyze, GroupBy, TraceAnalysis};
use tracelens_core::analysis::compare::{compare, GroupChange};
use tracelens_core::analysis::structure::{structure, Structure};
use tracelens_core::logs::{counts_by_group, LogSet, TraceLogs};
use tracelens_core::units::{counted, format_duration};
use tracelens_core::{TraceSet, TraceSummary, Warning};

/// Width of a share bar at 100 %.
const BAR_WIDTH: usize = 30;

/// Warnings of one kind listed before the rest are counted.
const WARNINGS_LISTED: usize = 5;

/// Warnings as their sentences, in the JSON output.
fn sentences<S: serde::Serializer>(warnings: &[Warning], to: S) -> Result<S::Ok, S::Error> {
    to.collect_seq(warnings.iter().map(ToString::to_string))
}

/// The `analyze` output, in the testing contract's shape.
#[derive(Serialize)]
pub struct Report {
    traces: Vec<TraceReport>,
    aggregate: Vec<AggregateRow>,
    /// Each as its sentence (the last kept of a kind saying how many more
    /// were only counted).
    #[serde(serialize_with = "sentences")]
    warnings: Vec<Warning>,
    /// With `--structure`: every trace merged by the path of (service,
    /// name) from its root, in tree order.
    #[serde(skip_serializing_if = "Option::is_none")]
    structure: Option<Vec<StructureRow>>,
    #[serde(skip)]
    merged: Option<Structure>,
    #[serde(skip)]
    durations: DurationStats,
}

/// A node of the merged tree, as `--json` writes it.
#[derive(Serialize)]
struct StructureRow {
    path: String,
    service: String,
    name: String,
    depth: u32,
    traces: usize,
    spans: u64,
    p50_ns: u64,
    p95_ns: u64,
    mean_self_ns: u64,
    mean_critical_ns: u64,
}

#[derive(Serialize)]
struct TraceReport {
    trace_id: String,
    span_count: usize,
    root: String,
    #[serde(skip)]
    service: String,
    duration_ns: u64,
    critical_path: Vec<SectionRow>,
    breakdown: Vec<ShareRow>,
    /// With `--top N`: the spans with the most self (or critical) time.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    top: Vec<TopSpan>,
}

#[derive(Serialize)]
struct TopSpan {
    span_id: String,
    name: String,
    service: String,
    self_ns: u64,
    critical_ns: u64,
}

/// `--top N [--top-by self|critical]`: how many spans, ranked by what.
#[derive(Clone, Copy, Debug, Default)]
pub struct Top {
    pub count: usize,
    pub by_critical: bool,
}

#[derive(Serialize)]
struct SectionRow {
    span_id: String,
    name: String,
    start_ns: u64,
    end_ns: u64,
}

#[derive(Serialize)]
struct ShareRow {
    group: String,
    count: u64,
    self_ns: u64,
    self_pct: f64,
    critical_ns: u64,
    critical_pct: f64,
    /// With `--logs`: lines logged in the group's spans.
    #[serde(skip_serializing_if = "Option::is_none")]
    log_lines: Option<u64>,
    /// With `--logs`: of those, error or worse.
    #[serde(skip_serializing_if = "Option::is_none")]
    log_errors: Option<u64>,
}

#[derive(Serialize)]
struct AggregateRow {
    group: String,
    count: u64,
    self_ns: u64,
    critical_ns: u64,
    critical_pct_p50: f64,
    critical_pct_p95: f64,
}

/// The `top.count` spans of `trace` with the most self time (or critical
/// time), ties by span order.
fn top_spans(
    set: &TraceSet,
    trace: &tracelens_core::Trace,
    analysis: &TraceAnalysis,
    top: Top,
) -> Vec<TopSpan> {
    if top.count == 0 {
        return Vec::new();
    }
    let times = match top.by_critical {
        true => &analysis.critical_times,
        false => &analysis.self_times,
    };
    let mut order: Vec<usize> = (0..trace.spans.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(times[i]));
    order
        .into_iter()
        .take(top.count)
        .map(|i| {
            let span = &trace.spans[i];
            TopSpan {
                span_id: span.span_id.to_string(),
                name: set.strings.get(span.name).to_owned(),
                service: set.strings.get(span.service).to_owned(),
                self_ns: analysis.self_times[i],
                critical_ns: analysis.critical_times[i],
            }
        })
        .collect()
}

impl Report {
    pub fn of(
        set: &TraceSet,
        group_by: &GroupBy,
        logs: Option<&LogSet>,
        top: Top,
        merge: bool,
    ) -> Self {
        let analyses: Vec<TraceAnalysis> = set
            .traces
            .iter()
            .map(|trace| analyze(set, trace, group_by))
            .collect();
        let merged = merge.then(|| structure(set, set.traces.iter().zip(&analyses)));
        let traces = set
            .traces
            .iter()
            .zip(&analyses)
            .map(|(trace, analysis)| {
                let summary = TraceSummary::of(set, trace);
                let log_counts = logs.map(|logs| counts_by_group(set, trace, logs, group_by));
                let top = top_spans(set, trace, analysis, top);
                TraceReport {
                    top,
                    trace_id: summary.trace_id.to_string(),
                    span_count: summary.span_count,
                    root: summary.root,
                    service: summary.service,
                    duration_ns: analysis.duration_ns,
                    critical_path: analysis
                        .critical_path
                        .iter()
                        .map(|section| {
                            let span = &trace.spans[section.span as usize];
                            SectionRow {
                                span_id: span.span_id.to_string(),
                                name: set.strings.get(span.name).to_owned(),
                                start_ns: section.start_ns,
                                end_ns: section.end_ns,
                            }
                        })
                        .collect(),
                    breakdown: analysis
                        .breakdown
                        .iter()
                        .map(|g| {
                            let logged = log_counts
                                .as_ref()
                                .map(|c| c.get(&g.group).copied().unwrap_or_default());
                            ShareRow {
                                group: g.group.clone(),
                                count: g.count,
                                self_ns: g.self_ns,
                                self_pct: g.self_pct,
                                critical_ns: g.critical_ns,
                                critical_pct: g.critical_pct,
                                log_lines: logged.map(|c| c.lines),
                                log_errors: logged.map(|c| c.errors),
                            }
                        })
                        .collect(),
                }
            })
            .collect();
        Self {
            traces,
            aggregate: aggregate(&analyses)
                .into_iter()
                .map(AggregateRow::from)
                .collect(),
            warnings: set
                .warnings
                .iter()
                .cloned()
                .chain(logs.into_iter().flat_map(|logs| {
                    let joins = set.traces.iter().filter_map(|trace| {
                        TraceLogs::join(trace, logs).unknown_span_warning(trace)
                    });
                    logs.warnings
                        .iter()
                        .cloned()
                        .chain(joins.map(Warning::new))
                        .collect::<Vec<_>>()
                }))
                .collect(),
            structure: merged.as_ref().map(|tree| {
                (0..tree.nodes.len())
                    .map(|i| {
                        let n = &tree.nodes[i];
                        StructureRow {
                            path: tree.path(i),
                            service: n.service.clone(),
                            name: n.name.clone(),
                            depth: n.depth,
                            traces: n.traces,
                            spans: n.spans,
                            p50_ns: n.p50_ns,
                            p95_ns: n.p95_ns,
                            mean_self_ns: n.mean_self_ns,
                            mean_critical_ns: n.mean_critical_ns,
                        }
                    })
                    .collect()
            }),
            merged,
            durations: duration_stats(&analyses),
        }
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        writeln!(out)
    }

    pub fn write_tables(&self, out: &mut impl Write, group_by: &GroupBy) -> io::Result<()> {
        for trace in &self.traces {
            writeln!(
                out,
                "{}  {} ({})  {}  {}",
                trace.trace_id.bold(),
                trace.root,
                trace.service,
                counted(trace.span_count as u64, "span"),
                format_duration(trace.duration_ns)
            )?;
            let rows: Vec<ShareLine> = trace
                .breakdown
                .iter()
                .map(|g| ShareLine {
                    group: g.group.as_str(),
                    count: g.count,
                    critical_pct: g.critical_pct,
                    critical_ns: g.critical_ns,
                    self_pct: g.self_pct,
                    logs: g.log_lines.zip(g.log_errors),
                })
                .collect();
            write_shares(out, group_by, &rows)?;
            if !trace.top.is_empty() {
                let labels: Vec<String> = trace
                    .top
                    .iter()
                    .map(|s| format!("{} ({}) {}", s.name, s.service, s.span_id))
                    .collect();
                let width = labels.iter().map(String::len).max().unwrap_or(0).max(12);
                let title = format!("TOP {} SPANS", trace.top.len());
                writeln!(out, "  {title:<width$}  {:>12}  {:>12}", "SELF", "CRITICAL")?;
                for (span, label) in trace.top.iter().zip(labels) {
                    writeln!(
                        out,
                        "  {label:<width$}  {:>12}  {:>12}",
                        format_duration(span.self_ns),
                        format_duration(span.critical_ns)
                    )?;
                }
            }
            writeln!(out)?;
        }
        if self.traces.len() > 1 {
            let d = &self.durations;
            writeln!(
                out,
                "{}  {}  p50 {}  p95 {}  p99 {}  max {}",
                "All traces".bold(),
                counted(d.count, "trace"),
                format_duration(d.p50_ns),
                format_duration(d.p95_ns),
                format_duration(d.p99_ns),
                format_duration(d.max_ns)
            )?;
            let width = group_width(self.aggregate.iter().map(|a| a.group.as_str()), group_by);
            writeln!(
                out,
                "  {:<width$}  {:>7}  {:>9}  {:>9}  {:<BAR_WIDTH$}  {:>12}",
                group_by.to_string().to_uppercase(),
                "SPANS",
                "CRIT p50",
                "CRIT p95",
                "",
                "CRITICAL"
            )?;
            for row in &self.aggregate {
                writeln!(
                    out,
                    "  {:<width$}  {:>7}  {:>8.1}%  {:>8.1}%  {}  {:>12}",
                    row.group,
                    row.count,
                    row.critical_pct_p50,
                    row.critical_pct_p95,
                    bar(row.critical_pct_p50),
                    format_duration(row.critical_ns)
                )?;
            }
        }
        for group in tracelens_core::warnings::grouped(&self.warnings, WARNINGS_LISTED) {
            if group.count > group.listed.len() {
                writeln!(
                    out,
                    "{} {} alike, the first {} listed:",
                    "warning:".yellow(),
                    group.count,
                    group.listed.len()
                )?;
                for warning in group.listed {
                    writeln!(out, "  {warning}")?;
                }
            } else {
                for warning in group.listed {
                    writeln!(out, "{} {warning}", "warning:".yellow())?;
                }
            }
        }
        if let Some(tree) = &self.merged {
            writeln!(out, "\n{}", "STRUCTURE".bold())?;
            write!(out, "{}", tree.to_text())?;
        }
        Ok(())
    }

    /// The `--fail-over` limits that some trace exceeds, as sentences.
    pub fn violations(&self, limits: &[(String, f64)]) -> Vec<String> {
        let mut found = Vec::new();
        for (group, limit) in limits {
            for trace in &self.traces {
                if let Some(share) = trace
                    .breakdown
                    .iter()
                    .find(|g| &g.group == group && g.critical_pct > *limit)
                {
                    found.push(format!(
                        "{group} holds {:.1}% of the critical path of trace {}, over the limit of {limit}%",
                        share.critical_pct, trace.trace_id
                    ));
                }
            }
        }
        found
    }
}

impl From<GroupAggregate> for AggregateRow {
    fn from(row: GroupAggregate) -> Self {
        Self {
            group: row.group,
            count: row.count,
            self_ns: row.self_ns,
            critical_ns: row.critical_ns,
            critical_pct_p50: row.critical_pct_p50,
            critical_pct_p95: row.critical_pct_p95,
        }
    }
}

fn group_width<'a>(groups: impl Iterator<Item = &'a str>, group_by: &GroupBy) -> usize {
    groups
        .map(|g| g.chars().count())
        .chain([group_by.to_string().len()])
        .max()
        .unwrap_or(5)
        .min(48)
}

/// One row of a trace's share table.
struct ShareLine<'a> {
    group: &'a str,
    count: u64,
    critical_pct: f64,
    critical_ns: u64,
    self_pct: f64,
    /// Log lines and errors, with `--logs`.
    logs: Option<(u64, u64)>,
}

fn write_shares(out: &mut impl Write, group_by: &GroupBy, rows: &[ShareLine]) -> io::Result<()> {
    let width = group_width(rows.iter().map(|r| r.group), group_by);
    let with_logs = rows.iter().any(|r| r.logs.is_some());
    write!(
        out,
        "  {:<width$}  {:>7}  {:>9}  {:<BAR_WIDTH$}  {:>12}  {:>7}",
        group_by.to_string().to_uppercase(),
        "SPANS",
        "CRITICAL",
        "",
        "TIME",
        "SELF"
    )?;
    if with_logs {
        write!(out, "  {:>6}  {:>6}", "LOGS", "ERRORS")?;
    }
    writeln!(out)?;
    for (i, row) in rows.iter().enumerate() {
        let share = format!("{:>8.1}%", row.critical_pct);
        let share = if i == 0 && row.critical_pct > 0.0 {
            share.red().bold().to_string()
        } else {
            share
        };
        write!(
            out,
            "  {:<width$}  {:>7}  {share}  {}  {:>12}  {:>6.1}%",
            row.group,
            row.count,
            bar(row.critical_pct),
            format_duration(row.critical_ns),
            row.self_pct
        )?;
        if let Some((lines, errors)) = row.logs {
            let errors = format!("{errors:>6}");
            let errors = if errors.trim() != "0" {
                errors.red().bold().to_string()
            } else {
                errors
            };
            write!(out, "  {lines:>6}  {errors}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// A bar of `pct` percent, padded to the full width.
fn bar(pct: f64) -> String {
    let cells = ((pct.clamp(0.0, 100.0) / 100.0) * BAR_WIDTH as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(cells).cyan(),
        " ".repeat(BAR_WIDTH - cells)
    )
}

/// The `compare` output.
#[derive(Serialize)]
pub struct Comparison {
    changes: Vec<ChangeRow>,
}

#[derive(Serialize)]
struct ChangeRow {
    group: String,
    before_ns: u64,
    after_ns: u64,
    delta_ns: i128,
    before_pct: f64,
    after_pct: f64,
}

impl Comparison {
    pub fn of(before: &TraceSet, after: &TraceSet, group_by: &GroupBy) -> Self {
        let analyses = |set: &TraceSet| -> Vec<TraceAnalysis> {
            set.traces
                .iter()
                .map(|t| analyze(set, t, group_by))
                .collect()
        };
        let changes = compare(&analyses(before), &analyses(after))
            .into_iter()
            .map(|c: GroupChange| ChangeRow {
                delta_ns: c.delta_ns(),
                group: c.group,
                before_ns: c.before_ns,
                after_ns: c.after_ns,
                before_pct: c.before_pct,
                after_pct: c.after_pct,
            })
            .collect();
        Self { changes }
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer(&mut *out, self)?;
        writeln!(out)
    }

    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        let width = self
            .changes
            .iter()
            .map(|c| c.group.chars().count())
            .max()
            .unwrap_or(5)
            .clamp(5, 48);
        writeln!(
            out,
            "{:<width$}  {:>12}  {:>12}  {:>13}  {:>7}  {:>7}",
            "GROUP", "BEFORE", "AFTER", "CHANGE", "SHARE", "NOW"
        )?;
        for c in &self.changes {
            let sign = if c.delta_ns < 0 { "-" } else { "+" };
            // Padded before colouring: escape codes must not count as width.
            let delta = format!(
                "{:>13}",
                format!(
                    "{sign}{}",
                    format_duration(c.delta_ns.unsigned_abs() as u64)
                )
            );
            let delta = if c.delta_ns < 0 {
                delta.green().to_string()
            } else if c.delta_ns > 0 {
                delta.red().to_string()
            } else {
                delta
            };
            writeln!(
                out,
                "{:<width$}  {:>12}  {:>12}  {}  {:>6.1}%  {:>6.1}%",
                c.group,
                format_duration(c.before_ns),
                format_duration(c.after_ns),
                delta,
                c.before_pct,
                c.after_pct
            )?;
        }
        writeln!(
            out,
            "(mean critical time per trace; share is the median critical share)"
        )
    }
}
