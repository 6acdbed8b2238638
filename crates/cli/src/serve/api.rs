//! The queries the app asks Grafana Tempo and Loki, answered from what
//! `tracelens serve` received: Tempo's echo, build info, trace by id (v2
//! protobuf and JSON, v1 JSON), TraceQL search (the subset in
//! [`super::traceql`]), tag and tag-value lists; Loki's `query_range` for
//! a stream selector and line filters.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::logs::v1::LogsData;
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, TracesData};
use prost::Message;
use serde::Deserialize;
use serde_json::{json, Value as Json};
use tracelens_core::tempo::normalize_trace_id;
use tracelens_core::{SpanId, TraceId};

use super::otlp::{record_time, service_of, value_text};
use super::store::{Store, TraceEntry, TraceKey};
use super::traceql::{self, SpanView};
use super::Shared;

/// Spans listed per matched trace in a search answer (Tempo's `spss`).
const SPANS_PER_SET: usize = 3;

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

fn json_answer(value: Json) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// `GET /api/echo`.
pub async fn echo() -> Response {
    text(StatusCode::OK, "echo".to_owned())
}

/// `GET /api/status/buildinfo`.
pub async fn buildinfo() -> Response {
    json_answer(json!({
        "version": concat!("tracelens serve ", env!("CARGO_PKG_VERSION")),
        "revision": "", "branch": "", "buildUser": "", "buildDate": "", "goVersion": "",
    }))
}

/// A trace's records merged into one `TracesData`, or `None` when none
/// of them is kept.
fn read_trace(store: &Store, key: &TraceKey) -> Option<TracesData> {
    read_entry(store, key, &store.trace(key)?)
}

/// The records of `entry`, trace `key`'s index entry, merged.
fn read_entry(store: &Store, key: &TraceKey, entry: &TraceEntry) -> Option<TracesData> {
    let mut trace = TracesData::default();
    for &piece in &entry.pieces {
        let Some(data) = store
            .read(piece)
            .and_then(|b| TracesData::decode(&b[..]).ok())
        else {
            continue;
        };
        trace
            .resource_spans
            .extend(only_trace(data.resource_spans, key));
    }
    (!trace.resource_spans.is_empty()).then_some(trace)
}

/// The spans of `key` in `resource_spans` (records hold one trace each;
/// this keeps the answer right whatever a record holds).
fn only_trace(mut resource_spans: Vec<ResourceSpans>, key: &TraceKey) -> Vec<ResourceSpans> {
    for r in &mut resource_spans {
        for s in &mut r.scope_spans {
            s.spans.retain(|span| span.trace_id == key[..]);
        }
        r.scope_spans.retain(|s| !s.spans.is_empty());
    }
    resource_spans.retain(|r| !r.scope_spans.is_empty());
    resource_spans
}

/// Tempo's `TraceByIDResponse`, its first field being the trace.
#[derive(Clone, PartialEq, Message)]
struct TraceByIdResponse {
    #[prost(message, optional, tag = "1")]
    trace: Option<TracesData>,
}

fn trace_key(id: &str) -> Result<TraceKey, String> {
    normalize_trace_id(id)
        .map(|id| id.0)
        .map_err(|error| format!("invalid trace id {id:?}: {error}"))
}

/// `GET /api/v2/traces/{id}`: protobuf when asked for, else JSON.
pub async fn trace_v2(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = match trace_key(&id) {
        Ok(key) => key,
        Err(error) => return text(StatusCode::BAD_REQUEST, error),
    };
    let Some(trace) = tokio::task::block_in_place(|| read_trace(&shared.store, &key)) else {
        return text(StatusCode::NOT_FOUND, format!("trace not found: {id}"));
    };
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/protobuf") {
        let body = TraceByIdResponse { trace: Some(trace) }.encode_to_vec();
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/protobuf")],
            Body::from(body),
        )
            .into_response();
    }
    json_answer(json!({ "trace": trace }))
}

/// `GET /api/traces/{id}`: Tempo's v1 JSON, `{"batches": […]}`.
pub async fn trace_v1(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let key = match trace_key(&id) {
        Ok(key) => key,
        Err(error) => return text(StatusCode::BAD_REQUEST, error),
    };
    match tokio::task::block_in_place(|| read_trace(&shared.store, &key)) {
        Some(trace) => json_answer(json!({ "batches": trace.resource_spans })),
        None => text(StatusCode::NOT_FOUND, format!("trace not found: {id}")),
    }
}

#[derive(Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    tags: Option<String>,
    #[serde(rename = "minDuration")]
    min_duration: Option<String>,
    #[serde(rename = "maxDuration")]
    max_duration: Option<String>,
    limit: Option<usize>,
    start: Option<u64>,
    end: Option<u64>,
}

