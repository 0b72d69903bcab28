//! Filters moved towards the sources, as Spark's optimizer moves them.
//!
//! - Below a watermark (Spark's `PushPredicateThroughNonJoin` on `EventTimeWatermark`): the
//!   deterministic conjuncts of a filter right above a watermark that do not read its
//!   event-time column run before it. The watermark then follows the largest event time
//!   among the rows the filter keeps, as Spark's does; the rows that reach any stateful
//!   operator are the same.
//! - Into a source's reader: a deterministic filter right above a source that no other
//!   leaf reads becomes that source's `SourceInput::filter`, which a reader may use to skip
//!   what it would parse of the rows the filter rejects (the JSON reader does). The filter
//!   stays in the plan, so a reader that ignores it changes nothing.

use super::{Node, SourceInput};
use crate::eval::BoundExpr;

/// The tree with every filter right above a watermark split into the conjuncts that may
/// run below it (deterministic, not reading the event-time column) and the rest.
pub(super) fn below_watermarks(node: Node) -> Node {
    match node.map_children(&mut below_watermarks) {
        Node::Filter { input, predicate } => match *input {
            Node::Watermark { input: under, column, id } => {
                let (down, up): (Vec<BoundExpr>, Vec<BoundExpr>) = predicate
                    .conjuncts()
                    .into_iter()
                    .cloned()
                    .partition(|c| c.deterministic_columns().is_some_and(|cols| !cols.contains(&column)));
                let Some(down) = BoundExpr::all_of(down) else {
                    let input = Box::new(Node::Watermark { input: under, column, id });
                    return Node::Filter { input, predicate };
                };
                // The pushed part may meet another watermark below.
                let pushed = below_watermarks(Node::Filter { input: under, predicate: down });
                let watermark = Node::Watermark { input: Box::new(pushed), column, id };
                match BoundExpr::all_of(up) {
                    Some(predicate) => Node::Filter { input: Box::new(watermark), predicate },
                    None => watermark,
                }
            }
            other => Node::Filter { input: Box::new(other), predicate },
        },
        other => other,
    }
}

/// Hands each source the deterministic filter right above its only leaf.
pub(super) fn into_sources(root: &Node, sources: &mut [SourceInput]) {
    fn walk(n: &Node, leaves: &mut [usize], filters: &mut Vec<(usize, BoundExpr)>) {
        match n {
            Node::Source { index } => leaves[*index] += 1,
            Node::Filter { input, predicate } => {
                if let Node::Source { index } = **input {
                    if predicate.deterministic_columns().is_some() {
                        filters.push((index, predicate.clone()));
                    }
                }
                walk(input, leaves, filters);
            }
            other => other.children().into_iter().for_each(|c| walk(c, leaves, filters)),
        }
    }
    let mut leaves = vec![0; sources.len()];
    let mut filters = Vec::new();
    walk(root, &mut leaves, &mut filters);
    for (index, predicate) in filters {
        if leaves[index] == 1 {
            sources[index].filter = Some(predicate);
        }
    }
}
