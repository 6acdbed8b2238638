//! Times the view model's work for one trace's views natively, step by
//! step, to see where a view's time goes before optimising it:
//! `cargo run --release -p tracelens-view --example views_timing FILE`.

use std::time::Instant;

use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_view::detail::header;
use tracelens_view::flame::{layout, rows};
use tracelens_view::row::sections;
use tracelens_view::tables::{span_order, SpanColumn, SpanFigures};

fn main() {
    let file = std::env::args().nth(1).expect("a trace file");
    let set = tracelens_core::ingest(&std::fs::read(&file).unwrap()).unwrap();
    let trace = &set.traces[0];
    println!("{} spans", trace.spans.len());
    let time = |what: &str, f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        println!("{what:<32} {:>8.1} ms", start.elapsed().as_secs_f64() * 1e3);
    };
    let analysis = analyze(&set, trace, &GroupBy::Name);
    let path = sections(&analysis.critical_path);
    time("summary and header (services, depth)", &mut || {
        header(&tracelens_core::TraceSummary::of(&set, trace));
    });
    let mut depth = 0;
    time("flame rows", &mut || depth = rows(trace, None));
    println!("  {depth} rows");
    let mut boxes = Vec::new();
    time("flame layout, 1400 px", &mut || {
        boxes = layout(trace, None, 1400.0, &path, 600)
    });
    println!("  {} boxes", boxes.len());
    let first_child = trace.depth_first()[1];
    time("flame layout of a subtree", &mut || {
        layout(trace, Some(first_child), 1400.0, &path, 600);
    });
    let figures = SpanFigures {
        self_ns: Some(&analysis.self_times),
        critical_ns: Some(&analysis.critical_times),
        logs: None,
    };
    for column in [SpanColumn::SelfTime, SpanColumn::Duration, SpanColumn::Name] {
        time(&format!("spans table by {}", column.name()), &mut || {
            span_order(&set, trace, figures, None, column, true);
        });
    }
}
