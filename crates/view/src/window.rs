//! The time window on screen, as Perfetto keeps zoom and pan in a small
//! object of its own: the whole trace, or a part of it, never narrower
//! than [`MIN_WIDTH_NS`] and never outside the trace.

/// The narrowest window: a microsecond.
pub const MIN_WIDTH_NS: u64 = 1_000;

/// The trace a window is over: its first start and its duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Unix ns.
    pub start_ns: u64,
    /// At least 1 ns.
    pub duration_ns: u64,
}

/// A window: `None` is the whole trace, `Some((from, to))` a part of it in
/// Unix ns (what the app keeps in its `zoom` signal).
pub type Zoom = Option<(u64, u64)>;

impl Bounds {
    fn end_ns(self) -> u64 {
        self.start_ns + self.duration_ns
    }

    /// The window's edges, Unix ns.
    pub fn shown(self, zoom: Zoom) -> (u64, u64) {
        zoom.unwrap_or((self.start_ns, self.end_ns()))
    }

    /// The window from `from` to `to` (Unix ns, as fractional numbers from
    /// arithmetic on them): kept inside the trace with its width as asked
    /// (at least [`MIN_WIDTH_NS`]); the whole trace once it is that wide.
    pub fn window(self, from: f64, to: f64) -> Zoom {
        let (first, last) = (self.start_ns as f64, self.end_ns() as f64);
        let width = (to - from).clamp(MIN_WIDTH_NS as f64, (last - first).max(MIN_WIDTH_NS as f64));
        if width >= last - first {
            return None;
        }
        let from = from.clamp(first, last - width);
        Some((from as u64, (from + width) as u64))
    }

    /// The window `factor` times as wide, the point `at` (a fraction of
    /// the window, 0 its left edge) staying where it is.
    pub fn zoomed(self, zoom: Zoom, factor: f64, at: f64) -> Zoom {
        let (from, to) = self.shown(zoom);
        let (from, to) = (from as f64, to as f64);
        let pivot = from + (to - from) * at;
        self.window(
            pivot - (pivot - from) * factor,
            pivot + (to - pivot) * factor,
        )
    }

    /// The window moved by `fraction` of its width (negative: earlier).
    pub fn panned(self, zoom: Zoom, fraction: f64) -> Zoom {
        let (from, to) = self.shown(zoom);
        let shift = (to - from) as f64 * fraction;
        self.window(from as f64 + shift, to as f64 + shift)
    }

    /// The window from fraction `a` to `b` of the span of time `of`
    /// (the window on screen, for a drag on the ruler; the whole trace,
    /// for a drag on the overview). `None` for a drag too short to mean
    /// a range (under half a percent).
    pub fn dragged(self, of: (u64, u64), a: f64, b: f64) -> Option<Zoom> {
        let (a, b) = (a.min(b), a.max(b));
        if b - a < 0.005 {
            return None;
        }
        let (base, width) = (of.0 as f64, (of.1 - of.0) as f64);
        Some(self.window(base + a * width, base + b * width))
    }

    /// The window as a link writes it: `FROM-TO`, ns after the trace's start.
    pub fn to_param(self, zoom: Zoom) -> Option<String> {
        let (a, b) = zoom?;
        Some(format!(
            "{}-{}",
            a.saturating_sub(self.start_ns),
            b.saturating_sub(self.start_ns)
        ))
    }

    /// The window a link's `FROM-TO` asks for, kept inside the trace.
    pub fn from_param(self, text: &str) -> Option<Zoom> {
        let (a, b) = text.split_once('-')?;
        let (a, b) = (a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?);
        Some(self.window((self.start_ns + a) as f64, (self.start_ns + b) as f64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trace of 1 ms starting at 1 s.
    const TRACE: Bounds = Bounds {
        start_ns: 1_000_000_000,
        duration_ns: 1_000_000,
    };

    #[test]
    fn zooming_in_at_the_middle_halves_the_window_around_it() {
        let zoom = TRACE.zoomed(None, 0.5, 0.5);
        assert_eq!(zoom, Some((1_000_250_000, 1_000_750_000)));
        // Zooming out again gives the whole trace back, as None.
        assert_eq!(TRACE.zoomed(zoom, 2.0, 0.5), None);
    }

    #[test]
    fn the_point_under_the_pointer_stays_put() {
        let zoom = TRACE.zoomed(None, 0.5, 0.1);
        // 10 % into the trace stays 10 % into the window.
        assert_eq!(zoom, Some((1_000_050_000, 1_000_550_000)));
    }

    #[test]
    fn panning_stops_at_the_trace_edges() {
        let zoom = Some((1_000_100_000, 1_000_200_000));
        assert_eq!(
            TRACE.panned(zoom, 0.5),
            Some((1_000_150_000, 1_000_250_000))
        );
        assert_eq!(
            TRACE.panned(zoom, -5.0),
            Some((1_000_000_000, 1_000_100_000))
        );
        assert_eq!(
            TRACE.panned(zoom, 50.0),
            Some((1_000_900_000, 1_001_000_000))
        );
        assert_eq!(TRACE.panned(None, 0.5), None);
    }

    #[test]
    fn a_window_is_never_narrower_than_a_microsecond() {
        let zoom = TRACE.window(1_000_500_000.0, 1_000_500_010.0);
        assert_eq!(zoom, Some((1_000_500_000, 1_000_501_000)));
        assert_eq!(
            TRACE.zoomed(zoom, 0.001, 0.5).map(|(a, b)| b - a),
            Some(MIN_WIDTH_NS)
        );
    }

    #[test]
    fn a_drag_picks_a_range_of_what_it_was_on() {
        let whole = TRACE.shown(None);
        assert_eq!(
            TRACE.dragged(whole, 0.6, 0.2),
            Some(Some((1_000_200_000, 1_000_600_000)))
        );
        assert_eq!(TRACE.dragged(whole, 0.5, 0.502), None);
    }

    #[test]
    fn a_link_keeps_the_window_relative_to_the_trace_start() {
        let zoom = Some((1_000_250_000, 1_000_750_000));
        let text = TRACE.to_param(zoom).unwrap();
        assert_eq!(text, "250000-750000");
        assert_eq!(TRACE.from_param(&text), Some(zoom));
        assert_eq!(TRACE.from_param("0-99999999"), Some(None));
        assert_eq!(TRACE.from_param("soon"), None);
    }
}
