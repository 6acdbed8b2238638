//! The average trace's structure as an icicle: each node of the merged
//! tree a box under its parent, as wide as its mean critical time, its
//! siblings side by side from the parent's left edge.

use tracelens_core::analysis::structure::Structure;

/// A node's box: row (depth), left edge and width as fractions of the
/// whole picture's width.
#[derive(Clone, Debug, PartialEq)]
pub struct IcicleBox {
    pub node: usize,
    pub row: u32,
    pub x: f64,
    pub width: f64,
}

/// The boxes of `tree`; nodes with no critical time take no width and are
/// left out.
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
        if width > 0.0 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::set_from_ascii;
    use tracelens_core::analysis::breakdown::{analyze, GroupBy};
    use tracelens_core::analysis::structure::structure;

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
}
