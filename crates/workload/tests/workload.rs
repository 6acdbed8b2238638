//! The workload run as a user runs it: its traces open in tracelens, its
//! logs join them, failures are recorded, and bad input is refused clearly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output};

use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::{ingest, StatusCode, TraceSet};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "tracelens-workload-test-{name}-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn workload(dir: &PathBuf, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tracelens-workload"))
        .current_dir(dir)
        .args(["--quiet", "--bucket"])
        .arg(format!("file://{}", dir.join("bucket").display()))
        .args(args)
        .output()
        .unwrap()
}

fn traces(path: PathBuf) -> TraceSet {
    ingest(&std::fs::read(path).unwrap()).unwrap()
}

fn span_names(set: &TraceSet) -> Vec<String> {
    let trace = &set.traces[0];
    let mut names: Vec<String> = trace
        .spans
        .iter()
        .map(|s| set.strings.get(s.name).to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_run_writes_one_trace_per_batch_that_tracelens_reads() {
    let dir = scratch("run");
    let out = workload(
        &dir,
        &[
            "--batches",
            "3",
            "--messages",
            "500",
            "--level",
            "3",
            "--log-out",
            "logs.jsonl",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = traces(dir.join("traces.json"));
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    assert_eq!(set.traces.len(), 3);
    assert_eq!(
        span_names(&set),
        [
            "PUT object",
            "compress_zstd",
            "consume",
            "process_batch",
            "upload",
            "write_jsonl"
        ]
    );
    for trace in &set.traces {
        let root = &trace.spans[trace.main_root().unwrap() as usize];
        assert_eq!(set.strings.get(root.name), "process_batch");
        assert_eq!(set.strings.get(root.service), "batch-worker");
        // Every stage is a child of the batch and the critical path tiles it.
        assert_eq!(trace.children(trace.main_root().unwrap()).len(), 4);
        let analysis = analyze(&set, trace, &GroupBy::Name);
        let total: f64 = analysis.breakdown.iter().map(|g| g.critical_pct).sum();
        assert!((total - 100.0).abs() < 1e-6);
    }
    let compress = set.traces[0]
        .spans
        .iter()
        .position(|s| set.strings.get(s.name) == "compress_zstd")
        .unwrap() as u32;
    let attributes: Vec<String> = set.traces[0]
        .span_attributes(compress)
        .iter()
        .map(|a| a.display(&set.strings).to_string())
        .collect();
    assert!(
        attributes.contains(&"compression.level=3".to_owned()),
        "{attributes:?}"
    );
    assert!(attributes
        .iter()
        .any(|a| a.starts_with("compression.output_bytes=")));
    // The batches really were uploaded.
    assert_eq!(std::fs::read_dir(dir.join("bucket")).unwrap().count(), 3);

    // Every log line inside a span names a span of the traces.
    let span_ids: Vec<String> = set
        .traces
        .iter()
        .flat_map(|t| {
            t.spans
                .iter()
                .map(|s| format!("{}/{}", t.trace_id, s.span_id))
        })
        .collect();
    let logs = std::fs::read_to_string(dir.join("logs.jsonl")).unwrap();
    assert!(logs.lines().count() >= 3 * 4);
    for line in logs.lines() {
        let line: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = format!(
            "{}/{}",
            line["trace_id"].as_str().unwrap(),
            line["span_id"].as_str().unwrap()
        );
        assert!(span_ids.contains(&key), "{line}");
    }
}

#[test]
fn injected_upload_failures_are_recorded_with_retries_and_exceptions() {
    let dir = scratch("fail");
    let out = workload(
        &dir,
        &[
            "--batches",
            "1",
            "--messages",
            "100",
            "--codec",
            "lz4",
            "--fail-rate",
            "1",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let set = traces(dir.join("traces.json"));
    let trace = &set.traces[0];
    let attempts: Vec<_> = (0..trace.spans.len() as u32)
        .filter(|&i| set.strings.get(trace.spans[i as usize].name) == "PUT object")
        .collect();
    assert_eq!(attempts.len(), 4, "one attempt and three retries");
    for &attempt in &attempts {
        let span = &trace.spans[attempt as usize];
        assert_eq!(span.status, StatusCode::Error);
        assert!(set
            .strings
            .get(span.status_message)
            .contains("injected failure"));
        assert_eq!(
            set.strings.get(trace.span_events(attempt)[0].name),
            "exception"
        );
    }
    let root = &trace.spans[trace.main_root().unwrap() as usize];
    assert_eq!(root.status, StatusCode::Error, "the batch failed");
}

#[test]
fn bad_input_is_refused_with_a_clear_message() {
    let dir = scratch("bad");
    let level = workload(&dir, &["--level", "30"]);
    assert!(!level.status.success());
    assert!(String::from_utf8_lossy(&level.stderr).contains("--level for zstd is 1–22"));

    let out = workload(&dir, &["--out", "/nonexistent/dir/traces.json"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the trace file"));

    let endpoint = workload(&dir, &["--otlp-endpoint", "localhost:4318"]);
    assert!(!endpoint.status.success());
    assert!(String::from_utf8_lossy(&endpoint.stderr).contains("http://"));
}

#[test]
fn an_unreachable_collector_does_not_lose_the_file() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = scratch("unreachable");
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = workload(
        &dir,
        &[
            "--batches",
            "1",
            "--messages",
            "50",
            "--codec",
            "none",
            "--otlp-endpoint",
            &endpoint,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&endpoint) && stderr.contains("traces.json"),
        "{stderr}"
    );
    assert_eq!(traces(dir.join("traces.json")).traces.len(), 1);
}

#[test]
fn traces_go_over_otlp_http_protobuf_and_to_the_file_at_once() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // A minimal collector: takes one POST, answers 200, hands back the body.
    let collector = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        reader
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n")
            .unwrap();
        (head, body)
    });
    let dir = scratch("otlp");
    let endpoint = format!("http://127.0.0.1:{port}");
    let out = workload(
        &dir,
        &[
            "--batches",
            "2",
            "--messages",
            "50",
            "--codec",
            "gzip",
            "--otlp-endpoint",
            &endpoint,
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (head, body) = collector.join().unwrap();
    assert!(head.starts_with("POST /v1/traces "), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/x-protobuf"),
        "{head}"
    );
    let sent = ingest(&body).unwrap();
    let written = traces(dir.join("traces.json"));
    assert_eq!(sent.span_count(), written.span_count());
    assert_eq!(sent.traces.len(), 2);
}
