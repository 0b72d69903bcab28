//! Joins on differential arrangements: each side keyed by its equi-join keys, paired by
//! `join_map` (both sides arranged by key, so a batch's new rows on either side meet all
//! the rows the other side ever had), the residual condition applied to each pair, and the
//! null-padded rows of outer joins computed as the rows of a side with no surviving pair
//! (`antijoin` of the side against the distinct matched rows). Semi and anti joins keep
//! the left rows with / without a surviving pair.
//!
//! The same dataflow answers batch queries, stream-static joins (the static side enters
//! once, in the first batch, so a stream row's match is decided in its own batch and
//! nothing is retracted later) and stream-stream inner joins (pairs only ever added).
//! A key with a null never matches (Spark), except at a null-safe (`<=>`) position.

use crate::collection::{Diff, Rows, Time};
use crate::context::DataflowContext;
use sluice_core::plan::{JoinNode, JoinType};
use sluice_core::{Result, Row, Value};
use std::sync::Arc;

/// The join's key of `row`, or `None` when a null at a non-null-safe position means the
/// row can match nothing.
/// Stream rows of one batch waiting for the static side: the batch's capability and
/// its (key, row, diff) probes.
type PendingProbes = (timely::dataflow::operators::Capability<Time>, Vec<(Option<Row>, Row, Diff)>);

pub(crate) fn key_of(
    row: &[Value],
    keys: &[sluice_core::eval::BoundExpr],
    null_safe: &[bool],
) -> Result<Option<Row>> {
    let mut key = Vec::with_capacity(keys.len());
    for (k, safe) in keys.iter().zip(null_safe) {
        let v = k.eval(row)?;
        if v.is_null() && !safe {
            return Ok(None);
        }
        key.push(normalize(v));
    }
    Ok(Some(key))
}

/// Spark compares join keys after normalising floating point: -0.0 equals 0.0.
fn normalize(v: Value) -> Value {
    match v {
        Value::Double(d) if d.0 == 0.0 => Value::Double(sluice_core::OrderedF64(0.0)),
        other => other,
    }
}

/// The rows of `rows` that can match, with their key ([`with_optional_keys`] without the
/// rows whose key has a null).
fn keyed<'s>(
    rows: Rows<'s>,
    keys: Vec<sluice_core::eval::BoundExpr>,
    null_safe: Vec<bool>,
    ctx: &DataflowContext,
) -> Rows2<'s> {
    with_optional_keys(rows, keys, null_safe, ctx).flat_map(|(k, row)| k.map(|k| (k, row)))
}

type Rows2<'s> = differential_dataflow::VecCollection<'s, Time, (Row, Row), Diff>;

/// Rows with their join key, `None` for a key with a null at a non-null-safe position (it
/// can match nothing, but an outer join still emits the row).
pub(crate) type KeyedRows<'s> = differential_dataflow::VecCollection<'s, Time, (Option<Row>, Row), Diff>;

/// Each row of `rows` with its key (see [`KeyedRows`]); an error evaluating a key is
/// recorded and drops the row.
pub(crate) fn with_optional_keys<'s>(
    rows: Rows<'s>,
    keys: Vec<sluice_core::eval::BoundExpr>,
    null_safe: Vec<bool>,
    ctx: &DataflowContext,
) -> KeyedRows<'s> {
    let ctx = ctx.clone();
    rows.flat_map(move |row| match key_of(&row, &keys, &null_safe) {
        Ok(k) => Some((k, row)),
        Err(e) => {
            ctx.errors.record(e);
            None
        }
    })
}

pub(crate) fn pad(row: Row, left_nulls: usize, right_nulls: usize) -> Row {
    let mut out = Vec::with_capacity(left_nulls + row.len() + right_nulls);
    out.extend(std::iter::repeat_n(Value::Null, left_nulls));
    out.extend(row);
    out.extend(std::iter::repeat_n(Value::Null, right_nulls));
    out
}

/// The rows of `side` that no pair in `matched` (rows of that side, distinct) came from.
fn unmatched<'s>(side: Rows<'s>, matched: Rows<'s>) -> Rows<'s> {
    side.map(|r| (r, ())).antijoin(matched).map(|(r, ())| r)
}

/// Builds the join of `left` and `right` as `spec` says; rows are left columns then right
/// columns (left only for semi and anti joins).
pub(crate) fn join<'s>(
    left: Rows<'s>,
    right: Rows<'s>,
    spec: Arc<JoinNode>,
    ctx: &DataflowContext,
) -> Rows<'s> {
    let (lw, rw) = (spec.left_width, spec.right_width);
    let lk = keyed(left.clone(), spec.left_keys.clone(), spec.null_safe.clone(), ctx);
    let rk = keyed(right.clone(), spec.right_keys.clone(), spec.null_safe.clone(), ctx);
    let residual = spec.residual.clone();
    let errors = ctx.errors.clone();
    let pairs = lk.join_map(rk, |_k, l: &Row, r: &Row| {
        let mut row = Vec::with_capacity(l.len() + r.len());
        row.extend(l.iter().cloned());
        row.extend(r.iter().cloned());
        row
    });
    let pairs = match residual {
        None => pairs,
        Some(cond) => pairs.filter(move |row| match cond.eval_predicate(row) {
            Ok(keep) => keep,
            Err(e) => {
                errors.record(e);
                false
            }
        }),
    };
    let matched_left = || pairs.clone().map(move |row| row[..lw].to_vec()).distinct();
    let matched_right = || pairs.clone().map(move |row| row[lw..].to_vec()).distinct();
    match spec.kind {
        JoinType::Inner | JoinType::Cross => pairs,
        JoinType::LeftOuter => {
            let lonely = unmatched(left, matched_left()).map(move |r| pad(r, 0, rw));
            pairs.concat(lonely)
        }
        JoinType::RightOuter => {
            let lonely = unmatched(right, matched_right()).map(move |r| pad(r, lw, 0));
            pairs.concat(lonely)
        }
        JoinType::FullOuter => {
            let lonely_left = unmatched(left, matched_left()).map(move |r| pad(r, 0, rw));
            let lonely_right = unmatched(right, matched_right()).map(move |r| pad(r, lw, 0));
            pairs.concat(lonely_left).concat(lonely_right)
        }
        JoinType::LeftSemi => left.map(|r| (r, ())).semijoin(matched_left()).map(|(r, ())| r),
        JoinType::LeftAnti => unmatched(left, matched_left()),
    }
}

