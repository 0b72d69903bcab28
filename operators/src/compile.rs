//! Compiles an analysed plan into differential collections inside one timely dataflow.
//!
//! Consecutive maps and filters fuse into one `flat_map`; an aggregation pre-aggregates
//! each worker's rows per batch before the exchange, then keeps per-group states as the
//! differences of a `count()`, so each batch costs work in proportion to what changed.

use crate::agg::{Acc, AggState};
use crate::errors::ErrorSlot;
use differential_dataflow::input::{Input, InputSession};
use differential_dataflow::{AsCollection, VecCollection};
use sluice_core::eval::BoundExpr;
use sluice_core::plan::{AggregateNode, Analyzed, Node};
use sluice_core::{Result, Row, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::Scope;

/// Timely timestamps are micro-batch ids.
pub type Time = u64;
/// Differences are signed counts.
pub type Diff = isize;
/// A collection of rows at batch-id times.
pub type Rows<'s> = VecCollection<'s, Time, Row, Diff>;

/// One row-at-a-time step of a fused pipeline.
#[derive(Clone, Debug)]
enum Step {
    Map(Vec<BoundExpr>),
    Filter(BoundExpr),
}

/// Builds the plan in `scope`: one input session per source (in `analyzed.sources` order)
/// and the collection of result rows. Row-level errors go to `errors`.
pub fn build<'s>(
    scope: Scope<'s, Time>,
    analyzed: &Analyzed,
    errors: &ErrorSlot,
) -> (Vec<InputSession<Time, Row, Diff>>, Rows<'s>) {
    let mut inputs = Vec::new();
    let mut collections = Vec::new();
    for _ in &analyzed.sources {
        let (input, coll) = scope.new_collection::<Row, Diff>();
        inputs.push(input);
        collections.push(Some(coll));
    }
    let (coll, steps) = build_node(&analyzed.root, &mut collections, errors);
    (inputs, apply_steps(coll, steps, errors))
}

fn build_node<'s>(
    node: &Node,
    sources: &mut [Option<Rows<'s>>],
    errors: &ErrorSlot,
) -> (Rows<'s>, Vec<Step>) {
    match node {
        Node::Source { index } => {
            let coll = sources[*index].take().expect("each source is read by one plan node");
            (coll, Vec::new())
        }
        Node::Map { input, exprs } => {
            let (coll, mut steps) = build_node(input, sources, errors);
            steps.push(Step::Map(exprs.clone()));
            (coll, steps)
        }
        Node::Filter { input, predicate } => {
            let (coll, mut steps) = build_node(input, sources, errors);
            steps.push(Step::Filter(predicate.clone()));
            (coll, steps)
        }
        Node::Aggregate { input, agg } => {
            let (coll, steps) = build_node(input, sources, errors);
            (aggregate(coll, steps, agg, errors), Vec::new())
        }
    }
}

/// Runs fused steps on one row; `Ok(None)` when a filter drops it.
fn run_steps(steps: &[Step], mut row: Row) -> Result<Option<Row>> {
    for step in steps {
        match step {
            Step::Filter(p) => {
                if !p.eval_predicate(&row)? {
                    return Ok(None);
                }
            }
            Step::Map(exprs) => {
                let mut out = Vec::with_capacity(exprs.len());
                for e in exprs {
                    out.push(e.eval(&row)?);
                }
                row = out;
            }
        }
    }
    Ok(Some(row))
}

fn apply_steps<'s>(coll: Rows<'s>, steps: Vec<Step>, errors: &ErrorSlot) -> Rows<'s> {
    if steps.is_empty() {
        return coll;
    }
    let errors = errors.clone();
    coll.flat_map(move |row| match run_steps(&steps, row) {
        Ok(r) => r,
        Err(e) => {
            errors.record(e);
            None
        }
    })
}

