//! The average trace's structure: every trace of a set merged by the path
//! of (service, name) from its root into one tree. Per node: how many
//! traces have it, its spans, the p50 and p95 of their durations, and
//! self and critical time per trace. A night of 300 batches becomes one
//! tree of where a batch's time goes; the slow set's tree beside the
//! rest's shows which part grows.

use rustc_hash::FxHashMap;

use crate::analysis::aggregate::percentile;
use crate::analysis::breakdown::TraceAnalysis;
use crate::intern::Sym;
use crate::model::{Trace, TraceSet};
use crate::units::format_duration;

/// One node of the merged tree: the spans at one path of (service, name).
#[derive(Clone, Debug, PartialEq)]
pub struct StructureNode {
    pub service: String,
    pub name: String,
    /// Index of the parent node; `None` for a root.
    pub parent: Option<usize>,
    pub depth: u32,
    /// Traces with at least one span at this path.
    pub traces: usize,
    /// Spans at this path, over every trace.
    pub spans: u64,
    /// Nearest-rank percentiles of those spans' durations.
    pub p50_ns: u64,
    pub p95_ns: u64,
    /// Self time at this path per trace of the set (a trace without the
    /// path counts 0).
    pub mean_self_ns: u64,
    /// Time on the critical path in the subtree at this path (its spans'
    /// and everything below them), per trace of the set: never more than
    /// the parent's, so the widths of an icicle add up.
    pub mean_critical_ns: u64,
}

/// The merged tree of a set of traces: its nodes in tree order (each
/// parent before its subtree, siblings by mean critical time, then name).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Structure {
    /// Traces merged.
    pub traces: usize,
    pub nodes: Vec<StructureNode>,
}

/// A node being built: its key and what is summed.
struct Building {
    key: (Option<usize>, Sym, Sym),
    depth: u32,
    traces: usize,
    last_trace: Option<usize>,
    self_ns: u64,
    critical_ns: u64,
}

/// Merges `traces` of `set` (each with its analysis, for self and critical
/// time) by the path of (service, name) from their roots.
pub fn structure<'a>(
    set: &TraceSet,
    traces: impl IntoIterator<Item = (&'a Trace, &'a TraceAnalysis)>,
) -> Structure {
    let mut index: FxHashMap<(Option<usize>, Sym, Sym), usize> = FxHashMap::default();
    let mut nodes: Vec<Building> = Vec::new();
    // Every span's (node, duration), sorted out per node at the end: a
    // vector per node cost an allocation per node, and traces of many
    // shapes have nearly a node per span.
    let mut durations: Vec<(usize, f64)> = Vec::new();
    let mut count = 0;
    for (t, (trace, analysis)) in traces.into_iter().enumerate() {
        count += 1;
        // Critical time of each span's subtree: children after parents in
        // tree order, so adding each to its parent backwards sums them.
        let mut below = analysis.critical_times.clone();
        for &i in trace.depth_first().iter().rev() {
            if let Some(parent) = trace.spans[i as usize].parent {
                below[parent as usize] += below[i as usize];
            }
        }
        let mut node_of = vec![0usize; trace.spans.len()];
        for &i in trace.depth_first() {
            let span = &trace.spans[i as usize];
            let parent = span.parent.map(|p| node_of[p as usize]);
            let key = (parent, span.service, span.name);
            let node = *index.entry(key).or_insert_with(|| {
                nodes.push(Building {
                    key,
                    depth: parent.map_or(0, |p| nodes[p].depth + 1),
                    traces: 0,
                    last_trace: None,
                    self_ns: 0,
                    critical_ns: 0,
                });
                nodes.len() - 1
            });
            node_of[i as usize] = node;
            let n = &mut nodes[node];
            if n.last_trace != Some(t) {
                n.last_trace = Some(t);
                n.traces += 1;
            }
            durations.push((node, span.duration_ns() as f64));
            n.self_ns += analysis.self_times[i as usize];
            n.critical_ns += below[i as usize];
        }
    }
    finish(set, nodes, durations, count)
}

/// The built nodes in tree order, parents renumbered.
fn finish(
    set: &TraceSet,
    nodes: Vec<Building>,
    durations: Vec<(usize, f64)>,
    traces: usize,
) -> Structure {
    let per_trace = |ns: u64| ns / traces.max(1) as u64;
    // Each node's durations, sorted, at `durations_of[starts[i]..starts[i + 1]]`.
    let starts = offsets(nodes.len(), durations.iter().map(|&(node, _)| node));
    let mut durations_of = vec![0.0; durations.len()];
    let mut next = starts.clone();
    for (node, duration) in durations {
        durations_of[next[node]] = duration;
        next[node] += 1;
    }
    // Children likewise, at `children[child_starts[i]..child_starts[i + 1]]`.
    let child_starts = offsets(nodes.len(), nodes.iter().filter_map(|n| n.key.0));
    let mut children = vec![0usize; child_starts[nodes.len()]];
    let mut next = child_starts.clone();
    let mut roots = Vec::new();
    for (i, node) in nodes.iter().enumerate() {
        match node.key.0 {
            Some(parent) => {
                children[next[parent]] = i;
                next[parent] += 1;
            }
            None => roots.push(i),
        }
    }
    let order = |list: &mut [usize], nodes: &[Building]| {
        list.sort_by(|&a, &b| {
            nodes[b]
                .critical_ns
                .cmp(&nodes[a].critical_ns)
                .then_with(|| {
                    set.strings
                        .get(nodes[a].key.2)
                        .cmp(set.strings.get(nodes[b].key.2))
                })
        });
    };
    order(&mut roots, &nodes);
    for i in 0..nodes.len() {
        order(&mut children[child_starts[i]..child_starts[i + 1]], &nodes);
    }
    // Tree order without recursion: a stack of nodes still to emit.
    let mut new_index = vec![0usize; nodes.len()];
    let mut out = Vec::with_capacity(nodes.len());
    let mut stack: Vec<usize> = roots.into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        new_index[i] = out.len();
        let node = &nodes[i];
        let durations = &mut durations_of[starts[i]..starts[i + 1]];
        durations.sort_by(f64::total_cmp);
        out.push(StructureNode {
            service: set.strings.get(node.key.1).to_owned(),
            name: set.strings.get(node.key.2).to_owned(),
            parent: node.key.0.map(|p| new_index[p]),
            depth: node.depth,
            traces: node.traces,
            spans: durations.len() as u64,
            p50_ns: percentile(durations, 50.0) as u64,
            p95_ns: percentile(durations, 95.0) as u64,
            mean_self_ns: per_trace(node.self_ns),
            mean_critical_ns: per_trace(node.critical_ns),
        });
        stack.extend(children[child_starts[i]..child_starts[i + 1]].iter().rev());
    }
    Structure { traces, nodes: out }
}

