//! Window functions: every row of a partition gets one call's value (`plan::WindowNode`).
//!
//! A keyed timely operator: rows are routed by their partition's key, and each worker keeps
//! its partitions' rows (with their counts) between batches. When a batch completes, each
//! partition it touched is computed before and after its changes ([`partition_rows`]) and
//! the difference is emitted, so earlier output is taken back exactly. Spark allows window
//! functions only in batch queries, where this runs once; on a stream it runs every batch
//! (outside append mode, `plan::check_streaming_mode`).
//!
//! A ranking under a filter on it (`WHERE rn <= 10`, `WindowNode::limit`) outputs only
//! those rows, and over rows that are never taken back (`WindowNode::keeps_top_only`) keeps
//! only them too: a row past the limit can never rank within it again (Flink's and
//! Spark's `WindowGroupLimit`). The state is registered as a [`Snapshot`], so checkpoints
//! save (per batch, the partitions it changed) and restore it.
//!
//! Ties in the window's order are broken by the whole row, ascending, so the same input
//! ranks the same way on any worker count (Spark leaves their order unspecified).

use crate::agg::Acc;
use crate::collection::Time;
use crate::context::{DataflowContext, Snapshot};
use crate::keyed::{KeyedState, RowMap, StoreChanges};
use differential_dataflow::consolidation::consolidate;
use differential_dataflow::{AsCollection, Hashable};
use sluice_core::expr::{Frame, FrameBound};
use sluice_core::plan::{compare_sort_key, WindowCall, WindowNode};
use sluice_core::{Result, Row, SluiceError, Value};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Exchange;
use timely::dataflow::operators::generic::Operator;

pub use crate::collection::{Diff, Rows};

/// Rough bytes per value of a row in state, for `memoryUsedBytes`.
const BYTES_PER_VALUE: usize = 32;

/// One worker's partitions: per partition key, its rows sorted, with their counts.
#[derive(Default)]
struct Partitions {
    keys: KeyedState<Vec<(Row, Diff)>>,
    /// Rows held over all partitions (for progress).
    rows: usize,
}

impl Snapshot for Partitions {
    fn take_changes(&mut self, full: bool) -> Result<StoreChanges> {
        self.keys.take_changes(full)
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.rows = 0;
    }

    fn apply_changes(&mut self, changes: StoreChanges) -> Result<()> {
        self.keys.apply(changes)
    }

    fn restored(&mut self) {
        self.rows = self.keys.iter().map(|(_, live)| live.len()).sum();
    }

    fn load_v1(&mut self, _bytes: &[u8]) -> Result<()> {
        // The first format predates window functions on streams.
        Err(SluiceError::exec("the saved state has no window function's partitions"))
    }
}

