//! The timeline: one row per span in tree order, bars on a shared time
//! axis, the critical path drawn on the bars. Rows are virtualised: only
//! those in view (and a few around them) exist in the DOM, so a trace of
//! any size costs what the screen shows. Subtrees collapse and expand;
//! spans are found by text, service, attribute, errors and duration; the
//! keyboard moves through the rows (`?` lists the keys).
//!
//! What is decided about the trace (which rows, which window, which
//! matches) is `tracelens_view`'s; the parts here render it and send the
//! user's actions back through [`Lens`]:
//!
//! - `toolbar.rs`: what the trace is, find, folding, zoom buttons;
//! - `overview.rs`: the overview and the ruler, dragged to zoom;
//! - `rows.rs`: the rows, as a fixed set of reused slots;
//! - `columns.rs`: the divider that sets the name column's width;
//! - `keyboard.rs`: the keys and their list;
//! - `links.rs`: the view in the address bar, and a link's view opened;
//! - `flame.rs`, `spans_table.rs`, `op_graph.rs`: the other ways to see
//!   the trace (flame graph, spans table, operation graph), a tab each,
//!   in step with the timeline through the selected span, find and the
//!   group in focus.

mod columns;
mod flame;
mod keyboard;
mod links;
mod op_graph;
mod overview;
mod rows;
mod spans_table;
mod toolbar;

pub(crate) use rows::service_colour;

use std::collections::HashSet;
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use tracelens_view::detail::{header, Header};
use tracelens_view::find::{matches as find_matches, next_match, FindForm};
use tracelens_view::row::{sections, Sections};
use tracelens_view::rows::{fold, folded_to_depth, Focus, Rows};
use tracelens_view::scroll::RowScroll;
use tracelens_view::spans::same_spans;
use tracelens_view::url;
use tracelens_view::window::Bounds;

use crate::address;
use crate::state::{AppState, Loaded, Shared};

/// Height of a row in pixels; must match `.span-row` in the style sheet.
const ROW_PX: f64 = 24.0;

/// The find form's fields, as the user types them.
#[derive(Clone, Copy)]
struct FindFields {
    text: RwSignal<String>,
    service: RwSignal<String>,
    attribute: RwSignal<String>,
    errors_only: RwSignal<bool>,
    min_ms: RwSignal<String>,
}

/// What the parts of the timeline share: the rows as folded, the find
/// form and its matches, the critical sections, the box that scrolls.
/// Signals all, so it is `Copy` and each part takes it whole.
#[derive(Clone, Copy)]
struct Lens {
    state: AppState,
    /// Spans whose subtree is folded away.
    collapsed: RwSignal<HashSet<u32>>,
    rows: Memo<Option<Shared<Rows>>>,
    sections: Memo<Shared<Sections>>,
    find: FindFields,
    matches: Memo<Option<Vec<u32>>>,
    /// Which match Enter went to last.
    current_match: RwSignal<usize>,
    /// The rows' box, its scroll position and height.
    container: NodeRef<html::Div>,
    scroll_top: RwSignal<f64>,
    view_height: RwSignal<f64>,
    /// The ruler, across which the pointer's place is a point of time.
    ruler: NodeRef<html::Div>,
    /// Whether the list of keys is open.
    help: RwSignal<bool>,
    search_box: NodeRef<html::Input>,
    /// The name column's width as the user set it (pixels).
    name_width: RwSignal<Option<f64>>,
    /// How the trace is seen: timeline, flame graph, spans table, graph.
    view: RwSignal<TraceView>,
    /// What the trace is (root, services, depth…), worked out once a trace
    /// for the title, find's services and the flame graph's legend (a
    /// pass over every span).
    header: Memo<Option<Shared<Header>>>,
    /// Outside the timeline, the spans find and the group in focus pick
    /// (over every span, folded or not); `None` when nothing narrows them.
    highlighted: Memo<Option<Shared<HashSet<u32>>>>,
}

/// The ways to see one trace, a tab each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TraceView {
    Timeline,
    Flame,
    Spans,
    Graph,
}

impl TraceView {
    const ALL: [TraceView; 4] = [
        TraceView::Timeline,
        TraceView::Flame,
        TraceView::Spans,
        TraceView::Graph,
    ];

    /// Its name in `data-view` and the address.
    fn id(self) -> &'static str {
        match self {
            TraceView::Timeline => "timeline",
            TraceView::Flame => "flame",
            TraceView::Spans => "spans",
            TraceView::Graph => "graph",
        }
    }

    fn label(self) -> &'static str {
        match self {
            TraceView::Timeline => "Timeline",
            TraceView::Flame => "Flame graph",
            TraceView::Spans => "Spans",
            TraceView::Graph => "Operations",
        }
    }

    /// The view the address names (the timeline when it names none).
    fn in_address() -> TraceView {
        let named = address::param(url::VIEW);
        TraceView::ALL
            .into_iter()
            .find(|v| Some(v.id()) == named.as_deref())
            .unwrap_or(TraceView::Timeline)
    }
}

