//! `TIME` values: a time of day in nanoseconds since midnight, read and written as Spark
//! 4.3 reads and writes them (`HH:mm[:ss[.fffffffff]]`, an optional ` AM`/` PM`).

/// Nanoseconds in one second.
pub const NANOS_PER_SECOND: i64 = 1_000_000_000;
/// Nanoseconds in one day: a `TIME` is in `0..NANOS_PER_DAY`.
pub const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SECOND;
/// The fraction digits of `TIME` without a precision, and the least of a literal.
pub const TIME_DEFAULT_PRECISION: u8 = 6;
/// The most fraction digits a `TIME` holds (nanoseconds).
pub const TIME_MAX_PRECISION: u8 = 9;

/// Why a text is not a time of day.
#[derive(Debug, PartialEq, Eq)]
pub enum TimeParseError {
    /// Not `HH:mm[:ss[.f]]`, or a field out of range.
    Invalid,
    /// More than nine fraction digits.
    Precision,
}

/// Reads `H[H]:m[m][:s[s][.fffffffff]]`, surrounding spaces allowed, with an optional
/// ` AM`/` PM` (12-hour clock): the nanoseconds since midnight and the fraction digits
/// written. `24:00`, a missing minute and a sign are invalid, as in Spark.
pub fn parse_time(text: &str) -> Result<(i64, u8), TimeParseError> {
    let text = text.trim();
    let upper = text.to_ascii_uppercase();
    let (clock, meridiem) = match upper.strip_suffix("AM").or_else(|| upper.strip_suffix("PM")) {
        Some(rest) => (rest.trim_end(), Some(upper.ends_with("PM"))),
        None => (upper.as_str(), None),
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let parts: Vec<&str> = hms.split(':').collect();
    if !(2..=3).contains(&parts.len()) || (fraction.is_some() && parts.len() != 3) {
        return Err(TimeParseError::Invalid);
    }
    let field = |s: &str, max: i64| -> Result<i64, TimeParseError> {
        if s.is_empty() || s.len() > 2 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TimeParseError::Invalid);
        }
        let n: i64 = s.parse().map_err(|_| TimeParseError::Invalid)?;
        if n > max {
            return Err(TimeParseError::Invalid);
        }
        Ok(n)
    };
    let mut hour = field(parts[0], 23)?;
    let minute = field(parts[1], 59)?;
    let second = if parts.len() == 3 { field(parts[2], 59)? } else { 0 };
    if let Some(pm) = meridiem {
        if !(1..=12).contains(&hour) {
            return Err(TimeParseError::Invalid);
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
    }
    let (mut nanos, mut digits) = (0i64, 0u8);
    if let Some(f) = fraction {
        if !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TimeParseError::Invalid);
        }
        if f.len() > usize::from(TIME_MAX_PRECISION) {
            return Err(TimeParseError::Precision);
        }
        digits = f.len() as u8;
        let padded = format!("{f:0<9}");
        nanos = padded.parse().map_err(|_| TimeParseError::Invalid)?;
    }
    Ok(((hour * 3600 + minute * 60 + second) * NANOS_PER_SECOND + nanos, digits))
}

/// Writes a time of day as Spark casts it to a string: `HH:mm:ss`, then the fraction
/// without its trailing zeros (`12:00:01.5`, `23:59:59.999999999`).
pub fn format_time(nanos: i64) -> String {
    let nanos = nanos.rem_euclid(NANOS_PER_DAY);
    let seconds = nanos / NANOS_PER_SECOND;
    let fraction = nanos % NANOS_PER_SECOND;
    let mut out = format!("{:02}:{:02}:{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60);
    if fraction != 0 {
        let digits = format!("{fraction:09}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}
