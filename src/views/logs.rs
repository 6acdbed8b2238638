//! Log lines beside the trace: the whole trace's lines (filterable by level
//! and text, a click selects the span that logged), the selected span's own
//! lines, and a query to Loki. Messages and fields are text, never HTML.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracelens_core::logs::{Level, LogRecord, LogSet};
use tracelens_core::units::format_duration;
use tracelens_core::Trace;
use tracelens_view::detail::span_name;
use tracelens_view::logs::{untraced_near, LineCounts, LogFilter};

use crate::http::{Connection, Product};
use crate::loader;
use crate::loki;
use crate::state::{AppState, Shared};

/// Lines listed at most in the panel; the rest are counted.
const SHOWN: usize = 1000;

/// One log line: offset in the trace, level, where it was logged, message
/// and fields.
pub fn log_line(
    logs: &LogSet,
    trace: &Trace,
    record: &LogRecord,
    place: Option<String>,
    on_click: Option<Box<dyn Fn() + Send + Sync>>,
) -> impl IntoView + use<> {
    let offset = if record.time_ns == 0 {
        "—".to_owned()
    } else if record.time_ns >= trace.start_ns() {
        format!("+{}", format_duration(record.time_ns - trace.start_ns()))
    } else {
        format!("−{}", format_duration(trace.start_ns() - record.time_ns))
    };
    let fields = record
        .fields
        .iter()
        .map(|field| {
            let text = field.display(&logs.strings).to_string();
            view! { <span class="log-field">{text}</span> }
        })
        .collect::<Vec<_>>();
    let level = record.level;
    let clickable = on_click.is_some();
    view! {
        <li
            class="log-line"
            class:error=level.is_error()
            class:warn=level == Level::Warn
            class:clickable=clickable
            data-testid="log-line"
            data-span-id=record.span_id.map(|s| s.to_string()).unwrap_or_default()
            data-level=level.as_str()
            on:click=move |_| if let Some(select) = &on_click { select() }
        >
            <span class="log-time">{offset}</span>
            <span class="log-level">{level.as_str().to_uppercase()}</span>
            {place.map(|p| view! { <span class="log-place">{p}</span> })}
            <span class="log-message">{record.message.to_string()}</span>
            <span class="log-fields">{fields}</span>
        </li>
    }
}

#[component]
pub fn LogsPanel(state: AppState) -> impl IntoView {
    let min_level = RwSignal::new(Level::Unknown);
    let text = RwSignal::new(String::new());

    let counts = move || {
        let joined = state.trace_logs.get()?;
        let logs = state.logs.get()?;
        let counts = LineCounts::of(&logs.0, &joined.0);
        Some(format!(
            "{} line(s), {} error(s), {} under a span",
            counts.lines, counts.errors, counts.under_spans
        ))
    };

    view! {
        <Show when=move || state.selected.get().is_some()>
            <section class="logs-panel" data-testid="logs-panel">
                <div class="logs-header">
                    <h3>"Logs"</h3>
                    <span class="muted">{move || counts().unwrap_or_else(|| "Drop a log file beside the traces, or query Loki.".to_owned())}</span>
                    <label>
                        "Level "
                        <select data-testid="log-level" aria-label="Lowest level shown" on:change=move |ev| {
                            let value = event_target_value(&ev);
                            min_level.set(Level::ALL.into_iter().find(|l| l.as_str() == value).unwrap_or(Level::Unknown));
                        }>
                            <option value="unknown">"all"</option>
                            <option value="debug">"debug and up"</option>
                            <option value="info">"info and up"</option>
                            <option value="warn">"warn and up"</option>
                            <option value="error">"errors"</option>
                        </select>
                    </label>
                    <input type="search" data-testid="log-filter" aria-label="Filter the log lines by text or field value" placeholder="Filter lines (text, field value)"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev)) />
                </div>
                <TraceLines state=state min_level=min_level text=text />
                <UntracedLines state=state />
                <LokiQuery state=state />
                <details class="log-fields-setting">
                    <summary>"Field names"</summary>
                    <p class="muted">"For JSON Lines logs whose ids, level, time or message are under other names, as ROLE=FIELD pairs (dots reach into objects); applies to files opened after."</p>
                    <input type="text" aria-label="Log field names" placeholder="trace_id=tid, span_id=sid, level=sev, time=ts, message=text"
                        prop:value=move || state.log_fields.get()
                        on:change=move |ev| state.log_fields.set(event_target_value(&ev)) />
                </details>
            </section>
        </Show>
    }
}

