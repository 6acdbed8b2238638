//! Log lines beside traces: OTLP/JSON logs (`ExportLogsServiceRequest`),
//! JSON Lines written by common loggers (zerolog, Rust tracing's JSON
//! output, anything with the ids as fields), and Grafana Loki's
//! `query_range` answers, joined to spans by trace id and span id.
//!
//! Like traces, the format is sniffed from the bytes, gzip and zstd are
//! undone first, and whatever in a file is valid loads: a line that is not
//! JSON becomes a warning naming its line, never an error for the file.

use std::borrow::Cow;

use rustc_hash::FxHashMap;
use serde_json::{Map, Value as Json};

use crate::attributes::{Attribute, Value};
use crate::ids::{decode_id, SpanId, TraceId};
use serde::Deserialize;

use crate::ingest::json_syntax::{F64Value, I64Value};
use crate::ingest::{decompressed, is_compressed, Expanding, IngestError};
use crate::intern::{Interner, Sym};
use crate::model::Trace;
use crate::warnings::Warnings;

/// A log line's severity, as the OpenTelemetry log data model ranks it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// No level given, or one not recognised.
    #[default]
    Unknown,
    /// TRACE (OTLP severity 1–4).
    Trace,
    /// DEBUG (5–8).
    Debug,
    /// INFO (9–12).
    Info,
    /// WARN (13–16).
    Warn,
    /// ERROR (17–20).
    Error,
    /// FATAL (21–24), also `panic` and `critical`.
    Fatal,
}

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 7] = [
        Level::Unknown,
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warn,
        Level::Error,
        Level::Fatal,
    ];

    /// The lower-case name (`"unknown"` for none).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }

    /// Error or worse.
    pub fn is_error(self) -> bool {
        self >= Level::Error
    }

    /// A level written as text by any common logger, in any case.
    pub fn from_text(text: &str) -> Level {
        match text.trim().to_ascii_lowercase().as_str() {
            "trace" | "trc" | "finest" | "verbose" => Level::Trace,
            "debug" | "dbg" | "fine" => Level::Debug,
            "info" | "inf" | "information" | "notice" => Level::Info,
            "warn" | "wrn" | "warning" => Level::Warn,
            "error" | "err" | "eror" => Level::Error,
            "fatal" | "ftl" | "panic" | "critical" | "crit" | "alert" | "emergency" => Level::Fatal,
            _ => Level::Unknown,
        }
    }

    /// An OTLP `severityNumber`.
    pub fn from_severity_number(number: i64) -> Level {
        match number {
            1..=4 => Level::Trace,
            5..=8 => Level::Debug,
            9..=12 => Level::Info,
            13..=16 => Level::Warn,
            17..=20 => Level::Error,
            21..=24 => Level::Fatal,
            _ => Level::Unknown,
        }
    }
}

/// One log line.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRecord {
    /// When it was logged, Unix nanoseconds (0 when the line gives no time).
    pub time_ns: u64,
    /// Its severity.
    pub level: Level,
    /// The message (an OTLP body that is not a string is shown as text).
    pub message: Box<str>,
    /// The trace it was logged in, if the line names one.
    pub trace_id: Option<TraceId>,
    /// The span it was logged in, if the line names one.
    pub span_id: Option<SpanId>,
    /// The service that logged it (`service.name`, `service`, a Loki label).
    pub service: Sym,
    /// Every other field, nested objects flattened to dotted keys.
    pub fields: Vec<Attribute>,
    /// Where it came from: the file's index in load order and its line
    /// (for a single-document format, its position in the document).
    pub source: (u32, u32),
}

/// The field names a JSON Lines logger uses; the defaults cover zerolog,
/// Rust tracing, logrus, zap, slog, pino, bunyan, Serilog and the workload.
/// Each entry may be a dotted path into nested objects (`fields.message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogFields {
    /// Fields that may hold the trace id, tried in order.
    pub trace_id: Vec<String>,
    /// Fields that may hold the span id.
    pub span_id: Vec<String>,
    /// Fields that may hold the level.
    pub level: Vec<String>,
    /// Fields that may hold the time.
    pub time: Vec<String>,
    /// Fields that may hold the message.
    pub message: Vec<String>,
}

impl Default for LogFields {
    fn default() -> Self {
        let list = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect();
        Self {
            // Loggers' own names, the Elastic Common Schema's `trace.id`
            // (a dotted key or nested), Datadog's, and Java loggers' MDC.
            trace_id: list(&[
                "trace_id",
                "traceId",
                "traceID",
                "trace.id",
                "dd.trace_id",
                "mdc.trace_id",
                "mdc.traceId",
                "mdc.traceID",
            ]),
            span_id: list(&[
                "span_id",
                "spanId",
                "spanID",
                "span.id",
                "dd.span_id",
                "mdc.span_id",
                "mdc.spanId",
                "mdc.spanID",
            ]),
            level: list(&[
                "level",
                "severity",
                "lvl",
                "log.level",
                "@l",
                "detected_level",
            ]),
            time: list(&["time", "timestamp", "ts", "@timestamp", "@t", "t"]),
            message: list(&["message", "msg", "fields.message", "@m", "body", "event"]),
        }
    }
}

