//! `tracelens serve` as a client sees it: the real binary on loopback
//! ports, real HTTP and gRPC clients, a real data folder.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

/// A running server and where it listens.
struct Server {
    child: Child,
    web: String,
    http: String,
    grpc: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    fn start(data: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tracelens"))
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--otlp-http",
                "127.0.0.1:0",
            ])
            .args(["--otlp-grpc", "127.0.0.1:0", "--app", "/nonexistent"])
            .arg("--data")
            .arg(data)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tracelens serve starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut address = |label: &str| loop {
            let line = lines.next().expect("serve prints its addresses").unwrap();
            if let Some(rest) = line.trim().strip_prefix(label) {
                return rest.trim().to_owned();
            }
        };
        let web = address("app, Tempo and Loki API");
        let http = address("OTLP/HTTP");
        let grpc = address("OTLP/gRPC");
        std::thread::spawn(move || lines.for_each(drop));
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        Self {
            child,
            web,
            http,
            grpc,
            log,
        }
    }

    fn kill(&mut self) {
        // SIGKILL: no chance to flush or clean up.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn data_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tracelens-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..KeyValue::default()
    }
}

/// A request of `spans` spans of trace `trace` (a root and its children).
fn request(trace: u64, spans: u64) -> ExportTraceServiceRequest {
    let trace_id = [&[0xab; 8][..], &trace.to_be_bytes()].concat();
    let spans = (0..spans)
        .map(|i| Span {
            trace_id: trace_id.clone(),
            span_id: (i + 1).to_be_bytes().to_vec(),
            parent_span_id: if i == 0 {
                Vec::new()
            } else {
                1u64.to_be_bytes().to_vec()
            },
            name: if i == 0 {
                "batch".to_owned()
            } else {
                format!("step {i}")
            },
            start_time_unix_nano: 1_700_000_000_000_000_000 + trace * 1_000_000_000 + i,
            end_time_unix_nano: 1_700_000_000_000_000_000 + trace * 1_000_000_000 + 1_000_000,
            attributes: vec![text("step.kind", if i % 2 == 0 { "even" } else { "odd" })],
            ..Span::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![text("service.name", "tests")],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

fn trace_hex(trace: u64) -> String {
    format!("abababababababab{trace:016x}")
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

fn post(url: &str, content_type: &str, encoding: Option<&str>, body: Vec<u8>) -> (u16, Vec<u8>) {
    let mut request = client()
        .post(url)
        .header("content-type", content_type)
        .body(body);
    if let Some(encoding) = encoding {
        request = request.header("content-encoding", encoding);
    }
    let response = request.send().expect("the server answers");
    (
        response.status().as_u16(),
        response.bytes().unwrap().to_vec(),
    )
}

/// The spans the server returns for a trace, counted from its JSON.
fn spans_of(server: &Server, trace: u64) -> Option<usize> {
    let response = client()
        .get(format!("{}/api/v2/traces/{}", server.web, trace_hex(trace)))
        .send()
        .unwrap();
    if response.status().as_u16() == 404 {
        return None;
    }
    let body: serde_json::Value = response.json().unwrap();
    Some(
        body["trace"]["resourceSpans"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["scopeSpans"].as_array().unwrap())
            .map(|s| s["spans"].as_array().unwrap().len())
            .sum(),
    )
}

/// `google.rpc.Status` as OTLP/HTTP sends it in a failure.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[test]
fn otlp_http_answers_as_the_specification_says() {
    let data = data_dir("http");
    let server = Server::start(&data, &["--max-request-size", "64KiB"]);
    let traces = format!("{}/v1/traces", server.http);

    // Protobuf: 200 with an empty response.
    let (status, body) = post(
        &traces,
        "application/x-protobuf",
        None,
        request(1, 5).encode_to_vec(),
    );
    assert_eq!(status, 200);
    let response = ExportTraceServiceResponse::decode(&body[..]).unwrap();
    assert_eq!(response.partial_success, None);

    // Some spans rejected: 200 with a partial success naming the first.
    let mut partial = request(2, 3);
    partial.resource_spans[0].scope_spans[0].spans[2].trace_id = vec![1, 2, 3, 4, 5];
    let (status, body) = post(
        &traces,
        "application/x-protobuf",
        None,
        partial.encode_to_vec(),
    );
    assert_eq!(status, 200);
    let partial = ExportTraceServiceResponse::decode(&body[..])
        .unwrap()
        .partial_success
        .unwrap();
    assert_eq!(partial.rejected_spans, 1);
    assert!(
        partial
            .error_message
            .contains("trace_id is 5 bytes, not 16"),
        "{}",
        partial.error_message
    );

    // JSON in, JSON out; gzip undone.
    let json = serde_json::to_vec(&request(3, 4)).unwrap();
    let (status, body) = post(&traces, "application/json", None, json.clone());
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok());
    let mut gzipped = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gzipped.write_all(&request(4, 6).encode_to_vec()).unwrap();
    let (status, _) = post(
        &traces,
        "application/x-protobuf",
        Some("gzip"),
        gzipped.finish().unwrap(),
    );
    assert_eq!(status, 200);

    // Malformed: 400 with a Status saying why.
    let (status, body) = post(
        &traces,
        "application/x-protobuf",
        None,
        b"\x0a\xff\xff\xff".to_vec(),
    );
    assert_eq!(status, 400);
    let refusal = RpcStatus::decode(&body[..]).unwrap();
    assert_eq!(refusal.code, 3);
    assert!(
        refusal
            .message
            .contains("not a protobuf ExportTraceServiceRequest"),
        "{}",
        refusal.message
    );
    let (status, body) = post(
        &traces,
        "application/json",
        None,
        b"{\"resourceSpans\": 7}".to_vec(),
    );
    assert_eq!(status, 400);
    let refusal: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(
        refusal["message"].as_str().unwrap().contains("OTLP/JSON"),
        "{refusal}"
    );

    // Another media type: 415; another encoding: 415.
    let (status, _) = post(&traces, "text/plain", None, b"hello".to_vec());
    assert_eq!(status, 415);
    let (status, _) = post(&traces, "application/x-protobuf", Some("br"), vec![1]);
    assert_eq!(status, 415);

    // Over the size limit, sent as is or as a small gzip: 413.
    let big = request(5, 2_000).encode_to_vec();
    assert!(big.len() > 64 << 10);
    let (status, body) = post(&traces, "application/x-protobuf", None, big.clone());
    assert_eq!(status, 413);
    assert!(RpcStatus::decode(&body[..])
        .unwrap()
        .message
        .contains("--max-request-size"));
    let mut bomb = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    bomb.write_all(&big).unwrap();
    let bomb = bomb.finish().unwrap();
    assert!(bomb.len() < 64 << 10);
    let (status, _) = post(&traces, "application/x-protobuf", Some("gzip"), bomb);
    assert_eq!(status, 413);

    // It kept serving, and kept what it accepted.
    assert_eq!(spans_of(&server, 1), Some(5));
    assert_eq!(spans_of(&server, 2), Some(2));
    assert_eq!(spans_of(&server, 3), Some(4));
    assert_eq!(spans_of(&server, 4), Some(6));
    assert_eq!(spans_of(&server, 5), None);

    // The data folder is a file tracelens reads as it is.
    let segment = data.join("000001.traces.binpb");
    let out = Command::new(env!("CARGO_BIN_EXE_tracelens"))
        .args(["analyze", "--json"])
        .arg(&segment)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["traces"].as_array().unwrap().len(), 4, "{report}");
}

#[test]
fn tempo_search_and_loki_answer_from_what_arrived() {
    let data = data_dir("query");
    let server = Server::start(&data, &[]);
    let traces = format!("{}/v1/traces", server.http);
    for trace in 1..=3 {
        let (status, _) = post(
            &traces,
            "application/x-protobuf",
            None,
            request(trace, trace + 1).encode_to_vec(),
        );
        assert_eq!(status, 200);
    }
    let search = |q: &str| {
        let response = client()
            .get(format!("{}/api/search", server.web))
            .query(&[("q", q), ("limit", "10")])
            .send()
            .unwrap();
        (response.status().as_u16(), response.text().unwrap())
    };
    let (status, body) = search("{ }");
    assert_eq!(status, 200);
    let hits: serde_json::Value = serde_json::from_str(&body).unwrap();
    let ids: Vec<_> = hits["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["traceID"].as_str().unwrap().to_owned())
        .collect();
    // Newest first.
    assert_eq!(ids, vec![trace_hex(3), trace_hex(2), trace_hex(1)]);
    assert_eq!(hits["traces"][0]["rootTraceName"], "batch");
    assert_eq!(hits["traces"][0]["rootServiceName"], "tests");
    assert_eq!(hits["traces"][0]["spanSets"][0]["matched"], 4);

    let (_, body) = search(r#"{ span.step.kind = "odd" && name =~ "step.*" }"#);
    let hits: serde_json::Value = serde_json::from_str(&body).unwrap();
    let matched: Vec<_> = hits["traces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["spanSets"][0]["matched"].as_u64().unwrap())
        .collect();
    assert_eq!(matched, vec![2, 1, 1]);

    let (status, body) = search("{ status = error } | count() > 1");
    assert_eq!(status, 400);
    assert!(
        body.contains("tracelens serve answers TraceQL spanset filters"),
        "{body}"
    );

    let tags: serde_json::Value = client()
        .get(format!("{}/api/v2/search/tags", server.web))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert!(tags["scopes"].to_string().contains("step.kind"), "{tags}");
    let values: serde_json::Value = client()
        .get(format!(
            "{}/api/v2/search/tag/span.step.kind/values",
            server.web
        ))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(values["tagValues"].as_array().unwrap().len(), 2, "{values}");

    // Protobuf trace by id is Tempo's TraceByIDResponse, which the app's
    // reader unwraps.
    let body = client()
        .get(format!("{}/api/v2/traces/{}", server.web, trace_hex(2)))
        .header("accept", "application/protobuf")
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let (trace, warning) = tracelens_core::tempo::unwrap_trace_by_id(&body).unwrap();
    assert_eq!(warning, None);
    let set = tracelens_core::ingest::ingest(trace).unwrap();
    assert_eq!(set.traces.len(), 1);
    assert_eq!(set.traces[0].spans.len(), 3);
}

#[test]
fn a_full_disk_answers_503_and_the_server_keeps_serving() {
    let data = data_dir("full");
    // The segment the server appends to is a device that is always full.
    std::os::unix::fs::symlink("/dev/full", data.join("000001.traces.binpb")).unwrap();
    let server = Server::start(&data, &[]);
    let (status, body) = post(
        &format!("{}/v1/traces", server.http),
        "application/x-protobuf",
        None,
        request(1, 3).encode_to_vec(),
    );
    assert_eq!(status, 503);
    let refusal = RpcStatus::decode(&body[..]).unwrap();
    assert_eq!(refusal.code, 14);
    assert!(
        refusal.message.contains("No space left on device"),
        "{}",
        refusal.message
    );
    let echo = client()
        .get(format!("{}/api/echo", server.web))
        .send()
        .unwrap();
    assert_eq!(echo.status().as_u16(), 200);
    // Nothing half-stored shows up.
    assert_eq!(spans_of(&server, 1), None);
}

#[test]
fn a_kill_mid_stream_loses_no_acknowledged_span() {
    let data = data_dir("kill");
    let mut server = Server::start(&data, &[]);
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let senders: Vec<_> = (0..4u64)
        .map(|sender| {
            let (url, acknowledged, stop) = (
                format!("{}/v1/traces", server.http),
                acknowledged.clone(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                let mut trace = sender * 1_000_000;
                while !stop.load(Ordering::Relaxed) {
                    trace += 1;
                    let body = request(trace, 40).encode_to_vec();
                    let sent = client()
                        .post(&url)
                        .header("content-type", "application/x-protobuf")
                        .body(body)
                        .send();
                    match sent {
                        Ok(response) if response.status().as_u16() == 200 => {
                            acknowledged.lock().unwrap().push(trace)
                        }
                        _ => {}
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 200 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    stop.store(true, Ordering::Relaxed);
    senders.into_iter().for_each(|s| s.join().unwrap());
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 200,
        "only {} acknowledged",
        acknowledged.len()
    );

    let server = Server::start(&data, &[]);
    for trace in &acknowledged {
        assert_eq!(
            spans_of(&server, *trace),
            Some(40),
            "trace {trace} after the kill"
        );
    }
}

#[test]
fn a_record_cut_short_is_dropped_on_replay_and_writing_goes_on() {
    let data = data_dir("torn");
    {
        let server = Server::start(&data, &[]);
        let (status, _) = post(
            &format!("{}/v1/traces", server.http),
            "application/x-protobuf",
            None,
            request(1, 3).encode_to_vec(),
        );
        assert_eq!(status, 200);
    }
    // Half a record, as a kill in the middle of a write leaves it.
    let segment = data.join("000001.traces.binpb");
    let whole = std::fs::read(&segment).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&segment)
        .unwrap();
    file.write_all(&whole[..whole.len() / 2]).unwrap();
    drop(file);

    let server = Server::start(&data, &[]);
    let (status, _) = post(
        &format!("{}/v1/traces", server.http),
        "application/x-protobuf",
        None,
        request(2, 4).encode_to_vec(),
    );
    assert_eq!(status, 200);
    assert_eq!(spans_of(&server, 1), Some(3));
    assert_eq!(spans_of(&server, 2), Some(4));
    let log = server.log.lock().unwrap().clone();
    assert!(log.contains("are not a whole record"), "{log}");
    drop(server);
    // The file is a clean stream again: both traces, nothing else.
    let set = tracelens_core::ingest::ingest(&std::fs::read(&segment).unwrap()).unwrap();
    assert_eq!(set.traces.len(), 2);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn past_the_size_limit_the_oldest_files_go_and_the_log_says_so() {
    let data = data_dir("limit");
    let server = Server::start(&data, &["--max-data-size", "512KiB"]);
    let traces = format!("{}/v1/traces", server.http);
    for trace in 1..=60 {
        let (status, _) = post(
            &traces,
            "application/x-protobuf",
            None,
            request(trace, 200).encode_to_vec(),
        );
        assert_eq!(status, 200);
    }
    let total: u64 = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(total <= 512 << 10, "{total} bytes kept");
    assert_eq!(spans_of(&server, 1), None, "the oldest trace is gone");
    assert_eq!(spans_of(&server, 60), Some(200), "the newest is kept");
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("removed") && log.contains("the oldest"),
        "{log}"
    );
}

#[test]
fn otlp_grpc_stores_and_refuses_as_otlp_says() {
    let data = data_dir("grpc");
    let server = Server::start(&data, &["--max-request-size", "64KiB"]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut client = TraceServiceClient::connect(server.grpc.clone())
            .await
            .unwrap();
        let response = client.export(request(7, 5)).await.unwrap().into_inner();
        assert_eq!(response.partial_success, None);
        let refused = client.export(request(8, 2_000)).await.unwrap_err();
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
    });
    assert_eq!(spans_of(&server, 7), Some(5));
    assert_eq!(spans_of(&server, 8), None);
}
