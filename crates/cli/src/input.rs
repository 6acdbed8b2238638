//! Reading trace files, with a progress bar on a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tracelens_core::logs::{LogFields, LogSet};
use tracelens_core::{TraceSet, TraceSetBuilder};

/// Files at least this big get a progress bar even when alone.
const BIG_FILE: u64 = 50 * 1024 * 1024;

/// Reads every file into one set; the first unreadable file is the error,
/// naming the file and, from ingest, the position.
pub fn read_all(files: &[PathBuf]) -> anyhow::Result<TraceSet> {
    let sizes: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .collect();
    let total: u64 = sizes.iter().sum();
    let show = std::io::stderr().is_terminal() && (files.len() > 1 || total >= BIG_FILE);
    let progress = if show {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut builder = TraceSetBuilder::default();
    for (file, size) in files.iter().zip(sizes) {
        progress.set_message(file.display().to_string());
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        builder
            .add(&bytes)
            .with_context(|| file.display().to_string())?;
        progress.inc(size);
    }
    progress.set_message("joining spans into traces");
    let set = builder.finish();
    progress.finish_and_clear();
    Ok(set)
}

/// Reads every log file into one set; a file with no readable line is the
/// error, naming the file.
pub fn read_logs(files: &[PathBuf], fields: &LogFields) -> anyhow::Result<LogSet> {
    let mut logs = LogSet::default();
    for file in files {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        logs.add(&bytes, fields)
            .with_context(|| file.display().to_string())?;
    }
    Ok(logs)
}
