//! Window functions: every row of a partition gets one call's value (`plan::WindowNode`).
//!
//! Rows are keyed by their partition and gathered by differential's `reduce`, which hands
//! the whole partition to [`partition_rows`] whenever it changes and emits the difference
//! from what it gave before. Spark allows window functions only in batch queries, where
//! this runs once; the operator itself is incremental all the same.

use crate::agg::Acc;
use crate::context::DataflowContext;
use sluice_core::expr::{Frame, FrameBound};
use sluice_core::plan::{WindowCall, WindowNode};
use sluice_core::{Result, Row, Value};
use std::cmp::Ordering;
use std::sync::Arc;

pub use crate::collection::{Diff, Rows};

/// Appends `spec`'s value to every row of `input`.
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
    keyed
        .reduce(move |_key, input: &[(&Row, Diff)], output: &mut Vec<(Row, Diff)>| {
            let mut rows = Vec::new();
            for (row, n) in input {
                for _ in 0..(*n).max(0) {
                    rows.push((*row).clone());
                }
            }
            match partition_rows(&spec, rows) {
                Ok(out) => output.extend(out.into_iter().map(|r| (r, 1))),
                Err(e) => ctx.errors.record(e),
            }
        })
        .map(|(_key, row)| row)
}

/// One partition's rows in the window's order, each with the call's value appended.
pub fn partition_rows(spec: &WindowNode, rows: Vec<Row>) -> Result<Vec<Row>> {
    let mut keyed = rows
        .into_iter()
        .map(|row| {
            let key = spec.order.iter().map(|(e, ..)| e.eval(&row)).collect::<Result<Vec<Value>>>()?;
            Ok((key, row))
        })
        .collect::<Result<Vec<(Vec<Value>, Row)>>>()?;
    let compare = |a: &[Value], b: &[Value]| {
        for ((x, y), (_, asc, nulls_first)) in a.iter().zip(b).zip(&spec.order) {
            let ord = match (x.is_null(), y.is_null()) {
                (true, true) => Ordering::Equal,
                (true, false) => {
                    if *nulls_first {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
                (false, true) => {
                    if *nulls_first {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    }
                }
                (false, false) => {
                    let o = x.cmp(y);
                    if *asc {
                        o
                    } else {
                        o.reverse()
                    }
                }
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    };
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