/// `GET /api/search?q=TRACEQL&limit=N&start=S&end=E` (seconds): the
/// newest matching traces first.
pub async fn search(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<SearchParams>,
) -> Response {
    if params.tags.is_some() || params.min_duration.is_some() || params.max_duration.is_some() {
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "tracelens serve searches by TraceQL only (q=…): write tags=, minDuration= and \
                 maxDuration= as {{ span.key = \"value\" && duration > 100ms }}; {}",
                traceql::SUPPORTED
            ),
        );
    }
    let q = params.q.unwrap_or_else(|| "{ }".to_owned());
    let query = match traceql::parse(&q) {
        Ok(query) => query,
        Err(error) => return text(StatusCode::BAD_REQUEST, error),
    };
    let limit = params.limit.unwrap_or(20).clamp(1, 100_000);
    let from = params.start.map_or(0, |s| s.saturating_mul(1_000_000_000));
    let to = params.end.map_or(u64::MAX, |e| {
        e.saturating_add(1).saturating_mul(1_000_000_000)
    });
    let store = &shared.store;
    let (traces, inspected) = tokio::task::block_in_place(|| {
        let mut found = Vec::new();
        let mut inspected = 0;
        for key in store.traces_between(from, to) {
            if found.len() >= limit {
                break;
            }
            let Some(entry) = store.trace(&key) else {
                continue; // removed with its files since
            };
            inspected += 1;
            let root = entry.root.clone();
            let hit = |matched: u64, spans: Vec<Json>| {
                let (service, name) = match &root {
                    Some((service, name)) => (service.clone(), Some(name.clone())),
                    None => ("<root span not yet received>".to_owned(), None),
                };
                let mut hit = json!({
                    "traceID": TraceId(key).to_string(),
                    "rootServiceName": service,
                    "startTimeUnixNano": entry.start_ns.to_string(),
                    "durationMs": (entry.end_ns.saturating_sub(entry.start_ns)) / 1_000_000,
                    "spanSets": [{ "spans": spans, "matched": matched }],
                });
                if let Some(name) = name {
                    hit["rootTraceName"] = Json::from(name);
                }
                hit
            };
            if query.is_everything() {
                found.push(hit(entry.spans, Vec::new()));
                continue;
            }
            let Some(trace) = read_entry(store, &key, &entry) else {
                continue;
            };
            let views: Vec<SpanView> = trace
                .resource_spans
                .iter()
                .flat_map(|r| {
                    let resource = r.resource.as_ref().map_or(&[][..], |r| &r.attributes[..]);
                    r.scope_spans.iter().flat_map(move |s| {
                        s.spans.iter().map(move |span| SpanView { span, resource })
                    })
                })
                .collect();
            if let Some(matched) = query.matches(&views) {
                let spans = matched
                    .iter()
                    .take(SPANS_PER_SET)
                    .map(|&i| {
                        let span = views[i].span;
                        json!({
                            "spanID": span_id(&span.span_id),
                            "name": span.name,
                            "startTimeUnixNano": span.start_time_unix_nano.to_string(),
                            "durationNanos": span.end_time_unix_nano.saturating_sub(span.start_time_unix_nano).to_string(),
                        })
                    })
                    .collect();
                found.push(hit(matched.len() as u64, spans));
            }
        }
        (found, inspected)
    });
    json_answer(json!({ "traces": traces, "metrics": { "inspectedTraces": inspected } }))
}

/// An 8-byte span id as hex (the ids kept are checked on arrival).
fn span_id(bytes: &[u8]) -> String {
    SpanId(bytes.try_into().unwrap_or_default()).to_string()
}

/// The intrinsic tags the search understands.
const INTRINSICS: [&str; 4] = ["duration", "kind", "name", "status"];

/// `GET /api/v2/search/tags`.
pub async fn tags(State(shared): State<Arc<Shared>>) -> Response {
    let mut scopes = shared.store.with_tags(|tags| {
        tags.scopes
            .iter()
            .map(|(scope, keys)| json!({ "name": scope, "tags": keys.keys().collect::<Vec<_>>() }))
            .collect::<Vec<_>>()
    });
    scopes.push(json!({ "name": "intrinsic", "tags": INTRINSICS }));
    json_answer(json!({ "scopes": scopes }))
}

