//! Real files from other projects (`tests/data/`, sources in its
//! README.md), each read with facts worked out by hand or by a separate
//! reader written for the purpose.

use std::path::{Path, PathBuf};

use tracelens_core::analysis::breakdown::{analyze, GroupBy};
use tracelens_core::analysis::critical_path::critical_path;
use tracelens_core::{ingest, IngestError, SpanKind, Trace, TraceSet};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(path)
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(data(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn load(path: &str) -> TraceSet {
    ingest(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn name<'a>(set: &'a TraceSet, trace: &Trace, span: u32) -> &'a str {
    set.strings.get(trace.spans[span as usize].name)
}

/// (group, critical µs) of the trace's breakdown by service.
fn critical_by_service(set: &TraceSet, trace: &Trace) -> Vec<(String, u64)> {
    analyze(set, trace, &GroupBy::Service)
        .breakdown
        .iter()
        .filter(|g| g.critical_ns > 0)
        .map(|g| (g.group.clone(), g.critical_ns / 1_000))
        .collect()
}

#[test]
fn zipkin_shared_ids_nest_every_server_under_its_client() {
    // 1,041 spans: 957 timed and 84 untimed pieces of them (same id and
    // service) that join them; 290 ids shared by a CLIENT and its SERVER
    // (one by five servers). A separate reader applying Zipkin's rules
    // finds one root and a deepest span 38 levels down.
    let set = load("zipkin/smartthings-mobile-web-install.json");
    assert_eq!(set.traces.len(), 1);
    let trace = &set.traces[0];
    assert_eq!(trace.spans.len(), 957);
    assert_eq!(trace.roots.len(), 1);
    assert_eq!(trace.spans.iter().map(|s| s.depth).max(), Some(38));
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
    let mut servers = 0;
    for span in &trace.spans {
        if span.parent_is_remote() {
            let parent = &trace.spans[span.parent.unwrap() as usize];
            assert_eq!(parent.span_id, span.span_id);
            assert_eq!(parent.kind, SpanKind::Client);
            servers += 1;
        }
    }
    assert_eq!(servers, 294);
}

#[test]
fn zipkin_shared_ids_credit_each_service_its_own_time() {
    // routing's SERVER span (0–131.848 ms) calls yelp_main/api_proxy
    // through a CLIENT span of service "unknown" (1.646–126.646) whose id
    // the server side (27.641–116.576) shares. The server's service names
    // differ from its children's (yelp-main), so, as in Zipkin, they hang
    // under the client side; the server holds its whole 88.935 ms.
    let set = load("zipkin/yelp.json");
    let trace = &set.traces[0];
    assert_eq!(
        critical_by_service(&set, trace),
        [
            ("yelp_main/api_proxy".to_owned(), 88_935),
            ("unknown".to_owned(), 36_065),
            ("routing".to_owned(), 6_848),
        ]
    );
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn a_zipkin_server_side_without_its_client_is_a_plain_span() {
    // Envoy's one span is marked shared; its client was never reported.
    let set = load("zipkin/envoy.json");
    assert_eq!(set.traces[0].spans.len(), 1);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn zipkin_ascend_two_calls_each_credit_their_server() {
    // mobile-gateway calls content-service and auth-service; each call's
    // id is shared with its server. The critical path runs through
    // content-service's server, never crediting it to the gateway.
    let set = load("zipkin/ascend.json");
    let trace = &set.traces[0];
    let services: Vec<String> = critical_by_service(&set, trace)
        .into_iter()
        .map(|(s, _)| s)
        .collect();
    assert!(services.contains(&"content-service".to_owned()));
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn jaeger_v3_answers_are_read_one_or_streamed() {
    // Jaeger v2's /api/v3/traces/{id} answer (its API snapshot): one span
    // "foobar", kind SERVER, status ERROR.
    let one = read("jaeger/GetTrace.json");
    let set = ingest(&one).unwrap();
    let trace = &set.traces[0];
    assert_eq!(trace.spans.len(), 1);
    assert_eq!(name(&set, trace, 0), "foobar");
    assert_eq!(trace.spans[0].kind, SpanKind::Server);
    // The gateway streams one `{"result": …}` object after another.
    let mut streamed = one.clone();
    streamed.extend_from_slice(b"\n");
    streamed.extend_from_slice(&one);
    let set = ingest(&streamed).unwrap();
    assert_eq!(set.traces[0].spans.len(), 2);
}

#[test]
fn jaeger_ui_follows_from_and_opaque_ids() {
    // Jaeger UI's own test trace: ids are text ("span-7"), and span-7
    // follows from span-6 only. Worked by hand from the file: the path
    // (µs after 1542666453000000) runs root −21000…369000 with children
    // span-2 104–137 ms, span-3 159–225 (span-4 179–199, span-5 180–198),
    // span-2_1 229–266, span-6 279–299, span-12 309–319 (span-13 310–319,
    // span-14 311–319, the earlier start taking over); span-7 (779–979)
    // hangs under span-6 and blocks nothing.
    let set = load("jaeger-ui/testTrace.json");
    let trace = &set.traces[0];
    assert_eq!(trace.spans.len(), 11);
    assert_eq!(trace.roots.len(), 1);
    let follower = trace.spans.iter().position(|s| s.follows_from).unwrap();
    let parent = trace.spans[follower].parent.unwrap();
    assert_eq!(name(&set, trace, parent), "op4");
    let by_name: Vec<(String, u64)> = analyze(&set, trace, &GroupBy::Name)
        .breakdown
        .iter()
        .map(|g| (g.group.clone(), g.critical_ns / 1_000_000))
        .collect();
    assert_eq!(
        by_name,
        [
            ("op1".to_owned(), 226),
            ("op2".to_owned(), 88),
            ("op3".to_owned(), 46),
            ("op4".to_owned(), 20),
            ("op7".to_owned(), 9),
            ("op6".to_owned(), 1),
        ]
    );
    let path = critical_path(trace, trace.roots[0]);
    assert!(path.iter().all(|s| s.span as usize != follower));
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert!(set.warnings[0].message.contains("not hex"));
}

#[test]
fn jaeger_storage_and_internal_shapes() {
    // Jaeger's Elasticsearch span document: one span with its process.
    let set = load("jaeger/es_01.json");
    let trace = &set.traces[0];
    assert_eq!(trace.spans.len(), 1);
    assert_eq!(set.strings.get(trace.spans[0].service), "service-x");
    // Its domain model as protobuf JSON is named, not misread.
    match ingest(&read("jaeger/domain_01.json")) {
        Err(IngestError::UnknownFormat(message)) => {
            assert!(
                message.contains("Jaeger's internal span model"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Jaeger's own UI JSON fixture (keys in its own order, spans sharing
    // an id) still loads.
    let set = load("jaeger/ui_01.json");
    assert_eq!(set.traces[0].spans.len(), 5);
}
