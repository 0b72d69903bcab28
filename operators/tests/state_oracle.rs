//! The aggregation state operator alone, against a from-scratch oracle (in the style of
//! differential's `tests/reduce_oracle.rs`): random batches of per-group partial states
//! and random (never receding) watermarks go into `state_store` in a bare timely worker;
//! each batch's output, the state's size and its evictions are checked against a
//! recomputation over the whole history, for complete, update and append modes, with 1
//! and 2 workers.

use sluice_core::functions::col;
use sluice_core::mode::OutputMode;
use sluice_core::plan::{AggregateNode, BoundAgg};
use sluice_core::{AggFunc, DataType, Row, Schema, Value};
use sluice_operators::agg::{finish_group, Acc, AggState};
use sluice_operators::state::state_store;
use sluice_operators::{BatchStats, BatchWatermarks, DataflowContext, Diff, ErrorSlot, Time};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use timely::container::CapacityContainerBuilder;
use timely::dataflow::channels::pact::Pipeline;
use timely::dataflow::operators::generic::Operator;
use timely::dataflow::operators::vec::Input;
use timely::dataflow::operators::Probe;
use timely::dataflow::ProbeHandle;

const BATCHES: u64 = 12;
const KEYS: i64 = 12;
/// Event times (µs) are multiples of this, `0..TIMES` of them.
const TICK: i64 = 1_000;
const TIMES: i64 = 10;

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Groups `(k BIGINT, t TIMESTAMP)` with `count(*)`, `sum(v)`, `max(v)`; `t` is the event time.
fn spec() -> AggregateNode {
    let inter = Schema::default()
        .with("k", DataType::Long)
        .with("t", DataType::Timestamp)
        .with("n", DataType::Long)
        .with("s", DataType::Long)
        .with("mx", DataType::Long);
    let agg = |func| BoundAgg {
        func,
        arg: None,
        input_type: DataType::Long,
        output_type: DataType::Long,
        distinct: false,
        retracting: false,
        param: None,
    };
    AggregateNode {
        keys: Vec::new(),
        aggs: vec![agg(AggFunc::Count), agg(AggFunc::Sum), agg(AggFunc::Max)],
        output: ["k", "t", "n", "s", "mx"].iter().map(|c| col(c).bind(&inter).unwrap()).collect(),
        having: None,
        window: None,
        event_time_key: Some(1),
        default_row: false,
        grouping_sets: None,
        output_event_time: None,
        feeds_aggregate: false,
    }
}

/// The watermarks of batch `b` (the same on every worker): `late` is the previous batch's
/// `evict`, as Spark's.
fn watermarks(seed: u64) -> Vec<BatchWatermarks> {
    let mut rng = Rng(seed);
    let mut evict = -TICK;
    (0..BATCHES)
        .map(|_| {
            let late = evict;
            if rng.below(3) == 0 {
                evict += rng.below(3) as i64 * TICK;
            }
            BatchWatermarks { late: Some(late), evict: Some(evict) }
        })
        .collect()
}

/// One worker's random partials for batch `b`.
fn partials(seed: u64, worker: usize, b: u64) -> Vec<(Row, AggState)> {
    let mut rng = Rng(seed ^ (worker as u64) << 32 ^ b.wrapping_mul(0x1234_5678));
    let mut out: BTreeMap<Row, AggState> = BTreeMap::new();
    for _ in 0..rng.below(15) {
        let key = vec![
            Value::Long(rng.below(KEYS as u64) as i64),
            Value::Timestamp(rng.below(TIMES as u64) as i64 * TICK),
        ];
        let v = rng.below(100) as i64;
        let one = AggState {
            rows: 1,
            accs: vec![Acc::Count(1), Acc::SumLong(v as i128, 1), Acc::Max(Value::Long(v))],
        };
        use differential_dataflow::difference::Semigroup;
        out.entry(key).and_modify(|s| s.plus_equals(&one)).or_insert(one);
    }
    out.into_iter().collect()
}

#[derive(Default)]
struct Observed {
    /// Output rows with their batch.
    output: Vec<(Row, Time, Diff)>,
    /// Per batch, each worker's statistics.
    stats: BTreeMap<Time, Vec<BatchStats>>,
}

fn run(mode: OutputMode, workers: usize, seed: u64) -> Observed {
    let observed = Arc::new(Mutex::new(Observed::default()));
    let marks = watermarks(seed);
    let shared = observed.clone();
    timely::execute(timely::Config::process(workers), move |worker| {
        let index = worker.index();
        let ctx = DataflowContext::new(mode, ErrorSlot::new(), 0);
        let probe = ProbeHandle::new();
        let out = shared.clone();
        let mut input = worker.dataflow::<Time, _, _>(|scope| {
            let (input, stream) = scope.new_input::<(Row, Time, AggState)>();
            state_store(stream, Arc::new(spec()), &ctx)
                .inner
                .unary::<CapacityContainerBuilder<Vec<()>>, _, _, _>(Pipeline, "Observe", move |_, _| {
                    move |input, _output| {
                        input.for_each(|_cap, data| out.lock().unwrap().output.append(data));
                    }
                })
                .probe_with(&probe);
            input
        });
        for b in 0..BATCHES {
            ctx.watermarks.borrow_mut().insert(b, marks[b as usize]);
            for (key, state) in partials(seed, index, b) {
                input.send((key, b, state));
            }
            input.advance_to(b + 1);
            worker.step_while(|| probe.less_than(&(b + 1)));
            let stats = ctx.take_stats();
            shared.lock().unwrap().stats.entry(b).or_default().push(stats);
        }
    })
    .unwrap();
    Arc::try_unwrap(observed).ok().expect("workers ended").into_inner().unwrap()
}

