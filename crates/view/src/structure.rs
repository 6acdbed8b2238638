//! The average trace's structure as an icicle: each node of the merged
//! tree a box under its parent, as wide as its mean critical time, its
//! siblings side by side from the parent's left edge.

use std::collections::HashMap;

use tracelens_core::analysis::structure::Structure;

/// Boxes narrower than this share of the picture are left out, with
/// everything under them (a child is never wider than its parent): a
/// thousand traces of random shapes merge into hundreds of thousands of
/// paths, nearly all of them too thin to see.
pub const THINNEST_BOX: f64 = 1.0 / 2000.0;

/// A node's box: row (depth), left edge and width as fractions of the
/// whole picture's width.
#[derive(Clone, Debug, PartialEq)]
pub struct IcicleBox {
    pub node: usize,
    pub row: u32,
    pub x: f64,
    pub width: f64,
}

/// The boxes of `tree`; nodes with no critical time take no width, and
/// those narrower than [`THINNEST_BOX`], are left out.
pub fn icicle(tree: &Structure) -> Vec<IcicleBox> {
    let whole: u64 = tree
        .nodes
        .iter()
        .filter(|n| n.parent.is_none())
        .map(|n| n.mean_critical_ns)
        .sum();
    if whole == 0 {
        return Vec::new();
    }
    // Where the next child of each node goes (nodes are in tree order, so
    // a parent is placed before its children).
    let mut next = vec![0.0; tree.nodes.len()];
    let mut roots_next = 0.0;
    let mut boxes = Vec::new();
    for (i, node) in tree.nodes.iter().enumerate() {
        let width = node.mean_critical_ns as f64 / whole as f64;
        let x = match node.parent {
            Some(parent) => {
                let x = next[parent];
                next[parent] += width;
                x
            }
            None => {
                let x = roots_next;
                roots_next += width;
                x
            }
        };
        next[i] = x;
        if width >= THINNEST_BOX {
            boxes.push(IcicleBox {
                node: i,
                row: node.depth,
                x,
                width,
            });
        }
    }
    boxes
}

/// The nodes of `tree` a table lists: the `limit` with the most critical
/// time per trace (the first in tree order among equals), in tree order,
/// and how many were left out. A parent has at least its children's
/// critical time, so every listed node's parent is listed too.
pub fn listed(tree: &Structure, limit: usize) -> (Vec<usize>, usize) {
    let mut rows: Vec<usize> = (0..tree.nodes.len()).collect();
    if rows.len() > limit {
        rows.select_nth_unstable_by_key(limit, |&i| {
            (std::cmp::Reverse(tree.nodes[i].mean_critical_ns), i)
        });
        rows.truncate(limit);
        rows.sort_unstable();
    }
    let left_out = tree.nodes.len() - rows.len();
    (rows, left_out)
}

