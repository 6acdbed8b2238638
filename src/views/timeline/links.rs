//! The view in the address bar: the selected span, the find text, the
//! group in focus and the window are written there once changes pause;
//! a link's span and window are opened once its trace is loaded, and so
//! are those of the entry Back or Forward returns to.

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
            span_id(loaded.set.traces.get(state.selected.get()?)?, index)
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
    // What the address asks for and is not on screen yet: from the link
    // the page was opened with, then from each step Back or Forward.
    let wanted = RwSignal::new(address::param(url::SPAN));
    let wanted_zoom = RwSignal::new(address::param(url::ZOOM));
    Effect::new(move |first: Option<()>| {
        state.address_moved.track();
        if first.is_none() {
            return;
        }
        // The pending rewrite describes the entry just left: dropped.
        url_writes.update_value(|n| *n += 1);
        follow_address(lens);
        wanted.set(address::param(url::SPAN));
        wanted_zoom.set(address::param(url::ZOOM));
    });
    Effect::new(move |_| {
        let Some(loaded) = state.loaded.get() else {
            return;
        };
        let Some(id) = wanted.get() else { return };
        if let Some((trace, span)) = find_span(&loaded.set, &id) {
            wanted.set(None);
            if state.selected.get_untracked() != Some(trace) {
                state.show_trace(trace);
                let id = loaded.set.traces[trace].trace_id.to_string();
                address::set_params(&[(url::SELECTED, Some(id))]);
            }
            state.selected_span.set(Some(span));
            request_animation_frame(move || lens.reveal(span));
        }
    });
    // A link's `zoom=FROM-TO` (ns after the trace's start), once the
    // link's span (if any) has been opened.
    Effect::new(move |_| {
        if lens.rows.get().is_none() || wanted.get().is_some() {
            return;
        }
        if let Some(text) = wanted_zoom.get() {
            wanted_zoom.set(None);
            if let Some(window) = lens.bounds().and_then(|b| b.from_param(&text)) {
                state.zoom.set(window);
            }
        }
    });
}

/// After Back or Forward: the trace, find text and group the address
/// names (the span and window follow once the trace is on screen).
fn follow_address(lens: Lens) {
    let state = lens.state;
    let named = address::param(url::SELECTED).and_then(|id| {
        state.loaded.with_untracked(|l| {
            l.as_ref()?
                .set
                .traces
                .iter()
                .position(|t| t.trace_id.to_string() == id)
        })
    });
    match named {
        Some(trace) if state.selected.get_untracked() != Some(trace) => state.show_trace(trace),
        _ => {
            state.selected_span.set(None);
            state.zoom.set(None);
        }
    }
    lens.find
        .text
        .set(address::param(url::FIND).unwrap_or_default());
    state.focus_group.set(address::param(url::GROUP));
}
