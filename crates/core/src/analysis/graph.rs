//! The operation graph: spans folded by (service, name) into who calls
//! whom — per operation the calls, total, self and critical time, per edge
//! the calls — written as Graphviz DOT or Mermaid text for docs and CI.
//! A 100,000-span trace of 40 operations becomes 40 boxes.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::analysis::breakdown::{analyze, GroupBy, TraceAnalysis};
use crate::model::{Trace, TraceSet};
use crate::units::format_duration;

/// One operation: the spans of one (service, name).
#[derive(Clone, Debug, PartialEq)]
pub struct OpNode {
    pub service: String,
    pub name: String,
    /// Spans.
    pub count: u64,
    pub total_ns: u64,
    pub self_ns: u64,
    /// Time on the critical path of its trace's main root.
    pub critical_ns: u64,
    /// `critical_ns` / the main roots' durations, summed over the traces,
    /// × 100.
    pub critical_pct: f64,
}

/// Calls from one operation to another (a parent span of `from` with a
/// child span of `to`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpEdge {
    pub from: usize,
    pub to: usize,
    pub calls: u64,
}

/// Operations and their calls over every trace of a set.
#[derive(Clone, Debug, PartialEq)]
pub struct OpGraph {
    /// In order of first appearance (tree order, trace by trace).
    pub nodes: Vec<OpNode>,
    /// Sorted by (from, to).
    pub edges: Vec<OpEdge>,
}

/// The operation graph of every trace in `set`.
pub fn operation_graph(set: &TraceSet) -> OpGraph {
    let analysed: Vec<_> = set
        .traces
        .iter()
        .map(|trace| (trace, analyze(set, trace, &GroupBy::Name)))
        .collect();
    graph_of(set, analysed.iter().map(|(t, a)| (*t, a)))
}

/// The operation graph of traces of `set` already analysed (self and
/// critical times are per span, so any grouping's analysis will do): the
/// page draws the selected trace's from the analysis it has.
pub fn graph_of<'a>(
    set: &TraceSet,
    analysed: impl IntoIterator<Item = (&'a Trace, &'a TraceAnalysis)>,
) -> OpGraph {
    let mut index: HashMap<(u32, u32), usize> = HashMap::new();
    let mut nodes: Vec<OpNode> = Vec::new();
    let mut edges: HashMap<(usize, usize), u64> = HashMap::new();
    let mut root_ns = 0u64;
    for (trace, analysis) in analysed {
        root_ns += analysis
            .root
            .map_or(0, |r| trace.spans[r as usize].duration_ns());
        let mut node_of = vec![0usize; trace.spans.len()];
        for &i in trace.depth_first() {
            let span = &trace.spans[i as usize];
            let key = (span.service.0, span.name.0);
            let node = *index.entry(key).or_insert_with(|| {
                nodes.push(OpNode {
                    service: set.strings.get(span.service).to_owned(),
                    name: set.strings.get(span.name).to_owned(),
                    count: 0,
                    total_ns: 0,
                    self_ns: 0,
                    critical_ns: 0,
                    critical_pct: 0.0,
                });
                nodes.len() - 1
            });
            node_of[i as usize] = node;
            let n = &mut nodes[node];
            n.count += 1;
            n.total_ns += span.duration_ns();
            n.self_ns += analysis.self_times[i as usize];
            n.critical_ns += analysis.critical_times[i as usize];
            if let Some(parent) = span.parent {
                *edges.entry((node_of[parent as usize], node)).or_default() += 1;
            }
        }
    }
    for node in &mut nodes {
        node.critical_pct = match root_ns {
            0 => 0.0,
            whole => node.critical_ns as f64 / whole as f64 * 100.0,
        };
    }
    let mut edges: Vec<OpEdge> = edges
        .into_iter()
        .map(|((from, to), calls)| OpEdge { from, to, calls })
        .collect();
    edges.sort_by_key(|e| (e.from, e.to));
    OpGraph { nodes, edges }
}

