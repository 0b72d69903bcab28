//! The rows one side of a stream-stream join holds under one join key.
//!
//! A key can hold many rows: a join on a window alone (Nexmark q5's, whose residual
//! condition compares counts) holds every auction of the window under one key. Storing a
//! row must find it among them (the same row again adds to its count), and a scan per row
//! made that quadratic: q5 spent a third of its time in it. Past a few rows an index from
//! each row's hash to its place finds it at once. Checkpoints hold the rows alone, encoded
//! as the plain list they were before the index.

use crate::collection::Diff;
use hashbrown::HashTable;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sluice_core::Row;
use std::hash::BuildHasher;

/// Rows past which a key's rows are indexed.
const INDEX_FROM: usize = 16;

/// A row a side holds, how many times, and whether any row of the other side matched it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Stored {
    pub row: Row,
    pub n: Diff,
    pub matched: bool,
}

/// One key's rows, in no particular order.
#[derive(Default)]
pub(crate) struct JoinRows {
    rows: Vec<Stored>,
    /// Places in `rows` by the hash of their row, once there are more than `INDEX_FROM`.
    index: Option<HashTable<usize>>,
}

fn hash(row: &Row) -> u64 {
    // A fixed seed: the index lives in memory only and is rebuilt from the rows on restore.
    foldhash::fast::FixedState::with_seed(0x5eed).hash_one(row)
}

impl JoinRows {
    /// Adds `n` of `row` (negative: retracts), marking it matched when `matched`; a row whose
    /// count comes to zero leaves.
    pub fn add(&mut self, row: Row, n: Diff, matched: bool) {
        // Rows are hashed only once the key has an index: a short list is scanned.
        let h = self.index.as_ref().map(|_| hash(&row));
        let at = match (&self.index, h) {
            (Some(index), Some(h)) => index.find(h, |&i| self.rows[i].row == row).copied(),
            _ => self.rows.iter().position(|s| s.row == row),
        };
        match at {
            Some(i) => {
                let stored = &mut self.rows[i];
                stored.n += n;
                stored.matched |= matched;
                if stored.n == 0 {
                    self.remove_at(i, h);
                }
            }
            None if n == 0 => {}
            None => {
                let place = self.rows.len();
                if place == 0 {
                    // Most keys hold one row (a join on a bid's price): room for four, as a
                    // first push makes, was 120 bytes of fresh memory per key for nothing.
                    self.rows.reserve_exact(1);
                }
                self.rows.push(Stored { row, n, matched });
                if let (Some(index), Some(h)) = (&mut self.index, h) {
                    let rows = &self.rows;
                    index.insert_unique(h, place, |&i| hash(&rows[i].row));
                } else if self.rows.len() > INDEX_FROM {
                    self.build_index();
                }
            }
        }
    }

    /// Removes the row at `i` (whose hash is `h` when indexed): the last row takes its place.
    fn remove_at(&mut self, i: usize, h: Option<u64>) {
        self.take_at(i, h);
    }

    /// As `remove_at`, returning the row.
    fn take_at(&mut self, i: usize, h: Option<u64>) -> Stored {
        let last = self.rows.len() - 1;
        if let (Some(index), Some(h)) = (&mut self.index, h) {
            if let Ok(entry) = index.find_entry(h, |&j| j == i) {
                entry.remove();
            }
            if i != last {
                let moved = hash(&self.rows[last].row);
                if let Some(place) = index.find_mut(moved, |&j| j == last) {
                    *place = i;
                }
            }
        }
        self.rows.swap_remove(i)
    }

    fn build_index(&mut self) {
        let mut index = HashTable::with_capacity(self.rows.len());
        for (i, s) in self.rows.iter().enumerate() {
            let rows = &self.rows;
            index.insert_unique(hash(&s.row), i, |&j| hash(&rows[j].row));
        }
        self.index = Some(index);
    }

