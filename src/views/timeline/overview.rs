//! The overview (every span as a line, the critical path in red, the
//! window a box over it) and the ruler; dragging on either zooms to the
//! range dragged, the wheel zooms and pans.

use leptos::prelude::*;
use tracelens_core::units::format_duration;

use tracelens_view::row::{overview_bars, Sections};

use super::Lens;

/// A zoom drag under way on the ruler or the overview: where, and from/to
/// as fractions of that element's width.
#[derive(Clone, Copy)]
struct Drag {
    lens: Lens,
    minimap_box: NodeRef<leptos::html::Div>,
    now: RwSignal<Option<(DragOn, f64, f64)>>,
}

impl Drag {
    fn fraction_in(self, on: DragOn, ev: &web_sys::MouseEvent) -> Option<f64> {
        match on {
            DragOn::Ruler => fraction_of(self.lens, ev),
            DragOn::Minimap => fraction_over(&self.minimap_box.get_untracked()?.into(), ev),
        }
    }

    fn start(self, ev: web_sys::MouseEvent, on: DragOn) {
        if ev.button() != 0 {
            return;
        }
        ev.prevent_default();
        if let Some(at) = self.fraction_in(on, &ev) {
            self.now.set(Some((on, at, at)));
        }
    }

    fn moved(self, ev: web_sys::MouseEvent) {
        if let Some((on, from, _)) = self.now.get_untracked() {
            if let Some(at) = self.fraction_in(on, &ev) {
                self.now.set(Some((on, from, at)));
            }
        }
    }

    /// Zooms to the range dragged.
    fn end(self, ev: web_sys::MouseEvent) {
        let Some((on, from, _)) = self.now.get_untracked() else {
            return;
        };
        self.now.set(None);
        let (Some(to), Some(bounds)) = (self.fraction_in(on, &ev), self.lens.bounds()) else {
            return;
        };
        // The ruler spans the window on screen; the overview the whole trace.
        let zoom = self.lens.state.zoom;
        let of = match on {
            DragOn::Ruler => bounds.shown(zoom.get_untracked()),
            DragOn::Minimap => bounds.shown(None),
        };
        if let Some(window) = bounds.dragged(of, from, to) {
            zoom.set(window);
        }
    }

    /// The range being dragged over `on`, as a box.
    fn shown_box(self, on: DragOn) -> impl IntoView {
        move || {
            self.now.get().filter(|d| d.0 == on).map(|(_, a, b)| {
                let style = format!(
                    "left:{:.3}%;width:{:.3}%",
                    a.min(b) * 100.0,
                    (a - b).abs() * 100.0
                );
                view! { <div class="drag-box" style=style></div> }
            })
        }
    }
}

#[component]
pub(super) fn Overview(lens: Lens) -> impl IntoView {
    let drag = Drag {
        lens,
        minimap_box: NodeRef::new(),
        now: RwSignal::new(None),
    };
    view! {
        <Minimap lens=lens drag=drag />
        <Ruler lens=lens drag=drag />
    }
}

/// The trace's bounds and the window on screen.
fn shown(lens: Lens) -> Option<(tracelens_view::window::Bounds, (u64, u64))> {
    let bounds = lens.rows.get().map(|r| tracelens_view::window::Bounds {
        start_ns: r.0.start_ns,
        duration_ns: r.0.duration_ns,
    })?;
    Some((bounds, bounds.shown(lens.state.zoom.get())))
}

/// The overview of the whole trace, the window a box over it.
#[component]
fn Minimap(lens: Lens, drag: Drag) -> impl IntoView {
    let state = lens.state;
    let minimap = NodeRef::<leptos::html::Canvas>::new();
    // The overview: every span as a line, the critical path in red, drawn
    // once per trace (the window is a box laid over it). It is drawn in a
    // task of its own, after the rows: at a million spans it takes as long
    // as they do, and the page may paint in between.
    let drawn = StoredValue::new(0u64);
    Effect::new(move |_| {
        state.theme.track();
        // Folding changes the rows, not the overview: it draws every span.
        let sections = lens.sections.get();
        let (Some(canvas), Some(loaded)) = (minimap.get(), state.loaded.get()) else {
            return;
        };
        let Some(index) = state.selected.get() else {
            return;
        };
        drawn.update_value(|n| *n += 1);
        let this = drawn.get_value();
        leptos::task::spawn_local(async move {
            // Not asked again meanwhile (a newer trace, theme or path).
            let still = move || drawn.try_get_value() == Some(this);
            crate::loader::next_frame().await;
            let Some(trace) = loaded.set.traces.get(index).filter(|_| still()) else {
                return;
            };
            let width = canvas
                .parent_element()
                .map_or(600, |p| p.client_width().max(100)) as u32;
            draw_minimap(&canvas, width, trace, &sections.0, still).await;
        });
    });
    // The window, as offsets from the trace's start of its edges.
    let window_box = move || {
        let (bounds, (from, to)) = shown(lens)?;
        let whole = bounds.duration_ns.max(1) as f64;
        Some(format!(
            "left:{:.3}%;width:{:.3}%",
            (from - bounds.start_ns) as f64 / whole * 100.0,
            ((to - from) as f64 / whole * 100.0).max(0.3)
        ))
    };
    view! {
        <div class="minimap-row">
            <div class="ruler-label muted">"overview"</div>
            <div class="minimap" node_ref=drag.minimap_box
                on:mousedown=move |ev| drag.start(ev, DragOn::Minimap)
                on:mousemove=move |ev| drag.moved(ev)
                on:mouseup=move |ev| drag.end(ev)
                on:mouseleave=move |_| drag.now.set(None)>
                <canvas data-testid="minimap" node_ref=minimap></canvas>
                <div class="minimap-view" style=window_box></div>
                {drag.shown_box(DragOn::Minimap)}
            </div>
            <div class="ruler-end"></div>
        </div>
    }
}

