//! The logs panel's questions: which of a trace's lines the filter keeps,
//! how many lines, errors and lines under a span there are, and which
//! lines without a trace id were logged while the trace ran.

use tracelens_core::logs::{Level, LogRecord, LogSet, TraceLogs};
use tracelens_core::Trace;

/// Lines without a trace id are listed with a trace when logged this close
/// to it (zerolog writes whole seconds).
pub const NEARBY_NS: u64 = 1_000_000_000;

/// The panel's filter: a lowest level and text in the message or a field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// `Level::Unknown` keeps every level.
    pub min_level: Level,
    /// Case-insensitive; blank keeps every line.
    pub text: String,
}

impl LogFilter {
    /// Whether the filter keeps `record` (of `logs`).
    pub fn keeps(&self, logs: &LogSet, record: &LogRecord) -> bool {
        let needle = self.text.trim().to_lowercase();
        (self.min_level == Level::Unknown || record.level >= self.min_level)
            && (needle.is_empty() || holds(logs, record, &needle))
    }

    /// The trace's lines the filter keeps, as positions in `joined.lines`,
    /// at most `limit` of them, and how many more it keeps.
    pub fn lines(&self, logs: &LogSet, joined: &TraceLogs, limit: usize) -> (Vec<usize>, usize) {
        let mut kept = Vec::new();
        let mut more = 0;
        for (position, &line) in joined.lines.iter().enumerate() {
            if self.keeps(logs, &logs.records[line as usize]) {
                match kept.len() < limit {
                    true => kept.push(position),
                    false => more += 1,
                }
            }
        }
        (kept, more)
    }
}

fn holds(logs: &LogSet, record: &LogRecord, needle: &str) -> bool {
    record.message.to_lowercase().contains(needle)
        || record.fields.iter().any(|f| {
            f.value
                .display(&logs.strings)
                .to_string()
                .to_lowercase()
                .contains(needle)
        })
}

/// How many lines a trace has, how many are errors, how many are under a
/// span of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCounts {
    pub lines: usize,
    pub errors: usize,
    pub under_spans: usize,
}

impl LineCounts {
    /// The counts of the trace's lines in `joined`.
    pub fn of(logs: &LogSet, joined: &TraceLogs) -> Self {
        let errors = joined
            .lines
            .iter()
            .filter(|&&l| logs.records[l as usize].level.is_error())
            .count();
        Self {
            lines: joined.lines.len(),
            errors,
            under_spans: joined.by_span.values().map(Vec::len).sum(),
        }
    }
}

/// The lines of span `index` and how many are errors; `None` when it
/// has none (most rows show no mark).
pub fn span_line_counts(logs: &LogSet, joined: &TraceLogs, index: u32) -> Option<(usize, usize)> {
    let (mut lines, mut errors) = (0, 0);
    for line in joined.of_span(index) {
        lines += 1;
        errors += usize::from(logs.records[line as usize].level.is_error());
    }
    (lines > 0).then_some((lines, errors))
}

/// Lines naming no trace logged while `trace` ran (give or take
/// [`NEARBY_NS`]), in time order.
pub fn untraced_near<'a>(logs: &'a LogSet, trace: &Trace) -> impl Iterator<Item = &'a LogRecord> {
    let from = trace.start_ns().saturating_sub(NEARBY_NS);
    let to = trace.start_ns() + trace.duration_ns() + NEARBY_NS;
    logs.without_trace()
        .map(|i| &logs.records[i as usize])
        .filter(move |r| r.time_ns >= from && r.time_ns <= to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;
    use tracelens_core::logs::LogFields;

    /// The drawn trace starts at 1 µs after the epoch; lines are placed in
    /// nanoseconds, ids from the drawing (span ids are line numbers).
    fn logs() -> LogSet {
        let lines = [
            r#"{"time":"1970-01-01T00:00:00.000002Z","level":"info","message":"reading","trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0000000000000002"}"#,
            r#"{"time":"1970-01-01T00:00:00.000003Z","level":"error","message":"Disk FULL","trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"0000000000000002","path":"/var/spool"}"#,
            r#"{"time":"1970-01-01T00:00:00.000004Z","level":"warn","message":"slow","trace_id":"0102030405060708090a0b0c0d0e0f10","span_id":"00000000000000ff"}"#,
            r#"{"time":"1970-01-01T00:00:00.5Z","level":"info","message":"no ids, while it ran"}"#,
            r#"{"time":"1970-01-01T00:00:09Z","level":"info","message":"no ids, long after"}"#,
        ];
        let mut logs = LogSet::default();
        logs.add(lines.join("\n").as_bytes(), &LogFields::default())
            .unwrap();
        logs
    }

    #[test]
    fn the_filter_keeps_levels_from_the_lowest_and_text_in_messages_or_fields() {
        let logs = logs();
        let (_, trace) = trace_from_ascii(&["root [----]", "  read [-]"]);
        let joined = TraceLogs::join(&trace, &logs);
        let messages = |filter: &LogFilter| -> Vec<String> {
            let (kept, _) = filter.lines(&logs, &joined, 10);
            kept.iter()
                .map(|&p| logs.records[joined.lines[p] as usize].message.to_string())
                .collect()
        };
        assert_eq!(
            messages(&LogFilter::default()),
            ["reading", "Disk FULL", "slow"]
        );
        let warn = LogFilter {
            min_level: Level::Warn,
            ..LogFilter::default()
        };
        assert_eq!(messages(&warn), ["Disk FULL", "slow"]);
        let text = LogFilter {
            text: " disk ".into(),
            ..LogFilter::default()
        };
        assert_eq!(messages(&text), ["Disk FULL"]);
        let field = LogFilter {
            text: "SPOOL".into(),
            ..LogFilter::default()
        };
        assert_eq!(messages(&field), ["Disk FULL"]);
        // A limit keeps the first lines and counts the rest.
        assert_eq!(LogFilter::default().lines(&logs, &joined, 1), (vec![0], 2));
    }

    #[test]
    fn counts_and_lines_without_ids_near_the_trace() {
        let logs = logs();
        let (_, trace) = trace_from_ascii(&["root [----]", "  read [-]"]);
        let joined = TraceLogs::join(&trace, &logs);
        assert_eq!(
            LineCounts::of(&logs, &joined),
            LineCounts {
                lines: 3,
                errors: 1,
                under_spans: 2
            }
        );
        let read = trace.span_index(tracelens_core::SpanId([0, 0, 0, 0, 0, 0, 0, 2]));
        assert_eq!(
            span_line_counts(&logs, &joined, read.unwrap()),
            Some((2, 1))
        );
        let root = trace.main_root().unwrap();
        assert_eq!(span_line_counts(&logs, &joined, root), None);
        let near: Vec<&str> = untraced_near(&logs, &trace).map(|r| &*r.message).collect();
        assert_eq!(near, ["no ids, while it ran"]);
    }
}
