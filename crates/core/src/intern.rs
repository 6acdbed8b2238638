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
    index: FxHashMap<Box<str>, Sym>,
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
        if let Some(&sym) = self.index.get(text) {
            return sym;
        }
        let sym = Sym(self.strings.len() as u32);
        self.strings.push(text.into());
        self.index.insert(text.into(), sym);
        sym
    }

    /// The handle of `text`, if it was ever interned.
    pub fn lookup(&self, text: &str) -> Option<Sym> {
        self.index.get(text).copied()
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
}
