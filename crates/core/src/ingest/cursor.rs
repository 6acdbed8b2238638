//! A cursor over JSON bytes that reads the narrow subset exporters
//! write (known keys, strings without escapes, integers), for the readers
//! that go straight from the bytes and hand anything else to serde.

use super::sniff::value_end;

/// The keys of one kind of object, each with what it stands for, in the
/// order exporters write them (the protobuf field order, which the
/// Collector and the SDKs follow); other spellings the seeds also take
/// come last.
pub(crate) type Keys<K> = &'static [(&'static [u8], K)];

/// A position in the input, and the JSON tokens this reader takes.
pub(crate) struct Cursor<'a> {
    pub(crate) bytes: &'a [u8],
    pub(crate) at: usize,
    /// Whether the bytes are the whole input (if not, a value that runs
    /// to their end may go on in bytes still to come).
    pub(crate) complete: bool,
}

impl<'a> Cursor<'a> {
    /// The next byte that is not JSON whitespace (not consumed).
    #[inline]
    pub(crate) fn peek(&mut self) -> Option<u8> {
        // Exporters write no whitespace: one comparison tells a token.
        let &first = self.bytes.get(self.at)?;
        if first > b' ' {
            return Some(first);
        }
        while let Some(&b) = self.bytes.get(self.at) {
            if !is_whitespace(b) {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    #[inline]
    pub(crate) fn eat(&mut self, token: u8) -> Option<()> {
        (self.peek()? == token).then(|| self.at += 1)
    }

    /// The next non-whitespace byte, consumed.
    #[inline]
    pub(crate) fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    /// A string without escapes or control characters: its bytes.
    #[inline]
    pub(crate) fn string(&mut self) -> Option<&'a [u8]> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        let length = string_length(rest)?;
        self.at = start + length + 1;
        Some(&rest[..length])
    }

    /// A string, or `null` (read as empty, as [`RawText`](super::RawText) does).
    #[inline]
    pub(crate) fn text(&mut self) -> Option<&'a [u8]> {
        match self.null()? {
            true => Some(&[]),
            false => self.string(),
        }
    }

    /// Whether the next value is `null` (consumed if so).
    #[inline]
    pub(crate) fn null(&mut self) -> Option<bool> {
        match self.peek()? {
            b'n' => self.literal(b"null").map(|()| true),
            _ => Some(false),
        }
    }

    /// An object key and its colon, as what it stands for in `keys` (or
    /// `other`). Keys come in the order exporters write them (from `next`
    /// on, a key missing now and then): each is first compared with those,
    /// which is cheaper than finding its end.
    #[inline]
    pub(crate) fn key<K: Copy>(&mut self, keys: Keys<K>, other: K, next: &mut usize) -> Option<K> {
        if self.peek()? == b'"' {
            let text = &self.bytes[self.at + 1..];
            for (index, &(known, key)) in keys.iter().enumerate().skip(*next) {
                if text.get(known.len()) == Some(&b'"') && starts_with(text, known) {
                    *next = index + 1;
                    self.at += known.len() + 2;
                    self.eat(b':')?;
                    return Some(key);
                }
            }
        }
        let text = self.string()?;
        self.eat(b':')?;
        let known = keys.iter().find(|(known, _)| *known == text);
        Some(known.map_or(other, |&(_, key)| key))
    }

    #[inline]
    pub(crate) fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.peek()?;
        let found = self.bytes.get(self.at..self.at + word.len())? == word;
        found.then(|| self.at += word.len())?;
        self.delimited()
    }

    /// A scalar must end at a delimiter (`1x` is not a number).
    #[inline]
    pub(crate) fn delimited(&self) -> Option<()> {
        match self.bytes.get(self.at) {
            None => Some(()),
            Some(&b) => (matches!(b, b',' | b'}' | b']') || is_whitespace(b)).then_some(()),
        }
    }

    /// JSON integer digits (no sign, no leading zeros, no fraction).
    #[inline]
    pub(crate) fn digits(&mut self) -> Option<u64> {
        let rest = self.bytes.get(self.at..)?;
        let (value, length) = decimal(rest)?;
        if length > 1 && rest[0] == b'0' {
            return None;
        }
        self.at += length;
        Some(value)
    }

