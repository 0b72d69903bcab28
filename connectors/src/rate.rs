//! The rate sources, for demos and benchmarks: rows `(timestamp, value)` with consecutive
//! values from 0.
//!
//! - `rate`: `rowsPerSecond` rows per second of wall time (after `rampUpTime` seconds of
//!   ramp), each stamped with the time it became due. With `rowsPerSecond` unset or 0
//!   and a `numRows` bound it yields as fast as the engine takes them, `rowsPerBatch` per
//!   batch (default 1,000,000), so benchmarks measure the engine, not the clock.
//! - `rate-micro-batch`: exactly `rowsPerBatch` rows per batch, all stamped
//!   `startTimestamp + batch * advanceMillisPerBatch` (Spark's deterministic variant).
//!
//! Values are split over workers by `value % workers`, so each worker generates its own
//! share and no value is produced twice.

use sluice_core::{DataType, Options, Result, Row, Schema, SluiceError, Value};
use std::time::Instant;

/// The rows one batch of a rate source covers: values `start..start + count`, value
/// `v` stamped `timestamp_us + (v - start) * step_us`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RateRange {
    /// First value.
    pub start: u64,
    /// Number of values.
    pub count: u64,
    /// Timestamp of the first value, microseconds.
    pub timestamp_us: i64,
    /// Timestamp step between consecutive values, microseconds.
    pub step_us: i64,
}

impl RateRange {
    /// Emits the values of this range that belong to worker `index` of `peers`.
    pub fn generate(&self, index: usize, peers: usize, emit: &mut dyn FnMut(Row)) {
        let peers = peers.max(1) as u64;
        let first = self.start + (index as u64 + peers - self.start % peers) % peers;
        let mut v = first;
        while v < self.start + self.count {
            let ts = self.timestamp_us + (v - self.start) as i64 * self.step_us;
            emit(vec![Value::Timestamp(ts), Value::Long(v as i64)]);
            v += peers;
        }
    }
}

/// The schema of both rate sources: `timestamp TIMESTAMP, value BIGINT`.
pub fn rate_schema() -> Schema {
    Schema::default().with("timestamp", DataType::Timestamp).with("value", DataType::Long)
}

/// How a rate source paces its rows.
#[derive(Clone, Debug, PartialEq)]
pub enum RateConfig {
    /// `rate` with a rate: rows due by wall-clock time.
    PerSecond {
        /// Rows per second once ramped up.
        rows_per_second: u64,
        /// Seconds to ramp up to that rate.
        ramp_up_secs: u64,
        /// Stop after this many rows (a Sluice extension), if set.
        num_rows: Option<u64>,
    },
    /// `rate` as fast as possible: `rows_per_batch` per batch up to `num_rows`.
    AsFastAsPossible {
        /// Total rows.
        num_rows: u64,
        /// Rows per batch.
        rows_per_batch: u64,
    },
    /// `rate-micro-batch`.
    MicroBatch {
        /// Rows per batch.
        rows_per_batch: u64,
        /// Timestamp of batch 0, milliseconds.
        start_ms: i64,
        /// Timestamp advance per batch, milliseconds.
        advance_ms: i64,
    },
}

fn number(options: &Options, key: &str) -> Result<Option<u64>> {
    match options.get(key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<u64>()
            .map(Some)
            .map_err(|_| SluiceError::option(key, format!("expected a non-negative integer, got '{v}'"))),
    }
}

impl RateConfig {
    /// Reads Spark's options of the `rate` or `rate-micro-batch` format.
    pub fn from_options(format: &str, options: &Options) -> Result<RateConfig> {
        if format == "rate-micro-batch" {
            let rows_per_batch = number(options, "rowsPerBatch")?.filter(|n| *n > 0).ok_or_else(|| {
                SluiceError::option("rowsPerBatch", "rate-micro-batch needs a positive rowsPerBatch")
            })?;
            return Ok(RateConfig::MicroBatch {
                rows_per_batch,
                start_ms: number(options, "startTimestamp")?.unwrap_or(0) as i64,
                advance_ms: number(options, "advanceMillisPerBatch")?.unwrap_or(1000) as i64,
            });
        }
        let num_rows = number(options, "numRows")?;
        match number(options, "rowsPerSecond")? {
            Some(r) if r > 0 => Ok(RateConfig::PerSecond {
                rows_per_second: r,
                ramp_up_secs: number(options, "rampUpTime")?.unwrap_or(0),
                num_rows,
            }),
            Some(_) | None if num_rows.is_some() => Ok(RateConfig::AsFastAsPossible {
                num_rows: num_rows.unwrap_or(0),
                rows_per_batch: number(options, "rowsPerBatch")?.filter(|n| *n > 0).unwrap_or(1_000_000),
            }),
            Some(_) => Err(SluiceError::option(
                "rowsPerSecond",
                "must be positive (or 0 together with numRows, to generate as fast as possible)",
            )),
            None => Ok(RateConfig::PerSecond { rows_per_second: 1, ramp_up_secs: 0, num_rows }),
        }
    }
}

/// What a rate source has produced so far.
#[derive(Debug)]
pub struct RateState {
    config: RateConfig,
    next: u64,
    batches: u64,
    started: Instant,
    start_us: i64,
}

