//! Why the slow traces are slow: the slow set (the slowest N %, or those
//! with errors) against the rest, as core's `explain` finds it — the same
//! findings as `tracelens explain` — and the average trace's structure,
//! the slow ones' beside the others'.

use leptos::prelude::*;
use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::analysis::explain::{explain, Explanation, SlowRule};
use tracelens_core::analysis::structure::{structure, Structure};
use tracelens_core::model::TraceSet;
use tracelens_core::units::{counted, format_duration};
use tracelens_view::structure::{icicle, listed, matching};

use crate::charts;
use crate::state::{AppState, Shared};
use crate::views::aggregate::timing;

/// The slow sets offered, as `(value, label)`.
const RULES: [(&str, &str); 5] = [
    ("10", "the slowest 10 %"),
    ("25", "the slowest 25 %"),
    ("40", "the slowest 40 %"),
    ("50", "the slowest half"),
    ("errors", "those with errors"),
];

/// The rule a choice of the pane names: a percentage, `errors`, a
/// brushed range `between:FROM-TO` (ns), or a box on the scatter
/// `within:S0-S1:D0-D1` (ns after the first start; ns).
fn rule_of(choice: &str) -> SlowRule {
    let range = |text: &str| -> Option<(u64, u64)> {
        let (from, to) = text.split_once('-')?;
        Some((from.parse().ok()?, to.parse().ok()?))
    };
    if let Some(between) = choice.strip_prefix("between:").and_then(range) {
        return SlowRule::Between(between.0, between.1);
    }
    if let Some((starts, durations)) = choice
        .strip_prefix("within:")
        .and_then(|b| b.split_once(':'))
    {
        if let (Some(starts), Some(durations)) = (range(starts), range(durations)) {
            return SlowRule::Within { starts, durations };
        }
    }
    match choice {
        "errors" => SlowRule::Errors,
        pct => SlowRule::SlowestPercent(pct.parse().unwrap_or(10.0)),
    }
}

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
        let rule = rule_of(&rule.get());
        Some(Shared::new(explain(
            &loaded.set,
            &state.group_by.get(),
            &rule,
        )))
    });
    let heading = move || found.get().map(|f| f.0.heading());
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
                    prop:value=move || rule.get()
                    on:change=move |ev| rule.set(event_target_value(&ev))>
                    {RULES.into_iter().map(|(value, label)| view! { <option value=value>{label}</option> }).collect::<Vec<_>>()}
                    {move || {
                        let value = rule.get();
                        let label = if value.starts_with("between:") {
                            "the range brushed below"
                        } else if value.starts_with("within:") {
                            "the box drawn below"
                        } else {
                            return None;
                        };
                        Some(view! { <option value=value>{label}</option> })
                    }}
                </select>
            </label>
            <div class="brushes">
                <Brush state=state rule=rule shown=shown picture=Picture::Durations />
                <Brush state=state rule=rule shown=shown picture=Picture::StartAndDuration />
            </div>
            <p class="muted">{heading}</p>
            <ul class="findings">{findings}</ul>
            <table class="breakdown">
                <thead>
                    <tr><th>"Stage"</th><th class="num">"Slow, median share"</th><th class="num">"Others, median share"</th></tr>
                </thead>
                <tbody>{stages}</tbody>
            </table>
            <Follows found=Signal::derive(move || found.get()) />
            <StructureView state=state slow=Signal::derive(move || found.get().map(|f| f.0.slow.clone())) />
        </section>
    }
}

/// The two pictures a slow set is drawn on.
#[derive(Clone, Copy, PartialEq)]
enum Picture {
    /// The durations' histogram: a range dragged across it.
    Durations,
    /// Each trace's start against its duration: a box drawn on it.
    StartAndDuration,
}

/// Where a chart's axes landed, to map a drag back to durations.
#[derive(Clone)]
enum Frame {
    Histogram(charts::HistogramFrame),
    Scatter(charts::ScatterFrame),
}

