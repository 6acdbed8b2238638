//! Before and after: per group, how the critical time and share changed.

use crate::analysis::aggregate::{aggregate, GroupAggregate};
use crate::analysis::breakdown::TraceAnalysis;

/// How one group changed between two sets of traces.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupChange {
    /// The group's label.
    pub group: String,
    /// Mean critical time per trace before.
    pub before_ns: u64,
    /// Mean critical time per trace after.
    pub after_ns: u64,
    /// Median critical share before, percent.
    pub before_pct: f64,
    /// Median critical share after, percent.
    pub after_pct: f64,
}

impl GroupChange {
    /// After minus before, nanoseconds per trace.
    pub fn delta_ns(&self) -> i128 {
        i128::from(self.after_ns) - i128::from(self.before_ns)
    }
}

/// Per group, the change from `before` to `after`, biggest change in
/// critical time first.
pub fn compare(before: &[TraceAnalysis], after: &[TraceAnalysis]) -> Vec<GroupChange> {
    let (old, new) = (aggregate(before), aggregate(after));
    let mean = |row: Option<&GroupAggregate>, traces: usize| {
        row.map_or(0, |r| r.critical_ns / traces.max(1) as u64)
    };
    let mut groups: Vec<&str> = old.iter().chain(&new).map(|r| r.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    let mut changes: Vec<GroupChange> = groups
        .into_iter()
        .map(|group| {
            let a = old.iter().find(|r| r.group == group);
            let b = new.iter().find(|r| r.group == group);
            GroupChange {
                group: group.to_owned(),
                before_ns: mean(a, before.len()),
                after_ns: mean(b, after.len()),
                before_pct: a.map_or(0.0, |r| r.critical_pct_p50),
                after_pct: b.map_or(0.0, |r| r.critical_pct_p50),
            }
        })
        .collect();
    changes.sort_by(|x, y| {
        y.delta_ns()
            .abs()
            .cmp(&x.delta_ns().abs())
            .then_with(|| x.group.cmp(&y.group))
    });
    changes
}
