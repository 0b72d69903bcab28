//! Time windows aggregated by pane.
//!
//! A sliding `window(t, size, slide)` puts each row in `size / slide` windows; folding the
//! row into each of them (Spark's `Expand`) costs one hash lookup and one window struct per
//! window per row. Every window boundary is a multiple of `gcd(size, slide)` from the
//! windows' offset, so a window is a run of whole *panes* of that length: a row folds once,
//! into its pane's group, and when the batch's partial states are emitted each pane's state
//! merges into the windows that cover it (per group and pane, not per row). A tumbling
//! window is its own pane, so its rows also fold under a plain timestamp and the struct is
//! made once per group.
//!
//! Only where the merge order cannot show: aggregates whose result depends on which row
//! came first (`first`, `last`, `collect_list`, `histogram_numeric`'s bins) and grouping
//! sets (a set without the window counts a row once per window, as Spark) fold per window.

use super::AggState;
use crate::keyed::RowMap;
use sluice_core::expr::AggFunc;
use sluice_core::plan::{AggregateNode, WindowGen};
use sluice_core::time::{for_each_sliding_window, window_start};
use sluice_core::{Row, Value};
use std::collections::hash_map::Entry;

/// The pane length of `spec`'s time window, where it folds by pane.
pub(crate) fn pane_length(spec: &AggregateNode) -> Option<i64> {
    let w = spec.window.as_ref()?;
    let order_free = spec.aggs.iter().all(|a| {
        !matches!(a.func, AggFunc::First | AggFunc::Last | AggFunc::CollectList | AggFunc::HistogramNumeric)
    });
    (w.session_gap.is_none() && w.size > 0 && w.slide > 0 && spec.grouping_sets.is_none() && order_free)
        .then(|| gcd(w.size, w.slide))
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The key value of the pane holding `ts` (its start), if `ts` has windows.
pub(crate) fn pane_key(w: &WindowGen, pane: i64, ts: i64) -> Option<Value> {
    window_start(ts, pane, w.start).map(Value::Timestamp)
}

/// The groups of a batch keyed by pane, keyed by window: each pane's state merged into
/// every window that covers the pane.
pub(crate) fn panes_to_windows(panes: RowMap<AggState>, w: &WindowGen) -> Vec<(Row, AggState)> {
    let window =
        |start: i64, end: i64| Value::Struct(vec![Value::Timestamp(start), Value::Timestamp(end)].into());
    if w.size == w.slide {
        // Tumbling: one window per pane, and distinct panes are distinct windows.
        return panes
            .into_iter()
            .filter_map(|(mut key, state)| {
                let Value::Timestamp(pane) = key[w.key] else { return None };
                let mut only = None;
                for_each_sliding_window(pane, w.size, w.slide, w.start, |s, e| only = Some((s, e)));
                let (start, end) = only?;
                key[w.key] = window(start, end);
                Some((key, state))
            })
            .collect();
    }
    // Each pane is in `size / slide` windows, and a key's windows are as many as its panes
    // in a dense run, as many times more in a sparse one (Nexmark q5: 64k panes, 304k
    // windows): sized for the sparse case, since growing rehashes every key each time it
    // doubles (the profile of q5 showed that costing as much as the inserts).
    let per_pane = usize::try_from((w.size - 1) / w.slide + 1).unwrap_or(usize::MAX);
    let mut windows: RowMap<AggState> = RowMap::with_capacity_and_hasher(
        panes.len().saturating_mul(per_pane).min(1 << 20),
        Default::default(),
    );
    for (key, state) in panes {
        let Value::Timestamp(pane) = key[w.key] else { continue };
        for_each_sliding_window(pane, w.size, w.slide, w.start, |start, end| {
            let mut k = key.clone();
            k[w.key] = window(start, end);
            match windows.entry(k) {
                Entry::Occupied(mut o) => {
                    differential_dataflow::difference::Semigroup::plus_equals(o.get_mut(), &state)
                }
                Entry::Vacant(v) => {
                    v.insert(state.clone());
                }
            }
        });
    }
    windows.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agg::Acc;
    use sluice_core::eval::BoundExpr;
    use sluice_core::DataType;

    fn hop(size: i64, slide: i64, start: i64) -> WindowGen {
        WindowGen {
            key: 1,
            time: BoundExpr::column(0, DataType::Timestamp),
            size,
            slide,
            session_gap: None,
            start,
        }
    }

    fn count(n: i64) -> AggState {
        AggState { rows: n, accs: vec![Acc::Count(n)] }
    }

    /// Folding rows by pane and then expanding gives, per window, the rows of
    /// `for_each_sliding_window` row by row (windows of 10 over slides of 4 and offset 3:
    /// panes of 2, boundaries at 3 + 2k, negative times included).
    #[test]
    fn pane_states_add_up_to_each_windows_rows() {
        for w in [hop(10, 4, 3), hop(10, 10, 0), hop(6, 4, -1), hop(5, 1, 0)] {
            let pane = gcd(w.size, w.slide);
            let times: Vec<i64> =
                (-30i64..40).flat_map(|t| vec![t; (t.rem_euclid(3) + 1) as usize]).collect();
            let mut panes: RowMap<AggState> = RowMap::default();
            let mut want: std::collections::BTreeMap<(i64, i64), i64> = Default::default();
            for &t in &times {
                let key = vec![Value::Long(7), pane_key(&w, pane, t).unwrap()];
                differential_dataflow::difference::Semigroup::plus_equals(
                    panes.entry(key).or_insert(AggState { rows: 0, accs: vec![] }),
                    &count(1),
                );
                for_each_sliding_window(t, w.size, w.slide, w.start, |s, e| {
                    *want.entry((s, e)).or_default() += 1
                });
            }
            let mut got: std::collections::BTreeMap<(i64, i64), i64> = Default::default();
            for (key, state) in panes_to_windows(panes, &w) {
                assert_eq!(key[0], Value::Long(7));
                let Value::Struct(f) = &key[1] else { panic!("window {:?}", key[1]) };
                let (Value::Timestamp(s), Value::Timestamp(e)) = (&f[0], &f[1]) else { panic!("{f:?}") };
                assert_eq!(
                    state.rows,
                    match state.accs[0] {
                        Acc::Count(n) => n,
                        _ => panic!(),
                    }
                );
                assert!(got.insert((*s, *e), state.rows).is_none(), "one state per window");
            }
            assert_eq!(got, want, "windows of size {} slide {} offset {}", w.size, w.slide, w.start);
        }
    }
}
