//! The timeline: one row per span in tree order, bars on a shared time
//! axis, the critical path drawn on the bars. Rows are virtualised: only
//! those in view (and a few around them) exist in the DOM, so a trace of
//! any size costs what the screen shows.

use leptos::html;
use leptos::prelude::*;
use tracelens_core::analysis::breakdown::spans_in_group;
use tracelens_core::analysis::search::{search, SpanQuery};
use tracelens_core::units::format_duration;
use tracelens_core::StatusCode;
use web_sys::Element;

use crate::state::{AppState, Shared};

/// Height of a row in pixels; must match `.span-row` in the style sheet.
const ROW_PX: f64 = 24.0;
/// Rows drawn beyond each edge of the view, so scrolling shows no gaps.
const OVERSCAN: usize = 12;
/// Indentation per tree level, in pixels.
const INDENT_PX: u32 = 14;

/// What the rows need, computed once per trace and analysis.
struct Rows {
    /// Span indices in tree order (parents before children).
    order: Vec<u32>,
    /// Critical sections of each span, `(start, end)` in Unix nanoseconds.
    sections: Vec<Vec<(u64, u64)>>,
    /// The row of each span, the inverse of `order`.
    row_of: Vec<u32>,
    /// The trace's first start and its duration (at least 1 ns): scanning
    /// every span for them on each scroll would cost what the rows save.
    start_ns: u64,
    duration_ns: u64,
}

