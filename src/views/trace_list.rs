//! The loaded traces, one line each, in the order the user picks (start
//! by default); clicking one opens it in the timeline.

use leptos::html;
use leptos::prelude::*;
use tracelens_core::units::{counted, format_duration};
use tracelens_core::TraceSummary;
use tracelens_view::scroll::RowScroll;
use tracelens_view::traces::{order, TraceSort};
use wasm_bindgen::JsCast;

use crate::state::AppState;

/// Services listed on a line before the rest are counted.
const SERVICES_SHOWN: usize = 3;

/// Lines drawn beyond each edge of the panel.
const OVERSCAN: usize = 15;
/// A line's height until the first drawn is measured.
const LINE_PX: f64 = 80.0;

#[component]
pub fn TraceList(state: AppState) -> impl IntoView {
    let sort = RwSignal::new(TraceSort::Start);
    let descending = RwSignal::new(false);
    // The traces in the order shown, each keyed by the set it belongs to:
    // a new set draws new lines, a new order moves the lines drawn.
    let ordered = Memo::new(move |_| {
        let Some(loaded) = state.loaded.get() else {
            return Vec::new();
        };
        let set = std::sync::Arc::as_ptr(&loaded) as usize;
        order(&loaded.summaries, sort.get(), descending.get())
            .into_iter()
            .map(|index| (set, index))
            .collect::<Vec<_>>()
    });
    // Only the lines in view are on the page, and a few around them (a
    // file of 100,000 traces was 900,000 elements, and every frame that
    // added some took longer, 100-270 ms at the end): the panel scrolls
    // over a list as tall as all of them, as the timeline's rows do.
    let panel = NodeRef::<html::Nav>::new();
    let list = NodeRef::<html::Ul>::new();
    // How far the list is scrolled (the panel's scroll past the list's
    // top), the panel's height and a line's.
    let scroll_top = RwSignal::new(0.0);
    let view_px = RwSignal::new(800.0);
    let line_px = RwSignal::new(LINE_PX);
    // The panel, and where the list starts in what it scrolls.
    let placed = move || {
        let (panel, list) = (panel.get_untracked()?, list.get_untracked()?);
        let list_top = list.get_bounding_client_rect().top()
            - panel.get_bounding_client_rect().top()
            + f64::from(panel.scroll_top());
        Some((panel, list, list_top))
    };
    let measure = move || {
        let Some((panel, list, list_top)) = placed() else {
            return;
        };
        scroll_top.set((f64::from(panel.scroll_top()) - list_top).max(0.0));
        view_px.set(f64::from(panel.client_height()));
        let line = list
            .query_selector("li.trace-line")
            .ok()
            .flatten()
            .and_then(|line| line.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(height) = line.map(|line| f64::from(line.offset_height())) {
            if height > 0.0 && height != line_px.get_untracked() {
                line_px.set(height);
            }
        }
    };
    // Measured when the lines change (a new set, a new order) and when the
    // window does, not only on scrolling.
    Effect::new(move |_| {
        ordered.track();
        request_animation_frame(measure);
    });
    let resized = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resized.remove());
    let scroll = move || RowScroll {
        rows: ordered.with(Vec::len),
        row_px: line_px.get(),
        view_px: view_px.get(),
    };
    // A trace selected elsewhere (Back, a link, another pane) is brought
    // into view.
    Effect::new(move |_| {
        let Some(selected) = state.selected.get() else {
            return;
        };
        let Some(at) = ordered.with_untracked(|all| all.iter().position(|&(_, i)| i == selected))
        else {
            return;
        };
        request_animation_frame(move || {
            measure();
            let scroll = untrack(scroll);
            if scroll.in_view(at, scroll_top.get_untracked()) {
                return;
            }
            let Some((panel, _, list_top)) = placed() else {
                return;
            };
            // A line above the view comes in at the top, one below at the
            // bottom.
            let row =
                match scroll.row_top(at, scroll_top.get_untracked()) < scroll_top.get_untracked() {
                    true => at as f64,
                    false => (at as f64 + 1.0 - scroll.view_px / scroll.row_px).max(0.0),
                };
            panel.set_scroll_top((list_top + scroll.scroll_for(row)).round() as i32);
        });
    });
    let window = Memo::new(move |_| scroll().window(scroll_top.get(), OVERSCAN));
    // The order read before the window: read after it, whose check had
    // already brought the order up to date, a new order was not seen as
    // one.
    let lines = move || {
        ordered.with(|all| {
            let (first, count) = window.get();
            all[first..first + count].to_vec()
        })
    };
    // Where the first line drawn goes.
    let above = move || scroll().row_top(window.get().0, scroll_top.get());
    let line = move |(_, index): (usize, usize)| {
        let loaded = state.loaded.get_untracked()?;
        // A partial view counts the spans read so far.
        let so_far = if loaded.partial { " so far" } else { "" };
        // With several files, each trace says which it came from (every
        // line then has that row, so all are as tall).
        let file = (loaded.files.len() >= 2).then(|| {
            loaded
                .file_of
                .get(index)
                .copied()
                .flatten()
                .and_then(|f| loaded.files.get(f as usize).cloned())
                .unwrap_or_else(|| "\u{a0}".to_owned())
        });
        Some(item(
            state,
            index,
            loaded.summaries.get(index)?,
            so_far,
            file,
        ))
    };
    view! {
        <nav class="trace-list-panel" node_ref=panel on:scroll=move |_| measure()>
            <h2>
                {move || {
                    state
                        .loaded
                        .get()
                        .map(|l| format!("{} · {}", counted(l.summaries.len() as u64, "trace"), l.source))
                        .unwrap_or_else(|| "No traces yet".to_owned())
                }}
            </h2>
            <div class="trace-sort">
                <label>
                    "Sort by "
                    <select data-testid="trace-sort" on:change=move |ev| {
                        if let Some(by) = TraceSort::parse(&event_target_value(&ev)) {
                            sort.set(by);
                        }
                    }>
                        {TraceSort::ALL.into_iter().map(|by| view! {
                            <option value=by.name()>{by.name()}</option>
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
                <button data-testid="trace-sort-direction" aria-label="Reverse the order"
                    title=move || if descending.get() { "highest first" } else { "lowest first" }
                    on:click=move |_| descending.update(|d| *d = !*d)>
                    {move || if descending.get() { "↓" } else { "↑" }}
                </button>
            </div>
            // The lines drawn start below padding as tall as those above
            // them.
            <ul class="trace-list" data-testid="trace-list" node_ref=list
                style=move || format!("height:{}px;padding-top:{}px", scroll().canvas_px(), above())>
                <For each=lines key=|line| *line children=line />
            </ul>
        </nav>
    }
}

/// One trace's line: root and service, start (local, UTC on hover),
/// spans, duration, errors, the other services, the id.
fn item(
    state: AppState,
    index: usize,
    summary: &TraceSummary,
    so_far: &str,
    file: Option<String>,
) -> impl IntoView {
    let trace_id = summary.trace_id.to_string();
    let short_id = trace_id[..8].to_owned();
    let (start_local, start_utc) = super::local_and_utc(summary.start_ns);
    let others: Vec<&String> = summary.services.iter().skip(1).collect();
    let services = match others.len() {
        0 => String::new(),
        n if n <= SERVICES_SHOWN => format!(
            "→ {}",
            others
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        n => format!(
            "→ {} +{}",
            others[..SERVICES_SHOWN]
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            n - SERVICES_SHOWN
        ),
    };
    let errors = summary.errors;
    view! {
        <li class="trace-line">
            <button
                class="trace-item"
                data-testid="trace-item"
                data-trace-id=trace_id.clone()
                data-errors=errors
                class:selected=move || state.selected.get() == Some(index)
                on:click=move |_| state.select_trace(index)
                title=trace_id
            >
                <span class="root">{summary.root.clone()}</span>
                <span class="service">{summary.service.clone()}" "<span class="others">{services}</span></span>
                <time class="start" data-testid="trace-start-time" title=start_utc>{start_local}</time>
                <span class="meta">
                    <span class="spans">{format!("{}{so_far}", counted(summary.span_count as u64, "span"))}</span>
                    <span class="duration">{format_duration(summary.duration_ns)}</span>
                    {(errors > 0).then(|| view! {
                        <span class="errors" data-testid="trace-errors">{counted(errors as u64, "error")}</span>
                    })}
                    <code>{short_id}</code>
                </span>
                {file.map(|file| view! { <span class="file" data-testid="trace-file">{file}</span> })}
            </button>
        </li>
    }
}
