//! Aggregate states as differential differences: a group's state is the sum of the
//! states of its rows, so `count()` over `(key, AggState)` keeps every aggregate of a
//! group up to date with work proportional to the rows that changed.
//!
//! Aggregation inputs are insert-only (Spark's streaming rules allow no aggregation
//! downstream of another outside append mode), which is what lets min and max live in
//! a semigroup.

use differential_dataflow::difference::{IsZero, Semigroup};
use serde::{Deserialize, Serialize};
use sluice_core::decimal::Decimal;
use sluice_core::plan::{AggregateNode, BoundAgg};
use sluice_core::{AggFunc, DataType, OrderedF64, Result, Row, SluiceError, Value};
use std::collections::BTreeMap;

mod histogram;
pub(crate) mod panes;
pub mod shared;

/// The running state of one aggregate of one group.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Acc {
    /// Rows (or non-null values) counted.
    Count(i64),
    /// Exact sum of integral values (checked against bigint overflow when read) and how many.
    SumLong(i128, i64),
    /// Sum of double values and how many (also the state of `avg`).
    SumDouble(OrderedF64, i64),
    /// Smallest non-null value seen.
    Min(Value),
    /// Largest non-null value seen.
    Max(Value),
    /// Count, mean and sum of squared deviations (Chan et al.'s mergeable moments, as Spark's `CentralMomentAgg`).
    Moments(i64, OrderedF64, OrderedF64),
    /// First non-null value seen.
    First(Value),
    /// Last non-null value seen.
    Last(Value),
    /// Distinct non-null values seen, with how many times (for `count(DISTINCT x)`,
    /// `sum(DISTINCT x)`, `approx_count_distinct(x)`): the aggregate is computed from the set.
    /// A retraction takes a value's count down, and a value counted zero times leaves.
    Distinct(BTreeMap<Value, i64>),
    /// Values with how many times each was seen, for min, max and the moments over rows
    /// that can be retracted (an aggregation's changing rows): a retraction takes a value back.
    Multiset(BTreeMap<Value, i64>),
    /// Values in arrival order (`collect_list` over rows never retracted).
    List(Vec<Value>),
    /// Count, mean and the sums of squared, cubed and fourth-power deviations (`skewness`,
    /// `kurtosis`), updated and merged with Spark's `CentralMomentAgg` formulas.
    HigherMoments(i64, OrderedF64, OrderedF64, OrderedF64, OrderedF64),
    /// `histogram_numeric`'s bins `(x, y)` in x order, at most `nb`, and the state of the
    /// `java.util.Random(31183)` that breaks ties between equally close bins (Spark's
    /// `NumericHistogram`).
    Histogram(usize, Vec<(OrderedF64, OrderedF64)>, u64),
    /// The first value seen, NULL included (`first(x)`, Spark's default `ignoreNulls` =
    /// false); `None` before any.
    FirstAny(Option<Value>),
    /// The last value seen, NULL included.
    LastAny(Option<Value>),
    /// `corr` / `covar_pop` / `covar_samp` of pairs `(x, y)`: count, the two means, the
    /// co-moment and the two sums of squared deviations, updated and merged with Spark's
    /// `PearsonCorrelation` / `Covariance` formulas.
    CoMoments(i64, [OrderedF64; 5]),
}

/// The states of all aggregates of a group, plus how many rows it holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AggState {
    /// Rows merged into this state; zero means "no change" to differential.
    pub rows: i64,
    /// One state per aggregate, in the plan's order.
    pub accs: Vec<Acc>,
}

impl IsZero for AggState {
    fn is_zero(&self) -> bool {
        self.rows == 0
    }
}

impl Semigroup for AggState {
    fn plus_equals(&mut self, rhs: &Self) {
        // The placeholder of a new group (no rows, no accumulators) takes the other state
        // whole. A state with accumulators and no rows is real: the net of retractions and
        // additions (an upstream aggregation's changed row), which must be merged.
        if self.rows == 0 && self.accs.is_empty() {
            *self = rhs.clone();
            return;
        }
        self.rows += rhs.rows;
        for (a, b) in self.accs.iter_mut().zip(&rhs.accs) {
            a.merge(b);
        }
    }
}

