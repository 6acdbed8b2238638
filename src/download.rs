//! Saving what the page shows: a CSV table, a chart as SVG or PNG. Made in
//! the page and handed to the browser's download, never sent anywhere.

use wasm_bindgen::{JsCast, JsValue};

use crate::loader::describe;

/// Offers `content` as a file named `name`.
pub fn text(name: &str, mime: &str, content: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let result = url_as(name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

/// Offers the resource at `url` (a blob: or data: URL) as a file.
pub fn url_as(name: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not an anchor".to_owned())?;
    anchor.set_href(url);
    anchor.set_download(name);
    anchor.click();
    Ok(())
}

/// Offers what `canvas` shows as a PNG file.
pub fn png(name: &str, canvas: &web_sys::HtmlCanvasElement) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(describe)?;
    url_as(name, &url)
}

/// Offers an SVG document as a file.
pub fn svg(name: &str, svg: Result<String, String>) -> Result<(), String> {
    text(name, "image/svg+xml", &svg?)
}

/// A CSV field: quoted when it holds a comma, quote or line break.
pub fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// A file name from a label: letters, digits, dots and dashes only.
pub fn file_name(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}
