//! Progress, errors and warnings of the last load.

use leptos::prelude::*;

use crate::state::AppState;

/// How many warnings are listed before the rest are summarised.
const WARNINGS_SHOWN: usize = 50;

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
                        let rest = all.len().saturating_sub(WARNINGS_SHOWN);
                        let mut items = all
                            .into_iter()
                            .take(WARNINGS_SHOWN)
                            .map(|w| view! { <li>{w}</li> })
                            .collect::<Vec<_>>();
                        if rest > 0 {
                            items.push(view! { <li>{format!("… and {rest} more")}</li> });
                        }
                        items
                    }}
                </ul>
            </details>
        </Show>
    }
}
