//! The selected span's facts.

use leptos::prelude::*;
use tracelens_core::units::format_duration;

use crate::state::AppState;

#[component]
pub fn SpanDetail(state: AppState, selected_span: RwSignal<Option<u32>>) -> impl IntoView {
    let content = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let span = trace.spans.get(selected_span.get()? as usize)?;
        let strings = &loaded.set.strings;
        let rows = [
            ("Service", strings.get(span.service).to_owned()),
            ("Kind", format!("{:?}", span.kind)),
            ("Status", format!("{:?}", span.status)),
            (
                "Starts at",
                format!("+{}", format_duration(span.start_ns - trace.start_ns())),
            ),
            ("Duration", format_duration(span.duration_ns())),
            ("Span id", span.span_id.to_string()),
            (
                "Parent id",
                span.parent_span_id
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "— (root)".to_owned()),
            ),
        ];
        Some(view! {
            <h3>{strings.get(span.name).to_owned()}</h3>
            <dl>
                {rows
                    .into_iter()
                    .map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> })
                    .collect::<Vec<_>>()}
            </dl>
        })
    };
    view! {
        <Show when=move || selected_span.get().is_some()>
            <aside class="span-detail" data-testid="span-detail">
                {content}
            </aside>
        </Show>
    }
}
