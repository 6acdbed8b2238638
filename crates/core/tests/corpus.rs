//! Every file of `../shared/corpus` in a format tracelens reads must give
//! exactly the facts its manifest lists: traces, span counts, roots and
//! orphans, and the durations of `expected/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tracelens_core::{ingest, Trace, TraceSet};

mod everything;
use everything::everything;

/// Formats read so far; the others must fail cleanly, never panic.
const READ_FORMATS: &[&str] = &[
    "otlp-json",
    "otlp-jsonl",
    "otlp-json-protojson",
    "otlp-proto",
    "otlp-proto-stream",
    "jaeger-json",
    "zipkin-v2",
    "tempo-v1",
    "tempo-v2",
];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn manifest() -> Value {
    let path = corpus().join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("the corpus manifest {} must exist: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn load(path: &str) -> Result<TraceSet, tracelens_core::IngestError> {
    let bytes = std::fs::read(corpus().join(path)).unwrap();
    ingest(&bytes)
}

/// The manifest's facts of one trace, computed from our model.
fn facts(set: &TraceSet, trace: &Trace) -> Value {
    let mut roots: Vec<&str> = trace
        .spans
        .iter()
        .filter(|s| s.parent_span_id.is_none())
        .map(|s| set.strings.get(s.name))
        .collect();
    roots.sort_unstable();
    let orphans = trace
        .spans
        .iter()
        .filter(|s| s.parent_span_id.is_some() && s.parent.is_none())
        .count();
    serde_json::json!({
        "trace_id": trace.trace_id.to_string(),
        "spans": trace.spans.len(),
        "roots": roots,
        "orphans": orphans,
    })
}

#[test]
fn every_readable_corpus_file_gives_the_manifest_facts() {
    let manifest = manifest();
    let mut checked = 0;
    for file in manifest["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let format = file["format"].as_str().unwrap();
        if !READ_FORMATS.contains(&format) {
            continue;
        }
        let set = load(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let got: Vec<Value> = set.traces.iter().map(|t| facts(&set, t)).collect();
        let want = file["traces"].as_array().unwrap();
        assert_eq!(&got, want, "{path}");
        checked += 1;
    }
    assert!(checked >= 45, "only {checked} corpus files were checked");
}

#[test]
fn trace_durations_match_expected() {
    for scenario in ["etl-nightly", "ticket-booking", "edge-cases"] {
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(corpus().join(format!("expected/{scenario}.json"))).unwrap(),
        )
        .unwrap();
        let want: BTreeMap<String, u64> = expected["traces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["trace_id"].as_str().unwrap().to_owned(),
                    t["duration_ns"].as_u64().unwrap(),
                )
            })
            .collect();
        for encoding in [
            "otlp.json",
            "jsonl",
            "protojson.json",
            "pb",
            "pbstream",
            "jaeger.json",
            "zipkin.json",
        ] {
            let set = load(&format!("{scenario}/{scenario}.{encoding}")).unwrap();
            let got: BTreeMap<String, u64> = set
                .traces
                .iter()
                .map(|t| (t.trace_id.to_string(), t.duration_ns()))
                .collect();
            assert_eq!(got, want, "{scenario}.{encoding}");
        }
    }
}

#[test]
fn files_in_formats_not_read_yet_fail_cleanly() {
    let manifest = manifest();
    for file in manifest["files"].as_array().unwrap() {
        let format = file["format"].as_str().unwrap();
        if READ_FORMATS.contains(&format) {
            continue;
        }
        // Whatever the answer, it must be an answer, not a panic.
        let _ = load(file["path"].as_str().unwrap());
    }
}

#[test]
fn a_2000_deep_chain_loads_without_recursion() {
    let set = load("deep-chain/deep-chain.otlp.json").unwrap();
    let trace = &set.traces[0];
    assert_eq!(trace.spans.len(), 2000);
    assert_eq!(trace.spans.iter().map(|s| s.depth).max(), Some(1999));
    assert_eq!(trace.depth_first().len(), 2000);
}

/// One span as every encoding must carry it.
type SpanFacts = (
    String,
    String,
    Option<String>,
    String,
    String,
    u64,
    u64,
    String,
    String,
);

fn span_facts(set: &TraceSet) -> Vec<SpanFacts> {
    let mut facts: Vec<SpanFacts> = set
        .traces
        .iter()
        .flat_map(|trace| {
            trace.spans.iter().map(|s| {
                (
                    trace.trace_id.to_string(),
                    s.span_id.to_string(),
                    s.parent_span_id.map(|p| p.to_string()),
                    set.strings.get(s.name).to_owned(),
                    set.strings.get(s.service).to_owned(),
                    s.start_ns,
                    s.end_ns,
                    format!("{:?}", s.kind),
                    format!("{:?}", s.status),
                )
            })
        })
        .collect();
    facts.sort();
    facts
}

#[test]
fn every_encoding_of_a_scenario_yields_the_same_spans() {
    let manifest = manifest();
    for scenario in ["etl-nightly", "ticket-booking", "edge-cases", "deep-chain"] {
        let reference = span_facts(&load(&format!("{scenario}/{scenario}.otlp.json")).unwrap());
        let mut compared = 0;
        for file in manifest["files"].as_array().unwrap() {
            let path = file["path"].as_str().unwrap();
            if file["scenario"] != scenario
                || !READ_FORMATS.contains(&file["format"].as_str().unwrap())
            {
                continue;
            }
            let facts = span_facts(&load(path).unwrap());
            if file["format"].as_str().unwrap().starts_with("tempo") {
                // A Tempo answer holds one trace of the scenario.
                assert!(facts.iter().all(|f| reference.contains(f)), "{path}");
            } else {
                assert_eq!(facts, reference, "{path}");
            }
            compared += 1;
        }
        assert!(
            compared >= 6,
            "{scenario}: only {compared} encodings compared"
        );
    }
}

