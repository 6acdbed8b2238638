//! The rows: a fixed set of row elements (slots), each showing the row of
//! its number modulo their count, so scrolling rewrites a few attributes
//! instead of building rows (see `slots`).

use leptos::html;
use leptos::prelude::*;
use tracelens_core::units::counted;
use tracelens_view::logs::span_line_counts;
use tracelens_view::row::{row_facts, Call, Chip};
use wasm_bindgen::prelude::*;
use web_sys::{Element, ResizeObserver, ResizeObserverEntry};

use super::{overview, Lens};

/// Rows drawn beyond each edge of the view, so scrolling shows no gaps.
const OVERSCAN: usize = 3;
/// Indentation per tree level, in pixels.
const INDENT_PX: u32 = 14;

/// What one row shows, computed when a slot takes a row (see `slots`).
#[derive(Clone, PartialEq)]
struct RowLook {
    index: u32,
    /// Nesting below its root (roots are 0).
    depth: u32,
    label_style: String,
    guides_style: String,
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
    /// What kind of call it is (HTTP, DB…) and its status chip.
    call: Option<&'static str>,
    chip: Option<Chip>,
}

#[component]
pub(super) fn RowsView(lens: Lens) -> impl IntoView {
    let Lens {
        state,
        rows,
        sections,
        matches,
        container,
        scroll_top,
        view_height,
        ..
    } = lens;
    let zoom = state.zoom;
    let on_scroll = move |ev: web_sys::Event| {
        let element: Element = event_target(&ev);
        scroll_top.set(f64::from(element.scroll_top()));
        view_height.set(f64::from(element.client_height()));
    };
    // The rows' box fills what the page leaves it: its height is told by
    // a ResizeObserver when it is first shown and whenever it changes size,
    // after the page's layout. (Reading it whenever the rows changed forced
    // a layout each time: 15 ms of a 100k-span file's load.)
    Effect::new(move |_| {
        let Some(element) = container.get() else {
            return;
        };
        let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let Some(entry) = entries.iter().last() else {
                return;
            };
            let height = f64::from(
                entry
                    .unchecked_into::<ResizeObserverEntry>()
                    .target()
                    .client_height(),
            );
            if height > 0.0 && height != view_height.get_untracked() {
                view_height.set(height);
            }
        });
        let Ok(observer) = ResizeObserver::new(on_resize.as_ref().unchecked_ref()) else {
            return;
        };
        observer.observe(&element);
        let held = send_wrapper::SendWrapper::new((observer, on_resize));
        on_cleanup(move || held.take().0.disconnect());
    });

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
    let window = Memo::new(move |_| lens.row_scroll().window(scroll_top.get(), OVERSCAN));
    // A fixed set of row elements (slots), each showing the row of its
    // number modulo their count: a row still in view keeps its slot, and a
    // slot whose row changes rewrites its text and attributes instead of
    // being built anew (building rows was most of a scrolling frame).
    let slots = move || (0..window.get().1).collect::<Vec<usize>>();

    // Past a few million pixels the canvas stops growing and the scroll
    // position is scaled onto the rows (tracelens_view::scroll).
    let total_height = move || format!("height:{}px", lens.row_scroll().canvas_px());
    view! {
        <div class="rows" node_ref=container on:scroll=on_scroll
            on:wheel=move |ev| overview::on_wheel(lens, ev)
            role="treegrid" aria-label="Spans"
            aria-rowcount=move || rows.with(|r| r.as_ref().map_or(0, |r| r.0.order.len())).to_string()
            data-view-start-ns=move || zoom.get().map(|z| z.0.to_string()).unwrap_or_default()
            data-view-end-ns=move || zoom.get().map(|z| z.1.to_string()).unwrap_or_default()>
            <div class="rows-canvas" role="rowgroup" style=total_height>
                <For each=slots key=|slot| *slot children=move |number| view! { <Slot lens=lens number=number window=window generation=generation /> } />
            </div>
        </div>
    }
}

