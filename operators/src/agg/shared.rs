//! One aggregation for two identical ones (Flink's sub-plan reuse).
//!
//! Nexmark q5 counts bids per (auction, window) in both branches of its self join, once to
//! keep the count and once to take each window's maximum: the same rows, keys and
//! aggregates, with different output columns. Such aggregations run once: one partial
//! aggregation and one state operator emit the intermediate row `[keys.., aggregates..]`,
//! and each reader applies its own `HAVING` and output columns after it (they commute with
//! the state operator's differences: a retraction of the intermediate row retracts its
//! output row). Two aggregations are the same when their input subtrees and everything the
//! operators read of their specs print alike (`Debug`: derived for every node and bound
//! expression, naming each scalar function and source index), and their effective output
//! mode is the same. The input subtrees are alike only when both read one source with one
//! watermark (`core::plan::shared` merges those).

use sluice_core::eval::BoundExpr;
use sluice_core::mode::OutputMode;
use sluice_core::plan::{AggregateNode, Node};
use std::collections::HashMap;

/// What identifies an aggregation's work (not its output columns or `HAVING`).
pub(crate) fn core_signature(input: &Node, agg: &AggregateNode, mode: OutputMode) -> String {
    // An aggregation that feeds another changes how it emits only in update mode.
    let emits_changes = agg.feeds_aggregate && mode == OutputMode::Update;
    format!(
        "{input:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{emits_changes}",
        agg.keys, agg.aggs, agg.window, agg.event_time_key, agg.default_row
    )
}

/// The signatures of the aggregations of `root` that more than one node computes, with how
/// many nodes compute each. Not aggregations with grouping sets, whose intermediate rows
/// carry extra key values.
pub(crate) fn shared_cores(root: &Node, mode: OutputMode) -> HashMap<String, usize> {
    fn walk(n: &Node, mode: OutputMode, seen: &mut HashMap<String, usize>) {
        if let Node::Aggregate { input, agg } = n {
            if agg.grouping_sets.is_none() {
                *seen.entry(core_signature(input, agg, mode)).or_default() += 1;
            }
        }
        n.children().into_iter().for_each(|c| walk(c, mode, seen));
    }
    let mut seen = HashMap::new();
    walk(root, mode, &mut seen);
    seen.retain(|_, n| *n > 1);
    seen
}

/// How many aggregations of `root` reuse another's state (for the checkpoint's shape: the
/// number of state stores depends on it).
pub fn reused_aggregations(root: &Node, mode: OutputMode) -> usize {
    shared_cores(root, mode).values().map(|n| n - 1).sum()
}

/// The aggregation that emits the intermediate row, and what each reader applies after it:
/// its `HAVING` and its output columns.
pub(crate) fn intermediate(agg: &AggregateNode) -> (AggregateNode, Option<BoundExpr>, Vec<BoundExpr>) {
    let mut types: Vec<_> = agg.keys.iter().map(|k| k.data_type().clone()).collect();
    types.extend(agg.aggs.iter().map(|a| a.output_type.clone()));
    let identity = types.into_iter().enumerate().map(|(i, t)| BoundExpr::column(i, t)).collect();
    let core = AggregateNode { output: identity, having: None, ..agg.clone() };
    (core, agg.having.clone(), agg.output.clone())
}
