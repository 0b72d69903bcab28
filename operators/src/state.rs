//! The keyed state of an aggregation (Spark's state store), as a timely operator.
//!
//! Each worker owns the groups whose key hashes to it. When a batch completes, the
//! batch's partial states are merged into the groups' states and the result's changes
//! are emitted as differences: `(old row, -1)` and `(new row, +1)` for each group with
//! input in complete mode; `(new row, +1)` alone in update mode (Spark writes every group
//! the batch updated, changed value or not); in append mode a group's row is emitted
//! once, when the watermark passes its event time and its state is evicted.
//!
//! Why not differential's `reduce`/`count` over an arrangement: eviction by watermark
//! would have to retract each evicted group's accumulated input, which only the owner of
//! the group's total knows, through a feedback edge into the arrangement's own input.
//! Holding the state here keeps per-batch work proportional to the groups the batch
//! touches (plus those it evicts, found through an index by event time), and the state
//! bounded by the watermark.

use crate::agg::finish_group;
use crate::agg::AggState;
use crate::collection::{Diff, Partials, Rows, Time};
use crate::context::{BatchWatermarks, DataflowContext, Snapshot};
use crate::keyed::{KeyedState, RowMap, StoreChanges};
use differential_dataflow::difference::Semigroup;
use differential_dataflow::{AsCollection, Hashable};
use serde::Deserialize;
use sluice_core::mode::OutputMode;
use sluice_core::plan::{event_time_of, AggregateNode};
use sluice_core::{Result, Row, SluiceError};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;

/// Rough bytes per value of a state row, for `memoryUsedBytes`.
const BYTES_PER_VALUE: usize = 32;

/// What one worker's state operator holds between batches. A checkpoint saves the groups
/// (or the sessions); the event-time index is rebuilt from them on restore.
#[derive(Default)]
struct StoreState {
    /// Running state per group.
    groups: KeyedState<AggState>,
    /// Keys by event time, to find what a watermark evicts without a scan.
    by_time: BTreeMap<i64, Vec<Row>>,
    /// Which grouping key is the event time the watermark evicts by (not in complete mode).
    event_key: Option<usize>,
    /// Session windows, for a `session_window` aggregation.
    sessions: Option<SessionState>,
}

/// The first checkpoint format's aggregation state (the whole struct, bincode).
#[derive(Deserialize)]
struct StoreStateV1 {
    groups: HashMap<Row, AggState>,
    by_time: BTreeMap<i64, Vec<Row>>,
    sessions: Option<SessionStateV1>,
}

#[derive(Deserialize)]
struct SessionStateV1 {
    #[allow(dead_code)]
    key: usize,
    groups: HashMap<Row, BTreeMap<i64, (i64, AggState)>>,
    #[allow(dead_code)]
    by_end: BTreeMap<i64, Vec<(Row, i64)>>,
    #[allow(dead_code)]
    len: usize,
}

impl Snapshot for StoreState {
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        match &mut self.sessions {
            Some(s) => s.groups.take_changes(full),
            None => self.groups.take_changes(full),
        }
    }

    fn clear(&mut self) {
        self.groups.clear();
        self.by_time.clear();
        if let Some(s) = &mut self.sessions {
            s.groups.clear();
        }
    }

    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()> {
        match &mut self.sessions {
            Some(s) => s.groups.apply(changes),
            None => self.groups.apply(changes),
        }
    }

    fn restored(&mut self) {
        if let Some(s) = &mut self.sessions {
            s.reindex();
            return;
        }
        self.by_time.clear();
        if let Some(i) = self.event_key {
            for key in self.groups.iter().map(|(k, _)| k) {
                if let Some(kt) = event_time_of(&key[i]) {
                    self.by_time.entry(kt).or_default().push(key.clone());
                }
            }
        }
    }

    fn load_v1(&mut self, bytes: &[u8]) -> Result<()> {
        let loaded: StoreStateV1 = bincode::deserialize(bytes)
            .map_err(|e| SluiceError::exec(format!("cannot decode aggregation state: {e}")))?;
        match (&mut self.sessions, loaded.sessions) {
            (Some(s), Some(old)) => s.groups.replace(old.groups),
            (None, None) => {
                self.groups.replace(loaded.groups);
                self.by_time = loaded.by_time;
            }
            _ => {
                return Err(SluiceError::exec(
                    "the saved aggregation state is of another kind (session windows or not)",
                ))
            }
        }
        Ok(())
    }
}

