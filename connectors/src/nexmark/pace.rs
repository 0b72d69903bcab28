//! Which events each micro-batch of a `nexmark` source takes: `eventsPerBatch` at a
//! time as fast as the engine takes them (`eventsPerSecond` 0, the default), or the
//! events due by the wall clock at `eventsPerSecond`, up to `numEvents` when set.
//!
//! Pacing decides only where batches are cut: the rows, and their event times, are
//! those of the event indices, whatever the clock.

use super::{NexmarkRange, Pacing};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Where a `nexmark` source is: the next event index, and when it started.
#[derive(Debug)]
pub struct NexmarkState {
    pacing: Pacing,
    next: u64,
    batches: u64,
    started: Instant,
    start_us: i64,
}

fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

impl NexmarkState {
    /// A source at event 0 that starts now.
    pub fn new(pacing: Pacing) -> Self {
        NexmarkState { pacing, next: 0, batches: 0, started: Instant::now(), start_us: now_us() }
    }

    /// Events due `elapsed` after the start.
    fn due(&self, elapsed: Duration) -> u64 {
        match self.pacing.events_per_second {
            0 => u64::MAX,
            r => (r as f64 * elapsed.as_secs_f64()) as u64,
        }
    }

    /// The events of the next batch (`None` when none is due or the source is exhausted).
    pub fn next_batch(&mut self) -> Option<NexmarkRange> {
        let mut end =
            self.due(self.started.elapsed()).min(self.next.saturating_add(self.pacing.events_per_batch));
        if let Some(n) = self.pacing.num_events {
            end = end.min(n);
        }
        if end <= self.next {
            return None;
        }
        let range = NexmarkRange { start: self.next, end };
        self.next = end;
        self.batches += 1;
        Some(range)
    }

    /// True when `numEvents` events were taken: the source will never have more.
    pub fn is_exhausted(&self) -> bool {
        self.pacing.num_events.is_some_and(|n| self.next >= n)
    }

    /// The next event index (the source's offset).
    pub fn offset(&self) -> u64 {
        self.next
    }

    /// Events taken out of `numEvents` (for a progress bar), when bounded.
    pub fn backlog(&self) -> Option<(u64, u64)> {
        self.pacing.num_events.map(|n| (self.next.min(n), n))
    }

    /// Where the source is, for a checkpoint: `(next event, batches, start time in µs)`.
    pub fn position(&self) -> (u64, u64, i64) {
        (self.next, self.batches, self.start_us)
    }

    /// Restores a [`position`](Self::position): the source goes on after those batches,
    /// its clock started at the recorded time.
    pub fn restore(&mut self, next: u64, batches: u64, start_us: i64) {
        let running = Duration::from_micros(now_us().saturating_sub(start_us).max(0) as u64);
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
    fn as_fast_as_possible_cuts_batches_up_to_num_events() {
        let mut s =
            NexmarkState::new(Pacing { num_events: Some(25), events_per_second: 0, events_per_batch: 10 });
        let ranges: Vec<(u64, u64)> =
            std::iter::from_fn(|| s.next_batch().map(|r| (r.start, r.end))).collect();
        assert_eq!(ranges, vec![(0, 10), (10, 20), (20, 25)]);
        assert!(s.is_exhausted());
        assert_eq!(s.backlog(), Some((25, 25)));
    }

    #[test]
    fn unbounded_never_ends() {
        let mut s = NexmarkState::new(Pacing { num_events: None, events_per_second: 0, events_per_batch: 7 });
        for i in 0..100 {
            assert_eq!(s.next_batch(), Some(NexmarkRange { start: 7 * i, end: 7 * (i + 1) }));
        }
        assert!(!s.is_exhausted());
    }

    #[test]
    fn by_the_clock_only_due_events() {
        let mut s = NexmarkState::new(Pacing {
            num_events: None,
            events_per_second: 1000,
            events_per_batch: 1_000_000,
        });
        assert_eq!(s.due(Duration::from_millis(2500)), 2500);
        // Started 2 s ago: about 2000 events are due, not more.
        s.restore(0, 0, now_us() - 2_000_000);
        let r = s.next_batch().unwrap();
        assert!(r.start == 0 && (1900..2200).contains(&r.end), "{r:?}");
        assert_eq!(s.position().1, 1);
    }
}
