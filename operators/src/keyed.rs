//! Keyed operator state that remembers which keys changed since it was last saved, so a
//! checkpoint writes per batch only what the batch changed (Spark's state-store delta
//! files), and a whole snapshot only now and then.
//!
//! Saved state is a list of entries per operator, [`StoreChanges`]: `(key, Some(value))`
//! for a key written, `(key, None)` for a key removed, each side bincode-encoded. A
//! snapshot is the same list with every key present. Keys are encoded canonically (`-0.0`
//! as `0.0`, one NaN), so equal keys always have equal bytes and deltas can be folded into
//! a snapshot without knowing the operator's types (`sluice::checkpoint` does that in the
//! background).

use serde::de::DeserializeOwned;
use serde::Serialize;
use sluice_core::types::OrderedF64;
use sluice_core::{Result, Row, SluiceError, Value};
use std::collections::{HashMap, HashSet};

/// One operator's saved entries: `(key, Some(value))` written, `(key, None)` removed.
pub type StoreChanges = Vec<(Vec<u8>, Option<Vec<u8>>)>;

/// A key's bytes in saved state: equal keys (as grouping compares them) give equal bytes.
pub fn encode_key(key: &Row) -> Result<Vec<u8>> {
    let encoded = if key.iter().any(needs_canonical) {
        bincode::serialize(&key.iter().map(canonical).collect::<Row>())
    } else {
        bincode::serialize(key)
    };
    encoded.map_err(|e| SluiceError::exec(format!("cannot encode a state key: {e}")))
}

/// Decodes what [`encode_key`] wrote.
pub fn decode_key(bytes: &[u8]) -> Result<Row> {
    bincode::deserialize(bytes).map_err(|e| SluiceError::exec(format!("cannot decode a state key: {e}")))
}

/// Encodes a state value.
pub fn encode_value<V: Serialize>(value: &V) -> Result<Vec<u8>> {
    bincode::serialize(value).map_err(|e| SluiceError::exec(format!("cannot encode a state value: {e}")))
}

/// Decodes a state value.
pub fn decode_value<V: DeserializeOwned>(bytes: &[u8]) -> Result<V> {
    bincode::deserialize(bytes).map_err(|e| SluiceError::exec(format!("cannot decode a state value: {e}")))
}

fn needs_canonical(v: &Value) -> bool {
    match v {
        Value::Double(d) => d.0 == 0.0 || d.0.is_nan(),
        Value::Struct(fields) | Value::Array(fields) => fields.iter().any(needs_canonical),
        _ => false,
    }
}

fn canonical(v: &Value) -> Value {
    match v {
        Value::Double(d) if d.0.is_nan() => Value::Double(OrderedF64(f64::NAN)),
        Value::Double(d) if d.0 == 0.0 => Value::Double(OrderedF64(0.0)),
        Value::Struct(fields) => Value::Struct(fields.iter().map(canonical).collect::<Vec<_>>().into()),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect::<Vec<_>>().into()),
        other => other.clone(),
    }
}

/// The keys changed since the state was last saved. Only a query with a checkpoint
/// tracks them ([`ChangedKeys::tracking`]): without one nothing would ever take them.
#[derive(Default)]
pub struct ChangedKeys(Option<HashSet<Row>>);

impl ChangedKeys {
    /// Changed keys that are remembered (`track`) or not.
    pub fn tracking(track: bool) -> Self {
        ChangedKeys(track.then(HashSet::new))
    }

    /// Notes that `key` was written or removed.
    pub fn touch(&mut self, key: &Row) {
        if let Some(set) = &mut self.0 {
            if !set.contains(key) {
                set.insert(key.clone());
            }
        }
    }

    /// Forgets the changes (a restore: the state equals what is saved).
    pub fn reset(&mut self) {
        if let Some(set) = &mut self.0 {
            set.clear();
        }
    }

    /// The changes (every entry when `full`), looking each changed key up with `get`;
    /// forgets them.
    pub fn take<'a, V: Serialize + 'a>(
        &mut self,
        full: bool,
        get: impl Fn(&Row) -> Option<&'a V>,
        all: impl Iterator<Item = (&'a Row, &'a V)>,
    ) -> Result<StoreChanges> {
        let changed = self.0.as_mut().map(std::mem::take);
        if full {
            return all.map(|(k, v)| Ok((encode_key(k)?, Some(encode_value(v)?)))).collect();
        }
        let changed = changed.ok_or_else(|| {
            SluiceError::exec("state changes were not tracked (the operator was built without a checkpoint)")
        })?;
        changed
            .into_iter()
            .map(|k| {
                let value = get(&k).map(encode_value).transpose()?;
                Ok((encode_key(&k)?, value))
            })
            .collect()
    }
}

/// The hasher of keyed state: foldhash, several times faster than std's SipHash on rows
/// (the profile of a stream-stream join spent a sixth of its time in SipHash), still
/// seeded per process.
pub(crate) type Hasher = foldhash::fast::RandomState;