    /// An unsigned integer as a JSON number or a string of digits, as
    /// [`U64Value`](super::U64Value) reads it.
    #[inline]
    pub(crate) fn unsigned(&mut self) -> Option<u64> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let value = self.digits_in_string()?;
                (self.bytes.get(self.at) == Some(&b'"')).then(|| self.at += 1)?;
                Some(value)
            }
            _ => {
                let value = self.digits()?;
                self.delimited()?;
                Some(value)
            }
        }
    }

    /// Digits inside a string, where leading zeros are allowed.
    #[inline]
    pub(crate) fn digits_in_string(&mut self) -> Option<u64> {
        let (value, length) = decimal(&self.bytes[self.at..])?;
        self.at += length;
        Some(value)
    }

    /// A signed integer as a JSON number or a string, as
    /// [`I64Value`](super::I64Value) reads it.
    #[inline]
    pub(crate) fn signed(&mut self) -> Option<i64> {
        let quoted = self.peek()? == b'"';
        let text = match quoted {
            true => self.string()?,
            // Negative numbers are rare here: the seeds read them.
            false => {
                let start = self.at;
                self.digits()?;
                self.delimited()?;
                &self.bytes[start..self.at]
            }
        };
        let (negative, digits) = match text.split_first() {
            Some((b'-', rest)) => (true, rest),
            _ => (false, text),
        };
        let (magnitude, length) = decimal(digits)?;
        (length == digits.len()).then_some(())?;
        match negative {
            true => 0i64.checked_sub_unsigned(magnitude),
            false => i64::try_from(magnitude).ok(),
        }
    }

    /// A double as a JSON number or a string holding one, as
    /// [`F64Value`](super::json_syntax::F64Value) reads it: by serde_json
    /// itself, so that both readers give the same bits (a generator's
    /// `doubleValue` sent every element to the seeds, whole).
    pub(crate) fn double(&mut self) -> Option<f64> {
        let start = self.at;
        match self.peek()? {
            b'"' => {
                let text = std::str::from_utf8(self.string()?).ok()?;
                text.trim().parse().ok()
            }
            _ => {
                let length = self.bytes[start..]
                    .iter()
                    .position(|b| !matches!(b, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(self.bytes.len() - start);
                self.at = start + length;
                self.delimited()?;
                serde_json::from_slice::<super::json_syntax::F64Value>(&self.bytes[start..self.at])
                    .ok()
                    .map(|value| value.0)
            }
        }
    }

    /// Calls `each` for every member of an object (after its `{`) with its
    /// key as [`Cursor::key`] reads it.
    #[inline]
    pub(crate) fn members<K: Copy>(
        &mut self,
        (keys, other): (Keys<K>, K),
        mut each: impl FnMut(&mut Self, K) -> Option<()>,
    ) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        let mut next = 0;
        loop {
            let key = self.key(keys, other, &mut next)?;
            each(self, key)?;
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// Calls `each` at every element of an array (after its `[`).
    #[inline]
    pub(crate) fn elements(&mut self, mut each: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            each(self)?;
            match self.next()? {
                b',' => continue,
                b']' => return Some(()),
                _ => return None,
            }
        }
    }

    /// The bytes of the next value, whatever it holds, for the seeds.
    #[inline]
    pub(crate) fn raw_value(&mut self) -> Option<&'a [u8]> {
        self.peek()?;
        let start = self.at;
        let end = value_end(self.bytes, start)?;
        (end < self.bytes.len() || self.complete).then_some(())?;
        self.at = end;
        Some(&self.bytes[start..end])
    }
}

/// What JSON counts as whitespace (not form feeds, as ASCII does).
#[inline]
pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

/// The value and length of the decimal digits `text` starts with (at
/// least one), or `None` on overflow. Nanosecond times have 19 digits, so
/// eight are read at a time.
///
/// Nineteen digits never overflow a `u64`: up to there the arithmetic is
/// plain (in WebAssembly an overflow check on a 64-bit multiply is a call
/// to a 128-bit multiply), and only a longer run is read again, checked.
#[inline]
pub(crate) fn decimal(text: &[u8]) -> Option<(u64, usize)> {
    const ZEROS: u64 = 0x3030_3030_3030_3030;
    let mut value = 0u64;
    let mut at = 0;
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        // All eight are digits: high nibbles 3, and no low nibble above 9.
        let all_digits = word & 0xf0f0_f0f0_f0f0_f0f0 == ZEROS
            && (word.wrapping_add(0x0606_0606_0606_0606) & 0xf0f0_f0f0_f0f0_f0f0) == ZEROS;
        if !all_digits {
            break;
        }
        value = value
            .wrapping_mul(100_000_000)
            .wrapping_add(eight_digits(word - ZEROS));
        at += 8;
    }
    while let Some(&b) = text.get(at).filter(|b| b.is_ascii_digit()) {
        value = value.wrapping_mul(10).wrapping_add(u64::from(b - b'0'));
        at += 1;
    }
    match at {
        0 => None,
        1..=19 => Some((value, at)),
        _ => checked_decimal(&text[..at]).map(|value| (value, at)),
    }
}

