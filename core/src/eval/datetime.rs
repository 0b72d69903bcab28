//! Date-time functions (`hour`, `date_format`, `to_timestamp`, `unix_timestamp`,
//! `date_trunc`, ...): binding with Spark's argument types and evaluation in UTC.

use super::timestamp_units::{make_timestamp, timestamp_add, timestamp_diff, unit_argument, DtUnit};
use super::*;

/// Which field a date-part function extracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DatePart {
    Year,
    Quarter,
    Month,
    Day,
    DayOfWeek,
    WeekDay,
    DayOfYear,
    WeekOfYear,
    Hour,
    Minute,
    Second,
}

/// The pattern of a formatting or parsing function: the function's default, compiled once
/// from a literal, or read from the last argument on each row.
#[derive(Clone, Debug)]
pub(super) enum Fmt {
    Default,
    Fixed(Arc<DateTimePattern>),
    Dynamic,
}

#[derive(Clone, Debug)]
pub(super) enum TimeFunc {
    /// `year(d)`, `hour(ts)`, ...: the argument is a date (date parts) or a timestamp (time parts).
    Part(DatePart),
    /// `date_format(ts, fmt)`.
    DateFormat(Fmt),
    /// `to_timestamp(s, fmt)` / `try_to_timestamp`: the string parsed with a pattern.
    ParseTimestamp { fmt: Fmt, fail: bool },
    /// `to_date(s, fmt)` / `try_to_date`.
    ParseDate { fmt: Fmt, fail: bool },
    /// `unix_timestamp(s, fmt)` on a string.
    UnixTimestampOfString(Fmt),
    /// `unix_timestamp(ts)` on a timestamp, `unix_seconds`.
    UnixSeconds,
    /// `unix_millis(ts)`.
    UnixMillis,
    /// `unix_micros(ts)`.
    UnixMicros,
    /// `from_unixtime(secs, fmt)`.
    FromUnixTime(Fmt),
    /// `timestamp_seconds(n)` (double or bigint).
    TimestampSeconds,
    /// `timestamp_millis(n)`.
    TimestampMillis,
    /// `timestamp_micros(n)`.
    TimestampMicros,
    /// `date_trunc(unit, ts)`.
    DateTrunc,
    /// `trunc(date, unit)`.
    Trunc,
    /// `datediff(end, start)`.
    DateDiff,
    /// `timestampadd(unit, n, ts)`.
    TimestampAdd(DtUnit),
    /// `timestampdiff(unit, start, end)`.
    TimestampDiff(DtUnit),
    /// `make_timestamp(year, month, day, hour, min, sec[, zone])`.
    MakeTimestamp,
    /// A tumbling `window(ts, size[, size[, start]])`: `{start, end}` of the window holding ts.
    Window { size: i64, slide: i64, offset: i64 },
    /// `window_time(window)`: the window's end - 1 microsecond, the event time of its rows.
    WindowTime,
}

pub(super) const DEFAULT_TIMESTAMP_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

pub(super) fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth"].get(i).copied().unwrap_or("next")
}

pub(super) fn cannot_parse_timestamp(
    text: &str,
    err: &crate::time::PatternParseError,
    try_fn: &str,
) -> SluiceError {
    SluiceError::exec(format!(
        "[CANNOT_PARSE_TIMESTAMP] {}. Use `{try_fn}` to tolerate invalid input string and return NULL instead. SQLSTATE: 22007",
        err.message(text)
    ))
}

/// Compiles a pattern met while running: to parse with (`parsing`) or to format with.
pub(super) fn compile_pattern(p: &str, parsing: bool) -> std::result::Result<DateTimePattern, SluiceError> {
    let compiled = if parsing { DateTimePattern::for_parsing(p) } else { DateTimePattern::new(p) };
    compiled.map_err(|why| SluiceError::exec(why.to_string()))
}

