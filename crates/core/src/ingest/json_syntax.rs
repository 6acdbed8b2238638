//! What every JSON trace format needs: int64 as strings or numbers, and
//! error positions that count from the start of the file.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;

/// An int64 written as a JSON string (the spec's choice) or a JSON number,
/// parsed as an integer: a 19-digit nanosecond time is not exact in an f64.
#[derive(Default, Clone, Copy)]
pub(super) struct U64Value(pub(super) u64);

impl<'de> Deserialize<'de> for U64Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct U64Visitor;
        impl Visitor<'_> for U64Visitor {
            type Value = U64Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer, as a number or a string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<U64Value, E> {
                Ok(U64Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<U64Value, E> {
                u64::try_from(v)
                    .map(U64Value)
                    .map_err(|_| E::custom(format!("negative time {v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<U64Value, E> {
                parse_u64(v.trim().as_bytes())
                    .map(U64Value)
                    .ok_or_else(|| E::custom(format!("{v:?} is not an integer")))
            }
        }
        deserializer.deserialize_any(U64Visitor)
    }
}

/// Decimal digits as a u64 (`None` on anything else or overflow); times
/// are read by the million, so this skips `str::parse`'s generality.
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |value, &d| {
        let digit = d.wrapping_sub(b'0');
        (digit < 10).then_some(())?;
        value.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// An int64 attribute value, as a JSON string or number.
#[derive(Clone, Copy)]
pub(crate) struct I64Value(pub(crate) i64);

impl<'de> Deserialize<'de> for I64Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct I64Visitor;
        impl Visitor<'_> for I64Visitor {
            type Value = I64Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer, as a number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<I64Value, E> {
                Ok(I64Value(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<I64Value, E> {
                i64::try_from(v)
                    .map(I64Value)
                    .map_err(|_| E::custom(format!("{v} does not fit an int64")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<I64Value, E> {
                v.trim()
                    .parse()
                    .map(I64Value)
                    .map_err(|_| E::custom(format!("{v:?} is not an integer")))
            }
        }
        deserializer.deserialize_any(I64Visitor)
    }
}

/// A double attribute value: a JSON number, or the strings protobuf's JSON
/// mapping uses for what JSON numbers cannot hold ("NaN", "Infinity").
#[derive(Clone, Copy)]
pub(crate) struct F64Value(pub(crate) f64);

impl<'de> Deserialize<'de> for F64Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct F64Visitor;
        impl Visitor<'_> for F64Visitor {
            type Value = F64Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, or a string holding one")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<F64Value, E> {
                Ok(F64Value(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<F64Value, E> {
                Ok(F64Value(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<F64Value, E> {
                Ok(F64Value(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<F64Value, E> {
                v.trim()
                    .parse()
                    .map(F64Value)
                    .map_err(|_| E::custom(format!("{v:?} is not a number")))
            }
        }
        deserializer.deserialize_any(F64Visitor)
    }
}

/// The absolute byte offset of a serde_json error in a slice that starts
/// at `start`.
pub(crate) fn error_offset(bytes: &[u8], start: usize, error: &serde_json::Error) -> usize {
    let mut line = 1;
    let mut at = start;
    while line < error.line() && at < bytes.len() {
        match bytes[at..].iter().position(|&b| b == b'\n') {
            Some(p) => {
                at += p + 1;
                line += 1;
            }
            None => break,
        }
    }
    (at + error.column().saturating_sub(1)).min(bytes.len())
}

/// serde_json's message without its own " at line X column Y" suffix, which
/// is relative to the document rather than the file.
pub(crate) fn strip_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// A serde_json error on a whole file as "line L, column C (byte B): what".
pub(crate) fn locate(bytes: &[u8], error: &serde_json::Error) -> String {
    format!(
        "line {}, column {} (byte {}): {}",
        error.line(),
        error.column(),
        error_offset(bytes, 0, error),
        strip_position(error)
    )
}

/// Declares the keys of a JSON object that a reader acts on; any other key
/// is `Other`. Keys are matched as raw bytes: serde_json hands them over
/// without checking them for UTF-8 first.
macro_rules! json_keys {
    ($(#[$meta:meta])* enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $($key:literal)|+,)* }) => {
        $(#[$meta])*
        enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A key the reader skips.
            Other,
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct KeyVisitor;
                impl serde::de::Visitor<'_> for KeyVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("an object key")
                    }
                    fn visit_bytes<E: serde::de::Error>(self, key: &[u8]) -> Result<$name, E> {
                        Ok(match key {
                            $($($key)|+ => $name::$variant,)*
                            _ => $name::Other,
                        })
                    }
                    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<$name, E> {
                        self.visit_bytes(key.as_bytes())
                    }
                }
                deserializer.deserialize_bytes(KeyVisitor)
            }
        }
    };
}
pub(super) use json_keys;

/// A JSON string as raw bytes (escapes resolved, UTF-8 not yet checked),
/// borrowed from the input when it holds no escapes; `null` reads as empty.
#[derive(Default)]
pub(super) struct RawText<'de>(pub(super) std::borrow::Cow<'de, [u8]>);

impl<'de> Deserialize<'de> for RawText<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = RawText<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(RawText(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(RawText(std::borrow::Cow::Owned(v.to_vec())))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                self.visit_borrowed_bytes(v.as_bytes())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                self.visit_bytes(v.as_bytes())
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RawText::default())
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_bytes(RawVisitor)
            }
        }
        deserializer.deserialize_option(RawVisitor)
    }
}

/// Counts lines incrementally, so positions cost O(n) over a whole file.
#[derive(Default)]
pub(super) struct LineCounter {
    offset: usize,
    line: usize,
    /// Where the line `offset` is on starts: before the bytes given (below
    /// zero) once bytes before it were let go.
    line_start: isize,
}

impl LineCounter {
    /// The 1-based line of byte `offset`; offsets must not decrease.
    pub(super) fn line_of(&mut self, bytes: &[u8], offset: usize) -> usize {
        self.position(bytes, offset).0
    }

    /// The 1-based line and column of byte `offset`; offsets must not
    /// decrease.
    pub(super) fn position(&mut self, bytes: &[u8], offset: usize) -> (usize, usize) {
        let offset = offset.min(bytes.len());
        if offset >= self.offset {
            let (newlines, last) = newlines(&bytes[self.offset..offset]);
            self.line += newlines;
            if let Some(newline) = last {
                self.line_start = (self.offset + newline + 1) as isize;
            }
            self.offset = offset;
        }
        let column = offset as isize - self.line_start + 1;
        (self.line + 1, column.max(1) as usize)
    }

    /// The first `read` of `bytes` are let go: lines are counted up to
    /// there first, and offsets then count from there.
    pub(super) fn let_go(&mut self, bytes: &[u8], read: usize) {
        self.line_of(bytes, read);
        self.offset -= read;
        self.line_start -= read as isize;
    }
}

/// How many newlines `bytes` holds, and where the last one is, a word at
/// a time: every byte of a file read in steps goes through here (a
/// million-span OTLP/JSON file is one 490 MB line). In wasm, which has no
/// vector instructions here, this takes 0.1-0.15 ns a byte where counting
/// byte by byte ([`count_newlines`]) took 0.5 and finding the last newline
/// besides (`memrchr`) 0.19; natively 0.09 against 0.055 + 0.07.
fn newlines(bytes: &[u8]) -> (usize, Option<usize>) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    let mut count = 0;
    let mut last = None;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for (i, word) in words.enumerate() {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes")) ^ NEWLINES;
        // The high bit of each byte that was a newline (is now zero): the
        // low seven bits added to 0x7f carry into the high bit unless all
        // are zero, and no byte carries into the next.
        let zero = !(((x & LOW7) + LOW7) | x) & !LOW7;
        if zero != 0 {
            count += zero.count_ones() as usize;
            last = Some(i * 8 + (63 - zero.leading_zeros() as usize) / 8);
        }
    }
    let base = bytes.len() - tail.len();
    for (i, &b) in tail.iter().enumerate() {
        if b == b'\n' {
            count += 1;
            last = Some(base + i);
        }
    }
    (count, last)
}

/// When to look again for the end of a value still arriving. Each look
/// goes over all of the value that has come, so looks are spaced out as it
/// grows, not made at every part: a value is looked at again only once
/// what has come of it has grown by half, and the looks over a value that
/// arrives in many parts grow with the log of its parts.
#[derive(Default)]
pub(super) struct LookAgain {
    /// Where the value last looked over starts in the input.
    at: usize,
    /// The input's length at which it is looked at again.
    arrived: usize,
}

impl LookAgain {
    /// Whether the value at `at` may be looked over now, with the input
    /// `arrived` so far (any value, once the input is `complete`).
    pub(super) fn may_look(&self, at: usize, arrived: usize, complete: bool) -> bool {
        complete || self.at != at || arrived >= self.arrived
    }

    /// The value at `at` was looked over up to `arrived` without finding
    /// its end.
    pub(super) fn later(&mut self, at: usize, arrived: usize) {
        *self = Self {
            at,
            arrived: arrived + (arrived - at) / 2,
        };
    }

    /// The same once the first `read` bytes of the input are let go.
    pub(super) fn let_go(&mut self, read: usize) {
        self.at = self.at.saturating_sub(read);
        self.arrived = self.arrived.saturating_sub(read);
    }

    /// The value at `at` is looked at again only once the input is
    /// complete.
    pub(super) fn once_complete(&mut self, at: usize) {
        *self = Self {
            at,
            arrived: usize::MAX,
        };
    }
}

/// Counts in chunks small enough for byte-wide counters, which the
/// compiler vectorises (a plain `filter().count()` runs several times slower).
pub(super) fn count_newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|chunk| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(b == b'\n'))))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::{newlines, LineCounter};

    #[test]
    fn newlines_are_counted_and_the_last_found_as_byte_by_byte() {
        // Bytes around the newline's (0x0a) that a word-wide test could
        // mistake for it, at every position of a word and in the tail.
        let alphabet = [
            b'\n',
            b'\n' | 0x80,
            0x0b,
            0x09,
            0x00,
            0xff,
            b'{',
            0x8a,
            0x7f,
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..70 {
            for _ in 0..200 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        alphabet[(state % alphabet.len() as u64) as usize]
                    })
                    .collect();
                let count = bytes.iter().filter(|&&b| b == b'\n').count();
                let last = bytes.iter().rposition(|&b| b == b'\n');
                assert_eq!(newlines(&bytes), (count, last), "{bytes:?}");
            }
        }
    }

    #[test]
    fn positions_count_lines_and_columns_across_bytes_let_go() {
        let text = b"ab\ncd\n\nefgh";
        let mut lines = LineCounter::default();
        assert_eq!(lines.position(text, 1), (1, 2));
        assert_eq!(lines.position(text, 4), (2, 2));
        lines.let_go(text, 8);
        // "fgh" is left, its "f" on line 4, column 2.
        assert_eq!(lines.position(&text[8..], 0), (4, 2));
        assert_eq!(lines.position(&text[8..], 2), (4, 4));
    }
}