impl Acc {
    /// The empty state of `agg`.
    pub fn empty(agg: &BoundAgg) -> Acc {
        if agg.distinct || matches!(agg.func, AggFunc::ApproxCountDistinct | AggFunc::CollectSet) {
            return Acc::Distinct(BTreeMap::new());
        }
        // The percentiles need every value; a list over retracted rows must give them back.
        let whole = matches!(agg.func, AggFunc::Percentile | AggFunc::PercentileApprox);
        if whole || (agg.retracting && agg.func == AggFunc::CollectList) {
            return Acc::Multiset(BTreeMap::new());
        }
        let extremum_or_moments = matches!(
            agg.func,
            AggFunc::Min
                | AggFunc::Max
                | AggFunc::StddevPop
                | AggFunc::StddevSamp
                | AggFunc::VarPop
                | AggFunc::VarSamp
                | AggFunc::Skewness
                | AggFunc::Kurtosis
                | AggFunc::Corr
                | AggFunc::CovarPop
                | AggFunc::CovarSamp
        );
        if agg.retracting && extremum_or_moments {
            return Acc::Multiset(BTreeMap::new());
        }
        match agg.func {
            AggFunc::Count => Acc::Count(0),
            AggFunc::Sum if agg.input_type.is_integral() => Acc::SumLong(0, 0),
            // Decimals sum exactly, as unscaled integers at the input's scale.
            AggFunc::Sum | AggFunc::Avg if matches!(agg.input_type, DataType::Decimal(..)) => {
                Acc::SumLong(0, 0)
            }
            AggFunc::Sum | AggFunc::Avg => Acc::SumDouble(OrderedF64(0.0), 0),
            AggFunc::Min => Acc::Min(Value::Null),
            AggFunc::Max => Acc::Max(Value::Null),
            AggFunc::StddevPop | AggFunc::StddevSamp | AggFunc::VarPop | AggFunc::VarSamp => {
                Acc::Moments(0, OrderedF64(0.0), OrderedF64(0.0))
            }
            AggFunc::First if !ignore_nulls(agg) => Acc::FirstAny(None),
            AggFunc::Last if !ignore_nulls(agg) => Acc::LastAny(None),
            AggFunc::First => Acc::First(Value::Null),
            AggFunc::Last => Acc::Last(Value::Null),
            AggFunc::ApproxCountDistinct | AggFunc::CollectSet => Acc::Distinct(BTreeMap::new()),
            AggFunc::Percentile | AggFunc::PercentileApprox => Acc::Multiset(BTreeMap::new()),
            AggFunc::CollectList => Acc::List(Vec::new()),
            AggFunc::HistogramNumeric => {
                let nb = agg.param.as_ref().and_then(Value::as_i64).unwrap_or(2) as usize;
                Acc::Histogram(nb, Vec::new(), histogram::seed())
            }
            AggFunc::Skewness | AggFunc::Kurtosis => {
                let zero = OrderedF64(0.0);
                Acc::HigherMoments(0, zero, zero, zero, zero)
            }
            AggFunc::Corr | AggFunc::CovarPop | AggFunc::CovarSamp => Acc::CoMoments(0, [OrderedF64(0.0); 5]),
        }
    }