impl Binder<'_> {
    /// Binds a date-time or window function, or returns `None` for any other name.
    pub(super) fn time_function(&self, e: &Expr, name: &str, args: &[Expr]) -> Result<Option<BoundExpr>> {
        let arity = |min: usize, max: usize| -> Result<()> {
            if args.len() < min || args.len() > max {
                let expected = if min == max { min.to_string() } else { format!("[{min}, {max}]") };
                return Err(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {expected} parameters but the actual number is {}.",
                    args.len()
                )));
            }
            Ok(())
        };
        let expect = |i: usize, b: BoundExpr, to: DataType, accepts: &[DataType]| -> Result<BoundExpr> {
            // A tinyint or smallint widens to any integer parameter.
            let widens = matches!(b.data_type, DataType::Byte | DataType::Short) && to.is_integral();
            if b.data_type == to
                || widens
                || matches!(b.data_type, DataType::Null)
                || accepts.contains(&b.data_type)
            {
                return Ok(coerce(b, &to));
            }
            Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the {} parameter requires the \"{}\" type, however \"{}\" has the type \"{}\".",
                e.output_name(),
                ordinal(i),
                type_sql(&to),
                args[i].output_name(),
                type_sql(&b.data_type)
            )))
        };
        use DataType as T;
        let timestamp_arg = |i: usize| -> Result<BoundExpr> {
            expect(i, self.bind(&args[i])?, T::Timestamp, &[T::Date, T::String])
        };
        let date_arg = |i: usize| -> Result<BoundExpr> {
            expect(i, self.bind(&args[i])?, T::Date, &[T::Timestamp, T::String])
        };
        let string_at = |i: usize| -> Result<BoundExpr> { Ok(string_arg(self.bind(&args[i])?)) };
        // The pattern argument at `i`, compiled now when it is a literal: to parse with
        // (`parsing`) or to format with, which Spark checks differently.
        let fmt_at = |i: usize, parsing: bool| -> Result<(Fmt, Option<BoundExpr>)> {
            if i >= args.len() {
                return Ok((Fmt::Default, None));
            }
            let b = string_at(i)?;
            match &b.kind {
                Kind::Literal(Value::String(p)) => {
                    let compiled =
                        if parsing { DateTimePattern::for_parsing(p) } else { DateTimePattern::new(p) };
                    let pattern = compiled.map_err(|why| SluiceError::analysis(why.to_string()))?;
                    Ok((Fmt::Fixed(Arc::new(pattern)), None))
                }
                _ => Ok((Fmt::Dynamic, Some(b))),
            }
        };
        let zone = session_zone();
        let time =
            |f: TimeFunc, args: Vec<BoundExpr>, t: DataType| Ok(Some(node(Kind::Time(f, args, zone), t)));
        let part = |p: DatePart| -> Result<Option<BoundExpr>> {
            arity(1, 1)?;
            let arg = if matches!(p, DatePart::Hour | DatePart::Minute | DatePart::Second) {
                timestamp_arg(0)?
            } else {
                date_arg(0)?
            };
            time(TimeFunc::Part(p), vec![arg], T::Int)
        };
        match name {
            "window" => self.window(e, args).map(Some),
            "window_time" => {
                arity(1, 1)?;
                let w = self.bind(&args[0])?;
                if w.data_type != window_struct_type() {
                    return Err(mismatch(
                        e,
                        format!(
                            "the parameter requires a window struct<start: timestamp, end: timestamp>, however it has type \"{}\"",
                            type_sql(&w.data_type)
                        ),
                    ));
                }
                time(TimeFunc::WindowTime, vec![w], T::Timestamp)
            }
            "session_window" => {
                let spec = SessionWindowSpec::from_args(args)?;
                expect(0, self.bind(&spec.time)?, T::Timestamp, &[T::Date, T::String])?;
                if self.allow_aggregates {
                    return Ok(Some(node(Kind::GroupingOnly("session_window"), window_struct_type())));
                }
                Err(SluiceError::analysis(format!(
                    "session_window(...) (in \"{}\") groups rows into sessions, so it may appear only as a GROUP BY key (group by it and select `session_window`)",
                    e.sql_name()
                )))
            }
            "current_timestamp" | "now" | "localtimestamp" => {
                arity(0, 0)?;
                Ok(Some(node(Kind::Literal(Value::Timestamp(now_micros())), T::Timestamp)))
            }
            "current_date" | "curdate" => {
                arity(0, 0)?;
                // Today in the session zone.
                let days = session_zone().to_local(now_micros()).div_euclid(MICROS_PER_DAY) as i32;
                Ok(Some(node(Kind::Literal(Value::Date(days)), T::Date)))
            }
            "year" => part(DatePart::Year),
            "quarter" => part(DatePart::Quarter),
            "month" => part(DatePart::Month),
            "day" | "dayofmonth" => part(DatePart::Day),
            "dayofweek" => part(DatePart::DayOfWeek),
            "weekday" => part(DatePart::WeekDay),
            "dayofyear" => part(DatePart::DayOfYear),
            "weekofyear" => part(DatePart::WeekOfYear),
            "hour" => part(DatePart::Hour),
            "minute" => part(DatePart::Minute),
            "second" => part(DatePart::Second),
            "date_format" => {
                arity(2, 2)?;
                let ts = timestamp_arg(0)?;
                let (fmt, dynamic) = fmt_at(1, false)?;
                time(TimeFunc::DateFormat(fmt), std::iter::once(ts).chain(dynamic).collect(), T::String)
            }
            "to_timestamp" | "try_to_timestamp" => {
                arity(1, 2)?;
                let fail = name == "to_timestamp";
                let b = self.bind(&args[0])?;
                if args.len() == 1 || !matches!(b.data_type, T::String | T::Null) {
                    // Without a pattern (or on a non-string) this is a cast, as in Spark.
                    let b = expect(0, b, T::Timestamp, &[T::Date, T::String, T::Int, T::Long, T::Double])?;
                    return Ok(Some(match (fail, b.kind) {
                        (false, Kind::Cast { expr, to, zone, .. }) => {
                            node(Kind::Cast { expr, to, ansi: false, zone }, T::Timestamp)
                        }
                        (_, kind) => node(kind, T::Timestamp),
                    }));
                }
                let (fmt, dynamic) = fmt_at(1, true)?;
                let s = string_arg(b);
                time(
                    TimeFunc::ParseTimestamp { fmt, fail },
                    std::iter::once(s).chain(dynamic).collect(),
                    T::Timestamp,
                )
            }
            "to_date" | "try_to_date" => {
                arity(1, 2)?;
                let fail = name == "to_date";
                let b = self.bind(&args[0])?;
                if args.len() == 1 || !matches!(b.data_type, T::String | T::Null) {
                    let b = expect(0, b, T::Date, &[T::Timestamp, T::String])?;
                    return Ok(Some(match (fail, b.kind) {
                        (false, Kind::Cast { expr, to, zone, .. }) => {
                            node(Kind::Cast { expr, to, ansi: false, zone }, T::Date)
                        }
                        (_, kind) => node(kind, T::Date),
                    }));
                }
                let (fmt, dynamic) = fmt_at(1, true)?;
                let s = string_arg(b);
                time(TimeFunc::ParseDate { fmt, fail }, std::iter::once(s).chain(dynamic).collect(), T::Date)
            }
            "unix_timestamp" | "to_unix_timestamp" => {
                arity(if name == "unix_timestamp" { 0 } else { 1 }, 2)?;
                if args.is_empty() {
                    let secs = now_micros().div_euclid(MICROS_PER_SECOND);
                    return Ok(Some(node(Kind::Literal(Value::Long(secs)), T::Long)));
                }
                let b = self.bind(&args[0])?;
                if matches!(b.data_type, T::String | T::Null) {
                    let (fmt, dynamic) = fmt_at(1, true)?;
                    let s = string_arg(b);
                    return time(
                        TimeFunc::UnixTimestampOfString(fmt),
                        std::iter::once(s).chain(dynamic).collect(),
                        T::Long,
                    );
                }
                let ts = expect(0, b, T::Timestamp, &[T::Date])?;
                time(TimeFunc::UnixSeconds, vec![ts], T::Long)
            }
            "unix_seconds" | "unix_millis" | "unix_micros" => {
                arity(1, 1)?;
                let f = match name {
                    "unix_seconds" => TimeFunc::UnixSeconds,
                    "unix_millis" => TimeFunc::UnixMillis,
                    _ => TimeFunc::UnixMicros,
                };
                time(f, vec![expect(0, self.bind(&args[0])?, T::Timestamp, &[])?], T::Long)
            }
            "from_unixtime" => {
                arity(1, 2)?;
                let secs = expect(0, self.bind(&args[0])?, T::Long, &[T::Int, T::String])?;
                let (fmt, dynamic) = fmt_at(1, false)?;
                time(TimeFunc::FromUnixTime(fmt), std::iter::once(secs).chain(dynamic).collect(), T::String)
            }
            "timestamp_seconds" => {
                arity(1, 1)?;
                let b = self.bind(&args[0])?;
                let to = match b.data_type {
                    T::Double | T::Decimal(..) => b.data_type.clone(),
                    _ => T::Long,
                };
                time(TimeFunc::TimestampSeconds, vec![expect(0, b, to, &[T::Int, T::Long])?], T::Timestamp)
            }
            "timestamp_millis" | "timestamp_micros" => {
                arity(1, 1)?;
                let f = if name == "timestamp_millis" {
                    TimeFunc::TimestampMillis
                } else {
                    TimeFunc::TimestampMicros
                };
                time(f, vec![expect(0, self.bind(&args[0])?, T::Long, &[T::Int])?], T::Timestamp)
            }
            "date_trunc" => {
                arity(2, 2)?;
                time(TimeFunc::DateTrunc, vec![string_at(0)?, timestamp_arg(1)?], T::Timestamp)
            }
            "trunc" => {
                arity(2, 2)?;
                time(TimeFunc::Trunc, vec![date_arg(0)?, string_at(1)?], T::Date)
            }
            "datediff" => {
                arity(2, 2)?;
                time(TimeFunc::DateDiff, vec![date_arg(0)?, date_arg(1)?], T::Int)
            }
            "timestampadd" => {
                arity(3, 3)?;
                let unit = unit_argument(name, &args[0])?;
                let n = expect(1, self.bind(&args[1])?, T::Long, &[T::Int])?;
                time(TimeFunc::TimestampAdd(unit), vec![n, timestamp_arg(2)?], T::Timestamp)
            }
            "timestampdiff" => {
                arity(3, 3)?;
                let unit = unit_argument(name, &args[0])?;
                time(TimeFunc::TimestampDiff(unit), vec![timestamp_arg(1)?, timestamp_arg(2)?], T::Long)
            }
            "make_timestamp" => {
                arity(6, 7)?;
                let mut bound = Vec::with_capacity(args.len());
                for (i, arg) in args.iter().take(5).enumerate() {
                    bound.push(expect(i, self.bind(arg)?, T::Int, &[T::Long, T::String])?);
                }
                let sec = self.bind(&args[5])?;
                if !(sec.data_type.is_numeric() || matches!(sec.data_type, T::Null | T::String)) {
                    return Err(mismatch(
                        e,
                        format!(
                            "the sixth parameter requires a numeric type, however \"{}\" has the type \"{}\"",
                            args[5].output_name(),
                            type_sql(&sec.data_type)
                        ),
                    ));
                }
                bound.push(coerce(sec, &T::Decimal(16, 6)));
                if args.len() == 7 {
                    bound.push(string_at(6)?);
                }
                time(TimeFunc::MakeTimestamp, bound, T::Timestamp)
            }
            "date_add" | "date_sub" => {
                arity(2, 2)?;
                let op = if name == "date_add" { Temporal::DatePlusDays } else { Temporal::DateMinusDays };
                let d = date_arg(0)?;
                let n = expect(1, self.bind(&args[1])?, T::Int, &[T::String])?;
                Ok(Some(node(Kind::Temporal(op, Box::new(d), Box::new(n)), T::Date)))
            }
            _ => Ok(None),
        }
    }
}

