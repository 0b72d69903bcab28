//! Time windows: `window(ts, size[, slide[, start]])` and `session_window(ts, gap)` read
//! into specs for the planner, and a tumbling window bound as a scalar.

use super::*;

/// The type of a time-window column: `struct<start: timestamp, end: timestamp>`.
pub fn window_struct_type() -> DataType {
    DataType::Struct(vec![Field::new("start", DataType::Timestamp), Field::new("end", DataType::Timestamp)])
}

/// A `window(time, size[, slide[, start]])` call with its durations resolved to microseconds,
/// for the planner: a tumbling window (`slide == size`) evaluates as a scalar, a sliding one
/// puts each row in every window [`WindowSpec::windows_containing`] returns.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSpec {
    /// The event-time expression (a timestamp; strings and dates are cast when bound).
    pub time: Expr,
    /// Window length, > 0.
    pub size_us: i64,
    /// Distance between window starts, in `(0, size_us]`; equal to `size_us` when not given.
    pub slide_us: i64,
    /// Offset of window starts from the epoch, `|start_us| < slide_us`; 0 when not given.
    pub start_us: i64,
}

impl WindowSpec {
    /// Reads and validates the arguments of `window(...)` as Spark's `TimeWindow` does:
    /// durations are string literals (`'10 minutes'`), interval literals, or integer
    /// literals in microseconds; non-positive sizes or slides, a slide longer than the
    /// window and `|start| >= slide` are analysis errors with Spark's messages.
    pub fn from_args(args: &[Expr]) -> Result<WindowSpec> {
        if !(2..=4).contains(&args.len()) {
            return Err(SluiceError::analysis(format!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `window` requires [2, 4] parameters but the actual number is {}.",
                args.len()
            )));
        }
        let size_us = window_duration(&args[1])?;
        let slide_us = args.get(2).map(window_duration).transpose()?.unwrap_or(size_us);
        let start_us = args.get(3).map(window_duration).transpose()?.unwrap_or(0);
        let whole = Expr::Function { name: "window".into(), args: args.to_vec(), distinct: false };
        let fail = |class: &str, why: String| {
            Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.{class}] Cannot resolve \"{}\" due to data type mismatch: {why}",
                whole.sql_name()
            )))
        };
        if size_us <= 0 {
            return fail(
                "VALUE_OUT_OF_RANGE",
                format!(
                    "The `windowDuration` must be between (0, {}] (current value = {size_us}L).",
                    i64::MAX
                ),
            );
        }
        if slide_us <= 0 {
            return fail(
                "VALUE_OUT_OF_RANGE",
                format!(
                    "The `slideDuration` must be between (0, {}] (current value = {slide_us}L).",
                    i64::MAX
                ),
            );
        }
        if slide_us > size_us {
            return fail(
                "PARAMETER_CONSTRAINT_VIOLATION",
                format!("The `slide_duration`({slide_us}L) must be <= the `window_duration`({size_us}L)."),
            );
        }
        if start_us.unsigned_abs() >= slide_us as u64 {
            return fail(
                "PARAMETER_CONSTRAINT_VIOLATION",
                format!(
                    "The `abs(start_time)`({}L) must be < the `slide_duration`({slide_us}L).",
                    start_us.unsigned_abs()
                ),
            );
        }
        Ok(WindowSpec { time: args[0].clone(), size_us, slide_us, start_us })
    }

    /// True when each row falls in exactly one window (`slide == size`).
    pub fn is_tumbling(&self) -> bool {
        self.slide_us == self.size_us
    }

    /// The `(start, end)` of every window holding the instant `ts`, latest first, as Spark's
    /// expansion emits them (one for a tumbling window).
    pub fn windows_containing(&self, ts: i64) -> Vec<(i64, i64)> {
        crate::time::sliding_windows(ts, self.size_us, self.slide_us, self.start_us)
    }
}

/// A `session_window(time, gap)` call with a constant gap.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionWindowSpec {
    /// The event-time expression.
    pub time: Expr,
    /// The gap in microseconds: a session closes once no row arrives within it. Spark keeps
    /// no row when the gap is not positive (its session would end before it starts).
    pub gap_us: i64,
}

