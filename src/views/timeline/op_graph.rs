//! The operation graph: the trace's spans folded by (service, name) into
//! who calls whom, a box per operation (calls, total, self time, share of
//! the critical path) and an arrow per call, laid out in layers by
//! `tracelens_view::graph`; the operations on the critical path stand out.

use leptos::prelude::*;
use tracelens_core::analysis::graph::graph_of;
use tracelens_view::graph::place;

use super::rows::service_colour;
use super::Lens;
use crate::download;
use crate::state::Shared;

#[component]
pub(super) fn OperationGraph(lens: Lens) -> impl IntoView {
    let state = lens.state;
    // Needs self and critical times: the whole trace, analysed.
    let graph = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let analysis = state.analysis.get()?;
        let graph = graph_of(&loaded.set, [(trace, &*analysis.0)]);
        let placed = place(&graph);
        Some(Shared::new((graph, placed)))
    });
    let svg = NodeRef::<leptos::svg::Svg>::new();
    let failed = RwSignal::new(None::<String>);
    let save = move |_| {
        let (Some(svg), Some(loaded), Some(t)) = (
            svg.get_untracked(),
            state.loaded.get_untracked(),
            state.selected.get_untracked(),
        ) else {
            return;
        };
        let name = format!("tracelens-{}-operations.svg", loaded.set.traces[t].trace_id);
        failed.set(download::svg(&name, Ok(svg.outer_html())).err());
    };
    let picture = move || {
        let drawn = graph.get()?;
        let (graph, placed) = &*drawn.0;
        let routes = placed.routes.iter().map(|r| {
            let on_path = graph.nodes[r.from].critical_ns > 0 && graph.nodes[r.to].critical_ns > 0;
            view! {
                <path d=r.path.clone() class="op-edge" class:critical=on_path marker-end="url(#op-arrow)">
                    <title>{format!("{} call(s)", r.calls)}</title>
                </path>
            }
        });
        let nodes = placed.boxes.iter().map(|b| {
            let node = &graph.nodes[b.node];
            let on_path = node.critical_ns > 0;
            let fill = service_colour(&node.service);
            view! {
                <g class="op-node" class:critical=on_path data-testid="op-node"
                    data-service=node.service.clone() data-name=node.name.clone()
                    data-count=node.count.to_string() data-self-ns=node.self_ns.to_string()
                    data-critical-pct=node.critical_pct.to_string()>
                    <rect x=b.x y=b.y width=b.width height=b.height rx="4" style=format!("fill:{fill}") />
                    <text x=b.x + 8.0 y=b.y + 18.0 class="op-name">{b.title.clone()}</text>
                    <text x=b.x + 8.0 y=b.y + 35.0 class="op-detail">{b.detail.clone()}</text>
                </g>
            }
        });
        Some(view! {
            <svg data-testid="op-graph" node_ref=svg xmlns="http://www.w3.org/2000/svg"
                width=placed.width height=placed.height style="max-width:100%;height:auto"
                viewBox=format!("0 0 {:.0} {:.0}", placed.width, placed.height)
                role="img" aria-label="Operations and who calls whom; the critical path's in a thick dark outline">
                <defs>
                    <marker id="op-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="op-arrowhead" />
                    </marker>
                </defs>
                {routes.collect::<Vec<_>>()}
                {nodes.collect::<Vec<_>>()}
            </svg>
        })
    };
    view! {
        <div class="graph-view">
            <div class="spans-actions">
                <span class="muted">{move || graph.get().map(|g| format!("{} operations, {} kinds of call", g.0.0.nodes.len(), g.0.0.edges.len()))
                    .unwrap_or_else(|| "The graph follows once the whole trace is read.".to_owned())}</span>
                <button data-testid="op-graph-svg" on:click=save>"Save SVG"</button>
                {move || failed.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
            </div>
            <div class="graph-holder">{picture}</div>
        </div>
    }
}