/// Merges partial states into per-group state and emits the result's changes.
pub fn state_store<'s>(partials: Partials<'s>, spec: Arc<AggregateNode>, ctx: &DataflowContext) -> Rows<'s> {
    let ctx = ctx.clone();
    // An aggregation another one reads keeps its table as in complete mode (no eviction) and
    // emits each change as a retraction and an addition, which the next folds exactly; in
    // update mode only the last aggregation writes the changed groups alone.
    let mode = match ctx.mode {
        OutputMode::Update if spec.feeds_aggregate => OutputMode::Complete,
        m => m,
    };
    let keeps_all = ctx.keeps_all();
    // Sessions of one group must meet to merge: route them by the group, not the session.
    let session_key = spec.window.as_ref().filter(|w| w.session_gap.is_some()).map(|w| w.key);
    let exchange = Exchange::new(move |(key, _t, _s): &(Row, Time, AggState)| match session_key {
        None => key.hashed(),
        Some(skip) => {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            key.iter().enumerate().filter(|(i, _)| *i != skip).for_each(|(_, v)| v.hash(&mut h));
            h.finish()
        }
    });
    partials
        .unary_frontier::<CapacityContainerBuilder<Vec<(Row, Time, Diff)>>, _, _, _>(
            exchange,
            "StateStore",
            move |cap, _info| {
                let mut cap = Some(cap);
                let mut pending: BTreeMap<Time, RowMap<AggState>> = BTreeMap::new();
                let mut next_mark: Time = 0;
                // A batch's pending groups, sized as the last batch's (no rehash as it grows).
                let mut last_groups = 0;
                let row_bytes = (spec.keys.len() + spec.aggs.len() * 2) * BYTES_PER_VALUE;
                let track = ctx.tracks_changes;
                let sessions = spec.window.as_ref().filter(|w| w.session_gap.is_some()).map(|w| {
                    SessionState { key: w.key, groups: KeyedState::tracking(track), ..Default::default() }
                });
                let event_key = spec.event_time_key.filter(|_| !keeps_all);
                let store = Rc::new(RefCell::new(StoreState {
                    groups: KeyedState::tracking(track).churning(event_key.is_some()),
                    sessions,
                    event_key,
                    ..Default::default()
                }));
                ctx.register_store(store.clone());
                move |(input, frontier), output| {
                    input.for_each(|_cap, data| {
                        for (key, t, partial) in data.drain(..) {
                            let groups = pending.entry(t).or_insert_with(|| {
                                RowMap::with_capacity_and_hasher(last_groups, Default::default())
                            });
                            match groups.entry(key) {
                                std::collections::hash_map::Entry::Occupied(mut e) => {
                                    e.get_mut().plus_equals(&partial)
                                }
                                std::collections::hash_map::Entry::Vacant(e) => {
                                    e.insert(partial);
                                }
                            }
                        }
                    });
                    let Some(c) = cap.as_mut() else { return };
                    let mut store = store.borrow_mut();
                    let StoreState { groups: state, by_time, sessions, .. } = &mut *store;
                    // Every batch before the frontier is complete: apply them in order.
                    let done = frontier.frontier().first().copied();
                    let complete = |t: Time| done.is_none_or(|d| t < d);
                    let mut times: Vec<Time> = pending.keys().copied().take_while(|&t| complete(t)).collect();
                    let marks: Vec<(Time, BatchWatermarks)> = ctx.watermarks_since(&mut next_mark, complete);
                    times.extend(marks.iter().map(|(t, _)| *t));
                    times.sort_unstable();
                    times.dedup();
                    for t in times {
                        if *c.time() < t {
                            c.downgrade(&t);
                        }
                        let marks = marks.iter().find(|(m, _)| *m == t).map(|(_, m)| *m).unwrap_or_default();
                        let mut session = output.session(&*c);
                        let mut emit = |row: Row, d: Diff| session.give((row, t, d));
                        let mut stats = ctx.stats.borrow_mut();
                        let with_event_time = spec.event_time_key.filter(|_| !keeps_all);
                        if let Some(sessions) = sessions.as_mut() {
                            let late = marks.late.filter(|_| with_event_time.is_some());
                            for (key, partial) in pending.remove(&t).unwrap_or_default() {
                                sessions.apply(&spec, &ctx, key, partial, late, &mut stats, &mut emit);
                            }
                            if let (Some(evict), true) = (marks.evict, with_event_time.is_some()) {
                                stats.state_removed += sessions.evict(&spec, &ctx, evict, &mut emit);
                            }
                            stats.state_rows = sessions.len as i64;
                            stats.state_bytes = (sessions.len * row_bytes) as i64;
                            continue;
                        }
                        let batch = pending.remove(&t).unwrap_or_default();
                        last_groups = batch.len();
                        for (key, partial) in batch {
                            let key_time = with_event_time.and_then(|i| event_time_of(&key[i]));
                            if let (Some(kt), Some(late)) = (key_time, marks.late) {
                                if kt <= late {
                                    stats.dropped_by_watermark += 1;
                                    continue;
                                }
                            }
                            stats.state_updated += 1;
                            // Complete mode keeps a table: retract the old row. Update mode
                            // writes every group that had input in the batch, as Spark, even
                            // when its value did not change: the new row alone (a retraction
                            // would cancel an unchanged row). One lookup for a known group,
                            // and its state changes in place (a copy only where the old row
                            // is retracted).
                            if let Some(slot) = state.get_mut(&key) {
                                let old = (mode == OutputMode::Complete).then(|| slot.clone());
                                slot.plus_equals(&partial);
                                if let Some(old) = &old {
                                    finish(&spec, &ctx, &key, old, -1, &mut emit);
                                }
                                if slot.rows <= 0 && !spec.default_row {
                                    // Every input row of the group was retracted (an upstream
                                    // aggregation's row changed): the group is gone from the table.
                                    state.remove(&key);
                                } else if mode != OutputMode::Append {
                                    finish(&spec, &ctx, &key, slot, 1, &mut emit);
                                }
                                continue;
                            }
                            let mut new = AggState { rows: 0, accs: Vec::new() };
                            new.plus_equals(&partial);
                            if new.rows <= 0 && !spec.default_row {
                                continue;
                            }
                            if mode != OutputMode::Append {
                                finish(&spec, &ctx, &key, &new, 1, &mut emit);
                            }
                            if let Some(kt) = key_time {
                                by_time.entry(kt).or_default().push(key.clone());
                            }
                            state.insert(key, new);
                        }
                        if let (Some(evict), true) = (marks.evict, with_event_time.is_some()) {
                            let kept = by_time.split_off(&(evict + 1));
                            for key in std::mem::replace(by_time, kept).into_values().flatten() {
                                if let Some(s) = state.remove(&key) {
                                    stats.state_removed += 1;
                                    if mode == OutputMode::Append {
                                        finish(&spec, &ctx, &key, &s, 1, &mut emit);
                                    }
                                }
                            }
                        }
                        stats.state_rows = state.len() as i64;
                        stats.state_bytes = (state.len() * row_bytes) as i64;
                    }
                    crate::collection::follow_frontier(&mut cap, done);
                }
            },
        )
        .as_collection()
}

