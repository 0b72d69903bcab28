//! Deduplication (Spark's `dropDuplicates` / `dropDuplicatesWithinWatermark`) as a keyed
//! timely operator: each worker owns the keys that hash to it and passes on the first row
//! of each key it has not seen.
//!
//! As Spark's `StreamingDeduplicateExec`: rows whose event time is at or before the
//! previous batch's watermark are late and dropped; with the event-time column among the
//! keys, a key is forgotten once this batch's watermark passes its event time; within a
//! watermark, once it passes the first row's event time plus the watermark's delay. Keys
//! that never expire stay for the query's life. A batch's rows are taken in a fixed order
//! (smallest row first per key) so the same input keeps the same row on any worker count.
//! The state is registered as a [`Snapshot`] so checkpoints save (per batch, the keys it
//! added or evicted) and restore it.
//!
//! Over an aggregation's rows outside append mode ([`DedupNode::over_aggregate`]) the
//! input changes: a group's old row is taken back as its new one comes. There the
//! deduplication keeps per key every live row with its count and passes on the smallest;
//! when that one goes, it takes it back and passes on the next ([`deduplicate_changing`]).

use crate::collection::{Diff, Rows, Time};
use crate::context::{DataflowContext, Snapshot};
use crate::keyed::{KeyedState, StoreChanges};
use differential_dataflow::{AsCollection, Hashable};
use serde::Deserialize;
use sluice_core::mode::OutputMode;
use sluice_core::plan::{event_time_of, DedupNode};
use sluice_core::{Result, Row, SluiceError};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;

/// Rough bytes per value of a key in state, for `memoryUsedBytes`.
const BYTES_PER_VALUE: usize = 32;

/// What one worker's deduplication holds between batches. A checkpoint saves the keys;
/// the index by expiry is rebuilt from them on restore.
#[derive(Default)]
struct DedupState {
    /// Keys seen, with the event time at which each expires (`None`: never).
    keys: KeyedState<Option<i64>>,
    /// Keys by expiry, to find what a watermark evicts without a scan.
    by_expiry: BTreeMap<i64, Vec<Row>>,
}

/// The first checkpoint format's deduplication state (the whole struct, bincode).
#[derive(Deserialize)]
struct DedupStateV1 {
    keys: HashMap<Row, Option<i64>>,
    by_expiry: BTreeMap<i64, Vec<Row>>,
}

impl Snapshot for DedupState {
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        self.keys.take_changes(full)
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.by_expiry.clear();
    }

    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()> {
        self.keys.apply(changes)
    }

    fn restored(&mut self) {
        self.by_expiry.clear();
        for (key, expires) in self.keys.iter() {
            if let Some(e) = expires {
                self.by_expiry.entry(*e).or_default().push(key.clone());
            }
        }
    }

    fn load_v1(&mut self, bytes: &[u8]) -> Result<()> {
        let old: DedupStateV1 = bincode::deserialize(bytes)
            .map_err(|e| SluiceError::exec(format!("cannot decode deduplication state: {e}")))?;
        self.keys.replace(old.keys);
        self.by_expiry = old.by_expiry;
        Ok(())
    }
}

fn key_of(spec: &DedupNode, row: &[sluice_core::Value]) -> Row {
    spec.keys.iter().map(|&i| row[i].clone()).collect()
}

