//! Time in UTC as Spark reads and writes it, one concept per module: the proleptic
//! Gregorian `calendar` on day counts, timestamps and dates as `text`, day-time
//! `interval`s, `TIME` values (`time_of_day`), datetime `pattern`s (`yyyy-MM-dd HH:mm`), and time-`window` arithmetic.
//!
//! Timestamps are microseconds since 1970-01-01T00:00:00Z and dates are days since
//! 1970-01-01, both on the proleptic Gregorian calendar (as Spark 3+ uses). Calendar
//! arithmetic goes through Howard Hinnant's `days_from_civil` / `civil_from_days` on local
//! time; the session time `zone` (the IANA database, through `chrono-tz`) turns instants
//! into local time and back.

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

mod calendar;
mod formats;
mod interval;
mod pattern;
#[cfg(test)]
mod tests;
mod text;
mod time_of_day;
mod window;
mod zone;

pub use self::calendar::*;
pub use self::formats::*;
pub use self::interval::*;
pub use self::pattern::*;
pub use self::text::*;
pub use self::time_of_day::*;
pub use self::window::*;
pub use self::zone::*;
