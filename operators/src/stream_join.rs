//! Stream-stream joins, as Spark's `StreamingSymmetricHashJoinExec`: each worker keeps,
//! for the join keys that hash to it, every row each side has seen; a batch's rows are
//! first joined against what the other side holds, then stored. The left side's rows go
//! first (against the right's earlier rows), then the right's (against every left row,
//! this batch's included), so each pair is emitted exactly once.
//!
//! With a watermark and an event-time column among the join keys on both sides (the
//! watermarked timestamp, or a window over it), a key's rows are evicted once the
//! watermark passes its event time: no row of the other side can match them any more.
//! Without one, a range condition between the two event times evicts row by row: a left
//! row once its time is at or before the watermark plus the least left - right the
//! condition allows, a right row once at or before the watermark minus the greatest (an
//! inner join sweeps such rows out of the whole table once they are half of it).
//! An outer join then emits each evicted row that never matched, padded with nulls, in
//! the batch that evicts it, as Spark does. On a side under a watermark, rows at or before
//! the previous batch's watermark are late and dropped, with or without such a key (Spark's
//! `numRowsDroppedByWatermark`). Without such a key the state is unbounded (Spark allows
//! that for inner joins only).
//!
//! Both sides' state is registered as a [`Snapshot`], so checkpoints save the rows each
//! batch stored or evicted (the index by event time is rebuilt on restore).

use crate::collection::{Diff, Rows, Time};
use crate::context::{DataflowContext, Snapshot};
use crate::join::{pad, with_optional_keys};
use crate::join_rows::{JoinRows, Stored};
use crate::keyed::{KeyedState, StoreChanges};
use differential_dataflow::{AsCollection, Hashable};
use sluice_core::plan::{event_time_of, JoinNode, JoinType};
use sluice_core::{Result, Row, SluiceError};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;

/// Rough bytes per value of a stored row, for `memoryUsedBytes`.
const BYTES_PER_VALUE: usize = 32;

/// Microseconds in a second: the unit a sweeping side counts its rows' times in.
const SECOND: i64 = 1_000_000;

/// One side's rows by join key, and the keys by event time (for eviction): the key's own
/// event time with an event-time key, else the event time of its rows with a range
/// condition.
#[derive(Default)]
struct SideState {
    rows: KeyedState<JoinRows>,
    by_time: BTreeMap<i64, Vec<Row>>,
    /// The join key that holds the event time, if one does.
    event_key: Option<usize>,
    /// Else the row's event-time column, when a range condition bounds this side.
    row_time: Option<usize>,
    /// With a row time in an inner join: rows due are swept out of the whole table in one
    /// pass once they are at least half the rows held, instead of listed by time and taken
    /// key by key (see `evict`); `per_second` counts the rows held per second of row time.
    sweeps: bool,
    per_second: BTreeMap<i64, Diff>,
}

impl SideState {
    fn store(&mut self, key: Row, row: Row, n: Diff, matched: bool) {
        if let Some(t) = self.row_time.and_then(|i| event_time_of(&row[i])) {
            if self.sweeps {
                *self.per_second.entry(t.div_euclid(SECOND)).or_default() += n;
            } else {
                self.by_time.entry(t).or_default().push(key.clone());
            }
        }
        let Some(time) = self.event_key.and_then(|i| event_time_of(&key[i])) else {
            // No key to list by time: no copy of a new key either.
            self.rows.entry_or_insert_with(key, JoinRows::default).add(row, n, matched);
            return;
        };
        let (rows, fresh) = self.rows.entry_or_insert_fresh(key, JoinRows::default);
        rows.add(row, n, matched);
        if let Some(key) = fresh {
            self.by_time.entry(time).or_default().push(key);
        }
    }