impl Frame {
    /// The rule a drag from `a` to `b` (canvas pixels) picks, if any.
    fn rule(&self, a: (f64, f64), b: (f64, f64)) -> Option<String> {
        let (left, right) = (a.0.min(b.0), a.0.max(b.0));
        match self {
            Self::Histogram(frame) => {
                let (from, to) = (frame.ns_at(left), frame.ns_at(right));
                (to > from).then(|| format!("between:{from}-{to}"))
            }
            Self::Scatter(frame) => {
                // Up the canvas is longer: the box's bottom is its shortest.
                let (top, bottom) = (a.1.min(b.1), a.1.max(b.1));
                let (s0, d0) = frame.value_at(left, bottom);
                let (s1, d1) = frame.value_at(right, top);
                let (s0, s1, d0, d1) = (s0 as u64, s1 as u64, d0 as u64, d1 as u64);
                (s1 > s0 && d1 > d0).then(|| format!("within:{s0}-{s1}:{d0}-{d1}"))
            }
        }
    }

    /// The box `rule` covers, in canvas pixels: (left, top, right, bottom);
    /// `None` when the rule is not drawn on this picture.
    fn box_of(&self, rule: &SlowRule) -> Option<(f64, f64, f64, f64)> {
        match (self, rule) {
            (Self::Histogram(frame), SlowRule::Between(a, b)) => {
                Some((frame.px_of(*a), 0.0, frame.px_of(*b), f64::INFINITY))
            }
            (Self::Scatter(frame), SlowRule::Within { starts, durations }) => {
                let units = frame.per_unit;
                let (left, bottom) =
                    frame.to_pixels((starts.0 as f64 / units.0, durations.0 as f64 / units.1));
                let (right, top) =
                    frame.to_pixels((starts.1 as f64 / units.0, durations.1 as f64 / units.1));
                Some((left, top, right, bottom))
            }
            _ => None,
        }
    }
}

/// A chart of the traces to pick the slow ones on: dragging across the
/// durations' histogram picks those lasting within the range, a box drawn
/// on the start/duration scatter those inside it.
#[component]
fn Brush(
    state: AppState,
    rule: RwSignal<String>,
    shown: Signal<bool>,
    picture: Picture,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let frame = RwSignal::new(None::<Frame>);
    Effect::new(move |_| {
        state.theme.track();
        if !shown.get() {
            return;
        }
        let (Some(canvas), Some((starts, durations))) = (canvas.get(), timing(state)) else {
            return;
        };
        let palette = charts::current_palette();
        let drawn = charts::on_canvas(&canvas, BRUSH_WIDTH, BRUSH_HEIGHT, |area| match picture {
            Picture::Durations => {
                let title = "Durations: drag across to pick the slow ones";
                charts::histogram(area, title, &durations, palette).map(Frame::Histogram)
            }
            Picture::StartAndDuration => {
                let title = "Start against duration: draw a box";
                charts::scatter(area, title, &starts, &durations, None, palette).map(Frame::Scatter)
            }
        });
        if let Ok(Frame::Scatter(drawn)) = &drawn {
            // Where each trace's point is, for tests and tools.
            let _ = canvas.set_attribute("data-points", &drawn.pixels());
        }
        frame.set(drawn.ok());
    });
    // The drag, in canvas pixels: where it began and where it is.
    let drag = RwSignal::new(None::<((f64, f64), (f64, f64))>);
    let at = move |ev: &web_sys::MouseEvent| {
        let canvas = canvas.get_untracked()?;
        let scale = f64::from(canvas.width()) / canvas.get_bounding_client_rect().width().max(1.0);
        Some((
            f64::from(ev.offset_x()) * scale,
            f64::from(ev.offset_y()) * scale,
        ))
    };
    let finish = move |ev: web_sys::MouseEvent| {
        let (Some((from, _)), Some(to), Some(frame)) =
            (drag.get_untracked(), at(&ev), frame.get_untracked())
        else {
            return;
        };
        drag.set(None);
        if let Some(picked) = frame.rule(from, to) {
            rule.set(picked);
        }
    };
    // The range or box picked (or being dragged), over the chart.
    let picked_box = move || {
        let frame = frame.get()?;
        let (left, top, right, bottom) = match drag.get() {
            Some((a, b)) if picture == Picture::Durations => {
                (a.0.min(b.0), 0.0, a.0.max(b.0), f64::INFINITY)
            }
            Some((a, b)) => (a.0.min(b.0), a.1.min(b.1), a.0.max(b.0), a.1.max(b.1)),
            None => frame.box_of(&rule_of(&rule.get()))?,
        };
        let (width, height) = (f64::from(BRUSH_WIDTH), f64::from(BRUSH_HEIGHT));
        let vertical = if bottom.is_finite() {
            format!(
                "top:{:.2}%;height:{:.2}%",
                top / height * 100.0,
                (bottom - top) / height * 100.0
            )
        } else {
            "top:0.4rem;bottom:0.4rem".to_owned()
        };
        let style = format!(
            "left:{:.2}%;width:{:.2}%;{vertical}",
            left / width * 100.0,
            (right - left) / width * 100.0
        );
        Some(view! { <div class="brush-box" style=style></div> })
    };
    // The choice's range or box, when it was picked on this chart.
    let prefix = match picture {
        Picture::Durations => "between:",
        Picture::StartAndDuration => "within:",
    };
    let picked = move || rule.get().strip_prefix(prefix).map(str::to_owned);
    let (testid, label) = match picture {
        Picture::Durations => ("explain-histogram", "Histogram of trace durations; drag across a range to compare the traces lasting within it with the rest"),
        Picture::StartAndDuration => ("explain-scatter", "Each trace's start against its duration; draw a box to compare the traces inside it with the rest"),
    };
    view! {
        <div class="brush">
            <canvas class="chart clickable" data-testid=testid node_ref=canvas aria-label=label
                data-picked=picked
                on:mousedown=move |ev| { ev.prevent_default(); if let Some(p) = at(&ev) { drag.set(Some((p, p))) } }
                on:mousemove=move |ev| if let (Some((from, _)), Some(p)) = (drag.get_untracked(), at(&ev)) { drag.set(Some((from, p))) }
                on:mouseup=finish
                on:mouseleave=move |_| drag.set(None)></canvas>
            {picked_box}
        </div>
    }
}

