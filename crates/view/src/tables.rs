//! The tables' columns and orders: the breakdown's groups, and the spans
//! table (every span of a trace, sortable by any column, as CSV too).

use std::collections::HashMap;

use tracelens_core::analysis::breakdown::GroupShare;
use tracelens_core::logs::TraceLogs;
use tracelens_core::units::format_duration;
use tracelens_core::{StatusCode, Sym, Trace, TraceSet};

/// The columns the breakdown table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShareColumn {
    Group,
    Count,
    Critical,
    SelfPct,
    SelfNs,
    Total,
}

impl ShareColumn {
    /// Its name in `data-sort`.
    pub fn name(self) -> &'static str {
        match self {
            ShareColumn::Group => "group",
            ShareColumn::Count => "count",
            ShareColumn::Critical => "critical",
            ShareColumn::SelfPct => "self-pct",
            ShareColumn::SelfNs => "self",
            ShareColumn::Total => "total",
        }
    }

    /// The way a first click sorts it: numbers biggest first, names A first.
    pub fn first_descending(self) -> bool {
        self != ShareColumn::Group
    }

    /// `rows` ordered by this column, largest (or A first) when
    /// `descending`; ties by group name.
    pub fn sort(self, rows: &mut [GroupShare], descending: bool) {
        rows.sort_by(|a, b| {
            let order = match self {
                ShareColumn::Group => b.group.cmp(&a.group),
                ShareColumn::Count => a.count.cmp(&b.count),
                // As core orders the breakdown: critical time, then self.
                ShareColumn::Critical => a
                    .critical_ns
                    .cmp(&b.critical_ns)
                    .then(a.self_ns.cmp(&b.self_ns)),
                ShareColumn::SelfPct => a.self_pct.total_cmp(&b.self_pct),
                ShareColumn::SelfNs => a.self_ns.cmp(&b.self_ns),
                ShareColumn::Total => a.total_ns.cmp(&b.total_ns),
            };
            let order = if descending { order.reverse() } else { order };
            order.then_with(|| a.group.cmp(&b.group))
        });
    }
}