    /// Removes the keys (or, by row time, the rows) whose event time is at or before
    /// `threshold`; returns the rows removed. A sweeping side may keep them until they are
    /// half its rows: an inner join's condition rejects every pair out of range, so rows
    /// kept past their time change no output, and one pass over the table costs less than
    /// finding each row's key again (Nexmark q7 holds 500,000 prices of about two bids each).
    fn evict(&mut self, threshold: i64) -> Vec<Stored> {
        if self.sweeps {
            return self.sweep(threshold);
        }
        let kept = self.by_time.split_off(&threshold.saturating_add(1));
        let mut due: Vec<Row> = std::mem::replace(&mut self.by_time, kept).into_values().flatten().collect();
        let mut out = Vec::new();
        let Some(col) = self.row_time else {
            for key in due {
                out.extend(self.rows.remove(&key).map(JoinRows::into_rows).unwrap_or_default());
            }
            return out;
        };
        // By row time a key is listed once per row: visit each key once (a key holding
        // many rows was otherwise scanned, and its index rebuilt, once per row).
        due.sort_unstable();
        due.dedup();
        for key in due {
            let Some(rows) = self.rows.get_mut(&key) else { continue };
            rows.take_where(|s| event_time_of(&s.row[col]).is_some_and(|t| t <= threshold), &mut out);
            if rows.is_empty() {
                self.rows.remove(&key);
            }
        }
        out
    }

    fn sweep(&mut self, threshold: i64) -> Vec<Stored> {
        let Some(col) = self.row_time else { return Vec::new() };
        // Seconds wholly at or before the threshold: a lower bound on the rows due.
        let due: Diff =
            self.per_second.range(..threshold.saturating_add(1).div_euclid(SECOND)).map(|(_, n)| n).sum();
        let held: Diff = self.per_second.values().sum();
        if due == 0 || due * 2 < held {
            return Vec::new();
        }
        let mut out = Vec::new();
        let per_second = &mut self.per_second;
        self.rows.retain(|rows| {
            let before = out.len();
            rows.take_where(|s| event_time_of(&s.row[col]).is_some_and(|t| t <= threshold), &mut out);
            for s in &out[before..] {
                if let Some(t) = event_time_of(&s.row[col]) {
                    *per_second.entry(t.div_euclid(SECOND)).or_default() -= s.n;
                }
            }
            (!rows.is_empty(), out.len() > before)
        });
        per_second.retain(|_, n| *n != 0);
        out
    }

    fn len(&self) -> usize {
        self.rows.iter().map(|(_, v)| v.len()).sum()
    }
}

impl Snapshot for SideState {
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        self.rows.take_changes(full)
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.by_time.clear();
        self.per_second.clear();
    }

    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()> {
        self.rows.apply(changes)
    }

    fn restored(&mut self) {
        self.by_time.clear();
        self.per_second.clear();
        if let Some(i) = self.event_key {
            for key in self.rows.iter().map(|(k, _)| k) {
                if let Some(t) = event_time_of(&key[i]) {
                    self.by_time.entry(t).or_default().push(key.clone());
                }
            }
        }
        if let Some(i) = self.row_time {
            for (key, rows) in self.rows.iter() {
                for s in rows.iter() {
                    let Some(t) = event_time_of(&s.row[i]) else { continue };
                    if self.sweeps {
                        *self.per_second.entry(t.div_euclid(SECOND)).or_default() += s.n;
                    } else {
                        self.by_time.entry(t).or_default().push(key.clone());
                    }
                }
            }
        }
    }

    fn load_v1(&mut self, _bytes: &[u8]) -> Result<()> {
        Err(SluiceError::exec("the first checkpoint format held no join state"))
    }
}

type Keyed = ((Option<Row>, Row), Time, Diff);

/// A row with its join key (`None`: a null key, which matches nothing) and multiplicity.
type KeyedRow = (Option<Row>, Row, Diff);

