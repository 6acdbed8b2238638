//! What is loaded and selected: the one place the app's state lives.

use std::sync::Arc;

use leptos::prelude::*;
use tracelens_core::analysis::breakdown::{analyze, GroupBy, TraceAnalysis};
use tracelens_core::logs::{LogSet, TraceLogs};
use tracelens_core::{TraceSet, TraceSummary};
use tracelens_view::spans::same_place;
use tracelens_view::url;

use crate::address;

/// A loaded set of traces, with the summaries the list shows.
pub struct Loaded {
    /// Every trace of the loaded inputs.
    pub set: TraceSet,
    /// One summary per trace, in the order of `set.traces`.
    pub summaries: Vec<TraceSummary>,
    /// Where the traces came from, for the header ("2 files", a URL).
    pub source: String,
    /// The files read, when there were several.
    pub files: Vec<String>,
    /// Per trace, the index in `files` of the file its first spans came from.
    pub file_of: Vec<Option<u32>>,
    /// The analysis of the first trace by the grouping it was made for,
    /// computed before the set was shown: a big trace's analysis then gets
    /// its own frame instead of adding to the first render's.
    pub prepared: Option<(GroupBy, Analysis)>,
    /// Only the spans read so far of an input still being read: the
    /// timeline shows them, and what needs every span (critical path,
    /// breakdown, warnings of joining) waits for the whole input.
    pub partial: bool,
}

/// A computed value shared by signals, compared by identity: a new value
/// is a new computation, and comparing contents would cost as much as
/// computing them.
pub struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Self {
        Self(Arc::new(value))
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The analysis of the selected trace.
pub type Analysis = Shared<TraceAnalysis>;

/// The app's signals, provided as context at the top of the tree.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The traces on screen, if any.
    pub loaded: RwSignal<Option<Arc<Loaded>>>,
    /// Index into `loaded.set.traces` of the trace in the timeline.
    pub selected: RwSignal<Option<usize>>,
    /// Index into the selected trace's spans of the span in the detail panel.
    pub selected_span: RwSignal<Option<u32>>,
    /// How the breakdown groups spans.
    pub group_by: RwSignal<GroupBy>,
    /// Critical path and shares of the selected trace.
    pub analysis: Memo<Option<Analysis>>,
    /// What is being read right now, for the progress indicator.
    pub loading: RwSignal<Option<String>>,
    /// How far the current read is, from 0 to 1, when that is known.
    pub progress: RwSignal<Option<f64>>,
    /// Inputs that could not be read, one readable line each.
    pub errors: RwSignal<Vec<String>>,
    /// Log lines loaded beside the traces, if any.
    pub logs: RwSignal<Option<Shared<LogSet>>>,
    /// The selected trace's log lines, joined to its spans.
    pub trace_logs: Memo<Option<Shared<TraceLogs>>>,
    /// Field names of JSON Lines logs beyond the defaults (`ROLE=FIELD,…`).
    pub log_fields: RwSignal<String>,
    /// The breakdown group whose spans alone the timeline shows, if any.
    pub focus_group: RwSignal<Option<String>>,
    /// Light, dark, or as the system says.
    pub theme: RwSignal<Theme>,
    /// The timeline's time window, Unix ns; `None`: the whole trace.
    pub zoom: RwSignal<Option<(u64, u64)>>,
    /// The files the user opened, in order (what a new file joins, what
    /// a reload brings back).
    pub opened: RwSignal<Vec<Opened>, LocalStorage>,
    /// Counts Back and Forward: views that follow the address track it.
    pub address_moved: RwSignal<u64>,
}

/// A file the user opened, and its place in this browser's storage once
/// it is kept there.
#[derive(Clone)]
pub struct Opened {
    pub file: web_sys::File,
    pub kept_as: Option<String>,
}

/// The traces on screen and what of them is open.
pub struct OnScreen {
    loaded: Option<Arc<Loaded>>,
    selected: Option<usize>,
    selected_span: Option<u32>,
    focus_group: Option<String>,
    zoom: Option<(u64, u64)>,
}

