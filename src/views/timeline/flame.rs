//! The flame graph: the root on top, each span a box under its parent as
//! wide as it lasts, coloured by service, the critical path a dark line on
//! the boxes as on the timeline's bars. Drawn on a canvas from the boxes
//! `tracelens_view::flame` lays out for its width, so a million spans cost
//! what the screen shows. Hover names a box; a click selects its span
//! (everywhere); a double-click or Enter zooms to its subtree, the
//! breadcrumbs lead back.

use leptos::html;
use leptos::prelude::*;
use tracelens_view::detail::{span_facts, span_name};
use tracelens_view::flame::{breadcrumbs, hit, layout, rows, FlameBox};

use super::rows::service_colour;
use super::Lens;

/// Height of a row of boxes, CSS pixels.
const ROW_PX: f64 = 20.0;
/// The tallest canvas drawn (deeper rows are reached by zooming in).
const MOST_ROWS: u32 = 600;
/// Boxes listed in `data-boxes`, for tests and tools (the first ones
/// drawn; a screen holds a few thousand).
const LISTED_BOXES: usize = 20_000;

#[component]
pub(super) fn FlameGraph(lens: Lens) -> impl IntoView {
    let state = lens.state;
    let canvas = NodeRef::<html::Canvas>::new();
    let holder = NodeRef::<html::Div>::new();
    // The subtree on top (`None`: the whole trace); a new trace starts whole.
    let focus = RwSignal::new(None::<u32>);
    Effect::new(move |_| {
        state.selected.track();
        focus.set(None);
    });
    let width = RwSignal::new(800.0);
    let boxes = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let sections = lens.sections.get();
        Some(crate::state::Shared::new(layout(
            trace,
            focus.get(),
            width.get(),
            &sections.0,
            MOST_ROWS,
        )))
    });
    // Drawn whenever the boxes, the selection, find or the theme change.
    Effect::new(move |_| {
        state.theme.track();
        let (Some(canvas), Some(holder)) = (canvas.get(), holder.get()) else {
            return;
        };
        let shown = f64::from(holder.client_width().max(200));
        if (shown - width.get()).abs() > 0.5 {
            width.set(shown);
            return;
        }
        let Some(boxes) = boxes.get() else { return };
        draw(lens, &canvas, &boxes.0, shown, focus.get());
    });
    // A window made wider or narrower lays the boxes out again.
    let resized = window_event_listener(leptos::ev::resize, move |_| {
        if let Some(holder) = holder.get_untracked() {
            width.set(f64::from(holder.client_width().max(200)));
        }
    });
    on_cleanup(move || resized.remove());
    let hovered = RwSignal::new(None::<(u32, i32, i32)>);
    let at = move |ev: &web_sys::MouseEvent| -> Option<u32> {
        let boxes = boxes.get_untracked()?;
        let row = (f64::from(ev.offset_y()) / ROW_PX) as u32;
        hit(&boxes.0, f64::from(ev.offset_x()), row)
    };
    let zoom_to = move |span: Option<u32>| {
        focus.set(span);
        hovered.set(None);
    };
    let tooltip = move || {
        let (span, x, y) = hovered.get()?;
        let loaded = state.loaded.get()?;
        let t = state.selected.get()?;
        let times = state.analysis.get().map(|a| {
            let i = span as usize;
            (a.0.self_times[i], a.0.critical_times[i])
        });
        let facts = span_facts(&loaded.set, t, span, times)?;
        let fact = |term: &str| {
            facts
                .facts
                .iter()
                .find(|(t, _)| *t == term)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Some(view! {
            <div class="chart-tooltip" data-testid="flame-tooltip" role="tooltip"
                style=format!("left:{}px;top:{}px", x + 12, y + 12)>
                <strong>{facts.name.clone()}</strong>" "<span class="muted">{fact("Service")}</span>
                <br />{format!("{} · self {} · critical {}", fact("Duration"), fact("Self time"), fact("Critical time"))}
            </div>
        })
    };
    let failed = RwSignal::new(None::<String>);
    let save = move |_| {
        let (Some(canvas), Some(loaded), Some(t)) = (
            canvas.get_untracked(),
            state.loaded.get_untracked(),
            state.selected.get_untracked(),
        ) else {
            return;
        };
        let name = format!("tracelens-{}-flame.png", loaded.set.traces[t].trace_id);
        failed.set(crate::download::png(&name, &canvas).err());
    };
    view! {
        <div class="flame-view">
            <div class="spans-actions">
                <Crumbs lens=lens focus=focus />
                <button data-testid="flame-png" on:click=save>"Save PNG"</button>
                {move || failed.get().map(|e| view! { <span class="error" role="alert">{e}</span> })}
            </div>
            <div class="flame-holder with-tooltip" node_ref=holder>
                <canvas data-testid="flamegraph" node_ref=canvas tabindex="0"
                    aria-label="Flame graph: each span a box under its parent, as wide as it lasts; click selects, double-click or Enter zooms in"
                    on:mousemove=move |ev| {
                        let now = at(&ev).map(|s| (s, ev.offset_x(), ev.offset_y()));
                        if now != hovered.get_untracked() { hovered.set(now) }
                    }
                    on:mouseleave=move |_| hovered.set(None)
                    on:click=move |ev| if let Some(span) = at(&ev) { state.selected_span.set(Some(span)) }
                    on:dblclick=move |ev| if let Some(span) = at(&ev) { zoom_to(Some(span)) }
                    on:keydown=move |ev| if ev.key() == "Enter" {
                        if let Some(span) = state.selected_span.get_untracked() { zoom_to(Some(span)) }
                    }>
                </canvas>
                {tooltip}
            </div>
            <Legend lens=lens />
        </div>
    }
}

