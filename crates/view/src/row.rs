//! What one timeline row shows of its span: the bar's place in the time
//! window, the critical sections on it, event marks, and the chips a
//! Jaeger UI user looks for in the row itself (the HTTP or gRPC status,
//! an error, what kind of call it is), read from the span's
//! semantic-convention attributes.

use std::collections::HashMap;

use tracelens_core::analysis::critical_path::Section;
use tracelens_core::units::format_duration;
use tracelens_core::{StatusCode, Trace, TraceSet, Value};

/// The critical sections of the spans on the critical path, `(start,
/// end)` in Unix nanoseconds, by span (a few of a million spans: a vector
/// per span would cost more than the rows).
pub type Sections = HashMap<u32, Vec<(u64, u64)>>;

/// The sections of a critical path, by span.
pub fn sections<'a>(path: impl IntoIterator<Item = &'a Section>) -> Sections {
    let mut sections = Sections::new();
    for section in path {
        sections
            .entry(section.span)
            .or_default()
            .push((section.start_ns, section.end_ns));
    }
    sections
}

/// Every span in tree order as the overview draws it, one row each: its
/// `(start, end)` and its critical sections (none off the path).
pub fn overview_bars<'a>(
    trace: &'a Trace,
    sections: &'a Sections,
) -> impl ExactSizeIterator<Item = ((u64, u64), &'a [(u64, u64)])> + 'a {
    // A flag per span, not a lookup per span: a million lookups cost more
    // than the drawing.
    let mut on_path = vec![false; trace.spans.len()];
    for &span in sections.keys() {
        on_path[span as usize] = true;
    }
    trace.depth_first().iter().map(move |&index| {
        let span = &trace.spans[index as usize];
        let critical = match on_path[index as usize] {
            true => &sections[&index][..],
            false => &[][..],
        };
        ((span.start_ns, span.end_ns), critical)
    })
}

/// What kind of call a span is, by the attributes OpenTelemetry's
/// semantic conventions give each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Http,
    Database,
    Messaging,
    Rpc,
}

impl Call {
    /// A short label for the row.
    pub fn label(self) -> &'static str {
        match self {
            Call::Http => "HTTP",
            Call::Database => "DB",
            Call::Messaging => "MSG",
            Call::Rpc => "RPC",
        }
    }
}

/// The status a row shows as a chip: an HTTP or gRPC status, or "error".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub text: String,
    /// Whether it reads as a failure (drawn as an error).
    pub failed: bool,
    /// What the chip is, on hover.
    pub title: String,
}

/// Where a span sits in the window `(start, end)`, in percent of its
/// width: `(left, width)`.
pub fn place(window: (u64, u64), from: u64, to: u64) -> (f64, f64) {
    let duration = window.1.saturating_sub(window.0).max(1) as f64;
    (
        (from as f64 - window.0 as f64) / duration * 100.0,
        to.saturating_sub(from) as f64 / duration * 100.0,
    )
}

/// Everything a row shows of span `index`, except what the view adds
/// (whether it matches find, whether it is folded, its log lines).
#[derive(Clone, Debug, PartialEq)]
pub struct RowFacts {
    pub depth: u32,
    pub name: String,
    pub service: String,
    pub duration: String,
    pub span_id: String,
    pub error: bool,
    /// The bar: left and width, percent of the window.
    pub bar: (f64, f64),
    /// The critical sections on it, in the same units.
    pub critical: Vec<(f64, f64)>,
    /// Each event: where (percent) and its name and time on hover.
    pub events: Vec<(f64, String)>,
    /// Spans below it (0: no caret).
    pub below: u32,
    pub call: Option<Call>,
    pub chip: Option<Chip>,
}

