//! Bad and odd input: clear errors that say where, and whatever is valid
//! still loads.

use tracelens_core::{ingest, IngestError};

fn span(trace: &str, id: &str, parent: &str, start: u64, end: u64) -> String {
    format!(
        r#"{{"traceId":"{trace}","spanId":"{id}","parentSpanId":"{parent}","name":"s{id}","startTimeUnixNano":"{start}","endTimeUnixNano":"{end}"}}"#
    )
}

fn request(spans: &[String]) -> String {
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

const T1: &str = "0af7651916cd43dd8448eb211c80319c";
const T2: &str = "1af7651916cd43dd8448eb211c80319c";

#[test]
fn empty_input_is_an_error() {
    assert_eq!(ingest(b"").unwrap_err(), IngestError::Empty);
    assert_eq!(ingest(b"  \n ").unwrap_err(), IngestError::Empty);
}

#[test]
fn non_trace_bytes_say_what_they_start_with() {
    let error = ingest(b"\x89PNG\r\n").unwrap_err().to_string();
    assert!(
        error.contains("0x89") && error.contains("offset 0"),
        "{error}"
    );
}

#[test]
fn a_table_is_named_as_one() {
    let error = ingest(b"trace_id,span_id,duration_ms\nab,cd,12\n")
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("looks like a table") && error.contains("trace_id,span_id"),
        "{error}"
    );
    // Text that is no table keeps the byte-level message.
    let error = ingest(b"hello there\n").unwrap_err().to_string();
    assert!(error.contains("0x68"), "{error}");
}

#[test]
fn json_that_is_not_otlp_is_named() {
    let error = ingest(br#"{"hello": "world"}"#).unwrap_err().to_string();
    assert!(error.contains("resourceSpans"), "{error}");
}

#[test]
fn a_truncated_single_request_names_line_and_byte() {
    let text = request(&[span(T1, "00000000000000a1", "", 1, 2)]);
    let error = ingest(&text.as_bytes()[..text.len() - 10])
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("line 1") && error.contains("byte"),
        "{error}"
    );
}

#[test]
fn a_corrupt_json_line_is_skipped_and_the_rest_loads() {
    let good_1 = request(&[span(T1, "00000000000000a1", "", 1, 5)]);
    let good_2 = request(&[span(T2, "00000000000000b1", "", 2, 6)]);
    let text = format!("{good_1}\n{{\"resourceSpans\": [oops\n{good_2}\n");
    let set = ingest(text.as_bytes()).unwrap();
    assert_eq!(set.traces.len(), 2);
    assert_eq!(set.warnings.len(), 1);
    let warning = &set.warnings[0].message;
    assert!(warning.starts_with("line 2,"), "{warning}");
    assert!(warning.contains("resumed at line 3"), "{warning}");
}

#[test]
fn children_before_parents_across_lines_are_joined() {
    let child = request(&[span(T1, "00000000000000a2", "00000000000000a1", 2, 3)]);
    let parent = request(&[span(T1, "00000000000000a1", "", 1, 5)]);
    let set = ingest(format!("{child}\n{parent}\n").as_bytes()).unwrap();
    let trace = &set.traces[0];
    assert_eq!(trace.roots.len(), 1);
    let root = trace.roots[0];
    assert_eq!(trace.children(root).len(), 1);
    assert!(set.warnings.is_empty(), "{:?}", set.warnings);
}

#[test]
fn a_span_ending_before_it_starts_is_clamped_and_named() {
    let set = ingest(request(&[span(T1, "00000000000000a1", "", 10, 4)]).as_bytes()).unwrap();
    assert_eq!(set.traces[0].spans[0].duration_ns(), 0);
    assert!(set.warnings[0].message.contains("00000000000000a1"));
}

#[test]
fn parent_cycles_are_broken_with_a_warning() {
    let spans = [
        span(T1, "00000000000000a1", "00000000000000a2", 1, 5),
        span(T1, "00000000000000a2", "00000000000000a1", 2, 4),
    ];
    let set = ingest(request(&spans).as_bytes()).unwrap();
    let trace = &set.traces[0];
    assert_eq!(trace.roots.len(), 1);
    assert_eq!(trace.depth_first().len(), 2);
    assert!(set.warnings.iter().any(|w| w.message.contains("cycle")));
    // Joined a span-step at a time (as the browser does), the same.
    let mut builder = tracelens_core::TraceSetBuilder::default();
    builder.add(request(&spans).as_bytes()).unwrap();
    let mut finishing = builder.finishing();
    while !finishing.step(1) {}
    let stepped = finishing.finish();
    assert_eq!(stepped.traces[0].roots, trace.roots);
    assert_eq!(stepped.traces[0].depth_first(), trace.depth_first());
    let messages = |set: &tracelens_core::TraceSet| -> Vec<String> {
        set.warnings.iter().map(|w| w.message.clone()).collect()
    };
    assert_eq!(messages(&stepped), messages(&set));
}

#[test]
fn duplicate_span_ids_are_reported() {
    let spans = [
        span(T1, "00000000000000a1", "", 1, 5),
        span(T1, "00000000000000a1", "", 2, 4),
    ];
    let set = ingest(request(&spans).as_bytes()).unwrap();
    assert_eq!(set.traces[0].spans.len(), 2);
    assert!(set
        .warnings
        .iter()
        .any(|w| w.message.contains("more than one span")));
}

#[test]
fn a_chain_100000_deep_does_not_overflow_the_stack() {
    let spans: Vec<String> = (0..100_000u64)
        .map(|i| {
            let parent = if i == 0 {
                String::new()
            } else {
                format!("{:016x}", i)
            };
            span(T1, &format!("{:016x}", i + 1), &parent, i, 200_000 - i)
        })
        .collect();
    let set = ingest(request(&spans).as_bytes()).unwrap();
    let trace = &set.traces[0];
    assert_eq!(trace.spans.iter().map(|s| s.depth).max(), Some(99_999));
    assert_eq!(trace.duration_ns(), 200_000);
}

#[test]
fn int64_as_numbers_and_enum_names_are_read() {
    let text = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"{T1}","spanId":"00000000000000a1","name":"n","kind":"SPAN_KIND_SERVER","startTimeUnixNano":1741977000118200001,"endTimeUnixNano":1741977000126800003,"status":{{"code":"STATUS_CODE_ERROR"}}}}]}}]}}]}}"#
    );
    let set = ingest(text.as_bytes()).unwrap();
    let span = &set.traces[0].spans[0];
    assert_eq!(span.start_ns, 1_741_977_000_118_200_001);
    assert_eq!(span.duration_ns(), 8_600_002);
    assert_eq!(span.kind, tracelens_core::SpanKind::Server);
    assert_eq!(span.status, tracelens_core::StatusCode::Error);
    assert_eq!(set.strings.get(span.service), "unknown_service");
}

fn corpus_file(path: &str) -> Vec<u8> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    std::fs::read(root.join(path)).unwrap()
}