thread_local! {
    static QUERY_INSTANT: std::cell::Cell<Option<i64>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` (the analysis of one statement) with `micros` as the instant every
/// `current_timestamp()` / `current_date()` in it reads, so two calls in one query agree, as
/// Spark fixes the time once per query; then puts the old instant back.
pub fn with_query_instant<R>(micros: i64, f: impl FnOnce() -> R) -> R {
    crate::scoped::with_value(&QUERY_INSTANT, Some(micros), f)
}

/// The current instant in microseconds: the query's ([`with_query_instant`]) when one is set,
/// else the clock's. Functions like `current_timestamp()` read it once when the expression is
/// bound, so every row of one evaluation sees the same instant.
pub(super) fn now_micros() -> i64 {
    QUERY_INSTANT.with(std::cell::Cell::get).unwrap_or_else(system_micros)
}

/// The clock's instant in microseconds since the epoch.
pub fn system_micros() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64,
        Err(before) => -(before.duration().as_micros() as i64),
    }
}

pub(super) fn eval_time(f: &TimeFunc, args: &[BoundExpr], zone: Zone, row: &[Value]) -> Result<Value> {
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        let v = a.eval(row)?;
        if v.is_null() {
            return Ok(Value::Null);
        }
        vals.push(v);
    }
    let ts = |i: usize| match vals[i] {
        Value::Timestamp(t) => t,
        _ => 0,
    };
    let days = |i: usize| match vals[i] {
        Value::Date(d) => d as i64,
        _ => 0,
    };
    let text = |i: usize| vals[i].as_str().unwrap_or_default();
    // The pattern of a function whose value is argument 0 and whose dynamic pattern is argument 1.
    let pattern = |fmt: &Fmt, parsing: bool| -> Result<Arc<DateTimePattern>> {
        Ok(match fmt {
            Fmt::Fixed(p) => p.clone(),
            Fmt::Default => Arc::new(compile_pattern(DEFAULT_TIMESTAMP_PATTERN, parsing)?),
            Fmt::Dynamic => Arc::new(compile_pattern(vals[1].as_str().unwrap_or_default(), parsing)?),
        })
    };
    let parse = |fmt: &Fmt, fail: bool, try_fn: &str| -> Result<Option<i64>> {
        let p = pattern(fmt, true)?;
        match p.parse_in(text(0), zone) {
            Ok(t) => Ok(Some(t)),
            Err(err) if fail => Err(cannot_parse_timestamp(text(0), &err, try_fn)),
            Err(_) => Ok(None),
        }
    };
    Ok(match f {
        TimeFunc::Part(p) => {
            use crate::time as t;
            let micros = zone.to_local(ts(0));
            let d = days(0);
            let (year, month, day) = t::civil_from_days(d);
            Value::Int(match p {
                DatePart::Year => year as i32,
                DatePart::Quarter => (month as i32 - 1) / 3 + 1,
                DatePart::Month => month as i32,
                DatePart::Day => day as i32,
                DatePart::DayOfWeek => t::day_of_week(d),
                DatePart::WeekDay => t::weekday(d),
                DatePart::DayOfYear => t::day_of_year(d),
                DatePart::WeekOfYear => t::iso_week_of_year(d),
                DatePart::Hour => (micros.rem_euclid(MICROS_PER_DAY) / 3_600_000_000) as i32,
                DatePart::Minute => (micros.rem_euclid(3_600_000_000) / 60_000_000) as i32,
                DatePart::Second => (micros.rem_euclid(60_000_000) / MICROS_PER_SECOND) as i32,
            })
        }
        TimeFunc::DateFormat(fmt) => Value::String(pattern(fmt, false)?.format_in(ts(0), zone).into()),
        TimeFunc::ParseTimestamp { fmt, fail } => match parse(fmt, *fail, "try_to_timestamp")? {
            Some(t) => Value::Timestamp(t),
            None => Value::Null,
        },
        TimeFunc::ParseDate { fmt, fail } => match parse(fmt, *fail, "try_to_date")? {
            // The date of the parsed instant in the zone the text was read in.
            Some(t) => Value::Date(zone.to_local(t).div_euclid(MICROS_PER_DAY) as i32),
            None => Value::Null,
        },
        TimeFunc::UnixTimestampOfString(fmt) => match parse(fmt, true, "try_to_timestamp")? {
            Some(t) => Value::Long(t.div_euclid(MICROS_PER_SECOND)),
            None => Value::Null,
        },
        TimeFunc::UnixSeconds => Value::Long(ts(0).div_euclid(MICROS_PER_SECOND)),
        TimeFunc::UnixMillis => Value::Long(ts(0).div_euclid(1_000)),
        TimeFunc::UnixMicros => Value::Long(ts(0)),
        TimeFunc::FromUnixTime(fmt) => {
            let secs = vals[0].as_i64().unwrap_or(0);
            let micros = secs.checked_mul(MICROS_PER_SECOND).ok_or_else(|| overflow("long", "multiply"))?;
            Value::String(pattern(fmt, false)?.format_in(micros, zone).into())
        }
        TimeFunc::TimestampSeconds => match &vals[0] {
            // Exact, as Spark's `longValueExact` of seconds times 10^6.
            Value::Decimal(d) => {
                let micros = if d.scale <= 6 {
                    d.unscaled.checked_mul(10i128.pow(u32::from(6 - d.scale)))
                } else {
                    let unit = 10i128.pow(u32::from(d.scale - 6));
                    if d.unscaled % unit != 0 {
                        return Err(SluiceError::exec(format!(
                            "Rounding necessary: timestamp_seconds({d}) has a fraction of a microsecond"
                        )));
                    }
                    Some(d.unscaled / unit)
                };
                Value::Timestamp(
                    micros.and_then(|m| i64::try_from(m).ok()).ok_or_else(|| overflow("long", "multiply"))?,
                )
            }
            Value::Double(d) => {
                let micros = d.0 * 1e6;
                if !micros.is_finite() || micros >= i64::MAX as f64 || micros < i64::MIN as f64 {
                    return Err(overflow("long", "multiply"));
                }
                Value::Timestamp(micros as i64)
            }
            v => {
                let n = v.as_i64().unwrap_or(0);
                Value::Timestamp(n.checked_mul(MICROS_PER_SECOND).ok_or_else(|| epoch_overflow(n, "SECOND"))?)
            }
        },
        TimeFunc::TimestampMillis => {
            let n = vals[0].as_i64().unwrap_or(0);
            Value::Timestamp(n.checked_mul(1_000).ok_or_else(|| epoch_overflow(n, "MILLISECOND"))?)
        }
        TimeFunc::TimestampMicros => Value::Timestamp(vals[0].as_i64().unwrap_or(0)),
        TimeFunc::WindowTime => match super::window::event_time_of(&vals[0]) {
            Some(end) => Value::Timestamp(end - 1),
            None => Value::Null,
        },
        // Truncated on the local clock, then back to an instant.
        TimeFunc::DateTrunc => match crate::time::truncate_timestamp(zone.to_local(ts(1)), text(0)) {
            Some(t) => Value::Timestamp(zone.from_local(t)),
            None => Value::Null,
        },
        TimeFunc::Trunc => match crate::time::truncate_days(days(0), text(1)) {
            Some(d) => Value::Date(d as i32),
            None => Value::Null,
        },
        TimeFunc::DateDiff => Value::Int((days(0) - days(1)) as i32),
        TimeFunc::TimestampAdd(unit) => timestamp_add(*unit, vals[0].as_i64().unwrap_or(0), ts(1), zone)?,
        TimeFunc::TimestampDiff(unit) => timestamp_diff(*unit, ts(0), ts(1), zone)?,
        TimeFunc::MakeTimestamp => {
            let field = |i: usize| vals[i].as_i64().unwrap_or(0);
            let zone = match vals.get(6) {
                Some(z) => Zone::parse(z.as_str().unwrap_or_default()).map_err(SluiceError::exec)?,
                None => zone,
            };
            make_timestamp([field(0), field(1), field(2), field(3), field(4)], &vals[5], zone)?
        }
        TimeFunc::Window { size, slide, offset } => {
            let t = ts(0);
            let start =
                crate::time::window_start(t, *slide, *offset).ok_or_else(|| overflow("long", "subtract"))?;
            let end = start.checked_add(*size).ok_or_else(|| overflow("long", "add"))?;
            Value::Struct(Arc::from(vec![Value::Timestamp(start), Value::Timestamp(end)]))
        }
    })
}

/// Spark's `[DATETIME_OVERFLOW]` for `timestamp_seconds(n)` / `timestamp_millis(n)` beyond
/// the timestamps.
fn epoch_overflow(n: i64, unit: &str) -> SluiceError {
    SluiceError::exec(format!(
        "[DATETIME_OVERFLOW] Datetime operation overflow: add {n} {unit} to TIMESTAMP '1970-01-01 00:00:00'. SQLSTATE: 22008"
    ))
}
