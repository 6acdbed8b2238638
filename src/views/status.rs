//! Progress, errors and warnings of the last load.

use leptos::prelude::*;

use tracelens_core::warnings::grouped;

use crate::state::AppState;

/// Warnings of one kind listed before the rest of that kind are counted.
const LISTED_OF_A_KIND: usize = 5;

#[component]
pub fn Status(state: AppState) -> impl IntoView {
    let warnings = move || {
        let mut all = state
            .loaded
            .get()
            .map(|l| {
                l.set
                    .warnings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        if let Some(logs) = state.logs.get() {
            all.extend(logs.0.warnings.iter().map(ToString::to_string));
        }
        // Lines of the selected trace whose span is not in it.
        let unknown = state.trace_logs.get().and_then(|joined| {
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            joined.0.unknown_span_warning(trace)
        });
        all.extend(unknown);
        all
    };
    view! {
        <Show when=move || state.loading.get().is_some()>
            <div class="load-progress" data-testid="load-progress" role="status">
                {move || match state.progress.get() {
                    Some(done) => view! { <progress max="1" value=done></progress> }.into_any(),
                    None => view! { <progress></progress> }.into_any(),
                }}
                <span>{move || state.loading.get().unwrap_or_default()}</span>
            </div>
        </Show>
        <Show when=move || !state.errors.get().is_empty()>
            <div class="load-error" data-testid="load-error" role="alert">
                <For each=move || state.errors.get() key=|e| e.clone() let:error>
                    <p>{error}</p>
                </For>
            </div>
        </Show>
        <Show when=move || !warnings().is_empty()>
            <details class="load-warnings" data-testid="load-warnings">
                <summary>{move || format!("{} warning(s) while reading", warnings().len())}</summary>
                <ul>
                    {move || {
                        let all = warnings();
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
