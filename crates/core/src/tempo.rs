//! Grafana Tempo's answers that are not traces: search results. (Trace
//! answers, v1 `{"batches"}` and v2 `{"trace"}`, are read by ingest.)

use serde::Deserialize;

use crate::ids::{decode_id, TraceId};
use crate::ingest::IngestError;

/// One trace found by a Tempo search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    /// The trace id, as 16 bytes (Tempo trims leading zeros of the hex).
    pub trace_id: TraceId,
    /// The id exactly as Tempo wrote it.
    pub trace_id_as_written: String,
    /// The root span's service, or Tempo's `<root span not yet received>`.
    pub root_service: String,
    /// The root span's name; empty when Tempo has no root span.
    pub root_name: String,
    /// Start, Unix nanoseconds.
    pub start_ns: u64,
    /// Duration in milliseconds, truncated by Tempo.
    pub duration_ms: u64,
    /// Spans that matched the query, over all span sets.
    pub matched: u64,
}

#[derive(Deserialize)]
struct SearchResponse {
    #[serde(default)]
    traces: Option<Vec<JsonHit>>,
}

#[derive(Deserialize)]
struct JsonHit {
    #[serde(default, rename = "traceID")]
    trace_id: String,
    #[serde(default, rename = "rootServiceName")]
    root_service_name: String,
    #[serde(default, rename = "rootTraceName")]
    root_trace_name: String,
    #[serde(default, rename = "startTimeUnixNano")]
    start: Option<serde_json::Value>,
    #[serde(default, rename = "durationMs")]
    duration_ms: Option<u64>,
    #[serde(default, rename = "spanSets")]
    span_sets: Vec<SpanSet>,
}

#[derive(Deserialize)]
struct SpanSet {
    #[serde(default)]
    matched: u64,
}

/// Reads a `GET /api/search` answer.
pub fn parse_search(bytes: &[u8]) -> Result<Vec<SearchHit>, IngestError> {
    let response: SearchResponse = serde_json::from_slice(bytes)
        .map_err(|e| IngestError::Malformed(format!("invalid Tempo search answer: {e}")))?;
    let hits = response.traces.ok_or_else(|| {
        IngestError::Malformed("the Tempo answer has no \"traces\" list".to_owned())
    })?;
    hits.into_iter()
        .map(|hit| {
            let trace_id = normalize_trace_id(&hit.trace_id).map_err(IngestError::Malformed)?;
            let start_ns = match &hit.start {
                Some(serde_json::Value::String(s)) => s.parse().unwrap_or(0),
                Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(0),
                _ => 0,
            };
            Ok(SearchHit {
                trace_id,
                trace_id_as_written: hit.trace_id,
                root_service: hit.root_service_name,
                root_name: hit.root_trace_name,
                start_ns,
                duration_ms: hit.duration_ms.unwrap_or(0),
                matched: hit.span_sets.iter().map(|s| s.matched).sum(),
            })
        })
        .collect()
}

/// The version in a `GET /api/status/buildinfo` answer.
pub fn parse_buildinfo(bytes: &[u8]) -> Option<String> {
    let info: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    info["version"].as_str().map(str::to_owned)
}

/// Tag names of a `GET /api/v2/search/tags` answer, scoped as TraceQL
/// writes them (`resource.service.name`, `span.http.route`); intrinsic tags
/// (`duration`, `status`, …) bare.
pub fn parse_tags(bytes: &[u8]) -> Result<Vec<String>, IngestError> {
    #[derive(Deserialize)]
    struct Tags {
        #[serde(default)]
        scopes: Vec<TagScope>,
    }
    #[derive(Deserialize)]
    struct TagScope {
        name: String,
        #[serde(default)]
        tags: Vec<String>,
    }
    let tags: Tags = serde_json::from_slice(bytes)
        .map_err(|e| IngestError::Malformed(format!("invalid Tempo tags answer: {e}")))?;
    Ok(tags
        .scopes
        .into_iter()
        .flat_map(|scope| {
            let prefix = if scope.name == "intrinsic" {
                String::new()
            } else {
                format!("{}.", scope.name)
            };
            scope
                .tags
                .into_iter()
                .map(move |tag| format!("{prefix}{tag}"))
        })
        .collect())
}

/// One value of a tag, with Tempo's type name (`string`, `int`, …).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TagValue {
    /// `string`, `int`, `float`, `bool`, `duration` or `keyword`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value as text.
    pub value: String,
}

/// Values of a `GET /api/v2/search/tag/{tag}/values` answer.
pub fn parse_tag_values(bytes: &[u8]) -> Result<Vec<TagValue>, IngestError> {
    #[derive(Deserialize)]
    struct Values {
        #[serde(default, rename = "tagValues")]
        tag_values: Vec<TagValue>,
    }
    let values: Values = serde_json::from_slice(bytes)
        .map_err(|e| IngestError::Malformed(format!("invalid Tempo tag values answer: {e}")))?;
    Ok(values.tag_values)
}

