//! gzip and zstd, recognised by their magic numbers and decoded in pure Rust
//! so the same code runs in the browser. Decoding stops at a limit on the
//! expanded size ([`set_expanded_limit`]): a few megabytes of gzip can
//! expand to gigabytes, which no browser tab can hold.

use std::io::{Cursor, Read};
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
pub fn is_compressed(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC) || bytes.starts_with(&ZSTD_MAGIC)
}

/// The decompressed bytes, or `None` when the input is not compressed.
pub(super) fn decompress(bytes: &[u8]) -> Result<Option<Vec<u8>>, IngestError> {
    if !is_compressed(bytes) {
        return Ok(None);
    }
    let mut expanding = Expanding::new(bytes)?;
    expanding.make_room()?;
    loop {
        if let Some(expanded) = expanding.step(usize::MAX) {
            return expanded.map(Some);
        }
    }
}

/// The most a stated expanded size may exceed the compressed size by to
/// be believed: deflate expands at most about 1032 to 1, and traces
/// compress tens of times; a size past that is a damaged trailer or
/// header (the `stepped` fuzz target found one asking for 3.4 GB for 4 KB).
const BELIEVED_RATIO: usize = 1032;

/// Compressed input (gzip or zstd) undone a bounded amount at a time, so
/// that a page can expand a big file between frames; expanding it at once
/// is the same steps given no bound. It stops at the limit on the
/// expanded size, asking for memory before taking it so that running out
/// is told as such (never as corruption).
pub struct Expanding<R: AsRef<[u8]>> {
    format: &'static str,
    decoder: Decoder<R>,
    expected: Option<usize>,
    compressed: usize,
    out: Vec<u8>,
    /// Bytes expanded so far, those taken too: what the limit counts.
    expanded: usize,
    /// Once past the limit: the bytes counted past it so far (how big it
    /// is is counted without keeping it, a bounded amount a step too).
    counting: Option<u64>,
    chunk: Vec<u8>,
}

enum Decoder<R: AsRef<[u8]>> {
    Gzip(flate2::read::MultiGzDecoder<Cursor<R>>),
    Zstd(Box<ruzstd::decoding::StreamingDecoder<Cursor<R>, ruzstd::decoding::FrameDecoder>>),
}

impl<R: AsRef<[u8]>> Decoder<R> {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Gzip(decoder) => decoder.read(into),
            Self::Zstd(decoder) => decoder.read(into),
        }
    }

    fn source(&self) -> &Cursor<R> {
        match self {
            Self::Gzip(decoder) => decoder.get_ref(),
            Self::Zstd(decoder) => decoder.get_ref(),
        }
    }
}

impl<R: AsRef<[u8]>> Expanding<R> {
    /// Starts expanding `bytes`, which [`is_compressed`] says are gzip or
    /// zstd data.
    pub fn new(bytes: R) -> Result<Self, IngestError> {
        let compressed = bytes.as_ref().len();
        let (format, decoder, size) =
            match bytes.as_ref().starts_with(&GZIP_MAGIC) {
                true => {
                    // gzip ends with the expanded size (of its last member,
                    // modulo 4 GiB).
                    let size = bytes
                        .as_ref()
                        .last_chunk::<4>()
                        .map(|&s| u32::from_le_bytes(s));
                    let decoder = flate2::read::MultiGzDecoder::new(Cursor::new(bytes));
                    (
                        "gzip",
                        Decoder::Gzip(decoder),
                        size.map_or(0, |s| s as usize),
                    )
                }
                false => {
                    let decoder = ruzstd::decoding::StreamingDecoder::new(Cursor::new(bytes))
                        .map_err(|e| IngestError::Decompression {
                            format: "zstd",
                            reason: e.to_string(),
                        })?;
                    // Given in the frame's header by most writers (0 if not).
                    let size = usize::try_from(decoder.decoder.content_size()).unwrap_or(0);
                    ("zstd", Decoder::Zstd(Box::new(decoder)), size)
                }
            };
        let most = compressed
            .saturating_mul(BELIEVED_RATIO)
            .min(expanded_limit());
        let expected = (compressed..=most).contains(&size).then_some(size);
        Ok(Self {
            format,
            decoder,
            expected,
            compressed,
            out: Vec::new(),
            expanded: 0,
            counting: None,
            chunk: vec![0u8; 256 << 10],
        })
    }

    /// Makes room for all of it at once, for a caller that keeps it whole:
    /// what the data says it expands to, else eight times its size. Grown
    /// by doubling, 485 MB expanded in the page was copied twice, in a
    /// task of 140 ms and one of 240 ms.
    pub fn make_room(&mut self) -> Result<(), IngestError> {
        let room = self
            .expected
            .unwrap_or(self.compressed.saturating_mul(8).min(expanded_limit()));
        self.out
            .try_reserve_exact(room)
            .map_err(|_| out_of_memory(self.format, 0))
    }

