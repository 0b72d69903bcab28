//! Time in UTC as Spark reads and writes it, one concept per module: the proleptic
//! Gregorian `calendar` on day counts, timestamps and dates as `text`, day-time
//! `interval`s, datetime `pattern`s (`yyyy-MM-dd HH:mm`), and time-`window` arithmetic.
//!
//! Timestamps are microseconds since 1970-01-01T00:00:00Z and dates are days since
//! 1970-01-01, both on the proleptic Gregorian calendar (as Spark 3+ uses). Conversions
//! go through Howard Hinnant's `days_from_civil` / `civil_from_days`, so no time-zone
//! database or external crate is involved; a session time zone other than UTC is not
//! supported.

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

mod calendar;
mod interval;
mod pattern;
#[cfg(test)]
mod tests;
mod text;
mod window;

pub use self::calendar::*;
pub use self::interval::*;
pub use self::pattern::*;
pub use self::text::*;
pub use self::window::*;