/// What row `row`, showing span `index`, shows now.
fn look_of(lens: Lens, row: usize, index: u32) -> Option<RowLook> {
    let Lens {
        state,
        rows,
        sections,
        matches,
        collapsed,
        ..
    } = lens;
    let loaded = state.loaded.get_untracked()?;
    let trace = loaded.set.traces.get(state.selected.get_untracked()?)?;
    let rows = rows.get_untracked()?;
    let window = state
        .zoom
        .get_untracked()
        .unwrap_or((rows.0.start_ns, rows.0.start_ns + rows.0.duration_ns));
    let facts = row_facts(
        &loaded.set,
        trace,
        index,
        window,
        &sections.get_untracked().0,
    )?;
    let percent = |(left, width): (f64, f64)| format!("left:{left:.4}%;width:{width:.4}%");
    // Matches are sorted by row (with none, the rows' inverse is not
    // needed: it is found when first asked for).
    let matched = matches.with_untracked(|m| {
        m.as_ref().is_some_and(|m| {
            !m.is_empty() && {
                let row_of = rows.0.row_of();
                m.binary_search_by_key(&(row as u32), |&span| row_of[span as usize])
                    .is_ok()
            }
        })
    });
    let logs = state
        .logs
        .get_untracked()
        .zip(state.trace_logs.get_untracked());
    let logs = logs.and_then(|(set, joined)| span_line_counts(&set.0, &joined.0, index));
    Some(RowLook {
        index,
        depth: facts.depth,
        label_style: format!("padding-left:{}px", facts.depth * INDENT_PX),
        guides_style: format!("width:{}px", facts.depth * INDENT_PX),
        bar_style: format!(
            "left:{:.4}%;width:max({:.4}%, 1px);background:{}",
            facts.bar.0,
            facts.bar.1,
            service_colour(&facts.service)
        ),
        critical: !facts.critical.is_empty(),
        stripes: facts.critical.into_iter().map(percent).collect(),
        events: facts
            .events
            .into_iter()
            .map(|(at, title)| (format!("left:{at:.4}%"), title))
            .collect(),
        name: facts.name,
        service: facts.service,
        duration: facts.duration,
        span_id: facts.span_id,
        error: facts.error,
        call: facts.call.map(Call::label),
        chip: facts.chip,
        matched,
        folded: collapsed.with_untracked(|c| c.contains(&index)),
        below: facts.below,
        logs,
    })
}

/// One slot: the row of its number modulo the slots' count, rewritten
/// when that row changes.
#[component]
fn Slot(
    lens: Lens,
    number: usize,
    window: Memo<(usize, usize)>,
    generation: Memo<u64>,
) -> impl IntoView {
    let Lens { state, rows, .. } = lens;
    let slot = number;
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
    // Where the row is drawn: its number times the row height, or, in a
    // list too tall to lay out, near the scroll position.
    let top = Memo::new(move |_| {
        let (_, row, _) = place.get()?;
        let scroll = lens.row_scroll();
        Some(match scroll.scaled() {
            true => scroll.row_top(row, lens.scroll_top.get()),
            false => scroll.row_top(row, 0.0),
        })
    });
    let look = Memo::new(move |_| {
        place
            .get()
            .and_then(|(_, row, index)| look_of(lens, row, index))
    });
    let with = move |f| text_of(look, f);
    let flag = move |f| flag_of(look, f);
    let index = move || look.with(|l| l.as_ref().map(|l| l.index));
    let selected = move || index().is_some() && state.selected_span.get() == index();
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
            style=move || top.get().map(|top| format!("top:{top}px"))
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
            <RowLabel lens=lens look=look />
            <RowTrack look=look />
            <div class="span-duration" role="gridcell">{move || with(|l| l.duration.clone())}</div>
        </div>
    }
}

/// A text of what a slot shows ("" when it shows no row).
fn text_of(look: Memo<Option<RowLook>>, f: fn(&RowLook) -> String) -> String {
    look.with(|l| l.as_ref().map(f).unwrap_or_default())
}

/// A flag of what a slot shows (false when it shows no row).
fn flag_of(look: Memo<Option<RowLook>>, f: fn(&RowLook) -> bool) -> bool {
    look.with(|l| l.as_ref().is_some_and(f))
}

/// A row's name cell: caret, guide lines, name, kind of call, status
/// chip, service and log lines.
#[component]
fn RowLabel(lens: Lens, look: Memo<Option<RowLook>>) -> impl IntoView {
    let with = move |f| text_of(look, f);
    let flag = move |f| flag_of(look, f);
    let index = move || look.with(|l| l.as_ref().map(|l| l.index));
    // The parts that are elements of their own, rebuilt only when they
    // change (most rows have none of them).
    let logs = Memo::new(move |_| look.with(|l| l.as_ref().and_then(|l| l.logs)));
    let call = Memo::new(move |_| look.with(|l| l.as_ref().and_then(|l| l.call)));
    let chip = Memo::new(move |_| look.with(|l| l.as_ref().and_then(|l| l.chip.clone())));
    view! {
        <div class="span-label" role="gridcell" style=move || with(|l| l.label_style.clone())>
            // One guide line per level above the row, so depth reads
            // at a glance however deep the tree.
            <span class="guides" aria-hidden="true" style=move || with(|l| l.guides_style.clone())></span>
            <button class="caret" data-testid="span-toggle"
                hidden=move || !flag(|l| l.below > 0)
                title=move || with(|l| match l.folded {
                    true => format!("expand ({} below)", counted(l.below, "span")),
                    false => "collapse".to_owned(),
                })
                on:click=move |ev| {
                    ev.stop_propagation();
                    if let Some(index) = index() {
                        lens.toggle(index, None);
                    }
                }>
                {move || with(|l| match l.folded {
                    true => format!("▸ {}", l.below),
                    false => "▾".to_owned(),
                })}
            </button>
            <span class="span-name" title=move || with(|l| l.name.clone())>{move || with(|l| l.name.clone())}</span>
            {move || call.get().map(|call| view! { <span class="call-kind" data-testid="call-kind">{call}</span> })}
            {move || chip.get().map(|chip| view! {
                <span class="chip" class:failed=chip.failed data-testid="status-chip" title=chip.title>{chip.text}</span>
            })}
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
    }
}