    /// What is expanded so far (and not taken).
    pub fn so_far(&self) -> &[u8] {
        &self.out
    }

    /// The bytes held: the compressed input and what is expanded and not
    /// taken.
    pub fn held_bytes(&self) -> usize {
        self.compressed + self.out.len()
    }

    /// Takes what is expanded so far: a reader of it as it comes holds
    /// only what it has not read yet.
    pub fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// How many bytes the data says it expands to, where it says so (gzip's
    /// trailer, zstd's frame header), and it is believable.
    pub fn expected(&self) -> Option<usize> {
        self.expected
    }

    /// How much of the compressed input has been undone, from 0 to 1.
    pub fn progress(&self) -> f64 {
        self.decoder.source().position() as f64 / self.compressed.max(1) as f64
    }

    /// Expands about `budget` more bytes; the rest of the expanded input
    /// (all of it, if none was taken) once it is all undone.
    pub fn step(&mut self, budget: usize) -> Option<Result<Vec<u8>, IngestError>> {
        let limit = expanded_limit();
        let format = self.format;
        // How big it is past the limit is counted without keeping it, up
        // to a point: a zip bomb may expand to terabytes.
        let most = (limit as u64).saturating_mul(16);
        let mut spent = 0;
        while spent < budget.max(1) {
            // Read a whole chunk at a time, whatever the budget: flate2
            // read a byte at a time ends a stream early.
            let read = match self.decoder.read(&mut self.chunk) {
                Ok(read) => read,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                // Past the limit the rest is only counted, and a damaged
                // end ends the count.
                Err(_) if self.counting.is_some() => 0,
                Err(e) if e.to_string().contains("out of memory") => {
                    return Some(Err(out_of_memory(format, self.expanded)))
                }
                Err(e) => {
                    return Some(Err(IngestError::Decompression {
                        format,
                        reason: e.to_string(),
                    }))
                }
            };
            spent += read.max(1);
            if let Some(rest) = &mut self.counting {
                *rest += read as u64;
                if read == 0 || *rest >= most {
                    return Some(Err(IngestError::TooBig {
                        format,
                        expanded: self.expanded as u64 + *rest,
                        limit: limit as u64,
                        counted_all: *rest < most,
                    }));
                }
                continue;
            }
            if read == 0 {
                return Some(Ok(std::mem::take(&mut self.out)));
            }
            if self.expanded + read > limit {
                self.expanded += read;
                self.counting = Some(0);
                continue;
            }
            if self.out.try_reserve(read).is_err() {
                return Some(Err(out_of_memory(format, self.expanded)));
            }
            self.expanded += read;
            self.out.extend_from_slice(&self.chunk[..read]);
        }
        None
    }
}

fn out_of_memory(format: &'static str, expanded: usize) -> IngestError {
    IngestError::OutOfMemory {
        format,
        expanded: expanded as u64,
        limit: expanded_limit() as u64,
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
        assert!(decompress(&packed).is_ok(), "under the default limit");
        set_expanded_limit(1 << 20);
        let error = decompress(&packed).unwrap_err();
        // Taken as it comes, as a reader of it takes it, the limit counts
        // what was taken too; past it, the rest is counted a step at a time.
        let mut expanding = Expanding::new(&packed[..]).unwrap();
        let mut steps = 0;
        let taken = loop {
            steps += 1;
            match expanding.step(64 << 10) {
                None => drop(expanding.take()),
                Some(done) => break done.unwrap_err(),
            }
        };
        set_expanded_limit(DEFAULT_LIMIT);
        assert_eq!(taken, error);
        assert!(steps > 8, "{steps} steps");
        let text = error.to_string();
        assert!(
            text.contains("3.0 MiB") && text.contains("1.0 MiB") && !text.contains("corrupt"),
            "{text}"
        );
    }

    #[test]
    fn a_stated_size_is_believed_only_within_what_deflate_can_do() {
        let plain = vec![b'x'; 100_000];
        let mut packed = gzip(&plain);
        assert_eq!(
            Expanding::new(&packed[..]).unwrap().expected(),
            Some(100_000)
        );
        // A damaged trailer asking for 3.4 GB: room is not made for it.
        let at = packed.len() - 4;
        packed[at..].copy_from_slice(&3_450_000_000u32.to_le_bytes());
        assert_eq!(Expanding::new(&packed[..]).unwrap().expected(), None);
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(format_bytes(900), "900 bytes");
        assert_eq!(format_bytes(3 << 30), "3.0 GiB");
        assert_eq!(format_bytes(1536 << 10), "1.5 MiB");
    }
}