#[test]
fn a_truncated_protobuf_keeps_every_complete_span_and_names_the_byte() {
    let bytes = corpus_file("etl-nightly/etl-nightly.pb");
    let whole = ingest(&bytes).unwrap().span_count();
    let set = ingest(&bytes[..bytes.len() / 2]).unwrap();
    assert!(set.span_count() > 0 && set.span_count() < whole);
    let damage = &set.warnings[0].message;
    assert!(
        damage.starts_with("invalid OTLP protobuf at byte "),
        "{damage}"
    );
}

#[test]
fn a_truncated_protobuf_stream_keeps_the_messages_before_the_cut() {
    let bytes = corpus_file("ticket-booking/ticket-booking.pbstream");
    let set = ingest(&bytes[..bytes.len() - 7]).unwrap();
    assert!(set
        .warnings
        .iter()
        .any(|w| w.message.contains("the file is truncated")));
    assert!(set.span_count() > 30);
}

#[test]
fn binary_that_is_not_protobuf_is_named() {
    let error = ingest(b"\x7fELF\x02\x01\x01\x00").unwrap_err().to_string();
    assert!(error.contains("7f 45 4c 46"), "{error}");
}

#[test]
fn a_big_message_whose_first_bytes_pass_for_a_stream_frame_is_read_as_one() {
    // 200 MB of resource spans: the first four bytes (0x0a and a
    // 3-byte varint) read as a big-endian frame length fit inside the data,
    // and the fifth byte is a message's tag again, as in a stream.
    let body_len: usize = 1_500_000;
    let mut batch = vec![0x0a];
    push_varint(&mut batch, body_len as u64);
    batch.extend([0x0a, 0x00, 0x1a]); // an empty resource, then schema_url
    let rest = body_len - 3 - varint_len(body_len as u64 - 3);
    let rest = body_len - 3 - varint_len(rest as u64);
    push_varint(&mut batch, rest as u64);
    batch.resize(1 + varint_len(body_len as u64) + body_len, b'x');
    let copies = 200_000_000 / batch.len();
    let message = batch.repeat(copies);
    let set = ingest(&message).unwrap();
    assert!(set.warnings.is_empty(), "{:?}", set.warnings.first());
}

fn push_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Span `i` of the step trace the protobuf tests write: trace `0707…`,
/// named `step {i}`, 5 ns long, starting 10 ns after span `i - 1`.
fn step_span(i: u64) -> opentelemetry_proto::tonic::trace::v1::Span {
    opentelemetry_proto::tonic::trace::v1::Span {
        trace_id: vec![7; 16],
        span_id: i.to_be_bytes().to_vec(),
        name: format!("step {i}"),
        start_time_unix_nano: 1_000 + 10 * i,
        end_time_unix_nano: 1_000 + 10 * i + 5,
        ..Default::default()
    }
}

/// Reads `bytes` as a file arriving in parts of `part` bytes is read, in
/// steps of 64 KB; `look` sees the load each time a part is given. The
/// builder, and the reading's outcome.
fn read_arriving(
    bytes: &[u8],
    part: usize,
    mut look: impl FnMut(&tracelens_core::ingest::TraceLoad),
) -> (tracelens_core::TraceSetBuilder, Result<(), IngestError>) {
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut given = part.min(bytes.len());
    let mut load = builder.start_arriving(bytes[..given].to_vec(), bytes.len());
    look(&load);
    loop {
        if let Some(outcome) = builder.advance(&mut load, 64 << 10) {
            return (builder, outcome);
        }
        if load.wants_input() {
            let next = (given + part).min(bytes.len());
            load.append(&bytes[given..next]);
            given = next;
            if given == bytes.len() {
                load.complete().unwrap();
            }
            look(&load);
        }
    }
}

fn varint_len(value: u64) -> usize {
    let mut bytes = Vec::new();
    push_varint(&mut bytes, value);
    bytes.len()
}

#[test]
fn a_truncated_otlp_json_request_keeps_every_span_before_the_cut() {
    let bytes = corpus_file("etl-nightly/etl-nightly.otlp.json");
    let whole = ingest(&bytes).unwrap().span_count();
    let set = ingest(&bytes[..bytes.len() / 2]).unwrap();
    assert!(
        set.span_count() > 10 && set.span_count() < whole,
        "{}",
        set.span_count()
    );
    let damage = &set.warnings[0].message;
    assert!(
        damage.starts_with("line ") && damage.contains("(byte "),
        "{damage}"
    );
}

#[test]
fn a_partial_tempo_answer_loads_with_a_warning() {
    let trace = request(&[span(T1, "00000000000000a1", "", 1, 5)]);
    let answer = format!(r#"{{"trace":{trace},"status":"PARTIAL","message":"trace too large"}}"#);
    let set = ingest(answer.as_bytes()).unwrap();
    assert_eq!(set.span_count(), 1);
    assert_eq!(
        set.warnings[0].message,
        "Tempo returned only part of this trace (PARTIAL): trace too large"
    );
    let complete = format!(r#"{{"trace":{trace},"status":"COMPLETE"}}"#);
    assert!(ingest(complete.as_bytes()).unwrap().warnings.is_empty());
}

#[test]
fn resource_and_scope_after_their_spans_still_apply() {
    // Keys in any order: spans listed before their scope and resource.
    let text = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{}],"scope":{{"name":"late-scope"}}}}],"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"late"}}}}]}}}}]}}"#,
        span(T1, "00000000000000a1", "", 1, 2)
    );
    let set = ingest(text.as_bytes()).unwrap();
    let span = &set.traces[0].spans[0];
    assert_eq!(set.strings.get(span.service), "late");
    assert_eq!(
        set.strings.get(set.scopes[span.scope as usize].name),
        "late-scope"
    );
}

#[test]
fn escapes_nulls_and_invalid_text_are_read_without_loss_of_the_span() {
    let text = format!(
        concat!(
            r#"{{"resourceSpans":[{{"resource":null,"scopeSpans":[{{"scope":null,"spans":[{{"#,
            r#""traceId":"{}","spanId":"00000000000000A1","parentSpanId":null,"#,
            r#""name":"say \"hi\" \u00e9","status":null,"#,
            r#""attributes":[{{"key":"k\u0031","value":{{"stringValue":"caf"#,
            "\u{0}",
            r#""}}}},{{"key":"empty","value":null}},{{"key":"n","value":{{"stringValue":null,"intValue":7}}}}],"#,
            r#""links":[{{"traceId":"nope","spanId":"00000000000000a2"}}]}}]}}]}}]}}"#
        ),
        T1
    )
    .replace('\u{0}', "\\ud800"); // a lone surrogate: not valid UTF-8 once unescaped
    let set = ingest(text.as_bytes()).unwrap();
    let trace = &set.traces[0];
    let span = &trace.spans[0];
    assert_eq!(set.strings.get(span.name), "say \"hi\" é");
    assert_eq!(span.span_id.to_string(), "00000000000000a1");
    assert!(span.parent_span_id.is_none());
    let rendered: Vec<String> = trace
        .span_attributes(0)
        .iter()
        .map(|a| a.display(&set.strings).to_string())
        .collect();
    assert_eq!(rendered.len(), 3, "{rendered:?}");
    assert_eq!(rendered[0].split('=').next(), Some("k1"));
    assert_eq!(rendered[2], "n=7");
    assert_eq!(trace.span_links(0).len(), 0);
    assert!(
        set.warnings
            .iter()
            .any(|w| w.message.contains("1 link(s) with an invalid id")),
        "{:?}",
        set.warnings
    );
}

