//! The operation graph laid out for the page: core folds spans by
//! (service, name) into who calls whom; `layout-rs` (a Graphviz-like
//! layered layout) places a box per operation and routes the calls; the
//! page draws what this returns as SVG.

use layout::core::base::Orientation;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::StyleAttr;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;
use tracelens_core::analysis::graph::OpGraph;
use tracelens_core::units::format_duration;

/// A box's height, and a character's width for its size (the page draws
/// names in a 12 px sans-serif font).
const BOX_HEIGHT: f64 = 46.0;
const CHAR_PX: f64 = 6.8;
const PADDING_PX: f64 = 20.0;

/// An operation's box, in pixels from the picture's top left.
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    /// Index into the graph's nodes.
    pub node: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// What it says: the name, then the service and its numbers.
    pub title: String,
    pub detail: String,
}

/// Calls from one operation to another: the SVG path that draws them.
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub from: usize,
    pub to: usize,
    pub calls: u64,
    pub path: String,
}

/// The operation graph placed: boxes, routes and the picture's size.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Placement {
    pub boxes: Vec<Placed>,
    pub routes: Vec<Route>,
    pub width: f64,
    pub height: f64,
}

/// What a box says below the operation's name.
fn detail(graph: &OpGraph, node: usize) -> String {
    let n = &graph.nodes[node];
    format!(
        "{} · {}× · {} · self {} · {:.1}% crit.",
        n.service,
        n.count,
        format_duration(n.total_ns),
        format_duration(n.self_ns),
        n.critical_pct
    )
}

/// Places `graph`: callers left of the operations they call.
pub fn place(graph: &OpGraph) -> Placement {
    if graph.nodes.is_empty() {
        return Placement::default();
    }
    // Left to right: a trace fans out wide (one root, dozens of calls), and
    // a column of boxes reads better than a row of them.
    let mut visual = VisualGraph::new(Orientation::LeftToRight);
    let handles: Vec<_> = (0..graph.nodes.len())
        .map(|node| {
            let text = detail(graph, node);
            let chars = text
                .chars()
                .count()
                .max(graph.nodes[node].name.chars().count());
            let size = Point::new(chars as f64 * CHAR_PX + PADDING_PX, BOX_HEIGHT);
            visual.add_node(Element::create_with_properties(
                ShapeKind::Box(String::new()),
                StyleAttr::simple(),
                Orientation::TopToBottom,
                size,
                node.to_string(),
            ))
        })
        .collect();
    for (edge, e) in graph.edges.iter().enumerate() {
        // A span calling its own operation (recursion) is counted, not drawn.
        if e.from != e.to {
            let arrow = Arrow::simple_with_properties("", edge.to_string());
            visual.add_edge(arrow, handles[e.from], handles[e.to]);
        }
    }
    let mut drawn = Drawn::default();
    visual.do_it(false, false, false, &mut drawn);
    drawn.placement(graph)
}

/// What the layout drew, captured instead of written as SVG.
#[derive(Default)]
struct Drawn {
    boxes: Vec<(usize, Point, Point)>,
    routes: Vec<(usize, Vec<(Point, Point)>)>,
}

impl Drawn {
    fn placement(self, graph: &OpGraph) -> Placement {
        // The picture starts at its leftmost, topmost point.
        let points = self
            .boxes
            .iter()
            .flat_map(|(_, at, size)| [(at.x, at.y), (at.x + size.x, at.y + size.y)])
            .chain(
                self.routes
                    .iter()
                    .flat_map(|(_, path)| path.iter().flat_map(|(a, b)| [(a.x, a.y), (b.x, b.y)])),
            );
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y) in points {
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
        let (dx, dy) = (x0 - PADDING_PX, y0 - PADDING_PX);
        let mut boxes: Vec<Placed> = self
            .boxes
            .into_iter()
            .map(|(node, at, size)| Placed {
                node,
                x: at.x - dx,
                y: at.y - dy,
                width: size.x,
                height: size.y,
                title: graph.nodes[node].name.clone(),
                detail: detail(graph, node),
            })
            .collect();
        boxes.sort_by_key(|b| b.node);
        let routes = self
            .routes
            .into_iter()
            .map(|(edge, path)| {
                let e = graph.edges[edge];
                Route {
                    from: e.from,
                    to: e.to,
                    calls: e.calls,
                    path: svg_path(&path, dx, dy),
                }
            })
            .collect();
        Placement {
            boxes,
            routes,
            width: x1 - x0 + 2.0 * PADDING_PX,
            height: y1 - y0 + 2.0 * PADDING_PX,
        }
    }
}

