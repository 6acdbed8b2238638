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

/// `count` of `noun` as the reader says it: "1 span", "2 spans".
pub fn counted(count: impl Into<u64>, noun: &str) -> String {
    match count.into() {
        1 => format!("1 {noun}"),
        count => format!("{count} {noun}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::{counted, format_duration};

    #[test]
    fn one_of_a_thing_has_no_plural() {
        assert_eq!(counted(1u32, "span"), "1 span");
        assert_eq!(counted(0u32, "span"), "0 spans");
        assert_eq!(counted(50_000u32, "trace"), "50000 traces");
    }

    #[test]
    fn durations_use_readable_units() {
        assert_eq!(format_duration(10_103_000_000), "10.10 s");
        assert_eq!(format_duration(1_500_000), "1.50 ms");
        assert_eq!(format_duration(12_000), "12.00 µs");
        assert_eq!(format_duration(999), "999 ns");
    }
}