/// Appends `spec`'s value to every row of `input` (only the rows it ranks within its
/// `limit`, when it has one).
pub fn window<'s>(input: Rows<'s>, spec: Arc<WindowNode>, ctx: &DataflowContext) -> Rows<'s> {
    let keyed = {
        let (spec, ctx) = (spec.clone(), ctx.clone());
        input.flat_map(move |row| {
            let key: Result<Row> = spec.partition.iter().map(|e| e.eval(&row)).collect();
            match key {
                Ok(key) => Some((key, row)),
                Err(e) => {
                    ctx.errors.record(e);
                    None
                }
            }
        })
    };
    let ctx = ctx.clone();
    let exchange = Exchange::new(|((key, _), _t, _d): &((Row, Row), Time, Diff)| key.hashed());
    keyed
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<(Row, Time, Diff)>>, _, _, _>(
            exchange,
            "Window",
            move |cap, _info| {
                let mut cap = Some(cap);
                // Per batch, per partition, its changed rows (grouped as they come: one hash of
                // the key per row, no sort of the whole batch).
                let mut pending: BTreeMap<Time, RowMap<Vec<(Row, Diff)>>> = BTreeMap::new();
                let store = Rc::new(RefCell::new(Partitions {
                    keys: KeyedState::tracking(ctx.tracks_changes),
                    rows: 0,
                }));
                ctx.register_store(store.clone());
                let slot = ctx.register_dedup_stats();
                let mut changes_out: Vec<(Row, Diff)> = Vec::new();
                move |(input, frontier), output| {
                    input.for_each(|_cap, data| {
                        for ((key, row), t, d) in data.drain(..) {
                            pending.entry(t).or_default().entry(key).or_default().push((row, d));
                        }
                    });
                    let Some(c) = cap.as_mut() else { return };
                    let done = frontier.frontier().first().copied();
                    let complete = |t: Time| done.is_none_or(|d| t < d);
                    let mut store = store.borrow_mut();
                    let Partitions { keys, rows: held } = &mut *store;
                    while let Some(entry) = pending.first_entry().filter(|e| complete(*e.key())) {
                        let t = *entry.key();
                        let changes = entry.remove();
                        if *c.time() < t {
                            c.downgrade(&t);
                        }
                        let mut session = output.session(&*c);
                        let mut stats = ctx.stats.borrow_mut();
                        let counts = &mut stats.dedup[slot];
                        for (key, mut part) in changes {
                            // Sorted by row: a retraction and an addition of one row cancel.
                            consolidate(&mut part);
                            let live = keys.entry_or_insert_with(key.clone(), Vec::new);
                            let had = live.len();
                            match change_partition(&spec, live, part) {
                                Ok(None) => {}
                                Ok(Some((before, after))) => {
                                    changes_out.extend(before.into_iter().map(|r| (r, -1)));
                                    changes_out.extend(after.into_iter().map(|r| (r, 1)));
                                    consolidate(&mut changes_out);
                                    if !changes_out.is_empty() {
                                        counts.updated += 1;
                                    }
                                    session.give_iterator(changes_out.drain(..).map(|(r, d)| (r, t, d)));
                                }
                                Err(e) => ctx.errors.record(e),
                            }
                            *held = *held + live.len() - had;
                            if live.is_empty() {
                                keys.remove(&key);
                                counts.removed += 1;
                            }
                        }
                        counts.rows = *held as i64;
                        counts.bytes = (*held * (spec.column + 1) * BYTES_PER_VALUE) as i64;
                    }
                    crate::collection::follow_frontier(&mut cap, done);
                }
            },
        )
        .as_collection()
}

/// Applies one batch's changes to a partition (`(row, diff)`, consolidated: sorted by row)
/// to its live rows, and returns its output before and after; `None` when the output
/// cannot have changed. When the node keeps only its top rows, the live rows become the
/// ones output.
fn change_partition(
    spec: &WindowNode,
    live: &mut Vec<(Row, Diff)>,
    changes: Vec<(Row, Diff)>,
) -> Result<Option<(Vec<Row>, Vec<Row>)>> {
    let before = if live.is_empty() { Vec::new() } else { ranked(spec, live)? };
    if spec.keeps_top_only() && past_a_full_top(spec, &before, &changes)? {
        // New rows that rank after a full top change nothing, and are not kept.
        return Ok(None);
    }
    let mut merged = Vec::with_capacity(live.len() + changes.len());
    let mut old = std::mem::take(live).into_iter().peekable();
    for (row, d) in changes {
        while let Some((r, n)) = old.next_if(|(r, _)| *r < row) {
            merged.push((r, n));
        }
        match old.next_if(|(r, _)| *r == row) {
            Some((r, n)) => merged.push((r, n + d)),
            None => merged.push((row, d)),
        }
    }
    merged.extend(old);
    if spec.keeps_top_only() && merged.iter().any(|(_, n)| *n < 0) {
        return Err(SluiceError::exec(
            "a window function that keeps only its top rows was sent a row to take back it does not hold",
        ));
    }
    merged.retain(|(_, n)| *n > 0);
    *live = merged;
    let after = if live.is_empty() { Vec::new() } else { ranked(spec, live)? };
    if spec.keeps_top_only() {
        // The rows output, without the value appended: adjacent when equal (a stable sort of
        // sorted rows), counted, and sorted again.
        let mut kept: Vec<(Row, Diff)> = Vec::with_capacity(after.len());
        for row in &after {
            let row = &row[..spec.column];
            match kept.last_mut() {
                Some((r, n)) if r[..] == *row => *n += 1,
                _ => kept.push((row.to_vec(), 1)),
            }
        }
        kept.sort_unstable();
        *live = kept;
    }
    Ok(Some((before, after)))
}