/// A stream joined with a static table (Spark's stream-static join): the static rows are
/// the only state, kept per key on the worker that owns the key; each stream row is
/// probed against them in its own batch, once the static side is complete up to that
/// batch, and never kept. Inner joins (either side streaming), left outer / semi / anti
/// with the stream on the left, right outer with the stream on the right.
pub(crate) fn stream_static_join<'s>(
    left: Rows<'s>,
    right: Rows<'s>,
    spec: Arc<JoinNode>,
    ctx: &DataflowContext,
) -> Rows<'s> {
    use differential_dataflow::{AsCollection, Hashable};
    use std::collections::BTreeMap;
    use timely::container::CapacityContainerBuilder;
    use timely::dataflow::channels::pact::Exchange;
    use timely::dataflow::operators::generic::Operator;

    type Keyed = ((Option<Row>, Row), Time, Diff);
    let stream_left = spec.left_streaming;
    let (lw, rw) = (spec.left_width, spec.right_width);
    let lk = with_optional_keys(left, spec.left_keys.clone(), spec.null_safe.clone(), ctx);
    let rk = with_optional_keys(right, spec.right_keys.clone(), spec.null_safe.clone(), ctx);
    let (stream, statik) = if stream_left { (lk, rk) } else { (rk, lk) };
    let route = |x: &Keyed| x.0 .0.as_ref().map_or(0, |k| k.hashed());
    let ctx = ctx.clone();
    stream
        .inner
        .binary_frontier::<_, CapacityContainerBuilder<Vec<(Row, Time, Diff)>>, _, _, _, _>(
            statik.inner,
            Exchange::new(route),
            Exchange::new(route),
            "StreamStaticJoin",
            move |cap, _info| {
                drop(cap);
                let mut table: crate::keyed::RowMap<Vec<(Row, Diff)>> = Default::default();
                let mut static_pending: BTreeMap<Time, Vec<(Row, Row, Diff)>> = BTreeMap::new();
                let mut pending: BTreeMap<Time, PendingProbes> = BTreeMap::new();
                move |(input, _frontier), (statics, static_frontier), output| {
                    input.for_each_stamp(|cap, batches| {
                        for batch in batches {
                            for ((key, row), t, d) in batch.drain(..) {
                                pending
                                    .entry(t)
                                    .or_insert_with(|| (cap.delayed(&t, output.output_index()), Vec::new()))
                                    .1
                                    .push((key, row, d));
                            }
                        }
                    });
                    statics.for_each(|_cap, data| {
                        for ((key, row), t, d) in data.drain(..) {
                            // A static row with a null key can match nothing.
                            if let Some(key) = key {
                                static_pending.entry(t).or_default().push((key, row, d));
                            }
                        }
                    });
                    while let Some((&t, _)) = pending.first_key_value() {
                        if static_frontier.less_equal(&t) {
                            break;
                        }
                        let later = static_pending.split_off(&(t + 1));
                        for (key, row, d) in
                            std::mem::replace(&mut static_pending, later).into_values().flatten()
                        {
                            let rows = table.entry(key).or_default();
                            match rows.iter_mut().find(|(r, _)| *r == row) {
                                Some(slot) => slot.1 += d,
                                None => rows.push((row, d)),
                            }
                            rows.retain(|(_, d)| *d != 0);
                        }
                        let (cap, rows) = pending.remove(&t).expect("key just seen");
                        let mut session = output.session(&cap);
                        for (key, row, d) in rows {
                            let matches =
                                key.as_ref().and_then(|k| table.get(k)).map(Vec::as_slice).unwrap_or(&[]);
                            let mut matched = false;
                            for (other, sd) in matches {
                                let joined: Row = if stream_left {
                                    row.iter().chain(other.iter()).cloned().collect()
                                } else {
                                    other.iter().chain(row.iter()).cloned().collect()
                                };
                                let keep = match &spec.residual {
                                    None => true,
                                    Some(c) => c.eval_predicate(&joined).unwrap_or_else(|e| {
                                        ctx.errors.record(e);
                                        false
                                    }),
                                };
                                if !keep {
                                    continue;
                                }
                                matched = true;
                                match spec.kind {
                                    JoinType::Inner
                                    | JoinType::Cross
                                    | JoinType::LeftOuter
                                    | JoinType::RightOuter => session.give((joined, t, d * sd)),
                                    _ => break,
                                }
                            }
                            match (spec.kind, matched) {
                                (JoinType::LeftOuter, false) => session.give((pad(row, 0, rw), t, d)),
                                (JoinType::RightOuter, false) => session.give((pad(row, lw, 0), t, d)),
                                (JoinType::LeftSemi, true) | (JoinType::LeftAnti, false) => {
                                    session.give((row, t, d))
                                }
                                _ => {}
                            }
                        }
                    }
                    // Static rows of batches no stream row waits for are applied when one does.
                }
            },
        )
        .as_collection()
}
