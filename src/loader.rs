//! Getting bytes into tracelens-core: picked or dropped files, and `?trace=URL`.

use js_sys::Uint8Array;
use leptos::prelude::Set;
use tracelens_core::TraceSetBuilder;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, Response};

use crate::state::AppState;

/// Reads every file, shows the traces of those that could be read, and
/// reports the others by name.
pub async fn load_files(state: AppState, files: Vec<File>) {
    if files.is_empty() {
        return;
    }
    let source = match files.as_slice() {
        [one] => one.name(),
        many => format!("{} files", many.len()),
    };
    state.errors.set(Vec::new());
    let mut builder = TraceSetBuilder::default();
    let mut errors = Vec::new();
    let mut read_any = false;
    for file in &files {
        state.loading.set(Some(format!(
            "Reading {} ({})…",
            file.name(),
            size(file.size())
        )));
        match read_file(file).await {
            Ok(bytes) => match builder.add(&bytes) {
                Ok(()) => read_any = true,
                Err(error) => errors.push(format!("{}: {error}", file.name())),
            },
            Err(error) => errors.push(format!("{}: cannot be read: {error}", file.name())),
        }
    }
    finish(state, builder, read_any, errors, source);
}

/// Fetches `url` and shows its traces (the `?trace=URL` deep link).
pub async fn load_url(state: AppState, url: String) {
    state.errors.set(Vec::new());
    state.loading.set(Some(format!("Fetching {url}…")));
    let mut builder = TraceSetBuilder::default();
    let mut errors = Vec::new();
    let mut read_any = false;
    match fetch(&url).await {
        Ok(bytes) => match builder.add(&bytes) {
            Ok(()) => read_any = true,
            Err(error) => errors.push(format!("{url}: {error}")),
        },
        Err(error) => errors.push(format!("{url}: {error}")),
    }
    finish(state, builder, read_any, errors, url);
}

/// Shows the traces of several fetched answers (Tempo) as one set; those
/// that cannot be read are reported by name, and a partial answer's
/// warning is kept.
pub fn show_fetched(
    state: AppState,
    answers: Vec<(String, Result<crate::tempo::Fetched, String>)>,
    source: String,
) {
    let mut builder = TraceSetBuilder::default();
    let mut errors = Vec::new();
    let mut read_any = false;
    for (name, answer) in answers {
        let added = answer.and_then(|(bytes, warning)| {
            if let Some(warning) = warning {
                builder.add_warning(format!("{name}: {warning}"));
            }
            builder.add(&bytes).map_err(|e| e.to_string())
        });
        match added {
            Ok(()) => read_any = true,
            Err(error) => errors.push(format!("{name}: {error}")),
        }
    }
    finish(state, builder, read_any, errors, source);
}

fn finish(
    state: AppState,
    builder: TraceSetBuilder,
    read_any: bool,
    errors: Vec<String>,
    source: String,
) {
    if read_any {
        state.show(builder.finish(), source);
    }
    state.errors.set(errors);
    state.loading.set(None);
}

async fn read_file(file: &File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(describe)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("cannot be fetched: {}", describe(e)))?
        .dyn_into()
        .map_err(describe)?;
    if !response.ok() {
        return Err(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        ));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A JavaScript error as one readable line.
pub fn describe(error: JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

fn size(bytes: f64) -> String {
    if bytes >= 1e6 {
        format!("{:.1} MB", bytes / 1e6)
    } else if bytes >= 1e3 {
        format!("{:.1} kB", bytes / 1e3)
    } else {
        format!("{bytes} B")
    }
}
