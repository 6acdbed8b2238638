//! One file per view. Views render what tracelens-core returns; they hold
//! no trace logic of their own.

pub mod aggregate;
pub mod app;
pub mod breakdown;
pub mod compare;
pub mod explain;
pub mod logs;
pub mod open_files;
pub mod panes;
pub mod span_detail;
pub mod status;
pub mod tempo_panel;
pub mod timeline;
pub mod trace_list;

/// A moment (Unix ns) as the reader's local date and time, and as UTC for
/// a hover title.
pub fn local_and_utc(unix_ns: u64) -> (String, String) {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ns as f64 / 1e6));
    let local = String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED));
    (local, format!("{} UTC", String::from(date.to_iso_string())))
}
