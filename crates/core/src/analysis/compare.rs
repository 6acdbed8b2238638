//! Before and after: per group, how the critical time and share changed.

use crate::analysis::aggregate::{aggregate, GroupAggregate};
use crate::analysis::breakdown::{group_of, GroupBy, TraceAnalysis, NO_GROUP};
use crate::model::{Trace, TraceSet};

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

/// The value attribute `key` has in `trace`, as the breakdown labels it:
/// from the first span (in start order) that has it on itself, its scope or
/// its resource. `None` when no span has it.
pub fn trace_value(set: &TraceSet, trace: &Trace, key: &str) -> Option<String> {
    let by = GroupBy::Attribute(key.to_owned());
    (0..trace.spans.len() as u32)
        .map(|span| group_of(set, trace, span, &by))
        .find(|label| label != NO_GROUP)
}

/// The distinct values of `values`, in the order a person expects: by
/// number when every value is one (compression levels 3, 6, 9, 15, 19),
/// else as text.
pub fn distinct_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut distinct: Vec<String> = values.into_iter().map(str::to_owned).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let numbers: Option<Vec<f64>> = distinct.iter().map(|v| v.trim().parse().ok()).collect();
    if let Some(numbers) = numbers {
        let mut pairs: Vec<(f64, String)> = numbers.into_iter().zip(distinct).collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        distinct = pairs.into_iter().map(|(_, v)| v).collect();
    }
    distinct
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::breakdown::analyze;

    fn corpus(path: &str) -> TraceSet {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus")
            .join(path);
        crate::ingest(&std::fs::read(file).unwrap()).unwrap()
    }

    #[test]
    fn values_sort_as_numbers_when_they_all_are() {
        assert_eq!(
            distinct_values(["15", "19", "3", "6", "9", "3"]),
            ["3", "6", "9", "15", "19"]
        );
        assert_eq!(distinct_values(["b", "10", "a"]), ["10", "a", "b"]);
        assert_eq!(
            distinct_values(["-1.5", "2", "0.25"]),
            ["-1.5", "0.25", "2"]
        );
    }

    #[test]
    fn traces_split_by_an_attribute_compare_biggest_change_first() {
        let set = corpus("etl-nightly/etl-nightly.otlp.json");
        let values: Vec<Option<String>> = set
            .traces
            .iter()
            .map(|t| trace_value(&set, t, "compression.level"))
            .collect();
        assert!(values.iter().all(Option::is_some), "{values:?}");
        assert_eq!(trace_value(&set, &set.traces[0], "no.such.key"), None);
        let analyses: Vec<_> = set
            .traces
            .iter()
            .map(|t| analyze(&set, t, &GroupBy::Name))
            .collect();
        let (a, b) = analyses.split_at(2);
        let changes = compare(a, b);
        assert!(changes
            .windows(2)
            .all(|w| w[0].delta_ns().abs() >= w[1].delta_ns().abs()));
        assert!(changes.iter().any(|c| c.group == "zstd_compress"));
    }
}