impl LogFields {
    /// Overrides from text such as `trace_id=tid,span_id=sid,message=text`:
    /// the named field is tried first, the defaults after it.
    pub fn with_overrides(mut self, text: &str) -> Result<Self, String> {
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (role, name) = pair
                .split_once('=')
                .map(|(r, n)| (r.trim(), n.trim()))
                .filter(|(_, n)| !n.is_empty())
                .ok_or_else(|| format!("{pair:?} is not ROLE=FIELD"))?;
            let list = match role {
                "trace_id" => &mut self.trace_id,
                "span_id" => &mut self.span_id,
                "level" => &mut self.level,
                "time" => &mut self.time,
                "message" => &mut self.message,
                _ => {
                    return Err(format!(
                        "unknown role {role:?}: use trace_id, span_id, level, time or message"
                    ))
                }
            };
            list.retain(|n| n != name);
            list.insert(0, name.to_owned());
        }
        Ok(self)
    }
}

/// The log formats tracelens reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// OTLP/JSON `ExportLogsServiceRequest` (one, or JSON Lines of them).
    OtlpJson,
    /// One JSON object per line with the ids as fields.
    JsonLines,
    /// A Grafana Loki `query_range` (or `query`) answer with streams.
    Loki,
}

/// All loaded log lines, in time order, indexed by trace.
#[derive(Clone, Debug, Default)]
pub struct LogSet {
    /// The lines, in time order (lines without a time first, in file order).
    pub records: Vec<LogRecord>,
    /// Text of services, field keys and string field values.
    pub strings: Interner,
    /// What could not be read, each naming where (a hundred of a kind,
    /// the rest counted).
    pub warnings: Warnings,
    by_trace: FxHashMap<TraceId, Vec<u32>>,
    files: u32,
    /// The Loki entries read, so one fetched again is not listed twice.
    loki_entries: rustc_hash::FxHashSet<(u64, u64, u64)>,
    /// Messages of the file being read cut at the text limit.
    cut_texts: usize,
}

impl LogSet {
    /// Adds one file of logs; returns its format and the lines it held.
    /// Errors only when nothing in it could be read.
    pub fn add(
        &mut self,
        bytes: &[u8],
        fields: &LogFields,
    ) -> Result<(LogFormat, usize), IngestError> {
        let mut load = self.start(bytes.to_vec(), fields)?;
        loop {
            if let Some(done) = self.advance(&mut load, usize::MAX) {
                return done;
            }
        }
    }

    /// Starts reading one file in steps, so a caller (the browser) can show
    /// progress and stay responsive between them: call [`LogSet::advance`]
    /// until it returns the result. Single-document formats (OTLP, Loki)
    /// are read here at once; JSON Lines a budget of bytes per step.
    pub fn start(&mut self, bytes: Vec<u8>, fields: &LogFields) -> Result<LogLoad, IngestError> {
        // Taken by value: a big file is not copied again.
        let bytes = match decompressed(&bytes)? {
            Cow::Owned(plain) => Some(plain),
            Cow::Borrowed(_) => None,
        }
        .unwrap_or(bytes);
        let bom = bytes.len() - skip_bom(&bytes).len();
        if bytes[bom..].trim_ascii().is_empty() {
            return Err(IngestError::Empty);
        }
        let whole = serde_json::from_slice::<Json>(&bytes[bom..]);
        if let Err(error) = &whole {
            // One pretty-printed document broken further down: its own
            // error says where, where reading it as lines would blame line 1.
            let first_line = bytes[bom..]
                .split(|&b| b == b'\n')
                .find(|l| !l.trim_ascii().is_empty())
                .unwrap_or_default();
            if error.line() > 1 && serde_json::from_slice::<Json>(first_line).is_err() {
                return Err(IngestError::Malformed(format!(
                    "invalid JSON at {}",
                    crate::ingest::json_syntax::locate(&bytes[bom..], error)
                )));
            }
        }
        let file = self.files;
        self.files += 1;
        let mut load = LogLoad {
            bytes,
            fields: fields.clone(),
            file,
            offset: bom,
            line: 0,
            first_record: self.records.len(),
            format: LogFormat::JsonLines,
            read: 0,
            bad: 0,
            first_bad: None,
            finished: None,
        };
        // One document (OTLP logs, pretty or not; Loki)?
        if let Ok(Json::Object(object)) = whole {
            let mut reader = Reader {
                set: self,
                fields,
                file,
            };
            if object.contains_key("resourceLogs") {
                reader.otlp(&object, 1);
                load.format = LogFormat::OtlpJson;
                load.finished = Some(Ok(()));
            } else if is_loki(&object) {
                load.format = LogFormat::Loki;
                load.finished = Some(reader.loki(&object));
            }
        }
        if load.finished.is_some() {
            load.offset = load.bytes.len();
        }
        Ok(load)
    }

