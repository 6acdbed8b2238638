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
    // Written on one line, as Jaeger's API and exporters write it: the
    // first line is the whole file (and the page hands over only its start).
    let jaeger = read("etl-nightly/etl-nightly.jaeger.json");
    let compact: serde_json::Value = serde_json::from_slice(&jaeger).unwrap();
    let compact = serde_json::to_vec(&compact).unwrap();
    assert!(compact.len() > 64 << 10 && !compact.contains(&b'\n'));
    assert!(!looks_like_logs(&compact));
    assert!(!looks_like_logs(&compact[..compact.len() / 2]));
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
    // The first slice of a big compressed file ends mid-stream: it is told
    // by what it expands to so far (it was not, as no whole gzip).
    assert!(looks_like_logs(&gzip[..gzip.len() / 2]));
    let mut from_gzip = LogSet::default();
    from_gzip.add(&gzip, &LogFields::default()).unwrap();
    let (from_plain, _) = load_logs("ticket-booking/logs/ticket-booking.zerolog.jsonl");
    assert_eq!(from_gzip.records, from_plain.records);
    assert_eq!(from_plain.records.len(), 38);
}

/// The (trace id, span id) of each line of a log set, in time order.
fn ids_of(logs: &LogSet) -> Vec<(String, String)> {
    logs.records
        .iter()
        .map(|r| {
            let text = |id: Option<String>| id.unwrap_or_default();
            (
                text(r.trace_id.map(|t| t.to_string())),
                text(r.span_id.map(|s| s.to_string())),
            )
        })
        .collect()
}

/// The corpus's Loki answer with the ids taken out of each line and put
/// where `place` puts them: `(labels, entry)` of each entry's new stream.
fn loki_with_ids_moved(
    place: impl Fn(&mut serde_json::Map<String, Value>, &mut Vec<Value>, Value, Value),
) -> Vec<u8> {
    let mut answer: Value =
        serde_json::from_slice(&read("etl-nightly/logs/loki-query_range.json")).unwrap();
    let mut streams = Vec::new();
    for stream in answer["data"]["result"].as_array().unwrap() {
        for entry in stream["values"].as_array().unwrap() {
            let mut line: serde_json::Map<String, Value> =
                serde_json::from_str(entry[1].as_str().unwrap()).unwrap();
            let trace = line.remove("trace_id").unwrap();
            let span = line.remove("span_id").unwrap();
            let mut labels = stream["stream"].as_object().unwrap().clone();
            let mut entry = vec![
                entry[0].clone(),
                Value::String(Value::Object(line).to_string()),
            ];
            place(&mut labels, &mut entry, trace, span);
            streams.push(serde_json::json!({"stream": labels, "values": [entry]}));
        }
    }
    answer["data"]["result"] = Value::Array(streams);
    serde_json::to_vec(&answer).unwrap()
}

#[test]
fn loki_ids_in_labels_or_structured_metadata_join_like_ids_in_the_line() {
    let (original, _) = load_logs("etl-nightly/logs/loki-query_range.json");
    let want = ids_of(&original);
    assert_eq!(want.len(), 21);
    assert!(want.iter().all(|(t, s)| !t.is_empty() && !s.is_empty()));
    let variants: [(&str, Vec<u8>); 3] = [
        (
            "stream labels",
            loki_with_ids_moved(|labels, _, trace, span| {
                labels.insert("trace_id".into(), trace);
                labels.insert("span_id".into(), span);
            }),
        ),
        (
            "structured metadata",
            loki_with_ids_moved(|_, entry, trace, span| {
                entry.push(serde_json::json!({"trace_id": trace, "span_id": span}));
            }),
        ),
        (
            "categorized labels",
            loki_with_ids_moved(|_, entry, trace, span| {
                entry.push(serde_json::json!({
                    "structuredMetadata": {"traceID": trace, "spanID": span},
                    "parsed": {}
                }));
            }),
        ),
    ];
    for (what, bytes) in variants {
        let mut logs = LogSet::default();
        let (format, added) = logs.add(&bytes, &LogFields::default()).unwrap();
        assert_eq!((format, added), (LogFormat::Loki, 21), "{what}");
        assert_eq!(ids_of(&logs), want, "{what}");
        assert!(logs.warnings.is_empty(), "{what}: {:?}", logs.warnings);
    }
}

#[test]
fn the_same_loki_range_fetched_twice_lists_its_lines_once() {
    let bytes = read("etl-nightly/logs/loki-query_range.json");
    let mut logs = LogSet::default();
    let (_, first) = logs.add(&bytes, &LogFields::default()).unwrap();
    let (_, again) = logs.add(&bytes, &LogFields::default()).unwrap();
    assert_eq!((first, again), (21, 0));
    assert_eq!(logs.records.len(), 21);
}

#[test]
fn java_mdc_and_elastic_common_schema_ids_join() {
    // Logback's JSON encoder and log4j2's JsonTemplateLayout put the ids in
    // an `mdc` object; ECS loggers write `trace.id`, flat or nested.
    let text = br#"{"@timestamp":"2025-03-10T02:00:00.5Z","level":"INFO","message":"mdc","mdc":{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}}
{"@timestamp":"2025-03-10T02:00:00.6Z","log.level":"warn","message":"ecs flat","trace.id":"0af7651916cd43dd8448eb211c80319c","span.id":"b7ad6b7169203332"}
{"@timestamp":"2025-03-10T02:00:00.7Z","log":{"level":"error"},"message":"ecs nested","trace":{"id":"0af7651916cd43dd8448eb211c80319c"},"span":{"id":"b7ad6b7169203333"}}
"#;
    let mut logs = LogSet::default();
    logs.add(text, &LogFields::default()).unwrap();
    let spans: Vec<String> = ids_of(&logs).into_iter().map(|(_, s)| s).collect();
    assert_eq!(
        spans,
        ["b7ad6b7169203331", "b7ad6b7169203332", "b7ad6b7169203333"]
    );
    assert!(logs
        .records
        .iter()
        .all(|r| r.trace_id.unwrap().to_string() == "0af7651916cd43dd8448eb211c80319c"));
}

#[test]
fn a_broken_log_document_is_named_where_it_breaks() {
    // A pretty-printed OTLP logs request cut on line 7 is reported there,
    // not at line 1 as a JSON Lines reading would.
    let text = b"{\n  \"resourceLogs\": [\n    {\n      \"scopeLogs\": [\n        {\n          \"logRecords\": [\n            {\"body\": oops}\n          ]\n        }\n      ]\n    }\n  ]\n}\n";
    let error = LogSet::default()
        .add(text, &LogFields::default())
        .unwrap_err()
        .to_string();
    assert!(error.contains("line 7"), "{error}");
}
