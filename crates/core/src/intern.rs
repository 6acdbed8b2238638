//! Interned strings: span names, services and attribute keys repeat across
//! millions of spans, so each distinct string is stored once.

use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::{FxHashMap, FxHasher};

/// A handle to an interned string; resolve it with [`Interner::get`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct Sym(pub u32);

/// Stores each distinct string once. `Sym(0)` is always the empty string.
#[derive(Debug, Clone)]
pub struct Interner {
    strings: Vec<Box<str>>,
    /// Each text's handle with the hash of its bytes, so text read from
    /// input is looked up before it is checked to be UTF-8 (only new text
    /// is checked), and texts are compared only where hashes match. It
    /// grows a few entries at a time ([`Index`]): at a million distinct
    /// texts (Zipkin's tags are all text) growing at once held a step for
    /// 80-160 ms natively. The texts are not stored a second time.
    index: Index,
    /// Bytes that are not UTF-8, by the handle of their text with
    /// replacement characters.
    aliases: FxHashMap<Box<[u8]>, Sym>,
    /// The last text found for each cheap hash of a text's length and
    /// ends, with those ends (see [`Ends`]): a text repeats span after
    /// span, and comparing two words costs less than hashing all of it and
    /// probing the index.
    recent: Box<[Recent; RECENT]>,
}

const RECENT: usize = 512;

/// A text as [`Interner::recent`] knows it: its length and its first and
/// last eight bytes (a text under eight bytes, all of them in `head`).
/// Up to 16 bytes these are the whole text, so equal ends are equal texts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Ends {
    length: usize,
    head: u64,
    tail: u64,
}

impl Ends {
    fn of(bytes: &[u8]) -> Self {
        let length = bytes.len();
        let word =
            |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        let (head, tail) = match length {
            8.. => (word(0), word(length - 8)),
            _ => (
                bytes.iter().fold(0, |head, &b| (head << 8) | u64::from(b)),
                0,
            ),
        };
        Self { length, head, tail }
    }

    /// Its slot in [`Interner::recent`].
    fn slot(&self) -> usize {
        let ends = self.head ^ self.tail.rotate_left(29) ^ self.length as u64;
        (ends.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 55) as usize % RECENT
    }
}

/// An entry of [`Interner::recent`]: the handle of the text with `ends`.
/// The empty text is `Sym(0)`, so the default entry is a true one.
#[derive(Clone, Copy, Debug, Default)]
struct Recent {
    ends: Ends,
    sym: Sym,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Self {
            strings: Vec::new(),
            index: Index::default(),
            aliases: FxHashMap::default(),
            recent: Box::new([Recent::default(); RECENT]),
        };
        interner.insert("");
        interner
    }
}

impl Interner {
    /// Returns the handle of `text`, storing it if it is new.
    pub fn intern(&mut self, text: &str) -> Sym {
        self.intern_bytes(text.as_bytes())
    }

    /// Returns the handle of `bytes` as text; bytes that are not UTF-8 are
    /// stored with U+FFFD in place of each invalid sequence.
    pub fn intern_bytes(&mut self, bytes: &[u8]) -> Sym {
        let ends = Ends::of(bytes);
        let slot = ends.slot();
        let recent = self.recent[slot];
        // Past 16 bytes the ends leave out the middle: the texts are
        // compared (a text read with replacement characters never matches
        // its bytes, and goes to the index).
        if recent.ends == ends
            && (ends.length <= 16 || self.strings[recent.sym.0 as usize].as_bytes() == bytes)
        {
            return recent.sym;
        }
        let sym = self.intern_new(bytes);
        self.recent[slot] = Recent { ends, sym };
        sym
    }

    /// [`Interner::intern_bytes`] past its cache.
    fn intern_new(&mut self, bytes: &[u8]) -> Sym {
        // Hashed once: looked up, then added under the same hash.
        let hash = hash(bytes);
        if let Some(sym) = self.find_hashed(bytes, hash) {
            return sym;
        }
        match String::from_utf8_lossy(bytes) {
            std::borrow::Cow::Borrowed(text) => self.insert_hashed(text, hash),
            std::borrow::Cow::Owned(text) => {
                let sym = self
                    .find(text.as_bytes())
                    .unwrap_or_else(|| self.insert(&text));
                self.aliases.insert(bytes.into(), sym);
                sym
            }
        }
    }

