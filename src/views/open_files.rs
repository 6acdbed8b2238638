//! The file picker and the drop zone.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::loader;
use crate::state::AppState;

#[component]
pub fn OpenFiles(state: AppState) -> impl IntoView {
    let on_change = move |ev| {
        let input: HtmlInputElement = event_target(&ev);
        let files = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        // Let the same file be picked again after it changed on disk.
        input.set_value("");
        spawn_local(loader::load_files(state, files));
    };
    view! {
        <div class="drop-zone" data-testid="drop-zone">
            <span>"Drop OpenTelemetry trace files anywhere, or "</span>
            <label class="button">
                "choose files…"
                <input type="file" multiple data-testid="file-input" on:change=on_change />
            </label>
            <span class="hint">"OTLP JSON, JSON Lines or protobuf, Tempo, Jaeger, Zipkin; gzip or zstd"</span>
        </div>
    }
}
