//! Lists taller than a browser lays out. Chromium gives an element at most
//! about 33.5 million pixels: at 24 px a row, rows past about 1.4 million
//! could not be scrolled to. Past [`MAX_CANVAS_PX`] the scrolled canvas
//! stays that tall and the scroll position is scaled onto the rows, as
//! large-list viewers do: the top of the scroll range shows the first row,
//! its bottom the last, and the rows in view are drawn one row apart
//! around the scroll position. Below it nothing is scaled: a row's place
//! is its number times the row height.

/// The tallest canvas drawn, well under Chromium's limit.
pub const MAX_CANVAS_PX: f64 = 15_000_000.0;

/// A list of `rows` rows of `row_px` each, seen through `view_px`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowScroll {
    pub rows: usize,
    pub row_px: f64,
    pub view_px: f64,
}

impl RowScroll {
    fn full_px(self) -> f64 {
        self.rows as f64 * self.row_px
    }

    /// Whether scroll positions are scaled onto the rows.
    pub fn scaled(self) -> bool {
        self.full_px() > MAX_CANVAS_PX
    }

    /// The height of the scrolled canvas.
    pub fn canvas_px(self) -> f64 {
        self.full_px().min(MAX_CANVAS_PX)
    }

    /// Rows' pixels per scrolled pixel (1 unless scaled).
    fn ratio(self) -> f64 {
        match self.scaled() {
            false => 1.0,
            true => {
                (self.full_px() - self.view_px).max(0.0) / (MAX_CANVAS_PX - self.view_px).max(1.0)
            }
        }
    }

    /// The row at the top of the view (with its fraction) when the canvas
    /// is scrolled to `scroll_top`.
    pub fn top_row(self, scroll_top: f64) -> f64 {
        scroll_top * self.ratio() / self.row_px
    }

    /// The scroll position that puts row `row` at the top of the view (as
    /// near as the scroll range allows).
    pub fn scroll_for(self, row: f64) -> f64 {
        let most = (self.canvas_px() - self.view_px).max(0.0);
        (row * self.row_px / self.ratio()).clamp(0.0, most)
    }

    /// Where row `row` is drawn in the canvas, scrolled to `scroll_top`.
    pub fn row_top(self, row: usize, scroll_top: f64) -> f64 {
        match self.scaled() {
            false => row as f64 * self.row_px,
            true => scroll_top + (row as f64 - self.top_row(scroll_top)) * self.row_px,
        }
    }

    /// The rows to draw at `scroll_top`: the first and how many, with
    /// `overscan` more beyond each edge.
    pub fn window(self, scroll_top: f64, overscan: usize) -> (usize, usize) {
        let first = (self.top_row(scroll_top) as usize).saturating_sub(overscan);
        let count = ((self.view_px / self.row_px).ceil() as usize + 2 * overscan).min(self.rows);
        // At the end, more rows above instead of slots with none.
        (first.min(self.rows - count), count)
    }

    /// Whether row `row` is wholly in view at `scroll_top`.
    pub fn in_view(self, row: usize, scroll_top: f64) -> bool {
        let top = self.row_top(row, scroll_top);
        top >= scroll_top && top + self.row_px <= scroll_top + self.view_px
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROW: f64 = 24.0;

    #[test]
    fn below_the_limit_a_rows_place_is_its_number_times_the_height() {
        let scroll = RowScroll {
            rows: 1_000,
            row_px: ROW,
            view_px: 600.0,
        };
        assert!(!scroll.scaled());
        assert_eq!(scroll.canvas_px(), 24_000.0);
        assert_eq!(scroll.row_top(10, 123.0), 240.0);
        assert_eq!(scroll.top_row(240.0), 10.0);
        assert_eq!(scroll.scroll_for(10.0), 240.0);
        assert_eq!(scroll.window(240.0, 5), (5, 35));
        // The scroll range ends where the last row is at the bottom.
        assert_eq!(scroll.scroll_for(1_000.0), 24_000.0 - 600.0);
    }

    #[test]
    fn five_million_rows_fit_the_canvas_and_every_row_can_be_reached() {
        for rows in [2_000_000usize, 5_000_000] {
            let scroll = RowScroll {
                rows,
                row_px: ROW,
                view_px: 600.0,
            };
            assert!(scroll.scaled());
            assert_eq!(scroll.canvas_px(), MAX_CANVAS_PX);
            // At the bottom of the scroll range, the last row is the last
            // one in view, drawn at the view's bottom edge.
            let bottom = MAX_CANVAS_PX - 600.0;
            let (first, count) = scroll.window(bottom, 0);
            assert_eq!(first + count, rows);
            assert!(scroll.in_view(rows - 1, bottom));
            assert!((scroll.row_top(rows - 1, bottom) + ROW - (bottom + 600.0)).abs() < 1e-3);
            // Any row, scrolled to, is in view at the scroll position the
            // browser keeps (whole pixels).
            for row in [0, 1, 1_234_567, rows / 2, rows - 30, rows - 1] {
                let top = (scroll.scroll_for(row as f64 - 3.0)).round();
                assert!(scroll.in_view(row, top), "row {row} of {rows} at {top}");
            }
            // The rows in view are one row apart, in order, inside the view.
            let top = 7_777_777.0;
            let (first, count) = scroll.window(top, 0);
            let places: Vec<f64> = (first..first + count)
                .map(|r| scroll.row_top(r, top))
                .collect();
            assert!(places.windows(2).all(|w| (w[1] - w[0] - ROW).abs() < 1e-6));
            assert!(places[0] <= top && places[0] + ROW > top);
        }
    }
}
