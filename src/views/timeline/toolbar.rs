//! Above the rows: what the trace is and where its time goes, find,
//! folding, the group in focus, and the zoom buttons.

use leptos::prelude::*;
use tracelens_core::units::{counted, format_duration};

use super::{Lens, TraceView};

#[component]
pub(super) fn Toolbar(lens: Lens) -> impl IntoView {
    let timeline = move || lens.view.get() == TraceView::Timeline;
    view! {
        <Title lens=lens />
        <ViewTabs lens=lens />
        <Find lens=lens />
        // Folding and zooming are the timeline's.
        <div class="view-body" hidden=move || !timeline()>
            <Folding lens=lens />
            <Zoom lens=lens />
        </div>
    }
}

/// The ways to see the trace, a tab each.
#[component]
fn ViewTabs(lens: Lens) -> impl IntoView {
    let tabs = TraceView::ALL.into_iter().map(|which| {
        let chosen = move || lens.view.get() == which;
        view! {
            <button role="tab" class="view-tab" data-testid="view-tab" data-view=which.id()
                class:active=chosen aria-selected=move || chosen().to_string()
                on:click=move |_| lens.show_view(which)>
                {which.label()}
            </button>
        }
    });
    view! {
        <nav class="view-tabs" role="tablist" aria-label="Ways to see the trace">
            {tabs.collect::<Vec<_>>()}
        </nav>
    }
}

/// The trace's root, service, id, size, start (in the reader's time zone,
/// UTC on hover) and its biggest stage's share of the critical path.
#[component]
fn Title(lens: Lens) -> impl IntoView {
    let state = lens.state;
    move || {
        let loaded = state.loaded.get()?;
        let header = (*lens.header.get()?.0).clone();
        let (started_local, started_utc) = crate::views::local_and_utc(header.start_ns);
        let biggest = move || {
            let analysis = state.analysis.get()?;
            let top = analysis.0.breakdown.first()?;
            Some(format!(
                "{}: {:.1}% of the critical path",
                top.group, top.critical_pct
            ))
        };
        // A partial view: the spans read so far, the critical path to come.
        let (so_far, legend) = match loaded.partial {
            true => (" read so far", "critical path: once all is read"),
            false => ("", "critical path"),
        };
        let size = format!(
            "{}{so_far} · {} · {}",
            counted(header.spans as u64, "span"),
            header.duration,
            counted(header.depth, "level")
        );
        let services = match header.services.len() {
            1 => header.services[0].clone(),
            n => format!("{n} services"),
        };
        let all_services = header.services.join(", ");
        Some(view! {
            <div class="timeline-header">
                <h2 data-testid="trace-title">{header.title}<span class="trace-service">{header.service}</span></h2>
                <span class="trace-id" data-testid="trace-id" title="trace id">{header.trace_id}</span>
                <span>{size}</span>
                <span data-testid="trace-services" title=all_services>{services}</span>
                <time data-testid="trace-start" title=started_utc>{started_local}</time>
                <span class="biggest-stage" data-testid="biggest-stage">{biggest}</span>
                <span class="legend"><span class="legend-critical"></span>{legend}</span>
            </div>
        })
    }
}