/// For each node of `all`, the node at the same path in `part` (a tree of
/// some of the same traces), if it has one.
pub fn matching(all: &Structure, part: &Structure) -> Vec<Option<usize>> {
    // Nodes of `all` by (parent, service, name); `part`'s nodes come
    // parent first, so a parent's match is known before its children's.
    let by_key: HashMap<(Option<usize>, &str, &str), usize> = (all.nodes.iter().enumerate())
        .map(|(i, n)| ((n.parent, n.service.as_str(), n.name.as_str()), i))
        .collect();
    let mut in_all = vec![None; part.nodes.len()];
    let mut found = vec![None; all.nodes.len()];
    for (i, node) in part.nodes.iter().enumerate() {
        let parent = match node.parent {
            Some(p) => match in_all[p] {
                Some(q) => Some(q),
                None => continue,
            },
            None => None,
        };
        if let Some(&j) = by_key.get(&(parent, node.service.as_str(), node.name.as_str())) {
            in_all[i] = Some(j);
            found[j] = Some(i);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::set_from_ascii;
    use tracelens_core::analysis::breakdown::{analyze, GroupBy};
    use tracelens_core::analysis::structure::{structure, StructureNode};

    #[test]
    fn children_sit_under_their_parent_as_wide_as_their_critical_time() {
        // The batch: 10 µs; read 0–2 and compress 2–8 on the path, the
        // batch's own 8–10 too.
        let batch: &[&str] = &["batch [----------]", "  read  [-]", "  compress [------]"];
        let set = set_from_ascii(&[batch, batch]);
        let analyses: Vec<_> = set
            .traces
            .iter()
            .map(|t| analyze(&set, t, &GroupBy::Name))
            .collect();
        let tree = structure(&set, set.traces.iter().zip(&analyses));
        let boxes = icicle(&tree);
        let of = |name: &str| {
            let node = tree.nodes.iter().position(|n| n.name == name).unwrap();
            boxes.iter().find(|b| b.node == node).unwrap().clone()
        };
        assert_eq!(
            (of("batch").row, of("batch").x, of("batch").width),
            (0, 0.0, 1.0)
        );
        // Siblings by critical time: compress first, then read.
        let (compress, read) = (of("compress"), of("read"));
        assert_eq!(compress.row, 1);
        assert_eq!(compress.x, 0.0);
        assert!((read.x - compress.width).abs() < 1e-9);
        let total: u64 = tree.nodes[0].mean_critical_ns;
        let share = |name: &str| {
            tree.nodes
                .iter()
                .find(|n| n.name == name)
                .unwrap()
                .mean_critical_ns as f64
                / total as f64
        };
        assert!((compress.width - share("compress")).abs() < 1e-9);
        assert!((read.width - share("read")).abs() < 1e-9);
    }

    fn tree_of(traces: &[&[&str]]) -> Structure {
        let set = set_from_ascii(traces);
        let analyses: Vec<_> = set
            .traces
            .iter()
            .map(|t| analyze(&set, t, &GroupBy::Name))
            .collect();
        structure(&set, set.traces.iter().zip(&analyses))
    }

    #[test]
    fn a_table_lists_the_nodes_with_most_critical_time_their_parents_among_them() {
        let tree = tree_of(&[&[
            "batch [--------------------]",
            "  read [-]",
            "  compress [------------]",
            "    level [----------]",
            "  upload                 [-]",
        ]]);
        let name = |i: usize| tree.nodes[i].name.as_str();
        let (rows, left_out) = listed(&tree, 3);
        let names: Vec<&str> = rows.iter().map(|&i| name(i)).collect();
        assert_eq!(names, ["batch", "compress", "level"]);
        assert_eq!(left_out, 2);
        let (rows, left_out) = listed(&tree, 10);
        assert_eq!((rows.len(), left_out), (5, 0));
    }

    #[test]
    fn the_slow_ones_nodes_are_found_at_the_same_path_in_the_whole() {
        let slow: &[&str] = &["batch [----------]", "  compress [------]", "    retry [-]"];
        let fast: &[&str] = &["batch [----]", "  read [-]"];
        let all = tree_of(&[slow, fast]);
        let part = tree_of(&[slow]);
        let found = matching(&all, &part);
        for (i, node) in all.nodes.iter().enumerate() {
            match found[i] {
                Some(j) => assert_eq!(all.path(i), part.path(j)),
                None => assert_eq!(node.name, "read"),
            }
        }
        assert_eq!(found.iter().filter(|f| f.is_some()).count(), 3);
    }

    #[test]
    fn boxes_too_thin_to_see_are_left_out_with_what_is_under_them() {
        let node = |name: &str, parent, depth, critical| StructureNode {
            service: "worker".to_owned(),
            name: name.to_owned(),
            parent,
            depth,
            traces: 1,
            spans: 1,
            p50_ns: critical,
            p95_ns: critical,
            mean_self_ns: 0,
            mean_critical_ns: critical,
        };
        // tick: 1/10,000 of the batch, thinner than a box is drawn.
        let tree = Structure {
            traces: 1,
            nodes: vec![
                node("batch", None, 0, 10_000),
                node("compress", Some(0), 1, 9_000),
                node("tick", Some(0), 1, 1),
                node("tock", Some(2), 2, 1),
            ],
        };
        let names: Vec<&str> = (icicle(&tree).iter())
            .map(|b| tree.nodes[b.node].name.as_str())
            .collect();
        assert_eq!(names, ["batch", "compress"]);
    }
}
