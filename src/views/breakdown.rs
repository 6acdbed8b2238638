//! Where the selected trace's time goes, per group: the shares of the
//! critical path and of self time, biggest first (or sorted by any column),
//! as a table and as a chart; both can be saved. Clicking a group shows
//! only its spans in the timeline.

use leptos::html;
use leptos::prelude::*;
use tracelens_core::analysis::breakdown::{attribute_keys, GroupBy, GroupShare};
use tracelens_core::units::format_duration;
use tracelens_view::tables::{clicked, ShareColumn};
use web_sys::HtmlSelectElement;

use crate::charts::{self, Share};
use crate::download;
use crate::paint;
use crate::state::{Analysis, AppState};

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
    let sort = RwSignal::new((ShareColumn::Critical, true));
    // What drawing or saving failed with, if it did.
    let failed = RwSignal::new(None::<String>);
    let canvas = NodeRef::<html::Canvas>::new();
    // Built after the page paints the rest of a change: of the 901
    // elements the view of a new trace builds (gen_trace.py's 100k spans),
    // 465 are this panel's.
    let analysis = paint::deferred(state.analysis);
    view! {
        <Show when=move || analysis.get().is_some() fallback=move || pending(state)>
            <section class="breakdown-panel">
                <header>
                    <h2>"Where the time goes"</h2>
                    <GroupByChoice state=state />
                </header>
                <div class="breakdown-body">
                    <div class="breakdown-table">
                        <ShareTable state=state analysis=analysis sort=sort />
                        <Exports state=state analysis=analysis sort=sort canvas=canvas
                            failed=failed />
                    </div>
                    <ShareChart state=state analysis=analysis canvas=canvas failed=failed />
                </div>
            </section>
        </Show>
    }
}

/// *Group by*: span name, service, or an attribute key the grouping reads
/// in the selected trace. The keys are listed once the choice is about to
/// be used (pointer over it, or focus): every attribute of the trace is
/// read for them (174 ms of a million-span load, when it ran on every
/// load).
#[component]
fn GroupByChoice(state: AppState) -> impl IntoView {
    let wanted = RwSignal::new(false);
    let keys = Memo::new(move |_| {
        if !wanted.get() {
            return None;
        }
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        Some(attribute_keys(&loaded.set, trace))
    });
    let on_change = move |ev| {
        let select: HtmlSelectElement = event_target(&ev);
        if let Ok(group_by) = select.value().parse::<GroupBy>() {
            state.group_by.set(group_by);
        }
    };
    let option = |key: String| {
        let value = format!("attr:{key}");
        view! { <option value=value>{key}</option> }
    };
    let options = move || match (keys.get(), state.group_by.get()) {
        (Some(keys), _) => keys.into_iter().map(option).collect::<Vec<_>>(),
        // Until then, the key chosen (from a link) has its option.
        (None, GroupBy::Attribute(key)) => vec![option(key)],
        (None, _) => Vec::new(),
    };
    view! {
        <label>
            "Group by "
            <select data-testid="group-by" on:change=on_change
                on:pointerenter=move |_| wanted.set(true)
                on:focus=move |_| wanted.set(true)
                prop:value=move || state.group_by.get().to_string()>
                <option value="name">"span name"</option>
                <option value="service">"service"</option>
                {options}
            </select>
        </label>
    }
}

/// The groups in the order the table shows them.
fn sorted(
    analysis: Signal<Option<Analysis>>,
    sort: RwSignal<(ShareColumn, bool)>,
) -> Option<Vec<GroupShare>> {
    let analysis = analysis.get()?;
    let mut rows = analysis.0.breakdown.clone();
    let (column, descending) = sort.get();
    column.sort(&mut rows, descending);
    Some(rows)
}

