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
use tracelens_core::units::format_duration;
use tracelens_core::StatusCode;
use wasm_bindgen::JsCast;
use web_sys::Element;

use tracelens_view::find::{matches as find_matches, next_match, FindForm};
use tracelens_view::rows::{fold, folded_to_depth, Focus, Move, Rows};
use tracelens_view::spans::{find_span, same_spans};
use tracelens_view::url;
use tracelens_view::window::Bounds;

use crate::address;
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
    let wanted_zoom = StoredValue::new(address::param(url::ZOOM));
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
        let (group_by, group) = (state.group_by.get(), state.focus_group.get());
        let focus = group.as_deref().map(|group| Focus {
            group_by: &group_by,
            group,
        });
        Some(Shared::new(Rows::visible(
            &loaded.set,
            trace,
            &collapsed.get(),
            focus,
        )))
    });
    // The time window's trace.
    let bounds = move || {
        rows.get_untracked().map(|r| Bounds {
            start_ns: r.0.start_ns,
            duration_ns: r.0.duration_ns,
        })
    };

    // Find: spans whose name, service or an attribute value holds the text,
    // narrowed by service, attribute, errors and duration.
    let find = RwSignal::new(address::param(url::FIND).unwrap_or_default());
    let service_filter = RwSignal::new(String::new());
    let attribute_filter = RwSignal::new(String::new());
    let errors_only = RwSignal::new(false);
    let min_ms = RwSignal::new(String::new());
    let query = move || {
        FindForm {
            text: find.get(),
            service: service_filter.get(),
            attribute: attribute_filter.get(),
            errors_only: errors_only.get(),
            min_ms: min_ms.get(),
        }
        .query()
    };
    let matches = Memo::new(move |_| {
        let Some(query) = query() else {
            return Some(Vec::new());
        };
        let loaded = state.loaded.get()?;
        let trace = loaded.set.traces.get(state.selected.get()?)?;
        let rows = rows.get()?;
        Some(find_matches(&loaded.set, trace, &query, &rows.0))
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
        let Some(row) = rows.0.row(span) else {
            return;
        };
        let top = row as f64 * ROW_PX;
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
        let Some(next) = next_match(current_match.get_untracked(), found.len(), step) else {
            return;
        };
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

    let toggle = move |span: u32, folding: Option<bool>| {
        collapsed.update(|set| fold(set, span, folding));
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
        collapsed.set(folded_to_depth(trace, depth));
    };
    let collapse_all = move || collapse_to_depth(1);

    // Zooming: by a factor around a point of the window, or panning.
    let zoom_by = move |factor: f64, at: f64| {
        if let Some(bounds) = bounds() {
            zoom.set(bounds.zoomed(zoom.get_untracked(), factor, at));
        }
    };
    let pan_by = move |fraction: f64| {
        if let Some(bounds) = bounds() {
            zoom.set(bounds.panned(zoom.get_untracked(), fraction));
        }
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
        let select = |step: Move| {
            if let Some(span) = rows.0.moved(state.selected_span.get_untracked(), step) {
                state.selected_span.set(Some(span));
                reveal(span);
            }
        };
        match ev.key().as_str() {
            "j" | "ArrowDown" => select(Move::Next),
            "k" | "ArrowUp" => select(Move::Previous),
            "Home" => select(Move::First),
            "End" => select(Move::Last),
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
        let zoom = zoom.get();
        let params = [
            (url::SPAN, span),
            (url::FIND, Some(find.get()).filter(|f| !f.trim().is_empty())),
            (url::GROUP, state.focus_group.get()),
            (url::ZOOM, bounds().and_then(|b| b.to_param(zoom))),
        ];
        latest_after(url_writes, URL_PAUSE, move || address::set_params(&params));
    });
    // …and a link with `span=` opens that span once its trace is loaded.
    let wanted = StoredValue::new(address::param(url::SPAN));
    Effect::new(move |_| {
        let Some(loaded) = state.loaded.get() else {
            return;
        };
        let Some(id) = wanted.get_value() else { return };
        if let Some((trace, span)) = find_span(&loaded.set, &id) {
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
        if rows.get().is_none() || wanted.get_value().is_some() {
            return;
        }
        if let Some(text) = wanted_zoom.get_value() {
            wanted_zoom.set_value(None);
            if let Some(window) = bounds().and_then(|b| b.from_param(&text)) {
                zoom.set(window);
            }
        }
    });

    let on_scroll = move |ev: web_sys::Event| {
        let element: Element = event_target(&ev);
        scroll_top.set(f64::from(element.scroll_top()));
        view_height.set(f64::from(element.client_height()));
    };
    // The rows' box fills what the page leaves it: measured when a trace
    // opens and when the window changes size, not only on scrolling.
    let measure = move || {
        if let Some(element) = container.get_untracked() {
            let height = f64::from(element.client_height());
            if height > 0.0 && height != view_height.get_untracked() {
                view_height.set(height);
            }
        }
    };
    Effect::new(move |_| {
        rows.track();
        if container.get().is_some() {
            request_animation_frame(measure);
        }
    });
    let resized = window_event_listener(leptos::ev::resize, move |_| measure());
    on_cleanup(move || resized.remove());

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
        let (Some(to), Some(bounds)) = (fraction_in(on, &ev), bounds()) else {
            return;
        };
        // The ruler spans the window on screen; the overview the whole trace.
        let of = match on {
            DragOn::Ruler => bounds.shown(zoom.get_untracked()),
            DragOn::Minimap => bounds.shown(None),
        };
        if let Some(window) = bounds.dragged(of, from, to) {
            zoom.set(window);
        }
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
        // What the trace is: its root, when it started (in the reader's
        // time zone, UTC on hover), and where its time goes.
        let strings = &loaded.set.strings;
        let root = trace.main_root().map(|r| &trace.spans[r as usize]);
        let title = root.map_or_else(String::new, |r| strings.get(r.name).to_owned());
        let root_service = root.map_or_else(String::new, |r| strings.get(r.service).to_owned());
        let started = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(trace_start as f64 / 1e6));
        let started_local =
            String::from(started.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED));
        let started_utc = format!("{} UTC", String::from(started.to_iso_string()));
        let biggest = move || {
            let analysis = state.analysis.get()?;
            let top = analysis.0.breakdown.first()?;
            Some(format!(
                "{}: {:.1}% of the critical path",
                top.group, top.critical_pct
            ))
        };
        // A partial view: the spans read so far, the critical path to come.
        let (so_far, legend) = match loaded.partial {
            true => (" read so far", "critical path: once all is read"),
            false => ("", "critical path"),
        };
        Some(view! {
            <div class="timeline-header">
                <h2 data-testid="trace-title">{title}<span class="trace-service">{root_service}</span></h2>
                <span class="trace-id" data-testid="trace-id" title="trace id">{trace.trace_id.to_string()}</span>
                <span>{format!("{} spans{} · {}", trace.spans.len(), so_far, format_duration(trace.duration_ns()))}</span>
                <time data-testid="trace-start" title=started_utc>{started_local}</time>
                <span class="biggest-stage" data-testid="biggest-stage">{biggest}</span>
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
