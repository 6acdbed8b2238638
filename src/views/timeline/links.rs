//! The view in the address bar: the selected span, the find text, the
//! group in focus and the window are written there once changes pause;
//! a link's span and window are opened once its trace is loaded.

use leptos::prelude::*;
use tracelens_view::detail::span_id;
use tracelens_view::spans::find_span;
use tracelens_view::url;

use super::{latest_after, Lens};
use crate::address;

/// How long the view must stay unchanged before the address is rewritten
/// (each write costs milliseconds, and zooming or moving through spans
/// changes it on every step).
const URL_PAUSE: std::time::Duration = std::time::Duration::from_millis(150);

/// Keeps the address bar and the view in step.
pub(super) fn keep(lens: Lens) {
    let state = lens.state;
    let url_writes = StoredValue::new(0u64);
    Effect::new(move |_| {
        let span = state.selected_span.get().and_then(|index| {
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            span_id(trace, index)
        });
        let find = lens.find.text.get();
        let zoom = state.zoom.get();
        let params = [
            (url::SPAN, span),
            (url::FIND, Some(find).filter(|f| !f.trim().is_empty())),
            (url::GROUP, state.focus_group.get()),
            (url::ZOOM, lens.bounds().and_then(|b| b.to_param(zoom))),
        ];
        latest_after(url_writes, URL_PAUSE, move || address::set_params(&params));
    });
    // A link with `span=` opens that span once its trace is loaded.
    let wanted = StoredValue::new(address::param(url::SPAN));
    Effect::new(move |_| {
        let Some(loaded) = state.loaded.get() else {
            return;
        };
        let Some(id) = wanted.get_value() else { return };
        if let Some((trace, span)) = find_span(&loaded.set, &id) {
            wanted.set_value(None);
            if state.selected.get_untracked() != Some(trace) {
                state.select_trace(trace);
            }
            state.selected_span.set(Some(span));
            request_animation_frame(move || lens.reveal(span));
        }
    });
    // A link's `zoom=FROM-TO` (ns after the trace's start), once the
    // link's span (if any) has been opened.
    let wanted_zoom = StoredValue::new(address::param(url::ZOOM));
    Effect::new(move |_| {
        if lens.rows.get().is_none() || wanted.get_value().is_some() {
            return;
        }
        if let Some(text) = wanted_zoom.get_value() {
            wanted_zoom.set_value(None);
            if let Some(window) = lens.bounds().and_then(|b| b.from_param(&text)) {
                state.zoom.set(window);
            }
        }
    });
}
