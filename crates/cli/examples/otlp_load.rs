//! Load for `tracelens serve`'s benchmark (`cargo xtask bench`).
//!
//! `otlp_load send URL SPANS PER_REQUEST SENDERS`: POSTs SPANS spans as
//! OTLP/HTTP protobuf to URL/v1/traces, one trace of PER_REQUEST spans per
//! request, from SENDERS threads with their connections kept alive; prints
//! `spans=… seconds=… spans_per_second=…`.
//!
//! `otlp_load query URL`: with those spans stored, the median latency of
//! trace by id, and of searches that stop early and that read every span;
//! prints `name=milliseconds` pairs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

fn attribute(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

/// Trace number `trace`, of `spans` spans: a root and its children, with
/// the attributes an HTTP service's spans carry.
fn request(trace: u64, spans: u64) -> ExportTraceServiceRequest {
    let trace_id = [&[0x5e; 8][..], &trace.to_be_bytes()].concat();
    let start = 1_700_000_000_000_000_000 + trace * 1_000_000_000;
    let spans = (0..spans)
        .map(|i| Span {
            trace_id: trace_id.clone(),
            span_id: (trace << 20 | (i + 1)).to_be_bytes().to_vec(),
            parent_span_id: match i {
                0 => Vec::new(),
                _ => (trace << 20 | 1).to_be_bytes().to_vec(),
            },
            name: format!("GET /items/{}", i % 50),
            kind: 2,
            start_time_unix_nano: start + i * 1_000,
            end_time_unix_nano: start + i * 1_000 + 500_000,
            attributes: vec![
                attribute(
                    "http.request.method",
                    any_value::Value::StringValue("GET".into()),
                ),
                attribute(
                    "http.response.status_code",
                    any_value::Value::IntValue(200 + (i % 3) as i64),
                ),
                attribute(
                    "step.kind",
                    any_value::Value::StringValue(if i % 2 == 0 { "even" } else { "odd" }.into()),
                ),
            ],
            ..Span::default()
        })
        .collect();
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![attribute(
                    "service.name",
                    any_value::Value::StringValue("load".into()),
                )],
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

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()
        .expect("an HTTP client")
}

fn send(url: &str, spans: u64, per_request: u64, senders: u64) {
    let requests = spans / per_request;
    // Encoded before the clock starts: the server is measured, not this.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..requests)
            .map(|t| request(t, per_request).encode_to_vec())
            .collect(),
    );
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..senders)
        .map(|_| {
            let (bodies, next, url) = (bodies.clone(), next.clone(), format!("{url}/v1/traces"));
            std::thread::spawn(move || {
                let client = client();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i as usize) else {
                        break;
                    };
                    let response = client
                        .post(&url)
                        .header("content-type", "application/x-protobuf")
                        .body(body.clone())
                        .send()
                        .expect("the server answers");
                    assert_eq!(response.status().as_u16(), 200, "request {i}");
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "spans={} seconds={seconds:.3} spans_per_second={:.0}",
        requests * per_request,
        (requests * per_request) as f64 / seconds
    );
}

/// The median of five timings of `get`, in milliseconds.
fn median(mut get: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            get();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[2]
}

fn query(url: &str) {
    let client = client();
    let get = |path: String| {
        let response = client
            .get(format!("{url}{path}"))
            .send()
            .expect("the server answers");
        assert_eq!(response.status().as_u16(), 200, "{path}");
        response.bytes().unwrap();
    };
    let mut trace = 0u64;
    let by_id = median(|| {
        trace = (trace + 337) % 1000;
        get(format!("/api/v2/traces/5e5e5e5e5e5e5e5e{trace:016x}"));
    });
    let search = |q: &str| {
        let q = q
            .replace(' ', "%20")
            .replace('"', "%22")
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('=', "%3D");
        median(|| get(format!("/api/search?q={q}&limit=20")))
    };
    let everything = search("{ }");
    let early = search(r#"{ span.step.kind = "odd" }"#);
    let every_span = search(r#"{ name = "no such span" }"#);
    println!(
        "trace_by_id_ms={by_id:.1} search_all_ms={everything:.1} search_attribute_ms={early:.1} \
         search_no_match_ms={every_span:.1}"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| args[i].parse::<u64>().expect("a number");
    match args.first().map(String::as_str) {
        Some("send") if args.len() == 5 => send(&args[1], number(2), number(3), number(4)),
        Some("query") if args.len() == 2 => query(&args[1]),
        _ => {
            eprintln!("usage: otlp_load send URL SPANS PER_REQUEST SENDERS | query URL");
            std::process::exit(2);
        }
    }
}
