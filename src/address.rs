//! The address bar: the page's query string read, and rewritten in place
//! or (for a step Back should undo) in a new history entry. What goes in it is `tracelens_view::url`'s.

use tracelens_view::url;

fn search() -> Option<String> {
    web_sys::window()?.location().search().ok()
}

/// A parameter of the page's address, if set and not blank.
pub fn param(name: &str) -> Option<String> {
    url::get(&search()?, name)
}

/// Sets (or, for `None`, removes) parameters, keeping the others.
pub fn set_params(changes: &[(&str, Option<String>)]) {
    let Some(search) = search() else {
        return;
    };
    let query = url::with(&search, changes);
    if query != search.trim_start_matches('?') {
        write(&query, false);
    }
}

/// Sets parameters as [`set_params`] does, in a new history entry: Back
/// returns to the view before.
pub fn push_params(changes: &[(&str, Option<String>)]) {
    let Some(search) = search() else {
        return;
    };
    let query = url::with(&search, changes);
    if query != search.trim_start_matches('?') {
        write(&query, true);
    }
}

/// Replaces the whole query string with `pairs`.
pub fn replace_all(pairs: &[(&str, &str)]) {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    write(&url::encode(&pairs), false);
}

/// Puts `query` in the address bar, in a new history entry if `push`.
fn write(query: &str, push: bool) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let address = match query.is_empty() {
        true => window.location().pathname().unwrap_or_default(),
        false => format!("?{query}"),
    };
    if let Ok(history) = window.history() {
        let state = wasm_bindgen::JsValue::NULL;
        let _ = match push {
            true => history.push_state_with_url(&state, "", Some(&address)),
            false => history.replace_state_with_url(&state, "", Some(&address)),
        };
    }
}
