//! Compiles an analysed plan into differential collections inside one timely dataflow.
//!
//! Consecutive maps and filters fuse into one `flat_map`. An aggregation folds each
//! worker's rows per batch into per-group states before anything crosses workers
//! (`partial_aggregate`), then a keyed state operator (`state`) merges them into the
//! groups' running states and emits the result's changes; see `state.rs` for why that
//! operator, and not an arrangement, holds the state.

use crate::agg::{panes, shared, Acc, AggState};
use crate::context::DataflowContext;
use crate::keyed::RowMap;
use crate::state::state_store;
use differential_dataflow::input::{Input, InputSession};
use sluice_core::eval::BoundExpr;
use sluice_core::plan::{AggregateNode, Analyzed, GenerateNode, JoinType, Node};
use sluice_core::{Result, Row, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::Capability;
use timely::dataflow::Scope;

use crate::collection::Partials;
pub use crate::collection::{Diff, Rows, Time};

/// One row-at-a-time step of a fused pipeline.
#[derive(Clone, Debug)]
enum Step {
    Map(MapStep),
    Filter(BoundExpr),
    /// Records the event time in column `.0` for watermark `.1`.
    EventTime(usize, usize),
}

/// A projection over each row. Column references pass their value on: moved out of the
/// input row when no other expression reads that column (no reference-count traffic for a
/// string), and a projection of every column in order leaves the row as it is.
#[derive(Clone, Debug)]
struct MapStep {
    exprs: Vec<BoundExpr>,
    /// Per expression: the input column it moves, when it is a plain column read once.
    moves: Vec<Option<usize>>,
    /// `exprs` are the columns `0..exprs.len()` in order.
    identity: bool,
}

impl MapStep {
    fn new(exprs: Vec<BoundExpr>) -> MapStep {
        let identity = exprs.iter().enumerate().all(|(i, e)| e.column_index() == Some(i));
        // How many expressions read each column (`None`: some expression is not
        // deterministic, so none moves).
        let reads: Option<Vec<usize>> =
            exprs.iter().map(BoundExpr::deterministic_columns).collect::<Option<Vec<_>>>().map(|cols| {
                let mut reads = vec![0; cols.iter().flatten().max().map_or(0, |m| m + 1)];
                cols.iter().flatten().for_each(|&c| reads[c] += 1);
                reads
            });
        let moves = exprs
            .iter()
            .map(|e| e.column_index().filter(|&c| reads.as_ref().is_some_and(|r| r[c] == 1)))
            .collect();
        MapStep { exprs, moves, identity }
    }

    fn apply(&self, mut row: Row) -> Result<Row> {
        if self.identity && row.len() == self.exprs.len() {
            return Ok(row);
        }
        let mut out = Vec::with_capacity(self.exprs.len());
        // Expressions first (they read columns a move would take), then the moves.
        for (e, m) in self.exprs.iter().zip(&self.moves) {
            out.push(if m.is_some() { Value::Null } else { e.eval(&row)? });
        }
        for (slot, m) in out.iter_mut().zip(&self.moves) {
            if let Some(c) = *m {
                *slot = std::mem::take(&mut row[c]);
            }
        }
        Ok(out)
    }
}

/// Builds the plan in `scope`: one input session per source (in `analyzed.sources` order)
/// and the collection of result rows.
pub fn build<'s>(
    scope: Scope<'s, Time>,
    analyzed: &Analyzed,
    ctx: &DataflowContext,
) -> (Vec<InputSession<Time, Row, Diff>>, Rows<'s>) {
    let mut inputs = Vec::new();
    let mut collections = Vec::new();
    for _ in &analyzed.sources {
        let (input, coll) = scope.new_collection::<Row, Diff>();
        inputs.push(input);
        collections.push(coll);
    }
    let mut b = Builder {
        sources: collections,
        shared: shared::shared_cores(&analyzed.root, ctx.mode),
        built: HashMap::new(),
    };
    let (coll, steps) = build_node(&analyzed.root, &mut b, ctx);
    (inputs, apply_steps(coll, steps, ctx))
}

/// What building a plan keeps as it goes.
struct Builder<'s> {
    /// Each source's rows.
    sources: Vec<Rows<'s>>,
    /// The aggregations that several nodes compute (`agg/shared.rs`) ..
    shared: HashMap<String, usize>,
    /// .. and the intermediate rows of those built so far.
    built: HashMap<String, Rows<'s>>,
}