/// The ruler over the rows: the window's edges and quarters.
#[component]
fn Ruler(lens: Lens, drag: Drag) -> impl IntoView {
    let ticks = move || {
        let Some((bounds, (from, to))) = shown(lens) else {
            return Vec::new();
        };
        (0..=4)
            .map(|i| {
                let style = format!("left:{}%", i * 25);
                let at = from as f64 + (to - from) as f64 * f64::from(i) / 4.0;
                let label = format_duration((at - bounds.start_ns as f64).max(0.0) as u64);
                view! { <span class="tick" style=style>{label}</span> }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div class="ruler">
            <super::columns::Divider lens=lens />
            <div class="ruler-track" data-testid="ruler" node_ref=lens.ruler
                on:mousedown=move |ev| drag.start(ev, DragOn::Ruler)
                on:mousemove=move |ev| drag.moved(ev)
                on:mouseup=move |ev| drag.end(ev)
                on:mouseleave=move |_| drag.now.set(None)>
                {ticks}
                {drag.shown_box(DragOn::Ruler)}
            </div>
            <div class="ruler-end"></div>
        </div>
    }
}

/// Ctrl/⌘ + wheel zooms around the pointer; Shift + wheel pans.
pub(super) fn on_wheel(lens: Lens, ev: web_sys::WheelEvent) {
    let delta = if ev.delta_y() != 0.0 {
        ev.delta_y()
    } else {
        ev.delta_x()
    };
    if ev.ctrl_key() || ev.meta_key() {
        ev.prevent_default();
        let at = fraction_of(lens, &ev).unwrap_or(0.5);
        lens.zoom_by(if delta > 0.0 { 1.25 } else { 0.8 }, at);
    } else if ev.shift_key() {
        ev.prevent_default();
        lens.pan_by(delta.signum() * 0.1);
    }
}

/// Where the pointer is across the ruler, from 0 to 1.
fn fraction_of(lens: Lens, ev: &web_sys::MouseEvent) -> Option<f64> {
    fraction_over(&lens.ruler.get_untracked()?.into(), ev)
}

fn fraction_over(element: &web_sys::HtmlElement, ev: &web_sys::MouseEvent) -> Option<f64> {
    let rect = element.get_bounding_client_rect();
    Some(((f64::from(ev.client_x()) - rect.left()) / rect.width().max(1.0)).clamp(0.0, 1.0))
}

/// Where a zoom drag happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DragOn {
    Ruler,
    Minimap,
}

/// Height of the overview in CSS pixels.
const MINIMAP_PX: u32 = 40;
/// Spans the overview goes over between two turns of the page.
const MINIMAP_STEP_SPANS: usize = 250_000;

/// Draws every span of `trace` as a line (row by row, compressed to the
/// overview's height) and the critical sections in red, giving the page a
/// turn between bounded runs of spans; stops when `still` says another
/// drawing was asked for meanwhile.
async fn draw_minimap(
    canvas: &web_sys::HtmlCanvasElement,
    width: u32,
    trace: &tracelens_core::Trace,
    sections: &Sections,
    still: impl Fn() -> bool,
) {
    let (w, h) = (f64::from(width), f64::from(MINIMAP_PX));
    let spans = overview_bars(trace, sections);
    let n = spans.len().max(1) as f64;
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
    for (row, ((from, to), critical_sections)) in spans.enumerate() {
        mark(&mut bars, row, from, to);
        for &(from, to) in critical_sections {
            mark(&mut critical, row, from, to);
        }
        // At a million spans this took 67 ms at once: the page gets a
        // turn every so many spans.
        if (row + 1) % MINIMAP_STEP_SPANS == 0 {
            crate::loader::next_frame().await;
            if !still() {
                return;
            }
        }
    }
    canvas.set_width(width);
    canvas.set_height(MINIMAP_PX);
    let Some(context) = crate::charts::context_2d(canvas) else {
        return;
    };
    let palette = crate::charts::current_palette();
    context.clear_rect(0.0, 0.0, w, h);
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