#[test]
fn self_times_match_expected_in_every_encoding() {
    use tracelens_core::analysis::self_time::self_times;
    for scenario in ["etl-nightly", "ticket-booking", "edge-cases"] {
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(corpus().join(format!("expected/{scenario}.json"))).unwrap(),
        )
        .unwrap();
        let mut want = BTreeMap::new();
        for trace in expected["traces"].as_array().unwrap() {
            for span in trace["spans"].as_array().unwrap() {
                want.insert(
                    span["span_id"].as_str().unwrap().to_owned(),
                    span["self_ns"].as_u64().unwrap(),
                );
            }
        }
        for encoding in [
            "otlp.json",
            "jsonl",
            "protojson.json",
            "pb",
            "pbstream",
            "jaeger.json",
            "zipkin.json",
        ] {
            let set = load(&format!("{scenario}/{scenario}.{encoding}")).unwrap();
            let mut got = BTreeMap::new();
            for trace in &set.traces {
                for (span, self_ns) in trace.spans.iter().zip(self_times(trace)) {
                    got.insert(span.span_id.to_string(), self_ns);
                }
            }
            assert_eq!(got, want, "{scenario}.{encoding}");
        }
    }
}

#[test]
fn compression_takes_the_share_the_etl_story_tells() {
    use tracelens_core::analysis::breakdown::{analyze, GroupBy};
    let set = load("etl-nightly/etl-nightly.otlp.json").unwrap();
    let mut traces: Vec<&Trace> = set.traces.iter().collect();
    traces.sort_by_key(|t| t.start_ns());
    let shares: Vec<String> = traces
        .iter()
        .map(|trace| {
            let analysis = analyze(&set, trace, &GroupBy::Name);
            let compress = analysis
                .breakdown
                .iter()
                .find(|g| g.group == "zstd_compress")
                .unwrap();
            // Compression has no children: its self time is its whole span.
            assert_eq!(compress.self_ns, compress.total_ns);
            let sum: f64 = analysis.breakdown.iter().map(|g| g.critical_pct).sum();
            assert!((sum - 100.0).abs() < 1e-9, "critical shares sum to {sum}");
            assert_eq!(analysis.breakdown[0].group, "zstd_compress");
            format!("{:.1}", compress.critical_pct)
        })
        .collect();
    assert_eq!(shares, ["74.5", "78.1", "80.6", "83.8", "86.2"]);
}

/// Critical paths worked out by hand from the definitions, as
/// (span id, start ms, end ms) relative to the trace start.
/// A section as (span id, start ms, end ms).
type HandSection = (&'static str, f64, f64);

#[test]
fn critical_paths_of_edge_cases_match_the_hand_computed_ones() {
    use tracelens_core::analysis::critical_path::critical_path;
    let cases: [(&str, &[HandSection]); 2] = [
        // compose_tile 0–20 with rasterize ×3 ending together at 9 (the
        // longest, from 1, takes over), fetch_glyphs ×2 at 10–15 (ending
        // exactly where flush starts: at or before the point, so one takes
        // over; they tie on end and start, so the lower span id b28d…),
        // flush 15–20.
        (
            "3a1f7c8cef6cb30d02cd4cb555d5e12a",
            &[
                ("13b856b5d9300d6a", 0.0, 1.0),
                ("50fa88db6f9a49bd", 1.0, 9.0),
                ("13b856b5d9300d6a", 9.0, 10.0),
                ("b28d896b5f188b8c", 10.0, 15.0),
                ("d1dee524d2a4d5c8", 15.0, 20.0),
            ],
        ),
        // GET 0–30; encode_png 5–27; write_cache 26–34.5 clipped to 26–30
        // takes over first; encode_png ends after 26, so the root holds 0–26.
        (
            "e2b791e2e53a3b69cee40870ff4c4363",
            &[
                ("2cb6d53aaa18a12a", 0.0, 26.0),
                ("c8bbe57b250d61d0", 26.0, 30.0),
            ],
        ),
    ];
    for encoding in ["otlp.json", "pb", "jaeger.json", "zipkin.json"] {
        let set = load(&format!("edge-cases/edge-cases.{encoding}")).unwrap();
        for (trace_id, want) in cases {
            let trace = set
                .traces
                .iter()
                .find(|t| t.trace_id.to_string() == trace_id)
                .unwrap();
            let start = trace.start_ns();
            let got: Vec<(String, f64, f64)> = critical_path(trace, trace.main_root().unwrap())
                .iter()
                .map(|s| {
                    (
                        trace.spans[s.span as usize].span_id.to_string(),
                        (s.start_ns - start) as f64 / 1e6,
                        (s.end_ns - start) as f64 / 1e6,
                    )
                })
                .collect();
            let want: Vec<(String, f64, f64)> = want
                .iter()
                .map(|&(id, a, b)| (id.to_owned(), a, b))
                .collect();
            assert_eq!(got, want, "{trace_id} in {encoding}");
        }
    }
}

#[test]
fn tempo_search_answers_give_the_manifest_facts() {
    use tracelens_core::tempo::parse_search;
    let manifest = manifest();
    let mut checked = 0;
    for file in manifest["files"].as_array().unwrap() {
        if file["format"] != "tempo-search" {
            continue;
        }
        let path = file["path"].as_str().unwrap();
        let bytes = std::fs::read(corpus().join(path)).unwrap();
        let hits = parse_search(&bytes).unwrap();
        let got: Vec<Value> = hits
            .iter()
            .map(|h| {
                serde_json::json!({
                    "trace_id": h.trace_id.to_string(),
                    "trace_id_as_written": h.trace_id_as_written,
                    "root_service": h.root_service,
                    "root_name": h.root_name,
                    "start_ns": h.start_ns,
                    "duration_ms": h.duration_ms,
                    "matched": h.matched,
                })
            })
            .collect();
        assert_eq!(&Value::Array(got), &file["search"], "{path}");
        checked += 1;
    }
    assert_eq!(checked, 4);
}

#[test]
fn tempo_tag_answers_give_the_manifest_facts() {
    use tracelens_core::tempo::{parse_tag_values, parse_tags};
    let manifest = manifest();
    let mut checked = 0;
    for file in manifest["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        let bytes = || std::fs::read(corpus().join(path)).unwrap();
        match file["format"].as_str().unwrap() {
            "tempo-tags" => {
                let tags = parse_tags(&bytes()).unwrap();
                for (scope, count) in file["scopes"].as_object().unwrap() {
                    let got = if scope == "intrinsic" {
                        tags.iter()
                            .filter(|t| {
                                !t.contains('.')
                                    || t.starts_with("trace:")
                                    || t.starts_with("span:")
                                    || t.starts_with("event:")
                                    || t.starts_with("link:")
                                    || t.starts_with("instrumentation:")
                            })
                            .count()
                    } else {
                        tags.iter()
                            .filter(|t| t.starts_with(&format!("{scope}.")))
                            .count()
                    };
                    assert_eq!(got as u64, count.as_u64().unwrap(), "{path}: {scope}");
                }
            }
            "tempo-tag-values" => {
                let values = parse_tag_values(&bytes()).unwrap();
                let got: Vec<Value> = values
                    .iter()
                    .map(|v| serde_json::json!({"type": v.kind, "value": v.value}))
                    .collect();
                assert_eq!(&Value::Array(got), &file["tag_values"], "{path}");
            }
            _ => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, 10);
}

/// Reads `bytes` in steps of `budget` bytes, as the browser does.
fn load_in_steps(bytes: &[u8], budget: usize) -> Result<TraceSet, tracelens_core::IngestError> {
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut load = builder.start(bytes.to_vec())?;
    let mut last = -1.0;
    loop {
        if let Some(outcome) = builder.advance(&mut load, budget) {
            outcome?;
            break;
        }
        assert!(load.progress() >= last, "progress never goes back");
        last = load.progress();
    }
    Ok(builder.finish())
}

/// What must not depend on how the bytes were read.
fn shape(set: &TraceSet) -> Vec<(String, Vec<String>)> {
    set.traces
        .iter()
        .map(|t| {
            let spans = t
                .spans
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    format!(
                        "{} {} {} {} {:?} {}",
                        s.span_id,
                        set.strings.get(s.name),
                        set.strings.get(s.service),
                        s.duration_ns(),
                        s.parent,
                        t.span_attributes(i as u32).len()
                    )
                })
                .collect();
            (t.trace_id.to_string(), spans)
        })
        .collect()
}