/// The colour theme the user chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    System,
    Light,
    Dark,
}

impl Theme {
    const KEY: &'static str = "tracelens.theme";

    /// The choice saved in this browser, if any.
    pub fn saved() -> Theme {
        match crate::saved::get(Self::KEY).as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        }
    }

    /// The next choice of the switch.
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Applies it to the page (`data-theme` on the root) and remembers it.
    pub fn apply(self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(root) = window.document().and_then(|d| d.document_element()) {
            let _ = match self {
                Theme::System => root.remove_attribute("data-theme"),
                other => root.set_attribute("data-theme", other.name()),
            };
        }
        crate::saved::set(Self::KEY, self.name());
    }
}

impl AppState {
    pub fn new() -> Self {
        let loaded: RwSignal<Option<Arc<Loaded>>> = RwSignal::new(None);
        let selected = RwSignal::new(None);
        let group_by = RwSignal::new(GroupBy::Name);
        let analysis = Memo::new(move |_| {
            let loaded = loaded.get().filter(|l| !l.partial)?;
            let index = selected.get()?;
            let group_by = group_by.get();
            if let (0, Some((prepared_for, analysis))) = (index, &loaded.prepared) {
                if *prepared_for == group_by {
                    return Some(analysis.clone());
                }
            }
            let trace = loaded.set.traces.get(index)?;
            Some(Shared::new(analyze(&loaded.set, trace, &group_by)))
        });
        let logs: RwSignal<Option<Shared<LogSet>>> = RwSignal::new(None);
        let trace_logs = Memo::new(move |_| {
            let logs = logs.get()?;
            let loaded = loaded.get()?;
            let trace = loaded.set.traces.get(selected.get()?)?;
            Some(Shared::new(TraceLogs::join(trace, &logs.0)))
        });
        Self {
            loaded,
            selected,
            selected_span: RwSignal::new(None),
            group_by,
            analysis,
            loading: RwSignal::new(None),
            progress: RwSignal::new(None),
            errors: RwSignal::new(Vec::new()),
            logs,
            trace_logs,
            log_fields: RwSignal::new(String::new()),
            focus_group: RwSignal::new(None),
            theme: RwSignal::new(Theme::saved()),
            zoom: RwSignal::new(None),
            opened: RwSignal::new_local(Vec::new()),
            address_moved: RwSignal::new(0),
        }
    }

    /// Shows a freshly read set, selecting its first trace.
    pub fn show(&self, set: TraceSet, source: String) {
        self.show_files(set, source, Vec::new(), Vec::new(), None, None);
    }

    /// The analysis of the first trace of `set` by the current grouping,
    /// for [`AppState::show_files`]; the one given, with its grouping, if it
    /// was found before (in frames of its own).
    pub fn prepare(
        &self,
        set: &TraceSet,
        found: Option<(GroupBy, TraceAnalysis)>,
    ) -> Option<(GroupBy, Analysis)> {
        let (group_by, analysis) = match found {
            Some(found) => found,
            None => {
                let group_by = self.group_by.get_untracked();
                let analysis = analyze(set, set.traces.first()?, &group_by);
                (group_by, analysis)
            }
        };
        Some((group_by, Shared::new(analysis)))
    }

    /// Shows a set read from several `files`; `file_of` holds for each
    /// trace (by id) the file it was first seen in. The traces' summaries
    /// are found here unless given (found in frames of their own).
    pub fn show_files(
        &self,
        set: TraceSet,
        source: String,
        files: Vec<String>,
        first_seen: Vec<(tracelens_core::TraceId, u32)>,
        prepared: Option<(GroupBy, Analysis)>,
        summaries: Option<Vec<TraceSummary>>,
    ) {
        let seen: std::collections::HashMap<_, _> = first_seen.into_iter().collect();
        let file_of = set
            .traces
            .iter()
            .map(|t| seen.get(&t.trace_id).copied())
            .collect();
        let summaries = summaries.unwrap_or_else(|| summaries_of(&set));
        self.open(Loaded {
            set,
            summaries,
            source,
            files,
            file_of,
            prepared,
            partial: false,
        });
    }

