//! gzip and zstd, recognised by their magic numbers and decoded in pure Rust
//! so the same code runs in the browser.

use std::io::Read;

use super::IngestError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Whether `bytes` start like gzip or zstd data.
pub(super) fn is_compressed(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC) || bytes.starts_with(&ZSTD_MAGIC)
}

/// The decompressed bytes, or `None` when the input is not compressed.
pub(super) fn decompress(bytes: &[u8]) -> Result<Option<Vec<u8>>, IngestError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::with_capacity(bytes.len() * 8);
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| IngestError::Decompression {
                format: "gzip",
                reason: e.to_string(),
            })?;
        return Ok(Some(out));
    }
    if bytes.starts_with(&ZSTD_MAGIC) {
        let mut out = Vec::with_capacity(bytes.len() * 8);
        let mut decoder = ruzstd::decoding::StreamingDecoder::new(bytes).map_err(|e| {
            IngestError::Decompression {
                format: "zstd",
                reason: e.to_string(),
            }
        })?;
        decoder
            .read_to_end(&mut out)
            .map_err(|e| IngestError::Decompression {
                format: "zstd",
                reason: e.to_string(),
            })?;
        return Ok(Some(out));
    }
    Ok(None)
}