/// Emits a group's output row with difference `d` (nothing if `HAVING` drops it).
fn finish(
    spec: &AggregateNode,
    ctx: &DataflowContext,
    key: &Row,
    state: &AggState,
    d: Diff,
    emit: &mut impl FnMut(Row, Diff),
) {
    match finish_group(spec, key.clone(), state) {
        Ok(Some(row)) => emit(row, d),
        Ok(None) => {}
        Err(e) => ctx.errors.record(e),
    }
}

/// Session windows of every group: a row opens `[t, t + gap)`, and sessions of a group
/// that touch or overlap merge into one (Spark's `session_window`). Sessions of a group
/// never overlap, so those a new one touches are found by a range scan. A checkpoint saves
/// each group's sessions; the index by end is rebuilt on restore.
#[derive(Default)]
struct SessionState {
    /// Index of the session among the grouping keys.
    key: usize,
    /// Per group (the key with a null session), sessions by start: `(end, state)`.
    groups: KeyedState<BTreeMap<i64, (i64, AggState)>>,
    /// `(group, start)` of sessions by end, for eviction (stale entries are skipped).
    by_end: BTreeMap<i64, Vec<(Row, i64)>>,
    len: usize,
}

impl SessionState {
    /// Rebuilds the index by end and the count from the groups (after a restore).
    fn reindex(&mut self) {
        self.by_end.clear();
        self.len = 0;
        for (group, sessions) in self.groups.iter() {
            for (start, (end, _)) in sessions {
                self.by_end.entry(*end).or_default().push((group.clone(), *start));
                self.len += 1;
            }
        }
    }

