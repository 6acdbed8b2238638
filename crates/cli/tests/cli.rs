//! `tracelens` run as a user runs it, on the shared corpus.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn corpus(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(path)
}

fn tracelens(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(args)
        .output()
        .unwrap()
}

/// `tracelens COMMAND --json FILES… EXTRA…` on corpus files: its JSON.
fn json_of(command: &str, files: &[&str], extra: &[&str]) -> Value {
    let paths: Vec<String> = files
        .iter()
        .map(|f| corpus(f).display().to_string())
        .collect();
    let mut args = vec![command, "--json"];
    args.extend(paths.iter().map(String::as_str));
    args.extend(extra);
    let out = tracelens(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn analyze_json(files: &[&str], extra: &[&str]) -> Value {
    json_of("analyze", files, extra)
}

#[test]
fn analyze_json_has_the_contract_shape() {
    let report = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &[]);
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&report), ["aggregate", "traces", "warnings"]);
    let traces = report["traces"].as_array().unwrap();
    assert_eq!(traces.len(), 5);
    let ids: Vec<&str> = traces
        .iter()
        .map(|t| t["trace_id"].as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "traces are sorted by trace id");
    let first = &traces[0];
    assert_eq!(
        keys(first),
        [
            "breakdown",
            "critical_path",
            "duration_ns",
            "root",
            "span_count",
            "trace_id"
        ]
    );
    assert_eq!(first["root"], "export_partition");
    assert_eq!(first["span_count"], 16);
    assert_eq!(first["duration_ns"], 30_523_067_000u64);
    assert_eq!(
        keys(&first["critical_path"][0]),
        ["end_ns", "name", "span_id", "start_ns"]
    );
    assert_eq!(
        keys(&first["breakdown"][0]),
        [
            "count",
            "critical_ns",
            "critical_pct",
            "group",
            "self_ns",
            "self_pct"
        ]
    );
    assert_eq!(first["breakdown"][0]["group"], "zstd_compress");
    assert_eq!(
        keys(&report["aggregate"][0]),
        [
            "count",
            "critical_ns",
            "critical_pct_p50",
            "critical_pct_p95",
            "group",
            "self_ns"
        ]
    );
    assert_eq!(report["aggregate"][0]["group"], "zstd_compress");
    // Five nights at 74.5 … 86.2 %: the median night is 80.6 %.
    let p50 = report["aggregate"][0]["critical_pct_p50"].as_f64().unwrap();
    assert!((p50 - 80.6).abs() < 0.05, "{p50}");
}

#[test]
fn the_critical_path_tiles_the_root_in_the_json() {
    let report = analyze_json(&["ticket-booking/ticket-booking.otlp.json"], &[]);
    for trace in report["traces"].as_array().unwrap() {
        let path = trace["critical_path"].as_array().unwrap();
        for pair in path.windows(2) {
            assert_eq!(pair[0]["end_ns"], pair[1]["start_ns"]);
        }
        let critical: u64 = trace["breakdown"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["critical_ns"].as_u64().unwrap())
            .sum();
        let first = path.first().unwrap()["start_ns"].as_u64().unwrap();
        let last = path.last().unwrap()["end_ns"].as_u64().unwrap();
        assert_eq!(critical, last - first);
    }
}

#[test]
fn every_format_gives_the_same_analysis() {
    let reference = analyze_json(
        &["ticket-booking/ticket-booking.otlp.json"],
        &["--group-by", "service"],
    );
    for file in [
        "ticket-booking/ticket-booking.pb",
        "ticket-booking/ticket-booking.jsonl",
        "ticket-booking/ticket-booking.jaeger.json",
        "ticket-booking/ticket-booking.zipkin.json",
    ] {
        let report = analyze_json(&[file], &["--group-by", "service"]);
        assert_eq!(report["traces"], reference["traces"], "{file}");
    }
}

