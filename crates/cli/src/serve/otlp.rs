//! The OTLP receivers: `POST /v1/traces` and `/v1/logs` over HTTP
//! (protobuf or JSON, gzip or not) and the gRPC `TraceService` and
//! `LogsService`, answering as the OTLP specification says. Both hand a
//! decoded request to [`accept_traces`] / [`accept_logs`], which split it
//! by trace and store it before the answer goes out.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::LogsService;
use opentelemetry_proto::tonic::collector::logs::v1::{
    ExportLogsPartialSuccess, ExportLogsServiceRequest, ExportLogsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceService;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::logs::v1::{LogsData, ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, TracesData};
use prost::Message;
use serde::Serialize;

use super::store::{TagSeen, TraceKey, TypedValue};
use super::Shared;

/// What the index needs of one trace's part of a request.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub start_ns: u64,
    pub end_ns: u64,
    pub spans: u64,
    pub root: Option<(String, String)>,
}

/// One trace's spans from one request, and what they say about it.
pub struct TracePiece {
    pub data: TracesData,
    pub summary: Summary,
    /// (scope, key, typed value) of every attribute, for autocompletion.
    pub tags: Vec<TagSeen>,
}

/// One trace's log records (or those without a trace) from one request.
pub struct LogPiece {
    pub data: LogsData,
    pub records: u64,
    pub start_ns: u64,
    pub end_ns: u64,
}

/// `service.name` of a resource's attributes.
pub fn service_of(attributes: &[KeyValue]) -> String {
    attributes
        .iter()
        .find(|a| a.key == "service.name")
        .and_then(|a| a.value.as_ref()?.value.as_ref())
        .map_or_else(|| "unknown_service".to_owned(), value_text)
}

/// A value as text: strings as they are, others as JSON writes them.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::StringValue(s) => s.clone(),
        Value::StringValueStrindex(i) => format!("string #{i}"),
        Value::BoolValue(b) => b.to_string(),
        Value::IntValue(i) => i.to_string(),
        Value::DoubleValue(d) => d.to_string(),
        Value::BytesValue(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        Value::ArrayValue(_) | Value::KvlistValue(_) => {
            serde_json::to_string(value).unwrap_or_default()
        }
    }
}

/// Tempo's type name and the text of a value worth suggesting.
fn typed(value: Option<&Value>) -> Option<TypedValue> {
    match value? {
        Value::StringValue(s) if s.len() <= 200 => Some(("string", s.clone())),
        Value::IntValue(i) => Some(("int", i.to_string())),
        Value::DoubleValue(d) => Some(("float", d.to_string())),
        Value::BoolValue(b) => Some(("bool", b.to_string())),
        _ => None,
    }
}

/// Splits `data` by trace id: one `TracesData` per trace, each keeping its
/// resources and scopes. Spans whose ids are not 16 and 8 bytes are
/// dropped; see [`rejected_spans`].
pub fn trace_pieces(data: TracesData) -> BTreeMap<TraceKey, TracePiece> {
    let mut pieces: BTreeMap<TraceKey, TracePiece> = BTreeMap::new();
    for resource_spans in data.resource_spans {
        let resource_attributes = resource_spans
            .resource
            .as_ref()
            .map_or(&[][..], |r| &r.attributes[..]);
        let service = service_of(resource_attributes);
        for scope_spans in resource_spans.scope_spans {
            let mut by_trace: BTreeMap<TraceKey, Vec<_>> = BTreeMap::new();
            for span in scope_spans.spans {
                if id_problem(&span).is_some() {
                    continue;
                }
                let key = <TraceKey>::try_from(&span.trace_id[..]).expect("16 bytes");
                by_trace.entry(key).or_default().push(span);
            }
            for (key, spans) in by_trace {
                let piece = pieces.entry(key).or_insert_with(|| TracePiece {
                    data: TracesData::default(),
                    summary: Summary {
                        start_ns: u64::MAX,
                        ..Summary::default()
                    },
                    tags: Vec::new(),
                });
                let summary = &mut piece.summary;
                for span in &spans {
                    summary.spans += 1;
                    summary.start_ns = summary.start_ns.min(span.start_time_unix_nano);
                    summary.end_ns = summary.end_ns.max(span.end_time_unix_nano);
                    if span.parent_span_id.is_empty() {
                        summary.root = Some((service.clone(), span.name.clone()));
                    }
                    for a in &span.attributes {
                        let value = a.value.as_ref().and_then(|v| v.value.as_ref());
                        piece.tags.push(("span", a.key.clone(), typed(value)));
                    }
                }
                for a in resource_attributes {
                    let value = a.value.as_ref().and_then(|v| v.value.as_ref());
                    piece.tags.push(("resource", a.key.clone(), typed(value)));
                }
                piece.data.resource_spans.push(ResourceSpans {
                    resource: resource_spans.resource.clone(),
                    scope_spans: vec![ScopeSpans {
                        scope: scope_spans.scope.clone(),
                        spans,
                        schema_url: scope_spans.schema_url.clone(),
                    }],
                    schema_url: resource_spans.schema_url.clone(),
                });
            }
        }
    }
    pieces
}

