//! The spans table: every span of the trace as a row (name, service,
//! start, duration, self and critical time, status, log lines), sorted by
//! any column, narrowed by find and the group in focus, and virtualised:
//! only the rows in view exist, so a million scroll like a hundred. A
//! click selects the span everywhere; *top 20 by self time* is one click.

use leptos::html;
use leptos::prelude::*;
use tracelens_view::scroll::RowScroll;
use tracelens_view::tables::{span_cells, span_order, spans_csv, SpanColumn, SpanFigures};

use super::Lens;
use crate::download;
use crate::state::Shared;

/// Height of a row, CSS pixels (as `.spans-row` in the style sheet).
const ROW_PX: f64 = 24.0;
/// Rows drawn beyond each edge of the view.
const OVERSCAN: usize = 8;

/// Reads the table's figures for the selected trace and runs `f` on them.
fn with_figures<T>(
    lens: Lens,
    f: impl FnOnce(&tracelens_core::TraceSet, &tracelens_core::Trace, SpanFigures) -> T,
) -> Option<T> {
    let state = lens.state;
    let loaded = state.loaded.get()?;
    let trace = loaded.set.traces.get(state.selected.get()?)?;
    let analysis = state.analysis.get();
    let logs = state.trace_logs.get();
    let figures = SpanFigures {
        self_ns: analysis.as_ref().map(|a| &a.0.self_times[..]),
        critical_ns: analysis.as_ref().map(|a| &a.0.critical_times[..]),
        logs: logs.as_ref().map(|l| &*l.0),
    };
    Some(f(&loaded.set, trace, figures))
}

#[component]
pub(super) fn SpansTable(lens: Lens) -> impl IntoView {
    let sort = RwSignal::new((SpanColumn::SelfTime, true));
    let limit = RwSignal::new(None::<usize>);
    let order = Memo::new(move |_| {
        let (column, descending) = sort.get();
        let only = lens.highlighted.get();
        let mut order = with_figures(lens, |set, trace, figures| {
            let only: Option<Vec<u32>> = only.map(|o| o.0.iter().copied().collect());
            span_order(set, trace, figures, only.as_deref(), column, descending)
        })?;
        if let Some(limit) = limit.get() {
            order.truncate(limit);
        }
        Some(Shared::new(order))
    });
    let scroll_top = RwSignal::new(0.0);
    let body = NodeRef::<html::Div>::new();
    // Past a few million pixels the scroll position is scaled onto the rows.
    let table_scroll = move |rows| RowScroll {
        rows,
        row_px: ROW_PX,
        view_px: body.get().map_or(600.0, |b| f64::from(b.client_height())),
    };
    let shown = move || {
        let order = order.get()?;
        let scroll = table_scroll(order.0.len());
        let (first, count) = scroll.window(scroll_top.get(), OVERSCAN);
        let last = first + count;
        let rows = with_figures(lens, |set, trace, figures| {
            (first..last)
                .map(|at| {
                    row(
                        lens,
                        scroll.row_top(at, scroll_top.get_untracked()),
                        span_cells(set, trace, order.0[at], figures),
                        order.0[at],
                    )
                })
                .collect::<Vec<_>>()
        })?;
        Some(rows)
    };
    let total = move || order.get().map_or(0, |o| o.0.len());
    view! {
        <div class="spans-view">
            <Actions lens=lens sort=sort limit=limit order=order />
            <div class="spans-head" role="row">
                {SpanColumn::ALL.into_iter().map(|column| heading(sort, limit, column)).collect::<Vec<_>>()}
            </div>
            <div class="spans-body" data-testid="spans-table" role="grid" node_ref=body
                aria-rowcount=move || total().to_string()
                on:scroll=move |_| if let Some(b) = body.get_untracked() { scroll_top.set(f64::from(b.scroll_top())) }>
                <div class="spans-space" style=move || format!("height:{}px", table_scroll(total()).canvas_px())>
                    {shown}
                </div>
            </div>
        </div>
    }
}

/// A column's heading: a click sorts by it, again turns it round.
fn heading(
    sort: RwSignal<(SpanColumn, bool)>,
    limit: RwSignal<Option<usize>>,
    column: SpanColumn,
) -> impl IntoView {
    let order = move || match sort.get() {
        (c, true) if c == column => ("descending", " ▾"),
        (c, false) if c == column => ("ascending", " ▴"),
        _ => ("none", ""),
    };
    view! {
        <button class="spans-cell sortable" class:num=column.numeric() role="columnheader"
            data-sort=column.name() aria-sort=move || order().0
            on:click=move |_| {
                limit.set(None);
                sort.update(|(c, descending)| match *c == column {
                    true => *descending = !*descending,
                    false => (*c, *descending) = (column, column.numeric()),
                });
            }>
            {column.label()}{move || order().1}
        </button>
    }
}

/// The row at `at` of the order, showing span `index`.
fn row(
    lens: Lens,
    top_px: f64,
    cells: tracelens_view::tables::SpanCells,
    index: u32,
) -> impl IntoView {
    let state = lens.state;
    let selected = move || state.selected_span.get() == Some(index);
    view! {
        <div class="spans-row" role="row" data-testid="spans-row" class:selected=selected class:error=cells.error
            style=format!("top:{top_px}px")
            data-span-id=cells.span_id.clone() data-self-ns=cells.self_ns.to_string()
            data-critical-ns=cells.critical_ns.to_string()
            on:click=move |_| state.selected_span.set(Some(index))>
            <span class="spans-cell" title=cells.name.clone()>{cells.name.clone()}</span>
            <span class="spans-cell muted">{cells.service}</span>
            <span class="spans-cell num">{cells.start}</span>
            <span class="spans-cell num">{cells.duration}</span>
            <span class="spans-cell num">{cells.self_time}</span>
            <span class="spans-cell num">{cells.critical}</span>
            <span class="spans-cell num">{cells.status}</span>
            <span class="spans-cell num">{cells.logs}</span>
        </div>
    }
}

/// Above the table: the count, *top 20 by self time*, and CSV.
#[component]
fn Actions(
    lens: Lens,
    sort: RwSignal<(SpanColumn, bool)>,
    limit: RwSignal<Option<usize>>,
    order: Memo<Option<Shared<Vec<u32>>>>,
) -> impl IntoView {
    let failed = RwSignal::new(None::<String>);
    let count = move || {
        let shown = order.get().map_or(0, |o| o.0.len());
        match (limit.get(), lens.highlighted.get().is_some()) {
            (Some(_), _) => format!("the {shown} spans with the most self time"),
            (None, true) => format!("{shown} spans match"),
            (None, false) => format!("{shown} spans"),
        }
    };
    let save = move |_| {
        let Some(order) = order.get_untracked() else {
            return;
        };
        let saved = untrack(|| {
            with_figures(lens, |set, trace, figures| {
                let csv = spans_csv(set, trace, &order.0, figures);
                download::text(
                    &format!("tracelens-{}-spans.csv", trace.trace_id),
                    "text/csv",
                    &csv,
                )
            })
        });
        failed.set(saved.and_then(Result::err));
    };
    view! {
        <div class="spans-actions">
            <span class="muted" data-testid="spans-count">{count}</span>
            <button data-testid="spans-top-self" on:click=move |_| {
                sort.set((SpanColumn::SelfTime, true));
                limit.set(Some(20));
            }>"Top 20 by self time"</button>
            <button data-testid="spans-all" hidden=move || limit.get().is_none()
                on:click=move |_| limit.set(None)>"All spans"</button>
            <button data-testid="spans-csv" on:click=save>"Save CSV"</button>
            {move || failed.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
        </div>
    }
}