/// The sort after a click on `clicked`'s heading: the same column turns
/// round, another starts its own way.
pub fn clicked(now: (ShareColumn, bool), clicked: ShareColumn) -> (ShareColumn, bool) {
    match now {
        (column, descending) if column == clicked => (column, !descending),
        _ => (clicked, clicked.first_descending()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;
    use tracelens_core::analysis::breakdown::{analyze, GroupBy};
    use tracelens_core::TraceSet;

    fn shares() -> Vec<GroupShare> {
        let (set, trace) = trace_from_ascii(&[
            "root      [------------]",
            "  zeta     [--]",
            "  alpha        [------]",
            "  alpha    [-]",
        ]);
        let set = TraceSet {
            traces: vec![trace],
            ..set
        };
        analyze(&set, &set.traces[0], &GroupBy::Name).breakdown
    }

    fn groups(rows: &[GroupShare]) -> Vec<&str> {
        rows.iter().map(|r| r.group.as_str()).collect()
    }

    #[test]
    fn columns_sort_either_way_ties_by_name() {
        let mut rows = shares();
        ShareColumn::Group.sort(&mut rows, true);
        assert_eq!(groups(&rows), ["alpha", "root", "zeta"]);
        ShareColumn::Group.sort(&mut rows, false);
        assert_eq!(groups(&rows), ["zeta", "root", "alpha"]);
        ShareColumn::Count.sort(&mut rows, true);
        assert_eq!(groups(&rows), ["alpha", "root", "zeta"]);
        ShareColumn::Total.sort(&mut rows, true);
        assert_eq!(groups(&rows)[0], "root");
        ShareColumn::Total.sort(&mut rows, false);
        assert_eq!(groups(&rows)[2], "root");
    }

    #[test]
    fn a_click_turns_the_column_round_or_starts_another_its_own_way() {
        use ShareColumn::*;
        assert_eq!(clicked((Critical, true), Critical), (Critical, false));
        assert_eq!(clicked((Critical, true), Group), (Group, false));
        assert_eq!(clicked((Group, false), Total), (Total, true));
    }
}

/// The spans table's columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanColumn {
    Name,
    Service,
    Start,
    Duration,
    SelfTime,
    Critical,
    Status,
    Logs,
}

impl SpanColumn {
    pub const ALL: [SpanColumn; 8] = [
        SpanColumn::Name,
        SpanColumn::Service,
        SpanColumn::Start,
        SpanColumn::Duration,
        SpanColumn::SelfTime,
        SpanColumn::Critical,
        SpanColumn::Status,
        SpanColumn::Logs,
    ];

    /// Its name in `data-sort`.
    pub fn name(self) -> &'static str {
        match self {
            SpanColumn::Name => "name",
            SpanColumn::Service => "service",
            SpanColumn::Start => "start",
            SpanColumn::Duration => "duration",
            SpanColumn::SelfTime => "self",
            SpanColumn::Critical => "critical",
            SpanColumn::Status => "status",
            SpanColumn::Logs => "logs",
        }
    }

    /// Its heading.
    pub fn label(self) -> &'static str {
        match self {
            SpanColumn::Name => "Name",
            SpanColumn::Service => "Service",
            SpanColumn::Start => "Start",
            SpanColumn::Duration => "Duration",
            SpanColumn::SelfTime => "Self",
            SpanColumn::Critical => "Critical",
            SpanColumn::Status => "Status",
            SpanColumn::Logs => "Logs",
        }
    }

    /// Whether it holds numbers (right-aligned, biggest first on a click).
    pub fn numeric(self) -> bool {
        !matches!(self, SpanColumn::Name | SpanColumn::Service)
    }
}

/// What the spans table reads beside the trace: each span's self and
/// critical time once the trace is analysed, and its log lines.
#[derive(Clone, Copy, Default)]
pub struct SpanFigures<'a> {
    pub self_ns: Option<&'a [u64]>,
    pub critical_ns: Option<&'a [u64]>,
    pub logs: Option<&'a TraceLogs>,
}

impl SpanFigures<'_> {
    fn of(times: Option<&[u64]>, index: u32) -> u64 {
        times
            .and_then(|t| t.get(index as usize))
            .copied()
            .unwrap_or(0)
    }

    fn log_lines(&self, index: u32) -> usize {
        self.logs
            .and_then(|l| l.by_span.get(&index))
            .map_or(0, Vec::len)
    }
}

/// The rank of each string among `syms` by text, so sorting by name
/// compares numbers (a million spans hold few distinct names).
fn ranks(set: &TraceSet, syms: impl Iterator<Item = Sym>) -> HashMap<Sym, u32> {
    let mut distinct: Vec<Sym> = syms.collect();
    distinct.sort_unstable_by_key(|s| s.0);
    distinct.dedup();
    distinct.sort_by(|a, b| set.strings.get(*a).cmp(set.strings.get(*b)));
    distinct
        .into_iter()
        .enumerate()
        .map(|(rank, sym)| (sym, rank as u32))
        .collect()
}