    /// Adds one input value (`None` for `count(*)`) seen `times` times.
    pub fn update(&mut self, v: Option<&Value>, times: i64) {
        match (&mut *self, v) {
            (Acc::FirstAny(first), Some(v)) => {
                if first.is_none() && times > 0 {
                    *first = Some(v.clone());
                }
                return;
            }
            (Acc::LastAny(last), Some(v)) => {
                if times > 0 {
                    *last = Some(v.clone());
                }
                return;
            }
            _ => {}
        }
        let v = match v {
            None => {
                if let Acc::Count(n) = self {
                    *n += times;
                }
                return;
            }
            Some(Value::Null) => return,
            Some(v) => v,
        };
        match self {
            // Handled above, before NULLs are skipped.
            Acc::FirstAny(_) | Acc::LastAny(_) => {}
            Acc::Count(n) => *n += times,
            Acc::SumLong(s, n) => {
                let unscaled = match v {
                    Value::Decimal(d) => d.unscaled,
                    v => v.as_i64().unwrap_or(0) as i128,
                };
                // Wrapping: a sum past i128 is past every decimal's range, and wrapped
                // intermediate sums come back exact when retractions bring it back in range.
                *s = s.wrapping_add(unscaled.wrapping_mul(times as i128));
                *n += times;
            }
            Acc::SumDouble(s, n) => {
                s.0 += v.as_f64().unwrap_or(0.0) * times as f64;
                *n += times;
            }
            Acc::Min(m) => {
                if m.is_null() || sluice_core::plan::compare_values(v, m).is_lt() {
                    *m = v.clone();
                }
            }
            Acc::Max(m) => {
                if m.is_null() || sluice_core::plan::compare_values(v, m).is_gt() {
                    *m = v.clone();
                }
            }
            Acc::Moments(n, mean, m2) => {
                // Spark's `CentralMomentAgg.updateExpressions`, one value at a time.
                let x = v.as_f64().unwrap_or(0.0);
                for _ in 0..times.max(0) {
                    let delta = x - mean.0;
                    let delta_n = delta / (*n + 1) as f64;
                    mean.0 += delta_n;
                    m2.0 += delta * (delta - delta_n);
                    *n += 1;
                }
            }
            Acc::First(f) => {
                if f.is_null() {
                    *f = v.clone();
                }
            }
            Acc::Last(l) => *l = v.clone(),
            Acc::Distinct(set) => add_count(set, v, times),
            Acc::Multiset(set) => add_count(set, v, times),
            Acc::Histogram(nb, bins, rng) => {
                let x = histogram::coordinate(v);
                for _ in 0..times.max(0) {
                    histogram::add(*nb, bins, rng, x);
                }
            }
            Acc::List(list) => {
                for _ in 0..times.max(0) {
                    list.push(v.clone());
                }
            }
            Acc::CoMoments(n, m) => {
                // Spark's `PearsonCorrelation.updateExpressions`, one pair at a time.
                let Value::Struct(pair) = v else { return };
                let (Some(x), Some(y)) =
                    (pair.first().and_then(Value::as_f64), pair.get(1).and_then(Value::as_f64))
                else {
                    return;
                };
                for _ in 0..times.max(0) {
                    let [x_avg, y_avg, ck, x_mk, y_mk] = &mut *m;
                    let new_n = (*n + 1) as f64;
                    let dx = x - x_avg.0;
                    let dy = y - y_avg.0;
                    x_avg.0 += dx / new_n;
                    y_avg.0 += dy / new_n;
                    ck.0 += dx * (y - y_avg.0);
                    x_mk.0 += dx * (x - x_avg.0);
                    y_mk.0 += dy * (y - y_avg.0);
                    *n += 1;
                }
            }
            Acc::HigherMoments(n, mean, m2, m3, m4) => {
                // Spark's `CentralMomentAgg.updateExpressions`, one value at a time.
                let x = v.as_f64().unwrap_or(0.0);
                for _ in 0..times.max(0) {
                    let new_n = (*n + 1) as f64;
                    let delta = x - mean.0;
                    let delta_n = delta / new_n;
                    mean.0 += delta_n;
                    m2.0 += delta * (delta - delta_n);
                    let (delta2, delta_n2) = (delta * delta, delta_n * delta_n);
                    m3.0 = m3.0 - 3.0 * delta_n * m2.0 + delta * (delta2 - delta_n2);
                    m4.0 = m4.0 - 4.0 * delta_n * m3.0 - 6.0 * delta_n2 * m2.0
                        + delta * (delta * delta2 - delta_n * delta_n2);
                    *n += 1;
                }
            }
        }
    }

