//! Operator state as a keyed store, the shape every checkpoint saves it in: entries
//! `key -> value` of the operator's own serde types, changed by upserts and deletes.
//!
//! A checkpoint writes, after each batch, only the entries an operator changed
//! ([`KeyedState::changes`]); a restart loads a snapshot's entries and then each delta's,
//! in order ([`KeyedState::restore`]). The bytes are opaque to the checkpoint, which can
//! therefore merge deltas into snapshots without knowing any operator. [`KeyedStore`]
//! gives an operator all of this over a `HashMap` that records the keys it touches.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sluice_core::{Result, SluiceError};
use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// Receives one encoded entry: `(key, Some(value))` is an upsert, `(key, None)` a delete.
pub type EntrySink<'a> = dyn FnMut(&[u8], Option<&[u8]>) -> Result<()> + 'a;

/// A stateful operator's state, as a checkpoint sees it: a keyed store of encoded entries.
pub trait KeyedState {
    /// Reports each entry changed since the last call (its current value, or a delete when
    /// it is gone) and forgets the changes.
    fn changes(&mut self, out: &mut EntrySink<'_>) -> Result<()>;
    /// Reports every entry (a full snapshot), values only.
    fn entries(&self, out: &mut EntrySink<'_>) -> Result<()>;
    /// Empties the state (before a restore, or a retry of one).
    fn clear(&mut self);
    /// Applies one restored entry: snapshot entries first, then each delta's in order.
    fn restore(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<()>;
    /// Called after the last restored entry, to rebuild what is derived from the entries.
    fn restored(&mut self) -> Result<()>;
    /// Loads this operator's state as the first checkpoint format saved it (one bincode
    /// blob per operator), leaving no pending changes.
    fn load_v1(&mut self, bytes: &[u8]) -> Result<()>;
}

/// Encodes a key or value of a keyed store.
pub fn encode<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<Vec<u8>> {
    bincode::serialize(value).map_err(|e| SluiceError::exec(format!("cannot encode {what}: {e}")))
}

/// Decodes what [`encode`] wrote.
pub fn decode<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T> {
    bincode::deserialize(bytes).map_err(|e| SluiceError::exec(format!("cannot decode {what}: {e}")))
}

/// A `HashMap` that remembers which keys were written or removed since the checkpoint
/// last took its changes. `what` names the state in errors.
///
/// Keys are recorded only once a checkpoint asked for changes (or restored the store):
/// before that the first `changes` reports every entry, and a query without a checkpoint
/// pays nothing.
pub struct KeyedStore<K, V> {
    what: &'static str,
    map: HashMap<K, V>,
    touched: Option<HashSet<K>>,
}

impl<K: Hash + Eq + Clone, V> KeyedStore<K, V> {
    /// An empty store of `what` (e.g. "aggregation state").
    pub fn new(what: &'static str) -> Self {
        KeyedStore { what, map: HashMap::new(), touched: None }
    }

    fn touch(&mut self, key: &K) {
        if let Some(t) = &mut self.touched {
            if !t.contains(key) {
                t.insert(key.clone());
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    /// The value of `key`, to change in place (the key counts as changed).
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        if self.map.contains_key(key) {
            self.touch(key);
        }
        self.map.get_mut(key)
    }

    /// The value of `key`, inserted by `make` when absent (the key counts as changed).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        self.touch(&key);
        self.map.entry(key).or_insert_with(make)
    }

    /// Sets `key` to `value`; returns the old value.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.touch(&key);
        self.map.insert(key, value)
    }

    /// Removes `key`; returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let v = self.map.remove(key)?;
        self.touch(key);
        Some(v)
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every entry, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.map.iter()
    }
}

impl<K, V> KeyedState for KeyedStore<K, V>
where
    K: Hash + Eq + Clone + Serialize + DeserializeOwned,
    V: Serialize + DeserializeOwned,
{
    fn changes(&mut self, out: &mut EntrySink<'_>) -> Result<()> {
        let Some(touched) = self.touched.replace(HashSet::new()) else {
            // Not tracked yet: everything held is new to the checkpoint.
            return self.entries(out);
        };
        for key in touched {
            let k = encode(self.what, &key)?;
            match self.map.get(&key) {
                Some(v) => out(&k, Some(&encode(self.what, v)?))?,
                None => out(&k, None)?,
            }
        }
        Ok(())
    }

    fn entries(&self, out: &mut EntrySink<'_>) -> Result<()> {
        for (k, v) in &self.map {
            out(&encode(self.what, k)?, Some(&encode(self.what, v)?))?;
        }
        Ok(())
    }

    fn clear(&mut self) {
        self.map.clear();
        self.touched = None;
    }

    fn restore(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let k: K = decode(self.what, key)?;
        match value {
            Some(v) => {
                self.map.insert(k, decode(self.what, v)?);
            }
            None => {
                self.map.remove(&k);
            }
        }
        Ok(())
    }

    fn restored(&mut self) -> Result<()> {
        self.touched = Some(HashSet::new());
        Ok(())
    }

    fn load_v1(&mut self, bytes: &[u8]) -> Result<()> {
        self.map = decode(self.what, bytes)?;
        self.restored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn changes(s: &mut KeyedStore<String, i64>) -> BTreeMap<String, Option<i64>> {
        let mut out = BTreeMap::new();
        s.changes(&mut |k, v| {
            out.insert(decode("k", k)?, v.map(|v| decode("v", v)).transpose()?);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn changes_hold_only_touched_keys_and_replay_to_the_same_state() {
        let mut s = KeyedStore::new("test");
        for i in 0..100 {
            s.insert(format!("k{i}"), i);
        }
        assert_eq!(changes(&mut s).len(), 100);
        *s.get_mut(&"k1".to_string()).unwrap() += 10;
        s.remove(&"k2".to_string());
        s.insert("k2".into(), 7);
        s.remove(&"k3".to_string());
        s.remove(&"absent".to_string());
        let delta = changes(&mut s);
        assert_eq!(
            delta,
            BTreeMap::from([("k1".into(), Some(11)), ("k2".into(), Some(7)), ("k3".into(), None)])
        );
        assert!(changes(&mut s).is_empty(), "changes are taken once");

        // A snapshot's entries then a delta rebuild the same map.
        let mut snapshot = Vec::new();
        s.entries(&mut |k, v| {
            snapshot.push((k.to_vec(), v.map(<[u8]>::to_vec)));
            Ok(())
        })
        .unwrap();
        s.remove(&"k4".to_string());
        s.insert("new".into(), 1);
        let mut delta = Vec::new();
        s.changes(&mut |k, v| {
            delta.push((k.to_vec(), v.map(<[u8]>::to_vec)));
            Ok(())
        })
        .unwrap();
        let mut restored = KeyedStore::<String, i64>::new("test");
        for (k, v) in snapshot.iter().chain(&delta) {
            restored.restore(k, v.as_deref()).unwrap();
        }
        restored.restored().unwrap();
        let sorted =
            |s: &KeyedStore<String, i64>| s.iter().map(|(k, v)| (k.clone(), *v)).collect::<BTreeMap<_, _>>();
        assert_eq!(sorted(&restored), sorted(&s));
        assert!(changes(&mut restored).is_empty(), "a restore leaves nothing to write");
    }
}