fn build_node<'s>(node: &Node, b: &mut Builder<'s>, ctx: &DataflowContext) -> (Rows<'s>, Vec<Step>) {
    match node {
        // A source that several leaves read (a table read twice, `plan/shared.rs`) is one
        // input whose rows go to each of them.
        Node::Source { index } => (b.sources[*index].clone(), Vec::new()),
        Node::Map { input, exprs } => {
            let (coll, mut steps) = build_node(input, b, ctx);
            steps.push(Step::Map(MapStep::new(exprs.clone())));
            (coll, steps)
        }
        Node::Filter { input, predicate } => {
            let (coll, mut steps) = build_node(input, b, ctx);
            steps.push(Step::Filter(predicate.clone()));
            (coll, steps)
        }
        Node::Union { inputs } => {
            let mut branches = inputs.iter().map(|i| {
                let (coll, steps) = build_node(i, b, ctx);
                apply_steps(coll, steps, ctx)
            });
            let first = branches.next().expect("a union has inputs");
            (branches.fold(first, |all, b| all.concat(b)), Vec::new())
        }
        Node::Watermark { input, column, id } => {
            let (coll, mut steps) = build_node(input, b, ctx);
            steps.push(Step::EventTime(*column, *id));
            (coll, steps)
        }
        Node::Join { left, right, join } => {
            let (l, steps) = build_node(left, b, ctx);
            let l = apply_steps(l, steps, ctx);
            let (r, steps) = build_node(right, b, ctx);
            let r = apply_steps(r, steps, ctx);
            let spec = Arc::new((**join).clone());
            // One streaming side joined to a static one, where Spark allows it (the checker
            // refuses the rest): probe the static rows, keep no stream state.
            let stream_static = match (spec.left_streaming, spec.right_streaming) {
                (true, false) => matches!(
                    spec.kind,
                    JoinType::Inner
                        | JoinType::Cross
                        | JoinType::LeftOuter
                        | JoinType::LeftSemi
                        | JoinType::LeftAnti
                ),
                (false, true) => {
                    matches!(spec.kind, JoinType::Inner | JoinType::Cross | JoinType::RightOuter)
                }
                _ => false,
            };
            let joined = if stream_static {
                crate::join::stream_static_join(l, r, spec, ctx)
            } else if spec.is_stream_stream() {
                // Both sides' rows kept per key, evicted by the watermark, checkpointed.
                crate::stream_join::stream_stream_join(l, r, spec, ctx)
            } else {
                crate::join::join(l, r, spec, ctx)
            };
            (joined, Vec::new())
        }
        Node::Aggregate { input, agg } => {
            // Computed alike by another node too (`agg/shared.rs`): one aggregation emits the
            // intermediate row, and each reader filters by its HAVING and maps to its columns.
            let core = (!b.shared.is_empty() && agg.grouping_sets.is_none())
                .then(|| shared::core_signature(input, agg, ctx.mode))
                .filter(|c| b.shared.contains_key(c));
            let Some(core) = core else {
                return (aggregate(input, (**agg).clone(), b, ctx), Vec::new());
            };
            let (spec, having, output) = shared::intermediate(agg);
            let rows = match b.built.get(&core) {
                Some(rows) => rows.clone(),
                None => {
                    let rows = aggregate(input, spec, b, ctx);
                    b.built.insert(core, rows.clone());
                    rows
                }
            };
            let mut steps: Vec<Step> = having.into_iter().map(Step::Filter).collect();
            steps.push(Step::Map(MapStep::new(output)));
            (rows, steps)
        }
        Node::Window { input, window } => {
            let (coll, steps) = build_node(input, b, ctx);
            let coll = apply_steps(coll, steps, ctx);
            (crate::window::window(coll, window.clone(), ctx), Vec::new())
        }
        Node::Generate { input, generate } => {
            let (coll, steps) = build_node(input, b, ctx);
            let coll = apply_steps(coll, steps, ctx);
            (generate_rows(coll, generate.clone(), ctx), Vec::new())
        }
        Node::Deduplicate { input, dedup } => {
            let (coll, steps) = build_node(input, b, ctx);
            let coll = apply_steps(coll, steps, ctx);
            (crate::dedup::deduplicate(coll, dedup.clone(), ctx), Vec::new())
        }
    }
}

/// An aggregation of `input`'s rows: per-worker partial states, then the keyed state operator.
fn aggregate<'s>(input: &Node, spec: AggregateNode, b: &mut Builder<'s>, ctx: &DataflowContext) -> Rows<'s> {
    let (coll, steps) = build_node(input, b, ctx);
    let spec = Arc::new(spec);
    state_store(partial_aggregate(coll, steps, spec.clone(), ctx), spec, ctx)
}