/// `GET /api/v2/search/tag/{tag}/values`, `tag` scoped as TraceQL writes
/// it (`resource.service.name`, `span.http.route`, `.http.route`) or an
/// intrinsic (`status`, `kind`).
pub async fn tag_values(State(shared): State<Arc<Shared>>, Path(tag): Path<String>) -> Response {
    let keyword = |values: &[&str]| {
        values
            .iter()
            .map(|v| json!({ "type": "keyword", "value": v }))
            .collect::<Vec<_>>()
    };
    let values = match tag.as_str() {
        "status" => keyword(&["error", "ok", "unset"]),
        "kind" => keyword(&[
            "server",
            "client",
            "producer",
            "consumer",
            "internal",
            "unspecified",
        ]),
        _ => {
            let (scopes, key): (&[&str], &str) = if let Some(key) = tag.strip_prefix("resource.") {
                (&["resource"], key)
            } else if let Some(key) = tag.strip_prefix("span.") {
                (&["span"], key)
            } else if let Some(key) = tag.strip_prefix('.') {
                (&["span", "resource"], key)
            } else {
                return text(
                    StatusCode::BAD_REQUEST,
                    format!("tag {tag:?}: name a scoped tag (resource.KEY, span.KEY, .KEY), status or kind"),
                );
            };
            shared.store.with_tags(|tags| {
                let mut values: Vec<Json> = Vec::new();
                for scope in scopes {
                    let Some(found) = tags.scopes.get(scope).and_then(|s| s.get(key)) else {
                        continue;
                    };
                    for (kind, value) in found {
                        let entry = json!({ "type": kind, "value": value });
                        if !values.contains(&entry) {
                            values.push(entry);
                        }
                    }
                }
                values
            })
        }
    };
    json_answer(json!({ "tagValues": values, "metrics": {} }))
}

/// A Loki query: stream matchers and the stages after them.
struct LogQuery {
    matchers: Vec<Matcher>,
    /// (`|=`, `!=`, `|~`, `!~` or `|` for a label filter, text).
    stages: Vec<Stage>,
}

/// `label OP "value"` in the stream selector.
struct Matcher {
    label: String,
    op: &'static str,
    value: String,
    /// For `=~` and `!~`: the value, fully anchored as Loki anchors it.
    pattern: Option<regex::Regex>,
}

enum Stage {
    Contains(String),
    Lacks(String),
    Matches(regex::Regex),
    Misses(regex::Regex),
    Label(String, bool, String),
}

const LOKI_SUPPORTED: &str = "tracelens serve answers LogQL log queries: \
    {label=\"v\", label!=\"v\", label=~\"re\", label!~\"re\"} followed by line filters \
    |= \"text\", != \"text\", |~ \"re\", !~ \"re\" and label filters | label=\"v\" or | label!=\"v\"";

fn parse_logql(query: &str) -> Result<LogQuery, String> {
    let refuse = |at: usize, what: &str| {
        Err(format!(
            "parse error at column {}: unsupported {what}; {LOKI_SUPPORTED}",
            at + 1
        ))
    };
    let bytes = query.as_bytes();
    let mut at = 0;
    let skip = |at: &mut usize| {
        while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
            *at += 1;
        }
    };
    let quoted = |at: &mut usize| -> Option<String> {
        let quote = *bytes.get(*at)?;
        if quote != b'"' && quote != b'`' {
            return None;
        }
        let mut value = String::new();
        let mut chars = query[*at + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                c if c as u32 == quote as u32 => {
                    *at += i + 2;
                    return Some(value);
                }
                '\\' if quote == b'"' => value.extend(chars.next().map(|(_, c)| c)),
                c => value.push(c),
            }
        }
        None
    };
    let word = |at: &mut usize| -> String {
        let start = *at;
        while *at < bytes.len() && (bytes[*at].is_ascii_alphanumeric() || bytes[*at] == b'_') {
            *at += 1;
        }
        query[start..*at].to_owned()
    };
    let op = |at: &mut usize| -> Option<&'static str> {
        for op in ["!=", "=~", "!~", "="] {
            if query[*at..].starts_with(op) {
                *at += op.len();
                return Some(op);
            }
        }
        None
    };
    skip(&mut at);
    if bytes.get(at) != Some(&b'{') {
        return refuse(at, "start: a query begins with a stream selector {…}");
    }
    at += 1;
    let mut matchers = Vec::new();
    loop {
        skip(&mut at);
        if bytes.get(at) == Some(&b'}') {
            at += 1;
            break;
        }
        let label = word(&mut at);
        skip(&mut at);
        let (Some(op), false) = (op(&mut at), label.is_empty()) else {
            return refuse(at, "matcher");
        };
        skip(&mut at);
        let Some(value) = quoted(&mut at) else {
            return refuse(at, "value (quote it)");
        };
        let pattern = match op {
            "=~" | "!~" => Some(
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("invalid regular expression {value:?}: {e}"))?,
            ),
            _ => None,
        };
        matchers.push(Matcher {
            label,
            op,
            value,
            pattern,
        });
        skip(&mut at);
        match bytes.get(at) {
            Some(b',') => at += 1,
            Some(b'}') => {}
            _ => return refuse(at, "text in the selector"),
        }
    }
    let mut stages = Vec::new();
    loop {
        skip(&mut at);
        if at >= bytes.len() {
            break;
        }
        let rest = &query[at..];
        let kind = ["|=", "!=", "|~", "!~", "|"]
            .into_iter()
            .find(|k| rest.starts_with(k));
        let Some(kind) = kind else {
            return refuse(at, "stage");
        };
        at += kind.len();
        skip(&mut at);
        if kind == "|" {
            let label = word(&mut at);
            skip(&mut at);
            let op = op(&mut at);
            skip(&mut at);
            let (false, Some(op @ ("=" | "!=")), Some(value)) =
                (label.is_empty(), op, quoted(&mut at))
            else {
                return refuse(at, "stage after | (only label=\"v\" and label!=\"v\")");
            };
            stages.push(Stage::Label(label, op == "=", value));
            continue;
        }
        let Some(value) = quoted(&mut at) else {
            return refuse(at, "line filter (quote its text)");
        };
        let pattern = || {
            regex::Regex::new(&value)
                .map_err(|e| format!("invalid regular expression {value:?}: {e}"))
        };
        stages.push(match kind {
            "|=" => Stage::Contains(value.clone()),
            "!=" => Stage::Lacks(value.clone()),
            "|~" => Stage::Matches(pattern()?),
            _ => Stage::Misses(pattern()?),
        });
    }
    Ok(LogQuery { matchers, stages })
}

