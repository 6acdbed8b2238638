//! Charts drawn with plotters, on any backend: a canvas on screen, SVG for
//! export. Each has a title and axis labels with units, and takes its
//! colours from the page's theme.

use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, DrawingErrorKind};

/// Colours of the current theme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    pub background: RGBColor,
    pub text: RGBColor,
    pub grid: RGBColor,
    pub bar: RGBColor,
    pub highlight: RGBColor,
}

impl Palette {
    pub const LIGHT: Palette = Palette {
        background: RGBColor(255, 255, 255),
        text: RGBColor(29, 29, 34),
        grid: RGBColor(222, 222, 227),
        bar: RGBColor(59, 111, 216),
        highlight: RGBColor(214, 69, 69),
    };
    pub const DARK: Palette = Palette {
        background: RGBColor(31, 31, 36),
        text: RGBColor(231, 231, 234),
        grid: RGBColor(51, 51, 59),
        bar: RGBColor(122, 162, 247),
        highlight: RGBColor(255, 122, 122),
    };
}

/// One bar of a share chart.
pub struct Share {
    pub label: String,
    pub pct: f64,
}

type Failure = String;

/// Text of a chart in the theme's colour: 16 px for titles, 12 for the rest.
fn text(palette: Palette, size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&palette.text)
}

fn fail<E: std::fmt::Debug>(error: E) -> Failure {
    format!("the chart could not be drawn: {error:?}")
}

/// Horizontal bars of percentages, biggest first (at the top) and drawn in
/// the highlight colour so it stands out.
pub fn shares<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    axis: &str,
    bars: &[Share],
    palette: Palette,
) -> Result<(), Failure> {
    area.fill(&palette.background).map_err(fail)?;
    let n = bars.len().max(1);
    let widest = bars
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(4);
    let label_px = (widest.min(28) as u32) * 7 + 10;
    let mut chart = ChartBuilder::on(area)
        .caption(title, text(palette, 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(label_px)
        .build_cartesian_2d(0f64..100f64, (0usize..n).into_segmented())
        .map_err(fail)?;
    // Row i from the top holds bars[i].
    let label_of = |value: &SegmentValue<usize>| match value {
        SegmentValue::CenterOf(row) if *row < bars.len() => {
            let label = &bars[bars.len() - 1 - row].label;
            if label.chars().count() > 28 {
                format!("{}…", label.chars().take(27).collect::<String>())
            } else {
                label.clone()
            }
        }
        _ => String::new(),
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(palette.background)
        .bold_line_style(palette.grid)
        .axis_style(palette.text)
        .x_desc(axis)
        .x_labels(6)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&label_of)
        .y_labels(n)
        .label_style(text(palette, 12))
        .axis_desc_style(text(palette, 12))
        .draw()
        .map_err(fail)?;
    let biggest = bars.iter().map(|b| b.pct).fold(f64::NEG_INFINITY, f64::max);
    chart
        .draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let row = bars.len() - 1 - i;
            let colour = if bar.pct == biggest && bar.pct > 0.0 {
                palette.highlight
            } else {
                palette.bar
            };
            let mut rect = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(row)),
                    (bar.pct.clamp(0.0, 100.0), SegmentValue::Exact(row + 1)),
                ],
                colour.filled(),
            );
            rect.set_margin(3, 3, 0, 0);
            rect
        }))
        .map_err(fail)?;
    chart
        .draw_series(bars.iter().enumerate().map(|(i, bar)| {
            let row = bars.len() - 1 - i;
            Text::new(
                format!("{:.1} %", bar.pct),
                ((bar.pct + 1.5).min(84.0), SegmentValue::CenterOf(row)),
                text(palette, 12),
            )
        }))
        .map_err(fail)?;
    area.present().map_err(fail)
}

/// A histogram of durations: about 20 bins over the range, in the unit
/// that suits the longest.
pub fn histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    durations_ns: &[u64],
    palette: Palette,
) -> Result<HistogramFrame, Failure> {
    area.fill(&palette.background).map_err(fail)?;
    let max = durations_ns.iter().copied().max().unwrap_or(1).max(1);
    let (unit, scale) = unit_of(max);
    let top = max as f64 / scale;
    let bins = 20usize;
    let width = top / bins as f64;
    let mut counts = vec![0u32; bins];
    for &d in durations_ns {
        let bin = ((d as f64 / scale) / width) as usize;
        counts[bin.min(bins - 1)] += 1;
    }
    let highest = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, text(palette, 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(44)
        .build_cartesian_2d(0f64..top, 0u32..highest + 1)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(palette.background)
        .bold_line_style(palette.grid)
        .axis_style(palette.text)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&tick)
        .x_desc(format!("trace duration ({unit})"))
        .y_desc("traces")
        .label_style(text(palette, 12))
        .axis_desc_style(text(palette, 12))
        .draw()
        .map_err(fail)?;
    chart
        .draw_series(counts.iter().enumerate().map(|(i, &count)| {
            let x0 = i as f64 * width;
            let mut rect = Rectangle::new([(x0, 0), (x0 + width, count)], palette.bar.filled());
            rect.set_margin(0, 0, 1, 1);
            rect
        }))
        .map_err(fail)?;
    area.present().map_err(fail)?;
    Ok(HistogramFrame {
        x_px: chart.plotting_area().get_pixel_range().0,
        top_ns: top * scale,
    })
}