/// The layout's path (an exit vector, then entry vectors) as SVG curves.
fn svg_path(path: &[(Point, Point)], dx: f64, dy: f64) -> String {
    let p = |point: &Point| format!("{:.1} {:.1}", point.x - dx, point.y - dy);
    let mut d = String::new();
    if let [first, second, rest @ ..] = path {
        d = format!(
            "M {} C {}, {}, {}",
            p(&first.0),
            p(&first.1),
            p(&second.0),
            p(&second.1)
        );
        for point in rest {
            d.push_str(&format!(" S {}, {}", p(&point.0), p(&point.1)));
        }
    }
    d
}

impl RenderBackend for Drawn {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        _look: &StyleAttr,
        properties: Option<String>,
        _clip: Option<ClipHandle>,
    ) {
        if let Some(node) = properties.and_then(|p| p.parse().ok()) {
            self.boxes.push((node, xy, size));
        }
    }

    fn draw_line(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_circle(&mut self, _: Point, _: Point, _: &StyleAttr, _: Option<String>) {}

    fn draw_text(&mut self, _: Point, _: &str, _: &StyleAttr) {}

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        _dashed: bool,
        _head: (bool, bool),
        _look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        if let Some(edge) = properties.and_then(|p| p.parse().ok()) {
            self.routes.push((edge, path.to_vec()));
        }
    }

    fn create_clip(&mut self, _: Point, _: Point, _: usize) -> ClipHandle {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;
    use tracelens_core::analysis::graph::operation_graph;
    use tracelens_core::TraceSet;

    fn graph(lines: &[&str]) -> OpGraph {
        let (set, trace) = trace_from_ascii(lines);
        operation_graph(&TraceSet {
            traces: vec![trace],
            ..set
        })
    }

    #[test]
    fn callers_sit_left_of_what_they_call_and_no_boxes_overlap() {
        let graph = graph(&[
            "api:handle     [--------------]",
            "  db:query      [--]",
            "  cache:get         [-]",
            "  db:query            [--]",
            "    disk:read          [-]",
        ]);
        // handle, query (twice), get, read: four operations, three calls.
        assert_eq!(graph.nodes.len(), 4);
        let placed = place(&graph);
        assert_eq!(placed.boxes.len(), 4);
        assert_eq!(placed.routes.len(), 3);
        let of = |name: &str| {
            placed
                .boxes
                .iter()
                .find(|b| b.title == name)
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert!(of("handle").x + of("handle").width <= of("query").x);
        assert!(of("query").x + of("query").width <= of("read").x);
        assert!(
            of("query").detail.starts_with("db · 2×"),
            "{}",
            of("query").detail
        );
        for (i, a) in placed.boxes.iter().enumerate() {
            assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.width <= placed.width);
            for b in &placed.boxes[i + 1..] {
                let apart = a.x + a.width <= b.x
                    || b.x + b.width <= a.x
                    || a.y + a.height <= b.y
                    || b.y + b.height <= a.y;
                assert!(apart, "{} overlaps {}", a.title, b.title);
            }
        }
        assert!(placed.routes.iter().all(|r| r.path.starts_with("M ")));
    }

    #[test]
    fn a_call_back_to_a_caller_still_places_every_operation() {
        // a calls b calls a again: a cycle between operations.
        let graph = graph(&["x:a [----------]", "  y:b [------]", "    x:a [--]"]);
        assert_eq!(graph.nodes.len(), 2);
        let placed = place(&graph);
        assert_eq!(placed.boxes.len(), 2);
        assert_eq!(placed.routes.len(), 2);
        assert_eq!(
            place(&OpGraph {
                nodes: vec![],
                edges: vec![]
            }),
            Placement::default()
        );
    }
}