#[test]
fn reading_in_steps_gives_what_reading_at_once_gives() {
    let manifest = manifest();
    for file in manifest["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        if !READ_FORMATS.contains(&file["format"].as_str().unwrap()) {
            continue;
        }
        let bytes = std::fs::read(corpus().join(path)).unwrap();
        let whole = ingest(&bytes).unwrap();
        for budget in [1, 700, usize::MAX] {
            let stepped = load_in_steps(&bytes, budget).unwrap();
            assert_eq!(
                shape(&stepped),
                shape(&whole),
                "{path}, steps of {budget} bytes"
            );
            assert_eq!(stepped.warnings.len(), whole.warnings.len(), "{path}");
        }
    }
    // Damage: a truncated request and a corrupt line keep the same spans.
    let text =
        std::fs::read_to_string(corpus().join("ticket-booking/ticket-booking.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = r#"{"resourceSpans": [{"scopeSpans": [ broken"#;
    let damaged = lines.join("\n");
    let truncated =
        &std::fs::read(corpus().join("etl-nightly/etl-nightly.otlp.json")).unwrap()[..60_000];
    for bytes in [damaged.as_bytes(), truncated] {
        let whole = ingest(bytes).unwrap();
        let stepped = load_in_steps(bytes, 500).unwrap();
        assert_eq!(shape(&stepped), shape(&whole));
        assert!(!stepped.warnings.is_empty());
    }
}

fn by_seeds(bytes: &[u8]) -> Result<TraceSet, tracelens_core::IngestError> {
    let mut builder = tracelens_core::TraceSetBuilder::default();
    builder.add_otlp_json_by_seeds(bytes)?;
    Ok(builder.finish())
}

/// Every file the manifest lists, by path, with its bytes.
fn every_file() -> Vec<(String, Vec<u8>)> {
    let manifest = manifest();
    let files = manifest["files"].as_array().unwrap();
    files
        .iter()
        .map(|file| {
            let path = file["path"].as_str().unwrap();
            (path.to_owned(), std::fs::read(corpus().join(path)).unwrap())
        })
        .collect()
}

/// Compressed corpus files (and each cut short, and with a byte changed)
/// expanded a few kilobytes a step, as the page expands them, give what
/// expanding at once gives: the same bytes, or the same error.
#[test]
fn expanding_in_steps_gives_what_expanding_at_once_gives() {
    use tracelens_core::ingest::{decompressed, is_compressed, Expanding};
    let mut expanded = 0;
    for (path, bytes) in every_file() {
        if !is_compressed(&bytes) {
            continue;
        }
        let mut variants = vec![bytes.clone()];
        for at in [12, bytes.len() / 2, bytes.len() - 3] {
            variants.push(bytes[..at].to_vec());
            let mut changed = bytes.clone();
            changed[at] ^= 0x5a;
            variants.push(changed);
        }
        for variant in variants {
            let whole = decompressed(&variant).map(|b| b.into_owned());
            let mut steps = 0;
            let mut progress = 0.0;
            let stepped = match Expanding::new(&variant[..]) {
                Err(error) => Err(error),
                Ok(mut expanding) => loop {
                    steps += 1;
                    if let Some(done) = expanding.step(4096) {
                        break done;
                    }
                    assert!(expanding.progress() >= progress && expanding.progress() <= 1.0);
                    progress = expanding.progress();
                },
            };
            assert_eq!(stepped, whole, "{path}, {} bytes", variant.len());
            if let Ok(plain) = &stepped {
                assert!(steps > plain.len() / (256 << 10), "{path}: {steps} steps");
                expanded += 1;
            }
        }
    }
    assert!(expanded >= 3, "{expanded} compressed files expanded");
}

/// Every corpus file that reads, as read.
fn every_set() -> impl Iterator<Item = (String, TraceSet)> {
    every_file()
        .into_iter()
        .filter_map(|(path, bytes)| Some((path, ingest(&bytes).ok()?)))
}

/// The direct reader takes the exporters' shape and hands the rest to the
/// serde seeds: on every JSON corpus file, and on each of them damaged,
/// cut short and rewritten into shapes it leaves to the seeds, both give
/// the same spans, details and warnings (or the same error).
#[test]
fn the_direct_reader_gives_what_the_serde_seeds_give() {
    let mut compared = 0;
    for (path, bytes) in every_file() {
        let path = path.as_str();
        let Ok(plain) = tracelens_core::ingest::decompressed(&bytes) else {
            continue;
        };
        if plain.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            continue;
        }
        let plain = plain.to_vec();
        let text = String::from_utf8_lossy(&plain);
        let mut variants = vec![plain.clone()];
        if plain.len() > 300_000 {
            // Big files as they are; their shapes recur in the small ones.
            variants.clear();
            variants.push(plain);
            compare_readers(path, &variants);
            compared += 1;
            continue;
        }
        // Cut short at 13 places, and one byte broken at 13 others.
        for k in 1..=13 {
            let at = plain.len() * k / 14;
            variants.push(plain[..at].to_vec());
            let mut broken = plain.clone();
            broken[at + 7 % (plain.len() - at)] = b'}';
            variants.push(broken);
        }
        // Shapes left to the seeds: escapes, doubles, negative numbers,
        // links, keys it does not know, whitespace everywhere.
        for (from, to) in [
            ("\"name\"", "\"n\\u0061me\""),
            ("\"intValue\"", "\"doubleValue\""),
            ("\"stringValue\":", "\"stringValue\": null, \"boolValue\":"),
            (
                "\"events\"",
                "\"links\": [], \"droppedLinksCount\": 2, \"events\"",
            ),
            ("\"kind\"", "\"unknownKey\": [1, {\"a\": null}], \"kind\""),
            (",", " ,\n\t"),
            ("\"startTimeUnixNano\":\"", "\"startTimeUnixNano\":\"0"),
            (
                "\"status\":{}",
                "\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"x\\ny\"}",
            ),
        ] {
            variants.push(text.replacen(from, to, 3).into_bytes());
            variants.push(text.replace(from, to).into_bytes());
        }
        compare_readers(path, &variants);
        compared += variants.len();
    }
    // Doubles in every shape proto3 JSON allows, and some it does not:
    // the direct reader reads them as the seeds do, bit for bit.
    let doubles = [
        "1.5",
        "-2.25e-3",
        "0.1",
        "6.096",
        "1E+2",
        "12345678901234567890",
        "-0",
        "1e400",
        "\"NaN\"",
        "\"-Infinity\"",
        "\" 3.5 \"",
        "\"abc\"",
        "1.",
        "01",
        "null",
        "+1",
    ];
    let variants: Vec<Vec<u8>> = doubles
        .iter()
        .map(|double| {
            format!(
                r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0000000000000001","name":"s","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{{"key":"d","value":{{"doubleValue":{double}}}}},{{"key":"n","value":{{"intValue":"3"}}}}]}}]}}]}}]}}"#
            )
            .into_bytes()
        })
        .collect();
    compare_readers("doubles", &variants);
    assert!(compared > 500, "only {compared} inputs compared");
}