    fn row(index: usize, group: &Row, start: i64, end: i64) -> Row {
        let mut key = group.clone();
        key[index] = sluice_core::Value::Struct(
            vec![sluice_core::Value::Timestamp(start), sluice_core::Value::Timestamp(end)].into(),
        );
        key
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(
        &mut self,
        spec: &AggregateNode,
        ctx: &DataflowContext,
        mut key: Row,
        partial: AggState,
        late: Option<i64>,
        stats: &mut crate::context::BatchStats,
        emit: &mut impl FnMut(Row, Diff),
    ) {
        let Some((mut start, mut end)) = session_bounds(&key[self.key]) else { return };
        if late.is_some_and(|l| end <= l) {
            stats.dropped_by_watermark += 1;
            return;
        }
        stats.state_updated += 1;
        key[self.key] = sluice_core::Value::Null;
        let emit_changes = ctx.mode != OutputMode::Append;
        let sessions = self.groups.entry_or_insert_with(key.clone(), BTreeMap::new);
        let touching: Vec<i64> =
            sessions.range(..=end).rev().take_while(|(_, (e, _))| *e >= start).map(|(s, _)| *s).collect();
        let mut merged = partial;
        for s in touching {
            let (e, state) = sessions.remove(&s).expect("session just found");
            self.len -= 1;
            if emit_changes {
                let old = Self::row(self.key, &key, s, e);
                finish(spec, ctx, &old, &state, -1, emit);
            }
            start = start.min(s);
            end = end.max(e);
            merged.plus_equals(&state);
        }
        if emit_changes {
            finish(spec, ctx, &Self::row(self.key, &key, start, end), &merged, 1, emit);
        }
        self.groups.entry_or_insert_with(key.clone(), BTreeMap::new).insert(start, (end, merged));
        self.by_end.entry(end).or_default().push((key, start));
        self.len += 1;
    }

    /// Emits (in append mode) and drops the sessions that end at or before `watermark`;
    /// returns how many it dropped.
    fn evict(
        &mut self,
        spec: &AggregateNode,
        ctx: &DataflowContext,
        watermark: i64,
        emit: &mut impl FnMut(Row, Diff),
    ) -> i64 {
        let mut removed = 0;
        let kept = self.by_end.split_off(&(watermark + 1));
        for (end, entries) in std::mem::replace(&mut self.by_end, kept) {
            for (group, start) in entries {
                let Some(sessions) = self.groups.get_mut(&group) else { continue };
                if sessions.get(&start).is_some_and(|(e, _)| *e == end) {
                    let (_, state) = sessions.remove(&start).expect("session just found");
                    self.len -= 1;
                    removed += 1;
                    if ctx.mode == OutputMode::Append {
                        finish(spec, ctx, &Self::row(self.key, &group, start, end), &state, 1, emit);
                    }
                    if sessions.is_empty() {
                        self.groups.remove(&group);
                    }
                }
            }
        }
        removed
    }
}

fn session_bounds(v: &sluice_core::Value) -> Option<(i64, i64)> {
    match v {
        sluice_core::Value::Struct(f) => match (f.first(), f.get(1)) {
            (Some(sluice_core::Value::Timestamp(s)), Some(sluice_core::Value::Timestamp(e))) => {
                Some((*s, *e))
            }
            _ => None,
        },
        _ => None,
    }
}
