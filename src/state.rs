//! What is loaded and selected: the one place the app's state lives.

use std::sync::Arc;

use leptos::prelude::*;
use tracelens_core::{TraceSet, TraceSummary};

/// A loaded set of traces, with the summaries the list shows.
pub struct Loaded {
    /// Every trace of the loaded inputs.
    pub set: TraceSet,
    /// One summary per trace, in the order of `set.traces`.
    pub summaries: Vec<TraceSummary>,
    /// Where the traces came from, for the header ("2 files", a URL).
    pub source: String,
}

/// The app's signals, provided as context at the top of the tree.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The traces on screen, if any.
    pub loaded: RwSignal<Option<Arc<Loaded>>>,
    /// Index into `loaded.set.traces` of the trace in the timeline.
    pub selected: RwSignal<Option<usize>>,
    /// What is being read right now, for the progress indicator.
    pub loading: RwSignal<Option<String>>,
    /// Inputs that could not be read, one readable line each.
    pub errors: RwSignal<Vec<String>>,
}

impl AppState {
    pub fn new() -> Self {
        Self {
            loaded: RwSignal::new(None),
            selected: RwSignal::new(None),
            loading: RwSignal::new(None),
            errors: RwSignal::new(Vec::new()),
        }
    }

    /// Shows a freshly read set, selecting its first trace.
    pub fn show(&self, set: TraceSet, source: String) {
        let summaries = set
            .traces
            .iter()
            .map(|trace| TraceSummary::of(&set, trace))
            .collect();
        let has_traces = !set.traces.is_empty();
        self.loaded.set(Some(Arc::new(Loaded {
            set,
            summaries,
            source,
        })));
        self.selected.set(has_traces.then_some(0));
    }
}