impl OpNode {
    /// What a box shows under the operation's name.
    fn summary(&self) -> String {
        format!(
            "{} call{} · {} · self {} · {:.1}% critical",
            self.count,
            if self.count == 1 { "" } else { "s" },
            format_duration(self.total_ns),
            format_duration(self.self_ns),
            self.critical_pct
        )
    }

    fn on_path(&self) -> bool {
        self.critical_ns > 0
    }
}

impl OpGraph {
    /// Graphviz DOT: a box per operation, the critical path's in red and
    /// thick, edges labelled with their calls.
    pub fn to_dot(&self) -> String {
        let quote = |text: &str| text.replace('\\', "\\\\").replace('"', "\\\"");
        let mut dot = String::from(
            "digraph operations {\n  rankdir=TB;\n  node [shape=box, fontname=\"sans-serif\"];\n",
        );
        for (i, node) in self.nodes.iter().enumerate() {
            let style = match node.on_path() {
                true => ", color=\"#c62828\", penwidth=3",
                false => "",
            };
            let _ = writeln!(
                dot,
                "  n{i} [label=\"{}\\n{}\\n{}\"{style}];",
                quote(&node.service),
                quote(&node.name),
                node.summary()
            );
        }
        for edge in &self.edges {
            let _ = writeln!(
                dot,
                "  n{} -> n{} [label=\"{}\"];",
                edge.from, edge.to, edge.calls
            );
        }
        dot.push_str("}\n");
        dot
    }

    /// Mermaid flowchart text, as GitHub and many docs tools draw it.
    pub fn to_mermaid(&self) -> String {
        let quote = |text: &str| text.replace('"', "#quot;");
        let mut text = String::from("flowchart TD\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let _ = writeln!(
                text,
                "  n{i}[\"{}: {}<br/>{}\"]",
                quote(&node.service),
                quote(&node.name),
                node.summary()
            );
        }
        for edge in &self.edges {
            let _ = writeln!(text, "  n{} -->|{}| n{}", edge.from, edge.calls, edge.to);
        }
        let critical: Vec<String> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].on_path())
            .map(|i| format!("n{i}"))
            .collect();
        if !critical.is_empty() {
            text.push_str("  classDef critical stroke:#c62828,stroke-width:3px;\n");
            let _ = writeln!(text, "  class {} critical;", critical.join(","));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ascii::trace_from_ascii;

    #[test]
    fn spans_fold_into_operations_with_their_calls() {
        // Two queries and a cache read under one handler: three operations,
        // the query called twice.
        let (set, trace) = trace_from_ascii(&[
            "api:handle [------------------]",
            "  db:query   [----]",
            "  db:query         [----]",
            "  cache:get              [-]",
        ]);
        let set = TraceSet {
            traces: vec![trace],
            ..set
        };
        let graph = operation_graph(&set);
        let names: Vec<(&str, &str, u64)> = graph
            .nodes
            .iter()
            .map(|n| (n.service.as_str(), n.name.as_str(), n.count))
            .collect();
        assert_eq!(
            names,
            [
                ("api", "handle", 1),
                ("db", "query", 2),
                ("cache", "get", 1)
            ]
        );
        assert_eq!(
            graph.edges,
            [
                OpEdge {
                    from: 0,
                    to: 1,
                    calls: 2
                },
                OpEdge {
                    from: 0,
                    to: 2,
                    calls: 1
                }
            ]
        );
        // handle 11..30: queries 13..18 and 19..24, get 25..27; the path
        // runs through all of them, so the shares sum to 100.
        let total: f64 = graph.nodes.iter().map(|n| n.critical_pct).sum();
        assert!((total - 100.0).abs() < 1e-9, "{total}");
        assert_eq!(graph.nodes[1].critical_ns, 10_000);
        assert_eq!(graph.nodes[0].self_ns, 19_000 - 12_000);
        let dot = graph.to_dot();
        assert!(dot.contains("n0 -> n1 [label=\"2\"]"), "{dot}");
        assert!(dot.contains("db\\nquery\\n2 calls"), "{dot}");
        let mermaid = graph.to_mermaid();
        assert!(mermaid.contains("n0 -->|2| n1"), "{mermaid}");
        assert!(mermaid.contains("class n0,n1,n2 critical;"), "{mermaid}");
    }
}
