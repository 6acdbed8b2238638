//! The timeline: one row per span in tree order, bars on a shared time
//! axis, the critical path drawn on the bars. Rows are virtualised: only
//! those in view (and a few around them) exist in the DOM, so a trace of
//! any size costs what the screen shows. Subtrees collapse and expand;
//! spans are found by text, service, attribute, errors and duration; the
//! keyboard moves through the rows (`?` lists the keys).

use std::collections::HashSet;
use std::sync::Arc;

use leptos::html;
use leptos::prelude::*;
use tracelens_core::analysis::breakdown::spans_in_group;
use tracelens_core::analysis::search::{search, SpanQuery};
use tracelens_core::units::format_duration;
use tracelens_core::StatusCode;
use wasm_bindgen::JsCast;
use web_sys::Element;

use crate::state::{AppState, Loaded, Shared};

/// How long the view must stay unchanged before the URL is rewritten.
const URL_PAUSE: std::time::Duration = std::time::Duration::from_millis(150);
/// Height of a row in pixels; must match `.span-row` in the style sheet.
const ROW_PX: f64 = 24.0;
/// Rows drawn beyond each edge of the view, so scrolling shows no gaps.
const OVERSCAN: usize = 3;
/// Indentation per tree level, in pixels.
const INDENT_PX: u32 = 14;

/// Critical sections of the spans on the critical path, `(start, end)` in
/// Unix nanoseconds (a few of a million spans: a vector per span would cost
/// more than the rows).
type Sections = std::collections::HashMap<u32, Vec<(u64, u64)>>;

/// What the rows need, computed once per trace and fold.
struct Rows {
    /// Span indices in tree order (parents before children).
    order: Vec<u32>,
    /// The row of each span, the inverse of `order` (`u32::MAX`: no row).
    row_of: Vec<u32>,
    /// The trace's first start and its duration (at least 1 ns), at hand
    /// where only the rows are.
    start_ns: u64,
    duration_ns: u64,
}

/// What one row shows, computed when a slot takes a row (see `slots`).
#[derive(Clone, PartialEq)]
struct RowLook {
    index: u32,
    /// Nesting below its root (roots are 0).
    depth: u32,
    label_style: String,
    bar_style: String,
    name: String,
    service: String,
    duration: String,
    span_id: String,
    error: bool,
    critical: bool,
    matched: bool,
    folded: bool,
    /// Spans below it (0: no caret).
    below: u32,
    /// Styles of its critical sections.
    stripes: Vec<String>,
    /// Style and title of each event mark.
    events: Vec<(String, String)>,
    /// Its log lines and how many are errors.
    logs: Option<(usize, usize)>,
}