/// A pretty-printed file whose line `bad` holds a timestamp that is not a
/// number, in each JSON format: the message names that line, not the end.
#[test]
fn a_bad_value_is_named_on_its_own_line_in_every_json_format() {
    let jaeger = r#"{
  "data": [
    {
      "traceID": "0af7651916cd43dd8448eb211c80319c",
      "spans": [
        {
          "traceID": "0af7651916cd43dd8448eb211c80319c",
          "spanID": "b7ad6b7169203331",
          "startTime": "soon",
          "duration": 5,
          "operationName": "a"
        }
      ],
      "processes": {}
    }
  ]
}"#;
    let zipkin = r#"[
  {
    "traceId": "0af7651916cd43dd8448eb211c80319c",
    "id": "b7ad6b7169203331",
    "name": "a",
    "timestamp": 5,
    "duration": "long",
    "localEndpoint": {"serviceName": "x"}
  }
]"#;
    let otlp = r#"{
  "resourceSpans": [
    {
      "resource": {},
      "scopeSpans": [
        {
          "spans": [
            {
              "traceId": "0af7651916cd43dd8448eb211c80319c",
              "spanId": "b7ad6b7169203331",
              "name": "a",
              "startTimeUnixNano": "soon",
              "endTimeUnixNano": "6"
            }
          ]
        }
      ]
    }
  ]
}"#;
    for (format, text, line) in [
        ("jaeger", jaeger, 9),
        ("zipkin", zipkin, 7),
        ("otlp", otlp, 12),
    ] {
        let error = ingest(text.as_bytes()).unwrap_err().to_string();
        assert!(
            error.contains(&format!("line {line},")),
            "{format}: {error}"
        );
    }
}

#[test]
fn keys_no_format_defines_are_skipped_wherever_they_are() {
    let jaeger = r#"{"_comment": "exported by hand", "data": [{"traceID": "0af7651916cd43dd8448eb211c80319c", "spans": [{"traceID": "0af7651916cd43dd8448eb211c80319c", "spanID": "b7ad6b7169203331", "operationName": "a", "startTime": 5, "duration": 2, "processID": "p1", "x-extra": [1, 2]}], "processes": {"p1": {"serviceName": "svc"}}}], "total": 0}"#;
    let bare = r#"{"_comment": "one trace", "traceID": "0af7651916cd43dd8448eb211c80319c", "spans": [{"traceID": "0af7651916cd43dd8448eb211c80319c", "spanID": "b7ad6b7169203331", "operationName": "a", "startTime": 5, "duration": 2}], "processes": {}}"#;
    let otlp = format!(
        r#"{{"_comment": "x", {}"#,
        &request(&[span(T1, "00000000000000a1", "", 1, 5)])[1..]
    );
    for text in [jaeger, bare, &otlp] {
        let set = ingest(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(set.traces[0].spans.len(), 1, "{text}");
    }
}

#[test]
fn things_that_are_not_traces_say_what_they_are() {
    let cases: [(&str, &str); 6] = [
        (
            r#"{"traces": [{"traceID": "1", "rootServiceName": "a", "durationMs": 3}], "metrics": {}}"#,
            "Tempo search result",
        ),
        (r#"{"resourceLogs": []}"#, "log lines"),
        (
            r#"{"status": "success", "data": {"resultType": "streams", "result": []}}"#,
            "log lines",
        ),
        (
            r#"{"spans": [{"traceId": "AAE=", "spanId": "AQ==", "operationName": "x"}]}"#,
            "Jaeger's internal span model",
        ),
        ("[]", "empty JSON array"),
        (r#"{"a": 1, "b": [2]}"#, r#"the keys "a", "b""#),
    ];
    for (text, says) in cases {
        let error = ingest(text.as_bytes()).unwrap_err().to_string();
        assert!(error.contains(says), "{text}: {error}");
    }
}

#[test]
fn an_absurdly_long_text_is_cut_with_a_note_and_one_warning() {
    let long = "é".repeat(1 << 20); // 2 MiB of two-byte characters
    let text = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"{T1}","spanId":"00000000000000a1","name":"a","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{{"key":"big","value":{{"stringValue":"{long}"}}}},{{"key":"also","value":{{"stringValue":"{long}x"}}}}]}}]}}]}}]}}"#
    );
    let set = ingest(text.as_bytes()).unwrap();
    let trace = &set.traces[0];
    let value = trace.attributes[0].value.display(&set.strings).to_string();
    assert!(value.len() < (1 << 20) + 100, "{}", value.len());
    assert!(value.ends_with(&format!("[cut by tracelens: {} bytes in all]", 2 << 20)));
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert!(set.warnings[0]
        .message
        .starts_with("2 text(s) longer than 1 MiB"));

    let mut logs = tracelens_core::logs::LogSet::default();
    let line = format!("{{\"level\":\"info\",\"message\":\"{long}\"}}\n");
    logs.add(line.as_bytes(), &Default::default()).unwrap();
    assert!(logs.records[0].message.contains("[cut by tracelens"));
    assert_eq!(logs.warnings.len(), 1, "{:?}", logs.warnings);
}

#[test]
fn a_skipped_span_is_named_on_its_own_line() {
    let span = |id: &str, trace: &str| {
        format!(
            "            {{\n              \"traceId\": \"{trace}\",\n              \"spanId\": \"{id}\",\n              \"name\": \"s\",\n              \"startTimeUnixNano\": \"1\",\n              \"endTimeUnixNano\": \"2\"\n            }}"
        )
    };
    let spans = [
        span("00000000000000a1", T1),
        span("00000000000000a2", "not-an-id"),
        span("00000000000000a3", T1),
    ];
    // Lines 1–7 open the request; each span takes 7 lines: the second
    // starts on line 15, its id on line 17 (the line a message names).
    let text = format!(
        "{{\n  \"resourceSpans\": [\n    {{\n      \"resource\": {{}},\n      \"scopeSpans\": [\n        {{\n          \"spans\": [\n{}\n          ]\n        }}\n      ]\n    }}\n  ]\n}}\n",
        spans.join(",\n")
    );
    assert!(text.lines().nth(14).unwrap().trim() == "{");
    assert!(text.lines().nth(15).unwrap().contains("not-an-id"));
    assert!(text.lines().nth(16).unwrap().contains("00000000000000a2"));
    // Pretty, as here, or compact on one line per request: the line of the
    // span itself (the compact one's is its request's line).
    let compact: String = text.lines().map(str::trim).collect();
    for (text, line) in [(text, 17), (format!("{compact}\n{compact}"), 2)] {
        let set = ingest(text.as_bytes()).unwrap();
        let skipped: Vec<&str> = set
            .warnings
            .iter()
            .map(|w| w.message.as_str())
            .filter(|m| m.contains("invalid trace id"))
            .collect();
        assert_eq!(skipped.len(), 1 + usize::from(line == 2), "{skipped:?}");
        assert!(
            skipped
                .last()
                .unwrap()
                .starts_with(&format!("line {line}:")),
            "{skipped:?}"
        );
    }
}

/// A Jaeger file with one damaged span and one cut short: every span
/// that is whole still loads, with its service (named by processes that
/// come after the spans), and the warnings say where the damage is.
#[test]
fn a_damaged_jaeger_file_keeps_every_whole_span() {
    let span = |id: &str, start: &str| {
        format!(
            r#"{{"traceID": "{T1}", "spanID": "{id}", "operationName": "op-{id}", "startTime": {start}, "duration": 5, "processID": "p1"}}"#
        )
    };
    let text = format!(
        "{{\"data\": [{{\"traceID\": \"{T1}\", \"spans\": [\n{},\n{},\n{}\n], \"processes\": {{\"p1\": {{\"serviceName\": \"billing\"}}}}}}]}}",
        span("00000000000000a1", "10"),
        span("00000000000000a2", "\"soon\""),
        span("00000000000000a3", "30"),
    );
    let set = ingest(text.as_bytes()).unwrap();
    let spans = &set.traces[0].spans;
    assert_eq!(spans.len(), 2);
    assert!(spans
        .iter()
        .all(|s| set.strings.get(s.service) == "billing"));
    let messages: Vec<&str> = set.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("invalid Jaeger span at line 3,") && m.contains("skipped")),
        "{messages:?}"
    );
    // Cut inside the third span: the first two load; the processes never
    // came, so their service is unknown.
    let cut = &text[..text.find("op-00000000000000a3").unwrap()];
    let set = ingest(cut.as_bytes()).unwrap();
    assert_eq!(set.traces[0].spans.len(), 1);
    let service = set.strings.get(set.traces[0].spans[0].service);
    assert_eq!(service, "unknown_service");
    assert!(
        set.warnings
            .iter()
            .any(|w| w.message.contains("line 4,") && w.message.contains("rest of the file")),
        "{:?}",
        set.warnings
    );
}