    /// Shows the spans read so far of an input still being read, until
    /// [`AppState::show_files`] shows all of it.
    pub fn show_partial(&self, set: TraceSet, source: String) {
        let summaries = summaries_of(&set);
        self.open(Loaded {
            file_of: vec![None; set.traces.len()],
            set,
            summaries,
            source,
            files: Vec::new(),
            prepared: None,
            partial: true,
        });
    }

    /// Puts `loaded` on screen with its first trace open; when it replaces
    /// the partial view of the same read, the trace, span, zoom and focus
    /// that were open stay open.
    fn open(&self, loaded: Loaded) {
        let from_partial = self
            .loaded
            .with_untracked(|old| old.as_ref().is_some_and(|old| old.partial));
        let (trace, span) = match from_partial {
            true => self.same_span_in(&loaded.set),
            false => (None, None),
        };
        if !from_partial {
            self.focus_group.set(None);
            self.zoom.set(None);
        }
        // The trace the address names (a reload, a link), else the first.
        let named = address::param(url::SELECTED).and_then(|id| {
            loaded
                .set
                .traces
                .iter()
                .position(|t| t.trace_id.to_string() == id)
        });
        let first = (!loaded.set.traces.is_empty()).then_some(0);
        let chosen = trace.or(named).or(first);
        let id = chosen.map(|t| loaded.set.traces[t].trace_id.to_string());
        self.selected_span.set(span);
        self.loaded.set(Some(Arc::new(loaded)));
        self.selected.set(chosen);
        address::set_params(&[(url::SELECTED, id)]);
    }

    /// Where in `set` the selected trace and span are, by their ids.
    fn same_span_in(&self, set: &TraceSet) -> (Option<usize>, Option<u32>) {
        self.loaded.with_untracked(|old| {
            let Some((old, index)) = old.as_ref().zip(self.selected.get_untracked()) else {
                return (None, None);
            };
            same_place(&old.set, index, self.selected_span.get_untracked(), set)
        })
    }

    /// What is on screen, for [`AppState::restore`].
    pub fn on_screen(&self) -> OnScreen {
        OnScreen {
            loaded: self.loaded.get_untracked(),
            selected: self.selected.get_untracked(),
            selected_span: self.selected_span.get_untracked(),
            focus_group: self.focus_group.get_untracked(),
            zoom: self.zoom.get_untracked(),
        }
    }

    /// Puts back what was on screen (a partial view of a file that could
    /// not be read in the end gives way to what was there before).
    pub fn restore(&self, view: OnScreen) {
        self.loaded.set(view.loaded);
        self.selected.set(view.selected);
        self.selected_span.set(view.selected_span);
        self.focus_group.set(view.focus_group);
        self.zoom.set(view.zoom);
    }

    /// Opens trace `index` of the loaded set, as a step Back returns from.
    pub fn select_trace(&self, index: usize) {
        self.show_trace(index);
        let id = self.loaded.with_untracked(|l| {
            l.as_ref()
                .and_then(|l| Some(l.set.traces.get(index)?.trace_id.to_string()))
        });
        address::push_params(&[
            (url::SELECTED, id),
            (url::SPAN, None),
            (url::ZOOM, None),
            (url::GROUP, None),
        ]);
    }

    /// Shows trace `index` of the loaded set, the address as it is.
    pub fn show_trace(&self, index: usize) {
        self.selected_span.set(None);
        self.focus_group.set(None);
        self.zoom.set(None);
        self.selected.set(Some(index));
    }
}

/// One summary per trace, for the list.
fn summaries_of(set: &TraceSet) -> Vec<TraceSummary> {
    set.traces
        .iter()
        .map(|trace| TraceSummary::of(set, trace))
        .collect()
}
