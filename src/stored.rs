//! The files the user opened, kept in this browser's origin-private file
//! system so that a reload or Back brings them back. They never leave the
//! machine; *forget* removes them. Each file is written once, under a key
//! of its own; the list of keys and names is in `localStorage`, so a kept
//! file keeps the name it was opened with.

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    File, FileSystemDirectoryHandle, FileSystemFileHandle, FileSystemGetFileOptions,
    FileSystemWritableFileStream,
};

use crate::loader::describe;
use crate::saved;
use crate::state::Opened;

/// Bytes written to storage between two frames.
const WRITE_SLICE_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

/// The kept files, one a line: its place in storage, a tab, its name.
const LIST: &str = "tracelens.files";

async fn folder() -> Result<FileSystemDirectoryHandle, String> {
    let window = web_sys::window().ok_or("no window")?;
    let root = JsFuture::from(window.navigator().storage().get_directory())
        .await
        .map_err(describe)?;
    Ok(root.unchecked_into())
}

async fn handle(
    folder: &FileSystemDirectoryHandle,
    name: &str,
    create: bool,
) -> Result<FileSystemFileHandle, JsValue> {
    let options = FileSystemGetFileOptions::new();
    options.set_create(create);
    let handle = JsFuture::from(folder.get_file_handle_with_options(name, &options)).await?;
    Ok(handle.unchecked_into())
}

/// What is kept: `(place in storage, name)` per file, in the order opened.
fn listed() -> Vec<(String, String)> {
    saved::get(LIST)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(key, name)| (key.to_owned(), name.to_owned()))
        .collect()
}

/// Keeps `opened` (and only them) for the next visit: those not kept yet
/// are written, those closed are removed.
pub async fn keep(opened: &mut [Opened]) -> Result<(), String> {
    let folder = folder().await?;
    let before = listed();
    let stamp = js_sys::Date::now() as u64;
    for (place, entry) in opened.iter_mut().enumerate() {
        if entry.kept_as.is_some() {
            continue;
        }
        let key = format!("{stamp}-{place}");
        let handle = handle(&folder, &key, true).await.map_err(describe)?;
        let stream: FileSystemWritableFileStream = JsFuture::from(handle.create_writable())
            .await
            .map_err(describe)?
            .unchecked_into();
        // In slices, a frame each: written whole, a big file held the page
        // (scrolling right after loading a million spans dropped frames)
        // and its bytes sat in the page's memory.
        let size = entry.file.size();
        let mut at = 0.0;
        while at < size {
            let to = (at + WRITE_SLICE_BYTES).min(size);
            let slice = entry
                .file
                .slice_with_f64_and_f64(at, to)
                .map_err(describe)?;
            let written = stream.write_with_blob(&slice).map_err(describe)?;
            JsFuture::from(written).await.map_err(describe)?;
            crate::loader::next_frame().await;
            at = to;
        }
        JsFuture::from(stream.close()).await.map_err(describe)?;
        entry.kept_as = Some(key);
    }
    let list: Vec<String> = opened
        .iter()
        .filter_map(|o| {
            let name = o.file.name().replace(['\n', '\r', '\t'], " ");
            Some(format!("{}\t{name}", o.kept_as.as_ref()?))
        })
        .collect();
    saved::set(LIST, &list.join("\n"));
    for (key, _) in before {
        if !opened.iter().any(|o| o.kept_as.as_deref() == Some(&key)) {
            let _ = JsFuture::from(folder.remove_entry(&key)).await;
        }
    }
    Ok(())
}

/// The files kept from an earlier visit, under the names they had.
pub async fn kept() -> Result<Vec<Opened>, String> {
    let list = listed();
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let folder = folder().await?;
    let mut files = Vec::new();
    for (key, name) in list {
        let handle = handle(&folder, &key, false)
            .await
            .map_err(|e| format!("{name}: no longer stored ({})", describe(e)))?;
        let file: File = JsFuture::from(handle.get_file())
            .await
            .map_err(describe)?
            .unchecked_into();
        // The same bytes under the name the user knows.
        let named = File::new_with_blob_sequence(&Array::of1(&file), &name).map_err(describe)?;
        files.push(Opened {
            file: named,
            kept_as: Some(key),
        });
    }
    Ok(files)
}

/// Removes every kept file.
pub async fn forget() -> Result<(), String> {
    let list = listed();
    saved::set(LIST, "");
    let folder = folder().await?;
    for (key, _) in list {
        let _ = JsFuture::from(folder.remove_entry(&key)).await;
    }
    Ok(())
}
