//! Interned strings: span names, services and attribute keys repeat across
//! millions of spans, so each distinct string is stored once.

use rustc_hash::FxHashMap;

/// A handle to an interned string; resolve it with [`Interner::get`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct Sym(pub u32);

/// Stores each distinct string once. `Sym(0)` is always the empty string.
#[derive(Debug, Clone)]
pub struct Interner {
    strings: Vec<Box<str>>,
    /// Keyed by bytes, so text read from input is looked up before it is
    /// checked to be UTF-8 (only new text is checked).
    index: FxHashMap<Box<[u8]>, Sym>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Self {
            strings: Vec::new(),
            index: FxHashMap::default(),
        };
        interner.intern("");
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
        if let Some(&sym) = self.index.get(bytes) {
            return sym;
        }
        let sym = match String::from_utf8_lossy(bytes) {
            std::borrow::Cow::Borrowed(text) => self.insert(text),
            std::borrow::Cow::Owned(text) => match self.index.get(text.as_bytes()) {
                Some(&sym) => sym,
                None => self.insert(&text),
            },
        };
        self.index.insert(bytes.into(), sym);
        sym
    }

    fn insert(&mut self, text: &str) -> Sym {
        let sym = Sym(self.strings.len() as u32);
        self.strings.push(text.into());
        self.index.insert(text.as_bytes().into(), sym);
        sym
    }

    /// The handle of `text`, if it was ever interned.
    /// The distinct strings among `syms`, sorted. A million spans repeat a
    /// few names: a flag per interned string finds them without hashing.
    pub fn distinct(&self, syms: impl IntoIterator<Item = Sym>) -> Vec<&str> {
        let mut seen = vec![false; self.strings.len()];
        for sym in syms {
            if let Some(flag) = seen.get_mut(sym.0 as usize) {
                *flag = true;
            }
        }
        let mut found: Vec<&str> = (0..self.strings.len())
            .filter(|&i| seen[i])
            .map(|i| &*self.strings[i])
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    pub fn lookup(&self, text: &str) -> Option<Sym> {
        self.index.get(text.as_bytes()).copied()
    }

    /// An estimate of the heap it holds: each text is stored twice (by
    /// handle and in the index), plus the index's slots.
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.strings.iter().map(|s| s.len()).sum();
        2 * text
            + self.strings.capacity() * std::mem::size_of::<Box<str>>()
            + self.index.capacity()
                * (std::mem::size_of::<Box<str>>() + std::mem::size_of::<Sym>() + 8)
    }

    /// The text behind a handle made by this interner.
    pub fn get(&self, sym: Sym) -> &str {
        &self.strings[sym.0 as usize]
    }
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
    fn invalid_utf8_is_stored_with_replacement_characters() {
        let mut interner = Interner::default();
        let bad = interner.intern_bytes(b"caf\xe9");
        assert_eq!(interner.get(bad), "caf\u{fffd}");
        assert_eq!(interner.intern("caf\u{fffd}"), bad);
        assert_eq!(interner.intern_bytes(b"caf\xe9"), bad);
    }
}