/// Keeps the first row of each key of `input`.
pub(crate) fn deduplicate<'s>(input: Rows<'s>, spec: DedupNode, ctx: &DataflowContext) -> Rows<'s> {
    if spec.over_aggregate && ctx.mode != OutputMode::Append {
        return deduplicate_changing(input, spec, ctx);
    }
    let ctx = ctx.clone();
    let spec = Arc::new(spec);
    let route = spec.clone();
    let exchange = Exchange::new(move |(row, _t, _d): &(Row, Time, Diff)| key_of(&route, row).hashed());
    input
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<(Row, Time, Diff)>>, _, _, _>(
            exchange,
            "Deduplicate",
            move |cap, _info| {
                let mut cap = Some(cap);
                let mut pending: BTreeMap<Time, Vec<Row>> = BTreeMap::new();
                let mut next_mark: Time = 0;
                let store = Rc::new(RefCell::new(DedupState {
                    keys: KeyedState::tracking(ctx.tracks_changes)
                        .churning(spec.expiry != sluice_core::plan::DedupExpiry::Never),
                    ..Default::default()
                }));
                ctx.register_store(store.clone());
                let slot = ctx.register_dedup_stats();
                move |(input, frontier), output| {
                    input.for_each(|_cap, data| {
                        for (row, t, d) in data.drain(..) {
                            // Inputs only insert; a retraction has nothing to take back here.
                            if d > 0 {
                                pending.entry(t).or_default().push(row);
                            }
                        }
                    });
                    let Some(c) = cap.as_mut() else { return };
                    let done = frontier.frontier().first().copied();
                    let complete = |t: Time| done.is_none_or(|d| t < d);
                    let mut times: Vec<Time> = pending.keys().copied().take_while(|&t| complete(t)).collect();
                    let marks = ctx.watermarks_since(&mut next_mark, complete);
                    times.extend(marks.iter().map(|(t, _)| *t));
                    times.sort_unstable();
                    times.dedup();
                    let mut store = store.borrow_mut();
                    let DedupState { keys, by_expiry } = &mut *store;
                    for t in times {
                        if *c.time() < t {
                            c.downgrade(&t);
                        }
                        let marks = marks.iter().find(|(m, _)| *m == t).map(|(_, m)| *m).unwrap_or_default();
                        let mut rows = pending.remove(&t).unwrap_or_default();
                        rows.sort_unstable();
                        let mut session = output.session(&*c);
                        let mut stats = ctx.stats.borrow_mut();
                        let counts = &mut stats.dedup[slot];
                        for row in rows {
                            if let (Some(col), Some(late)) = (spec.event_time, marks.late) {
                                if event_time_of(&row[col]).is_some_and(|et| et <= late) {
                                    counts.dropped_by_watermark += 1;
                                    continue;
                                }
                            }
                            let key = key_of(&spec, &row);
                            if keys.contains_key(&key) {
                                continue;
                            }
                            let expires = spec.expiry.expires_at(&row);
                            if let Some(e) = expires {
                                by_expiry.entry(e).or_default().push(key.clone());
                            }
                            keys.insert(key, expires);
                            counts.updated += 1;
                            session.give((row, t, 1));
                        }
                        if let Some(evict) = marks.evict {
                            let kept = by_expiry.split_off(&(evict + 1));
                            for key in std::mem::replace(by_expiry, kept).into_values().flatten() {
                                if keys.remove(&key).is_some() {
                                    counts.removed += 1;
                                }
                            }
                        }
                        counts.rows = keys.len() as i64;
                        counts.bytes = (keys.len() * (spec.keys.len() + 1) * BYTES_PER_VALUE) as i64;
                    }
                    crate::collection::follow_frontier(&mut cap, done);
                }
            },
        )
        .as_collection()
}

/// Per key, the live rows of a deduplication over changing input, sorted, with their
/// counts; the first is the row passed on.
#[derive(Default)]
struct LiveRows {
    keys: KeyedState<Vec<(Row, Diff)>>,
}

impl Snapshot for LiveRows {
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        self.keys.take_changes(full)
    }

    fn clear(&mut self) {
        self.keys.clear();
    }

    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()> {
        self.keys.apply(changes)
    }

    fn load_v1(&mut self, _bytes: &[u8]) -> Result<()> {
        // The first format predates deduplication over an aggregation's changing rows.
        Err(SluiceError::exec("the saved deduplication state is of another kind (over unchanging rows)"))
    }
}

/// Adds `d` copies of `row` to a key's sorted live rows; when that changes the row passed
/// on (the first live one), returns it before and after. Rows are cloned only then.
fn change_live(live: &mut Vec<(Row, Diff)>, row: Row, d: Diff) -> Option<(Option<Row>, Option<Row>)> {
    match live.binary_search_by(|(r, _)| r.cmp(&row)) {
        Ok(i) => {
            live[i].1 += d;
            if live[i].1 != 0 {
                return None;
            }
            let (gone, _) = live.remove(i);
            (i == 0).then(|| (Some(gone), live.first().map(|(r, _)| r.clone())))
        }
        Err(i) => {
            live.insert(i, (row, d));
            (i == 0).then(|| (live.get(1).map(|(r, _)| r.clone()), Some(live[0].0.clone())))
        }
    }
}

