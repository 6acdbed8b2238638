//! Where the selected trace's time goes, per group: the shares of the
//! critical path and of self time, biggest first (or sorted by any column),
//! as a table and as a chart; both can be saved. Clicking a group shows
//! only its spans in the timeline.

use leptos::html;
use leptos::prelude::*;
use tracelens_core::analysis::breakdown::{attribute_keys, GroupBy, GroupShare};
use tracelens_core::units::format_duration;
use web_sys::HtmlSelectElement;

use crate::charts::{self, Share};
use crate::download;
use crate::state::AppState;

/// The columns the table sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Group,
    Count,
    Critical,
    SelfPct,
    SelfNs,
    Total,
}

impl Column {
    fn name(self) -> &'static str {
        match self {
            Column::Group => "group",
            Column::Count => "count",
            Column::Critical => "critical",
            Column::SelfPct => "self-pct",
            Column::SelfNs => "self",
            Column::Total => "total",
        }
    }

    /// `rows` ordered by this column, largest (or A first) when `descending`.
    fn sort(self, rows: &mut [GroupShare], descending: bool) {
        rows.sort_by(|a, b| {
            let order = match self {
                Column::Group => b.group.cmp(&a.group),
                Column::Count => a.count.cmp(&b.count),
                // As core orders the breakdown: critical time, then self.
                Column::Critical => a
                    .critical_ns
                    .cmp(&b.critical_ns)
                    .then(a.self_ns.cmp(&b.self_ns)),
                Column::SelfPct => a.self_pct.total_cmp(&b.self_pct),
                Column::SelfNs => a.self_ns.cmp(&b.self_ns),
                Column::Total => a.total_ns.cmp(&b.total_ns),
            };
            let order = if descending { order.reverse() } else { order };
            order.then_with(|| a.group.cmp(&b.group))
        });
    }
}

/// The chart's size in CSS pixels for `bars` groups.
fn chart_size(bars: usize) -> (u32, u32) {
    (420, 76 + 24 * bars.clamp(1, 30) as u32)
}

fn chart_bars(rows: &[GroupShare]) -> Vec<Share> {
    rows.iter()
        .take(30)
        .map(|r| Share {
            label: r.group.clone(),
            pct: r.critical_pct,
        })
        .collect()
}

const CHART_TITLE: &str = "Share of the critical path";
const CHART_AXIS: &str = "% of the root span's duration";