#[test]
fn grouping_by_an_attribute_uses_its_values() {
    let report = analyze_json(
        &["etl-nightly/etl-nightly.otlp.json"],
        &["--group-by", "attr:compression.level"],
    );
    let groups: Vec<&str> = report["aggregate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"(none)"), "{groups:?}");
    assert!(groups.contains(&"19"), "{groups:?}");
}

#[test]
fn an_unreadable_file_exits_1_with_one_line_naming_it() {
    let missing = tracelens(&["analyze", "/nonexistent/trace.json"]);
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("/nonexistent/trace.json"), "{stderr}");

    let not_a_trace = corpus("README.md");
    let out = tracelens(&["analyze", not_a_trace.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("README.md") && stderr.contains("offset 0"),
        "{stderr}"
    );
}

#[test]
fn fail_over_gates_ci_on_a_share() {
    let file = corpus("etl-nightly/etl-nightly.otlp.json");
    let file = file.to_str().unwrap();
    let over = tracelens(&["analyze", file, "--fail-over", "zstd_compress=80"]);
    assert_eq!(over.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&over.stderr);
    // Three of the five nights exceed 80 %.
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
    let under = tracelens(&["analyze", file, "--fail-over", "zstd_compress=90"]);
    assert_eq!(under.status.code(), Some(0));
}

#[test]
fn compare_ranks_groups_by_change() {
    let out = tracelens(&[
        "compare",
        "--json",
        corpus("etl-nightly/etl-nightly.otlp.json")
            .to_str()
            .unwrap(),
        corpus("etl-nightly/etl-nightly.pb").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = report["changes"].as_array().unwrap();
    assert!(!changes.is_empty());
    assert!(
        changes.iter().all(|c| c["delta_ns"] == 0),
        "the same traces do not change"
    );
}

#[test]
fn logs_add_lines_and_errors_per_group() {
    let totals = |report: &Value| -> (u64, u64) {
        let mut totals = (0, 0);
        for trace in report["traces"].as_array().unwrap() {
            for group in trace["breakdown"].as_array().unwrap() {
                totals.0 += group["log_lines"].as_u64().unwrap();
                totals.1 += group["log_errors"].as_u64().unwrap();
            }
        }
        totals
    };
    // 104 lines: 5 name no trace, 2 name a span that was never exported.
    for logs in [
        "etl-nightly/logs/etl-nightly.zerolog.jsonl",
        "etl-nightly/logs/etl-nightly.otlp-logs.json",
        "etl-nightly/logs/etl-nightly.tracing.jsonl",
    ] {
        let path = corpus(logs).display().to_string();
        let report = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &["--logs", &path]);
        assert_eq!(totals(&report), (97, 1), "{logs}");
        let warnings = report["warnings"].as_array().unwrap();
        assert!(
            warnings
                .iter()
                .filter(|w| w.as_str().unwrap().contains("not in the trace"))
                .count()
                == 2,
            "{warnings:?}"
        );
    }
    // The error was logged in the upload of the night whose part timed out.
    let path = corpus("etl-nightly/logs/loki-query_range.json")
        .display()
        .to_string();
    let report = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &["--logs", &path]);
    let night = report["traces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["trace_id"] == "772649cd9c3c0e1b546e4dd54815baad")
        .unwrap();
    let erring: Vec<&str> = night["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["log_errors"].as_u64().unwrap() > 0)
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(erring.len(), 1, "{erring:?}");
    // Without --logs the contract's keys only.
    let plain = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &[]);
    assert!(plain["traces"][0]["breakdown"][0]
        .get("log_lines")
        .is_none());
}

#[test]
fn an_unreadable_log_file_exits_1_naming_it() {
    let out = tracelens(&[
        "analyze",
        &corpus("etl-nightly/etl-nightly.otlp.json")
            .display()
            .to_string(),
        "--logs",
        &corpus("etl-nightly/etl-nightly.pb").display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("etl-nightly.pb") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

#[test]
fn explain_json_has_the_contract_shape_and_the_slow_set_the_rule_asks_for() {
    let night = "etl-nightly/etl-nightly.otlp.json";
    let file = corpus(night).display().to_string();
    let run = |extra: &[&str]| json_of("explain", &[night], extra);
    let found = run(&["--slow", "40"]);
    // Five nights: the slowest 40 % are two of them.
    assert_eq!(found["slow"]["traces"], 2);
    assert_eq!(found["rest"]["traces"], 3);
    assert_eq!(found["slow"]["rule"], "the slowest 40% by duration");
    for list in ["stages", "attributes", "correlations", "findings"] {
        assert!(found[list].is_array(), "{list}");
    }
    let stage = &found["stages"][0];
    assert!(
        stage["group"].is_string()
            && stage["slow_p50_pct"].is_f64()
            && stage["rest_p50_pct"].is_f64()
    );
    // Stages come biggest difference first.
    let gaps: Vec<f64> = found["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["slow_p50_pct"].as_f64().unwrap() - s["rest_p50_pct"].as_f64().unwrap()).abs())
        .collect();
    assert!(gaps.windows(2).all(|w| w[0] >= w[1]), "{gaps:?}");
    // Over a duration: the 76.84 s night alone is longer than 60 s.
    assert_eq!(run(&["--slow-over", "60s"])["slow"]["traces"], 1);
    // A percentage out of range is refused with a reason.
    let out = tracelens(&["explain", "--slow", "150", file.as_str()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("between 0 and 100"));
}

#[test]
fn graph_writes_the_operations_as_dot_or_mermaid() {
    let file = corpus("etl-nightly/etl-nightly.otlp.json")
        .display()
        .to_string();
    let out = tracelens(&["graph", file.as_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.starts_with("digraph operations {"), "{dot}");
    // Five nights of the same job: each operation once, put_object calling
    // S3.UploadPart across the nights, the compression on the critical path.
    assert_eq!(dot.matches("\\nzstd_compress\\n").count(), 1, "{dot}");
    assert!(dot.contains("\\nzstd_compress\\n5 calls"), "{dot}");
    assert!(
        dot.lines()
            .any(|l| l.contains("zstd_compress") && l.contains("penwidth=3")),
        "{dot}"
    );
    let out = tracelens(&["graph", "--format", "mermaid", file.as_str()]);
    let mermaid = String::from_utf8(out.stdout).unwrap();
    assert!(mermaid.starts_with("flowchart TD"), "{mermaid}");
    assert!(mermaid.contains("-->|"), "{mermaid}");
}

#[test]
fn top_lists_the_spans_with_the_most_self_or_critical_time() {
    let report = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &["--top", "3"]);
    for trace in report["traces"].as_array().unwrap() {
        let top = trace["top"].as_array().unwrap();
        assert_eq!(top.len(), 3);
        let selfs: Vec<u64> = top.iter().map(|s| s["self_ns"].as_u64().unwrap()).collect();
        assert!(selfs.windows(2).all(|w| w[0] >= w[1]), "{selfs:?}");
        // Each night's compression is its biggest span of its own.
        assert_eq!(top[0]["name"], "zstd_compress");
    }
    let by_critical = analyze_json(
        &["etl-nightly/etl-nightly.otlp.json"],
        &["--top", "2", "--top-by", "critical"],
    );
    let top = by_critical["traces"][0]["top"].as_array().unwrap();
    let criticals: Vec<u64> = top
        .iter()
        .map(|s| s["critical_ns"].as_u64().unwrap())
        .collect();
    assert!(criticals[0] >= criticals[1]);
    // Without --top the contract's object is as it was.
    let plain = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &[]);
    assert!(plain["traces"][0].get("top").is_none());
}

#[test]
fn structure_merges_the_nights_into_one_tree() {
    let report = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &["--structure"]);
    let nodes = report["structure"].as_array().unwrap();
    // One root, in every night; the compression under it, in every night,
    // with one span a night; a node never holds more than its parent.
    assert_eq!(nodes[0]["depth"], 0);
    assert_eq!(nodes[0]["traces"], 5);
    let compress = nodes
        .iter()
        .find(|n| n["name"] == "zstd_compress")
        .expect("zstd_compress in the tree");
    assert_eq!(compress["path"], "export_partition > zstd_compress");
    assert_eq!(
        (compress["traces"].as_u64(), compress["spans"].as_u64()),
        (Some(5), Some(5))
    );
    let critical = |n: &serde_json::Value| n["mean_critical_ns"].as_u64().unwrap();
    assert!(critical(compress) <= critical(&nodes[0]));
    // The nights' compression times: the mean is their sum over five.
    let nights = analyze_json(&["etl-nightly/etl-nightly.otlp.json"], &[]);
    let sum: u64 = nights["traces"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["breakdown"].as_array().unwrap().iter())
        .filter(|g| g["group"] == "zstd_compress")
        .map(|g| g["critical_ns"].as_u64().unwrap())
        .sum();
    assert_eq!(critical(compress), sum / 5);
    assert!(nights.get("structure").is_none());
    let text = tracelens(&[
        "analyze",
        "--structure",
        &corpus("etl-nightly/etl-nightly.otlp.json")
            .display()
            .to_string(),
    ]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("  zstd_compress (ledger-export) · in 100% of traces · 5 spans"),
        "{text}"
    );
}

#[test]
fn a_trace_of_one_span_is_said_as_one() {
    let file = std::env::temp_dir().join(format!(
        "tracelens-one-span-{}.otlp.json",
        std::process::id()
    ));
    std::fs::write(
        &file,
        r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"solo"}}]},
            "scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",
            "name":"alone","startTimeUnixNano":"1000","endTimeUnixNano":"2000"}]}]}]}"#,
    )
    .unwrap();
    let out = tracelens(&["analyze", &file.display().to_string()]);
    std::fs::remove_file(&file).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("alone (solo)  1 span  1.00 µs"), "{text}");
}
