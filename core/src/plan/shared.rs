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
    match node {
        Node::Source { index } => leaf(index),
        other => other.map_children(&mut |n| rewrite(n, leaf)),
    }
}

/// Merges the watermarks that two reads of one shared source declare alike (the same
/// column, the same delay: a table's `WATERMARK FOR` read twice) into one, renumbering the
/// rest; returns the tree and the delays by new id. Two such watermarks see the same rows,
/// so they always agree; as one, the subtrees above them are alike too, and an aggregation
/// both compute can run once (`sluice_operators::agg::shared`).
pub(super) fn share_watermarks(root: Node, delays: Vec<i64>) -> (Node, Vec<i64>) {
    fn collect(n: &Node, out: &mut Vec<(usize, (usize, usize))>) {
        if let Node::Watermark { input, column, id } = n {
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
        }
        n.children().into_iter().for_each(|c| collect(c, out));
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
    match node.map_children(&mut |n| renumber_watermarks(n, to)) {
        Node::Watermark { input, column, id } => Node::Watermark { input, column, id: to[id] },
        other => other,
    }
}
