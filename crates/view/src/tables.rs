//! The breakdown table's columns and its order when one is clicked.

use tracelens_core::analysis::breakdown::GroupShare;

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