    /// The handle of `bytes`, if they were interned.
    fn find(&self, bytes: &[u8]) -> Option<Sym> {
        self.find_hashed(bytes, hash(bytes))
    }

    /// [`Interner::find`], given the hash of `bytes`.
    fn find_hashed(&self, bytes: &[u8], hash: u64) -> Option<Sym> {
        match self.index.find(&self.strings, bytes, hash) {
            Some(sym) => Some(sym),
            None if self.aliases.is_empty() => None,
            None => self.aliases.get(bytes).copied(),
        }
    }

    fn insert(&mut self, text: &str) -> Sym {
        self.insert_hashed(text, hash(text.as_bytes()))
    }

    /// [`Interner::insert`], given the hash of `text`.
    fn insert_hashed(&mut self, text: &str, hash: u64) -> Sym {
        let sym = Sym(self.strings.len() as u32);
        self.strings.push(text.into());
        self.index.insert(&self.strings, sym, hash);
        sym
    }

    /// The distinct strings among `syms`, sorted. A million spans repeat a
    /// few names: a flag per interned string finds them without hashing.
    pub fn distinct(&self, syms: impl IntoIterator<Item = Sym>) -> Vec<&str> {
        let mut seen = vec![false; self.strings.len()];
        for sym in syms {
            if let Some(flag) = seen.get_mut(sym.0 as usize) {
                *flag = true;
            }
        }
        self.flagged(&seen)
    }

    /// The strings whose flag is set in `seen` (indexed by handle), sorted.
    pub fn flagged(&self, seen: &[bool]) -> Vec<&str> {
        let mut found: Vec<&str> = (0..self.strings.len().min(seen.len()))
            .filter(|&i| seen[i])
            .map(|i| &*self.strings[i])
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// How many strings are interned (handles run from 0 to this).
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// Whether no string is interned.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The handle of `text`, if it was ever interned.
    pub fn lookup(&self, text: &str) -> Option<Sym> {
        self.find(text.as_bytes())
    }

    /// An estimate of the heap it holds: each text once, its handle's
    /// slot, and the index's slots.
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.strings.iter().map(|s| s.len()).sum();
        text + self.strings.capacity() * std::mem::size_of::<Box<str>>()
            + self.index.capacity() * (std::mem::size_of::<(u64, Sym)>() + 1)
            + (self.aliases.keys())
                .map(|bytes| bytes.len() + std::mem::size_of::<(Box<[u8]>, Sym)>() + 1)
                .sum::<usize>()
            + std::mem::size_of_val(&*self.recent)
    }

    /// The text behind a handle made by this interner.
    pub fn get(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }
}

/// The texts' handles by hash, grown a few entries at a time: when the
/// table is full, a table twice its size takes the new texts and two of
/// the old table's a text, until the old one is empty and is dropped. (A
/// hash table that grows at once moves every entry in one call: at a
/// million distinct texts 25-50 ms natively, twice that in the browser.)
#[derive(Clone, Debug, Default)]
struct Index {
    table: HashTable<(u64, Sym)>,
    /// The table before the last growth, while its texts move over, and
    /// the next handle to move.
    old: Option<(HashTable<(u64, Sym)>, u32)>,
}

impl Index {
    /// The handle of `bytes`, whose hash is `hash`.
    fn find(&self, strings: &[Box<str>], bytes: &[u8], hash: u64) -> Option<Sym> {
        let is = |&(h, sym): &(u64, Sym)| h == hash && strings[sym.0 as usize].as_bytes() == bytes;
        let found = self.table.find(hash, is);
        let found = found.or_else(|| self.old.as_ref()?.0.find(hash, is));
        found.map(|&(_, sym)| sym)
    }