/// Where a histogram's duration axis landed, to map a brushed range back
/// to durations.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramFrame {
    pub x_px: Range<i32>,
    /// The duration at the axis's right end.
    pub top_ns: f64,
}

impl HistogramFrame {
    /// The duration at canvas pixel `px` across (clamped to the axis).
    pub fn ns_at(&self, px: f64) -> u64 {
        let (from, to) = (f64::from(self.x_px.start), f64::from(self.x_px.end));
        let fraction = ((px - from) / (to - from).max(1.0)).clamp(0.0, 1.0);
        (fraction * self.top_ns) as u64
    }

    /// Canvas pixel across of duration `ns`.
    pub fn px_of(&self, ns: u64) -> f64 {
        let (from, to) = (f64::from(self.x_px.start), f64::from(self.x_px.end));
        from + (ns as f64 / self.top_ns.max(1.0)) * (to - from)
    }
}

/// Where a scatter's points landed, to map a click back to a point.
#[derive(Clone, Debug, PartialEq)]
pub struct ScatterFrame {
    pub x_px: Range<i32>,
    pub y_px: Range<i32>,
    pub x: Range<f64>,
    pub y: Range<f64>,
    /// Each point in chart units, in input order.
    pub points: Vec<(f64, f64)>,
    /// Nanoseconds (or the attribute's units) per chart unit, across and up.
    pub per_unit: (f64, f64),
}

impl ScatterFrame {
    /// Where `chart` (a [`plane`] over the ranges `x` and `y`) drew
    /// `points`, their units `per_unit` across and up.
    fn of<DB: DrawingBackend>(
        chart: &ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        (x, y): (Range<f64>, Range<f64>),
        points: Vec<(f64, f64)>,
        per_unit: (f64, f64),
    ) -> Self {
        let (x_px, y_px) = chart.plotting_area().get_pixel_range();
        Self {
            x_px,
            y_px,
            x,
            y,
            points,
            per_unit,
        }
    }

    /// Where point `(x, y)` (chart units) is drawn, in canvas pixels.
    pub fn to_pixels(&self, (x, y): (f64, f64)) -> (f64, f64) {
        let fx = (x - self.x.start) / (self.x.end - self.x.start).max(f64::MIN_POSITIVE);
        let fy = (y - self.y.start) / (self.y.end - self.y.start).max(f64::MIN_POSITIVE);
        (
            f64::from(self.x_px.start) + fx * f64::from(self.x_px.end - self.x_px.start),
            f64::from(self.y_px.end) - fy * f64::from(self.y_px.end - self.y_px.start),
        )
    }

    /// Where each point is drawn, as `x,y` canvas pixels separated by
    /// spaces: the `data-points` tests and tools read.
    pub fn pixels(&self) -> String {
        let pixels: Vec<String> = (self.points.iter())
            .map(|&p| {
                let (x, y) = self.to_pixels(p);
                format!("{x:.0},{y:.0}")
            })
            .collect();
        pixels.join(" ")
    }

    /// The point at canvas pixels (`px`, `py`), clamped to the axes, in
    /// the data's own units (ns, or the attribute's) across and up.
    pub fn value_at(&self, px: f64, py: f64) -> (f64, f64) {
        let fx =
            (px - f64::from(self.x_px.start)) / f64::from((self.x_px.end - self.x_px.start).max(1));
        let fy =
            (f64::from(self.y_px.end) - py) / f64::from((self.y_px.end - self.y_px.start).max(1));
        let x = self.x.start + fx.clamp(0.0, 1.0) * (self.x.end - self.x.start);
        let y = self.y.start + fy.clamp(0.0, 1.0) * (self.y.end - self.y.start);
        (x * self.per_unit.0, y * self.per_unit.1)
    }

    /// The point within `radius` pixels of (`px`, `py`), if any.
    pub fn hit(&self, px: f64, py: f64, radius: f64) -> Option<usize> {
        self.points
            .iter()
            .enumerate()
            .map(|(i, &p)| {
                let (x, y) = self.to_pixels(p);
                (i, (x - px).hypot(y - py))
            })
            .filter(|&(_, distance)| distance <= radius)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| i)
    }
}