/// The spans of `trace` (or those of `only`) in the table's order: by
/// `column`, biggest or A first when `descending`, ties by start.
pub fn span_order(
    set: &TraceSet,
    trace: &Trace,
    figures: SpanFigures,
    only: Option<&[u32]>,
    column: SpanColumn,
    descending: bool,
) -> Vec<u32> {
    let mut order: Vec<u32> = match only {
        Some(only) => only.to_vec(),
        None => (0..trace.spans.len() as u32).collect(),
    };
    let span = |i: u32| &trace.spans[i as usize];
    let key: Box<dyn Fn(u32) -> u64> = match column {
        SpanColumn::Name | SpanColumn::Service => {
            let sym = move |i: u32| match column {
                SpanColumn::Name => span(i).name,
                _ => span(i).service,
            };
            let ranks = ranks(set, order.iter().map(|&i| sym(i)));
            // Names read A first when "descending": the biggest rank last.
            Box::new(move |i| u64::from(u32::MAX - ranks[&sym(i)]))
        }
        SpanColumn::Start => Box::new(move |i| span(i).start_ns),
        SpanColumn::Duration => Box::new(move |i| span(i).duration_ns()),
        SpanColumn::SelfTime => Box::new(move |i| SpanFigures::of(figures.self_ns, i)),
        SpanColumn::Critical => Box::new(move |i| SpanFigures::of(figures.critical_ns, i)),
        SpanColumn::Status => Box::new(move |i| match span(i).status {
            StatusCode::Error => 2,
            StatusCode::Ok => 1,
            StatusCode::Unset => 0,
        }),
        SpanColumn::Logs => Box::new(move |i| figures.log_lines(i) as u64),
    };
    // Each key worked out once, then sorted as plain numbers (comparing
    // through the key a million times cost four times as much).
    let mut keyed: Vec<(u64, u64, u32)> = order
        .iter()
        .map(|&i| {
            let k = key(i);
            (
                if descending { u64::MAX - k } else { k },
                span(i).start_ns,
                i,
            )
        })
        .collect();
    keyed.sort_unstable();
    order.clear();
    order.extend(keyed.into_iter().map(|(_, _, i)| i));
    order
}

/// One row of the spans table, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct SpanCells {
    pub span_id: String,
    pub name: String,
    pub service: String,
    pub start: String,
    pub duration: String,
    pub self_time: String,
    pub critical: String,
    pub status: String,
    pub logs: usize,
    pub error: bool,
    /// Self and critical time in nanoseconds, for tests and tools.
    pub self_ns: u64,
    pub critical_ns: u64,
}

/// The cells of span `index`'s row.
pub fn span_cells(set: &TraceSet, trace: &Trace, index: u32, figures: SpanFigures) -> SpanCells {
    let span = &trace.spans[index as usize];
    let (self_ns, critical_ns) = (
        SpanFigures::of(figures.self_ns, index),
        SpanFigures::of(figures.critical_ns, index),
    );
    let analysed = |ns: u64, times: Option<&[u64]>| match times {
        Some(_) => format_duration(ns),
        None => "…".to_owned(),
    };
    SpanCells {
        span_id: span.span_id.to_string(),
        name: set.strings.get(span.name).to_owned(),
        service: set.strings.get(span.service).to_owned(),
        start: format!("+{}", format_duration(span.start_ns - trace.start_ns())),
        duration: format_duration(span.duration_ns()),
        self_time: analysed(self_ns, figures.self_ns),
        critical: analysed(critical_ns, figures.critical_ns),
        status: format!("{:?}", span.status),
        logs: figures.log_lines(index),
        error: span.status == StatusCode::Error,
        self_ns,
        critical_ns,
    }
}

/// The table (in `order`) as CSV, every column, times in nanoseconds.
pub fn spans_csv(set: &TraceSet, trace: &Trace, order: &[u32], figures: SpanFigures) -> String {
    let field = |text: &str| match text.contains([',', '"', '\n', '\r']) {
        true => format!("\"{}\"", text.replace('"', "\"\"")),
        false => text.to_owned(),
    };
    let mut csv =
        "span_id,name,service,start_offset_ns,duration_ns,self_ns,critical_ns,status,log_lines\n"
            .to_owned();
    for &index in order {
        let span = &trace.spans[index as usize];
        let cells = span_cells(set, trace, index, figures);
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            cells.span_id,
            field(&cells.name),
            field(&cells.service),
            span.start_ns - trace.start_ns(),
            span.duration_ns(),
            cells.self_ns,
            cells.critical_ns,
            cells.status,
            cells.logs
        ));
    }
    csv
}
