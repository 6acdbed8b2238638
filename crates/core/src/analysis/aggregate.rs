//! Shares across many traces: "compression is 80 % of the time across
//! these 300 batches" in one line, and the distribution of durations.

use std::collections::HashMap;

use crate::analysis::breakdown::TraceAnalysis;

/// One group over many traces.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupAggregate {
    /// The group's label.
    pub group: String,
    /// Spans in the group, over all traces.
    pub count: u64,
    /// Traces that have the group at all.
    pub traces: u64,
    /// Sum of the spans' durations.
    pub total_ns: u64,
    /// Sum of self times.
    pub self_ns: u64,
    /// Sum of critical-path time.
    pub critical_ns: u64,
    /// Median over all traces of the group's critical share (0 where absent).
    pub critical_pct_p50: f64,
    /// 95th percentile of the same.
    pub critical_pct_p95: f64,
}

/// The distribution of trace durations.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DurationStats {
    /// Number of traces.
    pub count: u64,
    /// Median duration.
    pub p50_ns: u64,
    /// 95th percentile.
    pub p95_ns: u64,
    /// 99th percentile.
    pub p99_ns: u64,
    /// Longest.
    pub max_ns: u64,
}

/// Aggregates per-trace analyses (made with one grouping), biggest total
/// critical time first.
pub fn aggregate(analyses: &[TraceAnalysis]) -> Vec<GroupAggregate> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut rows: Vec<GroupAggregate> = Vec::new();
    let mut shares: Vec<Vec<f64>> = Vec::new();
    for analysis in analyses {
        for share in &analysis.breakdown {
            let row = *index.entry(share.group.as_str()).or_insert_with(|| {
                rows.push(GroupAggregate {
                    group: share.group.clone(),
                    count: 0,
                    traces: 0,
                    total_ns: 0,
                    self_ns: 0,
                    critical_ns: 0,
                    critical_pct_p50: 0.0,
                    critical_pct_p95: 0.0,
                });
                shares.push(Vec::new());
                rows.len() - 1
            });
            let r = &mut rows[row];
            r.count += share.count;
            r.traces += 1;
            r.total_ns += share.total_ns;
            r.self_ns += share.self_ns;
            r.critical_ns += share.critical_ns;
            shares[row].push(share.critical_pct);
        }
    }
    for (row, values) in rows.iter_mut().zip(&mut shares) {
        // Traces without the group give it a share of 0.
        values.resize(analyses.len(), 0.0);
        values.sort_by(f64::total_cmp);
        row.critical_pct_p50 = percentile(values, 50.0);
        row.critical_pct_p95 = percentile(values, 95.0);
    }
    rows.sort_by(|a, b| {
        b.critical_ns
            .cmp(&a.critical_ns)
            .then_with(|| a.group.cmp(&b.group))
    });
    rows
}

/// Duration percentiles over the analysed traces.
pub fn duration_stats(analyses: &[TraceAnalysis]) -> DurationStats {
    let mut durations: Vec<u64> = analyses.iter().map(|a| a.duration_ns).collect();
    durations.sort_unstable();
    let pick = |p: f64| {
        durations
            .get(rank(durations.len(), p))
            .copied()
            .unwrap_or(0)
    };
    DurationStats {
        count: durations.len() as u64,
        p50_ns: pick(50.0),
        p95_ns: pick(95.0),
        p99_ns: pick(99.0),
        max_ns: durations.last().copied().unwrap_or(0),
    }
}

/// The nearest-rank percentile of sorted values: the smallest value with
/// at least `p` % of the values at or below it.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted.get(rank(sorted.len(), p)).copied().unwrap_or(0.0)
}

fn rank(len: usize, p: f64) -> usize {
    ((p / 100.0 * len as f64).ceil() as usize).clamp(1, len.max(1)) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), 10.0);
        assert_eq!(percentile(&values, 95.0), 19.0);
        assert_eq!(percentile(&values, 100.0), 20.0);
        assert_eq!(percentile(&[7.0], 95.0), 7.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
