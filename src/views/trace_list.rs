//! The loaded traces, one line each, in the order the user picks (start
//! by default); clicking one opens it in the timeline.

use leptos::prelude::*;
use tracelens_core::units::format_duration;
use tracelens_core::TraceSummary;
use tracelens_view::traces::{order, TraceSort};

use crate::state::AppState;

/// Services listed on a line before the rest are counted.
const SERVICES_SHOWN: usize = 3;

/// Lines put on the page at once when traces open: more than a panel
/// shows.
const FIRST_ITEMS: usize = 100;
/// Lines added a frame after those, until all are on the page: a thousand
/// traces' lines built at once held the page for 150–200 ms.
const ITEMS_A_FRAME: usize = 200;

#[component]
pub fn TraceList(state: AppState) -> impl IntoView {
    let sort = RwSignal::new(TraceSort::Start);
    let descending = RwSignal::new(false);
    // How many lines are on the page: the first at once, the rest a frame
    // at a time, in the order shown.
    let shown = RwSignal::new(FIRST_ITEMS);
    // Which set the frames adding lines add them for.
    let adding = StoredValue::new(0u64);
    Effect::new(move |_| {
        let total = state
            .loaded
            .with(|l| l.as_ref().map_or(0, |l| l.summaries.len()));
        adding.update_value(|set| *set += 1);
        shown.set(FIRST_ITEMS);
        add_lines(shown, adding, total);
    });
    // The traces in the order shown, each keyed by the set it belongs to:
    // a new set builds new lines, a new order moves the lines built.
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
    let lines = move || ordered.with(|all| all[..all.len().min(shown.get())].to_vec());
    let line = move |(_, index): (usize, usize)| {
        let loaded = state.loaded.get_untracked()?;
        // A partial view counts the spans read so far.
        let so_far = if loaded.partial { " so far" } else { "" };
        // With several files, each trace says which it came from.
        let file = loaded
            .file_of
            .get(index)
            .copied()
            .flatten()
            .filter(|_| loaded.files.len() >= 2)
            .and_then(|f| loaded.files.get(f as usize).cloned());
        Some(item(
            state,
            index,
            loaded.summaries.get(index)?,
            so_far,
            file,
        ))
    };
    view! {
        <nav class="trace-list-panel">
            <h2>
                {move || {
                    state
                        .loaded
                        .get()
                        .map(|l| format!("{} traces · {}", l.summaries.len(), l.source))
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
            <ul class="trace-list" data-testid="trace-list">
                <For each=lines key=|line| *line children=line />
            </ul>
        </nav>
    }
}

/// Shows [`ITEMS_A_FRAME`] more of `total` lines a frame until all are
/// shown. A new set starts again from [`FIRST_ITEMS`] (`adding` counts
/// the sets); the frames of the set before then stop.
fn add_lines(shown: RwSignal<usize>, adding: StoredValue<u64>, total: usize) {
    if shown.get_untracked() >= total {
        return;
    }
    let set = adding.get_value();
    request_animation_frame(move || {
        // The list is gone, or shows another set.
        if adding.try_get_value() != Some(set) {
            return;
        }
        shown.update(|shown| *shown += ITEMS_A_FRAME);
        add_lines(shown, adding, total);
    });
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
        <li>
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
                    <span class="spans">{format!("{} spans{so_far}", summary.span_count)}</span>
                    <span class="duration">{format_duration(summary.duration_ns)}</span>
                    {(errors > 0).then(|| view! {
                        <span class="errors" data-testid="trace-errors">{format!("{errors} error{}", if errors == 1 { "" } else { "s" })}</span>
                    })}
                    <code>{short_id}</code>
                </span>
                {file.map(|file| view! { <span class="file" data-testid="trace-file">{file}</span> })}
            </button>
        </li>
    }
}