    /// Reads about `budget` more bytes of `load`; the result once the file
    /// is done (`None` while there is more).
    pub fn advance(
        &mut self,
        load: &mut LogLoad,
        budget: usize,
    ) -> Option<Result<(LogFormat, usize), IngestError>> {
        if load.finished.is_none() {
            let fields = load.fields.clone();
            let mut reader = Reader {
                set: self,
                fields: &fields,
                file: load.file,
            };
            reader.lines(load, budget);
            if load.offset < load.bytes.len() {
                return None;
            }
            load.finished = Some(reader.finish_lines(load));
        }
        let result = load.finished.take()?;
        load.bytes = Vec::new();
        if self.cut_texts > 0 {
            let cut = std::mem::take(&mut self.cut_texts);
            self.warnings.push(format!(
                "log file {}: {cut} message(s) longer than {} MiB were cut, each ending \
                 in a note of its whole length",
                load.file + 1,
                crate::ingest::TEXT_LIMIT >> 20
            ));
        }
        let added = self.records.len() - load.first_record;
        self.index();
        Some(result.map(|()| (load.format, added)))
    }

    /// The lines of `trace_id`, in time order.
    pub fn of_trace(&self, trace_id: TraceId) -> &[u32] {
        self.by_trace.get(&trace_id).map_or(&[], Vec::as_slice)
    }

    /// Lines that name no trace.
    pub fn without_trace(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.records.len() as u32).filter(|&i| self.records[i as usize].trace_id.is_none())
    }

    fn index(&mut self) {
        // Stable: lines logged in the same nanosecond keep their file order.
        // Loggers write in time order, so a file alone is usually sorted.
        if !self.records.is_sorted_by_key(|r| r.time_ns) {
            self.records.sort_by_key(|r| r.time_ns);
        }
        self.by_trace.clear();
        for (i, record) in self.records.iter().enumerate() {
            if let Some(trace_id) = record.trace_id {
                self.by_trace.entry(trace_id).or_default().push(i as u32);
            }
        }
    }
}

/// A file being read in steps (see [`LogSet::start`]).
pub struct LogLoad {
    bytes: Vec<u8>,
    fields: LogFields,
    file: u32,
    offset: usize,
    line: u32,
    first_record: usize,
    format: LogFormat,
    read: usize,
    bad: usize,
    first_bad: Option<String>,
    finished: Option<Result<(), IngestError>>,
}

impl LogLoad {
    /// How much of the file has been read, from 0 to 1.
    pub fn progress(&self) -> f64 {
        if self.bytes.is_empty() {
            1.0
        } else {
            self.offset as f64 / self.bytes.len() as f64
        }
    }
}

/// Bytes of the first line searched for the keys that settle the format.
const SNIFF_HEAD: usize = 64 << 10;
/// A first line longer than this is no logger's line and is not parsed.
const SNIFF_LINE: usize = 1 << 20;

/// About the first `length` bytes compressed `bytes` expand to: fewer
/// where the data is cut off or damaged before then (what expanded before
/// counts), none where it cannot be expanded at all.
fn expanded_head(bytes: &[u8], length: usize) -> Vec<u8> {
    let Ok(mut expanding) = Expanding::new(bytes) else {
        return Vec::new();
    };
    match expanding.step(length) {
        Some(Ok(whole)) => whole,
        None | Some(Err(_)) => expanding.take(),
    }
}

