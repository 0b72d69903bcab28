//! The query's shape, kept in `metadata`: a restart with another shape (other sources,
//! grouping keys, aggregates, result columns, output mode, or workers holding state) is
//! refused with what changed. Triggers and rate limits may change, as in Spark.

use sluice_core::mode::OutputMode;
use sluice_core::plan::{Analyzed, Node};
use std::collections::BTreeMap;

/// The shape's entry of the worker count that holds the state.
pub const WORKERS: &str = "workers (state is split by worker)";

/// Named parts of a query's shape.
pub type QueryShape = BTreeMap<String, String>;

/// The shape of an analysed query run by `workers` workers in `mode`.
pub fn query_shape(analyzed: &Analyzed, mode: OutputMode, workers: usize) -> QueryShape {
    let mut shape = QueryShape::new();
    for (i, s) in analyzed.sources.iter().enumerate() {
        // A connector the registry no longer knows cannot match a recorded shape anyway.
        let what = crate::connector::source_of(&s.spec)
            .map(|c| c.shape(&s.spec))
            .unwrap_or_else(|_| s.spec.connector.clone());
        shape.insert(format!("source {i}"), what);
    }
    let mut aggs = Vec::new();
    collect_aggregates(&analyzed.root, &mut aggs);
    for (i, a) in aggs.iter().enumerate() {
        shape.insert(format!("aggregation {i} grouping keys"), a.0.to_string());
        shape.insert(format!("aggregation {i} functions"), a.1.clone());
    }
    // An aggregation computed twice runs once (`sluice_operators::agg::shared`): one state
    // store fewer, which a checkpoint of the same query from before it could not restore.
    let reused = sluice_operators::agg::shared::reused_aggregations(&analyzed.root, mode);
    if reused > 0 {
        shape.insert("aggregations computed once for several readers".into(), reused.to_string());
    }
    shape.insert("result columns".into(), analyzed.schema.to_string());
    shape.insert("output mode".into(), mode.to_string());
    if !aggs.is_empty() {
        // State is routed to workers by key hash: another count would misplace it.
        shape.insert(WORKERS.into(), workers.to_string());
    }
    shape
}

fn collect_aggregates(node: &Node, out: &mut Vec<(usize, String)>) {
    match node {
        Node::Source { .. } => {}
        Node::Map { input, .. }
        | Node::Filter { input, .. }
        | Node::Watermark { input, .. }
        | Node::Generate { input, .. } => collect_aggregates(input, out),
        // A window keeps its partitions' rows (only the top ones under a limit): another
        // limit could need rows it dropped.
        Node::Window { input, window } => {
            collect_aggregates(input, out);
            out.push((
                window.partition.len(),
                format!(
                    "window {} (limit {:?}, top rows only {})",
                    window.call.name(),
                    window.limit,
                    window.keeps_top_only()
                ),
            ));
        }
        Node::Deduplicate { input, dedup } => {
            collect_aggregates(input, out);
            out.push((dedup.keys.len(), format!("dropDuplicates({:?})", dedup.expiry)));
        }
        Node::Union { inputs } => inputs.iter().for_each(|i| collect_aggregates(i, out)),
        Node::Join { left, right, .. } => {
            collect_aggregates(left, out);
            collect_aggregates(right, out);
        }
        Node::Aggregate { input, agg } => {
            collect_aggregates(input, out);
            let funcs: Vec<String> =
                agg.aggs.iter().map(|a| format!("{:?}({:?})", a.func, a.input_type)).collect();
            out.push((agg.keys.len(), funcs.join(", ")));
        }
    }
}

/// What differs between the shape a checkpoint was written by and the query now, or `None`.
pub fn differences(old: &QueryShape, new: &QueryShape) -> Option<String> {
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let diffs: Vec<String> = keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| {
            let show = |v: Option<&String>| v.map_or("(none)".to_string(), |v| format!("'{v}'"));
            format!("{k} was {}, is now {}", show(old.get(k)), show(new.get(k)))
        })
        .collect();
    (!diffs.is_empty()).then(|| diffs.join("; "))
}