/// A map keyed by rows with the keyed state's hasher: for the maps an operator fills per
/// batch (pre-aggregations, a batch's pending groups, a static join's table), which hashed
/// with std's SipHash took a tenth of Nexmark q5's time.
pub(crate) type RowMap<V> = HashMap<Row, V, Hasher>;

/// A map from keys to an operator's per-key state that tracks what changed.
pub struct KeyedState<V> {
    map: HashMap<Row, V, Hasher>,
    changed: ChangedKeys,
    /// Keys come and go all the time (state evicted by a watermark): keep the table at
    /// least twice its size, see [`KeyedState::churning`].
    churn: bool,
}

impl<V> Default for KeyedState<V> {
    fn default() -> Self {
        KeyedState { map: HashMap::default(), changed: ChangedKeys::default(), churn: false }
    }
}

impl<V: Serialize + DeserializeOwned> KeyedState<V> {
    /// An empty state that remembers changed keys when `track` (a query with a checkpoint).
    pub fn tracking(track: bool) -> Self {
        KeyedState { map: HashMap::default(), changed: ChangedKeys::tracking(track), churn: false }
    }

    /// For state a watermark evicts while new keys arrive. A hash table that removes and
    /// inserts at a steady size still fills with tombstones, and once it holds more than
    /// half its capacity it doubles instead of rehashing in place: a one-time step in
    /// resident memory long after the state stopped growing (the 50M-event join benchmark
    /// stepped +13% at 80M events). Keeping the table at least twice its size as it grows
    /// takes that step while the state grows.
    pub fn churning(mut self, churn: bool) -> Self {
        self.churn = churn;
        self
    }

    /// Before a possible insertion: with churn, room for twice the keys.
    fn room_for_one(&mut self) {
        if self.churn && (self.map.len() + 1) * 2 > self.map.capacity() {
            self.map.reserve(self.map.len() + 1);
        }
    }

    /// The state of `key`.
    pub fn get(&self, key: &Row) -> Option<&V> {
        self.map.get(key)
    }

    /// The state of `key`, to change.
    pub fn get_mut(&mut self, key: &Row) -> Option<&mut V> {
        let v = self.map.get_mut(key)?;
        self.changed.touch(key);
        Some(v)
    }

    /// The state of `key`, inserted with `make` when absent, to change.
    pub fn entry_or_insert_with(&mut self, key: Row, make: impl FnOnce() -> V) -> &mut V {
        self.changed.touch(&key);
        self.room_for_one();
        self.map.entry(key).or_insert_with(make)
    }

    /// As [`entry_or_insert_with`](Self::entry_or_insert_with), with a copy of the key when
    /// it was absent (one lookup).
    pub fn entry_or_insert_fresh(&mut self, key: Row, make: impl FnOnce() -> V) -> (&mut V, Option<Row>) {
        self.changed.touch(&key);
        self.room_for_one();
        match self.map.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => (e.into_mut(), None),
            std::collections::hash_map::Entry::Vacant(e) => {
                let fresh = e.key().clone();
                (e.insert(make()), Some(fresh))
            }
        }
    }

    /// True when `key` has state.
    pub fn contains_key(&self, key: &Row) -> bool {
        self.map.contains_key(key)
    }

    /// Sets the state of `key`.
    pub fn insert(&mut self, key: Row, value: V) {
        self.changed.touch(&key);
        self.room_for_one();
        self.map.insert(key, value);
    }

    /// Drops the state of `key`, returning it.
    pub fn remove(&mut self, key: &Row) -> Option<V> {
        let v = self.map.remove(key)?;
        self.changed.touch(key);
        Some(v)
    }

    /// How many keys have state.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no key has state.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Visits every key's state in one pass, keeping the keys for which `f` returns true;
    /// `f` also says whether it changed the state it kept (a key dropped is a change).
    pub fn retain(&mut self, mut f: impl FnMut(&mut V) -> (bool, bool)) {
        let KeyedState { map, changed, .. } = self;
        map.retain(|key, value| {
            let (keep, touched) = f(value);
            if touched || !keep {
                changed.touch(key);
            }
            keep
        });
    }

    /// Every key and its state.
    pub fn iter(&self) -> impl Iterator<Item = (&Row, &V)> {
        self.map.iter()
    }

    /// What changed since the last call (everything when `full`), encoded; forgets it.
    pub fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        let KeyedState { map, changed, .. } = self;
        changed.take(full, |k| map.get(k), map.iter())
    }

    /// Applies saved entries in order (a snapshot, then each later delta); they are saved
    /// already, so nothing is marked changed.
    pub fn apply(&mut self, changes: StoreChanges) -> Result<()> {
        for (key, value) in changes {
            let key = decode_key(&key)?;
            match value {
                Some(v) => {
                    self.map.insert(key, decode_value(&v)?);
                }
                None => {
                    self.map.remove(&key);
                }
            }
        }
        Ok(())
    }

    /// Replaces the whole state (an old-format snapshot), with nothing marked changed.
    pub fn replace(&mut self, map: HashMap<Row, V>) {
        self.map = map.into_iter().collect();
        self.changed.reset();
    }

    /// Empties the state, with nothing marked changed.
    pub fn clear(&mut self) {
        self.map.clear();
        self.changed.reset();
    }
}
