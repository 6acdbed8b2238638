//! Human-readable units, shared by the app and the CLI so both print the
//! same text for the same number.

/// A duration in the largest unit that keeps it readable: `10.10 s`,
/// `1.50 ms`, `12.00 µs`, `999 ns`.
pub fn format_duration(ns: u64) -> String {
    let value = ns as f64;
    if value >= 1e9 {
        format!("{:.2} s", value / 1e9)
    } else if value >= 1e6 {
        format!("{:.2} ms", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.2} µs", value / 1e3)
    } else {
        format!("{ns} ns")
    }
}

#[cfg(test)]
mod tests {
    use super::format_duration;

    #[test]
    fn durations_use_readable_units() {
        assert_eq!(format_duration(10_103_000_000), "10.10 s");
        assert_eq!(format_duration(1_500_000), "1.50 ms");
        assert_eq!(format_duration(12_000), "12.00 µs");
        assert_eq!(format_duration(999), "999 ns");
    }
}
