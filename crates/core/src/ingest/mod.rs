//! Bytes → [`TraceSet`]: sniff the format from the bytes (never the file
//! name), decompress, decode, and join spans into traces.

mod assemble;
mod compression;
mod otlp_json;

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
        let text_start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .ok_or(IngestError::Empty)?;
        match bytes[text_start] {
            b'{' => otlp_json::read(bytes, self),
            first => Err(IngestError::UnknownFormat(format!(
                "it starts with the byte 0x{first:02x} at offset {text_start}, \
                 where an OTLP/JSON file starts with '{{'"
            ))),
        }
    }

    pub(crate) fn warn(&mut self, message: String) {
        self.warnings.push(Warning { message });
    }
}