/// The warning for a trace Tempo returned only in part (`PARTIAL`), with
/// Tempo's message; used for its JSON and its protobuf answers alike.
pub fn partial_warning(message: &str) -> String {
    if message.is_empty() {
        "Tempo returned only part of this trace (PARTIAL)".to_owned()
    } else {
        format!("Tempo returned only part of this trace (PARTIAL): {message}")
    }
}

/// The trace inside a `/api/v2/traces/{id}` protobuf answer, Tempo's
/// `TraceByIDResponse { Trace trace = 1; TraceByIDMetrics metrics = 2;
/// PartialStatus status = 3; string message = 4; }`. `Trace` is
/// wire-identical to OTLP `TracesData`, so the bytes returned go to ingest
/// as they are; the second value is the PARTIAL warning, if any.
pub fn unwrap_trace_by_id(bytes: &[u8]) -> Result<(&[u8], Option<String>), IngestError> {
    use crate::ingest::otlp_proto::varint;
    let damaged =
        |at: usize| IngestError::Malformed(format!("invalid Tempo protobuf answer at byte {at}"));
    let (mut trace, mut partial, mut message) = (&bytes[..0], false, String::new());
    let mut at = 0;
    while at < bytes.len() {
        let (key, next) = varint(bytes, at).ok_or_else(|| damaged(at))?;
        at = next;
        match (key >> 3, key & 7) {
            (field, 0) => {
                let (value, next) = varint(bytes, at).ok_or_else(|| damaged(at))?;
                partial |= field == 3 && value == 1;
                at = next;
            }
            (field, 2) => {
                let (length, body) = varint(bytes, at).ok_or_else(|| damaged(at))?;
                let end = body
                    .checked_add(usize::try_from(length).map_err(|_| damaged(at))?)
                    .filter(|&end| end <= bytes.len())
                    .ok_or_else(|| damaged(at))?;
                match field {
                    1 => trace = &bytes[body..end],
                    4 => message = String::from_utf8_lossy(&bytes[body..end]).into_owned(),
                    _ => {}
                }
                at = end;
            }
            (_, 1) => at += 8,
            (_, 5) => at += 4,
            _ => return Err(damaged(at)),
        }
    }
    let warning = partial.then(|| partial_warning(&message));
    Ok((trace, warning))
}

/// A trace id as a person types it: any case, with or without leading
/// zeros, surrounding spaces. Errors say what is wrong with it.
pub fn normalize_trace_id(text: &str) -> Result<TraceId, String> {
    let hex = text.trim();
    if hex.is_empty() {
        return Err("the trace id is empty".to_owned());
    }
    if let Some(bad) = hex.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "{hex:?} is not a trace id: {bad:?} is not a hex digit"
        ));
    }
    if hex.len() > 32 {
        return Err(format!(
            "{hex:?} is not a trace id: it has {} hex digits, at most 32",
            hex.len()
        ));
    }
    let padded = format!("{hex:0>32}");
    decode_id::<16>(&padded)
        .map(TraceId)
        .ok_or_else(|| format!("{hex:?} is not a trace id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protobuf_trace_by_id_answer_is_unwrapped() {
        let trace = [0x0a, 0x02, 0x0a, 0x00]; // one empty ResourceSpans
        let mut answer = vec![0x0a, trace.len() as u8];
        answer.extend(trace);
        answer.extend([0x18, 0x01]); // status = PARTIAL
        answer.extend([0x22, 0x03, b'b', b'i', b'g']); // message
        let (inner, warning) = unwrap_trace_by_id(&answer).unwrap();
        assert_eq!(inner, trace);
        assert_eq!(
            warning.unwrap(),
            "Tempo returned only part of this trace (PARTIAL): big"
        );
        assert!(unwrap_trace_by_id(&[0x0a, 0x09, 0x00]).is_err());
    }

    #[test]
    fn typed_ids_are_normalised() {
        let want = "003f9c5e2a71b8d4e6f00c1d2b3a4958";
        assert_eq!(
            normalize_trace_id("  3F9C5E2A71B8D4E6F00C1D2B3A4958 ")
                .unwrap()
                .to_string(),
            want
        );
        assert_eq!(normalize_trace_id(want).unwrap().to_string(), want);
        assert!(normalize_trace_id("xyz").unwrap_err().contains("'x'"));
        assert!(normalize_trace_id("").is_err());
        assert!(normalize_trace_id(&"1".repeat(33))
            .unwrap_err()
            .contains("33"));
    }
}