/// The first of a request's spans that cannot be stored, and how many.
pub fn rejected_spans(data: &TracesData) -> (u64, String) {
    let mut count = 0;
    let mut first = String::new();
    for (r, resource_spans) in data.resource_spans.iter().enumerate() {
        for (s, scope_spans) in resource_spans.scope_spans.iter().enumerate() {
            for (i, span) in scope_spans.spans.iter().enumerate() {
                let Some(problem) = id_problem(span) else {
                    continue;
                };
                count += 1;
                if first.is_empty() {
                    first = format!(
                        "span {i} of resourceSpans[{r}].scopeSpans[{s}] ({:?}) was not stored: {problem}",
                        span.name
                    );
                }
            }
        }
    }
    (count, first)
}

/// Why a span cannot be stored (its ids are not 16 and 8 bytes), if so.
fn id_problem(span: &opentelemetry_proto::tonic::trace::v1::Span) -> Option<String> {
    match (span.trace_id.len(), span.span_id.len()) {
        (16, 8) => None,
        (16, n) => Some(format!("its span_id is {n} bytes, not 8")),
        (n, _) => Some(format!("its trace_id is {n} bytes, not 16")),
    }
}

/// Splits `data` by trace id (log records without one under zeros).
pub fn log_pieces(data: LogsData) -> BTreeMap<TraceKey, LogPiece> {
    let mut pieces: BTreeMap<TraceKey, LogPiece> = BTreeMap::new();
    for resource_logs in data.resource_logs {
        for scope_logs in resource_logs.scope_logs {
            let mut by_trace: BTreeMap<TraceKey, Vec<_>> = BTreeMap::new();
            for record in scope_logs.log_records {
                let key = <TraceKey>::try_from(&record.trace_id[..]).unwrap_or_default();
                by_trace.entry(key).or_default().push(record);
            }
            for (key, log_records) in by_trace {
                let piece = pieces.entry(key).or_insert_with(|| LogPiece {
                    data: LogsData::default(),
                    records: 0,
                    start_ns: u64::MAX,
                    end_ns: 0,
                });
                for record in &log_records {
                    let time = record_time(record);
                    piece.records += 1;
                    piece.start_ns = piece.start_ns.min(time);
                    piece.end_ns = piece.end_ns.max(time);
                }
                piece.data.resource_logs.push(ResourceLogs {
                    resource: resource_logs.resource.clone(),
                    scope_logs: vec![ScopeLogs {
                        scope: scope_logs.scope.clone(),
                        log_records,
                        schema_url: scope_logs.schema_url.clone(),
                    }],
                    schema_url: resource_logs.schema_url.clone(),
                });
            }
        }
    }
    pieces
}

/// When a record happened: its time, else when it was observed.
pub fn record_time(record: &opentelemetry_proto::tonic::logs::v1::LogRecord) -> u64 {
    match record.time_unix_nano {
        0 => record.observed_time_unix_nano,
        time => time,
    }
}