#[component]
pub fn Timeline(state: AppState) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0f64);
    let view_height = RwSignal::new(600.0f64);
    let container = NodeRef::<html::Div>::new();

    let rows = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let analysis = state.analysis.get()?;
        let mut sections = vec![Vec::new(); trace.spans.len()];
        for section in &analysis.0.critical_path {
            sections[section.span as usize].push((section.start_ns, section.end_ns));
        }
        let mut order = trace.depth_first();
        // A breakdown group in focus: its spans alone, in tree order.
        if let Some(group) = state.focus_group.get() {
            let mut member = vec![false; trace.spans.len()];
            for span in spans_in_group(&loaded.set, trace, &state.group_by.get(), &group) {
                member[span as usize] = true;
            }
            order.retain(|&span| member[span as usize]);
        }
        // Spans filtered out have no row.
        let mut row_of = vec![u32::MAX; trace.spans.len()];
        for (row, &index) in order.iter().enumerate() {
            row_of[index as usize] = row as u32;
        }
        Some(Shared::new(Rows {
            order,
            sections,
            row_of,
            start_ns: trace.start_ns(),
            duration_ns: trace.duration_ns().max(1),
        }))
    });

    // Find: spans whose name, service or an attribute value holds the text.
    let find = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        let text = find.get();
        if text.trim().is_empty() {
            return Some(Vec::new());
        }
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let query = SpanQuery {
            text: Some(text.trim().to_owned()),
            ..SpanQuery::default()
        };
        let rows = rows.get()?;
        let mut found = search(&loaded.set, trace, &query);
        found.retain(|&index| rows.0.row_of[index as usize] != u32::MAX);
        found.sort_by_key(|&index| rows.0.row_of[index as usize]);
        Some(found)
    });
    let current_match = RwSignal::new(0usize);
    let go_to_match = move |step: isize| {
        let (Some(found), Some(rows)) = (matches.get_untracked(), rows.get_untracked()) else {
            return;
        };
        if found.is_empty() {
            return;
        }
        let count = found.len() as isize;
        let next = (current_match.get_untracked() as isize + step).rem_euclid(count) as usize;
        current_match.set(next);
        let span = found[next];
        state.selected_span.set(Some(span));
        if let Some(element) = container.get_untracked() {
            let row = f64::from(rows.0.row_of[span as usize]);
            element.set_scroll_top(((row - 3.0) * ROW_PX).max(0.0) as i32);
        }
    };

    // A new trace starts at the top.
    Effect::new(move |_| {
        state.selected.track();
        if let Some(element) = container.get() {
            element.set_scroll_top(0);
        }
        scroll_top.set(0.0);
    });

    let on_scroll = move |ev: web_sys::Event| {
        let element: Element = event_target(&ev);
        scroll_top.set(f64::from(element.scroll_top()));
        view_height.set(f64::from(element.client_height()));
    };

    let visible_rows = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let rows = rows.get()?;
        let strings = &loaded.set.strings;
        let start = rows.0.start_ns;
        let duration = rows.0.duration_ns as f64;
        let position = |ns: u64| (ns - start) as f64 / duration * 100.0;
        let logs = state.logs.get().zip(state.trace_logs.get());
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN);
        let count = (view_height.get() / ROW_PX).ceil() as usize + 2 * OVERSCAN;
        let views = rows
            .0
            .order
            .iter()
            .enumerate()
            .skip(first)
            .take(count)
            .map(|(row, &index)| {
                let span = &trace.spans[index as usize];
                let left = position(span.start_ns);
                let width = span.duration_ns() as f64 / duration * 100.0;
                let service = strings.get(span.service);
                let bar_style = format!(
                    "left:{left:.4}%;width:max({width:.4}%, 1px);background:{}",
                    service_colour(service)
                );
                let row_style = format!("top:{}px", row as f64 * ROW_PX);
                let label_style = format!("padding-left:{}px", span.depth * INDENT_PX);
                let stripes = rows.0.sections[index as usize]
                    .iter()
                    .map(|&(from, to)| {
                        let style = format!(
                            "left:{:.4}%;width:{:.4}%",
                            position(from),
                            (to - from) as f64 / duration * 100.0
                        );
                        view! { <div class="critical-section" style=style></div> }
                    })
                    .collect::<Vec<_>>();
                let critical = !stripes.is_empty();
                let error = span.status == StatusCode::Error;
                let matched = move || matches.get().is_some_and(|m| m.contains(&index));
                let logged = logs.as_ref().and_then(|(set, joined)| {
                    let lines: Vec<u32> = joined.0.of_span(index).collect();
                    let errors = lines
                        .iter()
                        .filter(|&&l| set.0.records[l as usize].level.is_error())
                        .count();
                    (!lines.is_empty()).then(|| {
                        let title = format!("{} log line(s), {errors} error(s)", lines.len());
                        let has_errors = errors > 0;
                        view! {
                            <span class="log-marker" class:error=has_errors title=title data-logs=lines.len()>
                                {format!("≡{}", lines.len())}
                            </span>
                        }
                    })
                });
                view! {
                    <div
                        class="span-row"
                        style=row_style
                        class:selected=move || state.selected_span.get() == Some(index)
                        class:error=error
                        class:critical=critical
                        class:match=matched
                        data-testid="span-row"
                        data-span-id=span.span_id.to_string()
                        data-critical=critical.to_string()
                        on:click=move |_| state.selected_span.set(Some(index))
                    >
                        <div class="span-label" style=label_style>
                            <span class="span-name">{strings.get(span.name).to_owned()}</span>
                            <span class="span-service">{service.to_owned()}</span>
                            {logged}
                        </div>
                        <div class="span-track">
                            <div class="span-bar" style=bar_style></div>
                            {stripes}
                        </div>
                        <div class="span-duration">{format_duration(span.duration_ns())}</div>
                    </div>
                }
            })
            .collect::<Vec<_>>();
        Some(views)
    };

    let header = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let duration = trace.duration_ns().max(1) as f64;
        let ticks = (0..=4)
            .map(|i| {
                let style = format!("left:{}%", i * 25);
                let label = format_duration((duration * f64::from(i) / 4.0) as u64);
                view! { <span class="tick" style=style>{label}</span> }
            })
            .collect::<Vec<_>>();
        Some(view! {
            <div class="timeline-header">
                <h2>{format!("Trace {}", trace.trace_id)}</h2>
                <span>{format!("{} spans · {}", trace.spans.len(), format_duration(trace.duration_ns()))}</span>
                <span class="legend"><span class="legend-critical"></span>"critical path"</span>
            </div>
            <div class="find">
                <input type="search" data-testid="span-search" placeholder="Find spans (name, service, attribute value)"
                    prop:value=move || find.get()
                    on:input=move |ev| {
                        current_match.set(0);
                        find.set(event_target_value(&ev));
                    }
                    on:keydown=move |ev| if ev.key() == "Enter" { go_to_match(if ev.shift_key() { -1 } else { 1 }) } />
                <span class="find-count" data-testid="span-search-count">
                    {move || {
                        let count = matches.get().map_or(0, |m| m.len());
                        if find.get().trim().is_empty() { String::new() } else { format!("{count} match{}", if count == 1 { "" } else { "es" }) }
                    }}
                </span>
                <button title="previous match (Shift+Enter)" on:click=move |_| go_to_match(-1)>"↑"</button>
                <button title="next match (Enter)" on:click=move |_| go_to_match(1)>"↓"</button>
            </div>
            {move || state.focus_group.get().map(|group| {
                let count = rows.get().map_or(0, |r| r.0.order.len());
                view! {
                    <div class="focus-group" data-testid="focus-group">
                        {format!("Only the {count} span(s) of {group}")}
                        " "
                        <button on:click=move |_| state.focus_group.set(None)>"show all spans"</button>
                    </div>
                }
            })}
            <div class="ruler">
                <div class="ruler-label"></div>
                <div class="ruler-track">{ticks}</div>
                <div class="ruler-end"></div>
            </div>
        })
    };
    let total_height = move || {
        let rows = rows.get().map_or(0, |r| r.0.order.len());
        format!("height:{}px", rows as f64 * ROW_PX)
    };

    view! {
        <section class="timeline" data-testid="timeline">
            <Show
                when=move || rows.get().is_some()
                fallback=|| view! { <p class="empty">"Open a trace to see its timeline."</p> }
            >
                {header}
            </Show>
            <div class="rows" node_ref=container on:scroll=on_scroll>
                <div class="rows-canvas" style=total_height>{visible_rows}</div>
            </div>
        </section>
    }
}

/// A stable colour per service, so a service looks the same in every view.
pub fn service_colour(service: &str) -> String {
    // FNV-1a: tiny and stable across runs and platforms.
    let hash = service.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("hsl({}, 55%, 55%)", hash % 360)
}