impl RateState {
    /// A source that starts now.
    pub fn new(config: RateConfig) -> Self {
        let start_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        RateState { config, next: 0, batches: 0, started: Instant::now(), start_us }
    }

    /// Rows due `secs` seconds after the start (Spark's ramp-up formula).
    fn due(rows_per_second: u64, ramp_up: u64, secs: f64) -> u64 {
        let r = rows_per_second as f64;
        if ramp_up == 0 || secs >= ramp_up as f64 {
            let ramp = if ramp_up == 0 { 0.0 } else { r * ramp_up as f64 / 2.0 };
            (ramp + r * (secs - ramp_up as f64)).max(0.0) as u64
        } else {
            (r * secs * secs / (2.0 * ramp_up as f64)) as u64
        }
    }

    /// The values of the next batch (`None` when nothing is due or the source is exhausted).
    pub fn next_batch(&mut self) -> Option<RateRange> {
        let range = match self.config {
            RateConfig::MicroBatch { rows_per_batch, start_ms, advance_ms } => RateRange {
                start: self.next,
                count: rows_per_batch,
                timestamp_us: (start_ms + self.batches as i64 * advance_ms) * 1000,
                step_us: 0,
            },
            RateConfig::AsFastAsPossible { num_rows, rows_per_batch } => RateRange {
                start: self.next,
                count: rows_per_batch.min(num_rows.saturating_sub(self.next)),
                timestamp_us: self.start_us,
                step_us: 0,
            },
            RateConfig::PerSecond { rows_per_second, ramp_up_secs, num_rows } => {
                let due = Self::due(rows_per_second, ramp_up_secs, self.started.elapsed().as_secs_f64());
                let due = num_rows.map_or(due, |n| due.min(n));
                RateRange {
                    start: self.next,
                    count: due.saturating_sub(self.next),
                    timestamp_us: self.start_us + (self.next as f64 * 1e6 / rows_per_second as f64) as i64,
                    step_us: (1e6 / rows_per_second as f64) as i64,
                }
            }
        };
        if range.count == 0 {
            return None;
        }
        self.next += range.count;
        self.batches += 1;
        Some(range)
    }

    /// The next value to produce (the source's offset).
    pub fn offset(&self) -> u64 {
        self.next
    }

    /// Where the source is, for a checkpoint: `(next value, batches produced, start time in µs)`.
    pub fn position(&self) -> (u64, u64, i64) {
        (self.next, self.batches, self.start_us)
    }

    /// Restores a [`position`](Self::position) from a checkpoint: the source goes on as if
    /// it had produced those batches, with its clock started at the recorded time.
    pub fn restore(&mut self, next: u64, batches: u64, start_us: i64) {
        let now_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        let running = std::time::Duration::from_micros(now_us.saturating_sub(start_us).max(0) as u64);
        self.started = Instant::now().checked_sub(running).unwrap_or_else(Instant::now);
        self.next = next;
        self.batches = batches;
        self.start_us = start_us;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_share_a_range_with_no_gap_and_no_duplicate() {
        let range = RateRange { start: 7, count: 23, timestamp_us: 0, step_us: 10 };
        for peers in 1..5 {
            let mut seen = Vec::new();
            for index in 0..peers {
                range.generate(index, peers, &mut |row| seen.push(row[1].as_i64().unwrap()));
            }
            seen.sort();
            assert_eq!(seen, (7..30).collect::<Vec<i64>>(), "peers={peers}");
        }
    }

    #[test]
    fn micro_batches_are_exact_and_stamped_per_batch() {
        let opts: Options =
            [("rowsPerBatch", "5"), ("startTimestamp", "1000"), ("advanceMillisPerBatch", "60000")]
                .into_iter()
                .collect();
        let mut s = RateState::new(RateConfig::from_options("rate-micro-batch", &opts).unwrap());
        let b0 = s.next_batch().unwrap();
        let b1 = s.next_batch().unwrap();
        assert_eq!((b0.start, b0.count, b0.timestamp_us), (0, 5, 1_000_000));
        assert_eq!((b1.start, b1.count, b1.timestamp_us), (5, 5, 61_000_000));
    }

    #[test]
    fn as_fast_as_possible_stops_at_num_rows() {
        let opts: Options =
            [("rowsPerSecond", "0"), ("numRows", "25"), ("rowsPerBatch", "10")].into_iter().collect();
        let mut s = RateState::new(RateConfig::from_options("rate", &opts).unwrap());
        let counts: Vec<u64> = std::iter::from_fn(|| s.next_batch().map(|r| r.count)).collect();
        assert_eq!(counts, vec![10, 10, 5]);
    }

    #[test]
    fn ramp_up_reaches_the_rate() {
        assert_eq!(RateState::due(100, 0, 2.0), 200);
        assert_eq!(RateState::due(100, 10, 10.0), 500);
        assert_eq!(RateState::due(100, 10, 12.0), 700);
        assert!(RateState::due(100, 10, 5.0) < 500);
        assert!(RateConfig::from_options("rate", &[("rowsPerSecond", "x")].into_iter().collect()).is_err());
    }
}