/// The value of the decimal digits `digits`, or `None` on overflow.
#[cold]
fn checked_decimal(digits: &[u8]) -> Option<u64> {
    digits.iter().try_fold(0u64, |value, &b| {
        value.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// Eight digit values, one per byte (the first in the lowest), as a number.
#[inline]
pub(crate) fn eight_digits(word: u64) -> u64 {
    // Pairs, then quadruples, then all eight, each step in every lane.
    let pairs = (word * 10 + (word >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = (pairs * 100 + (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    (quads * 10_000 + (quads >> 32)) & 0xffff_ffff
}

/// The length of a string's text up to its closing quote, or `None` when
/// a backslash or a control character comes first (or the input ends).
/// Eight bytes at a time: long values (statements, URLs) are common.
#[inline]
pub(crate) fn string_length(text: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |word: u64| word.wrapping_sub(ONES) & !word & HIGHS;
    let mut at = 0;
    while let Some(chunk) = text.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let special = has_zero(word ^ (ONES * u64::from(b'"')))
            | has_zero(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS);
        if special != 0 {
            // The lowest flagged byte is the first special one (flags
            // above it may be false, below it never are).
            let length = at + special.trailing_zeros() as usize / 8;
            return (text[length] == b'"').then_some(length);
        }
        at += 8;
    }
    let length = at
        + text[at..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    (text[length] == b'"').then_some(length)
}

/// `text` starts with `known`, an object key: short, so compared a word at
/// a time (the last word overlapping) rather than by a call to `memcmp`.
#[inline]
pub(crate) fn starts_with(text: &[u8], known: &[u8]) -> bool {
    let length = known.len();
    if text.len() < length {
        return false;
    }
    if length < 8 {
        return text.iter().zip(known).all(|(a, b)| a == b);
    }
    let word = |bytes: &[u8], at: usize| {
        u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
    };
    let whole = (0..length / 8).all(|i| word(text, 8 * i) == word(known, 8 * i));
    whole && word(text, length - 8) == word(known, length - 8)
}

#[cfg(test)]
mod tests {
    use super::{decimal, starts_with, string_length};

    #[test]
    fn a_string_ends_at_its_first_quote_unless_an_escape_or_control_comes_first() {
        for length in 0..20 {
            let text = "a".repeat(length);
            assert_eq!(
                string_length(format!("{text}\"x\"").as_bytes()),
                Some(length)
            );
            assert_eq!(string_length(format!("{text}\\\"\"").as_bytes()), None);
            assert_eq!(string_length(format!("{text}\n\"").as_bytes()), None);
            // Bytes above a special one (where the word trick may misfire).
            assert_eq!(
                string_length(format!("{text}\"\u{1}\\ ").as_bytes()),
                Some(length)
            );
            assert_eq!(string_length(text.as_bytes()), None);
        }
        assert_eq!(string_length("é\"".as_bytes()), Some(2));
        assert_eq!(string_length(b"\x1f\""), None);
        assert_eq!(string_length(b" !#[]~\x7f\""), Some(7));
    }

    #[test]
    fn keys_are_compared_whole() {
        assert!(starts_with(b"traceId\":", b"traceId"));
        assert!(starts_with(b"startTimeUnixNano\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"startTimeUnixNanx\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"xtartTimeUnixNano\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"startTimeXnixNano\"", b"startTimeUnixNano"));
        assert!(!starts_with(b"trace", b"traceId"));
        assert!(starts_with(b"", b""));
    }

    #[test]
    fn decimals_are_read_eight_digits_at_a_time_and_checked_for_overflow() {
        assert_eq!(decimal(b"0"), Some((0, 1)));
        assert_eq!(decimal(b"12345678\""), Some((12_345_678, 8)));
        assert_eq!(
            decimal(b"1741977000123456789\""),
            Some((1_741_977_000_123_456_789, 19))
        );
        assert_eq!(decimal(b"18446744073709551615"), Some((u64::MAX, 20)));
        assert_eq!(decimal(b"18446744073709551616"), None);
        assert_eq!(
            decimal(b"9999999999999999999,"),
            Some((9_999_999_999_999_999_999, 19))
        );
        assert_eq!(decimal(b"99999999999999999999"), None);
        // Leading zeros (inside a string) past twenty digits are no overflow.
        assert_eq!(decimal(b"0000000000000000000000042\""), Some((42, 25)));
        assert_eq!(decimal(b"1000000000000000000000000"), None);
        assert_eq!(decimal(b"1234567:9"), Some((1_234_567, 7)));
        assert_eq!(decimal(b"12345678/1"), Some((12_345_678, 8)));
        assert_eq!(decimal(b"x1"), None);
    }
}
