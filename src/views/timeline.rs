//! A first timeline: one row per span in tree order, bars on a shared time
//! axis, the critical path drawn on the bars. Rows beyond `MAX_ROWS` are
//! not drawn yet (virtualised rows come with the full timeline, issue #7).

use leptos::prelude::*;
use tracelens_core::units::format_duration;
use tracelens_core::StatusCode;

use crate::state::AppState;

/// Rows drawn at most; the rest of a huge trace is summarised.
const MAX_ROWS: usize = 2_000;
/// Indentation per tree level, in pixels.
const INDENT_PX: u32 = 14;

#[component]
pub fn Timeline(state: AppState) -> impl IntoView {
    let content = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let analysis = state.analysis.get()?;
        let strings = &loaded.set.strings;
        let start = trace.start_ns();
        let duration = trace.duration_ns().max(1) as f64;
        let position = |ns: u64| (ns - start) as f64 / duration * 100.0;

        // The critical sections of each span, as bar-relative stripes.
        let mut sections: Vec<Vec<(u64, u64)>> = vec![Vec::new(); trace.spans.len()];
        for section in &analysis.0.critical_path {
            sections[section.span as usize].push((section.start_ns, section.end_ns));
        }

        let order = trace.depth_first();
        let hidden = order.len().saturating_sub(MAX_ROWS);
        let rows = order
            .into_iter()
            .take(MAX_ROWS)
            .map(|index| {
                let span = &trace.spans[index as usize];
                let left = position(span.start_ns);
                let width = span.duration_ns() as f64 / duration * 100.0;
                let service = strings.get(span.service);
                let bar_style = format!(
                    "left:{left:.4}%;width:max({width:.4}%, 1px);background:{}",
                    service_colour(service)
                );
                let label_style = format!("padding-left:{}px", span.depth * INDENT_PX);
                let stripes = sections[index as usize]
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
                view! {
                    <div
                        class="span-row"
                        class:selected=move || state.selected_span.get() == Some(index)
                        class:error=error
                        class:critical=critical
                        data-testid="span-row"
                        data-span-id=span.span_id.to_string()
                        data-critical=critical.to_string()
                        on:click=move |_| state.selected_span.set(Some(index))
                    >
                        <div class="span-label" style=label_style>
                            <span class="span-name">{strings.get(span.name).to_owned()}</span>
                            <span class="span-service">{service.to_owned()}</span>
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
            <div class="ruler">
                <div class="ruler-label"></div>
                <div class="ruler-track">{ticks}</div>
                <div class="ruler-end"></div>
            </div>
            <div class="rows">{rows}</div>
            {(hidden > 0).then(|| view! {
                <p class="rows-hidden">{format!("{hidden} more spans are not drawn in this first timeline.")}</p>
            })}
        })
    };
    view! {
        <section class="timeline" data-testid="timeline">
            {move || match content() {
                Some(timeline) => timeline.into_any(),
                None => view! { <p class="empty">"Open a trace to see its timeline."</p> }.into_any(),
            }}
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