/// Per batch and worker, folds rows into one state per group before anything crosses
/// workers; then `count()` sums the states per group across batches and workers.
fn aggregate<'s>(input: Rows<'s>, steps: Vec<Step>, agg: &AggregateNode, errors: &ErrorSlot) -> Rows<'s> {
    let spec = Arc::new(agg.clone());
    let fold_spec = spec.clone();
    let fold_errors = errors.clone();
    let partial = input
        .inner
        .unary_frontier::<CapacityContainerBuilder<Vec<(Row, Time, AggState)>>, _, _, _>(
            Pipeline,
            "PartialAggregate",
            move |_cap, _info| {
                let spec = fold_spec;
                let errors = fold_errors;
                let empty: Vec<Acc> = spec.aggs.iter().map(Acc::empty).collect();
                let mut pending: BTreeMap<Time, (Capability<Time>, HashMap<Row, AggState>)> = BTreeMap::new();
                let mut key: Row = Vec::with_capacity(spec.keys.len());
                let mut args: Vec<Value> = Vec::with_capacity(spec.aggs.len());
                move |(input, frontier), output| {
                    input.for_each_stamp(|cap, batches| {
                        for batch in batches {
                            for (row, t, d) in batch.drain(..) {
                                let row = match run_steps(&steps, row) {
                                    Ok(Some(r)) => r,
                                    Ok(None) => continue,
                                    Err(e) => {
                                        errors.record(e);
                                        continue;
                                    }
                                };
                                if let Err(e) = fold_row(&spec, &row, &mut key, &mut args) {
                                    errors.record(e);
                                    continue;
                                }
                                let slot = pending.entry(t).or_insert_with(|| {
                                    (cap.delayed(&t, output.output_index()), HashMap::new())
                                });
                                let state = match slot.1.get_mut(key.as_slice()) {
                                    Some(s) => s,
                                    None => slot
                                        .1
                                        .entry(key.clone())
                                        .or_insert_with(|| AggState { rows: 0, accs: empty.clone() }),
                                };
                                state.rows += d as i64;
                                for (acc, (i, a)) in state.accs.iter_mut().zip(spec.aggs.iter().enumerate()) {
                                    acc.update(a.arg.as_ref().map(|_| &args[i]), d as i64);
                                }
                            }
                        }
                    });
                    while let Some((&t, _)) = pending.first_key_value() {
                        if frontier.less_equal(&t) {
                            break;
                        }
                        let (cap, groups) = pending.remove(&t).expect("key just seen");
                        let mut session = output.session(&cap);
                        for (k, state) in groups {
                            session.give((k, t, state));
                        }
                    }
                }
            },
        )
        .as_collection();

    let finish_errors = errors.clone();
    partial.count().flat_map(move |(key, state)| match finish_group(&spec, key, &state) {
        Ok(r) => r,
        Err(e) => {
            finish_errors.record(e);
            None
        }
    })
}

/// Evaluates a row's group key into `key` and its aggregate arguments into `args`.
fn fold_row(spec: &AggregateNode, row: &[Value], key: &mut Row, args: &mut Vec<Value>) -> Result<()> {
    key.clear();
    for k in &spec.keys {
        key.push(k.eval(row)?);
    }
    args.clear();
    for a in &spec.aggs {
        args.push(match &a.arg {
            Some(e) => e.eval(row)?,
            None => Value::Null,
        });
    }
    Ok(())
}

/// Turns a group's key and state into its output row, or `None` if `HAVING` drops it.
fn finish_group(spec: &AggregateNode, mut key: Row, state: &AggState) -> Result<Option<Row>> {
    for (acc, a) in state.accs.iter().zip(&spec.aggs) {
        key.push(acc.finish(a)?);
    }
    if let Some(h) = &spec.having {
        if !h.eval_predicate(&key)? {
            return Ok(None);
        }
    }
    let mut out = Vec::with_capacity(spec.output.len());
    for e in &spec.output {
        out.push(e.eval(&key)?);
    }
    Ok(Some(out))
}