/// The trace's lines the filter keeps, each naming its span (a click
/// selects it).
#[component]
fn TraceLines(
    state: AppState,
    min_level: RwSignal<Level>,
    text: RwSignal<String>,
) -> impl IntoView {
    let lines = move || {
        let logs = state.logs.get()?;
        let joined = state.trace_logs.get()?;
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let filter = LogFilter {
            min_level: min_level.get(),
            text: text.get(),
        };
        let logs_set = &logs.0;
        let (kept, hidden) = filter.lines(logs_set, &joined.0, SHOWN);
        let mut items = Vec::new();
        for position in kept {
            let record = &logs_set.records[joined.0.lines[position] as usize];
            let span = joined.0.span_of_line[position];
            let place = match span {
                Some(span) => span_name(&loaded.set, trace, span).to_owned(),
                None => "span not in trace".to_owned(),
            };
            let select: Option<Box<dyn Fn() + Send + Sync>> = span.map(|span| {
                Box::new(move || state.selected_span.set(Some(span))) as Box<dyn Fn() + Send + Sync>
            });
            items.push(log_line(logs_set, trace, record, Some(place), select).into_any());
        }
        if hidden > 0 {
            items.push(
                view! { <li class="muted">{format!("… and {hidden} more: narrow the filter")}</li> }
                    .into_any(),
            );
        }
        if items.is_empty() {
            let message = if joined.0.lines.is_empty() {
                "No log line names this trace."
            } else {
                "No line matches the filter."
            };
            items.push(view! { <li class="muted">{message}</li> }.into_any());
        }
        Some(items)
    };

    view! { <ul class="log-lines">{lines}</ul> }
}

/// Lines that name no trace, logged while this one ran.
#[component]
fn UntracedLines(state: AppState) -> impl IntoView {
    move || {
        let logs = state.logs.get()?;
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let items: Vec<_> = untraced_near(&logs.0, trace)
            .take(SHOWN)
            .map(|record| {
                view! {
                    <li class="log-line untraced" data-level=record.level.as_str()>
                        <span class="log-level">{record.level.as_str().to_uppercase()}</span>
                        <span class="log-message">{record.message.to_string()}</span>
                    </li>
                }
            })
            .collect();
        (!items.is_empty()).then(|| {
            view! {
                <details class="untraced-lines">
                    <summary>{format!("{} line(s) without a trace id at this time", items.len())}</summary>
                    <ul>{items}</ul>
                </details>
            }
        })
    }
}

/// Fetches the selected trace's lines from Loki and adds them to the logs.
#[component]
fn LokiQuery(state: AppState) -> impl IntoView {
    let saved = loki::saved_connection();
    let base = RwSignal::new(saved.base);
    let authorization = RwSignal::new(saved.authorization);
    let tenant = RwSignal::new(saved.tenant);
    let template = RwSignal::new(loki::DEFAULT_QUERY.to_owned());
    let outcome: RwSignal<Option<Result<String, String>>> = RwSignal::new(None);
    let busy = RwSignal::new(false);

    let query = move || {
        let loaded = state.loaded.get()?;
        let index = state.selected.get()?;
        let trace = loaded.set.traces.get(index)?;
        let service = loaded.summaries.get(index).map(|s| s.service.clone())?;
        Some((
            loki::fill(&template.get(), &service, trace.trace_id),
            trace.start_ns(),
            trace.start_ns() + trace.duration_ns(),
        ))
    };

    let fetch = move |_| {
        let Some((text, start, end)) = query() else {
            return;
        };
        let connection = Connection {
            product: Product::Loki,
            base: base.get_untracked(),
            authorization: authorization.get_untracked(),
            tenant: tenant.get_untracked(),
        };
        connection.save();
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let result = match loki::query_range(&connection, &text, start, end).await {
                Ok(body) => {
                    let mut errors = Vec::new();
                    let before = state.logs.get_untracked().map_or(0, |l| l.0.records.len());
                    let logs = loader::current_logs(state);
                    let logs = loader::read_logs(
                        state,
                        logs,
                        vec![("the Loki answer".to_owned(), body)],
                        &mut errors,
                    )
                    .await;
                    let added = logs.records.len() - before;
                    state.loading.set(None);
                    match errors.into_iter().next() {
                        Some(error) => Err(error),
                        None => {
                            state.logs.set(Some(Shared::new(logs)));
                            Ok(format!("{added} line(s) from Loki"))
                        }
                    }
                }
                Err(error) => Err(error),
            };
            outcome.set(Some(result));
            busy.set(false);
        });
    };

    view! {
        <details class="loki">
            <summary>"Query Loki"</summary>
            <div class="loki-form">
                <input type="url" data-testid="loki-url" aria-label="Loki URL" placeholder="http://localhost:3100 (or a CORS proxy)"
                    prop:value=move || base.get() on:input=move |ev| base.set(event_target_value(&ev)) />
                <input type="text" aria-label="Loki tenant (X-Scope-OrgID)" placeholder="Tenant (X-Scope-OrgID)"
                    prop:value=move || tenant.get() on:input=move |ev| tenant.set(event_target_value(&ev)) />
                <input type="password" aria-label="Loki Authorization header" placeholder="Authorization header"
                    prop:value=move || authorization.get() on:input=move |ev| authorization.set(event_target_value(&ev)) />
                <input type="text" class="logql" data-testid="loki-query" aria-label="LogQL query"
                    title="{service}: the trace's root service; {trace_id}: its id"
                    prop:value=move || template.get() on:input=move |ev| template.set(event_target_value(&ev)) />
                <button data-testid="loki-fetch" on:click=fetch disabled=move || busy.get()>"Fetch logs"</button>
            </div>
            <p class="muted">{move || query().map(|(q, _, _)| format!("Runs {q} over the trace's time ± 1 min."))}</p>
            {move || outcome.get().map(|result| match result {
                Ok(text) => view! { <p class="loki-status" data-testid="loki-status">{text}</p> }.into_any(),
                Err(text) => view! { <p class="loki-status error" data-testid="loki-status" role="alert">{text}</p> }.into_any(),
            })}
        </details>
    }
}
