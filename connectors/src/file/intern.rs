//! Per-read interning of short strings: a column such as `gt` or `Device` repeats a few
//! values millions of times, so each distinct text is allocated once and shared.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Strings longer than this are not worth a lookup.
const MAX_LEN: usize = 48;
/// The cache stops growing here, so high-cardinality columns cost no more than plain copies.
const MAX_ENTRIES: usize = 16 * 1024;

/// The Fx hash (rustc's): a multiply-rotate over words, fast on short keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes(c.try_into().expect("chunk of 8"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
        }
        let mut tail = 0u64;
        for (i, b) in chunks.remainder().iter().enumerate() {
            tail |= (*b as u64) << (8 * i);
        }
        self.0 = (self.0.rotate_left(5) ^ tail).wrapping_mul(K);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Maps the bytes of short, already validated strings to shared `Arc<str>`s.
#[derive(Default)]
pub(crate) struct Interner {
    map: HashMap<Box<[u8]>, Arc<str>, BuildHasherDefault<FxHasher>>,
}

impl Interner {
    /// The shared string for `bytes`, if seen before.
    #[inline]
    pub fn get(&self, bytes: &[u8]) -> Option<Arc<str>> {
        if bytes.len() > MAX_LEN {
            return None;
        }
        self.map.get(bytes).cloned()
    }

    /// Makes a string from valid UTF-8 and remembers it if it is short.
    #[inline]
    pub fn make(&mut self, s: &str) -> Arc<str> {
        let a: Arc<str> = Arc::from(s);
        if s.len() <= MAX_LEN && self.map.len() < MAX_ENTRIES {
            self.map.insert(s.as_bytes().into(), a.clone());
        }
        a
    }

    /// The string for `bytes`, replacing invalid UTF-8 as Spark's text decoding does.
    pub fn lossy(&mut self, bytes: &[u8]) -> Arc<str> {
        if let Some(a) = self.get(bytes) {
            return a;
        }
        match std::str::from_utf8(bytes) {
            Ok(s) => self.make(s),
            Err(_) => Arc::from(String::from_utf8_lossy(bytes).as_ref()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_short_strings_share_one_allocation() {
        let mut i = Interner::default();
        let a = i.lossy(b"walk");
        let b = i.lossy(b"walk");
        assert!(Arc::ptr_eq(&a, &b));
        let long = "x".repeat(100);
        assert!(!Arc::ptr_eq(&i.lossy(long.as_bytes()), &i.lossy(long.as_bytes())));
        assert_eq!(&*i.lossy(b"a\xffb"), "a\u{fffd}b");
    }
}