/// Why a request was not stored, as OTLP answers it.
#[derive(Debug)]
pub enum Refusal {
    /// Not an OTLP request (400 / INVALID_ARGUMENT).
    Malformed(String),
    /// The body is over the size limit (413 / RESOURCE_EXHAUSTED).
    TooLarge(String),
    /// Not a media type or encoding OTLP/HTTP has (415).
    MediaType(String),
    /// It could not be written (503 / UNAVAILABLE): retry later.
    Unavailable(String),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
            Refusal::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::MediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `google.rpc.Code` for the `Status` message.
    fn code(&self) -> i32 {
        match self {
            Refusal::Malformed(_) | Refusal::MediaType(_) => 3,
            Refusal::TooLarge(_) => 8,
            Refusal::Unavailable(_) => 14,
        }
    }

    fn message(&self) -> &str {
        match self {
            Refusal::Malformed(m)
            | Refusal::TooLarge(m)
            | Refusal::MediaType(m)
            | Refusal::Unavailable(m) => m,
        }
    }
}

impl From<Refusal> for tonic::Status {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Malformed(m) | Refusal::MediaType(m) => tonic::Status::invalid_argument(m),
            Refusal::TooLarge(m) => tonic::Status::resource_exhausted(m),
            Refusal::Unavailable(m) => tonic::Status::unavailable(m),
        }
    }
}

/// `google.rpc.Status`, the body of an OTLP/HTTP failure.
#[derive(Clone, PartialEq, Message, Serialize)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

/// Stores a traces request; the answer, with a partial success when some
/// spans could not be stored.
pub fn accept_traces(
    shared: &Shared,
    request: ExportTraceServiceRequest,
) -> Result<ExportTraceServiceResponse, Refusal> {
    let data = TracesData {
        resource_spans: request.resource_spans,
    };
    let (rejected, error_message) = rejected_spans(&data);
    let parts: Vec<_> = trace_pieces(data).into_iter().collect();
    if !parts.is_empty() {
        let removed = shared.store.append_traces(parts).map_err(unavailable)?;
        removed.iter().for_each(|line| shared.log(line));
    }
    Ok(ExportTraceServiceResponse {
        partial_success: (rejected > 0).then_some(ExportTracePartialSuccess {
            rejected_spans: rejected as i64,
            error_message,
        }),
    })
}

/// Stores a logs request.
pub fn accept_logs(
    shared: &Shared,
    request: ExportLogsServiceRequest,
) -> Result<ExportLogsServiceResponse, Refusal> {
    let data = LogsData {
        resource_logs: request.resource_logs,
    };
    let parts: Vec<_> = log_pieces(data).into_iter().collect();
    if !parts.is_empty() {
        let removed = shared.store.append_logs(parts).map_err(unavailable)?;
        removed.iter().for_each(|line| shared.log(line));
    }
    Ok(ExportLogsServiceResponse {
        partial_success: None::<ExportLogsPartialSuccess>,
    })
}

fn unavailable(error: std::io::Error) -> Refusal {
    Refusal::Unavailable(format!(
        "nothing was stored: writing to the data folder failed ({error}); retry later"
    ))
}

/// The two encodings OTLP/HTTP has.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }
}

/// The body's encoding, from its media type.
fn encoding_of(headers: &HeaderMap) -> Result<Encoding, Refusal> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
        "application/json" => Ok(Encoding::Json),
        other => Err(Refusal::MediaType(format!(
            "Content-Type {other:?} is not an OTLP/HTTP body: send application/x-protobuf \
             or application/json"
        ))),
    }
}

/// The body as sent: gzip undone, size limited.
async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::TooLarge(format!(
            "the body is larger than --max-request-size ({limit} bytes): send smaller batches"
        ))
    };
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    let content_encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match content_encoding.as_str() {
        "" | "identity" => Ok(body),
        "gzip" => {
            let mut expanded = Vec::new();
            flate2::read::GzDecoder::new(&body[..])
                .take(limit as u64 + 1)
                .read_to_end(&mut expanded)
                .map_err(|e| Refusal::Malformed(format!("the gzip body is damaged: {e}")))?;
            if expanded.len() > limit {
                return Err(too_large());
            }
            Ok(expanded.into())
        }
        other => Err(Refusal::MediaType(format!(
            "Content-Encoding {other:?} is not supported: send identity or gzip"
        ))),
    }
}