impl LogQuery {
    fn keeps(&self, labels: &BTreeMap<String, String>, line: &str) -> bool {
        let label = |name: &str| labels.get(name).map_or("", String::as_str);
        let matchers = self.matchers.iter().all(|matcher| {
            let actual = label(&matcher.label);
            match (&matcher.pattern, matcher.op) {
                (Some(re), op) => re.is_match(actual) == (op == "=~"),
                (None, "=") => actual == matcher.value,
                (None, _) => actual != matcher.value,
            }
        });
        // A line filter naming the trace id also finds lines whose
        // trace_id metadata is that id (Loki would need `| trace_id=…`).
        let trace_id = label("trace_id");
        matchers
            && self.stages.iter().all(|stage| match stage {
                Stage::Contains(t) => {
                    line.contains(t.as_str()) || (!t.is_empty() && trace_id.eq_ignore_ascii_case(t))
                }
                Stage::Lacks(t) => {
                    !line.contains(t.as_str()) && !(trace_id.eq_ignore_ascii_case(t))
                }
                Stage::Matches(re) => re.is_match(line),
                Stage::Misses(re) => !re.is_match(line),
                Stage::Label(name, equal, value) => (label(name) == value) == *equal,
            })
    }

    /// The trace a line filter names, to read only its records.
    fn trace(&self) -> Option<TraceKey> {
        self.stages.iter().find_map(|stage| match stage {
            Stage::Contains(t) | Stage::Label(_, true, t) => normalize_trace_id(t)
                .ok()
                .filter(|_| t.len() >= 16)
                .map(|id| id.0),
            _ => None,
        })
    }
}

#[derive(Deserialize)]
pub struct RangeParams {
    query: Option<String>,
    start: Option<String>,
    end: Option<String>,
    limit: Option<usize>,
    direction: Option<String>,
}

/// Nanoseconds from Loki's `start`/`end`: nanoseconds, or seconds with a
/// fraction.
fn loki_time(text: Option<&str>, default: u64) -> Result<u64, String> {
    let Some(text) = text else {
        return Ok(default);
    };
    if let Ok(ns) = text.parse::<u64>() {
        return Ok(if ns < 100_000_000_000 {
            ns * 1_000_000_000
        } else {
            ns
        });
    }
    text.parse::<f64>()
        .map(|s| (s * 1e9) as u64)
        .map_err(|_| format!("invalid time {text:?}: give Unix nanoseconds or seconds"))
}