impl Lens {
    fn new(state: AppState) -> Self {
        let collapsed = RwSignal::new(HashSet::default());
        // A partial read has no critical path yet.
        let sections = Memo::new(move |_| {
            let analysis = state.analysis.get();
            Shared::new(sections(analysis.iter().flat_map(|a| &a.0.critical_path)))
        });
        let rows = Memo::new(move |_| {
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            let (group_by, group) = (state.group_by.get(), state.focus_group.get());
            let focus = group.as_deref().map(|group| Focus {
                group_by: &group_by,
                group,
            });
            let folded = collapsed.get();
            Some(Shared::new(Rows::visible(
                &loaded.set,
                trace,
                &folded,
                focus,
            )))
        });
        let find = FindFields {
            text: RwSignal::new(address::param(url::FIND).unwrap_or_default()),
            service: RwSignal::new(String::new()),
            attribute: RwSignal::new(String::new()),
            errors_only: RwSignal::new(false),
            min_ms: RwSignal::new(String::new()),
        };
        let matches = Memo::new(move |_| {
            let Some(query) = find.form().query() else {
                return Some(Vec::new());
            };
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            let rows = rows.get()?;
            Some(find_matches(&loaded.set, trace, &query, &rows.0))
        });
        let view = RwSignal::new(TraceView::in_address());
        let highlighted = Memo::new(move |_| {
            if view.get() == TraceView::Timeline {
                return None;
            }
            let (query, group) = (find.form().query(), state.focus_group.get());
            if query.is_none() && group.is_none() {
                return None;
            }
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            let group_by = state.group_by.get();
            let focus = group.as_deref().map(|group| Focus {
                group_by: &group_by,
                group,
            });
            let all = Rows::visible(&loaded.set, trace, &HashSet::new(), focus);
            let picked: HashSet<u32> = match query {
                Some(query) => find_matches(&loaded.set, trace, &query, &all)
                    .into_iter()
                    .collect(),
                None => all.order.iter().copied().collect(),
            };
            Some(Shared::new(picked))
        });
        let header = Memo::new(move |_| {
            let loaded = state.loaded.get()?;
            let summary = loaded.summaries.get(state.selected.get()?)?;
            Some(Shared::new(header(summary)))
        });
        Self {
            state,
            collapsed,
            rows,
            sections,
            find,
            matches,
            current_match: RwSignal::new(0),
            container: NodeRef::new(),
            scroll_top: RwSignal::new(0.0),
            view_height: RwSignal::new(600.0),
            ruler: NodeRef::new(),
            help: RwSignal::new(false),
            search_box: NodeRef::new(),
            name_width: RwSignal::new(columns::saved_width()),
            view,
            header,
            highlighted,
        }
    }

    /// Shows `view`, as a step Back returns from.
    fn show_view(self, view: TraceView) {
        self.view.set(view);
        let name = (view != TraceView::Timeline).then(|| view.id().to_owned());
        address::push_params(&[(url::VIEW, name)]);
    }

    /// The trace the window is over.
    fn bounds(self) -> Option<Bounds> {
        self.rows.get_untracked().map(|r| Bounds {
            start_ns: r.0.start_ns,
            duration_ns: r.0.duration_ns,
        })
    }

    /// Brings span's row into view, unless it is already on screen.
    fn reveal(self, span: u32) {
        let (Some(rows), Some(element)) =
            (self.rows.get_untracked(), self.container.get_untracked())
        else {
            return;
        };
        let Some(row) = rows.0.row(span) else {
            return;
        };
        let scroll = RowScroll {
            view_px: f64::from(element.client_height()),
            ..self.row_scroll_untracked()
        };
        if !scroll.in_view(row, f64::from(element.scroll_top())) {
            element.set_scroll_top(scroll.scroll_for(row as f64 - 3.0).round() as i32);
        }
    }

    /// The rows' list as scrolled: how many rows, how tall, the view.
    fn row_scroll(self) -> RowScroll {
        RowScroll {
            rows: self
                .rows
                .with(|r| r.as_ref().map_or(0, |r| r.0.order.len())),
            row_px: ROW_PX,
            view_px: self.view_height.get(),
        }
    }

    fn row_scroll_untracked(self) -> RowScroll {
        untrack(|| self.row_scroll())
    }

    /// Selects `span` and brings it into view.
    fn select(self, span: u32) {
        self.state.selected_span.set(Some(span));
        self.reveal(span);
    }

    /// Goes to the next (`step` 1) or previous (-1) match.
    fn go_to_match(self, step: isize) {
        // Matches exist only while the rows do (`reveal` needs them).
        let Some(found) = self.matches.get_untracked() else {
            return;
        };
        if let Some(next) = next_match(self.current_match.get_untracked(), found.len(), step) {
            self.current_match.set(next);
            self.select(found[next]);
        }
    }

    /// Folds (`Some(true)`), unfolds or toggles `span`'s subtree.
    fn toggle(self, span: u32, folding: Option<bool>) {
        self.collapsed.update(|set| fold(set, span, folding));
    }