/// True when `bytes` (after decompression) look like logs rather than
/// traces: an OTLP logs request, a Loki answer, or JSON Lines whose first
/// line has a message or level field but no spans.
pub fn looks_like_logs(bytes: &[u8]) -> bool {
    // Of compressed input, only as much as is looked at below is expanded
    // (the whole of it, for the first slice of a big file, was expanded
    // and dropped, and a slice cut mid-stream read as no logs at all).
    let head;
    let bytes = match is_compressed(bytes) {
        false => bytes,
        true => {
            head = expanded_head(bytes, SNIFF_LINE + SNIFF_HEAD);
            &head[..]
        }
    };
    let text = skip_bom(bytes);
    // The first line with anything on it. Its end is looked for no
    // further than a logger's line can go: a compact trace file is one
    // line, and scanning all of it (twice, as the page asks) held the page
    // for tens of milliseconds at 5 MB.
    let Some(at) = text.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    let rest = &text[at..];
    let line_end = |limit: usize| memchr::memchr(b'\n', &rest[..rest.len().min(limit)]);
    // Only the start of the input is looked at for the keys: a compact
    // trace file's keys come first. The line's end is looked for there
    // first, and further only when the keys do not settle it (the page
    // spent 10 ms on a 48 MB trace file here, scanning a megabyte for the
    // end and the head for a key byte by byte, in code not yet optimised
    // by the engine).
    let head_end = line_end(SNIFF_HEAD);
    let start = &rest[..head_end.unwrap_or(rest.len().min(SNIFF_HEAD))];
    if contains(start, b"\"resourceLogs\"") {
        return true;
    }
    if contains(start, b"\"resourceSpans\"") || contains(start, b"\"batches\"") {
        return false;
    }
    let first_line = &rest[..head_end
        .or_else(|| line_end(SNIFF_LINE + 1))
        .unwrap_or(rest.len().min(SNIFF_LINE + 1))];
    // A long first line whose keys say it is a Jaeger trace is not parsed
    // (a megabyte of it took tens of milliseconds in the page, at once).
    if first_line.len() > SNIFF_HEAD && is_jaeger(text) {
        return false;
    }
    // Only an object can be a log line, a Loki answer or a logs request:
    // a first line that is an array (Zipkin's spans) is not parsed (a
    // megabyte of it, the first slice of a big file, cut where the slice
    // ends, took 10-25 ms in the page to find that out).
    let parsed = (first_line.len() <= SNIFF_LINE && first_line.first() == Some(&b'{'))
        .then(|| serde_json::from_slice::<Json>(first_line).ok())
        .flatten();
    if let Some(Json::Object(object)) = parsed {
        if is_loki(&object) {
            return true;
        }
        let fields = LogFields::default();
        let has = |names: &[String]| names.iter().any(|n| lookup(&object, n).is_some());
        // Jaeger/Zipkin/OTLP spans carry ids too, but never a message or level
        // next to them.
        return (has(&fields.message) || has(&fields.level))
            && !object.contains_key("spans")
            && !object.contains_key("startTimeUnixNano");
    }
    // A pretty-printed document or a huge line: look at its first keys.
    let head = &text[..text.len().min(4096)];
    contains(head, b"\"resourceLogs\"") || contains(head, b"\"resultType\"")
}

/// Whether the keys of the JSON document `text` starts with say Jaeger.
fn is_jaeger(text: &[u8]) -> bool {
    use crate::ingest::sniff::{json_kind, JsonKind};
    let at = text.iter().position(|b| !b.is_ascii_whitespace());
    at.and_then(|at| json_kind(text, at))
        .is_some_and(|kind| matches!(kind, JsonKind::Jaeger | JsonKind::JaegerSpans))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

fn skip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

fn is_loki(object: &Map<String, Json>) -> bool {
    object
        .get("data")
        .and_then(|d| d.get("resultType"))
        .is_some()
}

struct Reader<'a> {
    set: &'a mut LogSet,
    fields: &'a LogFields,
    file: u32,
}

