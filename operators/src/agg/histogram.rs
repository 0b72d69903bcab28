//! `histogram_numeric`: Ben-Haim and Tom-Tov's streaming histogram, step for step as
//! Spark's `NumericHistogram` (from Hive): a value equal to a bin's x adds to its height,
//! another value is a new bin, and while there are more than `nb` bins the two closest
//! merge into one at their weighted mean (ties between equally close pairs broken by a
//! `java.util.Random` seeded 31183, as Spark breaks them). Partial histograms merge by
//! pooling their bins and trimming.

use sluice_core::decimal::Decimal;
use sluice_core::{DataType, OrderedF64, Value};

/// `java.util.Random`'s scrambled seed for `new Random(31183)`.
pub(super) fn seed() -> u64 {
    (31183 ^ 0x5_DEEC_E66D) & ((1 << 48) - 1)
}

/// `java.util.Random.nextDouble`.
fn next_double(rng: &mut u64) -> f64 {
    let mut next = |bits: u32| {
        *rng = (rng.wrapping_mul(0x5_DEEC_E66D).wrapping_add(0xB)) & ((1 << 48) - 1);
        *rng >> (48 - bits)
    };
    let hi = next(26);
    let lo = next(27);
    ((hi << 27) + lo) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A value as the histogram's coordinate (numbers, timestamps and intervals as their
/// microseconds, decimals by value).
pub(super) fn coordinate(v: &Value) -> f64 {
    match v {
        Value::Timestamp(us) | Value::Interval(us) => *us as f64,
        Value::DayTime(dt) => dt.micros as f64,
        Value::Date(d) => f64::from(*d),
        Value::YearMonth(ym) => f64::from(ym.months),
        v => v.as_f64().unwrap_or(0.0),
    }
}

pub(super) fn add(nb: usize, bins: &mut Vec<(OrderedF64, OrderedF64)>, rng: &mut u64, v: f64) {
    let at = bins.partition_point(|(x, _)| x.0 < v);
    match bins.get_mut(at) {
        Some((x, y)) if x.0 == v => y.0 += 1.0,
        _ => {
            bins.insert(at, (OrderedF64(v), OrderedF64(1.0)));
            trim(nb, bins, rng);
        }
    }
}

pub(super) fn merge(
    nb: usize,
    bins: &mut Vec<(OrderedF64, OrderedF64)>,
    rng: &mut u64,
    other: &[(OrderedF64, OrderedF64)],
) {
    if other.is_empty() {
        return;
    }
    if bins.is_empty() {
        bins.extend_from_slice(other);
        return;
    }
    bins.extend_from_slice(other);
    // Java's stable sort by x.
    bins.sort_by(|a, b| a.0 .0.total_cmp(&b.0 .0));
    trim(nb, bins, rng);
}

fn trim(nb: usize, bins: &mut Vec<(OrderedF64, OrderedF64)>, rng: &mut u64) {
    while bins.len() > nb {
        let mut smallest = bins[1].0 .0 - bins[0].0 .0;
        let (mut at, mut ties) = (0, 1);
        for i in 1..bins.len() - 1 {
            let diff = bins[i + 1].0 .0 - bins[i].0 .0;
            if diff < smallest {
                (smallest, at, ties) = (diff, i, 1);
            } else if diff == smallest {
                ties += 1;
                if next_double(rng) <= 1.0 / f64::from(ties) {
                    at = i;
                }
            }
        }
        let (x2, y2) = bins.remove(at + 1);
        let (x1, y1) = &mut bins[at];
        let d = y1.0 + y2.0;
        x1.0 = (x1.0 * y1.0 + x2.0 * y2.0) / d;
        y1.0 = d;
    }
}

/// The bins as Spark returns them: `array<struct<x: input type, y: double>>`, NULL for no
/// values.
pub(super) fn finish(bins: &[(OrderedF64, OrderedF64)], input: &DataType) -> Value {
    if bins.is_empty() {
        return Value::Null;
    }
    let x = |x: f64| match input {
        DataType::Int | DataType::Byte | DataType::Short => Value::Int(x as i32),
        DataType::Long => Value::Long(x as i64),
        DataType::Timestamp => Value::Timestamp(x as i64),
        DataType::Interval | DataType::DayTime(..) => {
            let (start, end) = input.day_time_fields().expect("a day-time type");
            Value::day_time(x as i64, start, end)
        }
        DataType::YearMonth(start, end) => {
            Value::YearMonth(sluice_core::types::YearMonth { months: x as i32, start: *start, end: *end })
        }
        DataType::Date => Value::Date(x as i32),
        DataType::Decimal(p, s) => Decimal::from_f64(x, *p, *s).map_or(Value::Null, Value::Decimal),
        _ => Value::double(x),
    };
    Value::Array(
        bins.iter().map(|(bx, by)| Value::Struct(vec![x(bx.0), Value::double(by.0)].into())).collect(),
    )
}