/// Joins two streams as `spec` says (inner, or outer with an event-time join key).
pub(crate) fn stream_stream_join<'s>(
    left: Rows<'s>,
    right: Rows<'s>,
    spec: Arc<JoinNode>,
    ctx: &DataflowContext,
) -> Rows<'s> {
    let lk = with_optional_keys(left, spec.left_keys.clone(), spec.null_safe.clone(), ctx);
    let rk = with_optional_keys(right, spec.right_keys.clone(), spec.null_safe.clone(), ctx);
    let route = |x: &Keyed| x.0 .0.as_ref().map_or(0, |k| k.hashed());
    let ctx = ctx.clone();
    lk.inner
        .binary_frontier::<_, CapacityContainerBuilder<Vec<(Row, Time, Diff)>>, _, _, _, _>(
            rk.inner,
            Exchange::new(route),
            Exchange::new(route),
            "StreamStreamJoin",
            move |cap, _info| {
                let mut cap = Some(cap);
                // Complete mode keeps the whole table exact: nothing is evicted.
                let evicts = !ctx.keeps_all();
                let event_key = spec.event_time_key.filter(|_| evicts);
                let (min, max) = if evicts && event_key.is_none() { spec.time_range } else { (None, None) };
                // Left rows age out with a lower bound on left - right, right rows with an upper.
                let left_row_time = spec.left_event_time.filter(|_| min.is_some());
                let right_row_time = spec.right_event_time.filter(|_| max.is_some());
                // An inner join's rows out of range match nothing: they can go in sweeps.
                let sweeps = matches!(spec.kind, JoinType::Inner | JoinType::Cross);
                let side = |ctx: &DataflowContext, row_time: Option<usize>| {
                    let state = Rc::new(RefCell::new(SideState {
                        rows: KeyedState::tracking(ctx.tracks_changes)
                            .churning(event_key.is_some() || (row_time.is_some() && !sweeps)),
                        by_time: BTreeMap::new(),
                        event_key,
                        row_time,
                        sweeps: sweeps && row_time.is_some(),
                        per_second: BTreeMap::new(),
                    }));
                    ctx.register_store(state.clone());
                    state
                };
                let (left_state, right_state) = (side(&ctx, left_row_time), side(&ctx, right_row_time));
                let slot = ctx.register_dedup_stats();
                let mut pending: BTreeMap<Time, (Vec<KeyedRow>, Vec<KeyedRow>)> = BTreeMap::new();
                let mut next_mark: Time = 0;
                let (lw, rw) = (spec.left_width, spec.right_width);
                let evicting = event_key.is_some();
                let semi = spec.kind == JoinType::LeftSemi;
                // As Spark, a side under a watermark drops its late rows whatever the join
                // keys (complete mode keeps every row: its table stays exact).
                let drops_late = !ctx.keeps_all();
                move |(left_in, left_frontier), (right_in, right_frontier), output| {
                    left_in.for_each(|_cap, data| {
                        for ((k, row), t, d) in data.drain(..) {
                            pending.entry(t).or_default().0.push((k, row, d));
                        }
                    });
                    right_in.for_each(|_cap, data| {
                        for ((k, row), t, d) in data.drain(..) {
                            pending.entry(t).or_default().1.push((k, row, d));
                        }
                    });
                    let Some(c) = cap.as_mut() else { return };
                    let done = match (left_frontier.frontier().first(), right_frontier.frontier().first()) {
                        (Some(a), Some(b)) => Some(*a.min(b)),
                        (a, b) => a.or(b).copied(),
                    };
                    let complete = |t: Time| done.is_none_or(|d| t < d);
                    let mut times: Vec<Time> = pending.keys().copied().take_while(|&t| complete(t)).collect();
                    let marks = ctx.watermarks_since(&mut next_mark, complete);
                    times.extend(marks.iter().map(|(t, _)| *t));
                    times.sort_unstable();
                    times.dedup();
                    let (mut ls, mut rs) = (left_state.borrow_mut(), right_state.borrow_mut());
                    for t in times {
                        if *c.time() < t {
                            c.downgrade(&t);
                        }
                        let marks = marks.iter().find(|(m, _)| *m == t).map(|(_, m)| *m).unwrap_or_default();
                        let (left_rows, right_rows) = pending.remove(&t).unwrap_or_default();
                        let mut session = output.session(&*c);
                        let mut stats = ctx.stats.borrow_mut();
                        let counts = &mut stats.dedup[slot];
                        let late =
                            |row: &Row, col: Option<usize>| match (col.filter(|_| drops_late), marks.late) {
                                (Some(i), Some(late)) => event_time_of(&row[i]).is_some_and(|et| et <= late),
                                _ => false,
                            };
                        // A joined row if the residual condition keeps it; the condition reads
                        // the pair in a reused buffer, so a pair it rejects costs no allocation
                        // (Nexmark q5 tries every auction of a window against its maximum).
                        let mut pair: Row = Vec::with_capacity(lw + rw);
                        let mut joined_if = |a: &Row, b: &Row| -> Option<Row> {
                            let Some(cond) = &spec.residual else {
                                return Some(a.iter().chain(b.iter()).cloned().collect());
                            };
                            pair.clear();
                            pair.extend(a.iter().chain(b.iter()).cloned());
                            match cond.eval_predicate(&pair) {
                                Ok(true) => Some(pair.clone()),
                                Ok(false) => None,
                                Err(e) => {
                                    ctx.errors.record(e);
                                    None
                                }
                            }
                        };
                        // The left rows against the right's earlier rows, then stored.
                        for (key, row, d) in left_rows {
                            if late(&row, spec.left_event_time) {
                                counts.dropped_by_watermark += 1;
                                continue;
                            }
                            let mut matched = false;
                            if let Some(key) = &key {
                                if let Some(others) = rs.rows.get_mut(key) {
                                    for (other, other_n, other_matched) in others.iter_mut() {
                                        if let Some(joined) = joined_if(&row, other) {
                                            matched = true;
                                            *other_matched = true;
                                            if semi {
                                                // One match is enough: the rest need not be tried.
                                                break;
                                            }
                                            session.give((joined, t, d * other_n));
                                        }
                                    }
                                }
                            }
                            if semi && matched {
                                // A left semi join emits a left row once, at its first match,
                                // and keeps no matched left row (as Spark).
                                session.give((row, t, d));
                                counts.updated += 1;
                                continue;
                            }
                            match key {
                                Some(key) => {
                                    ls.store(key, row, d, matched);
                                    counts.updated += 1;
                                }
                                // A null key matches nothing, ever.
                                None if spec.kind.pads_right() => session.give((pad(row, 0, rw), t, d)),
                                None => {}
                            }
                        }
                        // The right rows against every left row, this batch's included.
                        for (key, row, d) in right_rows {
                            if late(&row, spec.right_event_time) {
                                counts.dropped_by_watermark += 1;
                                continue;
                            }
                            let mut matched = false;
                            if let Some(key) = &key {
                                if let Some(others) = ls.rows.get_mut(key) {
                                    for (other, other_n, other_matched) in others.iter_mut() {
                                        if semi && *other_matched {
                                            continue;
                                        }
                                        if let Some(joined) = joined_if(other, &row) {
                                            matched = true;
                                            *other_matched = true;
                                            if semi {
                                                session.give((other.clone(), t, other_n));
                                            } else {
                                                session.give((joined, t, d * other_n));
                                            }
                                        }
                                    }
                                }
                            }
                            match key {
                                Some(key) => {
                                    rs.store(key, row, d, matched);
                                    counts.updated += 1;
                                }
                                None if spec.kind.pads_left() => session.give((pad(row, lw, 0), t, d)),
                                None => {}
                            }
                        }
                        // Keys the watermark passed can match nothing more: evict them, and
                        // emit an outer join's rows that never matched.
                        // By key with an event-time key; else by row time with a range: a left
                        // row once no right row after the watermark can be within range
                        // (left time <= watermark + min), a right row likewise (<= watermark - max).
                        let thresholds = marks.evict.map(|w| {
                            if evicting {
                                (Some(w), Some(w))
                            } else {
                                (min.map(|m| w.saturating_add(m)), max.map(|m| w.saturating_sub(m)))
                            }
                        });
                        if let Some((left_threshold, right_threshold)) = thresholds {
                            for s in left_threshold.map(|th| ls.evict(th)).unwrap_or_default() {
                                counts.removed += 1;
                                if !s.matched && spec.kind.pads_right() {
                                    session.give((pad(s.row, 0, rw), t, s.n));
                                }
                            }
                            for s in right_threshold.map(|th| rs.evict(th)).unwrap_or_default() {
                                counts.removed += 1;
                                if !s.matched && spec.kind.pads_left() {
                                    session.give((pad(s.row, lw, 0), t, s.n));
                                }
                            }
                        }
                        let held = ls.len() + rs.len();
                        counts.rows = held as i64;
                        counts.bytes = (held * (lw + rw) * BYTES_PER_VALUE / 2) as i64;
                    }
                    crate::collection::follow_frontier(&mut cap, done);
                }
            },
        )
        .as_collection()
}