#[component]
pub fn Breakdown(state: AppState) -> impl IntoView {
    // The attribute keys grouping reads in the selected trace.
    let attribute_keys = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        Some(attribute_keys(&loaded.set, trace))
    });
    let on_group_by = move |ev| {
        let select: HtmlSelectElement = event_target(&ev);
        if let Ok(group_by) = select.value().parse::<GroupBy>() {
            state.group_by.set(group_by);
        }
    };
    let sort = RwSignal::new((Column::Critical, true));
    let sorted = move || {
        let analysis = state.analysis.get()?;
        let mut rows = analysis.0.breakdown.clone();
        let (column, descending) = sort.get();
        column.sort(&mut rows, descending);
        Some(rows)
    };
    let rows = move || {
        let analysis = state.analysis.get()?;
        let biggest_group = analysis
            .0
            .breakdown
            .first()
            .filter(|g| g.critical_pct > 0.0)
            .map(|g| g.group.clone());
        let rows = sorted()?
            .into_iter()
            .map(|share| {
                let width = format!("width:{:.3}%", share.critical_pct.clamp(0.0, 100.0));
                let biggest = biggest_group.as_ref() == Some(&share.group);
                let group = share.group.clone();
                let focused = {
                    let group = group.clone();
                    move || state.focus_group.get().as_ref() == Some(&group)
                };
                let toggle = move |_| {
                    let current = state.focus_group.get_untracked();
                    state.focus_group.set(match current {
                        Some(g) if g == group => None,
                        _ => Some(group.clone()),
                    });
                };
                view! {
                    <tr
                        data-testid="breakdown-row"
                        data-group=share.group.clone()
                        data-critical-pct=share.critical_pct.to_string()
                        data-self-pct=share.self_pct.to_string()
                        class:top=biggest
                        class:focused=focused
                        title="Show only this group's spans in the timeline"
                        on:click=toggle
                    >
                        <td class="group">{share.group.clone()}</td>
                        <td class="num">{share.count}</td>
                        <td class="share">
                            <div class="share-bar"><div style=width></div></div>
                            <span>{format!("{:.1}%", share.critical_pct)}</span>
                        </td>
                        <td class="num">{format_duration(share.critical_ns)}</td>
                        <td class="num">{format!("{:.1}%", share.self_pct)}</td>
                        <td class="num">{format_duration(share.self_ns)}</td>
                        <td class="num">{format_duration(share.total_ns)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>();
        Some(rows)
    };
    let header = move |column: Column, label: &'static str, numeric: bool| {
        let arrow = move || match sort.get() {
            (c, true) if c == column => " ▾",
            (c, false) if c == column => " ▴",
            _ => "",
        };
        view! {
            <th class:num=numeric class="sortable" data-sort=column.name()
                aria-sort=move || match sort.get() { (c, true) if c == column => "descending", (c, false) if c == column => "ascending", _ => "none" }
                on:click=move |_| sort.update(|(c, descending)| {
                    if *c == column { *descending = !*descending } else { *c = column; *descending = column != Column::Group }
                })>
                {label}{arrow}
            </th>
        }
    };

    // The chart, redrawn whenever the analysis changes.
    let canvas = NodeRef::<html::Canvas>::new();
    let chart_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        state.theme.track();
        let (Some(analysis), Some(canvas)) = (state.analysis.get(), canvas.get()) else {
            return;
        };
        let bars = chart_bars(&analysis.0.breakdown);
        let (width, height) = chart_size(bars.len());
        let drawn = charts::on_canvas(&canvas, width, height, |area| {
            charts::shares(
                area,
                CHART_TITLE,
                CHART_AXIS,
                &bars,
                charts::current_palette(),
            )
        });
        chart_error.set(drawn.err());
    });
    let name = move || {
        let loaded = state.loaded.get_untracked()?;
        let trace = loaded.set.traces.get(state.selected.get_untracked()?)?;
        Some(format!(
            "tracelens-{}-by-{}",
            trace.trace_id,
            download::file_name(&state.group_by.get_untracked().to_string())
        ))
    };
    let save_csv = move |_| {
        let (Some(rows), Some(name)) = (sorted(), name()) else {
            return;
        };
        let mut csv = "group,spans,critical_ns,critical_pct,self_ns,self_pct,total_ns\n".to_owned();
        for r in rows {
            csv.push_str(&format!(
                "{},{},{},{},{},{},{}\n",
                download::csv_field(&r.group),
                r.count,
                r.critical_ns,
                r.critical_pct,
                r.self_ns,
                r.self_pct,
                r.total_ns
            ));
        }
        if let Err(error) = download::text(&format!("{name}.csv"), "text/csv", &csv) {
            chart_error.set(Some(error));
        }
    };
    let save_svg = move |_| {
        let (Some(analysis), Some(name)) = (state.analysis.get_untracked(), name()) else {
            return;
        };
        let bars = chart_bars(&analysis.0.breakdown);
        let (width, height) = chart_size(bars.len());
        let svg = charts::to_svg(width, height, |area| {
            charts::shares(area, CHART_TITLE, CHART_AXIS, &bars, charts::Palette::LIGHT)
        });
        let saved =
            svg.and_then(|svg| download::text(&format!("{name}.svg"), "image/svg+xml", &svg));
        if let Err(error) = saved {
            chart_error.set(Some(error));
        }
    };
    let save_png = move |_| {
        let (Some(canvas), Some(name)) = (canvas.get_untracked(), name()) else {
            return;
        };
        let saved = canvas
            .to_data_url_with_type("image/png")
            .map_err(crate::loader::describe)
            .and_then(|url| download::url_as(&format!("{name}.png"), &url));
        if let Err(error) = saved {
            chart_error.set(Some(error));
        }
    };
    view! {
        <Show when=move || state.analysis.get().is_some() fallback=move || pending(state)>
            <section class="breakdown-panel">
                <header>
                    <h2>"Where the time goes"</h2>
                    <label>
                        "Group by "
                        <select data-testid="group-by" on:change=on_group_by
                            prop:value=move || state.group_by.get().to_string()>
                            <option value="name">"span name"</option>
                            <option value="service">"service"</option>
                            {move || {
                                attribute_keys
                                    .get()
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|key| {
                                        let value = format!("attr:{key}");
                                        view! { <option value=value>{key}</option> }
                                    })
                                    .collect::<Vec<_>>()
                            }}
                        </select>
                    </label>
                </header>
                <div class="breakdown-body">
                <div class="breakdown-table">
                <table class="breakdown" data-testid="breakdown">
                    <thead>
                        <tr>
                            {header(Column::Group, "Group", false)}
                            {header(Column::Count, "Spans", true)}
                            {header(Column::Critical, "Critical path share", false)}
                            {header(Column::Critical, "Critical", true)}
                            {header(Column::SelfPct, "Self %", true)}
                            {header(Column::SelfNs, "Self", true)}
                            {header(Column::Total, "Total", true)}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
                <div class="exports">
                    <span class="muted">"Save: "</span>
                    <button data-testid="export-csv" on:click=save_csv>"table (CSV)"</button>
                    <button data-testid="export-svg" on:click=save_svg>"chart (SVG)"</button>
                    <button data-testid="export-png" on:click=save_png>"chart (PNG)"</button>
                    {move || chart_error.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
                </div>
                </div>
                <canvas class="chart" data-testid="breakdown-chart" node_ref=canvas
                    aria-label="Share of the critical path per group, as horizontal bars"></canvas>
                </div>
            </section>
        </Show>
    }
}

/// In place of the breakdown while a big file is still being read: the
/// timeline already shows the spans read so far.
fn pending(state: AppState) -> impl IntoView {
    move || {
        let loaded = state.loaded.get().filter(|l| l.partial)?;
        let spans = loaded.set.span_count();
        Some(view! {
            <section class="breakdown-panel pending" data-testid="analysis-pending">
                <h2>"Where the time goes"</h2>
                <p class="muted">{format!(
                    "Showing the first {spans} spans read. The breakdown, the critical path \
                     and the warnings follow once the whole file is read."
                )}</p>
            </section>
        })
    }
}