    /// Merges another state of the same aggregate into this one.
    pub fn merge(&mut self, other: &Acc) {
        match (self, other) {
            (Acc::Count(a), Acc::Count(b)) => *a += b,
            (Acc::SumLong(s, n), Acc::SumLong(s2, n2)) => {
                *s = s.wrapping_add(*s2);
                *n += n2;
            }
            (Acc::SumDouble(s, n), Acc::SumDouble(s2, n2)) => {
                s.0 += s2.0;
                *n += n2;
            }
            (Acc::Min(a), Acc::Min(b)) => {
                if !b.is_null() && (a.is_null() || sluice_core::plan::compare_values(b, a).is_lt()) {
                    *a = b.clone();
                }
            }
            (Acc::Max(a), Acc::Max(b)) => {
                if !b.is_null() && (a.is_null() || sluice_core::plan::compare_values(b, a).is_gt()) {
                    *a = b.clone();
                }
            }
            (Acc::Moments(n1, mean1, m2_1), Acc::Moments(n2, mean2, m2_2)) => {
                if *n2 == 0 {
                    return;
                }
                if *n1 == 0 {
                    (*n1, *mean1, *m2_1) = (*n2, *mean2, *m2_2);
                    return;
                }
                let (a, b) = (*n1 as f64, *n2 as f64);
                let n = a + b;
                let delta = mean2.0 - mean1.0;
                let delta_n = delta / n;
                mean1.0 += delta_n * b;
                m2_1.0 += m2_2.0 + delta * delta_n * a * b;
                *n1 += n2;
            }
            (Acc::First(a), Acc::First(b)) => {
                if a.is_null() {
                    *a = b.clone();
                }
            }
            (Acc::Last(a), Acc::Last(b)) => {
                if !b.is_null() {
                    *a = b.clone();
                }
            }
            (Acc::List(a), Acc::List(b)) => a.extend(b.iter().cloned()),
            (Acc::FirstAny(a), Acc::FirstAny(b)) => {
                if a.is_none() {
                    a.clone_from(b);
                }
            }
            (Acc::LastAny(a), Acc::LastAny(b)) => {
                if b.is_some() {
                    a.clone_from(b);
                }
            }
            (Acc::Histogram(nb, a, rng), Acc::Histogram(_, b, _)) => histogram::merge(*nb, a, rng, b),
            (Acc::CoMoments(n1, a), Acc::CoMoments(n2, b)) => {
                if *n2 == 0 {
                    return;
                }
                if *n1 == 0 {
                    (*n1, *a) = (*n2, *b);
                    return;
                }
                // Spark's `PearsonCorrelation.mergeExpressions`.
                let (c1, c2) = (*n1 as f64, *n2 as f64);
                let n = c1 + c2;
                let dx = b[0].0 - a[0].0;
                let dy = b[1].0 - a[1].0;
                let (dx_n, dy_n) = (dx / n, dy / n);
                *a = [
                    OrderedF64(a[0].0 + dx_n * c2),
                    OrderedF64(a[1].0 + dy_n * c2),
                    OrderedF64(a[2].0 + b[2].0 + dx * dy_n * c1 * c2),
                    OrderedF64(a[3].0 + b[3].0 + dx * dx_n * c1 * c2),
                    OrderedF64(a[4].0 + b[4].0 + dy * dy_n * c1 * c2),
                ];
                *n1 += n2;
            }
            (Acc::HigherMoments(n1, mean1, m2a, m3a, m4a), Acc::HigherMoments(n2, mean2, m2b, m3b, m4b)) => {
                if *n2 == 0 {
                    return;
                }
                if *n1 == 0 {
                    (*n1, *mean1, *m2a, *m3a, *m4a) = (*n2, *mean2, *m2b, *m3b, *m4b);
                    return;
                }
                // Spark's `CentralMomentAgg.mergeExpressions`.
                let (a, b) = (*n1 as f64, *n2 as f64);
                let n = a + b;
                let delta = mean2.0 - mean1.0;
                let dn = delta / n;
                let m2 = m2a.0 + m2b.0 + delta * dn * a * b;
                let m3 =
                    m3a.0 + m3b.0 + dn * dn * delta * a * b * (a - b) + 3.0 * dn * (a * m2b.0 - b * m2a.0);
                let m4 = m4a.0
                    + m4b.0
                    + dn * dn * dn * delta * a * b * (a * a - a * b + b * b)
                    + 6.0 * dn * dn * (a * a * m2b.0 + b * b * m2a.0)
                    + 4.0 * dn * (a * m3b.0 - b * m3a.0);
                mean1.0 += dn * b;
                (m2a.0, m3a.0, m4a.0) = (m2, m3, m4);
                *n1 += n2;
            }
            (Acc::Distinct(a), Acc::Distinct(b)) | (Acc::Multiset(a), Acc::Multiset(b)) => {
                for (v, n) in b {
                    add_count(a, v, *n);
                }
            }
            _ => debug_assert!(false, "merging states of different aggregates"),
        }
    }