impl Reader<'_> {
    fn warn(&mut self, message: String) {
        self.set.warnings.push(message);
    }

    /// A message cut at the trace reader's text limit, counted.
    fn cut(&mut self, message: String) -> String {
        match crate::ingest::cut_text(message.as_bytes()) {
            None => message,
            Some(cut) => {
                self.set.cut_texts += 1;
                String::from_utf8_lossy(&cut).into_owned()
            }
        }
    }

    /// JSON Lines (logger lines, or OTLP logs requests one per line), from
    /// `load.offset` on, about `budget` bytes (whole lines).
    fn lines(&mut self, load: &mut LogLoad, budget: usize) {
        let end = load.offset.saturating_add(budget).min(load.bytes.len());
        let end = match load.bytes[end..].iter().position(|&b| b == b'\n') {
            Some(p) => end + p + 1,
            None => load.bytes.len(),
        };
        let chunk = &load.bytes[load.offset..end];
        for line in chunk.split_inclusive(|&b| b == b'\n') {
            load.line += 1;
            let number = load.line;
            let line = line.trim_ascii();
            if line.is_empty() {
                continue;
            }
            match serde_json::from_slice::<Json>(line) {
                Ok(Json::Object(object)) if object.contains_key("resourceLogs") => {
                    load.format = LogFormat::OtlpJson;
                    self.otlp(&object, number);
                    load.read += 1;
                }
                Ok(Json::Object(object)) => {
                    self.line(object, number, None, &[]);
                    load.read += 1;
                }
                Ok(_) => {
                    load.bad += 1;
                    load.first_bad
                        .get_or_insert_with(|| format!("line {number}: not a JSON object"));
                }
                Err(error) => {
                    load.bad += 1;
                    load.first_bad.get_or_insert_with(|| {
                        format!(
                            "line {number}, column {}: {}",
                            error.column(),
                            crate::ingest::json_syntax::strip_position(&error)
                        )
                    });
                }
            }
        }
        load.offset = end;
    }

    fn finish_lines(&mut self, load: &mut LogLoad) -> Result<(), IngestError> {
        match (load.read, load.first_bad.take()) {
            (0, Some(first)) => Err(IngestError::Malformed(format!(
                "not a log file: no line is a JSON log record (first: {first})"
            ))),
            (0, None) => Err(IngestError::Empty),
            (_, Some(first)) => {
                self.warn(format!(
                    "{} line(s) of log file {} are not JSON objects and were skipped \
                     (first: {first})",
                    load.bad,
                    self.file + 1
                ));
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// One logger line. `time_ns` and `context` come from a Loki entry:
    /// its structured metadata and its stream's labels, where ids, level
    /// and service are looked for when the line itself lacks them.
    fn line(
        &mut self,
        mut object: Map<String, Json>,
        number: u32,
        time_ns: Option<u64>,
        context: &[&Map<String, Json>],
    ) {
        let fields = self.fields;
        let from_context = |names: &[String]| {
            context
                .iter()
                .find_map(|map| names.iter().find_map(|n| lookup(map, n)))
                .cloned()
        };
        let trace_text =
            take_first(&mut object, &fields.trace_id).or_else(|| from_context(&fields.trace_id));
        let span_text =
            take_first(&mut object, &fields.span_id).or_else(|| from_context(&fields.span_id));
        let level = take_first(&mut object, &fields.level);
        let time = take_first(&mut object, &fields.time);
        let message = take_first(&mut object, &fields.message);
        let label = |names: &[&str]| {
            let names: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
            from_context(&names).and_then(|v| v.as_str().map(str::to_owned))
        };
        let service = match take_first(&mut object, &["service".into(), "service.name".into()]) {
            Some(Json::String(name)) => name,
            _ => label(&["service_name"]).unwrap_or_default(),
        };
        let service = self.set.strings.intern(&service);
        let level = match &level {
            Some(Json::String(text)) => Level::from_text(text),
            Some(Json::Number(n)) => n
                .as_i64()
                .map_or(Level::Unknown, Level::from_severity_number),
            _ => label(&["detected_level", "level"])
                .as_deref()
                .map_or(Level::Unknown, Level::from_text),
        };
        let time_ns = time_ns
            .or_else(|| time.as_ref().and_then(time_of))
            .unwrap_or(0);
        let message = match message {
            Some(Json::String(text)) => text,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let message = self.cut(message);
        let trace_id = self.id::<16>(trace_text.as_ref(), "trace", number);
        let span_id = self.id::<8>(span_text.as_ref(), "span", number);
        let mut attributes = Vec::new();
        flatten(&mut attributes, "", object, &mut self.set.strings);
        self.set.records.push(LogRecord {
            time_ns,
            level,
            message: message.into(),
            trace_id: trace_id.map(TraceId),
            span_id: span_id.map(SpanId),
            service,
            fields: attributes,
            source: (self.file, number),
        });
    }

    fn id<const N: usize>(
        &mut self,
        value: Option<&Json>,
        what: &str,
        line: u32,
    ) -> Option<[u8; N]> {
        let text = match value? {
            Json::String(text) if text.trim().is_empty() => return None,
            Json::String(text) => text.clone(),
            other => other.to_string(),
        };
        let id = decode_id::<N>(&text);
        if id.is_none() || id == Some([0; N]) {
            self.warn(format!(
                "log file {}, line {line}: {text:?} is not a {what} id; the line is kept \
                 without it",
                self.file + 1
            ));
            return None;
        }
        id
    }

    /// An OTLP logs request.
    fn otlp(&mut self, request: &Map<String, Json>, line: u32) {
        let mut position = 0u32;
        for resource_logs in array(request.get("resourceLogs")) {
            let resource = resource_logs.get("resource");
            let service = array(resource.and_then(|r| r.get("attributes")))
                .iter()
                .find(|kv| kv.get("key").and_then(Json::as_str) == Some("service.name"))
                .and_then(|kv| kv.get("value"))
                .and_then(|v| v.get("stringValue"))
                .and_then(Json::as_str)
                .unwrap_or("unknown_service");
            let service = self.set.strings.intern(service);
            let scopes = resource_logs
                .get("scopeLogs")
                .or_else(|| resource_logs.get("instrumentationLibraryLogs"));
            for scope_logs in array(scopes) {
                for record in array(scope_logs.get("logRecords")) {
                    position += 1;
                    self.otlp_record(record, service, line, position);
                }
            }
        }
    }

    fn otlp_record(&mut self, record: &Json, service: Sym, line: u32, position: u32) {
        let nanos = |key: &str| record.get(key).and_then(integer).filter(|&t| t > 0);
        let time_ns = nanos("timeUnixNano")
            .or_else(|| nanos("observedTimeUnixNano"))
            .unwrap_or(0);
        let level = match record.get("severityNumber") {
            Some(Json::Number(n)) => n
                .as_i64()
                .map_or(Level::Unknown, Level::from_severity_number),
            Some(Json::String(name)) => severity_name(name),
            _ => Level::Unknown,
        };
        let level = match level {
            Level::Unknown => record
                .get("severityText")
                .and_then(Json::as_str)
                .map_or(Level::Unknown, Level::from_text),
            known => known,
        };
        let message = match record.get("body") {
            Some(body) => match any_value(body, &mut self.set.strings) {
                Value::Str(sym) => self.set.strings.get(sym).to_owned(),
                Value::Empty => String::new(),
                other => other.display(&self.set.strings).to_string(),
            },
            None => String::new(),
        };
        let message = self.cut(message);
        let place = if line > 1 { line } else { position };
        let trace_id = self.id::<16>(record.get("traceId"), "trace", place);
        let span_id = self.id::<8>(record.get("spanId"), "span", place);
        let mut fields = Vec::new();
        for kv in array(record.get("attributes")) {
            let key = kv.get("key").and_then(Json::as_str).unwrap_or_default();
            let key = self.set.strings.intern(key);
            let value = kv
                .get("value")
                .map_or(Value::Empty, |v| any_value(v, &mut self.set.strings));
            fields.push(Attribute { key, value });
        }
        self.set.records.push(LogRecord {
            time_ns,
            level,
            message: message.into(),
            trace_id: trace_id.map(TraceId),
            span_id: span_id.map(SpanId),
            service,
            fields,
            source: (self.file, place),
        });
    }

    /// A Loki answer: each stream's entries, each entry a logger line (JSON)
    /// or plain text.
    fn loki(&mut self, answer: &Map<String, Json>) -> Result<(), IngestError> {
        if let Some(status) = answer.get("status").and_then(Json::as_str) {
            if status != "success" {
                let error = answer.get("error").and_then(Json::as_str).unwrap_or(status);
                return Err(IngestError::Malformed(format!(
                    "Loki answered {status}: {error}"
                )));
            }
        }
        let data = answer.get("data").cloned().unwrap_or_default();
        let kind = data.get("resultType").and_then(Json::as_str).unwrap_or("");
        if kind != "streams" {
            return Err(IngestError::UnknownFormat(format!(
                "a Loki answer of {kind:?}: only log queries (resultType \"streams\") have log lines"
            )));
        }
        let mut position = 0u32;
        for stream in array(data.get("result")) {
            let empty = Map::new();
            let labels = stream
                .get("stream")
                .and_then(Json::as_object)
                .unwrap_or(&empty);
            let stream_key = Json::Object(labels.clone()).to_string();
            for entry in array(stream.get("values")) {
                position += 1;
                let time_ns = entry.get(0).and_then(integer);
                let line = entry.get(1).and_then(Json::as_str).unwrap_or_default();
                // The same range fetched twice lists its lines once.
                let key = entry_key(&stream_key, time_ns, line);
                if !self.set.loki_entries.insert(key) {
                    continue;
                }
                let object = match serde_json::from_str::<Json>(line) {
                    Ok(Json::Object(object)) => object,
                    _ => {
                        let mut object = Map::new();
                        object.insert("message".to_owned(), Json::String(line.to_owned()));
                        object
                    }
                };
                // Structured metadata: flat, or split into
                // `structuredMetadata` and `parsed` (categorize-labels).
                let metadata = entry.get(2).and_then(Json::as_object);
                let part = |name: &str| metadata?.get(name)?.as_object();
                let context: Vec<&Map<String, Json>> = [
                    part("structuredMetadata"),
                    part("parsed"),
                    metadata,
                    Some(labels),
                ]
                .into_iter()
                .flatten()
                .collect();
                self.line(object, position, time_ns, &context);
            }
        }
        Ok(())
    }
}

/// What tells one Loki entry from another: its stream, time and line.
fn entry_key(stream: &str, time_ns: Option<u64>, line: &str) -> (u64, u64, u64) {
    use std::hash::{Hash, Hasher};
    let hash = |seed: u64| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (seed, stream, line).hash(&mut hasher);
        hasher.finish()
    };
    (time_ns.unwrap_or(0), hash(1), hash(2))
}

fn array(value: Option<&Json>) -> &[Json] {
    value.and_then(Json::as_array).map_or(&[], Vec::as_slice)
}

/// The value at a dotted `path` (a literal key with dots wins).
fn lookup<'a>(object: &'a Map<String, Json>, path: &str) -> Option<&'a Json> {
    if let Some(value) = object.get(path) {
        return Some(value);
    }
    let (head, rest) = path.split_once('.')?;
    lookup(object.get(head)?.as_object()?, rest)
}

