//! Time-window arithmetic: the windows of a size, slide and offset that hold an instant.

/// The start of the latest window (of period `slide`, phase `offset`) that begins at or
/// before `ts`: Spark's `ts - (ts - offset) mod slide`, with a non-negative modulus so that
/// instants before 1970 land in the right window. All values in microseconds; `slide > 0`.
pub fn window_start(ts: i64, slide: i64, offset: i64) -> Option<i64> {
    let rem = (ts as i128 - offset as i128).rem_euclid(slide as i128);
    i64::try_from(ts as i128 - rem).ok()
}

/// Every `[start, end)` window of length `size`, sliding by `slide` with phase `offset`, that
/// contains `ts`, latest first: Spark's expansion of a sliding `window(...)` (it tries
/// `ceil(size / slide)` candidate windows and keeps those with `start <= ts < end`).
pub fn sliding_windows(ts: i64, size: i64, slide: i64, offset: i64) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for_each_sliding_window(ts, size, slide, offset, |start, end| out.push((start, end)));
    out
}

/// As `sliding_windows`, calling `f(start, end)` for each window instead of collecting
/// them (the aggregation's per-row path allocates nothing).
pub fn for_each_sliding_window(ts: i64, size: i64, slide: i64, offset: i64, mut f: impl FnMut(i64, i64)) {
    let Some(last) = window_start(ts, slide, offset) else { return };
    let candidates = (size as i128 + slide as i128 - 1) / slide as i128;
    for i in 0..candidates {
        let start = last as i128 - i * slide as i128;
        let end = start + size as i128;
        if let (Ok(start), Ok(end)) = (i64::try_from(start), i64::try_from(end)) {
            if start <= ts && ts < end {
                f(start, end);
            }
        }
    }
}
