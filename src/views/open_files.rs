//! The file picker and the drop zone, and the files opened: each can be
//! closed, or all forgotten. Opened files are kept in this browser only,
//! so a reload or Back brings them back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::HtmlInputElement;

use crate::loader;
use crate::state::AppState;

/// The formats the page reads, as the drop zone names them.
const FORMATS: &str = "OTLP JSON, JSON Lines or protobuf, Tempo, Jaeger, Zipkin; gzip or zstd";

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
        spawn_local(loader::open_more(state, files));
    };
    view! {
        <div class="drop-zone" data-testid="drop-zone">
            <span>{move || match state.opened.with(Vec::is_empty) {
                true => "Drop OpenTelemetry trace files anywhere, or ",
                false => "Drop more files to add them, or ",
            }}</span>
            <label class="button">
                "choose files…"
                <input type="file" multiple data-testid="file-input" on:change=on_change />
            </label>
            // The formats, until files are open (their names then take
            // the room, and the header stays on one line).
            <Show when=move || state.opened.with(Vec::is_empty)>
                <span class="hint" title=FORMATS>{FORMATS}</span>
            </Show>
            <OpenedFiles state=state />
        </div>
    }
}

/// The files opened, each with a button that closes it, and one that
/// forgets them all.
#[component]
fn OpenedFiles(state: AppState) -> impl IntoView {
    let files = move || {
        state.opened.with(|opened| {
            opened
                .iter()
                .enumerate()
                .map(|(place, o)| {
                    let name = o.file.name();
                    let label = format!("Close {name}");
                    view! {
                        <li class="opened-file" data-testid="opened-file">
                            <span>{name}</span>
                            <button class="close" data-testid="close-file" title=label.clone() aria-label=label
                                on:click=move |_| spawn_local(loader::close_file(state, place))>
                                <svg class="icon" viewBox="0 0 16 16" width="10" height="10" aria-hidden="true">
                                    <path d="M3 3l10 10M13 3L3 13" stroke="currentColor" stroke-width="1.6" />
                                </svg>
                            </button>
                        </li>
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Show when=move || state.opened.with(|o| !o.is_empty())>
            <ul class="opened-files" data-testid="opened-files"
                title="Kept in this browser only, so that a reload brings them back">
                {files}
            </ul>
            <button data-testid="forget-files" title="Close every file and remove them from this browser's storage"
                on:click=move |_| spawn_local(loader::forget_all(state))>
                "Forget all"
            </button>
        </Show>
    }
}