/// The way back from a zoomed subtree: the trace, then each ancestor.
#[component]
fn Crumbs(lens: Lens, focus: RwSignal<Option<u32>>) -> impl IntoView {
    let state = lens.state;
    let crumbs = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let path = breadcrumbs(&loaded.set, trace, focus.get()?);
        let items = path.into_iter().map(|(span, name)| {
            view! { <li><button data-testid="flame-crumb" on:click=move |_| focus.set(Some(span))>{name}</button></li> }
        });
        Some(items.collect::<Vec<_>>())
    };
    view! {
        <nav class="flame-crumbs" aria-label="Zoomed subtree">
            <ol>
                <li><button data-testid="flame-crumb" on:click=move |_| focus.set(None)>"whole trace"</button></li>
                {crumbs}
            </ol>
        </nav>
    }
}

/// The services and their colours.
#[component]
fn Legend(lens: Lens) -> impl IntoView {
    let services = move || {
        let header = lens.header.get()?;
        let items = header.0.services.clone().into_iter().map(|service| {
            let swatch = format!("background:{}", service_colour(&service));
            view! { <li><span class="swatch" style=swatch></span>{service}</li> }
        });
        Some(items.collect::<Vec<_>>())
    };
    view! {
        <ul class="flame-legend" aria-label="Services">
            {services}
            <li><span class="legend-critical"></span>"critical path"</li>
        </ul>
    }
}

/// Draws `boxes` on `canvas`, `width` CSS pixels wide, and says where each
/// span's box is (`data-boxes`, for tests and tools).
fn draw(
    lens: Lens,
    canvas: &web_sys::HtmlCanvasElement,
    boxes: &[FlameBox],
    width: f64,
    focus: Option<u32>,
) {
    let state = lens.state;
    let (Some(loaded), Some(t)) = (state.loaded.get(), state.selected.get()) else {
        return;
    };
    let Some(trace) = loaded.set.traces.get(t) else {
        return;
    };
    let shown_rows = rows(trace, focus).min(MOST_ROWS);
    let height = f64::from(shown_rows.max(1)) * ROW_PX;
    let ratio = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    canvas.set_width((width * ratio) as u32);
    canvas.set_height((height * ratio) as u32);
    let _ = canvas.set_attribute("style", &format!("width:{width}px;height:{height}px"));
    let Some(context) = crate::charts::context_2d(canvas) else {
        return;
    };
    let _ = context.scale(ratio, ratio);
    context.clear_rect(0.0, 0.0, width, height);
    let palette = crate::charts::current_palette();
    let ink = |c: plotters::style::RGBColor| format!("rgb({},{},{})", c.0, c.1, c.2);
    let selected = state.selected_span.get();
    let highlighted = lens.highlighted.get();
    context.set_font("11px system-ui, sans-serif");
    context.set_text_baseline("middle");
    let mut placed = Vec::new();
    // A colour per service, worked out once (not once per box).
    let mut colours: std::collections::HashMap<&str, String> = std::collections::HashMap::new();
    for b in boxes.iter().filter(|b| b.row < shown_rows) {
        let y = f64::from(b.row) * ROW_PX;
        let fill = match b.span {
            Some(span) if b.spans == 1 => {
                let service = tracelens_view::detail::span_service(&loaded.set, trace, span);
                colours
                    .entry(service)
                    .or_insert_with(|| service_colour(service))
                    .clone()
            }
            _ => ink(palette.bar),
        };
        // A span that find or the group does not pick is drawn faint.
        let faint = match (&highlighted, b.span) {
            (Some(set), Some(span)) => !set.0.contains(&span),
            (Some(_), None) => true,
            _ => false,
        };
        context.set_global_alpha(if faint { 0.3 } else { 1.0 });
        context.set_fill_style_str(&fill);
        context.fill_rect(b.x, y + 1.0, (b.width - 0.5).max(0.5), ROW_PX - 2.0);
        // The timeline's mark: a dark line with a light edge, which no
        // service colour or error hides.
        for &(x, w) in &b.critical {
            context.set_fill_style_str("#fff");
            context.fill_rect(x, y + ROW_PX - 7.0, w.max(1.0), 5.0);
            context.set_fill_style_str("#121214");
            context.fill_rect(x, y + ROW_PX - 6.0, w.max(1.0), 3.0);
        }
        context.set_global_alpha(1.0);
        if let (Some(span), true) = (b.span, b.spans == 1) {
            if b.width > 30.0 {
                let name = span_name(&loaded.set, trace, span);
                let fits = ((b.width - 6.0) / 6.2) as usize;
                let text: String = match name.chars().count() > fits {
                    true => name
                        .chars()
                        .take(fits.saturating_sub(1))
                        .chain(['…'])
                        .collect(),
                    false => name.to_owned(),
                };
                context.set_fill_style_str("#111");
                let _ = context.fill_text(&text, b.x + 3.0, y + ROW_PX / 2.0 - 1.0);
            }
            if Some(span) == selected {
                context.set_stroke_style_str(&ink(palette.text));
                context.set_line_width(2.0);
                context.stroke_rect(b.x + 1.0, y + 1.0, (b.width - 2.0).max(1.0), ROW_PX - 2.0);
            }
            if placed.len() >= LISTED_BOXES {
                continue;
            }
            let id = tracelens_view::detail::span_id(trace, span).unwrap_or_default();
            placed.push(format!(
                "{{\"span\":\"{id}\",\"x\":{:.1},\"y\":{y:.1},\"width\":{:.1},\"critical\":{}}}",
                b.x,
                b.width,
                !b.critical.is_empty()
            ));
        }
    }
    let _ = canvas.set_attribute("data-boxes", &format!("[{}]", placed.join(",")));
}