/// The row of span `index` in the window `(start, end)`.
pub fn row_facts(
    set: &TraceSet,
    trace: &Trace,
    index: u32,
    window: (u64, u64),
    sections: &Sections,
) -> Option<RowFacts> {
    let span = trace.spans.get(index as usize)?;
    let strings = &set.strings;
    let critical = sections
        .get(&index)
        .into_iter()
        .flatten()
        .map(|&(from, to)| place(window, from, to))
        .collect();
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
            (place(window, at, at).0, title)
        })
        .collect();
    let (call, chip) = call_and_chip(set, trace, index);
    Some(RowFacts {
        depth: span.depth,
        name: strings.get(span.name).to_owned(),
        service: strings.get(span.service).to_owned(),
        duration: format_duration(span.duration_ns()),
        span_id: span.span_id.to_string(),
        error: span.status == StatusCode::Error,
        bar: place(window, span.start_ns, span.end_ns),
        critical,
        events,
        below: trace.descendants(index),
        call,
        chip,
    })
}

/// What kind of call span `index` is and the status chip it carries.
pub fn call_and_chip(set: &TraceSet, trace: &Trace, index: u32) -> (Option<Call>, Option<Chip>) {
    let mut call = None;
    let (mut http, mut grpc) = (None, None);
    for attribute in trace.span_attributes(index) {
        let key = set.strings.get(attribute.key);
        let number = match &attribute.value {
            Value::Int(n) => Some(*n),
            Value::Str(s) => set.strings.get(*s).parse().ok(),
            _ => None,
        };
        match key {
            "http.response.status_code" | "http.status_code" => http = number,
            "rpc.grpc.status_code" => grpc = number,
            _ => {}
        }
        let kind = match key {
            "db.system" | "db.system.name" => Some(Call::Database),
            "messaging.system" => Some(Call::Messaging),
            "rpc.system" => Some(Call::Rpc),
            "http.method" | "http.request.method" | "http.url" | "url.full" | "http.route" => {
                Some(Call::Http)
            }
            _ => None,
        };
        // A database or queue reached over HTTP is still a database call.
        call = match (call, kind) {
            (None, kind) | (Some(Call::Http), kind @ Some(_)) => kind.or(call),
            (call, _) => call,
        };
    }
    let error = trace.spans[index as usize].status == StatusCode::Error;
    let chip = match (http, grpc) {
        (Some(code), _) => Some(Chip {
            text: code.to_string(),
            failed: code >= 500 || error,
            title: format!("HTTP status {code}"),
        }),
        (None, Some(code)) => Some(Chip {
            text: format!("gRPC {code}"),
            failed: code != 0,
            title: format!("gRPC status code {code}"),
        }),
        (None, None) => error.then(|| Chip {
            text: "error".to_owned(),
            failed: true,
            title: "the span's status is Error".to_owned(),
        }),
    };
    (call, chip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracelens_core::analysis::ascii::trace_from_ascii;
    use tracelens_core::analysis::critical_path::critical_path;
    use tracelens_core::Attribute;

    fn set_of(lines: &[&str]) -> TraceSet {
        let (set, trace) = trace_from_ascii(lines);
        TraceSet {
            traces: vec![trace],
            ..set
        }
    }

    fn with_attributes(set: &mut TraceSet, index: u32, pairs: &[(&str, Value)]) {
        let trace = &mut set.traces[0];
        let from = trace.attributes.len() as u32;
        for (key, value) in pairs {
            let key = set.strings.intern(key);
            trace.attributes.push(Attribute {
                key,
                value: value.clone(),
            });
        }
        let span = &mut trace.spans[index as usize];
        span.attributes.start = from;
        span.attributes.len = trace.attributes.len() as u32 - from;
    }

    #[test]
    fn a_bar_and_its_critical_sections_are_placed_in_the_window() {
        let set = set_of(&["root [--------]", "  a   [--]", "  b        [-]"]);
        let trace = &set.traces[0];
        let root = trace.main_root().unwrap();
        let sections = sections(&critical_path(trace, root));
        let a = trace.spans.iter().position(|s| s.depth == 1).unwrap() as u32;
        let start = trace.start_ns();
        // A window of 8 µs from the start; a starts at 1 µs, lasts 3.
        let whole = row_facts(&set, trace, a, (start, start + 8_000), &sections).unwrap();
        assert_eq!(whole.bar, (12.5, 37.5));
        assert_eq!(whole.critical, vec![(12.5, 37.5)]);
        // Zoomed to the second half: a is left of the window.
        let zoomed = row_facts(&set, trace, a, (start + 4_000, start + 8_000), &sections).unwrap();
        assert_eq!(zoomed.bar, (-75.0, 75.0));
        let root_row = row_facts(&set, trace, root, (start, start + 8_000), &sections).unwrap();
        assert_eq!(root_row.below, 2);
        // The root holds the path where no child runs: 0–1, 4–6, 8–9.
        assert_eq!(
            root_row.critical,
            vec![(0.0, 12.5), (50.0, 25.0), (100.0, 12.5)]
        );
    }

    #[test]
    fn the_overview_has_every_span_in_tree_order_with_its_critical_sections() {
        let set = set_of(&[
            "root [--------]",
            "  a  [----]",
            "    a1  [-]",
            "  b    [-]",
        ]);
        let trace = &set.traces[0];
        let sections = sections(&critical_path(trace, trace.main_root().unwrap()));
        let bars: Vec<_> = overview_bars(trace, &sections).collect();
        let t0 = trace.start_ns();
        let starts: Vec<u64> = bars.iter().map(|((from, _), _)| from - t0).collect();
        // Tree order (a's child before b, which starts earlier).
        assert_eq!(starts, vec![0, 0, 3_000, 2_000]);
        // b ends before a1 and a: off the path.
        assert!(bars[3].1.is_empty());
        assert!(!bars[0].1.is_empty());
    }

    #[test]
    fn chips_read_http_and_grpc_status_and_calls_read_their_conventions() {
        let mut set = set_of(&["root [----]", "  a [-]", "  b [-]", "  c [-]", "  d [-]"]);
        let id = |set: &TraceSet, n: &str| {
            set.traces[0]
                .spans
                .iter()
                .position(|s| s.span_id.to_string() == format!("{n:0>16}"))
                .unwrap() as u32
        };
        let (a, b, c, d) = (id(&set, "2"), id(&set, "3"), id(&set, "4"), id(&set, "5"));
        let get = set.strings.intern("GET");
        with_attributes(
            &mut set,
            a,
            &[
                ("http.request.method", Value::Str(get)),
                ("http.response.status_code", Value::Int(503)),
            ],
        );
        let pg = set.strings.intern("postgresql");
        with_attributes(&mut set, b, &[("db.system", Value::Str(pg))]);
        let grpc = set.strings.intern("grpc");
        with_attributes(
            &mut set,
            c,
            &[
                ("rpc.system", Value::Str(grpc)),
                ("rpc.grpc.status_code", Value::Int(0)),
            ],
        );
        let code = set.strings.intern("404");
        with_attributes(
            &mut set,
            d,
            &[
                ("http.method", Value::Str(get)),
                ("http.status_code", Value::Str(code)),
            ],
        );
        let trace = &set.traces[0];
        let (call, chip) = call_and_chip(&set, trace, a);
        assert_eq!(call, Some(Call::Http));
        let chip = chip.unwrap();
        assert_eq!((chip.text.as_str(), chip.failed), ("503", true));
        assert_eq!(call_and_chip(&set, trace, b), (Some(Call::Database), None));
        let (call, chip) = call_and_chip(&set, trace, c);
        assert_eq!(call, Some(Call::Rpc));
        assert_eq!(chip.map(|c| c.failed), Some(false));
        // A 404 is the client's answer, not a failure of the server.
        let (_, chip) = call_and_chip(&set, trace, d);
        assert_eq!(
            chip.map(|c| (c.text, c.failed)),
            Some(("404".into(), false))
        );
        assert_eq!(call_and_chip(&set, trace, id(&set, "1")), (None, None));
    }

    #[test]
    fn a_span_in_error_without_a_status_code_gets_an_error_chip() {
        let mut set = set_of(&["root [----]"]);
        set.traces[0].spans[0].status = StatusCode::Error;
        let (_, chip) = call_and_chip(&set, &set.traces[0], 0);
        assert_eq!(
            chip.map(|c| (c.text, c.failed)),
            Some(("error".into(), true))
        );
    }
}
