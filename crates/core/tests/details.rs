//! Everything OTLP carries reaches the model, from every OTLP encoding:
//! attributes of every AnyValue kind, events, links, resources, scopes,
//! status messages, trace state and flags.

use std::path::Path;

use tracelens_core::{ingest, SpanId, Trace, TraceSet};

fn load(path: &str) -> TraceSet {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    ingest(&std::fs::read(root.join(path)).unwrap()).unwrap()
}

const OTLP_ENCODINGS: &[&str] = &[
    "ticket-booking/ticket-booking.otlp.json",
    "ticket-booking/ticket-booking.otlp-int64-numbers.json",
    "ticket-booking/ticket-booking.protojson.json",
    "ticket-booking/ticket-booking.jsonl",
    "ticket-booking/ticket-booking.pb",
    "ticket-booking/ticket-booking.pbstream",
];

fn find_trace<'a>(set: &'a TraceSet, prefix: &str) -> &'a Trace {
    set.traces
        .iter()
        .find(|t| t.trace_id.to_string().starts_with(prefix))
        .unwrap()
}

fn span_named(set: &TraceSet, trace: &Trace, name: &str) -> u32 {
    trace
        .spans
        .iter()
        .position(|s| set.strings.get(s.name) == name)
        .unwrap() as u32
}

fn rendered(set: &TraceSet, attributes: &[tracelens_core::Attribute]) -> Vec<String> {
    attributes
        .iter()
        .map(|a| a.display(&set.strings).to_string())
        .collect()
}

#[test]
fn every_anyvalue_kind_survives_every_otlp_encoding() {
    for path in OTLP_ENCODINGS {
        let set = load(path);
        let trace = find_trace(&set, "1e250c70");
        let span = span_named(&set, trace, "validate_booking_request");
        assert_eq!(
            rendered(&set, trace.span_attributes(span)),
            [
                "booking.currency=EUR",
                "booking.is_member=false",
                "booking.seat_count=2",
                "booking.total_amount=148.5",
                "booking.seat_ids=[B-12, B-13]",
                "booking.price_tiers=[2, 2]",
                "booking.fees=[4.25, 4.25]",
                "booking.insured=[true, false]",
                "booking.request_digest=a73fe2fe46a52cda56e47f5b",
                "booking.channel={app: web, campaign: spring-25, ab_bucket: 7}",
                "booking.promo_codes=[]",
            ],
            "{path}"
        );
        let s = &trace.spans[span as usize];
        assert_eq!(
            set.strings.get(s.trace_state),
            "boxoffice=web-eu1,congo=t61rcWkgMzE",
            "{path}"
        );
        assert_eq!(s.flags, 256, "{path}");
        let scope = &set.scopes[s.scope as usize];
        assert_eq!(set.strings.get(scope.name), "box_office.booking", "{path}");
        assert_eq!(set.strings.get(scope.version), "2024.11.3", "{path}");
        let resource = rendered(&set, &set.resources[s.resource as usize].attributes);
        assert!(
            resource.contains(&"service.version=2024.11.3".to_owned()),
            "{path}"
        );
        assert!(
            resource.contains(&"k8s.namespace.name=ticketing".to_owned()),
            "{path}"
        );
    }
}

#[test]
fn links_events_and_status_messages_survive() {
    for path in OTLP_ENCODINGS {
        let set = load(path);
        let digest = find_trace(&set, "65984e65");
        let flush = span_named(&set, digest, "flush_digest_batch");
        let links = digest.span_links(flush);
        assert_eq!(links.len(), 2, "{path}");
        assert_eq!(
            links[0].trace_id.to_string(),
            "1e250c70dff6fe52c690a9c144e7cf0f"
        );
        assert_eq!(
            links[0].span_id,
            SpanId([0x4d, 0x95, 0x5e, 0xaf, 0x07, 0xce, 0xdc, 0xf1])
        );
        assert_eq!(
            rendered(&set, digest.attributes_in(links[1].attributes)),
            [
                "link.reason=batched_notification",
                "messaging.kafka.offset=88214"
            ],
            "{path}"
        );

        let conflict = find_trace(&set, "079a965b");
        let hold = conflict
            .spans
            .iter()
            .position(|s| {
                set.strings.get(s.name) == "seatmap.SeatMap/HoldSeats"
                    && s.status == tracelens_core::StatusCode::Error
            })
            .unwrap() as u32;
        let span = &conflict.spans[hold as usize];
        assert_eq!(
            set.strings.get(span.status_message),
            "FAILED_PRECONDITION: seats B-12, B-13 already held",
            "{path}"
        );
        let events = conflict.span_events(hold);
        assert_eq!(events.len(), 1, "{path}");
        assert_eq!(set.strings.get(events[0].name), "exception");
        let fields = rendered(&set, conflict.attributes_in(events[0].attributes));
        assert!(
            fields.iter().any(|f| f.starts_with("exception.type=")),
            "{path}: {fields:?}"
        );
    }
}

#[test]
fn jaeger_and_zipkin_keep_their_tags_as_attributes() {
    let jaeger = load("ticket-booking/ticket-booking.jaeger.json");
    let trace = find_trace(&jaeger, "1e250c70");
    let span = span_named(&jaeger, trace, "validate_booking_request");
    let attributes = rendered(&jaeger, trace.span_attributes(span));
    assert!(
        attributes.contains(&"booking.seat_count=2".to_owned()),
        "{attributes:?}"
    );
    assert!(attributes.contains(&"booking.request_digest=a73fe2fe46a52cda56e47f5b".to_owned()));
    assert!(!attributes.iter().any(|a| a.starts_with("span.kind=")));
    assert_eq!(
        jaeger.strings.get(trace.spans[span as usize].trace_state),
        "boxoffice=web-eu1,congo=t61rcWkgMzE"
    );

    let zipkin = load("ticket-booking/ticket-booking.zipkin.json");
    let trace = find_trace(&zipkin, "079a965b");
    let hold = trace
        .spans
        .iter()
        .find(|s| {
            zipkin.strings.get(s.name) == "seatmap.SeatMap/HoldSeats" && s.status_message.0 != 0
        })
        .unwrap();
    assert_eq!(
        zipkin.strings.get(hold.status_message),
        "FAILED_PRECONDITION: seats B-12, B-13 already held"
    );
}

#[test]
fn zipkin_annotations_written_by_opentelemetry_become_named_events() {
    let zipkin = load("ticket-booking/ticket-booking.zipkin.json");
    let trace = find_trace(&zipkin, "079a965b");
    let hold = trace
        .spans
        .iter()
        .position(|s| {
            zipkin.strings.get(s.name) == "seatmap.SeatMap/HoldSeats" && s.status_message.0 != 0
        })
        .unwrap() as u32;
    let events = trace.span_events(hold);
    assert_eq!(zipkin.strings.get(events[0].name), "exception");
    let fields = rendered(&zipkin, trace.attributes_in(events[0].attributes));
    assert!(
        fields.contains(&"exception.type=grpc.aio.AioRpcError".to_owned()),
        "{fields:?}"
    );
}