/// Removes and returns the first of `paths` present (not null).
fn take_first(object: &mut Map<String, Json>, paths: &[String]) -> Option<Json> {
    for path in paths {
        if let Some(value) = take(object, path) {
            if !value.is_null() {
                return Some(value);
            }
        }
    }
    None
}

fn take(object: &mut Map<String, Json>, path: &str) -> Option<Json> {
    if let Some(value) = object.remove(path) {
        return Some(value);
    }
    let (head, rest) = path.split_once('.')?;
    take(object.get_mut(head)?.as_object_mut()?, rest)
}

/// An integer as a JSON number or a string of digits.
fn integer(value: &Json) -> Option<u64> {
    match value {
        Json::Number(n) => n.as_u64(),
        Json::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A time as loggers write it: RFC 3339 text, or a Unix time whose unit is
/// told by its size (seconds, milliseconds, microseconds or nanoseconds),
/// possibly with a fraction.
fn time_of(value: &Json) -> Option<u64> {
    match value {
        Json::Number(n) => match n.as_u64() {
            Some(whole) => Some(scale_unix(whole)),
            None => n.as_f64().and_then(seconds_fraction),
        },
        Json::String(text) => {
            let text = text.trim();
            if let Ok(whole) = text.parse::<u64>() {
                return Some(scale_unix(whole));
            }
            if let Ok(seconds) = text.parse::<f64>() {
                return seconds_fraction(seconds);
            }
            let parsed =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .ok()?;
            u64::try_from(parsed.unix_timestamp_nanos()).ok()
        }
        _ => None,
    }
}

fn scale_unix(value: u64) -> u64 {
    match value {
        0..100_000_000_000 => value * 1_000_000_000,
        100_000_000_000..100_000_000_000_000 => value * 1_000_000,
        100_000_000_000_000..100_000_000_000_000_000 => value * 1_000,
        _ => value,
    }
}

fn seconds_fraction(value: f64) -> Option<u64> {
    if !value.is_finite() || value < 0.0 {
        return None;
    }
    let per_unit = if value < 1e11 {
        1e9
    } else if value < 1e14 {
        1e6
    } else {
        1e3
    };
    Some((value * per_unit) as u64)
}

fn severity_name(name: &str) -> Level {
    let name = name.trim_start_matches("SEVERITY_NUMBER_");
    Level::from_text(name.trim_end_matches(|c: char| c.is_ascii_digit()))
}

/// Nested objects become dotted keys; arrays and scalars stay values.
fn flatten(
    out: &mut Vec<Attribute>,
    prefix: &str,
    object: Map<String, Json>,
    strings: &mut Interner,
) {
    for (key, value) in object {
        let key = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Json::Object(inner) if !inner.is_empty() => flatten(out, &key, inner, strings),
            value => {
                let value = plain_value(value, strings);
                out.push(Attribute {
                    key: strings.intern(&key),
                    value,
                });
            }
        }
    }
}

/// A logger's JSON field value.
fn plain_value(value: Json, strings: &mut Interner) -> Value {
    match value {
        Json::Null => Value::Empty,
        Json::Bool(b) => Value::Bool(b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Double(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(text) => Value::Str(strings.intern(&text)),
        Json::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| plain_value(item, strings))
                .collect::<Vec<_>>()
                .into(),
        ),
        Json::Object(object) => {
            let mut nested = Vec::new();
            flatten(&mut nested, "", object, strings);
            Value::Map(nested.into())
        }
    }
}

/// An OTLP `AnyValue` in its JSON form.
fn any_value(value: &Json, strings: &mut Interner) -> Value {
    let Some(object) = value.as_object() else {
        return Value::Empty;
    };
    if let Some(text) = object.get("stringValue").and_then(Json::as_str) {
        return Value::Str(strings.intern(text));
    }
    if let Some(b) = object.get("boolValue").and_then(Json::as_bool) {
        return Value::Bool(b);
    }
    // int64 and doubles as a JSON number or string, as the trace reader reads them.
    if let Some(Ok(I64Value(i))) = object.get("intValue").map(I64Value::deserialize) {
        return Value::Int(i);
    }
    if let Some(Ok(F64Value(d))) = object.get("doubleValue").map(F64Value::deserialize) {
        return Value::Double(d);
    }
    if let Some(text) = object.get("bytesValue").and_then(Json::as_str) {
        use base64::Engine as _;
        return base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_or_else(
                |_| Value::Str(strings.intern(text)),
                |b| Value::Bytes(b.into()),
            );
    }
    if let Some(values) = object.get("arrayValue").and_then(|a| a.get("values")) {
        return Value::Array(
            array(Some(values))
                .iter()
                .map(|v| any_value(v, strings))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    if let Some(values) = object.get("kvlistValue").and_then(|a| a.get("values")) {
        let pairs: Vec<Attribute> = array(Some(values))
            .iter()
            .map(|kv| Attribute {
                key: strings.intern(kv.get("key").and_then(Json::as_str).unwrap_or_default()),
                value: kv
                    .get("value")
                    .map_or(Value::Empty, |v| any_value(v, strings)),
            })
            .collect();
        return Value::Map(pairs.into());
    }
    Value::Empty
}

/// A trace's log lines, joined to its spans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceLogs {
    /// Indices into [`LogSet::records`] of the trace's lines, in time order.
    pub lines: Vec<u32>,
    /// The span index of each of `lines`; `None` when the line's span id is
    /// not in the trace (or it names none).
    pub span_of_line: Vec<Option<u32>>,
    /// Per span with lines: its lines (positions in `lines`).
    pub by_span: FxHashMap<u32, Vec<u32>>,
    /// Span ids the lines name that are not in the trace, with their counts.
    pub unknown_spans: Vec<(SpanId, usize)>,
}

impl TraceLogs {
    /// Joins `trace`'s lines in `logs` to its spans by span id.
    pub fn join(trace: &Trace, logs: &LogSet) -> TraceLogs {
        let lines = logs.of_trace(trace.trace_id).to_vec();
        if lines.is_empty() {
            return TraceLogs::default();
        }
        let index: FxHashMap<SpanId, u32> = trace
            .spans
            .iter()
            .enumerate()
            .rev() // a duplicated id resolves to its first span, as parents do
            .map(|(i, span)| (span.span_id, i as u32))
            .collect();
        let mut joined = TraceLogs {
            span_of_line: Vec::with_capacity(lines.len()),
            ..TraceLogs::default()
        };
        let mut unknown: FxHashMap<SpanId, usize> = FxHashMap::default();
        for (position, &line) in lines.iter().enumerate() {
            let record = &logs.records[line as usize];
            let span = record.span_id.and_then(|id| index.get(&id).copied());
            if let (None, Some(id)) = (span, record.span_id) {
                *unknown.entry(id).or_default() += 1;
            }
            if let Some(span) = span {
                joined
                    .by_span
                    .entry(span)
                    .or_default()
                    .push(position as u32);
            }
            joined.span_of_line.push(span);
        }
        joined.lines = lines;
        joined.unknown_spans = unknown.into_iter().collect();
        joined.unknown_spans.sort();
        joined
    }

    /// The warning for lines whose span is not in the trace, if any.
    pub fn unknown_span_warning(&self, trace: &Trace) -> Option<String> {
        if self.unknown_spans.is_empty() {
            return None;
        }
        let lines: usize = self.unknown_spans.iter().map(|(_, n)| n).sum();
        let ids: Vec<String> = self
            .unknown_spans
            .iter()
            .take(3)
            .map(|(id, _)| id.to_string())
            .collect();
        Some(format!(
            "trace {}: {lines} log line(s) name span id(s) not in the trace ({}{}); \
             they are listed with the trace, not under a span",
            trace.trace_id,
            ids.join(", "),
            if self.unknown_spans.len() > 3 {
                ", …"
            } else {
                ""
            }
        ))
    }

    /// Lines of span `span` (indices into [`LogSet::records`]).
    pub fn of_span(&self, span: u32) -> impl Iterator<Item = u32> + '_ {
        self.by_span
            .get(&span)
            .into_iter()
            .flatten()
            .map(|&p| self.lines[p as usize])
    }
}

/// Log lines and error lines per group of a trace's breakdown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogCounts {
    /// Lines logged in the group's spans.
    pub lines: u64,
    /// Of those, error or worse.
    pub errors: u64,
}

/// Log counts per breakdown group (labels as [`crate::analysis::breakdown::analyze`]
/// gives them) of `trace`.
pub fn counts_by_group(
    set: &crate::TraceSet,
    trace: &Trace,
    logs: &LogSet,
    group_by: &crate::analysis::breakdown::GroupBy,
) -> FxHashMap<String, LogCounts> {
    let joined = TraceLogs::join(trace, logs);
    let mut counts: FxHashMap<String, LogCounts> = FxHashMap::default();
    for (&span, positions) in &joined.by_span {
        let group = crate::analysis::breakdown::group_of(set, trace, span, group_by);
        let entry = counts.entry(group).or_default();
        for &p in positions {
            entry.lines += 1;
            let record = &logs.records[joined.lines[p as usize] as usize];
            entry.errors += u64::from(record.level.is_error());
        }
    }
    counts
}