/// Each trace as a point: start (seconds after the first) against duration.
pub fn scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    starts_ns: &[u64],
    durations_ns: &[u64],
    selected: Option<usize>,
    palette: Palette,
) -> Result<ScatterFrame, Failure> {
    area.fill(&palette.background).map_err(fail)?;
    let first = starts_ns.iter().copied().min().unwrap_or(0);
    let span = starts_ns
        .iter()
        .map(|s| s - first)
        .max()
        .unwrap_or(0)
        .max(1);
    let (x_unit, x_scale) = unit_of(span);
    let longest = durations_ns.iter().copied().max().unwrap_or(1).max(1);
    let (y_unit, y_scale) = unit_of(longest);
    let points: Vec<(f64, f64)> = starts_ns
        .iter()
        .zip(durations_ns)
        .map(|(&s, &d)| ((s - first) as f64 / x_scale, d as f64 / y_scale))
        .collect();
    let x = 0.0..(span as f64 / x_scale) * 1.05;
    let y = 0.0..(longest as f64 / y_scale) * 1.1;
    let descriptions = (
        format!("start, after the first trace ({x_unit})"),
        format!("duration ({y_unit})"),
    );
    let mut chart = plane(area, title, (&x, &y), descriptions, palette)?;
    chart
        .draw_series(points.iter().enumerate().map(|(i, &p)| {
            let (size, colour) = if Some(i) == selected {
                (6, palette.highlight)
            } else {
                (4, palette.bar)
            };
            Circle::new(p, size, colour.filled())
        }))
        .map_err(fail)?;
    area.present().map_err(fail)?;
    Ok(ScatterFrame::of(&chart, (x, y), points, (x_scale, y_scale)))
}

/// Each trace as a point: a numeric attribute (`points`' first, in its own
/// units) against a stage's time (second, ns), with the least-squares line
/// `slope_ns_per_unit`·x + `intercept_ns` over the points' range.
pub fn fit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    points_ns: &[(f64, f64)],
    (slope_ns_per_unit, intercept_ns): (f64, f64),
    palette: Palette,
) -> Result<ScatterFrame, Failure> {
    area.fill(&palette.background).map_err(fail)?;
    let widest = points_ns.iter().map(|p| p.0.abs()).fold(1.0, f64::max);
    let (x_unit, x_scale) = count_unit_of(widest);
    let longest = points_ns.iter().map(|p| p.1).fold(1.0, f64::max);
    let (y_unit, y_scale) = unit_of(longest as u64);
    let points: Vec<(f64, f64)> = points_ns
        .iter()
        .map(|&(x, ns)| (x / x_scale, ns / y_scale))
        .collect();
    let lowest = points.iter().map(|p| p.0).fold(0.0, f64::min);
    let x = lowest..(widest / x_scale) * 1.05;
    let y = 0.0..(longest / y_scale) * 1.1;
    let descriptions = (
        format!("{x_desc}{x_unit}"),
        format!("critical time ({y_unit})"),
    );
    let mut chart = plane(area, title, (&x, &y), descriptions, palette)?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&p| Circle::new(p, 4, palette.bar.filled())),
        )
        .map_err(fail)?;
    let line_at = |x: f64| (slope_ns_per_unit * x * x_scale + intercept_ns) / y_scale;
    let (from, to) = (
        points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min),
        points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max),
    );
    if from < to {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(from, line_at(from)), (to, line_at(to))],
                palette.highlight.stroke_width(2),
            )))
            .map_err(fail)?;
    }
    area.present().map_err(fail)?;
    Ok(ScatterFrame::of(&chart, (x, y), points, (x_scale, y_scale)))
}

/// Two numeric axes over `x` and `y` with their descriptions, a grid and a
/// title: what the scatter and the fit are drawn on.
fn plane<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    title: &str,
    (x, y): (&Range<f64>, &Range<f64>),
    (x_desc, y_desc): (String, String),
    palette: Palette,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, Failure> {
    let mut chart = ChartBuilder::on(area)
        .caption(title, text(palette, 16))
        .margin(10)
        .x_label_area_size(36)
        .y_label_area_size(52)
        .build_cartesian_2d::<RangedCoordf64, RangedCoordf64>(x.clone().into(), y.clone().into())
        .map_err(fail)?;
    chart
        .configure_mesh()
        .light_line_style(palette.background)
        .bold_line_style(palette.grid)
        .axis_style(palette.text)
        .x_labels(6)
        .y_labels(5)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(text(palette, 12))
        .axis_desc_style(text(palette, 12))
        .draw()
        .map_err(fail)?;
    Ok(chart)
}