    /// The aggregate's value, as Spark computes it from this state.
    pub fn finish(&self, agg: &BoundAgg) -> Result<Value> {
        Ok(match self {
            Acc::Count(n) => Value::Long(*n),
            Acc::SumLong(_, 0) | Acc::SumDouble(_, 0) | Acc::Moments(0, ..) => Value::Null,
            Acc::SumLong(s, n) if matches!(agg.output_type, DataType::Decimal(..)) => {
                return finish_decimal(*s, *n, agg);
            }
            Acc::SumLong(s, _) => Value::Long(i64::try_from(*s).map_err(|_| {
                SluiceError::exec("[ARITHMETIC_OVERFLOW] long overflow in sum. Use 'try_sum' to tolerate overflow and return NULL instead.")
            })?),
            Acc::SumDouble(s, n) => match agg.func {
                AggFunc::Avg => Value::double(s.0 / *n as f64),
                _ => Value::double(s.0),
            },
            Acc::Min(v) | Acc::Max(v) | Acc::First(v) | Acc::Last(v) => v.clone(),
            Acc::Distinct(set) => return finish_distinct(set, agg),
            Acc::Multiset(set) => return finish_multiset(set, agg),
            Acc::List(list) => Value::Array(list.clone().into()),
            Acc::FirstAny(v) | Acc::LastAny(v) => v.clone().unwrap_or(Value::Null),
            Acc::Histogram(_, bins, _) => histogram::finish(bins, &agg.input_type),
            // Spark 4 (`nullOnDivideByZero`): NULL for no pair, and for one where a sample
            // statistic would divide by zero.
            Acc::CoMoments(n, [_, _, ck, x_mk, y_mk]) => {
                let c = *n as f64;
                match agg.func {
                    _ if *n == 0 => Value::Null,
                    AggFunc::CovarPop => Value::double(ck.0 / c),
                    _ if *n == 1 => Value::Null,
                    AggFunc::CovarSamp => Value::double(ck.0 / (c - 1.0)),
                    // A constant x or y: no correlation (NULL, as Spark 4 answers).
                    _ if x_mk.0 * y_mk.0 == 0.0 => Value::Null,
                    _ => Value::double(ck.0 / (x_mk.0 * y_mk.0).sqrt()),
                }
            }
            Acc::HigherMoments(0, ..) => Value::Null,
            Acc::HigherMoments(n, _, m2, m3, m4) => {
                // Spark: NULL when the values do not vary (m2 = 0).
                let n = *n as f64;
                if m2.0 == 0.0 {
                    return Ok(Value::Null);
                }
                match agg.func {
                    AggFunc::Skewness => Value::double(n.sqrt() * m3.0 / (m2.0 * m2.0 * m2.0).sqrt()),
                    _ => Value::double(n * m4.0 / (m2.0 * m2.0) - 3.0),
                }
            }
            Acc::Moments(n, _, m2) => {
                let n = *n as f64;
                let var = match agg.func {
                    AggFunc::VarPop | AggFunc::StddevPop => m2.0 / n,
                    _ if n <= 1.0 => return Ok(Value::Null),
                    _ => m2.0 / (n - 1.0),
                };
                match agg.func {
                    AggFunc::StddevPop | AggFunc::StddevSamp => Value::double(var.sqrt()),
                    _ => Value::double(var),
                }
            }
        })
    }
}

