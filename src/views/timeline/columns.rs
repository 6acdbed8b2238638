//! The divider between the span names and the bars: dragged (or moved
//! with the arrow keys) it sets the name column's width, remembered in
//! this browser.

use leptos::ev;
use leptos::prelude::*;

use super::Lens;
use crate::saved;

const KEY: &str = "tracelens.nameColumn";
/// The narrowest and widest the name column may be, in pixels.
const NARROWEST: f64 = 120.0;
const WIDEST: f64 = 900.0;
/// How far one arrow key moves the divider.
const STEP: f64 = 16.0;

/// The width saved in this browser, if the user ever dragged it.
pub(super) fn saved_width() -> Option<f64> {
    saved::get(KEY)?.parse().ok().map(clamp)
}

fn clamp(width: f64) -> f64 {
    width.clamp(NARROWEST, WIDEST)
}

/// The style that gives the rows, ruler and overview the column width.
pub(super) fn style(lens: Lens) -> Option<String> {
    lens.name_width
        .get()
        .map(|width| format!("--name-col:{width:.0}px"))
}

#[component]
pub(super) fn Divider(lens: Lens) -> impl IntoView {
    let width = lens.name_width;
    let set = move |to: f64| {
        let to = clamp(to);
        width.set(Some(to));
        saved::set(KEY, &format!("{to:.0}"));
    };
    let label = NodeRef::<leptos::html::Div>::new();
    // The window's listeners of the drag under way, removed when it ends.
    let listening = StoredValue::new_local(Vec::<WindowListenerHandle>::new());
    let stop = move || listening.update_value(|handles| handles.drain(..).for_each(|h| h.remove()));
    let start_drag = move |ev: ev::MouseEvent| {
        ev.prevent_default();
        let Some(cell) = label.get_untracked() else {
            return;
        };
        stop();
        // The column's left edge stays put; the pointer gives the width.
        let left = cell.get_bounding_client_rect().left();
        let moving = window_event_listener(ev::mousemove, move |ev| {
            set(f64::from(ev.client_x()) - left);
        });
        let up = window_event_listener(ev::mouseup, move |_| stop());
        listening.update_value(|handles| handles.extend([moving, up]));
    };
    on_cleanup(stop);
    let current = move || {
        width.get().unwrap_or_else(|| {
            label
                .get()
                .map_or(NARROWEST, |cell| cell.get_bounding_client_rect().width())
        })
    };
    view! {
        <div class="ruler-label" node_ref=label>
            <div class="column-divider" data-testid="name-divider" role="separator"
                tabindex="0" aria-orientation="vertical" aria-label="Width of the span names"
                aria-valuemin=NARROWEST aria-valuemax=WIDEST
                aria-valuenow=move || format!("{:.0}", current())
                title="Drag to widen the names (← → when focused); double-click to reset"
                on:mousedown=start_drag
                on:dblclick=move |_| { width.set(None); saved::set(KEY, ""); }
                on:keydown=move |ev| {
                    let step = match ev.key().as_str() {
                        "ArrowLeft" => -STEP,
                        "ArrowRight" => STEP,
                        _ => return,
                    };
                    // The timeline's own keys move through rows: not these.
                    ev.prevent_default();
                    ev.stop_propagation();
                    set(current() + step);
                }>
            </div>
        </div>
    }
}