fn decode<T: Message + Default + serde::de::DeserializeOwned>(
    encoding: Encoding,
    bytes: &[u8],
    what: &str,
) -> Result<T, Refusal> {
    match encoding {
        Encoding::Protobuf => T::decode(bytes)
            .map_err(|e| Refusal::Malformed(format!("the body is not a protobuf {what}: {e}"))),
        Encoding::Json => serde_json::from_slice(bytes)
            .map_err(|e| Refusal::Malformed(format!("the body is not an OTLP/JSON {what}: {e}"))),
    }
}

fn answer<T: Message + Serialize>(encoding: Encoding, status: StatusCode, message: &T) -> Response {
    let body = match encoding {
        Encoding::Protobuf => message.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(message).unwrap_or_default(),
    };
    (
        status,
        [(header::CONTENT_TYPE, encoding.content_type())],
        Body::from(body),
    )
        .into_response()
}

fn refuse(encoding: Encoding, refusal: Refusal) -> Response {
    let status = RpcStatus {
        code: refusal.code(),
        message: refusal.message().to_owned(),
    };
    answer(encoding, refusal.status(), &status)
}

/// `POST /v1/traces`.
pub async fn http_traces(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    export(
        &shared,
        &headers,
        body,
        "ExportTraceServiceRequest",
        accept_traces,
    )
    .await
}

/// `POST /v1/logs`.
pub async fn http_logs(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    export(
        &shared,
        &headers,
        body,
        "ExportLogsServiceRequest",
        accept_logs,
    )
    .await
}

/// An OTLP/HTTP export: the body read and decoded as `what`, stored by
/// `accept`, answered in the request's encoding.
async fn export<Request, Answer>(
    shared: &Shared,
    headers: &HeaderMap,
    body: Body,
    what: &str,
    accept: fn(&Shared, Request) -> Result<Answer, Refusal>,
) -> Response
where
    Request: Message + Default + serde::de::DeserializeOwned,
    Answer: Message + Serialize,
{
    // A body of another media type is refused in JSON.
    let encoding = match encoding_of(headers) {
        Ok(encoding) => encoding,
        Err(refusal) => return refuse(Encoding::Json, refusal),
    };
    let bytes = match read_body(headers, body, shared.max_request).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refuse(encoding, refusal),
    };
    let result = decode::<Request>(encoding, &bytes, what)
        .and_then(|request| tokio::task::block_in_place(|| accept(shared, request)));
    match result {
        Ok(response) => answer(encoding, StatusCode::OK, &response),
        Err(refusal) => refuse(encoding, refusal),
    }
}

/// An OTLP/gRPC export: stored by `accept` if no larger than the size
/// limit encoded; past it RESOURCE_EXHAUSTED, as the Collector answers.
/// (tonic itself refuses messages past four times the limit, with
/// OUT_OF_RANGE.)
fn grpc_export<Request: Message, Answer>(
    shared: &Shared,
    request: tonic::Request<Request>,
    accept: fn(&Shared, Request) -> Result<Answer, Refusal>,
) -> Result<tonic::Response<Answer>, tonic::Status> {
    let request = request.into_inner();
    let (size, limit) = (request.encoded_len(), shared.max_request);
    if size > limit {
        return Err(tonic::Status::resource_exhausted(format!(
            "the message is {size} bytes, larger than --max-request-size ({limit} bytes): send smaller batches"
        )));
    }
    let answer = tokio::task::block_in_place(|| accept(shared, request))?;
    Ok(tonic::Response::new(answer))
}

/// The gRPC services, over the same store.
#[derive(Clone)]
pub struct Grpc(pub Arc<Shared>);

#[tonic::async_trait]
impl TraceService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        grpc_export(&self.0, request, accept_traces)
    }
}

#[tonic::async_trait]
impl LogsService for Grpc {
    async fn export(
        &self,
        request: tonic::Request<ExportLogsServiceRequest>,
    ) -> Result<tonic::Response<ExportLogsServiceResponse>, tonic::Status> {
        grpc_export(&self.0, request, accept_logs)
    }
}
