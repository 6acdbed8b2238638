//! The app's views hold no trace logic: nothing under `src/views` reads a
//! trace's spans, attributes, events or links itself. They render what
//! this crate (and core's analyses) return.

use std::path::{Path, PathBuf};

/// What reading a span by hand looks like.
const READS: &[&str] = &[
    ".spans[",
    ".spans.get(",
    ".spans.iter(",
    "span_attributes(",
    "span_events(",
    "span_links(",
    "attributes_in(",
    ".depth_first(",
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn nothing_under_src_views_reads_a_span_itself() {
    let views = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/views");
    let mut files = Vec::new();
    sources(&views, &mut files);
    assert!(files.len() > 10, "the views were not found at {views:?}");
    let mut offending = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(read) = READS.iter().find(|r| line.contains(*r)) {
                offending.push(format!("{}:{}: {read}", file.display(), n + 1));
            }
        }
    }
    assert!(
        offending.is_empty(),
        "views reading spans:\n{}",
        offending.join("\n")
    );
}