/// Runs fused steps on one row; `Ok(None)` when a filter drops it.
fn run_steps(steps: &[Step], mut row: Row, ctx: &DataflowContext) -> Result<Option<Row>> {
    for step in steps {
        match step {
            Step::Filter(p) => {
                if !p.eval_predicate(&row)? {
                    return Ok(None);
                }
            }
            Step::Map(map) => row = map.apply(row)?,
            Step::EventTime(column, id) => {
                if let Value::Timestamp(us) = row[*column] {
                    // Spark keeps event-time statistics in milliseconds.
                    ctx.stats.borrow_mut().event_time[*id].add(us.div_euclid(1000));
                }
            }
        }
    }
    Ok(Some(row))
}

fn apply_steps<'s>(coll: Rows<'s>, steps: Vec<Step>, ctx: &DataflowContext) -> Rows<'s> {
    if steps.is_empty() {
        return coll;
    }
    let ctx = ctx.clone();
    coll.flat_map(move |row| match run_steps(&steps, row, &ctx) {
        Ok(r) => r,
        Err(e) => {
            ctx.errors.record(e);
            None
        }
    })
}

/// Each row followed by the columns of each row its generator makes of it (none: the row
/// goes). A retraction retracts the same generated rows, so this needs no state.
fn generate_rows<'s>(coll: Rows<'s>, generate: Arc<GenerateNode>, ctx: &DataflowContext) -> Rows<'s> {
    let ctx = ctx.clone();
    coll.flat_map(move |row| match generate.generate(&row) {
        Ok(generated) => generated
            .into_iter()
            .map(|values| {
                let mut out = Vec::with_capacity(row.len() + values.len());
                out.extend_from_slice(&row);
                out.extend(values);
                out
            })
            .collect::<Vec<Row>>(),
        Err(e) => {
            ctx.errors.record(e);
            Vec::new()
        }
    })
}

/// Per batch and worker, folds rows into one state per group (per window, for windowed
/// keys) before anything crosses workers.
fn partial_aggregate<'s>(
    input: Rows<'s>,
    steps: Vec<Step>,
    spec: Arc<AggregateNode>,
    ctx: &DataflowContext,
) -> Partials<'s> {
    let ctx = ctx.clone();
    let index = input.inner.scope().index();
    input.inner.unary_frontier::<CapacityContainerBuilder<Vec<(Row, Time, AggState)>>, _, _, _>(
        Pipeline,
        "PartialAggregate",
        move |cap, _info| {
            let empty: Vec<Acc> = spec.aggs.iter().map(Acc::empty).collect();
            // A time window folds its rows by pane (`agg/panes.rs`).
            let pane = panes::pane_length(&spec);
            // A global aggregation of a batch query has one row even over no input (Spark):
            // worker 0 contributes an empty state for the empty key at the first batch.
            let mut default_row = (spec.default_row && index == 0).then_some(cap);
            let mut pending: BTreeMap<Time, (Capability<Time>, RowMap<AggState>)> = BTreeMap::new();
            let mut key: Row = Vec::with_capacity(spec.keys.len());
            let mut last_groups = 0;
            let mut args: Vec<Value> = Vec::with_capacity(spec.aggs.len());
            move |(input, frontier), output| {
                input.for_each_stamp(|cap, batches| {
                    for batch in batches {
                        for (row, t, d) in batch.drain(..) {
                            let row = match run_steps(&steps, row, &ctx) {
                                Ok(Some(r)) => r,
                                Ok(None) => continue,
                                Err(e) => {
                                    ctx.errors.record(e);
                                    continue;
                                }
                            };
                            if let Err(e) = fold_row(&spec, &row, &mut key, &mut args) {
                                ctx.errors.record(e);
                                continue;
                            }
                            let groups = &mut pending
                                .entry(t)
                                .or_insert_with(|| {
                                    // Sized as the last batch's groups: growing a map of
                                    // rows rehashes every row each time it doubles.
                                    let groups =
                                        RowMap::with_capacity_and_hasher(last_groups, Default::default());
                                    (cap.delayed(&t, output.output_index()), groups)
                                })
                                .1;
                            let mut fold_one = |key: &Row| {
                                let state = match groups.get_mut(key.as_slice()) {
                                    Some(s) => s,
                                    None => groups
                                        .entry(key.clone())
                                        .or_insert_with(|| AggState { rows: 0, accs: empty.clone() }),
                                };
                                state.rows += d as i64;
                                for (i, (acc, a)) in state.accs.iter_mut().zip(spec.aggs.iter()).enumerate() {
                                    acc.update(a.arg.as_ref().map(|_| &args[i]), d as i64);
                                }
                            };
                            // Grouping sets: the row once per set (Spark's `Expand`).
                            let mut fold = |key: &Row| match &spec.grouping_sets {
                                None => fold_one(key),
                                Some(sets) => {
                                    for set in sets {
                                        let mut k: Row = key
                                            .iter()
                                            .zip(&set.nulls)
                                            .map(|(v, &null)| if null { Value::Null } else { v.clone() })
                                            .collect();
                                        k.extend(set.extra.iter().cloned());
                                        fold_one(&k);
                                    }
                                }
                            };
                            match &spec.window {
                                None => fold(&key),
                                Some(w) if pane.is_some() => match w.time.eval(&row) {
                                    Ok(Value::Timestamp(ts)) => {
                                        if let Some(p) = pane.and_then(|pane| panes::pane_key(w, pane, ts)) {
                                            key[w.key] = p;
                                            fold(&key);
                                        }
                                    }
                                    Ok(_) => {}
                                    Err(e) => ctx.errors.record(e),
                                },
                                Some(w) => match w.time.eval(&row) {
                                    // Rows without an event time belong to no window.
                                    Ok(Value::Timestamp(ts)) => w.for_each_window(ts, |start, end| {
                                        key[w.key] = Value::Struct(
                                            vec![Value::Timestamp(start), Value::Timestamp(end)].into(),
                                        );
                                        fold(&key);
                                    }),
                                    Ok(_) => {}
                                    Err(e) => ctx.errors.record(e),
                                },
                            }
                        }
                    }
                });
                if let Some(cap) = default_row.take_if(|c| !frontier.less_equal(c.time())) {
                    let t = *cap.time();
                    output.session(&cap).give((Vec::new(), t, AggState { rows: 0, accs: empty.clone() }));
                }
                while let Some((&t, _)) = pending.first_key_value() {
                    if frontier.less_equal(&t) {
                        break;
                    }
                    let (cap, groups) = pending.remove(&t).expect("key just seen");
                    last_groups = groups.len();
                    let mut session = output.session(&cap);
                    match spec.window.as_ref().filter(|_| pane.is_some()) {
                        Some(w) => {
                            for (k, state) in panes::panes_to_windows(groups, w) {
                                session.give((k, t, state));
                            }
                        }
                        None => {
                            for (k, state) in groups {
                                session.give((k, t, state));
                            }
                        }
                    }
                }
            }
        },
    )
}

