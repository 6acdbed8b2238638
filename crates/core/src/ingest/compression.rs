//! gzip and zstd, recognised by their magic numbers and decoded in pure Rust
//! so the same code runs in the browser. Decoding stops at a limit on the
//! expanded size ([`set_expanded_limit`]): a few megabytes of gzip can
//! expand to gigabytes, which no browser tab can hold.

use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::IngestError;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The default limit: in the browser, what a 4 GiB wasm32 memory can hold
/// beside the model built from it; natively, a few GiB.
#[cfg(target_arch = "wasm32")]
const DEFAULT_LIMIT: usize = 1 << 30;
#[cfg(not(target_arch = "wasm32"))]
const DEFAULT_LIMIT: usize = 4 << 30;

static LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_LIMIT);

/// Sets how many bytes compressed input may expand to (the CLI's
/// `--max-input-size`).
pub fn set_expanded_limit(bytes: usize) {
    LIMIT.store(bytes, Ordering::Relaxed);
}

/// How many bytes compressed input may expand to.
pub fn expanded_limit() -> usize {
    LIMIT.load(Ordering::Relaxed)
}

/// Whether `bytes` start like gzip or zstd data.
pub(super) fn is_compressed(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC) || bytes.starts_with(&ZSTD_MAGIC)
}

/// The decompressed bytes, or `None` when the input is not compressed.
pub(super) fn decompress(bytes: &[u8]) -> Result<Option<Vec<u8>>, IngestError> {
    if bytes.starts_with(&GZIP_MAGIC) {
        let decoder = flate2::read::MultiGzDecoder::new(bytes);
        return expand("gzip", bytes.len(), decoder).map(Some);
    }
    if bytes.starts_with(&ZSTD_MAGIC) {
        let decoder = ruzstd::decoding::StreamingDecoder::new(bytes).map_err(|e| {
            IngestError::Decompression {
                format: "zstd",
                reason: e.to_string(),
            }
        })?;
        return expand("zstd", bytes.len(), decoder).map(Some);
    }
    Ok(None)
}

/// Reads `decoder` to its end, up to the limit, asking for memory before
/// taking it so that running out is told as such (never as corruption).
fn expand(
    format: &'static str,
    compressed: usize,
    mut decoder: impl Read,
) -> Result<Vec<u8>, IngestError> {
    let limit = expanded_limit();
    let mut out = Vec::new();
    let out_of_memory = |expanded: usize| IngestError::OutOfMemory {
        format,
        expanded: expanded as u64,
        limit: limit as u64,
    };
    out.try_reserve_exact(compressed.saturating_mul(8).min(limit))
        .map_err(|_| out_of_memory(0))?;
    let mut chunk = vec![0u8; 256 << 10];
    loop {
        let read = match decoder.read(&mut chunk) {
            Ok(0) => return Ok(out),
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) if e.to_string().contains("out of memory") => {
                return Err(out_of_memory(out.len()))
            }
            Err(e) => {
                return Err(IngestError::Decompression {
                    format,
                    reason: e.to_string(),
                })
            }
        };
        if out.len() + read > limit {
            // How big it is, counted without keeping it (up to a point:
            // a zip bomb may expand to terabytes).
            let counted = out.len() as u64 + read as u64;
            let rest = std::io::copy(
                &mut decoder.take((limit as u64).saturating_mul(16)),
                &mut std::io::sink(),
            )
            .unwrap_or(0);
            return Err(IngestError::TooBig {
                format,
                expanded: counted + rest,
                limit: limit as u64,
                counted_all: rest < (limit as u64).saturating_mul(16),
            });
        }
        out.try_reserve(read)
            .map_err(|_| out_of_memory(out.len()))?;
        out.extend_from_slice(&chunk[..read]);
    }
}

/// Bytes as "3.0 GiB", "512.0 MiB", "900 KiB".
pub(crate) fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = "bytes";
    for next in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = next;
    }
    match unit {
        "bytes" | "KiB" => format!("{value:.0} {unit}"),
        _ => format!("{value:.1} {unit}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn input_expanding_past_the_limit_is_refused_with_its_size() {
        let plain = vec![b' '; 3 << 20];
        let packed = gzip(&plain);
        assert!(packed.len() < 64 << 10);
        let error = expand(
            "gzip",
            packed.len(),
            flate2::read::MultiGzDecoder::new(&packed[..]),
        );
        assert!(error.is_ok(), "under the default limit");
        set_expanded_limit(1 << 20);
        let error = decompress(&packed).unwrap_err();
        set_expanded_limit(DEFAULT_LIMIT);
        let text = error.to_string();
        assert!(
            text.contains("3.0 MiB") && text.contains("1.0 MiB") && !text.contains("corrupt"),
            "{text}"
        );
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(format_bytes(900), "900 bytes");
        assert_eq!(format_bytes(3 << 30), "3.0 GiB");
        assert_eq!(format_bytes(1536 << 10), "1.5 MiB");
    }
}
