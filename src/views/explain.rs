//! Why the slow traces are slow: the slow set (the slowest N %, or those
//! with errors) against the rest, as core's `explain` finds it — the same
//! findings as `tracelens explain` — and the average trace's structure,
//! the slow ones' beside the others'.

use leptos::prelude::*;
use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::analysis::explain::{explain, SlowRule};
use tracelens_core::analysis::structure::{structure, Structure};
use tracelens_core::units::format_duration;
use tracelens_view::structure::icicle;

use crate::state::{AppState, Shared};

/// The slow sets offered, as `(value, label)`.
const RULES: [(&str, &str); 5] = [
    ("10", "the slowest 10 %"),
    ("25", "the slowest 25 %"),
    ("40", "the slowest 40 %"),
    ("50", "the slowest half"),
    ("errors", "those with errors"),
];

/// `shown`: whether its pane is on screen; it analyses every trace, so
/// only then.
#[component]
pub fn ExplainView(state: AppState, shown: Signal<bool>) -> impl IntoView {
    let rule = RwSignal::new("10".to_owned());
    let found = Memo::new(move |_| {
        if !shown.get() {
            return None;
        }
        let loaded = state.loaded.get()?;
        if loaded.set.traces.len() < 2 || loaded.partial {
            return None;
        }
        let rule = match rule.get().as_str() {
            "errors" => SlowRule::Errors,
            pct => SlowRule::SlowestPercent(pct.parse().unwrap_or(10.0)),
        };
        Some(Shared::new(explain(
            &loaded.set,
            &state.group_by.get(),
            &rule,
        )))
    });
    let heading = move || {
        found.get().map(|f| {
            format!(
                "{} trace(s) {} against {} other(s)",
                f.0.slow.len(),
                f.0.rule,
                f.0.rest
            )
        })
    };
    let findings = move || {
        found.get().map(|f| {
            f.0.findings
                .iter()
                .map(|finding| {
                    view! {
                        <li data-testid="explain-finding" data-kind=finding.kind
                            data-key=finding.key.clone() data-value=finding.value.clone()>
                            {finding.text.clone()}
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    let stages = move || {
        found.get().map(|f| {
            f.0.stages
                .iter()
                .take(12)
                .map(|s| {
                    view! {
                        <tr>
                            <td class="group">{s.group.clone()}</td>
                            <td class="num">{format!("{:.1}%", s.slow_p50_pct)}</td>
                            <td class="num">{format!("{:.1}%", s.rest_p50_pct)}</td>
                        </tr>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="explain-panel" data-testid="explain">
            <h3>"Why the slow traces are slow"</h3>
            <label>
                "Slow: "
                <select data-testid="explain-rule" aria-label="Which traces are the slow ones"
                    on:change=move |ev| rule.set(event_target_value(&ev))>
                    {RULES.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect::<Vec<_>>()}
                </select>
            </label>
            <p class="muted">{heading}</p>
            <ul class="findings">{findings}</ul>
            <table class="breakdown">
                <thead>
                    <tr><th>"Stage"</th><th class="num">"Slow, median share"</th><th class="num">"Others, median share"</th></tr>
                </thead>
                <tbody>{stages}</tbody>
            </table>
            <StructureView state=state slow=Signal::derive(move || found.get().map(|f| f.0.slow.clone())) />
        </section>
    }
}

/// The average trace's structure: the slow set's and the rest's merged
/// trees as icicles side by side (width: mean critical time), and every
/// node of all the traces' tree as a row.
#[component]
fn StructureView(state: AppState, slow: Signal<Option<Vec<usize>>>) -> impl IntoView {
    let trees = Memo::new(move |_| {
        let slow = slow.get()?;
        let loaded = state.loaded.get()?;
        let set = &loaded.set;
        // Self and critical time per span: any grouping's analysis will do.
        let analyses: Vec<_> = set
            .traces
            .iter()
            .map(|t| analyze(set, t, &GroupBy::Name))
            .collect();
        let is_slow: Vec<bool> = (0..set.traces.len()).map(|i| slow.contains(&i)).collect();
        let pick = |slow_side: bool| {
            let picked = (0..set.traces.len()).filter(|&i| is_slow[i] == slow_side);
            structure(set, picked.map(|i| (&set.traces[i], &analyses[i])))
        };
        let all = structure(set, set.traces.iter().zip(&analyses));
        Some(Shared::new((all, pick(true), pick(false))))
    });
    let icicle_of = move |which: usize, title: &'static str| {
        move || {
            let trees = trees.get()?;
            let tree = match which {
                1 => &trees.0 .1,
                _ => &trees.0 .2,
            };
            let boxes = icicle(tree).into_iter().map(|b| {
                let node = &tree.nodes[b.node];
                let style = format!(
                    "left:{:.3}%;width:{:.3}%;top:{}px;background:{}",
                    b.x * 100.0,
                    b.width * 100.0,
                    b.row * 22,
                    crate::views::timeline::service_colour(&node.service)
                );
                let tip = format!(
                    "{} ({}): {} critical per trace",
                    node.name,
                    node.service,
                    format_duration(node.mean_critical_ns)
                );
                view! { <div class="icicle-box" style=style title=tip>{node.name.clone()}</div> }
            });
            let rows = tree.nodes.iter().map(|n| n.depth + 1).max().unwrap_or(1);
            Some(view! {
                <figure class="icicle">
                    <figcaption>{format!("{title} ({} traces)", tree.traces)}</figcaption>
                    <div class="icicle-boxes" style=format!("height:{}px", rows * 22)>{boxes.collect::<Vec<_>>()}</div>
                </figure>
            })
        }
    };
    let rows = move || {
        let trees = trees.get()?;
        let (all, slow, rest) = &*trees.0;
        let per_path = |tree: &Structure| -> std::collections::HashMap<String, u64> {
            (0..tree.nodes.len())
                .map(|i| (tree.path(i), tree.nodes[i].mean_critical_ns))
                .collect()
        };
        let (slow, rest) = (per_path(slow), per_path(rest));
        let rows = (0..all.nodes.len()).map(|i| {
            let node = &all.nodes[i];
            let path = all.path(i);
            let at = |side: &std::collections::HashMap<String, u64>| format_duration(side.get(&path).copied().unwrap_or(0));
            let indent = format!("padding-left:{}px", node.depth * 14);
            view! {
                <tr data-testid="structure-node" data-path=path.clone() data-traces=node.traces
                    data-mean-critical-ns=node.mean_critical_ns>
                    <td class="group" style=indent title=path.clone()>{node.name.clone()}" "<span class="muted">{node.service.clone()}</span></td>
                    <td class="num">{format!("{:.0}%", node.traces as f64 / all.traces.max(1) as f64 * 100.0)}</td>
                    <td class="num">{node.spans}</td>
                    <td class="num">{format_duration(node.p50_ns)}</td>
                    <td class="num">{format_duration(node.p95_ns)}</td>
                    <td class="num">{format_duration(node.mean_critical_ns)}</td>
                    <td class="num">{at(&slow)}</td>
                    <td class="num">{at(&rest)}</td>
                </tr>
            }
        });
        Some(rows.collect::<Vec<_>>())
    };
    view! {
        <h4>"The average trace's structure"</h4>
        <p class="muted">"Every trace merged by the path of (service, name) from its root; boxes as wide as their critical time per trace."</p>
        <div class="icicles">{icicle_of(1, "The slow ones")}{icicle_of(2, "The others")}</div>
        <table class="breakdown" data-testid="structure">
            <thead>
                <tr><th>"Path"</th><th class="num">"In traces"</th><th class="num">"Spans"</th><th class="num">"p50"</th><th class="num">"p95"</th>
                    <th class="num">"Critical per trace"</th><th class="num">"Slow"</th><th class="num">"Others"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