#[component]
pub fn Timeline(state: AppState) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0f64);
    let view_height = RwSignal::new(600.0f64);
    let container = NodeRef::<html::Div>::new();

    // Spans whose subtree is folded away.
    let collapsed: RwSignal<HashSet<u32>> = RwSignal::new(HashSet::default());
    // The time window on screen (reset when another trace opens).
    let zoom = state.zoom;
    let wanted_zoom = StoredValue::new(url_param("zoom"));
    // A partial read has no critical path yet.
    let sections = Memo::new(move |_| {
        let mut sections = Sections::new();
        for section in state.analysis.get().iter().flat_map(|a| &a.0.critical_path) {
            let span = sections.entry(section.span).or_default();
            span.push((section.start_ns, section.end_ns));
        }
        Shared::new(sections)
    });
    let rows = Memo::new(move |_| {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let full = trace.depth_first();
        // Collapsed spans hide their subtree (the spans after them in this
        // order, as many as are below them).
        let collapsed = collapsed.get();
        let mut order = Vec::with_capacity(full.len());
        match collapsed.is_empty() {
            true => order.extend_from_slice(full),
            false => {
                let mut at = 0;
                while let Some(&index) = full.get(at) {
                    order.push(index);
                    at += 1;
                    if collapsed.contains(&index) {
                        at += trace.descendants(index) as usize;
                    }
                }
            }
        }
        // A breakdown group in focus: its spans alone, in tree order.
        if let Some(group) = state.focus_group.get() {
            let mut member = vec![false; trace.spans.len()];
            for span in spans_in_group(&loaded.set, trace, &state.group_by.get(), &group) {
                member[span as usize] = true;
            }
            order.retain(|&span| member[span as usize]);
        }
        // Spans filtered out have no row.
        let mut row_of = vec![u32::MAX; trace.spans.len()];
        for (row, &index) in order.iter().enumerate() {
            row_of[index as usize] = row as u32;
        }
        Some(Shared::new(Rows {
            order,
            row_of,
            start_ns: trace.start_ns(),
            duration_ns: trace.duration_ns().max(1),
        }))
    });

    // Find: spans whose name, service or an attribute value holds the text,
    // narrowed by service, attribute, errors and duration.
    let find = RwSignal::new(url_param("find").unwrap_or_default());
    let service_filter = RwSignal::new(String::new());
    let attribute_filter = RwSignal::new(String::new());
    let errors_only = RwSignal::new(false);
    let min_ms = RwSignal::new(String::new());
    let query = move || {
        let text = find.get().trim().to_owned();
        let service = service_filter.get();
        let attribute = attribute_filter.get().trim().to_owned();
        let min_duration_ns = min_ms
            .get()
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|ms| *ms > 0.0)
            .map(|ms| (ms * 1e6) as u64);
        let query = SpanQuery {
            text: (!text.is_empty()).then_some(text),
            service: (!service.is_empty()).then_some(service),
            attribute: (!attribute.is_empty()).then(|| match attribute.split_once('=') {
                Some((key, value)) => (key.trim().to_owned(), Some(value.trim().to_owned())),
                None => (attribute.clone(), None),
            }),
            errors_only: errors_only.get(),
            min_duration_ns,
        };
        (query != SpanQuery::default()).then_some(query)
    };
    let matches = Memo::new(move |_| {
        let Some(query) = query() else {
            return Some(Vec::new());
        };
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let rows = rows.get()?;
        let mut found = search(&loaded.set, trace, &query);
        found.retain(|&index| rows.0.row_of[index as usize] != u32::MAX);
        found.sort_by_key(|&index| rows.0.row_of[index as usize]);
        Some(found)
    });
    let services = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let names = loaded
            .set
            .strings
            .distinct(trace.spans.iter().map(|s| s.service));
        Some(names.into_iter().map(str::to_owned).collect::<Vec<_>>())
    };
    // Brings span's row into view, unless it is already on screen.
    let reveal = move |span: u32| {
        let (Some(rows), Some(element)) = (rows.get_untracked(), container.get_untracked()) else {
            return;
        };
        let row = rows.0.row_of[span as usize];
        if row == u32::MAX {
            return;
        }
        let top = f64::from(row) * ROW_PX;
        let (view_top, height) = (
            f64::from(element.scroll_top()),
            f64::from(element.client_height()),
        );
        if top < view_top || top + ROW_PX > view_top + height {
            element.set_scroll_top((top - 3.0 * ROW_PX).max(0.0) as i32);
        }
    };
    let current_match = RwSignal::new(0usize);
    let go_to_match = move |step: isize| {
        // Matches exist only while the rows do (`reveal` needs them).
        let Some(found) = matches.get_untracked() else {
            return;
        };
        if found.is_empty() {
            return;
        }
        let count = found.len() as isize;
        let next = (current_match.get_untracked() as isize + step).rem_euclid(count) as usize;
        current_match.set(next);
        let span = found[next];
        state.selected_span.set(Some(span));
        reveal(span);
    };

    // A new trace starts at the top, everything expanded. The whole of a
    // trace replacing its partial view keeps the place and what is folded
    // (by span id: the indices change as spans arrive).
    Effect::new(move |before: Option<Option<(Arc<Loaded>, usize)>>| {
        let now = state.loaded.get().zip(state.selected.get());
        let folded = collapsed.get_untracked();
        // The folds kept, if this continues the partial view of the trace.
        let continued = before
            .flatten()
            .zip(now.clone())
            .and_then(|((old, i), (new, j))| {
                let (was, is) = (old.set.traces.get(i)?, new.set.traces.get(j)?);
                (old.partial && was.trace_id == is.trace_id).then(|| same_spans(was, is, &folded))
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

    let toggle = move |span: u32, fold: Option<bool>| {
        collapsed.update(|set| {
            let fold = fold.unwrap_or(!set.contains(&span));
            if fold {
                set.insert(span);
            } else {
                set.remove(&span);
            }
        });
    };
    let collapse_to_depth = move |depth: u32| {
        let Some(loaded) = state.loaded.get_untracked() else {
            return;
        };
        let Some(trace) = state
            .selected
            .get_untracked()
            .and_then(|i| loaded.set.traces.get(i))
        else {
            return;
        };
        let folded = (0..trace.spans.len() as u32)
            .filter(|&i| {
                trace.spans[i as usize].depth + 1 == depth && !trace.children(i).is_empty()
            })
            .collect();
        collapsed.set(folded);
    };
    let collapse_all = move || collapse_to_depth(1);

    // Zooming: by a factor around a point of the window, or to a dragged range.
    let window_now = move || {
        let rows = rows.get_untracked()?;
        Some(
            zoom.get_untracked()
                .unwrap_or((rows.0.start_ns, rows.0.start_ns + rows.0.duration_ns)),
        )
    };
    let set_window = move |from: f64, to: f64| {
        let Some(rows) = rows.get_untracked() else {
            return;
        };
        let (first, last) = (
            rows.0.start_ns as f64,
            (rows.0.start_ns + rows.0.duration_ns) as f64,
        );
        let width = (to - from).clamp(1000.0, last - first);
        // Keep the window inside the trace, its width as asked.
        let from = from.clamp(first, last - width);
        if width >= last - first {
            zoom.set(None);
        } else {
            zoom.set(Some((from as u64, (from + width) as u64)));
        }
    };
    let zoom_by = move |factor: f64, at: f64| {
        let Some((from, to)) = window_now() else {
            return;
        };
        let (from, to) = (from as f64, to as f64);
        let pivot = from + (to - from) * at;
        set_window(
            pivot - (pivot - from) * factor,
            pivot + (to - pivot) * factor,
        );
    };
    let pan_by = move |fraction: f64| {
        let Some((from, to)) = window_now() else {
            return;
        };
        let shift = (to - from) as f64 * fraction;
        set_window(from as f64 + shift, to as f64 + shift);
    };
    // The keyboard: rows, folding, search, help.
    let help = RwSignal::new(false);
    let search_box = NodeRef::<html::Input>::new();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let typing = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if typing || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let Some(rows) = rows.get_untracked() else {
            return;
        };
        let order = &rows.0.order;
        let current = state
            .selected_span
            .get_untracked()
            .map(|s| rows.0.row_of[s as usize])
            .filter(|&r| r != u32::MAX);
        let select_row = |row: usize| {
            if let Some(&span) = order.get(row) {
                state.selected_span.set(Some(span));
                reveal(span);
            }
        };
        match ev.key().as_str() {
            "j" | "ArrowDown" => select_row(
                current.map_or(0, |r| (r as usize + 1).min(order.len().saturating_sub(1))),
            ),
            "k" | "ArrowUp" => select_row(current.map_or(0, |r| (r as usize).saturating_sub(1))),
            "Home" => select_row(0),
            "End" => select_row(order.len().saturating_sub(1)),
            "[" | "ArrowLeft" => {
                if let Some(span) = state.selected_span.get_untracked() {
                    toggle(span, Some(true));
                }
            }
            "]" | "ArrowRight" => {
                if let Some(span) = state.selected_span.get_untracked() {
                    toggle(span, Some(false));
                }
            }
            "Enter" => {
                if let Some(span) = state.selected_span.get_untracked() {
                    reveal(span);
                    if let Some(detail) = web_sys::window()
                        .and_then(|w| w.document())
                        .and_then(|d| d.query_selector("[data-testid=span-detail]").ok().flatten())
                    {
                        detail.scroll_into_view();
                    }
                }
            }
            "/" => {
                if let Some(input) = search_box.get_untracked() {
                    let _ = input.focus();
                }
            }
            "?" => help.update(|open| *open = !*open),
            "+" | "=" => zoom_by(0.5, 0.5),
            "-" => zoom_by(2.0, 0.5),
            "0" => zoom.set(None),
            "Escape" => {
                if help.get_untracked() {
                    help.set(false);
                } else {
                    state.selected_span.set(None);
                }
            }
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || handle.remove());

    // The view lives in the URL: span, find text, group in focus and zoom.
    // It is written once changes pause (each write costs milliseconds, and
    // zooming or moving through spans changes it on every step).
    let url_writes = StoredValue::new(0u64);
    Effect::new(move |_| {
        let span = state.selected_span.get().and_then(|index| {
            let loaded = state.loaded.get()?;
            let trace = loaded.set.traces.get(state.selected.get()?)?;
            Some(trace.spans.get(index as usize)?.span_id.to_string())
        });
        let params = [
            ("span", span),
            ("find", Some(find.get()).filter(|f| !f.trim().is_empty())),
            ("group", state.focus_group.get()),
            (
                "zoom",
                zoom.get().and_then(|(a, b)| {
                    let start = rows.get_untracked()?.0.start_ns;
                    Some(format!("{}-{}", a - start, b - start))
                }),
            ),
        ];
        latest_after(url_writes, URL_PAUSE, move || set_url_params(&params));
    });
    // …and a link with `span=` opens that span once its trace is loaded.
    let wanted = StoredValue::new(url_param("span"));
    Effect::new(move |_| {
        let Some(loaded) = state.loaded.get() else {
            return;
        };
        let Some(id) = wanted.get_value() else { return };
        let found = loaded.set.traces.iter().enumerate().find_map(|(t, trace)| {
            trace
                .spans
                .iter()
                .position(|s| s.span_id.to_string() == id)
                .map(|s| (t, s as u32))
        });
        if let Some((trace, span)) = found {
            wanted.set_value(None);
            if state.selected.get_untracked() != Some(trace) {
                state.select_trace(trace);
            }
            state.selected_span.set(Some(span));
            request_animation_frame(move || reveal(span));
        }
    });
    // A link's `zoom=FROM-TO` (ns after the trace's start), once the
    // link's span (if any) has been opened.
    Effect::new(move |_| {
        let Some(rows) = rows.get() else { return };
        if wanted.get_value().is_some() {
            return;
        }
        if let Some(text) = wanted_zoom.get_value() {
            wanted_zoom.set_value(None);
            let parsed = text
                .split_once('-')
                .and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
            if let Some((a, b)) = parsed {
                set_window((rows.0.start_ns + a) as f64, (rows.0.start_ns + b) as f64);
            }
        }
    });

    let on_scroll = move |ev: web_sys::Event| {
        let element: Element = event_target(&ev);
        scroll_top.set(f64::from(element.scroll_top()));
        view_height.set(f64::from(element.client_height()));
    };

    // Anything the rows show besides their place (rows and folds, critical
    // path, matches, zoom, logs) starts a new generation.
    let generation = Memo::new(move |previous: Option<&u64>| {
        rows.track();
        sections.track();
        matches.track();
        zoom.track();
        state.logs.track();
        state.trace_logs.track();
        previous.map_or(0, |g| g + 1)
    });
    // The rows in view (and a few around them): the first and how many.
    let window = Memo::new(move |_| {
        let total = rows.with(|r| r.as_ref().map_or(0, |r| r.0.order.len()));
        let first = ((scroll_top.get() / ROW_PX) as usize).saturating_sub(OVERSCAN);
        let count = ((view_height.get() / ROW_PX).ceil() as usize + 2 * OVERSCAN).min(total);
        // At the end, more rows above instead of slots with none.
        (first.min(total - count), count)
    });
    // A fixed set of row elements (slots), each showing the row of its
    // number modulo their count: a row still in view keeps its slot, and a
    // slot whose row changes rewrites its text and attributes instead of
    // being built anew (building rows was most of a scrolling frame).
    let slots = move || (0..window.get().1).collect::<Vec<usize>>();
    let look_of = move |row: usize, index: u32| -> Option<RowLook> {
        let loaded = state.loaded.get_untracked()?;
        let trace = loaded.set.traces.get(state.selected.get_untracked()?)?;
        let rows = rows.get_untracked()?;
        let strings = &loaded.set.strings;
        let (start, end) = zoom
            .get_untracked()
            .unwrap_or((rows.0.start_ns, rows.0.start_ns + rows.0.duration_ns));
        let duration = (end - start).max(1) as f64;
        let position = |ns: u64| (ns as f64 - start as f64) / duration * 100.0;
        let span = &trace.spans[index as usize];
        let left = position(span.start_ns);
        let width = span.duration_ns() as f64 / duration * 100.0;
        let service = strings.get(span.service);
        let stripes: Vec<String> = sections
            .get_untracked()
            .0
            .get(&index)
            .into_iter()
            .flatten()
            .map(|&(from, to)| {
                format!(
                    "left:{:.4}%;width:{:.4}%",
                    position(from),
                    (to - from) as f64 / duration * 100.0
                )
            })
            .collect();
        // Events as marks on the bar, named on hover.
        let events = trace
            .span_events(index)
            .iter()
            .map(|event| {
                let at = event.time_ns.clamp(span.start_ns, span.end_ns);
                let title = format!(
                    "{} at +{}",
                    strings.get(event.name),
                    format_duration(event.time_ns.saturating_sub(span.start_ns))
                );
                (format!("left:{:.4}%", position(at)), title)
            })
            .collect();
        // Matches are sorted by row.
        let matched = matches.with_untracked(|m| {
            m.as_ref().is_some_and(|m| {
                m.binary_search_by_key(&(row as u32), |&span| rows.0.row_of[span as usize])
                    .is_ok()
            })
        });
        let logs = state
            .logs
            .get_untracked()
            .zip(state.trace_logs.get_untracked());
        let logs = logs.and_then(|(set, joined)| {
            let lines: Vec<u32> = joined.0.of_span(index).collect();
            let errors = lines
                .iter()
                .filter(|&&l| set.0.records[l as usize].level.is_error())
                .count();
            (!lines.is_empty()).then_some((lines.len(), errors))
        });
        Some(RowLook {
            index,
            depth: span.depth,
            label_style: format!("padding-left:{}px", span.depth * INDENT_PX),
            bar_style: format!(
                "left:{left:.4}%;width:max({width:.4}%, 1px);background:{}",
                service_colour(service)
            ),
            name: strings.get(span.name).to_owned(),
            service: service.to_owned(),
            duration: format_duration(span.duration_ns()),
            span_id: span.span_id.to_string(),
            error: span.status == StatusCode::Error,
            critical: !stripes.is_empty(),
            matched,
            folded: collapsed.with_untracked(|c| c.contains(&index)),
            below: trace.descendants(index),
            stripes,
            events,
            logs,
        })
    };
    let slot_view = move |slot: usize| {
        // Which row the slot shows; what it shows only when that changes.
        let place = Memo::new(move |_| {
            let (first, count) = window.get();
            let generation = generation.get();
            // A slot on its way out when the rows shrink shows nothing.
            if slot >= count {
                return None;
            }
            let row = first + (slot + count - first % count) % count;
            let index = rows.with(|r| r.as_ref().and_then(|r| r.0.order.get(row).copied()));
            index.map(|index| (generation, row, index))
        });
        let look = Memo::new(move |_| place.get().and_then(|(_, row, index)| look_of(row, index)));
        let with =
            move |f: fn(&RowLook) -> String| look.with(|l| l.as_ref().map(f).unwrap_or_default());
        let flag = move |f: fn(&RowLook) -> bool| look.with(|l| l.as_ref().is_some_and(f));
        let index = move || look.with(|l| l.as_ref().map(|l| l.index));
        let selected = move || index().is_some() && state.selected_span.get() == index();
        // The parts that are elements of their own, rebuilt only when they
        // change (most rows have none of them).
        let stripes =
            Memo::new(move |_| look.with(|l| l.as_ref().map_or(Vec::new(), |l| l.stripes.clone())));
        let events =
            Memo::new(move |_| look.with(|l| l.as_ref().map_or(Vec::new(), |l| l.events.clone())));
        let logs = Memo::new(move |_| look.with(|l| l.as_ref().and_then(|l| l.logs)));
        // Leptos has no `aria-level` attribute of its own: set by hand.
        let row_element = NodeRef::<html::Div>::new();
        let level = Memo::new(move |_| look.with(|l| l.as_ref().map(|l| l.depth + 1)));
        Effect::new(move |_| {
            if let (Some(element), Some(level)) = (row_element.get(), level.get()) {
                let _ = element.set_attribute("aria-level", &level.to_string());
            }
        });
        view! {
            <div
                class="span-row"
                style=move || place.get().map(|(_, row, _)| format!("top:{}px", row as f64 * ROW_PX))
                hidden=move || look.with(Option::is_none)
                class:selected=selected
                class:error=move || flag(|l| l.error)
                class:critical=move || flag(|l| l.critical)
                class:match=move || flag(|l| l.matched)
                data-testid="span-row"
                data-span-id=move || with(|l| l.span_id.clone())
                data-row=move || place.get().map(|(_, row, _)| row.to_string())
                // The DOM's order is not the rows' (see `slots`): a screen
                // reader takes the row's place and level from these.
                role="row"
                aria-rowindex=move || place.get().map(|(_, row, _)| (row + 1).to_string())
                node_ref=row_element
                aria-expanded=move || look.with(|l| {
                    l.as_ref().filter(|l| l.below > 0).map(|l| (!l.folded).to_string())
                })
                aria-selected=move || selected().to_string()
                data-critical=move || flag(|l| l.critical).to_string()
                data-collapsed=move || flag(|l| l.folded).to_string()
                on:click=move |_| state.selected_span.set(index())
            >
                <div class="span-label" role="gridcell" style=move || with(|l| l.label_style.clone())>
                    <button class="caret" data-testid="span-toggle"
                        hidden=move || !flag(|l| l.below > 0)
                        title=move || with(|l| match l.folded {
                            true => format!("expand ({} spans below)", l.below),
                            false => "collapse".to_owned(),
                        })
                        on:click=move |ev| {
                            ev.stop_propagation();
                            if let Some(index) = index() {
                                toggle(index, None);
                            }
                        }>
                        {move || with(|l| match l.folded {
                            true => format!("▸ {}", l.below),
                            false => "▾".to_owned(),
                        })}
                    </button>
                    <span class="span-name">{move || with(|l| l.name.clone())}</span>
                    <span class="span-service">{move || with(|l| l.service.clone())}</span>
                    {move || logs.get().map(|(lines, errors)| {
                        let title = format!("{lines} log line(s), {errors} error(s)");
                        let has_errors = errors > 0;
                        view! {
                            <span class="log-marker" class:error=has_errors title=title data-logs=lines>
                                {format!("≡{lines}")}
                            </span>
                        }
                    })}
                </div>
                <div class="span-track" role="gridcell">
                    <div class="span-bar" style=move || with(|l| l.bar_style.clone())></div>
                    {move || stripes.get()
                        .into_iter()
                        .map(|style| view! { <div class="critical-section" style=style></div> })
                        .collect::<Vec<_>>()}
                    {move || events.get()
                        .into_iter()
                        .map(|(style, title)| view! {
                            <div class="event-mark" data-testid="event-mark" style=style title=title></div>
                        })
                        .collect::<Vec<_>>()}
                </div>
                <div class="span-duration" role="gridcell">{move || with(|l| l.duration.clone())}</div>
            </div>
        }
    };

    let ruler = NodeRef::<html::Div>::new();
    let minimap_box = NodeRef::<html::Div>::new();
    let minimap = NodeRef::<html::Canvas>::new();
    // A drag: where, and from/to as fractions of that element's width.
    let drag: RwSignal<Option<(DragOn, f64, f64)>> = RwSignal::new(None);
    let fraction_in = move |on: DragOn, ev: &web_sys::MouseEvent| -> Option<f64> {
        let element: web_sys::HtmlElement = match on {
            DragOn::Ruler => ruler.get_untracked()?.into(),
            DragOn::Minimap => minimap_box.get_untracked()?.into(),
        };
        let rect = element.get_bounding_client_rect();
        Some(((f64::from(ev.client_x()) - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0))
    };
    let drag_start = move |ev: web_sys::MouseEvent, on: DragOn| {
        if ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        if let Some(at) = fraction_in(on, &ev) {
            drag.set(Some((on, at, at)));
        }
    };
    let drag_move = move |ev: web_sys::MouseEvent| {
        if let Some((on, from, _)) = drag.get_untracked() {
            if let Some(at) = fraction_in(on, &ev) {
                drag.set(Some((on, from, at)));
            }
        }
    };
    let drag_end = move |ev: web_sys::MouseEvent| {
        let Some((on, from, _)) = drag.get_untracked() else {
            return;
        };
        drag.set(None);
        let (Some(to), Some(rows)) = (fraction_in(on, &ev), rows.get_untracked()) else {
            return;
        };
        let (a, b) = (from.min(to), from.max(to));
        if b - a < 0.005 {
            return;
        }
        // The ruler spans the window on screen; the overview the whole trace.
        let (base, width) = match on {
            DragOn::Ruler => {
                let Some((lo, hi)) = window_now() else { return };
                (lo as f64, (hi - lo) as f64)
            }
            DragOn::Minimap => (rows.0.start_ns as f64, rows.0.duration_ns as f64),
        };
        set_window(base + a * width, base + b * width);
    };
    let drag_box = move |on: DragOn| {
        drag.get().filter(|d| d.0 == on).map(|(_, a, b)| {
            let style = format!(
                "left:{:.3}%;width:{:.3}%",
                a.min(b) * 100.0,
                (a - b).abs() * 100.0
            );
            view! { <div class="drag-box" style=style></div> }
        })
    };
    // Ctrl/⌘ + wheel zooms around the pointer; Shift + wheel pans.
    let on_wheel = move |ev: web_sys::WheelEvent| {
        let delta = if ev.delta_y() != 0.0 {
            ev.delta_y()
        } else {
            ev.delta_x()
        };
        if ev.ctrl_key() || ev.meta_key() {
            ev.prevent_default();
            let at = fraction_in(DragOn::Ruler, &ev).unwrap_or(0.5);
            zoom_by(if delta > 0.0 { 1.25 } else { 0.8 }, at);
        } else if ev.shift_key() {
            ev.prevent_default();
            pan_by(delta.signum() * 0.1);
        }
    };
    // The overview: every span as a line, the critical path in red, drawn
    // once per trace (the window is a box laid over it). It is drawn in a
    // task of its own, after the rows: at a million spans it takes as long
    // as they do, and the page may paint in between.
    let drawn = StoredValue::new(0u64);
    Effect::new(move |_| {
        state.theme.track();
        // Folding changes the rows, not the overview: it draws every span.
        let sections = sections.get();
        let (Some(canvas), Some(loaded)) = (minimap.get(), state.loaded.get()) else {
            return;
        };
        let Some(index) = state.selected.get() else {
            return;
        };
        latest_after(drawn, std::time::Duration::ZERO, move || {
            let Some(trace) = loaded.set.traces.get(index) else {
                return;
            };
            let width = canvas
                .parent_element()
                .map_or(600, |p| p.client_width().max(100)) as u32;
            draw_minimap(&canvas, width, trace, &sections.0);
        });
    });
    let header = move || {
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let trace_start = trace.start_ns();
        let trace_end = trace_start + trace.duration_ns().max(1);
        // Offsets from the trace's start of the window's edges and quarters.
        let ticks = move || {
            let (from, to) = zoom.get().unwrap_or((trace_start, trace_end));
            (0..=4)
                .map(|i| {
                    let style = format!("left:{}%", i * 25);
                    let at = from as f64 + (to - from) as f64 * f64::from(i) / 4.0;
                    let label = format_duration((at - trace_start as f64).max(0.0) as u64);
                    view! { <span class="tick" style=style>{label}</span> }
                })
                .collect::<Vec<_>>()
        };
        // A partial view: the spans read so far, the critical path to come.
        let (so_far, legend) = match loaded.partial {
            true => (" read so far", "critical path: once all is read"),
            false => ("", "critical path"),
        };
        Some(view! {
            <div class="timeline-header">
                <h2>{format!("Trace {}", trace.trace_id)}</h2>
                <span>{format!("{} spans{} · {}", trace.spans.len(), so_far, format_duration(trace.duration_ns()))}</span>
                <span class="legend"><span class="legend-critical"></span>{legend}</span>
            </div>
            <div class="find">
                <input type="search" data-testid="span-search" placeholder="Find spans (name, service, attribute value)  /"
                    node_ref=search_box
                    prop:value=move || find.get()
                    on:input=move |ev| {
                        current_match.set(0);
                        find.set(event_target_value(&ev));
                    }
                    on:keydown=move |ev| match ev.key().as_str() {
                        "Enter" => go_to_match(if ev.shift_key() { -1 } else { 1 }),
                        "Escape" => { find.set(String::new()); }
                        _ => {}
                    } />
                <select data-testid="filter-service" aria-label="Only spans of service"
                    on:change=move |ev| { current_match.set(0); service_filter.set(event_target_value(&ev)); }>
                    <option value="">"any service"</option>
                    {move || services().unwrap_or_default().into_iter().map(|name| {
                        let label = name.clone();
                        view! { <option value=name>{label}</option> }
                    }).collect::<Vec<_>>()}
                </select>
                <input type="text" class="attribute-filter" data-testid="filter-attribute" placeholder="attribute[=value]"
                    aria-label="Only spans with attribute"
                    on:change=move |ev| { current_match.set(0); attribute_filter.set(event_target_value(&ev)); } />
                <label class="check"><input type="checkbox" data-testid="filter-errors"
                    on:change=move |ev| { current_match.set(0); errors_only.set(event_target_checked(&ev)); } />" errors"</label>
                <input type="number" min="0" step="any" class="min-duration" data-testid="filter-min-ms" placeholder="≥ ms"
                    aria-label="Only spans at least this many milliseconds long"
                    on:change=move |ev| { current_match.set(0); min_ms.set(event_target_value(&ev)); } />
                <span class="find-count" data-testid="span-search-count">
                    {move || {
                        let count = matches.get().map_or(0, |m| m.len());
                        if query().is_none() { String::new() } else { format!("{count} match{}", if count == 1 { "" } else { "es" }) }
                    }}
                </span>
                <button title="previous match (Shift+Enter)" on:click=move |_| go_to_match(-1)>"↑"</button>
                <button title="next match (Enter)" on:click=move |_| go_to_match(1)>"↓"</button>
            </div>
            <div class="fold">
                <button data-testid="expand-all" on:click=move |_| collapsed.set(HashSet::default())>"Expand all"</button>
                <button data-testid="collapse-all" on:click=move |_| collapse_all()>"Collapse all"</button>
                <label>
                    "Show depth "
                    <select data-testid="collapse-depth" on:change=move |ev| {
                        if let Ok(depth) = event_target_value(&ev).parse::<u32>() { collapse_to_depth(depth) }
                    }>
                        <option value="">"all"</option>
                        {(1..=8).map(|d| view! { <option value=d.to_string()>{d.to_string()}</option> }).collect::<Vec<_>>()}
                    </select>
                </label>
                <button class="help-button" title="Keyboard shortcuts (?)" on:click=move |_| help.update(|o| *o = !*o)>"?"</button>
            </div>
            {move || state.focus_group.get().map(|group| {
                let count = rows.get().map_or(0, |r| r.0.order.len());
                view! {
                    <div class="focus-group" data-testid="focus-group">
                        {format!("Only the {count} span(s) of {group}")}
                        " "
                        <button on:click=move |_| state.focus_group.set(None)>"show all spans"</button>
                    </div>
                }
            })}
            <div class="zoom">
                <button data-testid="zoom-out" title="Zoom out (-)" on:click=move |_| zoom_by(2.0, 0.5)>"−"</button>
                <button data-testid="zoom-in" title="Zoom in (+)" on:click=move |_| zoom_by(0.5, 0.5)>"+"</button>
                <button data-testid="zoom-reset" title="The whole trace (0)" on:click=move |_| zoom.set(None)>"whole trace"</button>
                <span class="muted" data-testid="zoom-range">{move || zoom.get().map(|(a, b)| format!(
                    "showing +{} to +{}", format_duration(a.saturating_sub(trace_start)), format_duration(b.saturating_sub(trace_start))
                ))}</span>
                <span class="muted hint">"drag on the ruler or the overview to zoom; Ctrl+wheel zooms, Shift+wheel pans"</span>
            </div>
            <div class="minimap-row">
                <div class="ruler-label muted">"overview"</div>
                <div class="minimap" node_ref=minimap_box
                    on:mousedown=move |ev| drag_start(ev, DragOn::Minimap)
                    on:mousemove=drag_move
                    on:mouseup=drag_end
                    on:mouseleave=move |_| drag.set(None)>
                    <canvas data-testid="minimap" node_ref=minimap></canvas>
                    <div class="minimap-view" style=move || {
                        let (from, to) = zoom.get().unwrap_or((trace_start, trace_end));
                        let whole = (trace_end - trace_start).max(1) as f64;
                        format!("left:{:.3}%;width:{:.3}%",
                            (from - trace_start) as f64 / whole * 100.0,
                            ((to - from) as f64 / whole * 100.0).max(0.3))
                    }></div>
                    {move || drag_box(DragOn::Minimap)}
                </div>
                <div class="ruler-end"></div>
            </div>
            <div class="ruler">
                <div class="ruler-label"></div>
                <div class="ruler-track" data-testid="ruler" node_ref=ruler
                    on:mousedown=move |ev| drag_start(ev, DragOn::Ruler)
                    on:mousemove=drag_move
                    on:mouseup=drag_end
                    on:mouseleave=move |_| drag.set(None)>
                    {ticks}
                    {move || drag_box(DragOn::Ruler)}
                </div>
                <div class="ruler-end"></div>
            </div>
        })
    };
    let total_height = move || {
        let rows = rows.get().map_or(0, |r| r.0.order.len());
        format!("height:{}px", rows as f64 * ROW_PX)
    };

    view! {
        <section class="timeline" data-testid="timeline">
            <Show
                when=move || rows.get().is_some()
                fallback=|| view! { <p class="empty">"Open a trace to see its timeline."</p> }
            >
                {header}
            </Show>
            <Show when=move || help.get()>
                <div class="shortcuts" data-testid="shortcuts" role="dialog" aria-label="Keyboard shortcuts">
                    <h3>"Keyboard"</h3>
                    <dl>
                        <dt>"j / ↓, k / ↑"</dt><dd>"next, previous span"</dd>
                        <dt>"Home, End"</dt><dd>"first, last span"</dd>
                        <dt>"[ / ←, ] / →"</dt><dd>"collapse, expand the span's subtree"</dd>
                        <dt>"Enter"</dt><dd>"show the span's details"</dd>
                        <dt>"/"</dt><dd>"find spans; Enter, Shift+Enter walk the matches"</dd>
                        <dt>"+, −, 0"</dt><dd>"zoom in, out, whole trace (or drag on the ruler; Ctrl+wheel; Shift+wheel pans)"</dd>
                        <dt>"Esc"</dt><dd>"close this, or deselect"</dd>
                        <dt>"?"</dt><dd>"this list"</dd>
                    </dl>
                    <button on:click=move |_| help.set(false)>"Close"</button>
                </div>
            </Show>
            <div class="rows" node_ref=container on:scroll=on_scroll on:wheel=on_wheel
                role="treegrid" aria-label="Spans"
                aria-rowcount=move || rows.with(|r| r.as_ref().map_or(0, |r| r.0.order.len())).to_string()
                data-view-start-ns=move || zoom.get().map(|z| z.0.to_string()).unwrap_or_default()
                data-view-end-ns=move || zoom.get().map(|z| z.1.to_string()).unwrap_or_default()>
                <div class="rows-canvas" role="rowgroup" style=total_height>
                    <For each=slots key=|slot| *slot children=slot_view />
                </div>
            </div>
        </section>
    }
}

/// A stable colour per service, so a service looks the same in every view.
pub fn service_colour(service: &str) -> String {
    // FNV-1a: tiny and stable across runs and platforms.
    let hash = service.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("hsl({}, 55%, 55%)", hash % 360)
}

/// A query parameter of the page's URL, if set and not blank.
fn url_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
        .filter(|value| !value.trim().is_empty())
}

/// Sets (or, for `None`, removes) query parameters, keeping the others
/// (`trace=`, `tempo=`…), without a new history entry.
fn set_url_params(pairs: &[(&str, Option<String>)]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(search) = window.location().search() else {
        return;
    };
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) else {
        return;
    };
    for (key, value) in pairs {
        match value {
            Some(value) => params.set(key, value),
            None => params.delete(key),
        }
    }
    let query = String::from(params.to_string());
    if query == search.trim_start_matches('?') {
        return;
    }
    let url = if query.is_empty() {
        window.location().pathname().unwrap_or_default()
    } else {
        format!("?{query}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

/// Where a zoom drag happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DragOn {
    Ruler,
    Minimap,
}

/// Height of the overview in CSS pixels.
const MINIMAP_PX: u32 = 40;

/// Draws every span of `trace` as a line (row by row, compressed to the
/// overview's height) and the critical sections in red.
fn draw_minimap(
    canvas: &web_sys::HtmlCanvasElement,
    width: u32,
    trace: &tracelens_core::Trace,
    sections: &Sections,
) {
    canvas.set_width(width);
    canvas.set_height(MINIMAP_PX);
    let Some(context) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let palette = crate::charts::current_palette();
    let (w, h) = (f64::from(width), f64::from(MINIMAP_PX));
    context.clear_rect(0.0, 0.0, w, h);
    let full = trace.depth_first();
    let n = full.len().max(1) as f64;
    let start = trace.start_ns() as f64;
    let duration = trace.duration_ns().max(1) as f64;
    let x = |ns: u64| (ns as f64 - start) / duration * w;
    let colour = |c: plotters::style::RGBColor| format!("rgb({},{},{})", c.0, c.1, c.2);
    // Pixels covered per row of the overview, then one rectangle per run:
    // a million spans cost a few thousand drawing calls.
    let (columns, pixel_rows) = (width as usize, MINIMAP_PX as usize);
    let mut bars = Coverage::new(columns, pixel_rows);
    let mut critical = Coverage::new(columns, pixel_rows);
    let mark = |cover: &mut Coverage, row: usize, from: u64, to: u64| {
        let top = (row as f64 / n * h) as usize;
        let bottom = (((row as f64 + 1.0) / n * h).ceil() as usize).clamp(top + 1, pixel_rows);
        let left = (x(from).floor().max(0.0) as usize).min(columns - 1);
        let right = (x(to).ceil() as usize).clamp(left + 1, columns);
        for y in top.min(pixel_rows - 1)..bottom {
            cover.add(y, left, right);
        }
    };
    let mut on_path = vec![false; trace.spans.len()];
    for &span in sections.keys() {
        on_path[span as usize] = true;
    }
    for (row, &index) in full.iter().enumerate() {
        let span = &trace.spans[index as usize];
        mark(&mut bars, row, span.start_ns, span.end_ns);
        if on_path[index as usize] {
            for &(from, to) in &sections[&index] {
                mark(&mut critical, row, from, to);
            }
        }
    }
    for (cover, fill) in [(bars, palette.bar), (critical, palette.highlight)] {
        context.set_fill_style_str(&colour(fill));
        for (y, x0, run) in cover.runs() {
            context.fill_rect(x0 as f64, y as f64, run as f64, 1.0);
        }
    }
}

/// The pixels of an overview covered by bars: each bar adds one at its
/// left edge and takes one off past its right, so a bar costs the same
/// however wide it is (filling each pixel of a million wide bars took
/// hundreds of milliseconds).
struct Coverage {
    columns: usize,
    edges: Vec<i32>,
}

impl Coverage {
    fn new(columns: usize, rows: usize) -> Self {
        Self {
            columns,
            edges: vec![0; (columns + 1) * rows],
        }
    }

    /// Covers pixels `left..right` of pixel row `y`.
    fn add(&mut self, y: usize, left: usize, right: usize) {
        let row = y * (self.columns + 1);
        self.edges[row + left] += 1;
        self.edges[row + right] -= 1;
    }

    /// Each run of covered pixels: `(row, first column, length)`.
    fn runs(&self) -> Vec<(usize, usize, usize)> {
        let mut runs = Vec::new();
        for (y, edges) in self.edges.chunks(self.columns + 1).enumerate() {
            let mut depth = 0;
            let mut from = None;
            for (x, &edge) in edges.iter().enumerate() {
                depth += edge;
                match (depth > 0, from) {
                    (true, None) => from = Some(x),
                    (false, Some(start)) => {
                        runs.push((y, start, x - start));
                        from = None;
                    }
                    _ => {}
                }
            }
        }
        runs
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

/// The indices in `new` of the spans of `old` at `spans`, by span id.
fn same_spans(
    old: &tracelens_core::Trace,
    new: &tracelens_core::Trace,
    spans: &HashSet<u32>,
) -> HashSet<u32> {
    if spans.is_empty() {
        return HashSet::default();
    }
    let ids: HashSet<_> = spans
        .iter()
        .filter_map(|&i| old.spans.get(i as usize).map(|s| s.span_id))
        .collect();
    (0..new.spans.len() as u32)
        .filter(|&i| ids.contains(&new.spans[i as usize].span_id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::Coverage;

    #[test]
    fn coverage_runs_are_the_union_of_the_bars_of_each_row() {
        let mut cover = Coverage::new(10, 2);
        cover.add(0, 1, 3);
        cover.add(0, 2, 5);
        cover.add(0, 7, 10);
        cover.add(1, 0, 1);
        cover.add(1, 4, 6);
        cover.add(1, 4, 5);
        assert_eq!(
            cover.runs(),
            vec![(0, 1, 4), (0, 7, 3), (1, 0, 1), (1, 4, 2)]
        );
    }
}
