//! The address bar: the page's query string read, and rewritten without a
//! new history entry. What goes in it is `tracelens_view::url`'s.

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
        replace(&query);
    }
}

/// Replaces the whole query string with `pairs`.
pub fn replace_all(pairs: &[(&str, &str)]) {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    replace(&url::encode(&pairs));
}

fn replace(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let address = match query.is_empty() {
        true => window.location().pathname().unwrap_or_default(),
        false => format!("?{query}"),
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
}