/// A Jaeger file read as it arrives, up to its first `"processes"`: the
/// builder, the load waiting for the rest, and where the processes start.
fn read_up_to_processes(
    bytes: &[u8],
) -> (
    tracelens_core::TraceSetBuilder,
    tracelens_core::ingest::TraceLoad,
    usize,
) {
    let processes = bytes
        .windows(11)
        .position(|w| w == b"\"processes\"")
        .unwrap();
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut load = builder.start_arriving(bytes[..processes].to_vec(), bytes.len());
    assert!(builder.advance(&mut load, usize::MAX).is_none());
    (builder, load, processes)
}

/// Read as it arrives, a Jaeger file's spans are there before its
/// processes; the processes then name their services.
#[test]
fn jaeger_spans_arrive_before_their_processes() {
    let bytes = corpus_file("etl-nightly/etl-nightly.jaeger.json");
    let whole = ingest(&bytes).unwrap();
    let (mut builder, mut load, processes) = read_up_to_processes(&bytes);
    assert!(load.wants_input());
    let early = builder.provisional();
    // The first trace's spans, all of them.
    let spans = early.traces.iter().map(|t| t.spans.len()).sum::<usize>();
    let first_trace = bytes[..processes]
        .windows(15)
        .filter(|w| w == b"\"operationName\"")
        .count();
    assert!(spans > 0 && spans == first_trace, "{spans} {first_trace}");
    load.append(&bytes[processes..]);
    load.complete().unwrap();
    builder.advance(&mut load, usize::MAX).unwrap().unwrap();
    let set = builder.finish();
    let services = |set: &tracelens_core::TraceSet| -> Vec<String> {
        let mut names: Vec<String> = set
            .traces
            .iter()
            .flat_map(|t| t.spans.iter())
            .map(|s| set.strings.get(s.service).to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(services(&set), services(&whole));
    // Until then a span's service is its process id.
    let ids = services(&early);
    assert!(!ids.iter().any(|id| services(&whole).contains(id)));
    assert!(
        ids.iter().all(|id| bytes
            .windows(id.len() + 15)
            .any(|w| w == format!("\"processID\": \"{id}\"").as_bytes())),
        "{ids:?}"
    );
}

/// A Jaeger trace's processes after its spans name the spans' services a
/// bounded number a step, as reading takes bytes (at a million spans
/// naming them at once held a step for 21 ms natively).
/// Each span of the first trace of `set` as its id and its service.
fn services(set: &tracelens_core::TraceSet) -> Vec<String> {
    set.traces[0]
        .spans
        .iter()
        .map(|s| format!("{} {}", s.span_id, set.strings.get(s.service)))
        .collect()
}

#[test]
fn jaeger_spans_are_named_a_few_a_step() {
    let spans: Vec<String> = (1..=2000u64)
        .map(|i| {
            format!(
                r#"{{"traceID":"00000000000000000000000000000001","spanID":"{i:016x}","operationName":"op","references":[],"startTime":{},"duration":5,"processID":"p{}"}}"#,
                1_000 + i,
                i % 2
            )
        })
        .collect();
    let bytes = format!(
        r#"{{"data":[{{"traceID":"00000000000000000000000000000001","spans":[{}],"processes":{{"p0":{{"serviceName":"even"}},"p1":{{"serviceName":"odd"}}}}}}]}}"#,
        spans.join(",")
    )
    .into_bytes();
    let (mut builder, mut load, processes) = read_up_to_processes(&bytes);
    load.append(&bytes[processes..]);
    load.complete().unwrap();
    // The processes read and some spans named: 1,600 bytes' budget names
    // about a hundred.
    let named = |builder: &tracelens_core::TraceSetBuilder| {
        let set = builder.provisional();
        set.traces[0]
            .spans
            .iter()
            .filter(|s| ["even", "odd"].contains(&set.strings.get(s.service)))
            .count()
    };
    let mut steps = Vec::new();
    while builder.advance(&mut load, 1_600).is_none() {
        steps.push(named(&builder));
    }
    assert!(steps.len() >= 15, "{steps:?}");
    assert!(steps.windows(2).all(|w| w[1] - w[0] <= 100), "{steps:?}");
    let set = builder.finish();
    assert_eq!(services(&set), services(&ingest(&bytes).unwrap()));
    assert!(
        services(&set)[0].ends_with(" odd"),
        "{:?}",
        &services(&set)[..2]
    );
}

/// One resource's spans in one element, as exporters batch them: read a
/// few spans a step, and while the element still arrives, not all at once
/// when its last byte comes.
#[test]
fn one_big_resource_is_read_a_few_spans_a_step() {
    let spans: Vec<String> = (1..=3000u64)
        .map(|i| {
            span(
                T1,
                &format!("{i:016x}"),
                "0000000000000001",
                10 * i,
                10 * i + 5,
            )
        })
        .collect();
    // As exporters write it, and as Tempo's v1 answer wraps it.
    for key in ["resourceSpans", "batches"] {
        let text = format!(
            r#"{{"{key}":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"scope":{{"name":"lib"}},"spans":[{}]}}]}}]}}"#,
            spans.join(",")
        );
        read_a_few_spans_a_step(text.as_bytes());
    }
    // As Tempo's v2 answer and Jaeger v2's wrap it, with what follows the
    // spans told as when read whole: a partial answer is warned of.
    for (key, tail) in [
        ("trace", r#","metrics":{"inspectedBytes":"1256"}"#),
        (
            "trace",
            r#","status":"PARTIAL","message":"trace too large""#,
        ),
        ("result", ""),
    ] {
        let text = format!(
            r#"{{"{key}": {{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"svc"}}}}]}},"scopeSpans":[{{"scope":{{"name":"lib"}},"spans":[{}]}}]}}]}}{tail}}}"#,
            spans.join(",")
        );
        read_a_few_spans_a_step(text.as_bytes());
        let warnings = ingest(text.as_bytes()).unwrap().warnings;
        let partial = warnings.iter().any(|w| {
            w.message == "Tempo returned only part of this trace (PARTIAL): trace too large"
        });
        assert_eq!(partial, tail.contains("PARTIAL"), "{tail}");
    }
}

/// One protobuf `ResourceSpans` holding all of a service's spans (as a
/// tool merging batches would write it) is read a few spans a step once
/// its bytes are there, not all in one step; its resource applies to them
/// wherever it lies in the batch, as when read whole.
#[test]
fn one_big_protobuf_batch_is_read_a_few_spans_a_step() {
    use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message;
    let spans = (1..=3000u64)
        .map(|i| Span {
            parent_span_id: if i == 1 {
                Vec::new()
            } else {
                1u64.to_be_bytes().to_vec()
            },
            ..step_span(i)
        })
        .collect();
    let resource = Resource {
        attributes: vec![KeyValue {
            key: "service.name".to_owned(),
            value: Some(AnyValue {
                value: Some(any_value::Value::StringValue("svc".to_owned())),
            }),
            ..Default::default()
        }],
        ..Default::default()
    };
    let scope_spans = vec![ScopeSpans {
        spans,
        ..Default::default()
    }];
    let first = ResourceSpans {
        resource: Some(resource.clone()),
        scope_spans: scope_spans.clone(),
        ..Default::default()
    }
    .encode_to_vec();
    // The resource after the spans.
    let mut last = ResourceSpans {
        scope_spans,
        ..Default::default()
    }
    .encode_to_vec();
    last.push(0x0a);
    push_varint(&mut last, resource.encoded_len() as u64);
    last.extend(resource.encode_to_vec());
    for batch in [first, last] {
        let mut bytes = vec![0x0a];
        push_varint(&mut bytes, batch.len() as u64);
        bytes.extend(batch);
        let whole = ingest(&bytes).unwrap();
        let mut builder = tracelens_core::TraceSetBuilder::default();
        let mut load = builder.start(bytes.clone()).unwrap();
        let mut steps = vec![0];
        while builder.advance(&mut load, 8192).is_none() {
            steps.push(builder.span_total());
            assert!(load.progress() < 1.0);
        }
        assert!(steps.len() > 10, "{steps:?}");
        assert!(steps.windows(2).all(|w| w[1] - w[0] < 200), "{steps:?}");
        let set = builder.finish();
        assert_eq!(services(&set), services(&whole));
        assert!(services(&set).iter().all(|s| s.ends_with(" svc")));
    }
}

/// A protobuf batch arriving in parts is held until all of it is there:
/// room for it is made once its length has come, not doubled on the way
/// (each doubling copied what was held, 16 MB at once for a batch of a
/// service's 125,000 spans), and never more than the input's length
/// however long its length says it is.
#[test]
fn a_protobuf_batch_arriving_in_parts_is_given_its_room_at_once() {
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, TracesData};
    use prost::Message;
    let batch = |first: u64| ResourceSpans {
        scope_spans: vec![ScopeSpans {
            spans: (first..first + 20_000).map(step_span).collect(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let bytes = TracesData {
        resource_spans: vec![batch(1), batch(20_001), batch(40_001)],
    }
    .encode_to_vec();
    let whole = ingest(&bytes).unwrap();
    let part = 16 << 10;
    let mut rooms = Vec::new();
    let (builder, outcome) = read_arriving(&bytes, part, |load| {
        if rooms.last() != Some(&load.room_bytes()) {
            rooms.push(load.room_bytes());
        }
    });
    outcome.unwrap();
    // Each batch is about 900 KB: doubling from 16 KB took six rooms to
    // hold the first.
    assert!(rooms.len() <= 4, "rooms made: {rooms:?}");
    assert!(
        rooms.iter().all(|&room| room < bytes.len() / 2),
        "{rooms:?}"
    );
    assert_eq!(builder.finish().span_count(), whole.span_count());
    // A batch whose length says more than the input holds: room for the
    // input, not for what it says (whatever reading it comes to).
    let mut lying = vec![0x0a];
    push_varint(&mut lying, 1 << 40);
    lying.extend(vec![0x0a; 100_000]);
    let _ = read_arriving(&lying, part, |load| {
        assert!(
            load.room_bytes() <= 2 * lying.len(),
            "{}",
            load.room_bytes()
        );
    });
}

/// A protobuf stream (each message after its length, as the Collector's
/// file exporter writes them) is read as it arrives, a bounded amount a
/// step, from its first frames on; cut inside a frame, it keeps what came
/// before with the warning reading it whole gives.
#[test]
fn a_protobuf_stream_is_read_as_it_arrives() {
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, TracesData};
    use prost::Message;
    let frame = |first: u64| {
        let spans = (first..first + 100).map(step_span).collect();
        let message = TracesData {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
        .encode_to_vec();
        [(message.len() as u32).to_be_bytes().to_vec(), message].concat()
    };
    let stream: Vec<u8> = (0..30).flat_map(|f| frame(1 + 100 * f)).collect();
    let whole = ingest(&stream).unwrap();
    assert_eq!(whole.span_count(), 3_000);
    // Given in parts smaller than a frame: read as they come.
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let half = stream.len() / 2;
    let mut load = builder.start_arriving(stream[..100].to_vec(), stream.len());
    load.append(&stream[100..half]);
    let mut steps = vec![0];
    while builder.advance(&mut load, 4096).is_none() && !load.wants_input() {
        steps.push(builder.span_total());
    }
    let read = builder.span_total();
    assert!(
        (1_300..=1_500).contains(&read),
        "{read} spans from half the bytes"
    );
    assert!(steps.windows(2).all(|w| w[1] - w[0] < 200), "{steps:?}");
    assert!(load.progress() > 0.4, "{}", load.progress());
    // What is read is let go as the next part comes.
    load.append(&stream[half..]);
    assert!(load.held_bytes() < stream.len() - half + frame(1).len());
    load.complete().unwrap();
    while builder.advance(&mut load, 4096).is_none() {}
    let set = builder.finish();
    assert_eq!(set.span_count(), whole.span_count());
    assert_eq!(set.warnings, whole.warnings);
    // Cut inside the last frame.
    let cut = &stream[..stream.len() - 500];
    let whole = ingest(cut).unwrap();
    let arriving = load_in_parts(cut, 1_000);
    assert_eq!(arriving.span_count(), whole.span_count());
    assert_eq!(arriving.warnings, whole.warnings);
    assert!(whole
        .warnings
        .iter()
        .any(|w| w.message.contains("(the file is truncated)")));
    // A frame that says it is longer than what is left, its message
    // damaged at its first byte: all that follows is the frame's, frames
    // as it may look (the fuzzer found this read as more frames).
    let damaged: Vec<u8> = [
        frame(1),
        frame(101),
        frame(201),
        vec![0x40, 0, 0, 0, 0x0c],
        frame(301),
    ]
    .concat();
    let whole = ingest(&damaged).unwrap();
    // A message (alone, or the last of a stream) ending in a fixed-size
    // field cut off: told as when read whole (read as it arrived, it was
    // not told).
    let mut message = frame(401)[4..].to_vec();
    message.extend([0x09, 1, 2, 3]);
    let last = [
        frame(1),
        frame(101),
        (message.len() as u32).to_be_bytes().to_vec(),
        message.clone(),
    ]
    .concat();
    for bytes in [&message, &last] {
        let whole = ingest(bytes).unwrap();
        assert!(whole.warnings[0].message.ends_with("a cut-off field"));
        assert_eq!(load_in_parts(bytes, 64).warnings, whole.warnings);
    }
    for part in [64, 1_000] {
        let arriving = load_in_parts(&damaged, part);
        assert_eq!(arriving.span_count(), 300);
        assert_eq!(arriving.warnings, whole.warnings, "parts of {part} bytes");
    }
}

/// `bytes` read as they arrive in parts of `part` bytes.
fn load_in_parts(bytes: &[u8], part: usize) -> tracelens_core::TraceSet {
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut given = part.min(bytes.len());
    let mut load = builder.start_arriving(bytes[..given].to_vec(), bytes.len());
    loop {
        if given == bytes.len() {
            load.complete().unwrap();
        }
        while !load.wants_input() {
            if let Some(outcome) = builder.advance(&mut load, 4096) {
                outcome.unwrap();
                return builder.finish();
            }
        }
        let next = (given + part).min(bytes.len());
        load.append(&bytes[given..next]);
        given = next;
    }
}

/// An untimed piece joins the first timed span of its trace, id and
/// service, even when another timed span with the same comes between it
/// and that span; the status, its description and the scope the
/// OpenTelemetry exporter writes as tags come from a piece where the
/// span's own tags leave them unset. An empty service name is none.
#[test]
fn zipkin_pieces_join_the_first_timed_span_and_fill_what_it_leaves_unset() {
    let span = |id: u32, timestamp: u32, service: &str, tags: &str| {
        let endpoint = match service {
            "-" => String::new(),
            service => format!(r#","localEndpoint":{{"serviceName":"{service}"}}"#),
        };
        format!(
            r#"{{"traceId":"463ac35c9f6413ad","id":"{id:016x}","name":"s{id}-{timestamp}","timestamp":{timestamp},"duration":5{endpoint},"tags":{{{tags}}}}}"#
        )
    };
    let spans = [
        span(1, 10, "a", r#""k":"own""#),
        span(
            2,
            20,
            "-",
            r#""otel.status_code":"ERROR","otel.scope.name":"lib""#,
        ),
        span(3, 30, "a", r#""error":"boom""#),
        // Pieces after their spans: the first timed span of 1 and "a"
        // takes them, not the one after them.
        span(
            1,
            0,
            "a",
            r#""k":"piece","more":"1","otel.status_code":"ERROR""#,
        ),
        span(1, 40, "a", r#""k":"second""#),
        // No service and an empty one are the same.
        span(
            2,
            0,
            "",
            r#""otel.status_code":"OK","otel.scope.name":"other","otel.scope.version":"2""#,
        ),
        span(3, 0, "a", r#""otel.status_description":"late""#),
        span(4, 50, "", ""),
    ];
    let text = format!("[{}]", spans.join(","));
    let whole = ingest(text.as_bytes()).unwrap();
    assert!(
        !(whole.warnings.iter()).any(|w| w.message.contains("no timestamp")),
        "{:?}",
        whole.warnings
    );
    let trace = &whole.traces[0];
    let get = |sym| whole.strings.get(sym);
    let of = |name: &str| {
        let (i, span) = (trace.spans.iter().enumerate())
            .find(|(_, s)| get(s.name) == name)
            .unwrap();
        let tags: Vec<String> = (trace.span_attributes(i as u32).iter())
            .map(|a| match a.value {
                tracelens_core::attributes::Value::Str(v) => format!("{}={}", get(a.key), get(v)),
                _ => unreachable!(),
            })
            .collect();
        let scope = &whole.scopes[span.scope as usize];
        (
            get(span.service),
            format!("{:?}", span.status),
            get(span.status_message),
            format!("{}/{}", get(scope.name), get(scope.version)),
            tags,
        )
    };
    assert_eq!(
        of("s1-10"),
        (
            "a",
            "Error".into(),
            "",
            "/".into(),
            vec!["k=own".into(), "more=1".into()]
        )
    );
    assert_eq!(
        of("s1-40"),
        ("a", "Unset".into(), "", "/".into(), vec!["k=second".into()])
    );
    // Its own status and scope stand; the piece's version is of another
    // scope's name.
    assert_eq!(
        of("s2-20"),
        (
            "unknown_service",
            "Error".into(),
            "",
            "lib/2".into(),
            vec![]
        )
    );
    assert_eq!(of("s4-50").0, "unknown_service");
    // An error's message came from its `error` tag for want of a
    // description: the piece's description is the message.
    assert_eq!(
        of("s3-30"),
        (
            "a",
            "Error".into(),
            "late",
            "/".into(),
            vec!["error=boom".into()]
        )
    );
    // Read as it arrives, the same.
    for part in [7, 64, 200] {
        let arriving = load_in_parts(text.as_bytes(), part);
        assert_eq!(arriving.span_count(), whole.span_count());
        assert_eq!(arriving.warnings, whole.warnings);
    }
}

/// Untimed pieces join their spans a bounded amount a step too: 3,000
/// pieces after their 3,000 spans take many steps once all is read, and
/// each span has its piece's tag.
#[test]
fn zipkin_pieces_join_a_bounded_number_a_step() {
    let span = |i: u64, timestamp: u64, tags: &str| {
        format!(
            r#"{{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"{i:016x}","name":"s{i}","timestamp":{timestamp},"duration":3,"localEndpoint":{{"serviceName":"svc"}},"tags":{{{tags}}}}}"#
        )
    };
    let mut spans: Vec<String> = (1..=3000).map(|i| span(i, 10 * i, "")).collect();
    spans.extend((1..=3000).map(|i| span(i, 0, &format!(r#""piece":"{i}""#))));
    let text = format!("[{}]", spans.join(","));
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut load = builder.start(text.clone().into_bytes()).unwrap();
    let mut joining = 0;
    while builder.advance(&mut load, 4096).is_none() {
        if load.progress() >= 1.0 {
            joining += 1;
        }
    }
    assert!(joining > 20, "{joining} steps once all was read");
    let set = builder.finish();
    assert_eq!(set.warnings, ingest(text.as_bytes()).unwrap().warnings);
    let trace = &set.traces[0];
    for (i, s) in trace.spans.iter().enumerate() {
        let name = set.strings.get(s.name);
        let tags: Vec<String> = (trace.span_attributes(i as u32).iter())
            .map(|a| match a.value {
                tracelens_core::attributes::Value::Str(v) => {
                    format!("{}={}", set.strings.get(a.key), set.strings.get(v))
                }
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(tags, [format!("piece={}", &name[1..])], "{name}");
    }
}

/// Zipkin JSON is read a bounded amount a step: its spans are found as it
/// arrives and read once all is there. An untimed piece joins the first
/// timed span of its id and service wherever either lies (the timed
/// span's own tags win); damage further on keeps the spans before it.
#[test]
fn zipkin_json_is_read_in_steps_its_pieces_joined_wherever_they_lie() {
    let span = |i: u64, timestamp: u64, tags: &str, annotations: &str| {
        format!(
            r#"{{"traceId":"0af7651916cd43dd8448eb211c80319c","id":"{i:016x}","name":"s{i}","timestamp":{timestamp},"duration":3,"localEndpoint":{{"serviceName":"svc"}},"tags":{{{tags}}},"annotations":[{annotations}]}}"#
        )
    };
    let mut spans = vec![span(
        1,
        0,
        r#""early":"yes","k":"piece""#,
        r#"{"timestamp":7,"value":"before"}"#,
    )];
    spans.extend((1..=3000).map(|i| span(i, 10 * i, r#""k":"timed""#, "")));
    spans.push(span(
        2999,
        0,
        r#""late":"yes""#,
        r#"{"timestamp":8,"value":"after"}"#,
    ));
    spans.push(span(9999, 0, "", ""));
    let text = format!("[{}]", spans.join(",\n"));
    let whole = ingest(text.as_bytes()).unwrap();
    assert_eq!(whole.span_count(), 3000);
    let trace = &whole.traces[0];
    let details = |name: &str| {
        let i = (trace.spans.iter())
            .position(|s| whole.strings.get(s.name) == name)
            .unwrap() as u32;
        let tags: Vec<String> = (trace.span_attributes(i).iter())
            .map(|a| match a.value {
                tracelens_core::attributes::Value::Str(v) => {
                    format!("{}={}", whole.strings.get(a.key), whole.strings.get(v))
                }
                _ => unreachable!(),
            })
            .collect();
        let events: Vec<&str> = (trace.span_events(i).iter())
            .map(|e| whole.strings.get(e.name))
            .collect();
        (tags, events)
    };
    assert_eq!(
        details("s1"),
        (vec!["early=yes".into(), "k=timed".into()], vec!["before"])
    );
    assert_eq!(
        details("s2999"),
        (vec!["k=timed".into(), "late=yes".into()], vec!["after"])
    );
    assert_eq!(details("s2"), (vec!["k=timed".into()], vec![]));
    assert!(whole.warnings.iter().any(|w| w.message.starts_with(
        "1 Zipkin span(s) have no timestamp and no timed span of the same id and service to \
         join (first: span #3002, id \"000000000000270f\""
    )));
    // In steps, none long: the spans are read as they arrive, and what is
    // read is let go.
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let half = text.len() / 2;
    let mut load = builder.start_arriving(text.as_bytes()[..half].to_vec(), text.len());
    let mut steps = vec![0];
    while builder.advance(&mut load, 4096).is_none() && !load.wants_input() {
        steps.push(builder.span_total());
    }
    let read = builder.span_total();
    assert!((1_450..=1_550).contains(&read), "{read} spans from half");
    assert!(
        load.progress() > 0.45 && load.progress() <= 0.5,
        "{}",
        load.progress()
    );
    load.append(&text.as_bytes()[half..]);
    assert!(load.held_bytes() < text.len() - half + 1_000);
    load.complete().unwrap();
    while builder.advance(&mut load, 4096).is_none() {
        steps.push(builder.span_total());
    }
    assert!(
        steps.len() > 20 && steps.windows(2).all(|w| w[1] - w[0] < 200),
        "{steps:?}"
    );
    let stepped = builder.finish();
    assert_eq!(stepped.span_count(), 3000);
    assert_eq!(stepped.warnings, whole.warnings);
    // Cut short: the spans before the cut, and where it is.
    let cut = &text[..text.len() / 3];
    let set = ingest(cut.as_bytes()).unwrap();
    assert!(
        (900..1_100).contains(&set.span_count()),
        "{}",
        set.span_count()
    );
    let damage = (set.warnings.iter())
        .find(|w| w.message.starts_with("invalid Zipkin JSON at line "))
        .unwrap();
    assert!(
        (damage.message).ends_with(": EOF while parsing a value; the spans before it are read"),
        "{damage}"
    );
    assert_eq!(load_in_parts(cut.as_bytes(), 1_000).warnings, set.warnings);
    // Something after the array: told however it arrives (as it arrived,
    // the fuzzer found it was not).
    let one = |i: u64| span(i, 10 * i, "", "");
    let array = format!("[{}]", (1..300).map(one).collect::<Vec<_>>().join(",\n"));
    let trailing = format!("{array}\n]");
    let set = ingest(trailing.as_bytes()).unwrap();
    assert!(set
        .warnings
        .iter()
        .any(|w| w.message.contains(": trailing characters;")));
    for part in [1_000, array.len()] {
        assert_eq!(
            load_in_parts(trailing.as_bytes(), part).warnings,
            set.warnings
        );
    }
    // A value that is not a span, cut where the input arrives in parts:
    // read as a whole (the fuzzer found a number cut in two read as two).
    let number = format!(
        "[{},{},123456789]",
        span(1, 10, "", ""),
        span(2, 20, "", "")
    );
    let cut_at = number.find("12345").unwrap() + 2;
    let set = ingest(number.as_bytes()).unwrap();
    assert_eq!(
        load_in_parts(number.as_bytes(), cut_at).warnings,
        set.warnings
    );
    // A span that is JSON but not a span is skipped, the rest read.
    let odd = text.replacen(r#""duration":3"#, r#""duration":"long""#, 2);
    let set = ingest(odd.as_bytes()).unwrap();
    assert_eq!(set.span_count(), 2999);
    for (warning, which) in set.warnings.iter().zip(["#0", "#1"]) {
        let line = if which == "#0" { 1 } else { 2 };
        let told = format!("Zipkin span {which} is not a Zipkin span (at line {line}, column ");
        assert!(warning.message.starts_with(&told), "{warning}");
    }
}

/// A compressed file is expanded a bounded amount a step and read as it
/// is expanded, with its progress shown: only the compressed bytes and
/// what is not read yet are held, never the whole expanded text. It gives
/// what reading it at once gives.
#[test]
fn a_compressed_file_is_expanded_and_read_a_step_at_a_time() {
    for path in [
        "etl-nightly/etl-nightly.otlp.json.gz",
        "etl-nightly/etl-nightly.otlp.json.zst",
        "large/large.otlp.json.gz",
    ] {
        let bytes = corpus_file(path);
        let plain = tracelens_core::ingest::decompressed(&bytes).unwrap().len();
        let whole = ingest(&bytes).unwrap();
        let mut builder = tracelens_core::TraceSetBuilder::default();
        let compressed = bytes.len();
        let mut load = builder.start(bytes).unwrap();
        let (mut steps, mut progress, mut held) = (0, 0.0, 0);
        while builder.advance(&mut load, 4096).is_none() {
            assert!(load.progress() >= progress, "{path}");
            progress = load.progress();
            held = held.max(load.held_bytes());
            steps += 1;
        }
        eprintln!("{path}: {steps} steps, {held} bytes held at most of {compressed} + {plain}");
        assert!(steps > plain / (256 << 10), "{path}: {steps} steps");
        // Past the first megabyte, expanded before the format is told.
        if plain > 4 << 20 {
            assert!(held < compressed + plain / 2, "{path}: {held} bytes held");
        }
        let set = builder.finish();
        assert_eq!(set.span_count(), whole.span_count(), "{path}");
        assert_eq!(set.warnings, whole.warnings, "{path}");
    }
}

/// A compressed file cut short (a download that stopped) keeps the spans
/// expanded before the cut, and says where the data broke off; with
/// nothing before the cut expanded (zstd gives nothing of a frame cut
/// inside its window), it is the decompression error.
#[test]
fn a_cut_compressed_file_keeps_what_came_before_the_cut() {
    let bytes = corpus_file("large/large.otlp.json.gz");
    let all = ingest(&bytes).unwrap().span_count();
    let set = ingest(&bytes[..bytes.len() * 2 / 3]).unwrap();
    assert!(
        set.span_count() > 0 && set.span_count() < all,
        "{}",
        set.span_count()
    );
    let said = |set: &tracelens_core::TraceSet| {
        set.warnings.iter().any(|w| {
            w.message.starts_with("gzip data is corrupt or truncated")
                && w.message.ends_with("; what came before it is read")
        })
    };
    assert!(said(&set), "{:?}", set.warnings);
    for cut in [&bytes[..40], &corpus_file("large/large.pb.zst")[..500_000]] {
        let error = ingest(cut).unwrap_err();
        assert!(
            matches!(error, IngestError::Decompression { .. }),
            "{error}"
        );
    }
}

fn read_a_few_spans_a_step(bytes: &[u8]) {
    let whole = ingest(bytes).unwrap();
    // A small budget: a step returns with part of the element read.
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let mut load = builder.start(bytes.to_vec()).unwrap();
    assert!(builder.advance(&mut load, 8192).is_none());
    let read = builder.span_total();
    assert!(read > 0 && read < 200, "{read} spans after one step");
    assert!(load.progress() > 0.0 && load.progress() < 0.1);
    while builder.advance(&mut load, 8192).is_none() {}
    assert_eq!(builder.finish().span_count(), whole.span_count());
    // Arriving: the spans of the part given so far are read.
    let mut builder = tracelens_core::TraceSetBuilder::default();
    let half = bytes.len() / 2;
    let mut load = builder.start_arriving(bytes[..half].to_vec(), bytes.len());
    assert!(builder.advance(&mut load, usize::MAX).is_none());
    assert!(load.wants_input());
    let read = builder.span_total();
    assert!(
        read > 1000 && read < 1600,
        "{read} spans from half the bytes"
    );
    load.append(&bytes[half..]);
    load.complete().unwrap();
    builder.advance(&mut load, usize::MAX).unwrap().unwrap();
    let set = builder.finish();
    assert_eq!(set.span_count(), whole.span_count());
    assert_eq!(set.warnings.len(), whole.warnings.len());
}

/// A file whose every span is odd keeps a hundred warnings of that kind
/// and counts the rest, read whole or as it arrives; a warning of another
/// kind after them is kept.
#[test]
fn a_flood_of_one_warning_keeps_a_hundred_and_counts_the_rest() {
    use tracelens_core::warnings::{grouped, KEPT_OF_A_KIND};
    let backwards: Vec<String> = (1..=5_000)
        .map(|i| span(T1, &format!("{i:016x}"), "", 10 + i, i))
        .collect();
    let mut text = request(&backwards);
    text.push('\n');
    text.push_str(
        &request(&[span(T2, "00000000000000b1", "", 10, 20)])
            .replace("\"name\"", "\"name\":3,\"x\""),
    );
    let bytes = text.into_bytes();
    let whole = ingest(&bytes).unwrap();
    assert_eq!(whole.traces[0].spans.len(), 5_000);
    let groups = grouped(&whole.warnings, 5);
    let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
    // The spans, the damaged line, the 5,000 roots.
    assert_eq!(counts, [5_000, 1, 1], "{groups:?}");
    assert_eq!(whole.warnings.len(), KEPT_OF_A_KIND + 2);
    // Read in slices small enough to cut spans, the same warnings.
    for part in [700, 4_096] {
        let mut builder = tracelens_core::TraceSetBuilder::default();
        let mut given = part;
        let mut load = builder.start_arriving(bytes[..given].to_vec(), bytes.len());
        let set = loop {
            if given == bytes.len() {
                load.complete().unwrap();
            }
            if let Some(outcome) = builder.advance(&mut load, 1_000) {
                outcome.unwrap();
                break builder.finish();
            }
            if load.wants_input() {
                let next = (given + part).min(bytes.len());
                load.append(&bytes[given..next]);
                given = next;
            }
        };
        assert_eq!(set.warnings, whole.warnings, "slices of {part} bytes");
    }
}
