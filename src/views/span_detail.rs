//! The selected span's facts: timing, self and critical time, status,
//! attributes (span, scope, resource) with copy buttons, events, links
//! (which open the linked span when it is loaded) and the span's log
//! lines. Values are shown as text, never as HTML.

use leptos::prelude::*;
use tracelens_view::detail::{span_facts, KeyValue};

use super::logs::log_line;
use crate::state::AppState;

#[component]
pub fn SpanDetail(state: AppState) -> impl IntoView {
    let content = move || {
        let loaded = state.loaded.get()?;
        let t = state.selected.get()?;
        let trace = loaded.set.traces.get(t)?;
        let index = state.selected_span.get()?;
        // Self and critical time need every span: pending on a partial read.
        let times = state.analysis.get().map(|a| {
            let i = index as usize;
            (a.0.self_times[i], a.0.critical_times[i])
        });
        let facts = span_facts(&loaded.set, t, index, times)?;
        let events = facts
            .events
            .into_iter()
            .map(|event| {
                view! {
                    <li>
                        <strong>{event.name}</strong>
                        " "
                        <span class="muted">{event.after}</span>
                        {attribute_list(event.attributes)}
                    </li>
                }
            })
            .collect::<Vec<_>>();
        let links = facts
            .links
            .into_iter()
            .map(|link| {
                let jump = link.target.map(|(t, span)| {
                    view! {
                        <button data-testid="link-jump" on:click=move |_| {
                            if state.selected.get_untracked() != Some(t) {
                                state.select_trace(t);
                            }
                            state.selected_span.set(Some(span));
                        }>"go to span"</button>
                    }
                });
                let missing = link.target.is_none().then(|| view! { <span class="muted">" (not loaded)"</span> });
                view! { <li><code>{link.text}</code>" "{jump}{missing}{attribute_list(link.attributes)}</li> }
            })
            .collect::<Vec<_>>();
        let (scope, resource) = (facts.scope, facts.resource);
        let logs = state
            .logs
            .get()
            .zip(state.trace_logs.get())
            .map(|(logs, joined)| {
                let lines = joined
                    .0
                    .of_span(index)
                    .map(|line| {
                        log_line(&logs.0, trace, &logs.0.records[line as usize], None, None)
                    })
                    .collect::<Vec<_>>();
                let count = lines.len();
                view! {
                    <h4>{format!("Logs ({count})")}</h4>
                    {(count > 0).then(|| view! { <ul class="log-lines span-logs">{lines}</ul> })}
                }
            });
        Some(view! {
            <div class="detail-head">
                <h3>{facts.name}</h3>
                <button class="close" data-testid="span-detail-close" title="Close (Esc)"
                    aria-label="Close the span's details"
                    on:click=move |_| state.selected_span.set(None)>
                    <svg class="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
                        <path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="1.6" />
                    </svg>
                </button>
            </div>
            <dl>
                {facts.facts.into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect::<Vec<_>>()}
            </dl>
            {logs}
            <h4>"Attributes"</h4>
            {attribute_list(facts.attributes)}
            {(!events.is_empty()).then(|| view! { <h4>"Events"</h4><ul class="events">{events}</ul> })}
            {(!links.is_empty()).then(|| view! { <h4>"Links"</h4><ul class="links">{links}</ul> })}
            {(!scope.is_empty()).then(|| view! { <h4>"Scope"</h4>{attribute_list(scope)} })}
            <h4>"Resource"</h4>
            {attribute_list(resource)}
        })
    };
    view! {
        <Show when=move || state.selected_span.get().is_some()>
            <aside class="span-detail" data-testid="span-detail">
                {content}
            </aside>
        </Show>
    }
}

fn attribute_list(attributes: Vec<KeyValue>) -> impl IntoView {
    let items = attributes
        .into_iter()
        .map(|KeyValue { key, value }| {
            let copied = value.clone();
            view! {
                <dt>{key}</dt>
                <dd>
                    <span class="value">{value}</span>
                    <button class="copy" data-testid="copy-value" title="Copy the value"
                        aria-label="Copy the value" on:click=move |_| copy(&copied)>
                        // Drawn, not a font's glyph: every font has these lines.
                        <svg class="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
                            <rect x="5.5" y="5.5" width="8" height="8" rx="1.5" fill="none" stroke="currentColor" stroke-width="1.4" />
                            <path d="M10.5 3.5V3A1 1 0 0 0 9.5 2H3A1 1 0 0 0 2 3v6.5a1 1 0 0 0 1 1h.5" fill="none" stroke="currentColor" stroke-width="1.4" />
                        </svg>
                    </button>
                </dd>
            }
        })
        .collect::<Vec<_>>();
    view! { <dl class="attributes">{items}</dl> }
}

/// Puts `text` on the clipboard.
fn copy(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}