/// Deduplication over rows that change (an aggregation's, outside append mode): per key the
/// smallest live row, taken back when it goes, so the output is always exactly the
/// deduplication of the input so far. Nothing expires: a row may come back at any time.
fn deduplicate_changing<'s>(input: Rows<'s>, spec: DedupNode, ctx: &DataflowContext) -> Rows<'s> {
    let ctx = ctx.clone();
    let spec = Arc::new(spec);
    let route = spec.clone();
    let exchange = Exchange::new(move |(row, _t, _d): &(Row, Time, Diff)| key_of(&route, row).hashed());
    input
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<(Row, Time, Diff)>>, _, _, _>(
            exchange,
            "Deduplicate",
            move |cap, _info| {
                let mut cap = Some(cap);
                let mut pending: BTreeMap<Time, Vec<(Row, Diff)>> = BTreeMap::new();
                let store =
                    Rc::new(RefCell::new(LiveRows { keys: KeyedState::tracking(ctx.tracks_changes) }));
                ctx.register_store(store.clone());
                let slot = ctx.register_dedup_stats();
                move |(input, frontier), output| {
                    input.for_each(|_cap, data| {
                        for (row, t, d) in data.drain(..) {
                            pending.entry(t).or_default().push((row, d));
                        }
                    });
                    let Some(c) = cap.as_mut() else { return };
                    let done = frontier.frontier().first().copied();
                    let complete = |t: Time| done.is_none_or(|d| t < d);
                    let mut store = store.borrow_mut();
                    while let Some(entry) = pending.first_entry().filter(|e| complete(*e.key())) {
                        let t = *entry.key();
                        let mut changes = entry.remove();
                        // A retraction and an addition of the same row cancel first.
                        differential_dataflow::consolidation::consolidate(&mut changes);
                        if *c.time() < t {
                            c.downgrade(&t);
                        }
                        let mut session = output.session(&*c);
                        let mut stats = ctx.stats.borrow_mut();
                        let counts = &mut stats.dedup[slot];
                        for (row, d) in changes {
                            let key = key_of(&spec, &row);
                            let live = store.keys.entry_or_insert_with(key.clone(), Vec::new);
                            let changed = change_live(live, row, d);
                            if live.is_empty() {
                                store.keys.remove(&key);
                                counts.removed += 1;
                            }
                            if let Some((before, after)) = changed {
                                counts.updated += 1;
                                if let Some(old) = before {
                                    session.give((old, t, -1));
                                }
                                if let Some(new) = after {
                                    session.give((new, t, 1));
                                }
                            }
                        }
                        counts.rows = store.keys.len() as i64;
                        counts.bytes = (store.keys.len() * (spec.keys.len() + 1) * BYTES_PER_VALUE) as i64;
                    }
                    crate::collection::follow_frontier(&mut cap, done);
                }
            },
        )
        .as_collection()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::Value;

    /// Random additions and retractions: what `change_live` reports is always the change
    /// of the smallest row with a non-zero count, recomputed from scratch.
    #[test]
    fn the_row_passed_on_is_the_smallest_live_one() {
        let mut live: Vec<(Row, Diff)> = Vec::new();
        let mut counts: BTreeMap<i64, Diff> = BTreeMap::new();
        let mut seed = 7u64;
        for _ in 0..2000 {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let v = (seed >> 33) as i64 % 6;
            let present = counts.get(&v).copied().unwrap_or(0);
            let d = if present > 0 && (seed >> 20).is_multiple_of(2) { -1 } else { 1 };
            let before = counts.iter().find(|(_, c)| **c != 0).map(|(k, _)| *k);
            *counts.entry(v).or_default() += d;
            let after = counts.iter().find(|(_, c)| **c != 0).map(|(k, _)| *k);
            let got = change_live(&mut live, vec![Value::Long(v)], d);
            let row = |k: Option<i64>| k.map(|k| vec![Value::Long(k)]);
            let want = (before != after).then(|| (row(before), row(after)));
            assert_eq!(got, want, "after adding {d} of {v}");
        }
    }
}
