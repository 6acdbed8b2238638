//! The loaded traces, one line each; clicking one opens it in the timeline.

use leptos::prelude::*;
use tracelens_core::units::format_duration;

use crate::state::AppState;

#[component]
pub fn TraceList(state: AppState) -> impl IntoView {
    let items = move || {
        let Some(loaded) = state.loaded.get() else {
            return Vec::new();
        };
        // A partial view counts the spans read so far.
        let so_far = if loaded.partial { " so far" } else { "" };
        loaded
            .summaries
            .iter()
            .enumerate()
            .map(|(index, summary)| {
                let trace_id = summary.trace_id.to_string();
                let short_id = trace_id[..8].to_owned();
                view! {
                    <li>
                        <button
                            class="trace-item"
                            data-testid="trace-item"
                            data-trace-id=trace_id.clone()
                            class:selected=move || state.selected.get() == Some(index)
                            on:click=move |_| state.select_trace(index)
                            title=trace_id
                        >
                            <span class="root">{summary.root.clone()}</span>
                            <span class="service">{summary.service.clone()}</span>
                            <span class="meta">
                                <span class="spans">{format!("{} spans{so_far}", summary.span_count)}</span>
                                <span class="duration">{format_duration(summary.duration_ns)}</span>
                                <code>{short_id}</code>
                            </span>
                        </button>
                    </li>
                }
            })
            .collect::<Vec<_>>()
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
            <ul class="trace-list" data-testid="trace-list">
                {items}
            </ul>
        </nav>
    }
}
