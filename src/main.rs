//! The tracelens web app: UI only. Every number it shows comes from
//! tracelens-core; this crate decides only how it looks.

mod address;
mod charts;
mod download;
mod http;
mod loader;
mod loki;
mod paint;
mod saved;
mod slices;
mod state;
mod stored;
mod tempo;
mod views;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(views::app::App);
    // The worker that reads big files, ready before one is opened.
    slices::warm_up();
}