/// Evaluates a row's group key into `key` and its aggregate arguments into `args`.
fn fold_row(spec: &AggregateNode, row: &[Value], key: &mut Row, args: &mut Vec<Value>) -> Result<()> {
    key.clear();
    for k in &spec.keys {
        // Maps group by their entries, whatever their order (Spark 4's map grouping).
        key.push(match k.eval(row)? {
            v @ (Value::Map(_) | Value::Array(_) | Value::Struct(_)) => v.with_sorted_maps(),
            v => v,
        });
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

#[cfg(test)]
mod tests {
    use super::MapStep;
    use sluice_core::sql::parse_expr;
    use sluice_core::{Schema, Value};

    fn map(exprs: &[&str]) -> MapStep {
        let schema = Schema::parse_ddl("a BIGINT, s STRING, t STRING").unwrap();
        MapStep::new(exprs.iter().map(|e| parse_expr(e).unwrap().bind(&schema).unwrap()).collect())
    }

    #[test]
    fn a_projection_moves_columns_read_once_and_gives_the_values_of_evaluating_each() {
        let row = || vec![Value::Long(3), Value::string("x"), Value::string("y")];
        let cases: &[(&[&str], Vec<Value>)] = &[
            (&["a", "s", "t"], row()),
            (&["t", "a"], vec![Value::string("y"), Value::Long(3)]),
            (&["s", "upper(s)", "a * 2"], vec![Value::string("x"), Value::string("X"), Value::Long(6)]),
            (&["a", "a", "t"], vec![Value::Long(3), Value::Long(3), Value::string("y")]),
            (&["concat(t, s)", "s", "t"], vec![Value::string("yx"), Value::string("x"), Value::string("y")]),
            (&["s", "rand(1) < 2"], vec![Value::string("x"), Value::Boolean(true)]),
        ];
        for (exprs, want) in cases {
            let m = map(exprs);
            assert_eq!(&m.apply(row()).unwrap(), want, "{exprs:?}");
            let evaluated: Vec<Value> = m.exprs.iter().map(|e| e.eval(&row()).unwrap()).collect();
            assert_eq!(&evaluated, want, "{exprs:?}");
        }
        assert_eq!(map(&["t", "a"]).moves, [Some(2), Some(0)]);
        assert_eq!(map(&["s", "upper(s)"]).moves, [None, None], "s is read twice");
        assert_eq!(map(&["s", "rand(1) < 2"]).moves, [None, None], "a random expression reads what it likes");
        // A prefix of the columns is no identity: the row must lose its other columns.
        assert_eq!(map(&["a", "s"]).apply(row()).unwrap(), vec![Value::Long(3), Value::string("x")]);
        assert!(map(&["a", "s", "t"]).identity);
        assert!(!map(&["s", "a", "t"]).identity);
    }
}