/// True when `changes` only add rows, the partition's output `before` already reaches the
/// limit (its last row ranks at it), and every added row sorts strictly after that last row:
/// each would rank past the limit (a row's rank counts the rows before it), so the output
/// stays as it is.
fn past_a_full_top(spec: &WindowNode, before: &[Row], changes: &[(Row, Diff)]) -> Result<bool> {
    let (Some(limit), Some(last)) = (spec.limit, before.last()) else { return Ok(false) };
    if !matches!(last.last(), Some(Value::Int(r)) if i64::from(*r) == limit)
        || changes.iter().any(|(_, d)| *d <= 0)
    {
        return Ok(false);
    }
    let last = order_key(spec, &last[..spec.column])?;
    for (row, _) in changes {
        if order_cmp(spec, &order_key(spec, row)?, &last) != Ordering::Greater {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A partition's output: every row with the call's value, or the rows ranked within the
/// node's limit.
fn ranked(spec: &WindowNode, live: &[(Row, Diff)]) -> Result<Vec<Row>> {
    let mut rows = Vec::with_capacity(live.iter().map(|(_, n)| (*n).max(0) as usize).sum());
    for (row, n) in live {
        rows.extend(std::iter::repeat_n(row, (*n).max(0) as usize).cloned());
    }
    let mut out = partition_rows(spec, rows)?;
    if let Some(limit) = spec.limit {
        out.retain(|row| matches!(row.last(), Some(Value::Int(r)) if i64::from(*r) <= limit));
    }
    Ok(out)
}

/// One partition's rows in the window's order, each with the call's value appended.
pub fn partition_rows(spec: &WindowNode, rows: Vec<Row>) -> Result<Vec<Row>> {
    let mut keyed = rows
        .into_iter()
        .map(|row| {
            let key = order_key(spec, &row)?;
            Ok((key, row))
        })
        .collect::<Result<Vec<(Vec<Value>, Row)>>>()?;
    let compare = |a: &[Value], b: &[Value]| order_cmp(spec, a, b);
    keyed.sort_by(|a, b| compare(&a.0, &b.0));
    let n = keyed.len();
    // Peer groups: rows with equal order keys, as `[first, end)` per row.
    let mut peers = vec![(0usize, 0usize); n];
    let mut start = 0;
    for i in 1..=n {
        if i == n || compare(&keyed[i].0, &keyed[start].0) != Ordering::Equal {
            for p in &mut peers[start..i] {
                *p = (start, i);
            }
            start = i;
        }
    }
    let frames = || frames(&spec.frame, spec.order.first().is_none_or(|o| o.1), &keyed, &peers);
    let mut values = Vec::with_capacity(n);
    match &spec.call {
        WindowCall::RowNumber => values.extend((0..n).map(|i| int(i + 1))),
        WindowCall::Rank => values.extend(peers.iter().map(|(first, _)| int(first + 1))),
        WindowCall::DenseRank => {
            let mut rank = 0;
            for (i, (first, _)) in peers.iter().enumerate() {
                if *first == i {
                    rank += 1;
                }
                values.push(int(rank));
            }
        }
        WindowCall::PercentRank => values.extend(
            peers
                .iter()
                .map(|(first, _)| Value::double(if n <= 1 { 0.0 } else { *first as f64 / (n - 1) as f64 })),
        ),
        WindowCall::CumeDist => {
            values.extend(peers.iter().map(|(_, end)| Value::double(*end as f64 / n as f64)))
        }
        WindowCall::Ntile(buckets) => {
            // Spark's NTile: `n / buckets` rows each, the first `n % buckets` one more.
            let buckets = (*buckets as usize).max(1);
            let (size, extra) = (n / buckets, n % buckets);
            for i in 0..n {
                let big = extra * (size + 1);
                let bucket = if i < big { i / (size + 1) } else { extra + (i - big) / size.max(1) };
                values.push(int(bucket + 1));
            }
        }
        WindowCall::Offset { arg, offset, default } => {
            for i in 0..n {
                let other = i as i64 + offset;
                let v = match usize::try_from(other).ok().filter(|&j| j < n) {
                    Some(j) => arg.eval(&keyed[j].1)?,
                    None => match default {
                        Some(d) => d.eval(&keyed[i].1)?,
                        None => Value::Null,
                    },
                };
                values.push(v);
            }
        }
        WindowCall::Edge { arg, last, ignore_nulls } => {
            let inputs = keyed.iter().map(|(_, row)| arg.eval(row)).collect::<Result<Vec<Value>>>()?;
            for (from, to) in frames() {
                let frame = &inputs[from..to];
                let wanted = |v: &&Value| !*ignore_nulls || !v.is_null();
                let v = if *last { frame.iter().rev().find(wanted) } else { frame.iter().find(wanted) };
                values.push(v.cloned().unwrap_or(Value::Null));
            }
        }
        WindowCall::Aggregate(agg) => {
            let inputs = keyed
                .iter()
                .map(|(_, row)| agg.arg.as_ref().map(|a| a.eval(row)).transpose())
                .collect::<Result<Vec<Option<Value>>>>()?;
            let mut acc = Acc::empty(agg);
            let (mut lo, mut hi) = (0usize, 0usize);
            for (from, to) in frames() {
                if from != lo || to < hi {
                    // The frame's start moved: fold it afresh.
                    acc = Acc::empty(agg);
                    (lo, hi) = (from, from);
                }
                while hi < to {
                    acc.update(inputs[hi].as_ref(), 1);
                    hi += 1;
                }
                values.push(acc.finish(agg)?);
            }
        }
    }
    Ok(keyed
        .into_iter()
        .zip(values)
        .map(|((_, mut row), v)| {
            row.push(v);
            row
        })
        .collect())
}

/// A row's order keys (the window's `ORDER BY` values).
fn order_key(spec: &WindowNode, row: &[Value]) -> Result<Vec<Value>> {
    spec.order.iter().map(|(e, ..)| e.eval(row)).collect()
}

/// How two rows' order keys compare in the window's order, NULLs placed as it says.
fn order_cmp(spec: &WindowNode, a: &[Value], b: &[Value]) -> Ordering {
    a.iter()
        .zip(b)
        .zip(&spec.order)
        .map(|((x, y), (_, asc, nulls_first))| compare_sort_key(x, y, *asc, *nulls_first))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

fn int(i: usize) -> Value {
    Value::Int(i32::try_from(i).unwrap_or(i32::MAX))
}

/// Each row's frame `[from, to)` over the sorted rows: `ROWS` by position; `RANGE` by
/// peer group, or by the one numeric order key's distance in the sort's direction
/// (`ascending`), a row whose key is NULL seeing only its NULL peers.
fn frames(
    frame: &Frame,
    ascending: bool,
    keyed: &[(Vec<Value>, Row)],
    peers: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    let n = keyed.len();
    // The order key as a number growing along the sort (NULL as None).
    let position: Vec<Option<f64>> = keyed
        .iter()
        .map(|(k, _)| k.first().and_then(Value::as_f64).map(|x| if ascending { x } else { -x }))
        .collect();
    let (lo, hi) =
        match (position.iter().position(Option::is_some), position.iter().rposition(Option::is_some)) {
            (Some(a), Some(b)) => (a, b + 1),
            _ => (0, 0),
        };
    let first_at_least = |x: f64, strict: bool| {
        lo + position[lo..hi].partition_point(|p| {
            let p = p.unwrap_or(f64::NAN);
            if strict {
                p <= x
            } else {
                p < x
            }
        })
    };
    (0..n)
        .map(|i| {
            let at = |b: &FrameBound, end: bool| -> usize {
                match b {
                    FrameBound::UnboundedPreceding => return 0,
                    FrameBound::UnboundedFollowing => return n,
                    FrameBound::CurrentRow if !frame.rows => {
                        return if end { peers[i].1 } else { peers[i].0 }
                    }
                    _ if !frame.rows => {
                        let Some(x) = position[i] else {
                            return if end { peers[i].1 } else { peers[i].0 };
                        };
                        let edge = match b {
                            FrameBound::Preceding(k) => x - *k as f64,
                            FrameBound::Following(k) => x + *k as f64,
                            _ => x,
                        };
                        return first_at_least(edge, end);
                    }
                    _ => {}
                }
                let i = i as i64;
                let pos = match b {
                    FrameBound::Preceding(k) => i - k,
                    FrameBound::Following(k) => i + k,
                    _ => i,
                };
                (pos + i64::from(end)).clamp(0, n as i64) as usize
            };
            let (from, to) = (at(&frame.start, false), at(&frame.end, true));
            (from, to.max(from))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::eval::BoundExpr;
    use sluice_core::types::DataType;

    /// `call() OVER (PARTITION BY #0 ORDER BY #1 DESC)` over rows `(key, value, tag)`, with
    /// `limit`, over rows never taken back.
    fn spec(call: WindowCall, limit: Option<i64>) -> WindowNode {
        WindowNode {
            partition: vec![BoundExpr::column(0, DataType::Long)],
            order: vec![(BoundExpr::column(1, DataType::Long), false, false)],
            call,
            frame: Frame { rows: true, start: FrameBound::UnboundedPreceding, end: FrameBound::CurrentRow },
            limit,
            insert_only: true,
            column: 3,
        }
    }

    /// Random batches of rows (ties and duplicates among them) into one partition: a ranking
    /// that keeps only its top rows outputs, batch after batch, what the same ranking over
    /// every row so far outputs; and it holds no more rows than it outputs.
    #[test]
    fn keeping_only_the_top_rows_outputs_what_keeping_every_row_does() {
        let mut seed = 11u64;
        let mut next = |m: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % m
        };
        for call in [WindowCall::RowNumber, WindowCall::Rank, WindowCall::DenseRank] {
            for limit in [1, 3] {
                let top = spec(call.clone(), Some(limit));
                let mut every = top.clone();
                every.insert_only = false;
                let mut kept: Vec<(Row, Diff)> = Vec::new();
                let mut all: Vec<(Row, Diff)> = Vec::new();
                let mut got: Vec<Row> = Vec::new();
                for _ in 0..200 {
                    let mut batch: Vec<(Row, Diff)> = (0..next(4) + 1)
                        .map(|_| {
                            let row = vec![
                                Value::Long(7),
                                Value::Long(next(6) as i64),
                                Value::Long(next(3) as i64),
                            ];
                            (row, 1)
                        })
                        .collect();
                    consolidate(&mut batch);
                    // `None`: the top's output stays what it was.
                    if let Some((_, after)) = change_partition(&top, &mut kept, batch.clone()).expect("top") {
                        got = after;
                    }
                    let (_, want) =
                        change_partition(&every, &mut all, batch).expect("every").expect("recomputed");
                    assert_eq!(got, want, "{} <= {limit}", call.name());
                    assert_eq!(kept.iter().map(|(_, n)| *n as usize).sum::<usize>(), got.len());
                }
                assert!(all.len() > kept.len(), "the full partition holds more");
            }
        }
    }
}