    /// Folds the trace so that rows go `depth` levels deep.
    fn fold_to_depth(self, depth: u32) {
        let Some(loaded) = self.state.loaded.get_untracked() else {
            return;
        };
        if let Some(trace) = self
            .state
            .selected
            .get_untracked()
            .and_then(|i| loaded.set.traces.get(i))
        {
            self.collapsed.set(folded_to_depth(trace, depth));
        }
    }

    /// Zooms by `factor` around the point `at` of the window.
    fn zoom_by(self, factor: f64, at: f64) {
        if let Some(bounds) = self.bounds() {
            let zoom = self.state.zoom;
            zoom.set(bounds.zoomed(zoom.get_untracked(), factor, at));
        }
    }

    /// Moves the window by `fraction` of its width.
    fn pan_by(self, fraction: f64) {
        if let Some(bounds) = self.bounds() {
            let zoom = self.state.zoom;
            zoom.set(bounds.panned(zoom.get_untracked(), fraction));
        }
    }

    /// A new trace starts at the top, everything expanded. The whole of a
    /// trace replacing its partial view keeps the place and what is folded
    /// (by span id: the indices change as spans arrive).
    fn keep_place_across_loads(self) {
        let Lens {
            state,
            collapsed,
            container,
            scroll_top,
            ..
        } = self;
        Effect::new(move |before: Option<Option<(Arc<Loaded>, usize)>>| {
            let now = state.loaded.get().zip(state.selected.get());
            let folded = collapsed.get_untracked();
            // The folds kept, if this continues the partial view of the trace.
            let continued = before
                .flatten()
                .zip(now.clone())
                .and_then(|((old, i), (new, j))| {
                    let (was, is) = (old.set.traces.get(i)?, new.set.traces.get(j)?);
                    (old.partial && was.trace_id == is.trace_id)
                        .then(|| same_spans(was, is, &folded))
                });
            match continued {
                Some(kept) if !folded.is_empty() => collapsed.set(kept),
                Some(_) => {}
                None => {
                    if !folded.is_empty() {
                        collapsed.set(HashSet::default());
                    }
                    // Setting the scroll position lays the page out: only when needed.
                    if scroll_top.get_untracked() != 0.0 {
                        if let Some(element) = container.get_untracked() {
                            element.set_scroll_top(0);
                        }
                        scroll_top.set(0.0);
                    }
                }
            }
            now
        });
    }
}

impl FindFields {
    /// The form as it stands (tracked).
    fn form(self) -> FindForm {
        FindForm {
            text: self.text.get(),
            service: self.service.get(),
            attribute: self.attribute.get(),
            errors_only: self.errors_only.get(),
            min_ms: self.min_ms.get(),
        }
    }
}

#[component]
pub fn Timeline(state: AppState) -> impl IntoView {
    let lens = Lens::new(state);
    lens.keep_place_across_loads();
    keyboard::listen(lens);
    links::keep(lens);
    let rows = lens.rows;
    let view = lens.view;
    // Back and Forward bring back the view of their entry; the timeline,
    // shown again, brings the selected span into view.
    Effect::new(move |first: Option<()>| {
        state.address_moved.track();
        if first.is_some() {
            view.set(TraceView::in_address());
        }
    });
    Effect::new(move |_| {
        if view.get() == TraceView::Timeline {
            if let Some(span) = state.selected_span.get_untracked() {
                request_animation_frame(move || lens.reveal(span));
            }
        }
    });
    let timeline = move || view.get() == TraceView::Timeline;
    view! {
        <section class="timeline" data-testid="timeline" style=move || columns::style(lens)>
            <Show
                when=move || rows.get().is_some()
                fallback=|| view! { <p class="empty">"Open a trace to see its timeline."</p> }
            >
                <toolbar::Toolbar lens=lens />
                <div class="view-body" hidden=move || !timeline()>
                    <overview::Overview lens=lens />
                </div>
            </Show>
            <keyboard::Shortcuts lens=lens />
            <div class="view-body" hidden=move || !timeline()>
                <rows::RowsView lens=lens />
            </div>
            {move || match view.get() {
                TraceView::Timeline => None,
                TraceView::Flame => Some(view! { <flame::FlameGraph lens=lens /> }.into_any()),
                TraceView::Spans => Some(view! { <spans_table::SpansTable lens=lens /> }.into_any()),
                TraceView::Graph => Some(view! { <op_graph::OperationGraph lens=lens /> }.into_any()),
            }}
        </section>
    }
}

/// Runs `work` after `delay` unless another call with the same `calls`
/// came meanwhile: of a burst of changes, only the last is acted on.
fn latest_after(
    calls: StoredValue<u64>,
    delay: std::time::Duration,
    work: impl FnOnce() + 'static,
) {
    calls.update_value(|n| *n += 1);
    let this = calls.get_value();
    set_timeout(
        move || {
            if calls.try_get_value() == Some(this) {
                work();
            }
        },
        delay,
    );
}