/// Find: text, service, attribute, errors, a minimum duration; Enter and
/// Shift+Enter walk the matches.
#[component]
fn Find(lens: Lens) -> impl IntoView {
    let find = lens.find;
    let restart = move || lens.current_match.set(0);
    let services = move || Some(lens.header.get()?.0.services.clone());
    let count = move || {
        if find.form().query().is_none() {
            return String::new();
        }
        let count = lens.matches.get().map_or(0, |m| m.len());
        format!("{count} match{}", if count == 1 { "" } else { "es" })
    };
    view! {
        <div class="find">
            <input type="search" data-testid="span-search" aria-label="Find spans by name, service or attribute value" placeholder="Find spans (name, service, attribute value)  /"
                node_ref=lens.search_box
                prop:value=move || find.text.get()
                on:input=move |ev| { restart(); find.text.set(event_target_value(&ev)); }
                on:keydown=move |ev| match ev.key().as_str() {
                    "Enter" => lens.go_to_match(if ev.shift_key() { -1 } else { 1 }),
                    "Escape" => find.text.set(String::new()),
                    _ => {}
                } />
            <select data-testid="filter-service" aria-label="Only spans of service"
                on:change=move |ev| { restart(); find.service.set(event_target_value(&ev)); }>
                <option value="">"any service"</option>
                {move || services().unwrap_or_default().into_iter().map(|name| {
                    let label = name.clone();
                    view! { <option value=name>{label}</option> }
                }).collect::<Vec<_>>()}
            </select>
            <input type="text" class="attribute-filter" data-testid="filter-attribute" placeholder="attribute[=value]"
                aria-label="Only spans with attribute"
                on:change=move |ev| { restart(); find.attribute.set(event_target_value(&ev)); } />
            <label class="check"><input type="checkbox" data-testid="filter-errors"
                on:change=move |ev| { restart(); find.errors_only.set(event_target_checked(&ev)); } />" errors"</label>
            <input type="number" min="0" step="any" class="min-duration" data-testid="filter-min-ms" placeholder="≥ ms"
                aria-label="Only spans at least this many milliseconds long"
                on:change=move |ev| { restart(); find.min_ms.set(event_target_value(&ev)); } />
            <span class="find-count" data-testid="span-search-count">{count}</span>
            <button title="previous match (Shift+Enter)" on:click=move |_| lens.go_to_match(-1)>"↑"</button>
            <button title="next match (Enter)" on:click=move |_| lens.go_to_match(1)>"↓"</button>
        </div>
    }
}

/// Folding all, none or to a depth; the group in focus, if any.
#[component]
fn Folding(lens: Lens) -> impl IntoView {
    let state = lens.state;
    let focus = move || {
        state.focus_group.get().map(|group| {
            let count = lens.rows.get().map_or(0, |r| r.0.order.len());
            view! {
                <div class="focus-group" data-testid="focus-group">
                    {format!("Only the {count} span(s) of {group}")}
                    " "
                    <button on:click=move |_| state.focus_group.set(None)>"show all spans"</button>
                </div>
            }
        })
    };
    view! {
        <div class="fold">
            <button data-testid="expand-all" on:click=move |_| lens.collapsed.set(Default::default())>"Expand all"</button>
            <button data-testid="collapse-all" on:click=move |_| lens.fold_to_depth(1)>"Collapse all"</button>
            <label>
                "Show depth "
                <select data-testid="collapse-depth" on:change=move |ev| {
                    if let Ok(depth) = event_target_value(&ev).parse::<u32>() { lens.fold_to_depth(depth) }
                }>
                    <option value="">"all"</option>
                    {(1..=8).map(|d| view! { <option value=d.to_string()>{d.to_string()}</option> }).collect::<Vec<_>>()}
                </select>
            </label>
            <button class="help-button" title="Keyboard shortcuts (?)" on:click=move |_| lens.help.update(|o| *o = !*o)>"?"</button>
        </div>
        {focus}
    }
}

/// Zoom in, out, the whole trace, and which part is shown.
#[component]
fn Zoom(lens: Lens) -> impl IntoView {
    let zoom = lens.state.zoom;
    let range = move || {
        let start = lens.rows.get()?.0.start_ns;
        zoom.get().map(|(a, b)| {
            format!(
                "showing +{} to +{}",
                format_duration(a.saturating_sub(start)),
                format_duration(b.saturating_sub(start))
            )
        })
    };
    view! {
        <div class="zoom">
            <button data-testid="zoom-out" title="Zoom out (-)" on:click=move |_| lens.zoom_by(2.0, 0.5)>"−"</button>
            <button data-testid="zoom-in" title="Zoom in (+)" on:click=move |_| lens.zoom_by(0.5, 0.5)>"+"</button>
            <button data-testid="zoom-reset" title="The whole trace (0)" on:click=move |_| zoom.set(None)>"whole trace"</button>
            <span class="muted" data-testid="zoom-range">{range}</span>
            <span class="muted hint">"drag on the ruler or the overview to zoom; Ctrl+wheel zooms, Shift+wheel pans"</span>
        </div>
    }
}