/// `GET /loki/api/v1/query_range`: Loki's streams answer, each stream's
/// labels being `service_name` and the record's structured metadata
/// (`trace_id`, `span_id`, `severity_text`, attributes), as Loki writes
/// them when it received OTLP.
pub async fn query_range(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<RangeParams>,
) -> Response {
    let query = match parse_logql(params.query.as_deref().unwrap_or("")) {
        Ok(query) => query,
        Err(error) => return text(StatusCode::BAD_REQUEST, error),
    };
    let (from, to) = match (
        loki_time(params.start.as_deref(), 0),
        loki_time(params.end.as_deref(), u64::MAX),
    ) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(error), _) | (_, Err(error)) => return text(StatusCode::BAD_REQUEST, error),
    };
    let limit = params.limit.unwrap_or(100).clamp(1, 100_000);
    let forward = params.direction.as_deref() == Some("forward");
    let store = &shared.store;
    let streams = tokio::task::block_in_place(|| {
        let refs = match query.trace() {
            Some(key) => {
                let mut refs = store.logs(Some(&key), from, to);
                refs.extend(store.logs(Some(&[0; 16]), from, to));
                refs
            }
            None => store.logs(None, from, to),
        };
        let mut lines: Vec<(u64, BTreeMap<String, String>, String)> = Vec::new();
        for log_ref in refs {
            let Some(data) = store
                .read(log_ref.piece)
                .and_then(|b| LogsData::decode(&b[..]).ok())
            else {
                continue;
            };
            for resource_logs in &data.resource_logs {
                let resource = resource_logs
                    .resource
                    .as_ref()
                    .map_or(&[][..], |r| &r.attributes[..]);
                let service = service_of(resource);
                for record in resource_logs.scope_logs.iter().flat_map(|s| &s.log_records) {
                    let time = record_time(record);
                    if time < from || time > to {
                        continue;
                    }
                    let mut labels = BTreeMap::from([("service_name".to_owned(), service.clone())]);
                    if let Ok(id) = <[u8; 16]>::try_from(&record.trace_id[..]) {
                        labels.insert("trace_id".to_owned(), TraceId(id).to_string());
                    }
                    if record.span_id.len() == 8 {
                        labels.insert("span_id".to_owned(), span_id(&record.span_id));
                    }
                    if !record.severity_text.is_empty() {
                        labels.insert("severity_text".to_owned(), record.severity_text.clone());
                    }
                    for a in &record.attributes {
                        if let Some(v) = a.value.as_ref().and_then(|v| v.value.as_ref()) {
                            labels.insert(a.key.replace('.', "_"), value_text(v));
                        }
                    }
                    let line = record
                        .body
                        .as_ref()
                        .and_then(|b| b.value.as_ref())
                        .map(value_text)
                        .unwrap_or_default();
                    if query.keeps(&labels, &line) {
                        lines.push((time, labels, line));
                    }
                }
            }
        }
        lines.sort_by_key(|(time, ..)| *time);
        if !forward {
            lines.reverse();
        }
        lines.truncate(limit);
        let mut streams: BTreeMap<BTreeMap<String, String>, Vec<Json>> = BTreeMap::new();
        for (time, labels, line) in lines {
            streams
                .entry(labels)
                .or_default()
                .push(json!([time.to_string(), line]));
        }
        streams
            .into_iter()
            .map(|(labels, values)| json!({ "stream": labels, "values": values }))
            .collect::<Vec<_>>()
    });
    json_answer(json!({
        "status": "success",
        "data": { "resultType": "streams", "result": streams, "stats": {} },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_log_query_of_the_app_is_read() {
        let query =
            parse_logql(r#"{service_name="batch"} |= "0af7651916cd43dd8448eb211c80319c""#).unwrap();
        let [matcher] = &query.matchers[..] else {
            panic!("one matcher");
        };
        assert_eq!(
            (matcher.label.as_str(), matcher.op, matcher.value.as_str()),
            ("service_name", "=", "batch")
        );
        assert!(query.trace().is_some());
        let labels = BTreeMap::from([
            ("service_name".to_owned(), "batch".to_owned()),
            (
                "trace_id".to_owned(),
                "0af7651916cd43dd8448eb211c80319c".to_owned(),
            ),
        ]);
        assert!(query.keeps(&labels, "compressed 4 files"));
        let mut other = labels.clone();
        other.insert(
            "trace_id".to_owned(),
            "1af7651916cd43dd8448eb211c80319c".to_owned(),
        );
        assert!(!query.keeps(&other, "compressed 4 files"));
    }

    #[test]
    fn beyond_the_subset_is_refused_with_what_is_supported() {
        for query in ["sum(rate({a=\"b\"}[5m]))", "{a=\"b\"} | json", "{a=b}"] {
            let error = parse_logql(query).err().unwrap();
            assert!(
                error.contains("tracelens serve answers LogQL"),
                "{query}: {error}"
            );
        }
        assert!(parse_logql(r#"{a=~"b.*", c!="d"} != "x" |~ "y+" | level="info""#).is_ok());
    }
}
