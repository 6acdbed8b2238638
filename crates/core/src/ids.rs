//! Trace and span ids, and the two ways inputs write them (hex and base64).

use std::fmt;

use base64::Engine as _;

/// A 16-byte trace id. Displayed as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct TraceId(pub [u8; 16]);

/// An 8-byte span id. Displayed as 16 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct SpanId(pub [u8; 8]);

impl fmt::Display for TraceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

impl fmt::Display for SpanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_hex(f, &self.0)
    }
}

fn write_hex(f: &mut fmt::Formatter<'_>, bytes: &[u8]) -> fmt::Result {
    for b in bytes {
        write!(f, "{b:02x}")?;
    }
    Ok(())
}

/// Decodes an id written as hex (any case, shorter ids left-padded with
/// zeros, as Zipkin's 64-bit trace ids are) or as standard base64 (protobuf's
/// JSON mapping, Tempo). Returns `None` when the text is neither.
pub fn decode_id<const N: usize>(text: &str) -> Option<[u8; N]> {
    decode_id_bytes(text.as_bytes())
}

/// A stand-in id for text that is no id encoding (Jaeger UI takes ids as
/// opaque text): FNV-1a over the text, one 64-bit hash per 8 bytes, each
/// seeded by its place, so the same text always gives the same id.
pub fn stand_in_id<const N: usize>(text: &str) -> [u8; N] {
    let mut out = [0u8; N];
    for (part, chunk) in out.chunks_mut(8).enumerate() {
        let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ part as u64;
        for &byte in text.as_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        chunk.copy_from_slice(&hash.to_be_bytes()[..chunk.len()]);
    }
    out
}

/// [`decode_id`] on text not yet checked to be UTF-8 (ids are ASCII).
pub fn decode_id_bytes<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    // The common case first: exactly 2N hex digits.
    if text.len() == 2 * N {
        if let Some(id) = decode_full_hex(text) {
            return Some(id);
        }
    }
    let text = text.trim_ascii();
    if text.len() <= 2 * N && !text.is_empty() && text.iter().all(u8::is_ascii_hexdigit) {
        // Base64 of N bytes is never exactly 2N hex-looking characters long
        // for N = 8 or 16, but a short all-hex string could be either:
        // lengths of base64 for N bytes are fixed, so test that first.
        if text.len() != base64_len(N) {
            return decode_hex(text);
        }
    }
    if text.len() == base64_len(N) {
        let mut out = [0u8; N];
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?;
        if decoded.len() == N {
            out.copy_from_slice(&decoded);
            return Some(out);
        }
        return None;
    }
    None
}

fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// The value of a hex digit, or 0xff.
const HEX: [u8; 256] = {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

/// Exactly `2N` hex digits, eight at a time (ids are most of what a span
/// holds besides its attributes).
fn decode_full_hex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    for (bytes, chunk) in out.chunks_exact_mut(4).zip(digits.chunks_exact(8)) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        bytes.copy_from_slice(&eight_hex_digits(word)?.to_le_bytes());
    }
    // N = 8 and 16 fill whole words; any other N ends digit by digit.
    let whole = N / 4 * 4;
    for (byte, pair) in out[whole..]
        .iter_mut()
        .zip(digits[2 * whole..].chunks_exact(2))
    {
        let (high, low) = (HEX[pair[0] as usize], HEX[pair[1] as usize]);
        ((high | low) & 0xf0 == 0).then_some(())?;
        *byte = (high << 4) | low;
    }
    Some(out)
}

/// The four bytes eight hex digits spell (the first digit in the lowest
/// byte of `word`, and the first byte in the lowest of the result), or
/// `None` unless all eight are hex digits.
fn eight_hex_digits(word: u64) -> Option<u32> {
    const LANES: u64 = 0x0101_0101_0101_0101;
    // Each byte strictly between `above` and `below`, for bytes under
    // 0x80: the high bit of its lane (no lane carries into the next).
    let between = |x: u64, above: u64, below: u64| {
        let low7 = x & (LANES * 0x7f);
        (LANES * (0x7f + below) - low7) & !x & (low7 + LANES * (0x7f - above)) & (LANES * 0x80)
    };
    let digit = between(word, b'/'.into(), b':'.into());
    // Upper-case letters fold onto lower-case ones; nothing else lands there.
    let letter = between(word | (LANES * 0x20), b'`'.into(), b'g'.into());
    ((digit | letter) == LANES * 0x80).then_some(())?;
    let nibbles = (word & (LANES * 0x0f)) + ((letter >> 7) * 9);
    let pairs = ((nibbles << 4) | (nibbles >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs | (pairs >> 8)) & 0x0000_ffff_0000_ffff;
    Some(((quads | (quads >> 16)) & 0xffff_ffff) as u32)
}

fn decode_hex<const N: usize>(digits: &[u8]) -> Option<[u8; N]> {
    let mut out = [0u8; N];
    // Right-align: missing leading digits are zeros.
    let pad = 2 * N - digits.len();
    for (i, &d) in digits.iter().enumerate() {
        let nibble = HEX[d as usize];
        if nibble > 0x0f {
            return None;
        }
        let pos = pad + i;
        out[pos / 2] |= if pos.is_multiple_of(2) {
            nibble << 4
        } else {
            nibble
        };
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn eight_hex_digits_at_once_match_digit_by_digit() {
        let by_table = |digits: &[u8; 8]| {
            let mut out = [0u8; 4];
            for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
                let (high, low) = (super::HEX[pair[0] as usize], super::HEX[pair[1] as usize]);
                if (high | low) & 0xf0 != 0 {
                    return None;
                }
                *byte = (high << 4) | low;
            }
            Some(u32::from_le_bytes(out))
        };
        let mut digits = *b"09afAF3c";
        assert_eq!(
            super::eight_hex_digits(u64::from_le_bytes(digits)),
            Some(0x3caf_af09)
        );
        // Every byte value at every position, around a valid id.
        for position in 0..8 {
            for byte in 0..=255u8 {
                let saved = digits[position];
                digits[position] = byte;
                let word = u64::from_le_bytes(digits);
                assert_eq!(
                    super::eight_hex_digits(word),
                    by_table(&digits),
                    "{digits:?}"
                );
                digits[position] = saved;
            }
        }
    }

    use super::*;

    #[test]
    fn hex_ids_of_any_case_decode() {
        let id: [u8; 8] = decode_id("8DB8df93edd56cd5").unwrap();
        assert_eq!(SpanId(id).to_string(), "8db8df93edd56cd5");
    }

    #[test]
    fn base64_ids_decode() {
        // 0x1e250c70dff6fe52c690a9c144e7cf0f in base64
        let id: [u8; 16] = decode_id("HiUMcN/2/lLGkKnBROfPDw==").unwrap();
        assert_eq!(TraceId(id).to_string(), "1e250c70dff6fe52c690a9c144e7cf0f");
    }

    #[test]
    fn short_hex_trace_ids_are_left_padded() {
        let id: [u8; 16] = decode_id("5af7183fb1d4cf5f").unwrap();
        assert_eq!(TraceId(id).to_string(), "00000000000000005af7183fb1d4cf5f");
    }

    #[test]
    fn garbage_is_rejected() {
        assert_eq!(decode_id::<8>("not an id"), None);
        assert_eq!(decode_id::<8>(""), None);
        assert_eq!(decode_id::<8>("0123456789abcdef0"), None);
        assert_eq!(decode_id::<8>("0123456789abcdeg"), None);
        assert_eq!(
            decode_id::<8>(" 0123456789abcdef "),
            Some([1, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef])
        );
    }
}
