//! The selected span's facts: timing, self and critical time, status,
//! attributes (span, scope, resource) with copy buttons, events, links
//! (which open the linked span when it is loaded) and the span's log
//! lines. Values are shown as text, never as HTML.

use leptos::prelude::*;
use tracelens_core::units::format_duration;
use tracelens_core::{Attribute, TraceSet};

use super::logs::log_line;
use crate::state::AppState;

#[component]
pub fn SpanDetail(state: AppState) -> impl IntoView {
    let content = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let index = state.selected_span.get()?;
        let span = trace.spans.get(index as usize)?;
        // Self and critical time need every span: pending on a partial read.
        let analysis = state.analysis.get();
        let timed = |times: fn(&tracelens_core::analysis::breakdown::TraceAnalysis) -> &[u64]| {
            analysis.as_ref().map_or_else(
                || "pending (reading the rest)".to_owned(),
                |a| format_duration(times(&a.0)[index as usize]),
            )
        };
        let set = &loaded.set;
        let strings = &set.strings;
        let status = match strings.get(span.status_message) {
            "" => format!("{:?}", span.status),
            message => format!("{:?}: {message}", span.status),
        };
        let facts = [
            ("Service", strings.get(span.service).to_owned()),
            ("Kind", format!("{:?}", span.kind)),
            ("Status", status),
            (
                "Starts at",
                format!("+{}", format_duration(span.start_ns - trace.start_ns())),
            ),
            ("Duration", format_duration(span.duration_ns())),
            ("Self time", timed(|a| &a.self_times)),
            ("Critical time", timed(|a| &a.critical_times)),
            ("Span id", span.span_id.to_string()),
            (
                "Parent id",
                span.parent_span_id
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "— (root)".to_owned()),
            ),
        ];
        let events = trace
            .span_events(index)
            .iter()
            .map(|event| {
                view! {
                    <li>
                        <strong>{strings.get(event.name).to_owned()}</strong>
                        " "
                        <span class="muted">{format!("+{}", format_duration(event.time_ns.saturating_sub(span.start_ns)))}</span>
                        {attribute_list(set, trace.attributes_in(event.attributes))}
                    </li>
                }
            })
            .collect::<Vec<_>>();
        let links = trace
            .span_links(index)
            .iter()
            .map(|link| {
                let text = format!("{} / {}", link.trace_id, link.span_id);
                let target = set.traces.iter().position(|t| t.trace_id == link.trace_id).and_then(|t| {
                    Some((t, set.traces[t].span_index(link.span_id)?))
                });
                let jump = target.map(|(t, span)| {
                    view! {
                        <button data-testid="link-jump" on:click=move |_| {
                            if state.selected.get_untracked() != Some(t) {
                                state.select_trace(t);
                            }
                            state.selected_span.set(Some(span));
                        }>"go to span"</button>
                    }
                });
                let missing = target.is_none().then(|| view! { <span class="muted">" (not loaded)"</span> });
                view! { <li><code>{text}</code>" "{jump}{missing}{attribute_list(set, trace.attributes_in(link.attributes))}</li> }
            })
            .collect::<Vec<_>>();
        let scope = set
            .scopes
            .get(span.scope as usize)
            .map(|s| &s.attributes[..])
            .unwrap_or(&[]);
        let resource = set
            .resources
            .get(span.resource as usize)
            .map(|r| &r.attributes[..])
            .unwrap_or(&[]);
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
                <h3>{strings.get(span.name).to_owned()}</h3>
                <button class="close" data-testid="span-detail-close" title="Close (Esc)"
                    aria-label="Close the span's details"
                    on:click=move |_| state.selected_span.set(None)>
                    <svg class="icon" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
                        <path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="1.6" />
                    </svg>
                </button>
            </div>
            <dl>
                {facts.into_iter().map(|(term, value)| view! { <dt>{term}</dt><dd>{value}</dd> }).collect::<Vec<_>>()}
            </dl>
            {logs}
            <h4>"Attributes"</h4>
            {attribute_list(set, trace.span_attributes(index))}
            {(!events.is_empty()).then(|| view! { <h4>"Events"</h4><ul class="events">{events}</ul> })}
            {(!links.is_empty()).then(|| view! { <h4>"Links"</h4><ul class="links">{links}</ul> })}
            {(!scope.is_empty()).then(|| view! { <h4>"Scope"</h4>{attribute_list(set, scope)} })}
            <h4>"Resource"</h4>
            {attribute_list(set, resource)}
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

fn attribute_list(set: &TraceSet, attributes: &[Attribute]) -> impl IntoView + use<> {
    let items = attributes
        .iter()
        .map(|a| {
            let value = a.value.display(&set.strings).to_string();
            let copied = value.clone();
            view! {
                <dt>{set.strings.get(a.key).to_owned()}</dt>
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
