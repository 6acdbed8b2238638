//! Which JSON format a document is, told by the set of keys its top-level
//! object has (or, for an array, its first element), never by which key
//! comes first: producers add keys (`"_comment"`, `"total"`) and write
//! them in any order. Values are skipped unparsed, so sniffing reads the
//! keys up to the first one that decides.

/// What a JSON document is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum JsonKind {
    /// OTLP/JSON traces: `resourceSpans`, Tempo's `batches` and `trace`,
    /// Jaeger v2's `/api/v3/traces` answer `{"result": {"resourceSpans"}}`.
    OtlpTraces,
    /// Jaeger's API JSON: `{"data": [trace…]}` or one trace object.
    Jaeger,
    /// Jaeger spans (`traceID`, `spanID`, `operationName`): a bare array
    /// of them, or one (as Jaeger's Elasticsearch storage keeps each).
    JaegerSpans,
    /// Zipkin v2: an array of spans, an array of traces, or one span.
    Zipkin,
    /// Jaeger's internal model as protobuf's JSON mapping (`traceId`,
    /// `spanId` in base64, `operationName`), as its storage writes it.
    JaegerInternal,
    /// A Tempo search answer: `{"traces": [{"traceID", "rootServiceName"…}]}`.
    TempoSearch,
    /// OTLP/JSON logs: `{"resourceLogs": …}`.
    OtlpLogs,
    /// A Grafana Loki answer (`{"data": {"resultType", "result"}}`) or push
    /// body (`{"streams": …}`).
    Loki,
    /// An array with nothing in it.
    EmptyArray,
    /// None of these: the keys it has, for the message.
    Unknown(Vec<String>),
}

/// How a sniff ended: a kind, or the bytes ran out before any key decided
/// (an input still arriving: wait for more).
pub(crate) type Sniffed = Option<JsonKind>;

/// The kind of the JSON document starting at `at` (its first byte,
/// `{` or `[`); `None` when `bytes` ends before it is decided.
pub(crate) fn json_kind(bytes: &[u8], at: usize) -> Sniffed {
    match bytes.get(at)? {
        b'{' => object_kind(bytes, at),
        b'[' => {
            let first = skip_whitespace(bytes, at + 1);
            match bytes.get(first)? {
                b']' => Some(JsonKind::EmptyArray),
                // Zipkin's /api/v2/traces: an array of traces.
                b'[' => Some(JsonKind::Zipkin),
                b'{' => Some(match object_kind(bytes, first)? {
                    JsonKind::Jaeger | JsonKind::JaegerSpans => JsonKind::JaegerSpans,
                    JsonKind::JaegerInternal => JsonKind::JaegerInternal,
                    // The Zipkin reader says what is wrong with the rest.
                    _ => JsonKind::Zipkin,
                }),
                _ => Some(JsonKind::Zipkin),
            }
        }
        _ => Some(JsonKind::Unknown(Vec::new())),
    }
}

/// The kind of the object at `at`, by its keys.
fn object_kind(bytes: &[u8], at: usize) -> Sniffed {
    let mut seen: Vec<String> = Vec::new();
    let mut i = skip_whitespace(bytes, at + 1);
    loop {
        match bytes.get(i)? {
            b'}' => return Some(undecided(&seen)),
            b',' => i = skip_whitespace(bytes, i + 1),
            b'"' => {}
            _ => return Some(undecided(&seen)),
        }
        if bytes.get(i)? != &b'"' {
            return Some(undecided(&seen));
        }
        let key_end = value_end(bytes, i)?;
        let key = String::from_utf8_lossy(&bytes[i + 1..key_end - 1]).into_owned();
        i = skip_whitespace(bytes, key_end);
        if bytes.get(i)? != &b':' {
            return Some(undecided(&seen));
        }
        let value = skip_whitespace(bytes, i + 1);
        let first = *bytes.get(value)?;
        if let Some(kind) = decided_by(&key, first, bytes, value, &seen)? {
            return Some(kind);
        }
        seen.push(key);
        i = skip_whitespace(bytes, value_end(bytes, value)?);
    }
}

/// What one key (whose value starts with `first` at `value`) decides,
/// given the keys seen before it; `Some(None)` when it decides nothing,
/// `None` when deciding needs bytes not given yet.
fn decided_by(
    key: &str,
    first: u8,
    bytes: &[u8],
    value: usize,
    seen: &[String],
) -> Option<Option<JsonKind>> {
    let has = |k: &str| seen.iter().any(|s| s == k);
    Some(Some(match key {
        "resourceSpans" | "batches" | "instrumentationLibrarySpans" => JsonKind::OtlpTraces,
        "trace" | "result" if matches!(first, b'{' | b'[') => JsonKind::OtlpTraces,
        "resourceLogs" => JsonKind::OtlpLogs,
        "streams" => JsonKind::Loki,
        "data" => match first {
            // Loki wraps its streams in `data`; Jaeger its traces.
            b'{' => match object_kind(bytes, value)? {
                JsonKind::Loki | JsonKind::Unknown(_) => JsonKind::Loki,
                _ => JsonKind::Jaeger,
            },
            _ => JsonKind::Jaeger,
        },
        "resultType" => JsonKind::Loki,
        // A trace object and a span both have `traceID`: what else they
        // have tells them apart (or, at the object's end, `traceID` alone).
        "processes" => JsonKind::Jaeger,
        "spanID" | "processID" => JsonKind::JaegerSpans,
        // Jaeger's internal model has `spans` too; its spans tell.
        "spans" => {
            let element = skip_whitespace(bytes, value + 1);
            match (first, bytes.get(element)?) {
                (b'[', b'{') => match object_kind(bytes, element)? {
                    JsonKind::JaegerInternal => JsonKind::JaegerInternal,
                    _ => JsonKind::Jaeger,
                },
                _ => JsonKind::Jaeger,
            }
        }
        "traces" => JsonKind::TempoSearch,
        "operationName" | "references" | "startTime" if has("traceId") || has("spanId") => {
            JsonKind::JaegerInternal
        }
        "traceId" | "spanId" if has("operationName") => JsonKind::JaegerInternal,
        "id" if has("traceId") => JsonKind::Zipkin,
        "traceId" if has("id") => JsonKind::Zipkin,
        _ => return Some(None),
    }))
}