impl SessionWindowSpec {
    /// Reads the arguments of `session_window(time, gap)`; the gap is a string, interval or
    /// integer (microseconds) literal.
    pub fn from_args(args: &[Expr]) -> Result<SessionWindowSpec> {
        if args.len() != 2 {
            return Err(SluiceError::analysis(format!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `session_window` requires 2 parameters but the actual number is {}.",
                args.len()
            )));
        }
        Ok(SessionWindowSpec { time: args[0].clone(), gap_us: window_duration(&args[1])? })
    }
}

/// The `WindowSpec` of `e` when it is (an alias of) a `window(...)` call, validated.
pub fn window_spec(e: &Expr) -> Result<Option<WindowSpec>> {
    match e.unaliased() {
        Expr::Function { name, args, .. } if name == "window" => WindowSpec::from_args(args).map(Some),
        _ => Ok(None),
    }
}

/// The `SessionWindowSpec` of `e` when it is (an alias of) a `session_window(...)` call.
pub fn session_window_spec(e: &Expr) -> Result<Option<SessionWindowSpec>> {
    match e.unaliased() {
        Expr::Function { name, args, .. } if name == "session_window" => {
            SessionWindowSpec::from_args(args).map(Some)
        }
        _ => Ok(None),
    }
}

/// A window duration argument, as Spark's `TimeWindow.parseExpression` reads it.
fn window_duration(e: &Expr) -> Result<i64> {
    match e.unaliased() {
        Expr::Literal(Value::String(s)) => crate::time::parse_interval_micros(s),
        Expr::Literal(v @ (Value::Interval(_) | Value::DayTime(_))) => Ok(v.interval_micros().unwrap_or(0)),
        Expr::Literal(Value::Int(n)) => Ok(*n as i64),
        Expr::Literal(Value::Long(n)) => Ok(*n),
        Expr::Negate(inner) => match inner.unaliased() {
            Expr::Literal(v @ (Value::Interval(_) | Value::DayTime(_))) => {
                Ok(-v.interval_micros().unwrap_or(0))
            }
            _ => Err(window_literal_error()),
        },
        Expr::Cast(inner, DataType::Interval) => match inner.unaliased() {
            Expr::Literal(Value::String(s)) => crate::time::parse_interval_micros(s),
            _ => Err(window_literal_error()),
        },
        Expr::Invalid(msg) => Err(SluiceError::Analysis(msg.clone())),
        _ => Err(window_literal_error()),
    }
}

fn window_literal_error() -> SluiceError {
    SluiceError::analysis(
        "The duration and time inputs to window must be an integer, long or string literal (such as '10 minutes').",
    )
}

impl Binder<'_> {
    /// `window(ts, size[, slide[, start]])`: a scalar when tumbling; a sliding window only
    /// has a type, since a row can fall in several windows.
    pub(super) fn window(&self, e: &Expr, args: &[Expr]) -> Result<BoundExpr> {
        let spec = WindowSpec::from_args(args)?;
        let ts = self.bind(&spec.time)?;
        let ts = match ts.data_type {
            DataType::Timestamp | DataType::Null | DataType::String | DataType::Date => {
                coerce(ts, &DataType::Timestamp)
            }
            ref t => {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: The first parameter requires the (\"TIMESTAMP\" or \"TIMESTAMP_NTZ\") type, however \"{}\" has the type \"{}\".",
                    e.sql_name(),
                    spec.time.output_name(),
                    type_sql(t)
                )))
            }
        };
        if spec.is_tumbling() {
            let f = TimeFunc::Window { size: spec.size_us, slide: spec.slide_us, offset: spec.start_us };
            return Ok(node(Kind::Time(f, vec![ts], session_zone()), window_struct_type()));
        }
        if self.allow_aggregates {
            return Ok(node(Kind::GroupingOnly("window"), window_struct_type()));
        }
        Err(SluiceError::analysis(format!(
            "\"{}\" is a sliding window (slide shorter than the window), which puts a row in several windows; Sluice supports sliding windows only as a GROUP BY key: group by it, or use a tumbling window here",
            e.sql_name()
        )))
    }
}

/// The end of an event-time key's value in microseconds (a window's end, or the
/// timestamp itself), which the watermark is compared with.
pub fn event_time_of(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) => Some(*t),
        Value::Struct(fields) => match fields.get(1) {
            Some(Value::Timestamp(end)) => Some(*end),
            _ => None,
        },
        _ => None,
    }
}
