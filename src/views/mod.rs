//! One file per view. Views render what tracelens-core returns; they hold
//! no trace logic of their own.

pub mod aggregate;
pub mod app;
pub mod breakdown;
pub mod compare;
pub mod logs;
pub mod open_files;
pub mod panes;
pub mod span_detail;
pub mod status;
pub mod tempo_panel;
pub mod timeline;
pub mod trace_list;
