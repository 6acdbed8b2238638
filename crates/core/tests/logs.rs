//! Every log file of `../shared/corpus/*/logs/` must give exactly the facts
//! its manifest lists, and join to the scenario's traces by id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tracelens_core::logs::{looks_like_logs, LogFields, LogFormat, LogSet, TraceLogs};
use tracelens_core::{ingest, SpanId, TraceSet};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn manifest_files() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus().join("manifest.json")).unwrap();
    let manifest: Value = serde_json::from_str(&text).unwrap();
    manifest["files"].as_array().unwrap().clone()
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(corpus().join(path)).unwrap()
}

fn load_logs(path: &str) -> (LogSet, LogFormat) {
    let mut logs = LogSet::default();
    let (format, _) = logs
        .add(&read(path), &LogFields::default())
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    (logs, format)
}

#[test]
fn every_log_file_gives_its_manifest_facts() {
    let files: Vec<Value> = manifest_files()
        .into_iter()
        .filter(|f| f.get("logs").is_some())
        .collect();
    assert!(files.len() >= 7, "the corpus lists its log files");
    for file in &files {
        let path = file["path"].as_str().unwrap();
        let expected = &file["logs"];
        let (logs, format) = load_logs(path);
        let expected_format = match file["format"].as_str().unwrap() {
            "otlp-logs-json" => LogFormat::OtlpJson,
            "loki-query-range" => LogFormat::Loki,
            _ => LogFormat::JsonLines,
        };
        assert_eq!(format, expected_format, "{path}");
        assert_eq!(
            logs.records.len() as u64,
            expected["records"].as_u64().unwrap(),
            "{path}"
        );
        let mut levels: BTreeMap<String, u64> = BTreeMap::new();
        let mut per_trace: BTreeMap<String, u64> = BTreeMap::new();
        for record in &logs.records {
            *levels.entry(record.level.as_str().to_owned()).or_default() += 1;
            if let Some(trace) = record.trace_id {
                *per_trace.entry(trace.to_string()).or_default() += 1;
            }
            assert!(record.time_ns > 0, "{path}: every line has a time");
            assert!(
                !record.message.is_empty(),
                "{path}: every line has a message"
            );
        }
        assert_eq!(
            serde_json::to_value(&levels).unwrap(),
            expected["levels"],
            "{path}"
        );
        assert_eq!(
            serde_json::to_value(&per_trace).unwrap(),
            expected["per_trace"],
            "{path}"
        );
        assert_eq!(
            logs.without_trace().count() as u64,
            expected["without_trace_id"].as_u64().unwrap(),
            "{path}"
        );

        // Joined to the scenario's own traces.
        let scenario = file["scenario"].as_str().unwrap();
        let traces = ingest(&read(&format!("{scenario}/{scenario}.otlp.json"))).unwrap();
        let mut not_in_traces = 0;
        let mut joined = 0;
        for trace in &traces.traces {
            let join = TraceLogs::join(trace, &logs);
            not_in_traces += join.unknown_spans.iter().map(|(_, n)| n).sum::<usize>();
            joined += join.by_span.values().map(Vec::len).sum::<usize>();
            if !join.unknown_spans.is_empty() {
                let warning = join.unknown_span_warning(trace).unwrap();
                assert!(warning.contains(&join.unknown_spans[0].0.to_string()));
            }
            // A line sits inside its span (to each format's precision; Loki
            // stamps lines when they were read, up to 25 ms late).
            for (&span, positions) in &join.by_span {
                let span = &trace.spans[span as usize];
                for &p in positions {
                    let record = &logs.records[join.lines[p as usize] as usize];
                    assert!(
                        record.time_ns + 1_000_000_000 >= span.start_ns
                            && record.time_ns <= span.end_ns + 1_000_000_000,
                        "{path}: line {:?} lies near span {}",
                        record.message,
                        span.span_id
                    );
                }
            }
        }
        assert_eq!(
            not_in_traces as u64,
            expected["span_id_not_in_traces"].as_u64().unwrap(),
            "{path}"
        );
        let with_trace: u64 = expected["per_trace"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(joined as u64 + not_in_traces as u64, with_trace, "{path}");
    }
}

#[test]
fn logs_and_traces_are_told_apart_by_their_bytes() {
    for file in manifest_files() {
        let path = file["path"].as_str().unwrap();
        let is_logs = file.get("logs").is_some();
        let format = file["format"].as_str().unwrap();
        if format.starts_with("tempo-search")
            || format.starts_with("tempo-tag")
            || path.contains("buildinfo")
        {
            continue;
        }
        assert_eq!(looks_like_logs(&read(path)), is_logs, "{path} ({format})");
    }
}

#[test]
fn the_three_encodings_agree_line_for_line() {
    let etl = |name: &str| load_logs(&format!("etl-nightly/logs/etl-nightly.{name}")).0;
    let (otlp, zerolog, tracing) = (
        etl("otlp-logs.json"),
        etl("zerolog.jsonl"),
        etl("tracing.jsonl"),
    );
    // (trace, span, level, message, whole seconds) of every line.
    type Line = (Option<String>, Option<SpanId>, &'static str, String, u64);
    let key = |set: &LogSet| -> Vec<Line> {
        let mut rows: Vec<_> = set
            .records
            .iter()
            .map(|r| {
                (
                    r.trace_id.map(|t| t.to_string()),
                    r.span_id,
                    r.level.as_str(),
                    r.message.to_string(),
                    r.time_ns / 1_000_000_000,
                )
            })
            .collect();
        rows.sort();
        rows
    };
    assert_eq!(key(&otlp), key(&zerolog));
    assert_eq!(key(&otlp), key(&tracing));
    // Fields reach the model: zerolog's bytes as an integer, tracing's span name.
    let sample = zerolog
        .records
        .iter()
        .find(|r| r.message.starts_with("reading s3://"))
        .unwrap();
    let field = |set: &LogSet, record: &tracelens_core::logs::LogRecord, key: &str| {
        record
            .fields
            .iter()
            .find(|a| set.strings.get(a.key) == key)
            .map(|a| a.value.display(&set.strings).to_string())
    };
    assert_eq!(
        field(&zerolog, sample, "bytes").as_deref(),
        Some("135446592")
    );
    let traced = tracing
        .records
        .iter()
        .find(|r| r.message.starts_with("reading s3://"))
        .unwrap();
    assert_eq!(
        field(&tracing, traced, "span.name").as_deref(),
        Some("read_parquet")
    );
    assert_eq!(zerolog.strings.get(sample.service), "ledger-export");
}

#[test]
fn bad_lines_are_skipped_with_their_line_named_and_the_rest_loads() {
    let text = b"{\"level\":\"info\",\"message\":\"ok\",\"time\":1741572000}\nnot json\n{\"level\":\"warn\",\"msg\":\"second\",\"trace_id\":\"zz\"}\n";
    let mut logs = LogSet::default();
    let (_, added) = logs.add(text, &LogFields::default()).unwrap();
    assert_eq!(added, 2);
    let warnings: Vec<&str> = logs.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("line 2")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("line 3") && w.contains("\"zz\"")),
        "{warnings:?}"
    );
    // No time: listed first, and kept without the bad trace id.
    assert_eq!(&*logs.records[0].message, "second");
    assert_eq!(logs.records[0].trace_id, None);

    let mut empty = LogSet::default();
    assert!(empty.add(b"\n\n", &LogFields::default()).is_err());
    assert!(empty.add(b"nothing here\n", &LogFields::default()).is_err());
}