/// Where each of `count` slots' items start in one vector holding them
/// slot by slot, given the slot of every item; one more offset at the end.
fn offsets(count: usize, slots: impl Iterator<Item = usize>) -> Vec<usize> {
    let mut starts = vec![0usize; count + 1];
    for slot in slots {
        starts[slot + 1] += 1;
    }
    for i in 0..count {
        starts[i + 1] += starts[i];
    }
    starts
}

impl Structure {
    /// The tree as indented text, a node a line: name, service, the share
    /// of traces that have it, spans, p50/p95, mean self and critical time.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{} traces merged by the path of (service, name)\n",
            self.traces
        );
        for node in &self.nodes {
            text.push_str(&format!(
                "{}{} ({}) · in {:.0}% of traces · {} spans · p50 {} · p95 {} · self {} · critical {}\n",
                "  ".repeat(node.depth as usize),
                node.name,
                node.service,
                node.traces as f64 / self.traces.max(1) as f64 * 100.0,
                node.spans,
                format_duration(node.p50_ns),
                format_duration(node.p95_ns),
                format_duration(node.mean_self_ns),
                format_duration(node.mean_critical_ns),
            ));
        }
        text
    }

    /// The path of node `index`, names joined by ` > ` from its root.
    pub fn path(&self, index: usize) -> String {
        let mut names = Vec::new();
        let mut at = Some(index);
        while let Some(i) = at {
            names.push(self.nodes[i].name.as_str());
            at = self.nodes[i].parent;
        }
        names.reverse();
        names.join(" > ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ascii::set_from_ascii;
    use crate::analysis::breakdown::{analyze, GroupBy};

    fn merged(set: &TraceSet) -> Structure {
        let analyses: Vec<_> = set
            .traces
            .iter()
            .map(|t| analyze(set, t, &GroupBy::Name))
            .collect();
        structure(set, set.traces.iter().zip(&analyses))
    }

    const BATCH: &[&str] = &[
        "worker:batch [----------]",
        "  worker:read [--]",
        "  zstd:compress [------]",
        "    zstd:block  [-]",
        "    zstd:block     [-]",
    ];

    #[test]
    fn traces_of_one_shape_merge_into_that_shape_with_counts_multiplied() {
        let set = set_from_ascii(&[BATCH, BATCH, BATCH]);
        let tree = merged(&set);
        assert_eq!(tree.traces, 3);
        let paths: Vec<String> = (0..tree.nodes.len()).map(|i| tree.path(i)).collect();
        // The compression first: it holds more of the critical path.
        assert_eq!(
            paths,
            [
                "batch",
                "batch > compress",
                "batch > compress > block",
                "batch > read"
            ]
        );
        let block = &tree.nodes[2];
        assert_eq!((block.traces, block.spans), (3, 6));
        assert_eq!((block.p50_ns, block.p95_ns), (2_000, 2_000));
        let one = merged(&set_from_ascii(&[BATCH]));
        for (many, single) in tree.nodes.iter().zip(&one.nodes) {
            assert_eq!(many.spans, single.spans * 3);
            assert_eq!(many.mean_critical_ns, single.mean_critical_ns);
            assert_eq!(many.mean_self_ns, single.mean_self_ns);
        }
        assert!(tree
            .to_text()
            .contains("    block (zstd) · in 100% of traces · 6 spans"));
    }

    #[test]
    fn a_path_some_traces_lack_counts_them_as_zero() {
        let short: &[&str] = &["worker:batch [----]", "  worker:read [--]"];
        let set = set_from_ascii(&[BATCH, short]);
        let tree = merged(&set);
        let compress = tree.nodes.iter().find(|n| n.name == "compress").unwrap();
        assert_eq!(compress.traces, 1);
        // Its subtree is 7 µs of the path in one trace of two: 3.5 µs a trace.
        assert_eq!(compress.mean_critical_ns, 3_500);
        let batch = &tree.nodes[0];
        assert_eq!(batch.traces, 2);
        // Never more than the parent's.
        for node in &tree.nodes {
            if let Some(parent) = node.parent {
                assert!(node.mean_critical_ns <= tree.nodes[parent].mean_critical_ns);
            }
        }
    }
}