/// The table: a row per group, its headings sort it.
#[component]
fn ShareTable(
    state: AppState,
    analysis: Signal<Option<Analysis>>,
    sort: RwSignal<(ShareColumn, bool)>,
) -> impl IntoView {
    let rows = move || {
        let shown = analysis.get()?;
        let biggest = shown
            .0
            .breakdown
            .first()
            .filter(|g| g.critical_pct > 0.0)
            .map(|g| g.group.clone());
        let rows = sorted(analysis, sort)?.into_iter().map(|share| {
            let top = biggest.as_ref() == Some(&share.group);
            share_row(state, share, top)
        });
        Some(rows.collect::<Vec<_>>())
    };
    let heading = move |column: ShareColumn, label: &'static str, numeric: bool| {
        let order = move || match sort.get() {
            (c, true) if c == column => ("descending", " ▾"),
            (c, false) if c == column => ("ascending", " ▴"),
            _ => ("none", ""),
        };
        view! {
            <th class:num=numeric class="sortable" data-sort=column.name()
                aria-sort=move || order().0
                on:click=move |_| sort.update(|now| *now = clicked(*now, column))>
                {label}{move || order().1}
            </th>
        }
    };
    view! {
        <table class="breakdown" data-testid="breakdown">
            <thead>
                <tr>
                    {heading(ShareColumn::Group, "Group", false)}
                    {heading(ShareColumn::Count, "Spans", true)}
                    {heading(ShareColumn::Critical, "Critical path share", false)}
                    {heading(ShareColumn::Critical, "Critical", true)}
                    {heading(ShareColumn::SelfPct, "Self %", true)}
                    {heading(ShareColumn::SelfNs, "Self", true)}
                    {heading(ShareColumn::Total, "Total", true)}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// One group's row; a click shows only its spans in the timeline.
fn share_row(state: AppState, share: GroupShare, top: bool) -> impl IntoView {
    let width = format!("width:{:.3}%", share.critical_pct.clamp(0.0, 100.0));
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
            class:top=top
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
}

/// The chart of each group's share of the critical path, redrawn with
/// the analysis.
#[component]
fn ShareChart(
    state: AppState,
    analysis: Signal<Option<Analysis>>,
    canvas: NodeRef<html::Canvas>,
    failed: RwSignal<Option<String>>,
) -> impl IntoView {
    let asked = StoredValue::new(0);
    Effect::new(move |_| {
        state.theme.track();
        let (Some(analysis), Some(canvas)) = (analysis.get(), canvas.get()) else {
            return;
        };
        // Drawn after the page paints the table: drawn with the view of a
        // new trace it made that frame 12 ms longer, 10 of them in setting
        // the font of its first text (a profile of the final view).
        paint::latest_after_paint(asked, move || {
            let bars = chart_bars(&analysis.0.breakdown);
            let (width, height) = chart_size(bars.len());
            let drawn = charts::on_canvas(&canvas, width, height, |area| {
                let palette = charts::current_palette();
                charts::shares(area, CHART_TITLE, CHART_AXIS, &bars, palette)
            });
            failed.set(drawn.err());
        });
    });
    view! {
        <canvas class="chart" data-testid="breakdown-chart" node_ref=canvas
            aria-label="Share of the critical path per group, as horizontal bars"></canvas>
    }
}

/// *Save*: the table as CSV, the chart as SVG or PNG.
#[component]
fn Exports(
    state: AppState,
    analysis: Signal<Option<Analysis>>,
    sort: RwSignal<(ShareColumn, bool)>,
    canvas: NodeRef<html::Canvas>,
    failed: RwSignal<Option<String>>,
) -> impl IntoView {
    let name = move || {
        let loaded = state.loaded.get_untracked()?;
        let trace = loaded.set.traces.get(state.selected.get_untracked()?)?;
        Some(format!(
            "tracelens-{}-by-{}",
            trace.trace_id,
            download::file_name(&state.group_by.get_untracked().to_string())
        ))
    };
    let report = move |saved: Result<(), String>| failed.set(saved.err());
    let save_csv = move |_| {
        if let (Some(rows), Some(name)) = (untrack(|| sorted(analysis, sort)), name()) {
            report(download::text(
                &format!("{name}.csv"),
                "text/csv",
                &csv(&rows),
            ));
        }
    };
    let save_svg = move |_| {
        let (Some(analysis), Some(name)) = (analysis.get_untracked(), name()) else {
            return;
        };
        let bars = chart_bars(&analysis.0.breakdown);
        let (width, height) = chart_size(bars.len());
        let svg = charts::to_svg(width, height, |area| {
            charts::shares(area, CHART_TITLE, CHART_AXIS, &bars, charts::Palette::LIGHT)
        });
        report(download::svg(&format!("{name}.svg"), svg));
    };
    let save_png = move |_| {
        if let (Some(canvas), Some(name)) = (canvas.get_untracked(), name()) {
            report(download::png(&format!("{name}.png"), &canvas));
        }
    };
    view! {
        <div class="exports">
            <span class="muted">"Save: "</span>
            <button data-testid="export-csv" on:click=save_csv>"table (CSV)"</button>
            <button data-testid="export-svg" on:click=save_svg>"chart (SVG)"</button>
            <button data-testid="export-png" on:click=save_png>"chart (PNG)"</button>
            {move || failed.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
        </div>
    }
}

/// The table as CSV, in the order shown.
fn csv(rows: &[GroupShare]) -> String {
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
    csv
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
