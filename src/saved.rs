//! Small choices remembered in this browser (`localStorage`): the theme,
//! the width of the timeline's name column. Nothing leaves the machine.

/// The value saved under `key`, if any.
pub fn get(key: &str) -> Option<String> {
    web_sys::window()?
        .local_storage()
        .ok()
        .flatten()?
        .get_item(key)
        .ok()
        .flatten()
}

/// Saves `value` under `key` (silently not, where storage is off).
pub fn set(key: &str, value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}
