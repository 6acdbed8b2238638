//! The compression step's codecs, each doing real work on the batch.

use std::io::Write;

use anyhow::{bail, Context};
use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Codec {
    Zstd,
    Gzip,
    Lz4,
    None,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Zstd => "zstd",
            Codec::Gzip => "gzip",
            Codec::Lz4 => "lz4",
            Codec::None => "none",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Codec::Zstd => ".zst",
            Codec::Gzip => ".gz",
            Codec::Lz4 => ".lz4",
            Codec::None => "",
        }
    }

    /// The level used when none is given.
    pub fn default_level(self) -> i32 {
        match self {
            Codec::Zstd => 19,
            Codec::Gzip => 6,
            Codec::Lz4 | Codec::None => 0,
        }
    }
}

/// Rejects levels the codec does not have, before any work starts.
pub fn check_level(codec: Codec, level: Option<i32>) -> anyhow::Result<()> {
    match (codec, level) {
        (Codec::Zstd, Some(l)) if !(1..=22).contains(&l) => {
            bail!("--level for zstd is 1–22, not {l}")
        }
        (Codec::Gzip, Some(l)) if !(0..=9).contains(&l) => {
            bail!("--level for gzip is 0–9, not {l}")
        }
        _ => Ok(()),
    }
}

/// Compresses `input` with `codec` at `level` on `threads` threads.
pub fn compress(codec: Codec, level: i32, threads: u32, input: &[u8]) -> anyhow::Result<Vec<u8>> {
    Ok(match codec {
        Codec::Zstd => {
            let mut encoder =
                zstd::stream::Encoder::new(Vec::with_capacity(input.len() / 4), level)?;
            if threads > 1 {
                encoder
                    .multithread(threads)
                    .context("zstd multithreading")?;
            }
            encoder.write_all(input)?;
            encoder.finish()?
        }
        Codec::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(
                Vec::with_capacity(input.len() / 4),
                flate2::Compression::new(level as u32),
            );
            encoder.write_all(input)?;
            encoder.finish()?
        }
        Codec::Lz4 => lz4_flex::compress_prepend_size(input),
        Codec::None => input.to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_codec_round_trips_or_shrinks_json_lines() {
        let input = b"{\"event\":\"page_view\",\"user\":42}\n".repeat(1000);
        for codec in [Codec::Zstd, Codec::Gzip, Codec::Lz4] {
            let out = compress(codec, codec.default_level(), 1, &input).unwrap();
            assert!(out.len() < input.len() / 5, "{codec:?}: {}", out.len());
        }
        let zstd = compress(Codec::Zstd, 3, 1, &input).unwrap();
        assert_eq!(zstd::decode_all(zstd.as_slice()).unwrap(), input);
    }

    #[test]
    fn levels_out_of_range_are_refused() {
        assert!(check_level(Codec::Zstd, Some(23)).is_err());
        assert!(check_level(Codec::Gzip, Some(10)).is_err());
        assert!(check_level(Codec::Zstd, Some(3)).is_ok());
    }
}
