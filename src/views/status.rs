//! Progress, errors and warnings of the last load.

use leptos::prelude::*;

use tracelens_core::warnings::grouped;
use tracelens_core::Warning;

use crate::state::AppState;

/// Warnings of one kind listed before the rest of that kind are counted.
const LISTED_OF_A_KIND: usize = 5;

/// The progress of a load, floating over the page's corner in an area of
/// its own: in the page's flow, its coming and going moved the whole
/// workspace down and back up at the start and end of every load.
#[component]
pub fn LoadProgress(state: AppState) -> impl IntoView {
    view! {
        <div class="load-progress-area">
            <Show when=move || state.loading.get().is_some()>
                <div class="load-progress" data-testid="load-progress" role="status">
                    {move || match state.progress.get() {
                        Some(done) => view! { <progress max="1" value=done></progress> }.into_any(),
                        None => view! { <progress></progress> }.into_any(),
                    }}
                    <span>{move || state.loading.get().unwrap_or_default()}</span>
                </div>
            </Show>
        </div>
    }
}

/// Errors and warnings of the last load.
#[component]
pub fn Status(state: AppState) -> impl IntoView {
    // Gathered once for the count and the list (a load keeps a hundred
    // of a kind, so this is short whatever the input).
    let warnings = Memo::new(move |_| {
        let mut all: Vec<Warning> = state
            .loaded
            .get()
            .map(|l| l.set.warnings.clone())
            .unwrap_or_default();
        if let Some(logs) = state.logs.get() {
            all.extend(logs.0.warnings.iter().cloned());
        }
        // Lines of the selected trace whose span is not in it.
        let unknown = state.trace_logs.get().and_then(|joined| {
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            joined.0.unknown_span_warning(trace)
        });
        all.extend(unknown.map(Warning::new));
        all
    });
    let found = move || warnings.with(|all| all.iter().map(|w| 1 + w.also).sum::<usize>());
    view! {
        <Show when=move || !state.errors.get().is_empty()>
            <div class="load-error" data-testid="load-error" role="alert">
                <For each=move || state.errors.get() key=|e| e.clone() let:error>
                    <p>{error}</p>
                </For>
            </div>
        </Show>
        <Show when=move || warnings.with(|all| !all.is_empty())>
            <details class="load-warnings" data-testid="load-warnings">
                <summary>{move || format!("{} warning(s) while reading", found())}</summary>
                <ul>
                    {move || {
                        let all = warnings.get();
                        grouped(&all, LISTED_OF_A_KIND)
                            .into_iter()
                            .map(|group| {
                                let listed: Vec<String> =
                                    group.listed.iter().map(|w| (*w).to_owned()).collect();
                                match group.count > listed.len() {
                                    true => view! {
                                        <li class="warning-group">
                                            {format!("{} alike, the first {} listed:", group.count, listed.len())}
                                            <ul>
                                                {listed.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                                            </ul>
                                        </li>
                                    }
                                    .into_any(),
                                    false => listed
                                        .into_iter()
                                        .map(|w| view! { <li>{w}</li> })
                                        .collect_view()
                                        .into_any(),
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </details>
        </Show>
    }
}
