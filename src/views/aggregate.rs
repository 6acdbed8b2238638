//! Where the time goes across every loaded trace: per group the median and
//! 95th-percentile share of the critical path, the spread of durations as a
//! histogram, and each trace's start against its duration (hover a point
//! for its trace, click it to open that trace).

use leptos::html;
use leptos::prelude::*;
use tracelens_core::analysis::aggregate::{aggregate, duration_stats, GroupAggregate};
use tracelens_core::analysis::breakdown::analyze;
use tracelens_core::units::{counted, format_duration};

use crate::charts::{self, ScatterFrame};
use crate::download;
use crate::state::{AppState, Shared};

const CHART_WIDTH: u32 = 420;
const CHART_HEIGHT: u32 = 220;

/// `shown`: whether its pane is on screen; it analyses every trace, so
/// only then.
#[component]
pub fn AggregateView(state: AppState, shown: Signal<bool>) -> impl IntoView {
    let computed = Memo::new(move |_| {
        if !shown.get() {
            return None;
        }
        let loaded = state.loaded.get()?;
        if loaded.set.traces.len() < 2 || loaded.partial {
            return None;
        }
        let group_by = state.group_by.get();
        let analyses: Vec<_> = loaded
            .set
            .traces
            .iter()
            .map(|trace| analyze(&loaded.set, trace, &group_by))
            .collect();
        Some(Shared::new((
            aggregate(&analyses),
            duration_stats(&analyses),
        )))
    });
    let summary = move || {
        let computed = computed.get()?;
        let d = &computed.0 .1;
        Some(format!(
            "All {} traces · duration p50 {} · p95 {} · p99 {} · max {}",
            d.count,
            format_duration(d.p50_ns),
            format_duration(d.p95_ns),
            format_duration(d.p99_ns),
            format_duration(d.max_ns)
        ))
    };
    let groups = Signal::derive(move || computed.get().map(|c| c.0 .0.clone()));
    view! {
        <Show when=move || computed.get().is_some()>
            <section class="aggregate-panel">
                <h3>{summary}</h3>
                <AggregateTable groups=groups />
                <TraceCharts state=state />
            </section>
        </Show>
    }
}

