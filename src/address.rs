//! The address bar: the page's query string read, and rewritten in place
//! or (for a step Back should undo) in a new history entry. What goes in it is `tracelens_view::url`'s.
//!
//! A rewrite in place is made after the next paint: `history.replaceState`
//! took from under a millisecond to 15 ms in headless Chromium (a 10k-span
//! file's frame), and the address is not part of what that frame shows.
//! Until then the address as it will be is what [`param`] reads; a new
//! history entry first makes the rewrite waiting, and a step Back or
//! Forward drops it ([`drop_rewrite`]): it describes the entry left.

use std::cell::RefCell;

use tracelens_view::url;

thread_local! {
    /// The query string a rewrite in place not made yet will write.
    static REWRITE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// The query string as it is or, with a rewrite waiting, will be.
fn search() -> Option<String> {
    if let Some(query) = REWRITE.with_borrow(Clone::clone) {
        return Some(query);
    }
    web_sys::window()?.location().search().ok()
}

/// A parameter of the page's address, if set and not blank.
pub fn param(name: &str) -> Option<String> {
    url::get(&search()?, name)
}

/// Sets (or, for `None`, removes) parameters, keeping the others.
pub fn set_params(changes: &[(&str, Option<String>)]) {
    if let Some(query) = changed(changes) {
        rewrite_after_paint(query);
    }
}

/// Sets parameters as [`set_params`] does, in a new history entry: Back
/// returns to the view before.
pub fn push_params(changes: &[(&str, Option<String>)]) {
    if let Some(query) = changed(changes) {
        rewrite_now();
        write(&query, true);
    }
}

/// The query string with `changes` made, if that changes it.
fn changed(changes: &[(&str, Option<String>)]) -> Option<String> {
    let search = search()?;
    let query = url::with(&search, changes);
    (query != search.trim_start_matches('?')).then_some(query)
}

/// Replaces the whole query string with `pairs`.
pub fn replace_all(pairs: &[(&str, &str)]) {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    rewrite_after_paint(url::encode(&pairs));
}

/// Rewrites the address in place with `query` after the next paint (the
/// last such `query` before it is written).
fn rewrite_after_paint(query: String) {
    let waiting = REWRITE.with_borrow_mut(|rewrite| rewrite.replace(query).is_some());
    if !waiting {
        leptos::prelude::request_animation_frame(|| {
            leptos::prelude::set_timeout(rewrite_now, std::time::Duration::ZERO)
        });
    }
}

/// Makes the rewrite in place that is waiting, if any.
fn rewrite_now() {
    if let Some(query) = REWRITE.with_borrow_mut(Option::take) {
        write(&query, false);
    }
}

/// Drops the rewrite in place that is waiting: the page moved to another
/// history entry (Back, Forward), which it does not describe.
pub fn drop_rewrite() {
    REWRITE.with_borrow_mut(|rewrite| *rewrite = None);
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
