//! The page: header, the ways in, the trace list and the timeline. Files
//! dropped anywhere on the page are opened.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tracelens_view::url;
use web_sys::{DragEvent, File};

use super::{
    open_files::OpenFiles,
    panes::Panes,
    span_detail::SpanDetail,
    status::{LoadProgress, Status},
    tempo_panel::TempoPanel,
    timeline::Timeline,
    trace_list::TraceList,
};
use crate::address;
use crate::loader;
use crate::state::AppState;

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    let dragging = RwSignal::new(false);
    // Before any chart is drawn, the page takes the chosen theme.
    state.theme.get_untracked().apply();
    Effect::new(move |_| state.theme.get().apply());

    // A Tempo deep link opens its own trace; otherwise `?trace=`, the files
    // kept from the last visit, or the sample (not when `tracelens serve`
    // serves the page: the newest trace it received is opened instead).
    // `?logs=URL` opens log lines beside them (the sample's own by default).
    let served = crate::http::served_origin().is_some();
    match address::param(url::TRACE) {
        Some(url) => spawn_local(async move {
            loader::load_url(state, url).await;
            if let Some(logs) = address::param(url::LOGS) {
                loader::load_logs_url(state, logs).await;
            }
        }),
        None if address::param(url::TEMPO).is_none() => spawn_local(async move {
            if !loader::open_kept(state).await && !served {
                loader::load_sample(state).await;
            }
        }),
        None => {}
    }

    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        let files = ev
            .data_transfer()
            .and_then(|dt| dt.files())
            .map(|list| {
                (0..list.length())
                    .filter_map(|i| list.get(i))
                    .collect::<Vec<File>>()
            })
            .unwrap_or_default();
        spawn_local(loader::open_more(state, files));
    };
    // Back and Forward move through the traces and views opened.
    let moved = window_event_listener(leptos::ev::popstate, move |_| {
        address::drop_rewrite();
        state.address_moved.update(|n| *n += 1);
    });
    on_cleanup(move || moved.remove());

    view! {
        <div
            class="page"
            class:dragging=move || dragging.get()
            on:dragover=move |ev: DragEvent| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
        >
            <header class="header">
                <h1>"tracelens"</h1>
                <p class="tagline">"Where does the time go?"</p>
                <OpenFiles state=state />
                <button class="theme-switch" data-testid="theme"
                    title="Colour theme: system, light or dark"
                    on:click=move |_| state.theme.update(|t| *t = t.next())>
                    {move || format!("Theme: {}", state.theme.get().name())}
                </button>
            </header>
            <TempoPanel state=state />
            <Status state=state />
            <LoadProgress state=state />
            <main class="workspace">
                <TraceList state=state />
                <section class="trace-view">
                    <div class="trace-main">
                        <Timeline state=state />
                        <Panes state=state />
                    </div>
                    <SpanDetail state=state />
                </section>
            </main>
        </div>
    }
}