/// Per group: traces, spans, the median and p95 share of the critical
/// path, critical and self time in all.
#[component]
fn AggregateTable(groups: Signal<Option<Vec<GroupAggregate>>>) -> impl IntoView {
    let rows = move || {
        let rows = groups.get()?.into_iter().map(|row| {
            let width = format!("width:{:.3}%", row.critical_pct_p50.clamp(0.0, 100.0));
            view! {
                <tr
                    data-testid="aggregate-row"
                    data-group=row.group.clone()
                    data-critical-pct-p50=row.critical_pct_p50.to_string()
                    data-critical-pct-p95=row.critical_pct_p95.to_string()
                >
                    <td class="group">{row.group.clone()}</td>
                    <td class="num">{row.traces}</td>
                    <td class="num">{row.count}</td>
                    <td class="share">
                        <div class="share-bar"><div style=width></div></div>
                        <span>{format!("{:.1}%", row.critical_pct_p50)}</span>
                    </td>
                    <td class="num">{format!("{:.1}%", row.critical_pct_p95)}</td>
                    <td class="num">{format_duration(row.critical_ns)}</td>
                    <td class="num">{format_duration(row.self_ns)}</td>
                </tr>
            }
        });
        Some(rows.collect::<Vec<_>>())
    };
    view! {
        <table class="breakdown" data-testid="aggregate">
            <thead>
                <tr>
                    <th>"Group"</th>
                    <th class="num">"Traces"</th>
                    <th class="num">"Spans"</th>
                    <th>"Critical share, median"</th>
                    <th class="num">"p95"</th>
                    <th class="num">"Critical, total"</th>
                    <th class="num">"Self, total"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// Starts and durations of the loaded traces, in list order.
pub(crate) fn timing(state: AppState) -> Option<(Vec<u64>, Vec<u64>)> {
    let loaded = state.loaded.get()?;
    (loaded.set.traces.len() >= 2).then(|| {
        let starts = loaded.set.traces.iter().map(|t| t.start_ns()).collect();
        let durations = loaded.set.traces.iter().map(|t| t.duration_ns()).collect();
        (starts, durations)
    })
}

/// The histogram of durations and the scatter of start against duration.
#[component]
fn TraceCharts(state: AppState) -> impl IntoView {
    let histogram = NodeRef::<html::Canvas>::new();
    let scatter = NodeRef::<html::Canvas>::new();
    let frame: RwSignal<Option<ScatterFrame>> = RwSignal::new(None);
    let failed = RwSignal::new(None::<String>);
    let asked = StoredValue::new(0);
    Effect::new(move |_| {
        state.theme.track();
        let (Some((starts, durations)), Some(histogram), Some(scatter)) =
            (timing(state), histogram.get(), scatter.get())
        else {
            return;
        };
        let selected = state.selected.get();
        // Drawn after the page paints the rest, as the breakdown's chart.
        crate::paint::latest_after_paint(asked, move || {
            let palette = charts::current_palette();
            let drawn = charts::on_canvas(&histogram, CHART_WIDTH, CHART_HEIGHT, |area| {
                charts::histogram(area, "Trace durations", &durations, palette).map(|_| ())
            })
            .and_then(|()| {
                charts::on_canvas(&scatter, CHART_WIDTH, CHART_HEIGHT, |area| {
                    let title = "Start against duration (click a trace)";
                    charts::scatter(area, title, &starts, &durations, selected, palette)
                })
            });
            match drawn {
                Ok(drawn) => {
                    // Where each trace's point is, for tests and tools.
                    let _ = scatter.set_attribute("data-points", &drawn.pixels());
                    frame.set(Some(drawn));
                    failed.set(None);
                }
                Err(error) => failed.set(Some(error)),
            }
        });
    });
    let save_svg = move |which: &'static str| {
        let Some((starts, durations)) = untrack(|| timing(state)) else {
            return;
        };
        let palette = charts::Palette::LIGHT;
        let svg = charts::to_svg(CHART_WIDTH, CHART_HEIGHT, |area| match which {
            "histogram" => {
                charts::histogram(area, "Trace durations", &durations, palette).map(|_| ())
            }
            _ => charts::scatter(
                area,
                "Start against duration",
                &starts,
                &durations,
                None,
                palette,
            )
            .map(|_| ()),
        });
        failed.set(download::svg(&format!("tracelens-{which}.svg"), svg).err());
    };
    let save_png = move |which: &'static str, canvas: NodeRef<html::Canvas>| {
        if let Some(canvas) = canvas.get_untracked() {
            failed.set(download::png(&format!("tracelens-{which}.png"), &canvas).err());
        }
    };
    view! {
        <div class="charts">
            <figure>
                <canvas class="chart" data-testid="duration-histogram" node_ref=histogram
                    aria-label="Histogram of trace durations"></canvas>
                <figcaption>
                    <button on:click=move |_| save_svg("histogram")>"SVG"</button>
                    <button on:click=move |_| save_png("histogram", histogram)>"PNG"</button>
                </figcaption>
            </figure>
            <figure class="with-tooltip">
                <Scatter state=state canvas=scatter frame=frame />
                <figcaption>
                    <button on:click=move |_| save_svg("scatter")>"SVG"</button>
                    <button on:click=move |_| save_png("scatter", scatter)>"PNG"</button>
                </figcaption>
            </figure>
        </div>
        {move || failed.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
    }
}

/// The scatter's canvas: a tooltip names the trace under the pointer
/// (root, start, duration), a click opens it.
#[component]
fn Scatter(
    state: AppState,
    canvas: NodeRef<html::Canvas>,
    frame: RwSignal<Option<ScatterFrame>>,
) -> impl IntoView {
    // The trace under the pointer, in the canvas's own pixels (the page
    // may draw the canvas narrower than it is).
    let point_at = move |ev: &web_sys::MouseEvent| {
        let (frame, canvas) = (frame.get_untracked()?, canvas.get_untracked()?);
        let shown = canvas.get_bounding_client_rect().width().max(1.0);
        let scale = f64::from(canvas.width()) / shown;
        let (x, y) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        frame.hit(x * scale, y * scale, 8.0 * scale)
    };
    let hovered = RwSignal::new(None::<(usize, i32, i32)>);
    let on_move = move |ev: web_sys::MouseEvent| {
        let now = point_at(&ev).map(|i| (i, ev.offset_x(), ev.offset_y()));
        if now != hovered.get_untracked() {
            hovered.set(now);
        }
    };
    let tooltip = move || {
        let (index, x, y) = hovered.get()?;
        let loaded = state.loaded.get()?;
        let summary = loaded.summaries.get(index)?;
        let (start, utc) = super::local_and_utc(summary.start_ns);
        Some(view! {
            <div class="chart-tooltip" data-testid="scatter-tooltip" role="tooltip"
                style=format!("left:{}px;top:{}px", x + 12, y + 12)>
                <strong>{summary.root.clone()}</strong>" "<span class="muted">{summary.service.clone()}</span>
                <br /><time title=utc>{start}</time>
                <br />{format_duration(summary.duration_ns)}{format!(" · {}", counted(summary.span_count as u64, "span"))}
            </div>
        })
    };
    view! {
        <canvas class="chart clickable" data-testid="trace-scatter" node_ref=canvas
            aria-label="Each trace's start against its duration; click a point to open the trace"
            on:click=move |ev| if let Some(index) = point_at(&ev) { state.select_trace(index) }
            on:mousemove=on_move
            on:mouseleave=move |_| hovered.set(None)></canvas>
        {tooltip}
    }
}