/// The brushed charts' size, CSS pixels.
const BRUSH_WIDTH: u32 = 420;
const BRUSH_HEIGHT: u32 = 200;

/// What a stage's time follows: a correlation picked from the list
/// (strongest first) drawn as its traces' points and the fitted line.
#[component]
fn Follows(found: Signal<Option<Shared<Explanation>>>) -> impl IntoView {
    let picked = RwSignal::new(0usize);
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let failed = RwSignal::new(None::<String>);
    let chosen = Memo::new(move |_| {
        let found = found.get()?;
        found.0.correlations.get(picked.get()).cloned()
    });
    let chosen = move || chosen.get();
    Effect::new(move |_| {
        let (Some(c), Some(canvas)) = (chosen(), canvas.get()) else {
            return;
        };
        let drawn = charts::on_canvas(&canvas, FIT_WIDTH, FIT_HEIGHT, |area| {
            let title = format!("{} against {}", c.group, c.attribute);
            let x_desc = format!("{}, summed over its spans per trace", c.attribute);
            let line = (c.slope_ns_per_unit, c.intercept_ns);
            charts::fit(
                area,
                &title,
                &x_desc,
                &c.points,
                line,
                charts::current_palette(),
            )
        });
        failed.set(drawn.err());
    });
    let options = move || {
        found.get().map(|f| {
            (f.0.correlations.iter().enumerate())
                .map(|(i, c)| {
                    let label = format!("{} by {} (r = {:.2})", c.group, c.attribute, c.r);
                    view! { <option value=i.to_string()>{label}</option> }
                })
                .collect::<Vec<_>>()
        })
    };
    let has_any = move || found.get().is_some_and(|f| !f.0.correlations.is_empty());
    view! {
        <h4>"What a stage's time follows"</h4>
        <Show when=has_any fallback=|| view! { <p class="muted">"No stage's time follows a numeric attribute of its spans (r of 0.5 or more) in these traces."</p> }>
            <label>
                "Stage and attribute: "
                <select data-testid="explain-fit-choice" prop:value=move || picked.get().to_string()
                    on:change=move |ev| picked.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {options}
                </select>
            </label>
            <figure class="fit">
                <canvas class="chart" data-testid="explain-fit" node_ref=canvas
                    data-group=move || chosen().map(|c| c.group)
                    data-attribute=move || chosen().map(|c| c.attribute)
                    data-slope-ns-per-unit=move || chosen().map(|c| c.slope_ns_per_unit.to_string())
                    data-r=move || chosen().map(|c| c.r.to_string())
                    aria-label="Each trace's critical time of the stage against the attribute, with the least-squares line"></canvas>
                <figcaption>{move || chosen().map(|c| c.describe())}</figcaption>
            </figure>
            {move || failed.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </Show>
    }
}

/// The fitted chart's size, CSS pixels.
const FIT_WIDTH: u32 = 560;
const FIT_HEIGHT: u32 = 260;

/// The average trace's structure: the slow set's and the rest's merged
/// trees as icicles side by side (width: mean critical time), and every
/// node of all the traces' tree as a row.
#[component]
fn StructureView(state: AppState, slow: Signal<Option<Vec<usize>>>) -> impl IntoView {
    // Worked out after the findings are painted, so that they show first
    // (a thousand traces of random shapes take a while to merge); a newer
    // slow set supersedes one still waiting.
    let trees = RwSignal::new(None::<Shared<(Structure, Structure, Structure)>>);
    let asked = StoredValue::new(0u64);
    Effect::new(move |_| {
        let (Some(slow), Some(loaded)) = (slow.get(), state.loaded.get()) else {
            return;
        };
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        leptos::task::spawn_local(async move {
            crate::loader::after_paint().await;
            if asked.get_value() == mine {
                trees.set(Some(Shared::new(merged(&loaded.set, &slow))));
            }
        });
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
                    <figcaption>{format!("{title} ({})", counted(tree.traces as u64, "trace"))}</figcaption>
                    <div class="icicle-boxes" style=format!("height:{}px", rows * 22)>{boxes.collect::<Vec<_>>()}</div>
                </figure>
            })
        }
    };
    // At most LISTED rows: a thousand traces of random shapes merge into
    // hundreds of thousands of paths.
    let listing = move || {
        let trees = trees.get()?;
        let (all, slow, rest) = &*trees.0;
        let (in_slow, in_rest) = (matching(all, slow), matching(all, rest));
        let (listed, left_out) = listed(all, LISTED);
        let rows = listed.into_iter().map(|i| {
            let node = &all.nodes[i];
            let path = all.path(i);
            let at = |tree: &Structure, found: Option<usize>| {
                format_duration(found.map_or(0, |j| tree.nodes[j].mean_critical_ns))
            };
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
                    <td class="num">{at(slow, in_slow[i])}</td>
                    <td class="num">{at(rest, in_rest[i])}</td>
                </tr>
            }
        });
        let note = (left_out > 0).then(|| {
            format!(
                "{left_out} more paths, each with less critical time than those listed, are not."
            )
        });
        Some((rows.collect::<Vec<_>>(), note))
    };
    let table = move || {
        listing().map(|(rows, note)| {
            view! {
                <table class="breakdown" data-testid="structure">
                    <thead>
                        <tr><th>"Path"</th><th class="num">"In traces"</th><th class="num">"Spans"</th><th class="num">"p50"</th><th class="num">"p95"</th>
                            <th class="num">"Critical per trace"</th><th class="num">"Slow"</th><th class="num">"Others"</th></tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                <p class="muted" data-testid="structure-left-out">{note}</p>
            }
        })
    };
    view! {
        <h4>"The average trace's structure"</h4>
        <p class="muted">"Every trace merged by the path of (service, name) from its root; boxes as wide as their critical time per trace."</p>
        <div class="icicles">{icicle_of(1, "The slow ones")}{icicle_of(2, "The others")}</div>
        {table}
    }
}

/// The merged trees of every trace of `set`, of the `slow` ones and of the
/// others.
fn merged(set: &TraceSet, slow: &[usize]) -> (Structure, Structure, Structure) {
    // Self and critical time per span: any grouping's analysis will do.
    let analyses: Vec<_> = (set.traces.iter())
        .map(|t| analyze(set, t, &GroupBy::Name))
        .collect();
    let mut is_slow = vec![false; set.traces.len()];
    for &i in slow {
        is_slow[i] = true;
    }
    let pick = |slow_side: bool| {
        let picked = (0..set.traces.len()).filter(|&i| is_slow[i] == slow_side);
        structure(set, picked.map(|i| (&set.traces[i], &analyses[i])))
    };
    let all = structure(set, set.traces.iter().zip(&analyses));
    (all, pick(true), pick(false))
}

/// Rows of the structure table at most.
const LISTED: usize = 300;