/// `first`/`last` skip NULLs only when asked (`first(x, true)`).
fn ignore_nulls(agg: &BoundAgg) -> bool {
    matches!(agg.param, Some(Value::Boolean(true)))
}

/// A decimal `sum` or `avg` from the exact sum of `n` unscaled inputs: the sum at the
/// input's scale, the mean divided half up to the output's; a result beyond the output's
/// precision is Spark's ANSI `[NUMERIC_VALUE_OUT_OF_RANGE]`.
fn finish_decimal(sum: i128, n: i64, agg: &BoundAgg) -> Result<Value> {
    let (DataType::Decimal(_, in_scale), DataType::Decimal(p, s)) = (&agg.input_type, &agg.output_type)
    else {
        return Err(SluiceError::exec("internal: a decimal aggregate over a non-decimal input"));
    };
    let out = match agg.func {
        AggFunc::Avg => Decimal::mean(sum, n, *in_scale, *p, *s),
        _ => Decimal::new(sum, *in_scale).to_type(*p, *s),
    };
    out.map(Value::Decimal).map_err(|_| {
        SluiceError::exec(format!(
            "[NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION] {} cannot be represented as Decimal({p}, {s}). If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error, and return NULL instead. SQLSTATE: 22003",
            Decimal::new(sum, *in_scale)
        ))
    })
}

/// Adds `n` (negative: a retraction) to `v`'s count; a value counted zero times leaves.
fn add_count(set: &mut BTreeMap<Value, i64>, v: &Value, n: i64) {
    let count = set.entry(v.clone()).or_insert(0);
    *count += n;
    if *count == 0 {
        set.remove(v);
    }
}

/// Min, max, a moment, a list or a percentile over a multiset of values (each with its count).
fn finish_multiset(set: &BTreeMap<Value, i64>, agg: &BoundAgg) -> Result<Value> {
    match agg.func {
        AggFunc::Percentile | AggFunc::PercentileApprox => return Ok(percentiles(set, agg)),
        AggFunc::CollectList => {
            let mut items = Vec::new();
            for (v, &n) in set.iter().filter(|(_, &n)| n > 0) {
                items.extend(std::iter::repeat_n(v.clone(), n as usize));
            }
            return Ok(Value::Array(items.into()));
        }
        _ => {}
    }
    let plain = BoundAgg { retracting: false, ..agg.clone() };
    let mut acc = Acc::empty(&plain);
    for (v, &n) in set.iter().filter(|(_, &n)| n > 0) {
        match plain.func {
            // The extremes are the multiset's ends: one value decides.
            AggFunc::Min | AggFunc::Max => acc.update(Some(v), 1),
            _ => acc.update(Some(v), n),
        }
    }
    acc.finish(&plain)
}

/// The percentile(s) `agg.param` of the values in `set`, as Spark's `percentile` (the
/// values around position `p * (n - 1)`, interpolated, a double) or `percentile_approx`
/// (the value of rank `ceil(p * n)`, exact here: Spark's answer to any accuracy it is
/// asked, and its own exactly below 1 / accuracy * 2 values, where its sketch keeps all).
fn percentiles(set: &BTreeMap<Value, i64>, agg: &BoundAgg) -> Value {
    let live: Vec<(&Value, i64)> = set.iter().filter(|(_, &n)| n > 0).map(|(v, &n)| (v, n)).collect();
    let n: i64 = live.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return Value::Null;
    }
    // The value of 0-based rank `r` in sorted order.
    let at = |r: i64| {
        let mut seen = 0;
        for (v, c) in &live {
            seen += c;
            if r < seen {
                return (*v).clone();
            }
        }
        live.last().expect("n > 0").0.clone()
    };
    let one = |p: f64| match agg.func {
        AggFunc::Percentile => {
            let pos = p * (n - 1) as f64;
            let (lo, hi) = (pos.floor(), pos.ceil());
            let (a, b) = (at(lo as i64).as_f64().unwrap_or(0.0), at(hi as i64).as_f64().unwrap_or(0.0));
            if lo == hi {
                Value::double(a)
            } else {
                Value::double((hi - pos) * a + (pos - lo) * b)
            }
        }
        _ => {
            let rank = (p * n as f64).ceil() as i64;
            at((rank - 1).clamp(0, n - 1))
        }
    };
    match &agg.param {
        Some(Value::Array(ps)) => Value::Array(ps.iter().map(|p| one(p.as_f64().unwrap_or(0.0))).collect()),
        Some(p) => one(p.as_f64().unwrap_or(0.0)),
        None => Value::Null,
    }
}

