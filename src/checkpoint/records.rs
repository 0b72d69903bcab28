//! The body of a state file: per stateful operator, its entries as records sorted by key
//! bytes, so a snapshot and the deltas after it fold into the next snapshot by one merge
//! pass over borrowed bytes (no decoding, no allocation per entry).
//!
//! ```text
//! body   := stores:u32, then per store: count:u64, count records
//! record := key_len:u32, key, tag:u8 (1 written, 0 removed), [value_len:u32, value]
//! ```
//! Integers are little-endian. Keys are unique within a store.

use sluice_operators::StoreChanges;
use std::collections::BTreeMap;

/// One entry, borrowed from a body: a key written (`Some(value)`) or removed (`None`).
pub type Entry<'a> = (&'a [u8], Option<&'a [u8]>);

/// Encodes stores' entries, each store's sorted by key.
pub fn encode(stores: &[StoreChanges]) -> Vec<u8> {
    let size: usize =
        stores.iter().flatten().map(|(k, v)| 9 + k.len() + v.as_ref().map_or(0, |v| v.len() + 4)).sum();
    let mut out = Vec::with_capacity(4 + 8 * stores.len() + size);
    out.extend_from_slice(&(stores.len() as u32).to_le_bytes());
    for store in stores {
        let mut sorted: Vec<Entry> = store.iter().map(|(k, v)| (k.as_slice(), v.as_deref())).collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        put_store(&mut out, sorted.len(), sorted.into_iter());
    }
    out
}

fn put_store<'a>(out: &mut Vec<u8>, count: usize, entries: impl Iterator<Item = Entry<'a>>) {
    out.extend_from_slice(&(count as u64).to_le_bytes());
    for (key, value) in entries {
        out.extend_from_slice(&(key.len() as u32).to_le_bytes());
        out.extend_from_slice(key);
        match value {
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&(v.len() as u32).to_le_bytes());
                out.extend_from_slice(v);
            }
            None => out.push(0),
        }
    }
}

/// Reads a body into each store's entries, borrowed; the error says what is wrong.
pub fn parse(body: &[u8]) -> Result<Vec<Vec<Entry<'_>>>, String> {
    let mut r = Reader { bytes: body, at: 0 };
    let stores = r.u32()? as usize;
    let mut out = Vec::with_capacity(stores.min(1024));
    for _ in 0..stores {
        let count = r.u64()? as usize;
        let mut entries = Vec::with_capacity(count.min(body.len() / 6 + 1));
        for _ in 0..count {
            let key_len = r.u32()? as usize;
            let key = r.take(key_len)?;
            let value = match r.take(1)?[0] {
                1 => {
                    let len = r.u32()? as usize;
                    Some(r.take(len)?)
                }
                0 => None,
                t => return Err(format!("bad entry tag {t} at byte {}", r.at - 1)),
            };
            entries.push((key, value));
        }
        out.push(entries);
    }
    if r.at != body.len() {
        return Err(format!("{} bytes after the last entry", body.len() - r.at));
    }
    Ok(out)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| {
            format!("ends inside an entry (byte {} of {})", self.bytes.len(), self.at.saturating_add(n))
        })?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes")))
    }
}

/// Folds deltas (oldest first) into a snapshot's stores, writing the new snapshot's body:
/// one merge of the sorted snapshot with the deltas' keys (the latest change of each).
pub fn fold(snapshot: &[Vec<Entry<'_>>], deltas: &[Vec<Vec<Entry<'_>>>]) -> Vec<u8> {
    let size: usize =
        snapshot.iter().flatten().map(|(k, v)| 9 + k.len() + v.map_or(0, |v| v.len() + 4)).sum();
    let mut out = Vec::with_capacity(4 + 8 * snapshot.len() + size + size / 8);
    out.extend_from_slice(&(snapshot.len() as u32).to_le_bytes());
    for (i, base) in snapshot.iter().enumerate() {
        let mut changes: BTreeMap<&[u8], Option<&[u8]>> = BTreeMap::new();
        for delta in deltas {
            for &(k, v) in &delta[i] {
                changes.insert(k, v);
            }
        }
        let mut merged: Vec<Entry> = Vec::with_capacity(base.len() + changes.len());
        let mut base = base.iter().copied().filter(|(_, v)| v.is_some()).peekable();
        let mut changes = changes.into_iter().peekable();
        loop {
            let take_base = match (base.peek(), changes.peek()) {
                (None, None) => break,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (Some(b), Some(c)) => b.0 < c.0,
            };
            if take_base {
                merged.extend(base.next());
                continue;
            }
            let (key, value) = changes.next().expect("peeked");
            if base.peek().is_some_and(|b| b.0 == key) {
                base.next();
            }
            if value.is_some() {
                merged.push((key, value));
            }
        }
        put_store(&mut out, merged.len(), merged.into_iter());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(stores: &[Vec<Entry>]) -> Vec<StoreChanges> {
        stores.iter().map(|s| s.iter().map(|(k, v)| (k.to_vec(), v.map(<[u8]>::to_vec))).collect()).collect()
    }

    #[test]
    fn encode_sorts_and_parse_reads_back() {
        let stores: Vec<StoreChanges> =
            vec![vec![(b"b".to_vec(), Some(b"2".to_vec())), (b"a".to_vec(), None)], vec![]];
        let body = encode(&stores);
        let parsed = parse(&body).unwrap();
        assert_eq!(
            owned(&parsed),
            vec![vec![(b"a".to_vec(), None), (b"b".to_vec(), Some(b"2".to_vec()))], vec![]]
        );
        assert!(parse(&body[..body.len() - 1]).unwrap_err().contains("ends inside an entry"));
    }

    #[test]
    fn fold_applies_the_latest_change_of_each_key() {
        let snapshot = encode(&[vec![
            (b"a".to_vec(), Some(b"1".to_vec())),
            (b"c".to_vec(), Some(b"3".to_vec())),
            (b"e".to_vec(), Some(b"5".to_vec())),
        ]]);
        let d1 = encode(&[vec![(b"c".to_vec(), None), (b"b".to_vec(), Some(b"2".to_vec()))]]);
        let d2 = encode(&[vec![
            (b"c".to_vec(), Some(b"33".to_vec())),
            (b"e".to_vec(), None),
            (b"f".to_vec(), None),
        ]]);
        let (s, d1, d2) = (parse(&snapshot).unwrap(), parse(&d1).unwrap(), parse(&d2).unwrap());
        let folded = fold(&s, &[d1, d2]);
        assert_eq!(
            owned(&parse(&folded).unwrap()),
            vec![vec![
                (b"a".to_vec(), Some(b"1".to_vec())),
                (b"b".to_vec(), Some(b"2".to_vec())),
                (b"c".to_vec(), Some(b"33".to_vec())),
            ]]
        );
    }
}