/// A row's bar, its critical sections and its events.
#[component]
fn RowTrack(look: Memo<Option<RowLook>>) -> impl IntoView {
    let with = move |f| text_of(look, f);
    let stripes =
        Memo::new(move |_| look.with(|l| l.as_ref().map_or(Vec::new(), |l| l.stripes.clone())));
    let events =
        Memo::new(move |_| look.with(|l| l.as_ref().map_or(Vec::new(), |l| l.events.clone())));
    view! {
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
    }
}

/// Hues service colours use: clear of the reds (330°–40°) that mark
/// errors, so no service looks like a failure.
const SERVICE_HUES: std::ops::Range<u32> = 40..330;

/// A stable colour per service, so a service looks the same in every view.
pub(crate) fn service_colour(service: &str) -> String {
    format!("hsl({}, 55%, 55%)", service_hue(service))
}

fn service_hue(service: &str) -> u32 {
    // FNV-1a: tiny and stable across runs and platforms.
    let hash = service.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    SERVICE_HUES.start + hash % (SERVICE_HUES.end - SERVICE_HUES.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sRGB of `hsl(hue, 55%, 55%)`, 0 to 1.
    fn rgb(hue: u32) -> [f64; 3] {
        let (s, l) = (0.55, 0.55);
        let c = (1.0 - (2.0 * l - 1.0_f64).abs()) * s;
        let h = f64::from(hue) / 60.0;
        let x = c * (1.0 - (h % 2.0 - 1.0).abs());
        let (r, g, b) = match h as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        let m = l - c / 2.0;
        [r + m, g + m, b + m]
    }

    /// WCAG relative luminance and contrast.
    fn luminance([r, g, b]: [f64; 3]) -> f64 {
        let lin = |c: f64| {
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    fn contrast(a: f64, b: f64) -> f64 {
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn service_colours_stay_clear_of_the_error_reds() {
        for i in 0..2000 {
            let hue = service_hue(&format!("service-{i}"));
            assert!(SERVICE_HUES.contains(&hue), "{hue}");
        }
    }

    /// The colours of `.critical-section` in the style sheet: its fill
    /// and the edge drawn around it.
    fn critical_line_colours() -> [[f64; 3]; 2] {
        let css = include_str!("../../../style/main.css");
        let rule = css.split(".critical-section {").nth(1).unwrap();
        let rule = &rule[..rule.find('}').unwrap()];
        let hex = |after: &str| -> [f64; 3] {
            let at = rule.find(after).unwrap() + after.len();
            let text = rule[at..].trim_start().trim_start_matches('#');
            let digits: String = text.chars().take_while(char::is_ascii_hexdigit).collect();
            let digits = match digits.len() {
                3 => digits.chars().flat_map(|c| [c, c]).collect(),
                _ => digits,
            };
            let channel =
                |i: usize| f64::from(u8::from_str_radix(&digits[i..i + 2], 16).unwrap()) / 255.0;
            [channel(0), channel(2), channel(4)]
        };
        [hex("background:"), hex("1px")]
    }

    #[test]
    fn the_critical_path_line_shows_on_every_service_colour() {
        // The line is a dark core with a light edge: on every bar one of
        // the two stands out by at least WCAG's 3:1 for graphics, in either
        // theme (the bars are the same colours in both), and neither is a
        // red that errors use.
        let [core, edge] = critical_line_colours();
        let (core, edge) = (luminance(core), luminance(edge));
        assert!(contrast(core, edge) >= 7.0, "the core and edge differ");
        for hue in SERVICE_HUES {
            let bar = luminance(rgb(hue));
            let best = contrast(bar, core).max(contrast(bar, edge));
            assert!(best >= 3.0, "hue {hue}: {best:.2}");
        }
    }
}