    /// Adds `sym`, the last of `strings`, whose text's hash is `hash`.
    /// The texts moved from the old table are hashed again (only their
    /// handles are in order, and their hashes are found by text).
    fn insert(&mut self, strings: &[Box<str>], sym: Sym, hash: u64) {
        if self.table.len() == self.table.capacity() {
            let room = (2 * self.table.capacity()).max(64);
            let full = std::mem::replace(&mut self.table, HashTable::with_capacity(room));
            // The table before is empty by now: it moved two a text.
            self.old = Some((full, 0));
        }
        self.add(hash, sym);
        // The handles in the old table are those below its length.
        for _ in 0..2 {
            let Some((old, next)) = &mut self.old else {
                break;
            };
            if *next as usize == old.len() {
                self.old = None;
                break;
            }
            let moving = Sym(*next);
            *next += 1;
            self.add(self::hash(strings[moving.0 as usize].as_bytes()), moving);
        }
    }

    fn add(&mut self, hash: u64, sym: Sym) {
        self.table.insert_unique(hash, (hash, sym), |&(h, _)| h);
    }

    fn capacity(&self) -> usize {
        self.table.capacity() + self.old.as_ref().map_or(0, |(old, _)| old.capacity())
    }
}

/// The index's hash of a text's bytes.
fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_handle() {
        let mut interner = Interner::default();
        let a = interner.intern("compress");
        let b = interner.intern("upload");
        assert_eq!(interner.intern("compress"), a);
        assert_ne!(a, b);
        assert_eq!(interner.get(b), "upload");
        assert_eq!(interner.get(Sym(0)), "");
    }

    #[test]
    fn texts_that_share_a_recent_slot_keep_their_own_handles() {
        let mut interner = Interner::default();
        // More texts than slots, of every length around the eight-byte words.
        let texts: Vec<String> = (0..2000)
            .map(|i| "x".repeat(i % 20) + &i.to_string())
            .collect();
        let first: Vec<Sym> = texts.iter().map(|t| interner.intern(t)).collect();
        for _ in 0..2 {
            for (text, &sym) in texts.iter().zip(&first).rev() {
                assert_eq!(interner.intern(text), sym);
                assert_eq!(interner.get(sym), text);
            }
        }
        assert_eq!(interner.intern(""), Sym(0));
    }

    #[test]
    fn texts_that_differ_in_one_byte_anywhere_have_their_own_handles() {
        let mut interner = Interner::default();
        for _ in 0..2 {
            let mut seen = std::collections::HashSet::new();
            for length in 1..=40 {
                for at in 0..length {
                    let mut text = vec![b'a'; length];
                    text[at] = b'b';
                    let sym = interner.intern_bytes(&text);
                    assert_eq!(interner.get(sym).as_bytes(), text);
                    assert!(seen.insert(sym), "{length} {at}");
                }
            }
        }
    }

    /// Through every growth of the index, each text is found under its
    /// own handle, whether it has moved to the new table yet or not.
    #[test]
    fn texts_keep_their_handles_while_the_index_grows() {
        let mut interner = Interner::default();
        let mut syms = Vec::new();
        for i in 0..200_000u32 {
            let text = format!("value-{i}");
            syms.push(interner.intern(&text));
            // Texts from before the last growth, moved or not.
            let back = i / 3;
            assert_eq!(
                interner.lookup(&format!("value-{back}")),
                Some(syms[back as usize])
            );
        }
        for (i, &sym) in syms.iter().enumerate() {
            assert_eq!(interner.intern(&format!("value-{i}")), sym);
            assert_eq!(interner.get(sym), format!("value-{i}"));
        }
        assert_eq!(interner.len(), 200_001);
        assert_eq!(interner.lookup("value-200000"), None);
    }

    #[test]
    fn invalid_utf8_is_stored_with_replacement_characters() {
        let mut interner = Interner::default();
        let bad = interner.intern_bytes(b"caf\xe9");
        assert_eq!(interner.get(bad), "caf\u{fffd}");
        assert_eq!(interner.intern("caf\u{fffd}"), bad);
        assert_eq!(interner.intern_bytes(b"caf\xe9"), bad);
    }
}