#[test]
fn field_names_can_be_configured() {
    let text = b"{\"sev\":\"error\",\"text\":\"boom\",\"tid\":\"0af7651916cd43dd8448eb211c80319c\",\"sid\":\"b7ad6b7169203331\",\"when\":\"2025-03-10T02:00:00.5Z\"}\n";
    let fields = LogFields::default()
        .with_overrides("level=sev, message=text, trace_id=tid, span_id=sid, time=when")
        .unwrap();
    let mut logs = LogSet::default();
    logs.add(text, &fields).unwrap();
    let record = &logs.records[0];
    assert_eq!(record.level, tracelens_core::logs::Level::Error);
    assert_eq!(&*record.message, "boom");
    assert_eq!(record.span_id.unwrap().to_string(), "b7ad6b7169203331");
    assert_eq!(record.time_ns, 1_741_572_000_500_000_000);
    assert!(LogFields::default().with_overrides("colour=red").is_err());
}

#[test]
fn the_workload_logs_join_line_for_line_to_its_traces() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../public");
    let traces: TraceSet = ingest(&std::fs::read(root.join("sample.otlp.json")).unwrap()).unwrap();
    let mut logs = LogSet::default();
    logs.add(
        &std::fs::read(root.join("sample.logs.jsonl")).unwrap(),
        &LogFields::default(),
    )
    .unwrap();
    assert!(!logs.records.is_empty());
    let joined: usize = traces
        .traces
        .iter()
        .map(|t| {
            let join = TraceLogs::join(t, &logs);
            assert!(join.unknown_spans.is_empty());
            join.by_span.values().map(Vec::len).sum::<usize>()
        })
        .sum();
    assert_eq!(
        joined,
        logs.records.len(),
        "every workload line names a span of its trace"
    );
}

#[test]
fn reading_in_steps_gives_what_reading_at_once_gives() {
    let bytes = read("etl-nightly/logs/etl-nightly.tracing.jsonl");
    let (at_once, _) = load_logs("etl-nightly/logs/etl-nightly.tracing.jsonl");
    let mut stepped = LogSet::default();
    let mut load = stepped.start(bytes, &LogFields::default()).unwrap();
    let mut steps = 0;
    let mut last = 0.0;
    let result = loop {
        if let Some(result) = stepped.advance(&mut load, 4096) {
            break result;
        }
        assert!(load.progress() > last && load.progress() < 1.0);
        last = load.progress();
        steps += 1;
    };
    assert_eq!(result.unwrap(), (LogFormat::JsonLines, 104));
    assert!(steps > 10, "{steps} steps");
    assert_eq!(stepped.records, at_once.records);
}

#[test]
fn compressed_logs_read_like_plain_ones() {
    use std::io::Write;
    let plain = read("ticket-booking/logs/ticket-booking.zerolog.jsonl");
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzip.write_all(&plain).unwrap();
    let gzip = gzip.finish().unwrap();
    assert!(looks_like_logs(&gzip));
    let mut from_gzip = LogSet::default();
    from_gzip.add(&gzip, &LogFields::default()).unwrap();
    let (from_plain, _) = load_logs("ticket-booking/logs/ticket-booking.zerolog.jsonl");
    assert_eq!(from_gzip.records, from_plain.records);
    assert_eq!(from_plain.records.len(), 38);
}
