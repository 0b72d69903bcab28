//! One read of a table that a query reads more than once.
//!
//! A self join, or a query whose two branches read one table (Nexmark q5 and q7 join a
//! window aggregate of the bids back to the bids), would otherwise read, parse and (for a
//! generator) make every row twice, and plan two sources that happen to advance in step.
//! Leaves that read the same `SourceSpec` (the same `Arc`: one table of the catalog or one
//! `DataFrame`'s source, never two separate `read_stream()` calls) become one source read
//! once, with the union of their columns; each leaf keeps its own columns through a `Map`,
//! and the compiler hands every leaf the one collection. The branches then see exactly the
//! same rows in every batch, which is what two in-step reads of a replayable source give.

use super::{Node, SourceInput};
use crate::eval::BoundExpr;
use std::sync::Arc;

/// Merges the sources that read the same spec; returns the rewritten tree and sources.
pub(super) fn share_sources(root: Node, sources: Vec<SourceInput>) -> (Node, Vec<SourceInput>) {
    // The first source of each spec becomes the shared one.
    let mut merged: Vec<SourceInput> = Vec::new();
    let mut target = Vec::with_capacity(sources.len());
    for s in &sources {
        match merged.iter().position(|m| Arc::ptr_eq(&m.spec, &s.spec)) {
            Some(i) => {
                let m = &mut merged[i];
                m.projection.extend(&s.projection);
                m.projection.sort_unstable();
                m.projection.dedup();
                target.push(i);
            }
            None => {
                merged.push(s.clone());
                target.push(merged.len() - 1);
            }
        }
    }
    if merged.len() == sources.len() {
        return (root, sources);
    }
    let root = rewrite(root, &|index| {
        let (own, shared) = (&sources[index], &merged[target[index]]);
        let leaf = Node::Source { index: target[index] };
        if own.projection == shared.projection {
            return leaf;
        }
        let exprs = own
            .projection
            .iter()
            .map(|c| {
                let at = shared.projection.iter().position(|p| p == c).expect("the union holds every column");
                BoundExpr::column(at, own.spec.schema.fields[*c].data_type.clone())
            })
            .collect();
        Node::Map { input: Box::new(leaf), exprs }
    });
    (root, merged)
}

/// The tree with every source leaf replaced by `leaf(index)`.
fn rewrite(node: Node, leaf: &dyn Fn(usize) -> Node) -> Node {
    let sub = |n: Box<Node>| Box::new(rewrite(*n, leaf));
    match node {
        Node::Source { index } => leaf(index),
        Node::Map { input, exprs } => Node::Map { input: sub(input), exprs },
        Node::Filter { input, predicate } => Node::Filter { input: sub(input), predicate },
        Node::Union { inputs } => {
            Node::Union { inputs: inputs.into_iter().map(|i| rewrite(i, leaf)).collect() }
        }
        Node::Watermark { input, column, id } => Node::Watermark { input: sub(input), column, id },
        Node::Aggregate { input, agg } => Node::Aggregate { input: sub(input), agg },
        Node::Join { left, right, join } => Node::Join { left: sub(left), right: sub(right), join },
        Node::Window { input, window } => Node::Window { input: sub(input), window },
        Node::Generate { input, generate } => Node::Generate { input: sub(input), generate },
        Node::Deduplicate { input, dedup } => Node::Deduplicate { input: sub(input), dedup },
    }
}

/// Merges the watermarks that two reads of one shared source declare alike (the same
/// column, the same delay: a table's `WATERMARK FOR` read twice) into one, renumbering the
/// rest; returns the tree and the delays by new id. Two such watermarks see the same rows,
/// so they always agree; as one, the subtrees above them are alike too, and an aggregation
/// both compute can run once (`sluice_operators::agg::shared`).
pub(super) fn share_watermarks(root: Node, delays: Vec<i64>) -> (Node, Vec<i64>) {
    fn collect(n: &Node, out: &mut Vec<(usize, (usize, usize))>) {
        match n {
            Node::Source { .. } => {}
            Node::Watermark { input, column, id } => {
                let leaf = match &**input {
                    Node::Source { index } => Some((*index, *column)),
                    Node::Map { input, exprs } => match &**input {
                        Node::Source { index } => {
                            exprs.get(*column).and_then(|e| e.column_index()).map(|c| (*index, c))
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(leaf) = leaf {
                    out.push((*id, leaf));
                }
                collect(input, out);
            }
            Node::Map { input, .. }
            | Node::Filter { input, .. }
            | Node::Aggregate { input, .. }
            | Node::Window { input, .. }
            | Node::Generate { input, .. }
            | Node::Deduplicate { input, .. } => collect(input, out),
            Node::Union { inputs } => inputs.iter().for_each(|i| collect(i, out)),
            Node::Join { left, right, .. } => {
                collect(left, out);
                collect(right, out);
            }
        }
    }
    let mut reads = Vec::new();
    collect(&root, &mut reads);
    // Each id's canonical id: the smallest id reading the same source column with its delay.
    let mut canonical: Vec<usize> = (0..delays.len()).collect();
    for &(id, leaf) in &reads {
        if let Some(&(first, _)) = reads.iter().filter(|(o, l)| *l == leaf && delays[*o] == delays[id]).min()
        {
            canonical[id] = first;
        }
    }
    if canonical.iter().enumerate().all(|(i, c)| i == *c) {
        return (root, delays);
    }
    let kept: Vec<usize> = (0..delays.len()).filter(|&i| canonical[i] == i).collect();
    let new_id = |old: usize| kept.iter().position(|&k| k == canonical[old]).expect("a canonical id is kept");
    let renumber: Vec<usize> = (0..delays.len()).map(new_id).collect();
    let delays = kept.iter().map(|&k| delays[k]).collect();
    (renumber_watermarks(root, &renumber), delays)
}

fn renumber_watermarks(node: Node, to: &[usize]) -> Node {
    let sub = |n: Box<Node>| Box::new(renumber_watermarks(*n, to));
    match node {
        Node::Watermark { input, column, id } => Node::Watermark { input: sub(input), column, id: to[id] },
        Node::Source { index } => Node::Source { index },
        Node::Map { input, exprs } => Node::Map { input: sub(input), exprs },
        Node::Filter { input, predicate } => Node::Filter { input: sub(input), predicate },
        Node::Union { inputs } => {
            Node::Union { inputs: inputs.into_iter().map(|i| renumber_watermarks(i, to)).collect() }
        }
        Node::Aggregate { input, agg } => Node::Aggregate { input: sub(input), agg },
        Node::Join { left, right, join } => Node::Join { left: sub(left), right: sub(right), join },
        Node::Window { input, window } => Node::Window { input: sub(input), window },
        Node::Generate { input, generate } => Node::Generate { input: sub(input), generate },
        Node::Deduplicate { input, dedup } => Node::Deduplicate { input: sub(input), dedup },
    }
}