/// An object whose keys decided nothing on their own.
fn undecided(seen: &[String]) -> JsonKind {
    let has = |k: &str| seen.iter().any(|s| s == k);
    match () {
        _ if has("traceID") && has("operationName") => JsonKind::JaegerSpans,
        _ if has("traceID") => JsonKind::Jaeger,
        _ => JsonKind::Unknown(seen.to_vec()),
    }
}

pub(super) fn skip_whitespace(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|b| !b.is_ascii_whitespace()))
        .map_or(bytes.len(), |p| from + p)
}

/// The offset just past the JSON value starting at `at` (its structure
/// only: strings, nesting, scalars), or `None` when the input ends first.
pub(super) fn value_end(bytes: &[u8], at: usize) -> Option<usize> {
    close_of(bytes, at, 0)
}

/// From `at` inside `open` objects or arrays, the offset just past the
/// outermost one's end (by structure only, as [`value_end`]), or `None`
/// when the input ends first.
pub(super) fn enclosing_end(bytes: &[u8], at: usize, open: usize) -> Option<usize> {
    close_of(bytes, at, open.max(1))
}

#[inline]
fn close_of(bytes: &[u8], at: usize, open: usize) -> Option<usize> {
    let mut depth = open;
    let mut i = at;
    loop {
        match *bytes.get(i)? {
            b'"' => {
                i += 1;
                loop {
                    match *bytes.get(i)? {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
            }
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            _ if depth == 0 => {
                // A scalar: up to the next delimiter.
                let end = bytes[i..]
                    .iter()
                    .position(|&b| matches!(b, b',' | b']' | b'}') || b.is_ascii_whitespace())
                    .map_or(bytes.len(), |p| i + p);
                return Some(end);
            }
            _ => i += 1,
        }
        if depth == 0 {
            return Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{json_kind, JsonKind};

    fn kind(json: &str) -> Option<JsonKind> {
        json_kind(json.as_bytes(), 0)
    }

    #[test]
    fn keys_decide_in_any_order_past_keys_no_format_defines() {
        assert_eq!(
            kind(r#"{"_comment": "from the docs", "data": [{"traceID": "1"}]}"#),
            Some(JsonKind::Jaeger)
        );
        assert_eq!(
            kind(r#"{"_comment": {"nested": [1, "}"]}, "traceID": "ab", "spans": []}"#),
            Some(JsonKind::Jaeger)
        );
        assert_eq!(
            kind(r#"{"traceID": "ab", "spanID": "cd", "operationName": "x"}"#),
            Some(JsonKind::JaegerSpans)
        );
        assert_eq!(
            kind(r#"{"operationName": "x", "traceID": "ab", "spanID": "cd"}"#),
            Some(JsonKind::JaegerSpans)
        );
        assert_eq!(
            kind(r#"{"note": 1, "resourceSpans": []}"#),
            Some(JsonKind::OtlpTraces)
        );
        assert_eq!(
            kind(r#"{"result": {"resourceSpans": []}}"#),
            Some(JsonKind::OtlpTraces)
        );
        assert_eq!(
            kind(r#"{"metrics": {}, "trace": {"resourceSpans": []}}"#),
            Some(JsonKind::OtlpTraces)
        );
    }

    #[test]
    fn arrays_are_told_by_their_first_element() {
        assert_eq!(
            kind(r#"[{"traceID": "a", "spanID": "b", "operationName": "x"}]"#),
            Some(JsonKind::JaegerSpans)
        );
        assert_eq!(
            kind(r#"[{"traceId": "a", "id": "b"}]"#),
            Some(JsonKind::Zipkin)
        );
        assert_eq!(kind(r#"[[{"traceId": "a"}]]"#), Some(JsonKind::Zipkin));
        assert_eq!(kind("[ ]"), Some(JsonKind::EmptyArray));
    }

    #[test]
    fn things_that_are_not_traces_are_named() {
        assert_eq!(
            kind(r#"{"traces": [{"traceID": "1", "rootServiceName": "a"}], "metrics": {}}"#),
            Some(JsonKind::TempoSearch)
        );
        assert_eq!(kind(r#"{"resourceLogs": []}"#), Some(JsonKind::OtlpLogs));
        assert_eq!(
            kind(r#"{"status": "success", "data": {"resultType": "streams", "result": []}}"#),
            Some(JsonKind::Loki)
        );
        assert_eq!(
            kind(r#"{"traceId": "AAE=", "spanId": "AQ==", "operationName": "x"}"#),
            Some(JsonKind::JaegerInternal)
        );
        assert_eq!(
            kind(r#"{"spans": [{"traceId": "AAE=", "operationName": "x"}], "processMap": []}"#),
            Some(JsonKind::JaegerInternal)
        );
        assert_eq!(
            kind(r#"{"traceId": "a", "name": "x", "id": "b"}"#),
            Some(JsonKind::Zipkin)
        );
        assert_eq!(
            kind(r#"{"a": 1, "b": 2}"#),
            Some(JsonKind::Unknown(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn a_cut_before_the_deciding_key_waits_for_more() {
        assert_eq!(kind(r#"{"_comment": "a long comm"#), None);
        assert_eq!(kind(r#"{"_comment": "x", "#), None);
    }
}