/// An aggregate over a set of distinct values, each counted once.
fn finish_distinct(set: &BTreeMap<Value, i64>, agg: &BoundAgg) -> Result<Value> {
    let present = set.iter().filter(|(_, &n)| n > 0).map(|(v, _)| v);
    if matches!(agg.func, AggFunc::Count | AggFunc::ApproxCountDistinct) {
        return Ok(Value::Long(present.count() as i64));
    }
    if agg.func == AggFunc::CollectSet {
        return Ok(Value::Array(present.cloned().collect()));
    }
    let plain = BoundAgg { distinct: false, ..agg.clone() };
    let mut acc = Acc::empty(&plain);
    present.for_each(|v| acc.update(Some(v), 1));
    acc.finish(&plain)
}

/// Turns a group's key and state into its output row, or `None` if `HAVING` drops it.
pub fn finish_group(spec: &AggregateNode, mut key: Row, state: &AggState) -> Result<Option<Row>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn agg(func: AggFunc, t: DataType) -> BoundAgg {
        BoundAgg {
            func,
            arg: None,
            input_type: t.clone(),
            output_type: t,
            distinct: false,
            retracting: false,
            param: None,
        }
    }

    #[test]
    fn merged_moments_match_two_pass_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let a = agg(AggFunc::StddevPop, DataType::Double);
        // fold half one way, half another, then merge: as two workers would
        let (mut left, mut right) = (Acc::empty(&a), Acc::empty(&a));
        for x in &xs[..3] {
            left.update(Some(&Value::double(*x)), 1);
        }
        for x in &xs[3..] {
            right.update(Some(&Value::double(*x)), 1);
        }
        left.merge(&right);
        assert_eq!(left.finish(&a).unwrap(), Value::double(2.0));
        let s = agg(AggFunc::VarSamp, DataType::Double);
        assert_eq!(left.finish(&s).unwrap(), Value::double(32.0 / 7.0));
    }

    #[test]
    fn spark_nulls_for_empty_and_single_row_samples() {
        let s = agg(AggFunc::StddevSamp, DataType::Double);
        let mut acc = Acc::empty(&s);
        assert_eq!(acc.finish(&s).unwrap(), Value::Null);
        acc.update(Some(&Value::double(3.0)), 1);
        assert_eq!(acc.finish(&s).unwrap(), Value::Null, "stddev_samp of one row is NULL in Spark 3.1+");
        let sum = agg(AggFunc::Sum, DataType::Long);
        let mut acc = Acc::empty(&sum);
        acc.update(Some(&Value::Null), 1);
        assert_eq!(acc.finish(&sum).unwrap(), Value::Null, "sum of only nulls is NULL");
    }

    #[test]
    fn long_sum_overflow_is_an_ansi_error() {
        let sum = agg(AggFunc::Sum, DataType::Long);
        let mut acc = Acc::empty(&sum);
        acc.update(Some(&Value::Long(i64::MAX)), 1);
        acc.update(Some(&Value::Long(1)), 1);
        assert!(acc.finish(&sum).unwrap_err().to_string().contains("ARITHMETIC_OVERFLOW"));
    }

    #[test]
    fn min_max_ignore_nulls_and_merge() {
        let mn = agg(AggFunc::Min, DataType::Long);
        let mut a = Acc::empty(&mn);
        for v in [Value::Null, Value::Long(5), Value::Long(3), Value::Null] {
            a.update(Some(&v), 1);
        }
        let mut b = Acc::empty(&mn);
        b.update(Some(&Value::Long(4)), 1);
        b.merge(&a);
        assert_eq!(b.finish(&mn).unwrap(), Value::Long(3));
    }
}