/// The direct protobuf reader takes the spans exporters write and leaves
/// the rest to prost: on every protobuf corpus file, on each of the small
/// ones cut short and damaged, and on spans in every shape it leaves to
/// prost, both give the same spans, details and warnings (or the same
/// error).
#[test]
fn the_direct_protobuf_reader_gives_what_prost_gives() {
    use tracelens_core::Format;
    let mut compared = 0;
    for (path, bytes) in every_file() {
        let format = match path.as_str() {
            p if p.ends_with(".pbstream") => Format::OtlpProtobufStream,
            p if p.ends_with(".pb") || p.ends_with(".pb.zst") => Format::OtlpProtobuf,
            _ => continue,
        };
        let plain = tracelens_core::ingest::decompressed(&bytes)
            .unwrap()
            .to_vec();
        let mut variants = vec![plain.clone()];
        if plain.len() <= 300_000 {
            // Cut short at 13 places, and one byte changed at 13 others
            // to each of four values (a key, a length, a varint's
            // continuation, a zero).
            for k in 1..=13 {
                let at = plain.len() * k / 14;
                variants.push(plain[..at].to_vec());
                for byte in [0x0a, 0xff, 0x80, 0x00] {
                    let mut broken = plain.clone();
                    broken[(at + 5 * k) % plain.len()] = byte;
                    variants.push(broken);
                }
            }
        }
        for variant in &variants {
            compare_protobuf_readers(&path, format, variant);
        }
        compared += variants.len();
    }
    // Spans in the shapes the direct reader leaves to prost, and some it
    // reads, each in a message of its own.
    let unusual: Vec<(&str, Vec<u8>)> = vec![
        ("plain", vec![]),
        ("links", proto_field(13, &proto_field(1, &[7; 16]))),
        (
            "an array value",
            proto_attribute(&proto_field(5, &proto_field(1, &proto_field(1, b"a")))),
        ),
        ("a map value", proto_attribute(&proto_field(6, &[]))),
        (
            "a bytes value",
            proto_attribute(&proto_field(7, b"\x00\x01")),
        ),
        (
            "a negative integer",
            proto_attribute(&[
                0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ]),
        ),
        (
            "a ten-byte varint past 64 bits",
            proto_attribute(&[
                0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02,
            ]),
        ),
        (
            "a double",
            proto_attribute(&[&[0x21][..], &1.5f64.to_le_bytes()].concat()),
        ),
        (
            "a boolean and a string, the string last",
            proto_attribute(&[&[0x10, 0x01][..], &proto_field(1, b"s")].concat()),
        ),
        ("an empty value", proto_attribute(&[])),
        (
            "a key's string-table index",
            proto_field(9, &[&proto_field(1, b"i")[..], &[0x18, 0x07]].concat()),
        ),
        (
            "a key's string-table index as bytes",
            proto_field(
                9,
                &[&proto_field(1, b"i")[..], &proto_field(3, b"x")].concat(),
            ),
        ),
        (
            "a value given twice",
            proto_field(
                9,
                &[
                    proto_field(1, b"k"),
                    proto_field(2, &[0x10, 0x01]),
                    proto_field(2, &[0x18, 0x05]),
                ]
                .concat(),
            ),
        ),
        (
            "a value, then an empty one",
            proto_field(
                9,
                &[
                    proto_field(1, b"k"),
                    proto_field(2, &proto_field(1, b"first")),
                    proto_field(2, &[]),
                ]
                .concat(),
            ),
        ),
        (
            "an integer as a fixed64",
            proto_attribute(&[&[0x19][..], &[1; 8]].concat()),
        ),
        (
            "a status",
            proto_field(15, &[&proto_field(2, b"boom")[..], &[0x18, 0x02]].concat()),
        ),
        (
            "a status given twice",
            [
                proto_field(15, &[0x18, 0x02]),
                proto_field(15, &proto_field(2, b"m")),
            ]
            .concat(),
        ),
        (
            "an event",
            proto_field(
                11,
                &[
                    &[0x09][..],
                    &[2; 8],
                    &proto_field(2, b"retry"),
                    &proto_field(3, &proto_field(1, b"k")),
                ]
                .concat(),
            ),
        ),
        ("the name twice", proto_field(5, b"second")),
        (
            "an unknown field of each wire type",
            [
                &[0xa8, 0x01, 0x05][..],
                &[0xb1, 0x01],
                &[9; 8],
                &[0xbd, 0x01],
                &[9; 4],
                &proto_field(23, b"x"),
            ]
            .concat(),
        ),
        ("a group", vec![0xa3, 0x01, 0xa4, 0x01]),
        ("wire type 6", vec![0xae, 0x01]),
        ("field number 0", vec![0x02, 0x00]),
        (
            "a key past 32 bits",
            vec![0x82, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00],
        ),
        ("a name that is not UTF-8", proto_field(5, b"\xff\xfe")),
        (
            "an attribute key that is not UTF-8",
            proto_field(9, &proto_field(1, b"\xc3")),
        ),
        ("a span id of 7 bytes", proto_field(2, &[1; 7])),
        ("a trace id of 15 bytes", proto_field(1, &[1; 15])),
        ("a parent id of 9 bytes", proto_field(4, &[1; 9])),
        ("no parent id", proto_field(4, &[])),
        ("a start as a varint", vec![0x38, 0x01]),
        (
            "kind 9 and flags",
            [&[0x30, 0x09, 0x85, 0x01][..], &[0x00, 0x03, 0, 0]].concat(),
        ),
        (
            "dropped counts past 32 bits",
            vec![0x50, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x60, 0x03, 0x70, 0x04],
        ),
        ("a cut-off length", vec![0x2a, 0x05, b'a']),
        ("a name of 2 MiB", proto_field(5, &vec![b'n'; 2 << 20])),
    ];
    for (shape, extra) in unusual {
        let span = [
            proto_field(1, &[1; 16]),
            proto_field(2, &[2; 8]),
            proto_field(4, &[3; 8]),
            proto_field(5, b"op"),
            [
                &[0x39][..],
                &10u64.to_le_bytes(),
                &[0x41],
                &20u64.to_le_bytes(),
            ]
            .concat(),
            proto_attribute(&proto_field(1, b"v")),
            extra,
        ]
        .concat();
        let scope_spans = [
            proto_field(1, &proto_field(1, b"lib")),
            proto_field(2, &span),
        ]
        .concat();
        let resource = proto_field(1, &proto_field(1, b"service.name"));
        let resource_spans = [proto_field(1, &resource), proto_field(2, &scope_spans)].concat();
        let message = proto_field(1, &resource_spans);
        compare_protobuf_readers(shape, Format::OtlpProtobuf, &message);
        compared += 1;
    }
    assert!(compared > 100, "only {compared} inputs compared");
}