/// What the operator should have done in each batch, recomputed from the whole history.
struct Expected {
    /// Per batch, the consolidated output.
    output: BTreeMap<Time, Vec<(Row, Diff)>>,
    /// Per batch, groups held after it and groups evicted in it.
    held: Vec<usize>,
    evicted: Vec<usize>,
}

fn oracle(mode: OutputMode, workers: usize, seed: u64) -> Expected {
    let marks = watermarks(seed);
    let spec = spec();
    let event_time = mode != OutputMode::Complete;
    let finish = |key: &Row, s: &AggState| finish_group(&spec, key.clone(), s).unwrap().unwrap();
    let mut expected = Expected { output: BTreeMap::new(), held: Vec::new(), evicted: Vec::new() };
    let mut previous: BTreeMap<Row, AggState> = BTreeMap::new();
    for b in 0..BATCHES {
        // From scratch: fold every batch up to `b`.
        let mut state: BTreeMap<Row, AggState> = BTreeMap::new();
        let mut touched_now: BTreeMap<Row, ()> = BTreeMap::new();
        let mut evicted_now: Vec<(Row, AggState)> = Vec::new();
        for i in 0..=b {
            let m = marks[i as usize];
            let kt = |k: &Row| match k[1] {
                Value::Timestamp(t) => t,
                _ => unreachable!(),
            };
            for w in 0..workers {
                for (key, partial) in partials(seed, w, i) {
                    if event_time && kt(&key) <= m.late.unwrap() {
                        continue;
                    }
                    use differential_dataflow::difference::Semigroup;
                    state.entry(key.clone()).and_modify(|s| s.plus_equals(&partial)).or_insert(partial);
                    if i == b {
                        touched_now.insert(key, ());
                    }
                }
            }
            if event_time {
                let gone: Vec<Row> = state.keys().filter(|k| kt(k) <= m.evict.unwrap()).cloned().collect();
                for k in gone {
                    let s = state.remove(&k).unwrap();
                    if i == b {
                        evicted_now.push((k, s));
                    }
                }
            }
        }
        let mut out: Vec<(Row, Diff)> = match mode {
            OutputMode::Complete => {
                let mut diff: Vec<(Row, Diff)> = previous.iter().map(|(k, s)| (finish(k, s), -1)).collect();
                diff.extend(state.iter().map(|(k, s)| (finish(k, s), 1)));
                diff
            }
            OutputMode::Update => {
                // Every group with input in the batch, at its value before this batch's
                // eviction (which the batch's own rows may trigger).
                let mut all = state.clone();
                all.extend(evicted_now.iter().cloned());
                touched_now.keys().map(|k| (finish(k, &all[k]), 1)).collect()
            }
            OutputMode::Append => evicted_now.iter().map(|(k, s)| (finish(k, s), 1)).collect(),
        };
        differential_dataflow::consolidation::consolidate(&mut out);
        expected.output.insert(b, out);
        expected.held.push(state.len());
        expected.evicted.push(evicted_now.len());
        previous = state;
    }
    expected
}

fn check(mode: OutputMode, workers: usize, seed: u64) {
    let observed = run(mode, workers, seed);
    let expected = oracle(mode, workers, seed);
    let mut by_batch: BTreeMap<Time, Vec<(Row, Diff)>> = BTreeMap::new();
    for (row, t, d) in observed.output {
        by_batch.entry(t).or_default().push((row, d));
    }
    for b in 0..BATCHES {
        let mut got = by_batch.remove(&b).unwrap_or_default();
        differential_dataflow::consolidation::consolidate(&mut got);
        let what = format!("{mode} mode, {workers} workers, seed {seed}, batch {b}");
        assert_eq!(got, expected.output[&b], "output, {what}");
        let stats = &observed.stats[&b];
        assert_eq!(stats.len(), workers);
        let held: i64 = stats.iter().map(|s| s.state_rows).sum();
        let removed: i64 = stats.iter().map(|s| s.state_removed).sum();
        assert_eq!(held as usize, expected.held[b as usize], "groups held, {what}");
        assert_eq!(removed as usize, expected.evicted[b as usize], "groups evicted, {what}");
    }
    assert!(by_batch.is_empty(), "output at unexpected times: {by_batch:?}");
}

#[test]
fn state_operator_matches_a_from_scratch_oracle_in_every_mode_with_one_and_two_workers() {
    let seeds: Vec<u64> = match std::env::var("SLUICE_ORACLE_SEED") {
        Ok(s) => vec![s.parse().expect("SLUICE_ORACLE_SEED is a number")],
        Err(_) => (1..=6).collect(),
    };
    for seed in seeds {
        for mode in [OutputMode::Complete, OutputMode::Update, OutputMode::Append] {
            for workers in [1, 2] {
                check(mode, workers, seed);
            }
        }
    }
}
