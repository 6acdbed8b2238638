//! Synthetic traces for the benchmarks: a seeded random tree with fan-out
//! and depth like a real request, eight services, a few attributes per
//! span, written as OTLP/JSON and as OTLP protobuf.

use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, InstrumentationScope, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, TracesData};
use prost::Message;

/// Spans per batch (one `ResourceSpans` each), as exporters batch them.
const BATCH: usize = 512;
const SERVICES: [&str; 8] = [
    "render-api",
    "scheduler",
    "asset-store",
    "tile-worker",
    "cache",
    "billing",
    "auth",
    "notifier",
];
const NAMES: [&str; 12] = [
    "POST /v1/jobs",
    "schedule",
    "SELECT assets",
    "GET",
    "SET",
    "render_tile",
    "encode_png",
    "upload_part",
    "charge",
    "verify_token",
    "publish",
    "compress",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One trace of `spans` spans: children nest inside their parents.
pub fn trace(spans: usize) -> TracesData {
    let trace_id: Vec<u8> = (1..=16).collect();
    let base = 1_741_977_000_000_000_000u64;
    one(0x7ace_1e25, trace_id, (base, 60_000_000_000), spans)
}

/// `data` with each service's batches merged into one `ResourceSpans`
/// holding one `ScopeSpans`, as a tool that merges batches by service
/// writes them: a few batches of a great many spans each.
pub fn batch_per_service(data: TracesData) -> TracesData {
    let mut merged: Vec<ResourceSpans> = Vec::new();
    for batch in data.resource_spans {
        let spans = batch.scope_spans.into_iter().flat_map(|s| s.spans);
        match merged.iter_mut().find(|m| m.resource == batch.resource) {
            Some(into) => into.scope_spans[0].spans.extend(spans),
            None => merged.push(ResourceSpans {
                resource: batch.resource,
                scope_spans: vec![ScopeSpans {
                    spans: spans.collect(),
                    ..Default::default()
                }],
                ..Default::default()
            }),
        }
    }
    TracesData {
        resource_spans: merged,
    }
}

/// A night of `traces` traces of `spans` spans each, a minute apart,
/// lasting from 1 to about 30 s (one in ten several times longer), as one
/// file: what the *Why slow* pane and `explain` read.
pub fn night(traces: usize, spans: usize) -> TracesData {
    let mut rng = Rng(0x5eed_fa11);
    let base = 1_741_977_000_000_000_000u64;
    let mut all = TracesData::default();
    for t in 0..traces {
        let mut trace_id = vec![0u8; 8];
        trace_id.extend_from_slice(&(t as u64 + 1).to_be_bytes());
        let slow = if rng.below(10) == 0 { 6 } else { 1 };
        let length = (1_000_000_000 + rng.below(4_000_000_000)) * slow;
        let start = base + t as u64 * 60_000_000_000;
        let mut data = one(rng.next(), trace_id, (start, length), spans);
        // What the slow ones share, for explain to find: the root's input
        // size, which its time follows, and the tier it ran on.
        let root = &mut data.resource_spans[0].scope_spans[0].spans[0];
        root.attributes
            .push(int("batch.bytes", (length / 1_000) as i64));
        let tier = if slow > 1 { "cold" } else { "hot" };
        root.attributes.push(string("storage.tier", tier));
        all.resource_spans.extend(data.resource_spans);
    }
    all
}

/// A trace with its own seed and id, its root at `start` lasting `length`
/// ns.
fn one(seed: u64, trace_id: Vec<u8>, (start, length): (u64, u64), spans: usize) -> TracesData {
    let mut rng = Rng(seed | 1);
    // (start, end) of each span; span 0 is the root.
    let mut intervals = vec![(start, start + length)];
    let mut parents = vec![None];
    let mut depth = vec![0u32];
    for i in 1..spans {
        // Prefer recent spans as parents: deep, bushy trees.
        let window = i.min(64) as u64;
        let mut parent = i - 1 - rng.below(window) as usize;
        if depth[parent] >= 24 {
            parent = 0;
        }
        let (ps, pe) = intervals[parent];
        let length = (pe - ps).max(2);
        let start = ps + rng.below(length / 2);
        let end = start + 1 + rng.below((pe - start).max(1));
        intervals.push((start, end.min(pe)));
        parents.push(Some(parent));
        depth.push(depth[parent] + 1);
    }
    let mut batches = Vec::new();
    for (b, chunk) in (0..spans).collect::<Vec<_>>().chunks(BATCH).enumerate() {
        let service = SERVICES[b % SERVICES.len()];
        let spans = chunk
            .iter()
            .map(|&i| Span {
                trace_id: trace_id.clone(),
                span_id: (i as u64 + 1).to_be_bytes().to_vec(),
                parent_span_id: parents[i]
                    .map_or_else(Vec::new, |p| (p as u64 + 1).to_be_bytes().to_vec()),
                name: NAMES[i % NAMES.len()].to_owned(),
                kind: 1 + (i % 3) as i32,
                start_time_unix_nano: intervals[i].0,
                end_time_unix_nano: intervals[i].1,
                attributes: vec![
                    string("http.route", "/v1/jobs/{id}"),
                    int("job.shard", (i % 97) as i64),
                    string("db.statement", "SELECT * FROM assets WHERE id = $1"),
                    int("bytes", (i * 31) as i64),
                ],
                ..Default::default()
            })
            .collect();
        batches.push(ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    string("service.name", service),
                    string("host.name", "node-7"),
                ],
                ..Default::default()
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "bench".to_owned(),
                    version: "1.0".to_owned(),
                    ..Default::default()
                }),
                spans,
                ..Default::default()
            }],
            ..Default::default()
        });
    }
    TracesData {
        resource_spans: batches,
    }
}

fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
        ..Default::default()
    }
}

fn int(key: &str, value: i64) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::IntValue(value)),
        }),
        ..Default::default()
    }
}

/// The trace as OTLP protobuf bytes.
pub fn protobuf(data: &TracesData) -> Vec<u8> {
    data.encode_to_vec()
}

/// The trace as OTLP/JSON, written the way the spec says (hex ids, int64
/// as strings, integer enums).
pub fn json(data: &TracesData) -> Vec<u8> {
    let attribute = |kv: &KeyValue| {
        let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => {
                format!(r#"{{"stringValue":{}}}"#, serde_json::to_string(s).unwrap())
            }
            Some(any_value::Value::IntValue(i)) => format!(r#"{{"intValue":"{i}"}}"#),
            _ => "{}".to_owned(),
        };
        format!(r#"{{"key":"{}","value":{value}}}"#, kv.key)
    };
    let attributes = |list: &[KeyValue]| list.iter().map(attribute).collect::<Vec<_>>().join(",");
    let mut out = String::from(r#"{"resourceSpans":["#);
    for (b, batch) in data.resource_spans.iter().enumerate() {
        if b > 0 {
            out.push(',');
        }
        let resource = batch
            .resource
            .as_ref()
            .map_or(String::new(), |r| attributes(&r.attributes));
        out.push_str(&format!(
            r#"{{"resource":{{"attributes":[{resource}]}},"scopeSpans":["#
        ));
        for (s, scope) in batch.scope_spans.iter().enumerate() {
            if s > 0 {
                out.push(',');
            }
            out.push_str(r#"{"scope":{"name":"bench","version":"1.0"},"spans":["#);
            for (i, span) in scope.spans.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&format!(
                    r#"{{"traceId":"{}","spanId":"{}","parentSpanId":"{}","name":"{}","kind":{},"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":[{}],"status":{{}}}}"#,
                    hex(&span.trace_id),
                    hex(&span.span_id),
                    hex(&span.parent_span_id),
                    span.name,
                    span.kind,
                    span.start_time_unix_nano,
                    span.end_time_unix_nano,
                    attributes(&span.attributes)
                ));
            }
            out.push_str("]}");
        }
        out.push_str("]}");
    }
    out.push_str("]}");
    out.into_bytes()
}

/// The trace as a stream of OTLP protobuf messages, each after its length
/// as a 4-byte big-endian number, a batch a message, as the Collector's
/// file exporter writes them (`format: proto`).
pub fn protobuf_stream(data: &TracesData) -> Vec<u8> {
    let mut out = Vec::new();
    for batch in &data.resource_spans {
        let message = TracesData {
            resource_spans: vec![batch.clone()],
        }
        .encode_to_vec();
        out.extend((message.len() as u32).to_be_bytes());
        out.extend(message);
    }
    out
}

/// The trace as Zipkin v2 JSON, an array of spans as Zipkin UI downloads
/// a trace: microsecond times, tags as text.
pub fn zipkin(data: &TracesData) -> Vec<u8> {
    let mut out = String::from("[");
    for batch in &data.resource_spans {
        let service = (batch.resource.iter())
            .flat_map(|r| &r.attributes)
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref()?.value.as_ref())
            .map_or(String::new(), |v| match v {
                any_value::Value::StringValue(s) => s.clone(),
                _ => String::new(),
            });
        for span in batch.scope_spans.iter().flat_map(|s| &s.spans) {
            if out.len() > 1 {
                out.push(',');
            }
            let tags = (span.attributes.iter())
                .map(|kv| {
                    let value = match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
                        Some(any_value::Value::StringValue(s)) => s.clone(),
                        Some(any_value::Value::IntValue(i)) => i.to_string(),
                        _ => String::new(),
                    };
                    format!("\"{}\":{}", kv.key, serde_json::to_string(&value).unwrap())
                })
                .collect::<Vec<_>>()
                .join(",");
            let parent = match span.parent_span_id.is_empty() {
                true => String::new(),
                false => format!(r#""parentId":"{}","#, hex(&span.parent_span_id)),
            };
            let kind = match span.kind {
                2 => r#""kind":"SERVER","#,
                3 => r#""kind":"CLIENT","#,
                _ => "",
            };
            let start = span.start_time_unix_nano / 1_000;
            let duration = (span.end_time_unix_nano / 1_000)
                .saturating_sub(start)
                .max(1);
            out.push_str(&format!(
                r#"{{"traceId":"{}","id":"{}",{parent}{kind}"name":{},"timestamp":{start},"duration":{duration},"localEndpoint":{{"serviceName":"{service}"}},"tags":{{{tags}}}}}"#,
                hex(&span.trace_id),
                hex(&span.span_id),
                serde_json::to_string(&span.name).unwrap(),
            ));
        }
    }
    out.push(']');
    out.into_bytes()
}

/// Bytes as lowercase hex, as both JSON formats write ids.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