/// Reads `bytes` as `format` with the direct reader and with prost alone,
/// and asks that both give the same.
fn compare_protobuf_readers(what: &str, format: tracelens_core::Format, bytes: &[u8]) {
    let read = |direct: bool| {
        let mut builder = tracelens_core::TraceSetBuilder::default();
        match direct {
            true => builder.add_as(format, bytes),
            false => builder.add_otlp_protobuf_by_prost(format, bytes),
        }
        .map(|()| builder.finish())
    };
    assert_eq!(
        everything(&read(true)),
        everything(&read(false)),
        "{what}, a variant of {} bytes",
        bytes.len()
    );
}

/// A length-delimited protobuf field.
fn proto_field(number: u64, body: &[u8]) -> Vec<u8> {
    let mut field = Vec::new();
    prost::encoding::encode_varint(number << 3 | 2, &mut field);
    prost::encoding::encode_varint(body.len() as u64, &mut field);
    field.extend_from_slice(body);
    field
}

/// A span's attribute `k` whose `AnyValue` message is `value`.
fn proto_attribute(value: &[u8]) -> Vec<u8> {
    proto_field(9, &[proto_field(1, b"k"), proto_field(2, value)].concat())
}

/// The narrow Jaeger reader takes the spans Jaeger writes and hands the
/// rest to serde: on every Jaeger corpus file, and on each of them damaged,
/// cut short and rewritten into shapes it leaves to serde, both give the
/// same spans, details and warnings (or the same error).
#[test]
fn the_narrow_jaeger_reader_gives_what_serde_gives() {
    let mut compared = 0;
    for (path, bytes) in every_file() {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if !path.ends_with(".json") || !text.contains("\"operationName\"") {
            continue;
        }
        // Big files as they are; their shapes recur in the small ones.
        let small = bytes.len() <= 300_000;
        let mut variants = vec![bytes.clone()];
        for k in (1..=13).filter(|_| small) {
            let at = bytes.len() * k / 14;
            variants.push(bytes[..at].to_vec());
            let mut broken = bytes.clone();
            broken[at] = b'}';
            variants.push(broken);
        }
        for (from, to) in [
            ("\"operationName\"", "\"operati\\u006fnName\""),
            ("\"duration\"", "\"flags\": 1, \"warnings\": [\"w\"], \"duration\""),
            ("\"duration\": ", "\"duration\": -"),
            ("\"duration\": ", "\"duration\": 1.5e0 + "),
            ("\"startTime\": ", "\"startTime\": \" "),
            ("\"processID\"", "\"spanID\": \"0000000000000001\", \"processID\""),
            ("\"processID\"", "\"process\": {\"serviceName\": \"inline\"}, \"processID\""),
            ("\"type\": \"string\"", "\"type\": null"),
            ("\"value\": \"", "\"value\": [1, \"two\"], \"v\": \""),
            ("\"type\": \"int64\", \"value\": ", "\"type\": \"int64\", \"value\": 1e400, \"x\": "),
            ("\"tags\": [", "\"tags\": [{\"key\": \"f\", \"type\": \"float64\", \"value\": -0.25}, {\"key\": \"b\", \"value\": true}, {\"key\": \"n\", \"value\": null}, "),
            ("\"references\": [", "\"references\": [{\"refType\": \"FOLLOWS_FROM\", \"traceID\": \"x\", \"spanID\": \"y\", \"extra\": {}}, "),
            ("\"logs\": [", "\"logs\": [{\"timestamp\": \"12\", \"fields\": [{\"key\": \"event\", \"value\": \"é\\n\"}]}, "),
            (",", " ,\n\t"),
        ] {
            if small {
                variants.push(text.replacen(from, to, 2).into_bytes());
                variants.push(text.replace(from, to).into_bytes());
            }
        }
        for variant in &variants {
            let narrow = ingest(variant);
            let by_serde = {
                let mut builder = tracelens_core::TraceSetBuilder::default();
                builder
                    .add_jaeger_by_serde(variant)
                    .map(|()| builder.finish())
            };
            if by_serde.is_err() && narrow.is_err() && !variant.starts_with(b"{") {
                continue;
            }
            assert_eq!(
                everything(&narrow),
                everything(&by_serde),
                "{path}, a variant of {} bytes",
                variant.len()
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} inputs compared");
}

fn compare_readers(path: &str, variants: &[Vec<u8>]) {
    for variant in variants {
        let direct = {
            let mut builder = tracelens_core::TraceSetBuilder::default();
            builder
                .add_as(tracelens_core::Format::OtlpJson, variant)
                .map(|()| builder.finish())
        };
        assert_eq!(
            everything(&direct),
            everything(&by_seeds(variant)),
            "{path}, a variant of {} bytes",
            variant.len()
        );
    }
}

/// Reads `bytes` as a file read in slices of `part` bytes is read: each
/// slice handed over as it comes, reading on in steps of `budget` bytes
/// while there is enough to read.
fn load_arriving(
    bytes: &[u8],
    part: usize,
    budget: usize,
) -> Result<TraceSet, tracelens_core::IngestError> {
    load_arriving_holding(bytes, part, budget, &mut 0)
}

/// [`load_arriving`], noting in `held` the most bytes of the input the
/// load held at once.
fn load_arriving_holding(
    bytes: &[u8],
    part: usize,
    budget: usize,
    held: &mut usize,
) -> Result<TraceSet, tracelens_core::IngestError> {
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut given = part.min(bytes.len());
    let mut load = builder.start_arriving(bytes[..given].to_vec(), bytes.len());
    loop {
        if given == bytes.len() {
            load.complete()?;
        }
        loop {
            if let Some(outcome) = builder.advance(&mut load, budget) {
                outcome?;
                return Ok(builder.finish());
            }
            *held = (*held).max(load.held_bytes());
            if load.wants_input() {
                break;
            }
        }
        let next = (given + part).min(bytes.len());
        load.append(&bytes[given..next]);
        given = next;
    }
}

/// Every corpus file (and damaged ones) read while it arrives, in slices
/// small and large, gives exactly what reading it whole gives: spans,
/// details, warnings, or the same error.
#[test]
fn reading_as_the_input_arrives_gives_what_reading_it_whole_gives() {
    let mut inputs = every_file();
    let text =
        std::fs::read_to_string(corpus().join("ticket-booking/ticket-booking.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1] = r#"{"resourceSpans": [{"scopeSpans": [ broken"#;
    inputs.push(("a corrupt line".to_owned(), lines.join("\n").into_bytes()));
    let etl = std::fs::read(corpus().join("etl-nightly/etl-nightly.otlp.json")).unwrap();
    inputs.push(("cut short".to_owned(), etl[..60_000].to_vec()));
    let mut broken = etl.clone();
    broken[90_000] = b'#';
    inputs.push(("a broken byte".to_owned(), broken));
    // Control characters early on make it binary, however little of it has
    // arrived (found by the `stepped` fuzz target).
    let mut binary = etl.clone();
    binary[120..230].fill(0x1a);
    inputs.push(("control characters in the first bytes".to_owned(), binary));
    inputs.push(("empty".to_owned(), Vec::new()));
    // A text file that starts with a blank line starts with the byte a
    // protobuf message does: it is still text (read as protobuf, it failed
    // in the page while it loaded from the command line).
    for format in ["zipkin", "jaeger", "otlp"] {
        let path = format!("etl-nightly/etl-nightly.{format}.json");
        let text = std::fs::read(corpus().join(path)).unwrap();
        inputs.push((
            format!("{format} after a blank line"),
            [b"\n", &text[..]].concat(),
        ));
    }
    // One protobuf message is read as it arrives too: damaged anywhere, it
    // gives what reading it whole gives.
    let pb = std::fs::read(corpus().join("etl-nightly/etl-nightly.pb")).unwrap();
    for at in [
        0,
        1,
        2,
        7,
        300,
        pb.len() / 3,
        pb.len() / 2 + 5,
        pb.len() - 3,
    ] {
        inputs.push((format!("protobuf cut at byte {at}"), pb[..at].to_vec()));
        for byte in [0x00, 0x0f, 0xff, 0x0a, 0x12] {
            let mut broken = pb.clone();
            broken[at] = byte;
            inputs.push((format!("protobuf with {byte:#04x} at byte {at}"), broken));
        }
    }
    // It is read while it arrives: a resource's spans as soon as all of
    // them are there (two messages one after the other are one message).
    let twice = [&pb[..], &pb[..]].concat();
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut load = builder.start_arriving(twice[..pb.len() + 100].to_vec(), twice.len());
    assert!(builder.advance(&mut load, 1 << 20).is_none());
    assert!(load.wants_input());
    assert!(
        load.progress() >= 0.5 && builder.span_total() > 0,
        "{}",
        load.progress()
    );
    // Given more, it wants no more until it has read on: a page that asks
    // before stepping would pile up the whole input unread.
    let read = builder.span_total();
    load.append(&twice[pb.len() + 100..]);
    assert!(!load.wants_input());
    load.complete().unwrap();
    assert!(builder
        .advance(&mut load, usize::MAX)
        .is_some_and(|r| r.is_ok()));
    assert_eq!(builder.span_total(), 2 * read);
    inputs.push(("a protobuf message twice".to_owned(), twice));
    let mut unknown = pb.clone();
    unknown.extend_from_slice(&[
        0x10, 0x96, 0x01, 0x1d, 1, 2, 3, 4, 0x19, 1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    inputs.push(("protobuf with unknown top-level fields".to_owned(), unknown));
    // Jaeger JSON is read a span at a time as it arrives: cut or broken
    // anywhere, it gives what reading it whole gives.
    let jaeger = std::fs::read(corpus().join("etl-nightly/etl-nightly.jaeger.json")).unwrap();
    for at in [0, 1, 9, 40, 3_000, jaeger.len() / 2, jaeger.len() - 2] {
        inputs.push((format!("Jaeger cut at byte {at}"), jaeger[..at].to_vec()));
        for byte in [b'#', b',', b'}', b']', b'"'] {
            let mut broken = jaeger.clone();
            broken[at] = byte;
            inputs.push((
                format!("Jaeger with {:?} at byte {at}", byte as char),
                broken,
            ));
        }
    }
    for (name, bytes) in &inputs {
        let whole = everything(&ingest(bytes));
        for part in [64, 997, 65_536, bytes.len() / 3 + 1] {
            let arriving = everything(&load_arriving(bytes, part, 700));
            assert_eq!(arriving, whole, "{name}, slices of {part} bytes");
        }
    }
}

/// While a file arrives, the provisional view holds the spans read so far,
/// each as the finished set has it, more of them with each slice; once all
/// is read it is the finished set but for what joining warns of.
#[test]
fn a_provisional_view_holds_the_spans_read_so_far() {
    let bytes = std::fs::read(corpus().join("etl-nightly/etl-nightly.jsonl")).unwrap();
    let whole = ingest(&bytes).unwrap();
    let key = |set: &TraceSet| -> Vec<String> {
        let mut keys: Vec<String> = set
            .traces
            .iter()
            .flat_map(|t| t.spans.iter().map(move |s| (t.trace_id, s)))
            .map(|(id, s)| {
                let name = set.strings.get(s.name);
                format!("{id} {} {name} {}..{}", s.span_id, s.start_ns, s.end_ns)
            })
            .collect();
        keys.sort();
        keys
    };
    let all = key(&whole);
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let part = bytes.len() / 7 + 1;
    let mut given = part;
    let mut load = builder.start_arriving(bytes[..given].to_vec(), bytes.len());
    let mut seen = Vec::new();
    loop {
        if given == bytes.len() {
            load.complete().unwrap();
        }
        let outcome = loop {
            if let Some(outcome) = builder.advance(&mut load, 4096) {
                break Some(outcome);
            }
            if load.wants_input() {
                break None;
            }
        };
        let so_far = key(&builder.provisional());
        assert!(so_far.iter().all(|span| all.binary_search(span).is_ok()));
        seen.push(so_far.len());
        if let Some(outcome) = outcome {
            outcome.unwrap();
            break;
        }
        let next = (given + part).min(bytes.len());
        load.append(&bytes[given..next]);
        given = next;
    }
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(seen[0] > 0 && seen[0] < all.len() / 2, "{seen:?}");
    let last = builder.provisional();
    let reading = last.warnings.len();
    let finished = builder.finish();
    let mut expected = everything(&Ok(finished));
    // Joining's warnings follow reading's.
    let joining = expected
        .iter()
        .filter(|line| !line.contains(" attrs ["))
        .count()
        - reading;
    expected.drain(reading..reading + joining);
    assert_eq!(everything(&Ok(last)), expected);
}

/// Joining in steps, as the browser does between frames, gives exactly
/// what joining at once gives: traces, spans, details and warnings in the
/// same order, with the progress rising to 1.
#[test]
fn joining_in_steps_gives_what_joining_at_once_gives() {
    let mut joined = 0;
    for (path, bytes) in every_file() {
        let builder = || {
            let mut builder = tracelens_core::TraceSetBuilder::default();
            builder.add(&bytes).map(|()| builder)
        };
        let Ok(at_once) = builder() else { continue };
        let mut finishing = builder().unwrap().finishing();
        let mut progress = vec![finishing.progress()];
        while !finishing.step(1) {
            progress.push(finishing.progress());
        }
        assert!(
            progress.windows(2).all(|w| w[0] <= w[1]),
            "{path}: {progress:?}"
        );
        assert_eq!(finishing.progress(), 1.0, "{path}");
        let stepped = finishing.finish();
        assert_eq!(
            everything(&Ok(stepped)),
            everything(&Ok(at_once.finish())),
            "{path}"
        );
        joined += 1;
    }
    assert!(joined > 20, "only {joined} files joined");
}

/// Finding the critical path in the smallest steps, as the browser does
/// between frames at a larger size, gives the path found at once.
#[test]
fn the_critical_path_found_in_steps_is_the_one_found_at_once() {
    use tracelens_core::analysis::critical_path::{critical_path, PathSearch};
    let mut searched = 0;
    for (path, set) in every_set() {
        for trace in &set.traces {
            for &root in &trace.roots {
                let mut search = PathSearch::new(Some(root));
                let mut steps = 1;
                let stepped = loop {
                    if let Some(found) = search.step(trace, 1) {
                        break found;
                    }
                    steps += 1;
                };
                assert_eq!(stepped, critical_path(trace, root), "{path}");
                assert!(steps >= trace.spans.len().min(3), "{path}: {steps} steps");
                searched += 1;
            }
        }
    }
    assert!(searched > 20, "only {searched} roots searched");
}

/// Adding up the breakdown in steps, as the browser does at a million
/// spans, gives the analysis found at once.
#[test]
fn the_breakdown_added_in_steps_is_the_one_added_at_once() {
    use tracelens_core::analysis::breakdown::{analyze, Breakdown, GroupBy};
    use tracelens_core::analysis::critical_path::critical_path;
    let mut added = 0;
    for (path, set) in every_set() {
        for trace in &set.traces {
            for group_by in [GroupBy::Name, GroupBy::Service] {
                let at_once = analyze(&set, trace, &group_by);
                for budget in [1, 7, 1_000] {
                    let found = trace
                        .main_root()
                        .map_or_else(Vec::new, |root| critical_path(trace, root));
                    let mut adding = Breakdown::new(&set, trace, &group_by, found);
                    let mut steps = 1;
                    while !adding.step(&set, trace, budget) {
                        steps += 1;
                    }
                    assert!(steps >= trace.spans.len() / budget, "{path}: {steps} steps");
                    assert_eq!(adding.finish(trace), at_once, "{path}, steps of {budget}");
                }
            }
            added += 1;
        }
    }
    assert!(added > 20, "only {added} traces added up");
}

/// An element far longer than exporters write (`gen_trace.py` writes one
/// a service, 70 MB each at a million spans) is kept a part at a time as
/// it is read, so its bytes are let go while it arrives: read so — clean,
/// damaged, or in shapes left to the seeds past where a part was kept — it
/// gives what reading it at once gives, positions of damage included.
#[test]
fn a_long_element_is_let_go_as_it_is_read() {
    let span = |i: usize| {
        format!(
            r#"{{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"{:016x}","parentSpanId":"{}","name":"op {}","kind":2,"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{{"key":"n","value":{{"intValue":"{i}"}}}}]}}"#,
            i + 1,
            if i == 0 {
                String::new()
            } else {
                format!("{:016x}", i / 2 + 1)
            },
            i % 7,
            1_000 + i,
            2_000_000 - i,
        )
    };
    // About 36,000 spans of 200 bytes: 7 MB, past the 4 MB a part.
    let count = 36_000;
    let spans: Vec<String> = (0..count).map(span).collect();
    let resource = r#"{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]}"#;
    let document = |spans: &[String], more: &str| {
        format!(
            r#"{{"resourceSpans":[{{"resource":{resource},"scopeSpans":[{{"scope":{{"name":"s"}},"spans":[{}]}}{more}]}},{{"resource":{resource},"scopeSpans":[{{"scope":{{"name":"t"}},"spans":[{}]}}]}}]}}"#,
            spans.join(","),
            span(count + 1)
        )
    };
    let late = count * 7 / 8;
    let with = |text: &str| {
        let mut spans = spans.clone();
        spans[late] = spans[late].replacen("\"name\":\"op", text, 1);
        spans
    };
    let clean = document(&spans, "");
    let mut inputs = vec![
        ("clean", clean.clone()),
        // Damage past the first part kept: a name not quoted.
        ("damaged", document(&with("\"name\":op"), "")),
        // A span the seeds read alone.
        ("an escape", document(&with("\"n\\u0061me\":\"op"), "")),
        // The element's second scope spans with the scope after its spans:
        // the seeds read the rest of the element.
        (
            "a scope after its spans",
            document(
                &spans,
                &format!(
                    r#",{{"spans":[{}],"scope":{{"name":"u"}}}}"#,
                    span(count + 2)
                ),
            ),
        ),
        ("on many lines", clean.replace("},{", "},\n{")),
        (
            "on many lines, damaged",
            document(&with("\"name\":op"), "").replace("},{", "},\n{"),
        ),
        ("cut short", clean[..clean.len() * 15 / 16].to_owned()),
    ];
    inputs.push(("empty spans", document(&[], "")));
    for (name, text) in &inputs {
        let bytes = text.as_bytes();
        let whole = everything(&ingest(bytes));
        assert_eq!(
            everything(&load_in_steps(bytes, 700)),
            whole,
            "{name}, given whole"
        );
        // Given 64 KB at a time, as the page does (in larger slices), it
        // holds a part of the element at most, never the whole of it.
        let mut held = 0;
        let arriving = everything(&load_arriving_holding(bytes, 65_536, 50_000, &mut held));
        assert_eq!(arriving, whole, "{name}, as it arrives");
        // (Damage is told once the whole input is there, as reading it at
        // once tells it: the rest of the element from the part kept on is
        // held until then.)
        if !name.contains("damaged") && *name != "empty spans" {
            assert!(
                held < 4_500_000 && bytes.len() > 6_000_000,
                "{name}: {held} of {} bytes held",
                bytes.len()
            );
        }
        if name.contains("damaged") {
            assert!(whole.iter().any(|w| w.contains("line ")), "{whole:?}");
        }
    }
}

/// A part that ends just after an element, its comma still to come: the
/// comma is the separator, not an element (read as one, it was damage
/// that skipped the rest of the file). Tried at every object's end.
#[test]
fn a_part_ending_just_before_a_comma_reads_as_whole() {
    for path in [
        "ticket-booking/tempo/api-v2-traces-003f9c5e2a71b8d4e6f00c1d2b3a4958.json",
        "ticket-booking/ticket-booking.jsonl",
    ] {
        let bytes = std::fs::read(corpus().join(path)).unwrap();
        let whole = everything(&ingest(&bytes));
        let ends = (1..bytes.len()).filter(|&at| bytes[at - 1] == b'}' && bytes[at] == b',');
        let mut tried = 0;
        for at in ends {
            let arriving = everything(&load_arriving(&bytes, at, 64));
            assert_eq!(arriving, whole, "{path} in parts of {at} bytes");
            tried += 1;
        }
        assert!(tried > 50, "{path}: {tried} object ends");
    }
}