/// A unit for counts up to `max` (none, thousands, millions, billions) as
/// the axis title's tail, and units per step.
fn count_unit_of(max: f64) -> (&'static str, f64) {
    match max {
        m if m >= 1e9 => (" (billions)", 1e9),
        m if m >= 1e6 => (" (millions)", 1e6),
        m if m >= 1e4 => (" (thousands)", 1e3),
        _ => ("", 1.0),
    }
}

/// A unit for durations up to `max_ns`, and nanoseconds per unit.
fn unit_of(max_ns: u64) -> (&'static str, f64) {
    const SECOND: u64 = 1_000_000_000;
    match max_ns {
        0..10_000 => ("ns", 1.0),
        10_000..10_000_000 => ("µs", 1e3),
        10_000_000..10_000_000_000 => ("ms", 1e6),
        n if n < 20 * 60 * SECOND => ("s", 1e9),
        n if n < 3 * 3600 * SECOND => ("min", 60e9),
        n if n < 3 * 86_400 * SECOND => ("h", 3600e9),
        _ => ("d", 86_400e9),
    }
}

/// An axis number without a needless fraction.
fn tick(value: &f64) -> String {
    if value.abs() >= 10.0 || value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// The palette of the theme the page shows: the switch's, else the
/// system's setting.
pub fn current_palette() -> Palette {
    let window = web_sys::window();
    let chosen = window
        .as_ref()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
        .and_then(|root| root.get_attribute("data-theme"));
    let dark = match chosen.as_deref() {
        Some("dark") => true,
        Some("light") => false,
        _ => window
            .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
            .is_some_and(|m| m.matches()),
    };
    if dark {
        Palette::DARK
    } else {
        Palette::LIGHT
    }
}

/// The 2D context of a canvas drawn by hand (the overview, the flame
/// graph), if the browser gives one.
pub fn context_2d(
    canvas: &web_sys::HtmlCanvasElement,
) -> Option<web_sys::CanvasRenderingContext2d> {
    use wasm_bindgen::JsCast;
    canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
}

/// Draws `draw` on `canvas`, sized to `width` × `height` CSS pixels.
pub fn on_canvas<T>(
    canvas: &web_sys::HtmlCanvasElement,
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<Canvas, Shift>) -> Result<T, Failure>,
) -> Result<T, Failure> {
    canvas.set_width(width);
    canvas.set_height(height);
    let inner = plotters_canvas::CanvasBackend::with_canvas_object(canvas.clone());
    let (Some(inner), Some(context)) = (inner, context_2d(canvas)) else {
        return Err("no 2D context for the chart".to_owned());
    };
    draw(&Canvas { inner, context }.into_drawing_area())
}

/// plotters' canvas backend, but measuring text with the canvas's own
/// `measureText`. plotters measures text by adding a span to the page and
/// reading its size: each label made the browser lay the page out, and the
/// first, in the frame that shows a trace, laid out everything that frame
/// changed (7-11 ms in profiles of the final view, at every size).
pub struct Canvas {
    inner: plotters_canvas::CanvasBackend,
    context: web_sys::CanvasRenderingContext2d,
}

type CanvasError = <plotters_canvas::CanvasBackend as DrawingBackend>::ErrorType;
type CanvasResult<T = ()> = Result<T, DrawingErrorKind<CanvasError>>;

impl DrawingBackend for Canvas {
    type ErrorType = CanvasError;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> CanvasResult {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> CanvasResult {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> CanvasResult {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: plotters_backend::BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> CanvasResult {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: plotters_backend::BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> CanvasResult {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> CanvasResult {
        self.inner.draw_path(path, style)
    }

    fn fill_polygon<S: plotters_backend::BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> CanvasResult {
        self.inner.fill_polygon(vertices, style)
    }

    fn draw_circle<S: plotters_backend::BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> CanvasResult {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn draw_text<S: plotters_backend::BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> CanvasResult {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: plotters_backend::BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> CanvasResult<(u32, u32)> {
        // The font as plotters' canvas backend sets it to draw the text.
        self.context.set_font(&format!(
            "{} {}px {}",
            style.style().as_str(),
            style.size(),
            style.family().as_str()
        ));
        let width = self
            .context
            .measure_text(text)
            .map_or(0.0, |metrics| metrics.width());
        // A line's height as the page's spans had it (`line-height: normal`
        // for sans-serif: about 1.15 of the size).
        Ok((width.ceil() as u32, (style.size() * 1.15).ceil() as u32))
    }
}

/// The same chart as an SVG document.
pub fn to_svg<T>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<T, Failure>,
) -> Result<String, Failure> {
    let mut svg = String::new();
    {
        let area = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        draw(&area)?;
    }
    Ok(svg)
}
