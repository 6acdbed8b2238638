//! The keyboard: moving through the rows, folding, find, zoom, and the
//! list of keys (`?`).

use leptos::prelude::*;
use tracelens_view::rows::Move;
use wasm_bindgen::JsCast;

use super::Lens;

/// Listens to the keys while the timeline is on the page.
pub(super) fn listen(lens: Lens) {
    let state = lens.state;
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let Some(rows) = lens.rows.get_untracked() else {
            return;
        };
        let selected = state.selected_span.get_untracked();
        let step = |step: Move| {
            if let Some(span) = rows.0.moved(selected, step) {
                lens.select(span);
            }
        };
        match ev.key().as_str() {
            "j" | "ArrowDown" => step(Move::Next),
            "k" | "ArrowUp" => step(Move::Previous),
            "Home" => step(Move::First),
            "End" => step(Move::Last),
            "[" | "ArrowLeft" => {
                if let Some(span) = selected {
                    lens.toggle(span, Some(true));
                }
            }
            "]" | "ArrowRight" => {
                if let Some(span) = selected {
                    lens.toggle(span, Some(false));
                }
            }
            "Enter" => {
                if let Some(span) = selected {
                    lens.reveal(span);
                    if let Some(detail) = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.query_selector("[data-testid=span-detail]").ok().flatten())
                    {
                        detail.scroll_into_view();
                    }
                }
            }
            "/" => {
                if let Some(input) = lens.search_box.get_untracked() {
                    let _ = input.focus();
                }
            }
            "?" => lens.help.update(|open| *open = !*open),
            "+" | "=" => lens.zoom_by(0.5, 0.5),
            "-" => lens.zoom_by(2.0, 0.5),
            "0" => state.zoom.set(None),
            "Escape" => {
                if lens.help.get_untracked() {
                    lens.help.set(false);
                } else {
                    state.selected_span.set(None);
                }
            }
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());
}

/// The list of keys, while `?` has it open.
#[component]
pub(super) fn Shortcuts(lens: Lens) -> impl IntoView {
    let help = lens.help;
    view! {
        <Show when=move || help.get()>
            <div class="shortcuts" data-testid="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                <h3>"Keyboard"</h3>
                <dl>
                    <dt>"j / ↓, k / ↑"</dt><dd>"next, previous span"</dd>
                    <dt>"Home, End"</dt><dd>"first, last span"</dd>
                    <dt>"[ / ←, ] / →"</dt><dd>"collapse, expand the span's subtree"</dd>
                    <dt>"Enter"</dt><dd>"show the span's details"</dd>
                    <dt>"/"</dt><dd>"find spans; Enter, Shift+Enter walk the matches"</dd>
                    <dt>"+, −, 0"</dt><dd>"zoom in, out, whole trace (or drag on the ruler; Ctrl+wheel; Shift+wheel pans)"</dd>
                    <dt>"Esc"</dt><dd>"close this, or deselect"</dd>
                    <dt>"?"</dt><dd>"this list"</dd>
                </dl>
                <button on:click=move |_| help.set(false)>"Close"</button>
            </div>
        </Show>
    }
}