    /// The rows, to probe (their counts and rows must not change through this).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&Row, Diff, &mut bool)> {
        self.rows.iter_mut().map(|s| (&s.row, s.n, &mut s.matched))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Stored> {
        self.rows.iter()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Moves the rows for which `gone` holds to `out`; the rest stay.
    pub fn take_where(&mut self, gone: impl Fn(&Stored) -> bool, out: &mut Vec<Stored>) {
        if self.index.is_none() {
            // A short list, no index to keep: one pass.
            out.extend(self.rows.extract_if(.., |s| gone(s)));
            return;
        }
        let going = self.rows.iter().filter(|s| gone(s)).count();
        if going == 0 {
            return;
        }
        // A few rows out of an indexed many leave one by one (two hashes each: the row's
        // and the row that takes its place); more than a third, and rebuilding the index
        // over the rest costs less. Eviction by row time takes a key's oldest rows a batch
        // at a time: rebuilding the index over every row left each time is quadratic in a
        // key that keeps many rows.
        if going * 3 < self.rows.len() {
            out.reserve(going);
            let mut i = 0;
            while i < self.rows.len() {
                if gone(&self.rows[i]) {
                    let h = hash(&self.rows[i].row);
                    out.push(self.take_at(i, Some(h)));
                } else {
                    i += 1;
                }
            }
            return;
        }
        let (gone, stay): (Vec<Stored>, Vec<Stored>) =
            std::mem::take(&mut self.rows).into_iter().partition(gone);
        *self = JoinRows::from(stay);
        out.extend(gone);
    }

    pub fn into_rows(self) -> Vec<Stored> {
        self.rows
    }
}

impl From<Vec<Stored>> for JoinRows {
    fn from(rows: Vec<Stored>) -> Self {
        let mut out = JoinRows { rows, index: None };
        if out.rows.len() > INDEX_FROM {
            out.build_index();
        }
        out
    }
}

impl Serialize for JoinRows {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.rows.serialize(s)
    }
}

impl<'de> Deserialize<'de> for JoinRows {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Vec::<Stored>::deserialize(d).map(JoinRows::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::Value;

    fn row(i: i64) -> Row {
        vec![Value::Long(i), Value::string(&format!("r{i}"))]
    }

    /// Counts add up and zero counts leave, below and past the index's threshold, with rows
    /// coming back after leaving; a checkpoint's bytes are the plain list's.
    #[test]
    fn rows_count_and_leave_as_a_multiset() {
        let mut model: std::collections::BTreeMap<i64, Diff> = Default::default();
        let mut rows = JoinRows::default();
        // A fixed pseudo-random walk over 60 distinct rows, adding and retracting.
        let mut x: u64 = 12345;
        for step in 0..5000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let k = ((x >> 33) % 60) as i64;
            let have = model.get(&k).copied().unwrap_or(0);
            let n = if have > 0 && (x >> 20).is_multiple_of(3) { -have } else { 1 };
            rows.add(row(k), n, step % 7 == 0);
            let slot = model.entry(k).or_insert(0);
            *slot += n;
            if *slot == 0 {
                model.remove(&k);
            }
            if step % 250 == 0 {
                let mut got: Vec<(i64, Diff)> =
                    rows.iter().map(|s| (s.row[0].as_i64().expect("long"), s.n)).collect();
                got.sort();
                assert_eq!(got, model.iter().map(|(k, n)| (*k, *n)).collect::<Vec<_>>(), "step {step}");
            }
        }
        assert!(rows.index.is_some(), "60 rows are indexed");
        let plain: Vec<Stored> = rows.iter().cloned().collect();
        assert_eq!(bincode::serialize(&rows).unwrap(), bincode::serialize(&plain).unwrap());
        let back: JoinRows = bincode::deserialize(&bincode::serialize(&rows).unwrap()).unwrap();
        assert_eq!(back.len(), rows.len());
    }

    /// Taking a few rows out one by one and many by rebuilding both leave an index that
    /// finds every row left (adding one again counts it, not a second copy) and none taken.
    #[test]
    fn taking_rows_keeps_the_index_right() {
        for (taken, of) in [(10, 100), (60, 100)] {
            let mut rows = JoinRows::default();
            for k in 0..of {
                rows.add(row(k), 1, false);
            }
            let mut out = Vec::new();
            rows.take_where(
                |s| s.row[0].as_i64().is_some_and(|k| k % (of / taken) == 0 && k / (of / taken) < taken),
                &mut out,
            );
            assert_eq!(out.len(), taken as usize);
            assert_eq!(rows.len(), (of - taken) as usize);
            for k in 0..of {
                rows.add(row(k), 1, false);
            }
            let mut counts: Vec<(i64, Diff)> =
                rows.iter().map(|s| (s.row[0].as_i64().expect("long"), s.n)).collect();
            counts.sort();
            let want: Vec<(i64, Diff)> = (0..of)
                .map(|k| (k, if out.iter().any(|s| s.row[0] == Value::Long(k)) { 1 } else { 2 }))
                .collect();
            assert_eq!(counts, want, "{taken} of {of} taken");
        }
    }
}
