//! Bytes → [`TraceSet`]: sniff the format from the bytes (never the file
//! name), decompress, decode, and join spans into traces.

mod assemble;
mod compression;
mod jaeger;
pub(crate) mod json_syntax;
mod otlp_json;
pub(crate) mod otlp_proto;
mod zipkin;

use thiserror::Error;

use crate::model::{TraceSet, Warning};
pub use assemble::TraceSetBuilder;

/// Why an input could not be read at all.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IngestError {
    /// The input holds no bytes, or only whitespace.
    #[error("the file is empty")]
    Empty,
    /// The bytes are not any trace format tracelens reads.
    #[error("not a trace file: {0}")]
    UnknownFormat(String),
    /// Compressed data that could not be decompressed.
    #[error("{format} data is corrupt or truncated: {reason}")]
    Decompression {
        /// `gzip` or `zstd`.
        format: &'static str,
        /// What the decoder said.
        reason: String,
    },
    /// The format was recognised but nothing in it could be decoded.
    #[error("{0}")]
    Malformed(String),
}

/// The input formats, for callers that know an input's format better than
/// sniffing does (and for the fuzzers, one per decoder).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// OTLP/JSON: one request, JSON Lines of them, or a Tempo answer.
    OtlpJson,
    /// One OTLP protobuf `TracesData` / `ExportTraceServiceRequest`.
    OtlpProtobuf,
    /// Length-prefixed OTLP protobuf messages (the Collector's file exporter).
    OtlpProtobufStream,
    /// Jaeger JSON.
    Jaeger,
    /// Zipkin v2 JSON.
    Zipkin,
}

/// The bytes with gzip or zstd undone (borrowed when not compressed).
pub fn decompressed(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IngestError> {
    Ok(match compression::decompress(bytes)? {
        Some(owned) => std::borrow::Cow::Owned(owned),
        None => std::borrow::Cow::Borrowed(bytes),
    })
}

/// Reads one input into a fresh [`TraceSet`]. Errors only when nothing in
/// it could be read; partial damage becomes warnings.
pub fn ingest(bytes: &[u8]) -> Result<TraceSet, IngestError> {
    let mut builder = TraceSetBuilder::default();
    builder.add(bytes)?;
    Ok(builder.finish())
}

impl TraceSetBuilder {
    /// Decodes one input and adds its spans. Spans of one trace may be
    /// spread over several inputs: [`TraceSetBuilder::finish`] joins them.
    pub fn add(&mut self, bytes: &[u8]) -> Result<(), IngestError> {
        let decompressed = compression::decompress(bytes)?;
        let bytes: &[u8] = decompressed.as_deref().unwrap_or(bytes);
        if looks_binary(bytes) {
            // A big message can pass for a stream frame by its first bytes,
            // so the exact reading comes first.
            if otlp_proto::is_whole_message(bytes) {
                return otlp_proto::read_message(bytes, 0, self);
            }
            if otlp_proto::is_stream(bytes) {
                return otlp_proto::read_stream(bytes, self);
            }
            if otlp_proto::is_message(bytes) {
                return otlp_proto::read_message(bytes, 0, self);
            }
            return Err(IngestError::UnknownFormat(format!(
                "binary data starting with {} is neither OTLP protobuf nor gzip or zstd",
                hex_prefix(bytes)
            )));
        }
        let text_start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .ok_or(IngestError::Empty)?;
        match bytes[text_start] {
            b'{' if first_key(&bytes[text_start..]).is_some_and(jaeger::is_jaeger_key) => {
                jaeger::read(bytes, self)
            }
            b'{' => otlp_json::read(bytes, self),
            b'[' => zipkin::read(bytes, self),
            first => Err(IngestError::UnknownFormat(format!(
                "it starts with the byte 0x{first:02x} at offset {text_start}, \
                 where a JSON trace file starts with '{{' or '['"
            ))),
        }
    }

    /// Decodes one (already decompressed) input as `format`, without
    /// sniffing.
    pub fn add_as(&mut self, format: Format, bytes: &[u8]) -> Result<(), IngestError> {
        match format {
            Format::OtlpJson => otlp_json::read(bytes, self),
            Format::OtlpProtobuf => otlp_proto::read_message(bytes, 0, self),
            Format::OtlpProtobufStream => otlp_proto::read_stream(bytes, self),
            Format::Jaeger => jaeger::read(bytes, self),
            Format::Zipkin => zipkin::read(bytes, self),
        }
    }

    /// Records a warning about the input that the caller found (a Tempo
    /// answer marked PARTIAL, say), to be listed with ingest's own.
    pub fn add_warning(&mut self, message: String) {
        self.warn(message);
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(Warning { message });
    }
}

/// JSON never holds raw control characters other than whitespace, while
/// protobuf's tags and lengths are full of them early on.
fn looks_binary(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take(256)
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'))
}

fn hex_prefix(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first key of the JSON object that `json` starts with, if it is a
/// plain string without escapes.
fn first_key(json: &[u8]) -> Option<&str> {
    let rest = json.strip_prefix(b"{")?;
    let start = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = rest[start..].strip_prefix(b"\"")?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    std::str::from_utf8(&rest[..end]).ok()
}
