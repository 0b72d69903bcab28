//! Expressions bound to a schema and evaluated on rows, with Spark 4 semantics (ANSI mode on).
//!
//! `Expr::bind` resolves column names to indices, works out every node's type, inserts the
//! implicit casts Spark's type coercion would, and compiles LIKE/RLIKE patterns, all once.
//! The resulting `BoundExpr` then evaluates rows without name lookups. `Expr::output_name`
//! gives the column name Spark generates for an unaliased expression.

use crate::error::{Result, SluiceError};
use crate::expr::{AggFunc, BinaryOp, Expr};
use crate::schema::Schema;
use crate::time::{DateTimePattern, MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::types::{DataType, Field, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::Arc;

/// An expression resolved against a schema, ready to evaluate rows of that schema.
#[derive(Clone, Debug)]
pub struct BoundExpr {
    kind: Kind,
    data_type: DataType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    IntDiv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    EqNullSafe,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

/// A LIKE or RLIKE pattern: compiled once when it is a literal, per row otherwise.
#[derive(Clone, Debug)]
enum Pattern {
    Compiled(Arc<Regex>),
    Dynamic(Box<BoundExpr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TrimSide {
    Both,
    Leading,
    Trailing,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Func {
    Lower,
    Upper,
    Length,
    Trim(TrimSide),
    Substring,
    Concat,
    ConcatWs,
    Replace,
    Instr,
    Locate,
    StartsWith,
    EndsWith,
    Contains,
    Abs,
    Round { half_even: bool },
    Floor,
    Ceil,
    Sqrt,
    Exp,
    Ln,
    LogBase,
    Log10,
    Log2,
    Pow,
    Signum,
    Greatest,
    Least,
    Coalesce,
    NanVl,
    NullIf,
    If,
    TryDivide,
    TryAdd,
    TrySubtract,
    TryMultiply,
}

/// Arithmetic on timestamps, dates and day-time intervals (Spark's `TimeAdd`,
/// `SubtractTimestamps`, `DateAdd`, `MultiplyDTInterval`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Temporal {
    /// timestamp + interval
    TsPlusIv,
    /// timestamp - interval
    TsMinusIv,
    /// interval + interval
    IvPlusIv,
    /// interval - interval
    IvMinusIv,
    /// timestamp - timestamp, an interval
    TsMinusTs,
    /// date + int days
    DatePlusDays,
    /// date - int days
    DateMinusDays,
    /// date - date, an interval of whole days
    DateMinusDate,
    /// interval * number (bigint or double), rounded half up
    IvTimes,
    /// interval / number (bigint or double), rounded half up
    IvDiv,
}

/// Which field a date-part function extracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DatePart {
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
enum Fmt {
    Default,
    Fixed(Arc<DateTimePattern>),
    Dynamic,
}

#[derive(Clone, Debug)]
enum TimeFunc {
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
    /// A tumbling `window(ts, size[, size[, start]])`: `{start, end}` of the window holding ts.
    Window { size: i64, slide: i64, offset: i64 },
}

#[derive(Clone, Debug)]
enum Kind {
    Column(usize),
    Field(Box<BoundExpr>, usize),
    Literal(Value),
    /// Operands already cast to the operation's type.
    Arith(Arith, Box<BoundExpr>, Box<BoundExpr>),
    /// Operands already cast to a common type.
    Cmp(Cmp, Box<BoundExpr>, Box<BoundExpr>),
    And(Box<BoundExpr>, Box<BoundExpr>),
    Or(Box<BoundExpr>, Box<BoundExpr>),
    Not(Box<BoundExpr>),
    Negate(Box<BoundExpr>),
    IsNull(Box<BoundExpr>),
    IsNotNull(Box<BoundExpr>),
    Like {
        expr: Box<BoundExpr>,
        pattern: Pattern,
        negated: bool,
        case_insensitive: bool,
    },
    RLike {
        expr: Box<BoundExpr>,
        pattern: Pattern,
        negated: bool,
    },
    InList {
        expr: Box<BoundExpr>,
        list: Vec<BoundExpr>,
        negated: bool,
    },
    Case {
        branches: Vec<(BoundExpr, BoundExpr)>,
        else_expr: Option<Box<BoundExpr>>,
    },
    Cast {
        expr: Box<BoundExpr>,
        to: DataType,
        ansi: bool,
    },
    Func(Func, Vec<BoundExpr>),
    /// `struct(..)` / `named_struct(..)`: the node's type names the fields.
    MakeStruct(Vec<BoundExpr>),
    /// `to_json(struct or array)`.
    ToJson(Box<BoundExpr>),
    /// `from_json(string, schema)`: the node's type is the schema's struct.
    FromJson(Box<BoundExpr>),
    /// Timestamp, date and interval arithmetic; operands already cast to what `op` expects.
    Temporal(Temporal, Box<BoundExpr>, Box<BoundExpr>),
    /// A date-time function (`hour`, `date_format`, `to_timestamp`, tumbling `window`, ...).
    Time(TimeFunc, Vec<BoundExpr>),
    /// A sliding or session window, typed for `Expr::data_type` but only computable by the
    /// planner's GROUP BY expansion.
    GroupingOnly(&'static str),
    /// Stands for an aggregate call when only its type is wanted (`Expr::data_type`).
    Aggregate(String),
}

// ---------------------------------------------------------------------------------------
// Errors with Spark's error classes.

fn overflow(what: &str, try_fn: &str) -> SluiceError {
    SluiceError::exec(format!(
        "[ARITHMETIC_OVERFLOW] {what} overflow. Use 'try_{try_fn}' to tolerate overflow and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003"
    ))
}

fn divide_by_zero() -> SluiceError {
    SluiceError::exec(
        "[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22012",
    )
}

fn type_sql(t: &DataType) -> String {
    match t {
        DataType::Struct(fields) => {
            let inner: Vec<String> =
                fields.iter().map(|f| format!("{}: {}", f.name, type_sql(&f.data_type))).collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        other => other.sql_name().to_ascii_uppercase(),
    }
}

fn value_sql(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Long(n) => format!("{n}L"),
        other => display_value(other),
    }
}

fn invalid_input(v: &Value, from: &DataType, to: &DataType) -> SluiceError {
    SluiceError::exec(format!(
        "[CAST_INVALID_INPUT] The value {} of the type \"{}\" cannot be cast to \"{}\" because it is malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead. SQLSTATE: 22018",
        value_sql(v),
        type_sql(from),
        type_sql(to)
    ))
}

fn cast_overflow(v: &Value, from: &DataType, to: &DataType) -> SluiceError {
    SluiceError::exec(format!(
        "[CAST_OVERFLOW] The value {} of the type \"{}\" cannot be cast to \"{}\" due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. SQLSTATE: 22003",
        value_sql(v),
        type_sql(from),
        type_sql(to)
    ))
}

fn mismatch(e: &Expr, why: String) -> SluiceError {
    SluiceError::analysis(format!(
        "[DATATYPE_MISMATCH] Cannot resolve \"{}\" due to data type mismatch: {why}.",
        e.output_name()
    ))
}

// ---------------------------------------------------------------------------------------
// Text forms.

/// Formats a double as Java's `Double.toString` does (`1.0`, `1.0E9`, `1.5E-4`, `NaN`,
/// `Infinity`), which is how Spark prints doubles in casts and generated column names.
pub fn format_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let abs = d.abs();
    if d == 0.0 || (1e-3..1e7).contains(&abs) {
        let s = format!("{d}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        let s = format!("{d:e}");
        let (mantissa, exp) = s.split_once('e').expect("`{:e}` always writes an exponent");
        if mantissa.contains('.') {
            format!("{mantissa}E{exp}")
        } else {
            format!("{mantissa}.0E{exp}")
        }
    }
}

/// A value as Spark's `CAST(v AS STRING)` writes it (`NULL` shows as `null`).
pub fn display_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Boolean(b) => b.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Long(n) => n.to_string(),
        Value::Double(d) => format_double(d.0),
        Value::String(s) => s.to_string(),
        Value::Binary(b) => String::from_utf8_lossy(b).into_owned(),
        Value::Timestamp(t) => crate::time::format_timestamp(*t),
        Value::Date(d) => crate::time::format_date(*d),
        Value::Interval(us) => crate::time::format_interval(*us),
        Value::Struct(vals) => {
            let inner: Vec<String> = vals.iter().map(display_value).collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(display_value).collect();
            format!("[{}]", inner.join(", "))
        }
    }
}

/// How a literal prints inside a generated column name (Spark's `toPrettySQL`: strings bare).
fn literal_name(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Date(_) => format!("DATE '{}'", display_value(v)),
        Value::Timestamp(_) => format!("TIMESTAMP '{}'", display_value(v)),
        other => display_value(other),
    }
}

fn op_symbol(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Plus => "+",
        BinaryOp::Minus => "-",
        BinaryOp::Multiply => "*",
        BinaryOp::Divide => "/",
        BinaryOp::Modulo => "%",
        BinaryOp::IntDivide => "div",
        BinaryOp::Eq => "=",
        BinaryOp::EqNullSafe => "<=>",
        BinaryOp::NotEq => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        BinaryOp::And => "AND",
        BinaryOp::Or => "OR",
        BinaryOp::Concat => "||",
    }
}

impl Expr {
    /// The column name Spark generates for this expression in `select` (its `toPrettySQL`):
    /// `count(1)` for `count(*)`, `(a + 1)`, `CAST(x AS DOUBLE)`, string literals unquoted.
    pub fn output_name(&self) -> String {
        match self {
            Expr::Column(parts) => parts.last().cloned().unwrap_or_default(),
            Expr::Alias(_, name) => name.clone(),
            // Spark aliases its time-window structs to fixed names.
            Expr::Function { name, .. } if name == "window" || name == "session_window" => name.clone(),
            other => other.sql_name(),
        }
    }

    /// The pretty SQL of a sub-expression: like `output_name`, but nested columns keep their path.
    fn sql_name(&self) -> String {
        match self {
            Expr::Column(parts) => parts.join("."),
            Expr::Literal(v) => literal_name(v),
            Expr::Star(None) => "*".into(),
            Expr::Star(Some(q)) => format!("{q}.*"),
            Expr::Alias(inner, _) => inner.sql_name(),
            // Spark parses `a != b` as `NOT (a = b)` and `a || b` as `concat(a, b)`.
            Expr::Binary { op: BinaryOp::NotEq, left, right } => {
                format!("(NOT ({} = {}))", left.sql_name(), right.sql_name())
            }
            Expr::Binary { op: BinaryOp::Concat, left, right } => {
                format!("concat({}, {})", left.sql_name(), right.sql_name())
            }
            Expr::Binary { op, left, right } => {
                format!("({} {} {})", left.sql_name(), op_symbol(*op), right.sql_name())
            }
            Expr::Not(e) => format!("(NOT {})", e.sql_name()),
            Expr::Negate(e) => format!("(- {})", e.sql_name()),
            Expr::IsNull(e) => format!("({} IS NULL)", e.sql_name()),
            Expr::IsNotNull(e) => format!("({} IS NOT NULL)", e.sql_name()),
            Expr::Like { expr, pattern, negated, case_insensitive } => {
                let base = if *case_insensitive {
                    format!("ilike({}, {})", expr.sql_name(), pattern.sql_name())
                } else {
                    format!("{} LIKE {}", expr.sql_name(), pattern.sql_name())
                };
                if *negated {
                    format!("(NOT {base})")
                } else {
                    base
                }
            }
            Expr::RLike { expr, pattern, negated } => {
                let base = format!("{} RLIKE {}", expr.sql_name(), pattern.sql_name());
                if *negated {
                    format!("(NOT {base})")
                } else {
                    base
                }
            }
            Expr::InList { expr, list, negated } => {
                let items: Vec<String> = list.iter().map(Expr::sql_name).collect();
                let base = format!("({} IN ({}))", expr.sql_name(), items.join(", "));
                if *negated {
                    format!("(NOT {base})")
                } else {
                    base
                }
            }
            Expr::Between { expr, low, high, negated } => {
                let e = expr.sql_name();
                let base = format!("(({e} >= {}) AND ({e} <= {}))", low.sql_name(), high.sql_name());
                if *negated {
                    format!("(NOT {base})")
                } else {
                    base
                }
            }
            Expr::Case { operand, branches, else_expr } => {
                let mut s = String::from("CASE");
                for (w, t) in branches {
                    let cond = match operand {
                        Some(o) => format!("({} = {})", o.sql_name(), w.sql_name()),
                        None => w.sql_name(),
                    };
                    let _ = write!(s, " WHEN {cond} THEN {}", t.sql_name());
                }
                if let Some(e) = else_expr {
                    let _ = write!(s, " ELSE {}", e.sql_name());
                }
                s.push_str(" END");
                s
            }
            Expr::Cast(e, t) => format!("CAST({} AS {})", e.sql_name(), type_sql(t)),
            Expr::Field(e, field) => format!("{}.{field}", e.sql_name()),
            Expr::Function { name, args, distinct } => {
                if name == "count" && matches!(args.as_slice(), [Expr::Star(None)]) {
                    return "count(1)".into();
                }
                if name == "try_cast" && args.len() == 2 {
                    let ty = match &args[1] {
                        Expr::Literal(Value::String(t)) => DataType::parse(t).map(|t| type_sql(&t)),
                        _ => None,
                    };
                    return format!("TRY_CAST({} AS {})", args[0].sql_name(), ty.unwrap_or_default());
                }
                let items: Vec<String> = args.iter().map(Expr::sql_name).collect();
                let prefix = if *distinct { "DISTINCT " } else { "" };
                if name == "if" {
                    return format!("(IF({}))", items.join(", "));
                }
                format!("{name}({prefix}{})", items.join(", "))
            }
            Expr::Invalid(msg) => msg.clone(),
        }
    }

    /// Resolves this expression against `schema` into an evaluator for its rows.
    ///
    /// Fails with Spark's analysis errors: unknown columns or functions, type mismatches,
    /// aggregates outside an aggregation, and any `Expr::Invalid`.
    pub fn bind(&self, schema: &Schema) -> Result<BoundExpr> {
        Binder { schema, allow_aggregates: false }.bind(self)
    }

    /// The type Spark gives this expression over `schema`, aggregates included
    /// (`count` is bigint, `avg` double, `sum` of integers bigint, `min` its input's type).
    pub fn data_type(&self, schema: &Schema) -> Result<DataType> {
        Binder { schema, allow_aggregates: true }.bind(self).map(|b| b.data_type)
    }
}

// ---------------------------------------------------------------------------------------
// Binding.

struct Binder<'a> {
    schema: &'a Schema,
    allow_aggregates: bool,
}

fn node(kind: Kind, data_type: DataType) -> BoundExpr {
    BoundExpr { kind, data_type }
}

fn wider_numeric(a: &DataType, b: &DataType) -> DataType {
    use DataType::*;
    match (a, b) {
        (Double, _) | (_, Double) => Double,
        (Long, _) | (_, Long) => Long,
        _ => Int,
    }
}

/// The common type two operands of a comparison (or branches of a CASE) are cast to.
fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match (a, b) {
        _ if a == b => a.clone(),
        (Null, t) | (t, Null) => t.clone(),
        _ if a.is_numeric() && b.is_numeric() => wider_numeric(a, b),
        // ANSI: a string meets another type by being cast to that type.
        (String, t) | (t, String) if t.is_numeric() || matches!(t, Boolean | Timestamp | Date | Binary) => {
            t.clone()
        }
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        _ => return None,
    })
}

/// The common type of many expressions (CASE branches, IN lists, coalesce arguments).
fn common_of<'b>(types: impl Iterator<Item = &'b DataType>) -> Option<DataType> {
    let mut acc = DataType::Null;
    for t in types {
        acc = common_type(&acc, t)?;
    }
    Some(acc)
}

/// Casts a bound expression to `to`, folding literals when the cast succeeds.
fn coerce(e: BoundExpr, to: &DataType) -> BoundExpr {
    if &e.data_type == to || matches!(to, DataType::Null) {
        return e;
    }
    if let Kind::Literal(v) = &e.kind {
        if let Ok(folded) = cast_value(v, to) {
            return node(Kind::Literal(folded), to.clone());
        }
    }
    node(Kind::Cast { expr: Box::new(e), to: to.clone(), ansi: true }, to.clone())
}

fn can_cast(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    match (from, to) {
        _ if from == to => true,
        (Null, _) | (_, String) => true,
        (String, _) => !matches!(to, Struct(_)),
        (Interval, _) | (_, Interval) => false,
        (Boolean, t) | (t, Boolean) => t.is_numeric(),
        (Binary, _) | (_, Binary) => false,
        (Date, Timestamp) | (Timestamp, Date) => true,
        (Date, _) | (_, Date) => false,
        (Struct(a), Struct(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| can_cast(&x.data_type, &y.data_type))
        }
        (Struct(_), _) | (_, Struct(_)) => false,
        // Numeric <-> numeric, and numeric <-> timestamp as seconds since the epoch.
        _ => true,
    }
}

fn string_arg(e: BoundExpr) -> BoundExpr {
    coerce(e, &DataType::String)
}

/// The field `name` (case-insensitive, as Spark) of a struct-valued `bound`; `whole` names
/// the expression in errors.
fn struct_field(bound: BoundExpr, name: &str, whole: &str) -> Result<BoundExpr> {
    let DataType::Struct(fields) = &bound.data_type else {
        return Err(SluiceError::analysis(format!(
            "[INVALID_EXTRACT_BASE_FIELD_TYPE] Can't extract a value from \"{whole}\". Need a complex type [STRUCT, ARRAY, MAP] but got \"{}\".",
            type_sql(&bound.data_type)
        )));
    };
    let Some(i) = fields.iter().position(|f| f.name.eq_ignore_ascii_case(name)) else {
        let names: Vec<String> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
        return Err(SluiceError::analysis(format!(
            "[FIELD_NOT_FOUND] No such struct field `{name}` in {}.",
            names.join(", ")
        )));
    };
    let t = fields[i].data_type.clone();
    Ok(node(Kind::Field(Box::new(bound), i), t))
}

impl Binder<'_> {
    fn bind(&self, e: &Expr) -> Result<BoundExpr> {
        match e {
            Expr::Column(parts) => self.column(parts),
            Expr::Literal(v) => Ok(node(Kind::Literal(v.clone()), v.data_type())),
            Expr::Star(_) => Err(SluiceError::analysis(
                "[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '*' in an expression; `*` may only stand alone in a SELECT list or inside count(*) / struct(*).",
            )),
            Expr::Alias(inner, _) => self.bind(inner),
            Expr::Invalid(msg) => Err(SluiceError::Analysis(msg.clone())),
            Expr::Binary { op, left, right } => self.binary(e, *op, left, right),
            Expr::Not(inner) => {
                let b = self.boolean(e, inner)?;
                Ok(node(Kind::Not(Box::new(b)), DataType::Boolean))
            }
            Expr::Negate(inner) => {
                let b = self.bind(inner)?;
                let t = match &b.data_type {
                    DataType::Null | DataType::String => DataType::Double,
                    t if t.is_numeric() || *t == DataType::Interval => t.clone(),
                    t => return Err(mismatch(e, format!("the operand of unary minus must be numeric, not \"{}\"", type_sql(t)))),
                };
                Ok(node(Kind::Negate(Box::new(coerce(b, &t))), t))
            }
            Expr::IsNull(inner) => Ok(node(Kind::IsNull(Box::new(self.bind(inner)?)), DataType::Boolean)),
            Expr::IsNotNull(inner) => Ok(node(Kind::IsNotNull(Box::new(self.bind(inner)?)), DataType::Boolean)),
            Expr::Like { expr, pattern, negated, case_insensitive } => {
                let expr = Box::new(string_arg(self.bind(expr)?));
                let pattern = self.pattern(pattern, |p| like_regex(p, *case_insensitive))?;
                Ok(node(
                    Kind::Like { expr, pattern, negated: *negated, case_insensitive: *case_insensitive },
                    DataType::Boolean,
                ))
            }
            Expr::RLike { expr, pattern, negated } => {
                let expr = Box::new(string_arg(self.bind(expr)?));
                let pattern = self.pattern(pattern, rlike_regex)?;
                Ok(node(Kind::RLike { expr, pattern, negated: *negated }, DataType::Boolean))
            }
            Expr::InList { expr, list, negated } => {
                let value = self.bind(expr)?;
                let items = list.iter().map(|x| self.bind(x)).collect::<Result<Vec<_>>>()?;
                let t = common_of(std::iter::once(&value.data_type).chain(items.iter().map(|b| &b.data_type)))
                    .ok_or_else(|| mismatch(e, "the input and the IN list have incompatible types".into()))?;
                Ok(node(
                    Kind::InList {
                        expr: Box::new(coerce(value, &t)),
                        list: items.into_iter().map(|b| coerce(b, &t)).collect(),
                        negated: *negated,
                    },
                    DataType::Boolean,
                ))
            }
            Expr::Between { expr, low, high, negated } => {
                let ge = Expr::Binary { op: BinaryOp::GtEq, left: expr.clone(), right: low.clone() };
                let le = Expr::Binary { op: BinaryOp::LtEq, left: expr.clone(), right: high.clone() };
                let both = Expr::Binary { op: BinaryOp::And, left: Box::new(ge), right: Box::new(le) };
                if *negated {
                    self.bind(&Expr::Not(Box::new(both)))
                } else {
                    self.bind(&both)
                }
            }
            Expr::Case { operand, branches, else_expr } => self.case(e, operand.as_deref(), branches, else_expr.as_deref()),
            Expr::Cast(inner, to) => self.cast(e, inner, to, true),
            Expr::Field(inner, field) => {
                let bound = self.bind(inner)?;
                struct_field(bound, field, &e.sql_name())
            }
            Expr::Function { name, args, distinct } => self.function(e, name, args, *distinct),
        }
    }

    fn column(&self, parts: &[String]) -> Result<BoundExpr> {
        let Some(first) = parts.first() else {
            return Err(SluiceError::analysis("empty column name"));
        };
        let Some(index) = self.schema.index_of(first) else {
            // `t.col` where `t` is a table qualifier, not a column.
            if parts.len() > 1 {
                if let Ok(b) = self.column(&parts[1..]) {
                    return Ok(b);
                }
            }
            return Err(self.schema.resolve(&parts.join(".")).expect_err("index_of found no such column"));
        };
        let mut bound = node(Kind::Column(index), self.schema.fields[index].data_type.clone());
        for part in &parts[1..] {
            bound = struct_field(bound, part, &parts.join("."))?;
        }
        Ok(bound)
    }

    fn boolean(&self, whole: &Expr, e: &Expr) -> Result<BoundExpr> {
        let b = self.bind(e)?;
        match b.data_type {
            DataType::Boolean => Ok(b),
            DataType::Null | DataType::String => Ok(coerce(b, &DataType::Boolean)),
            ref t => Err(mismatch(
                whole,
                format!("\"{}\" must be of type \"BOOLEAN\", not \"{}\"", e.output_name(), type_sql(t)),
            )),
        }
    }

    fn pattern(&self, e: &Expr, compile: impl Fn(&str) -> Result<Regex>) -> Result<Pattern> {
        let b = string_arg(self.bind(e)?);
        match &b.kind {
            Kind::Literal(Value::String(s)) => Ok(Pattern::Compiled(Arc::new(compile(s)?))),
            _ => Ok(Pattern::Dynamic(Box::new(b))),
        }
    }

    fn binary(&self, e: &Expr, op: BinaryOp, left: &Expr, right: &Expr) -> Result<BoundExpr> {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let (l, r) = (Box::new(self.boolean(e, left)?), Box::new(self.boolean(e, right)?));
            let kind = if op == BinaryOp::And { Kind::And(l, r) } else { Kind::Or(l, r) };
            return Ok(node(kind, DataType::Boolean));
        }
        if op == BinaryOp::Concat {
            return self.function(e, "concat", &[left.clone(), right.clone()], false);
        }
        let (l, r) = (self.bind(left)?, self.bind(right)?);
        let incompatible = || {
            mismatch(
                e,
                format!(
                    "the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\")",
                    type_sql(&l.data_type),
                    type_sql(&r.data_type)
                ),
            )
        };
        let cmp = match op {
            BinaryOp::Eq => Some(Cmp::Eq),
            BinaryOp::EqNullSafe => Some(Cmp::EqNullSafe),
            BinaryOp::NotEq => Some(Cmp::NotEq),
            BinaryOp::Lt => Some(Cmp::Lt),
            BinaryOp::LtEq => Some(Cmp::LtEq),
            BinaryOp::Gt => Some(Cmp::Gt),
            BinaryOp::GtEq => Some(Cmp::GtEq),
            _ => None,
        };
        if let Some(cmp) = cmp {
            let t = common_type(&l.data_type, &r.data_type).ok_or_else(incompatible)?;
            return Ok(node(
                Kind::Cmp(cmp, Box::new(coerce(l, &t)), Box::new(coerce(r, &t))),
                DataType::Boolean,
            ));
        }
        if let Some((op, lt, rt, t)) = temporal_op(op, &l.data_type, &r.data_type) {
            return Ok(node(Kind::Temporal(op, Box::new(coerce(l, &lt)), Box::new(coerce(r, &rt))), t));
        }
        if matches!(op, BinaryOp::Plus | BinaryOp::Multiply) {
            // `interval + ts`, `n * interval`, `1 + date`: the same operations, swapped.
            if let Some((op, rt, lt, t)) = temporal_op(op, &r.data_type, &l.data_type) {
                return Ok(node(Kind::Temporal(op, Box::new(coerce(r, &rt)), Box::new(coerce(l, &lt))), t));
            }
        }
        // Arithmetic: a string operand counts as bigint beside an integer, double otherwise.
        let numeric = |t: &DataType, other: &DataType| -> Option<DataType> {
            match t {
                t if t.is_numeric() => Some(t.clone()),
                DataType::Null => Some(if other.is_numeric() { other.clone() } else { DataType::Double }),
                DataType::String => Some(match other {
                    DataType::Int | DataType::Long => DataType::Long,
                    _ => DataType::Double,
                }),
                _ => None,
            }
        };
        let lt = numeric(&l.data_type, &r.data_type).ok_or_else(incompatible)?;
        let rt = numeric(&r.data_type, &l.data_type).ok_or_else(incompatible)?;
        let (arith, t) = match op {
            BinaryOp::Plus => (Arith::Add, wider_numeric(&lt, &rt)),
            BinaryOp::Minus => (Arith::Sub, wider_numeric(&lt, &rt)),
            BinaryOp::Multiply => (Arith::Mul, wider_numeric(&lt, &rt)),
            BinaryOp::Modulo => (Arith::Rem, wider_numeric(&lt, &rt)),
            BinaryOp::Divide => (Arith::Div, DataType::Double),
            BinaryOp::IntDivide => {
                if lt == DataType::Double || rt == DataType::Double {
                    return Err(incompatible());
                }
                (Arith::IntDiv, DataType::Long)
            }
            _ => unreachable!("comparisons, logic and concat handled above"),
        };
        Ok(node(Kind::Arith(arith, Box::new(coerce(l, &t)), Box::new(coerce(r, &t))), t))
    }

    fn case(
        &self,
        e: &Expr,
        operand: Option<&Expr>,
        branches: &[(Expr, Expr)],
        else_expr: Option<&Expr>,
    ) -> Result<BoundExpr> {
        let mut conds = Vec::with_capacity(branches.len());
        let mut results = Vec::with_capacity(branches.len() + 1);
        for (w, t) in branches {
            let cond = match operand {
                Some(o) => {
                    Expr::Binary { op: BinaryOp::Eq, left: Box::new(o.clone()), right: Box::new(w.clone()) }
                }
                None => w.clone(),
            };
            conds.push(self.boolean(e, &cond)?);
            results.push(self.bind(t)?);
        }
        let else_bound = else_expr.map(|x| self.bind(x)).transpose()?;
        let t =
            common_of(results.iter().chain(else_bound.iter()).map(|b| &b.data_type)).ok_or_else(|| {
                mismatch(
                    e,
                    "the THEN and ELSE expressions should all be the same type or coercible to a common type"
                        .into(),
                )
            })?;
        Ok(node(
            Kind::Case {
                branches: conds.into_iter().zip(results).map(|(c, r)| (c, coerce(r, &t))).collect(),
                else_expr: else_bound.map(|b| Box::new(coerce(b, &t))),
            },
            t,
        ))
    }

    fn cast(&self, e: &Expr, inner: &Expr, to: &DataType, ansi: bool) -> Result<BoundExpr> {
        let b = self.bind(inner)?;
        if !can_cast(&b.data_type, to) {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION] Cannot resolve \"{}\" due to data type mismatch: cannot cast \"{}\" to \"{}\".",
                e.output_name(),
                type_sql(&b.data_type),
                type_sql(to)
            )));
        }
        if &b.data_type == to {
            return Ok(b);
        }
        Ok(node(Kind::Cast { expr: Box::new(b), to: to.clone(), ansi }, to.clone()))
    }

    fn function(&self, e: &Expr, name: &str, args: &[Expr], distinct: bool) -> Result<BoundExpr> {
        if let Some(agg) = AggFunc::from_name(name) {
            return self.aggregate(e, name, agg, args, distinct);
        }
        if let Some(bound) = self.time_function(e, name, args)? {
            return Ok(bound);
        }
        let arity = |min: usize, max: usize| -> Result<()> {
            if args.len() < min || args.len() > max {
                let expected = if min == max {
                    min.to_string()
                } else if max == usize::MAX {
                    format!("at least {min}")
                } else {
                    format!("[{min}, {max}]")
                };
                return Err(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {expected} parameters but the actual number is {}.",
                    args.len()
                )));
            }
            Ok(())
        };
        if let Some(bound) = self.json_function(e, name, args, &arity)? {
            return Ok(bound);
        }
        if name == "try_cast" {
            arity(2, 2)?;
            let to = match &args[1] {
                Expr::Literal(Value::String(t)) => DataType::parse(t),
                _ => None,
            }
            .ok_or_else(|| SluiceError::analysis("try_cast needs a type name as its second argument"))?;
            return self.cast(e, &args[0], &to, false);
        }
        let func = match name {
            "lower" | "lcase" => Func::Lower,
            "upper" | "ucase" => Func::Upper,
            "length" | "char_length" | "character_length" | "len" => Func::Length,
            "trim" | "btrim" => Func::Trim(TrimSide::Both),
            "ltrim" => Func::Trim(TrimSide::Leading),
            "rtrim" => Func::Trim(TrimSide::Trailing),
            "substring" | "substr" => Func::Substring,
            "concat" => Func::Concat,
            "concat_ws" => Func::ConcatWs,
            "replace" => Func::Replace,
            "instr" => Func::Instr,
            "locate" | "position" => Func::Locate,
            "startswith" => Func::StartsWith,
            "endswith" => Func::EndsWith,
            "contains" => Func::Contains,
            "abs" => Func::Abs,
            "round" => Func::Round { half_even: false },
            "bround" => Func::Round { half_even: true },
            "floor" => Func::Floor,
            "ceil" | "ceiling" => Func::Ceil,
            "sqrt" => Func::Sqrt,
            "exp" => Func::Exp,
            "ln" => Func::Ln,
            "log" if args.len() == 1 => Func::Ln,
            "log" => Func::LogBase,
            "log10" => Func::Log10,
            "log2" => Func::Log2,
            "pow" | "power" => Func::Pow,
            "sign" | "signum" => Func::Signum,
            "greatest" => Func::Greatest,
            "least" => Func::Least,
            "coalesce" | "nvl" | "ifnull" => Func::Coalesce,
            "nanvl" => Func::NanVl,
            "nullif" => Func::NullIf,
            "if" | "iff" => Func::If,
            "try_divide" => Func::TryDivide,
            "try_add" => Func::TryAdd,
            "try_subtract" => Func::TrySubtract,
            "try_multiply" => Func::TryMultiply,
            "isnull" => {
                arity(1, 1)?;
                return self.bind(&Expr::IsNull(Box::new(args[0].clone())));
            }
            "isnotnull" => {
                arity(1, 1)?;
                return self.bind(&Expr::IsNotNull(Box::new(args[0].clone())));
            }
            _ => {
                return Err(SluiceError::analysis(format!(
                    "[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]."
                )))
            }
        };
        let (min, max) = match func {
            Func::Lower | Func::Upper | Func::Length | Func::Abs | Func::Floor | Func::Ceil | Func::Sqrt => {
                (1, 1)
            }
            Func::Exp | Func::Ln | Func::Log10 | Func::Log2 | Func::Signum => (1, 1),
            Func::Trim(_) | Func::Round { .. } => (1, 2),
            Func::Substring | Func::Replace | Func::Locate => (2, 3),
            Func::Concat => (0, usize::MAX),
            Func::ConcatWs | Func::Greatest | Func::Least => {
                (if func == Func::ConcatWs { 1 } else { 2 }, usize::MAX)
            }
            Func::Coalesce => (1, usize::MAX),
            Func::Instr | Func::StartsWith | Func::EndsWith | Func::Contains | Func::LogBase | Func::Pow => {
                (2, 2)
            }
            Func::NanVl
            | Func::NullIf
            | Func::TryDivide
            | Func::TryAdd
            | Func::TrySubtract
            | Func::TryMultiply => (2, 2),
            Func::If => (3, 3),
        };
        arity(min, max)?;
        if matches!(name, "nvl" | "ifnull") {
            arity(2, 2)?;
        }
        let bound = args.iter().map(|a| self.bind(a)).collect::<Result<Vec<_>>>()?;
        let numeric_arg = |b: BoundExpr, what: &str| -> Result<BoundExpr> {
            match &b.data_type {
                t if t.is_numeric() => Ok(b),
                DataType::Null | DataType::String => Ok(coerce(b, &DataType::Double)),
                t => Err(mismatch(
                    e,
                    format!(
                        "the {what} argument requires a numeric type, however it has type \"{}\"",
                        type_sql(t)
                    ),
                )),
            }
        };
        let double_args = |bound: Vec<BoundExpr>| -> Result<Vec<BoundExpr>> {
            bound.into_iter().map(|b| numeric_arg(b, "").map(|b| coerce(b, &DataType::Double))).collect()
        };
        let int_arg = |b: BoundExpr| -> Result<BoundExpr> {
            match &b.data_type {
                DataType::Int | DataType::Null | DataType::String => Ok(coerce(b, &DataType::Int)),
                DataType::Long => Ok(coerce(b, &DataType::Int)),
                t => Err(mismatch(
                    e,
                    format!("an integer argument is required, however it has type \"{}\"", type_sql(t)),
                )),
            }
        };
        let (args, t): (Vec<BoundExpr>, DataType) = match func {
            Func::Lower | Func::Upper | Func::Concat | Func::ConcatWs | Func::Replace | Func::Trim(_) => {
                (bound.into_iter().map(string_arg).collect(), DataType::String)
            }
            Func::Length | Func::Instr => (bound.into_iter().map(string_arg).collect(), DataType::Int),
            Func::StartsWith | Func::EndsWith | Func::Contains => {
                (bound.into_iter().map(string_arg).collect(), DataType::Boolean)
            }
            Func::Substring => {
                let mut it = bound.into_iter();
                let s = string_arg(it.next().expect("arity checked"));
                let rest = it.map(int_arg).collect::<Result<Vec<_>>>()?;
                (std::iter::once(s).chain(rest).collect(), DataType::String)
            }
            Func::Locate => {
                let mut it = bound.into_iter();
                let (sub, s) = (string_arg(it.next().expect("arity")), string_arg(it.next().expect("arity")));
                let pos = it.next().map(int_arg).transpose()?;
                ([sub, s].into_iter().chain(pos).collect(), DataType::Int)
            }
            Func::Abs => {
                let a = numeric_arg(bound.into_iter().next().expect("arity"), "first")?;
                let t = a.data_type.clone();
                (vec![a], t)
            }
            Func::Round { .. } => {
                let mut it = bound.into_iter();
                let x = numeric_arg(it.next().expect("arity"), "first")?;
                let t = x.data_type.clone();
                let scale = match it.next() {
                    Some(s) => int_arg(s)?,
                    None => node(Kind::Literal(Value::Int(0)), DataType::Int),
                };
                (vec![x, scale], t)
            }
            Func::Floor | Func::Ceil => {
                let x = numeric_arg(bound.into_iter().next().expect("arity"), "first")?;
                (vec![coerce(x, &DataType::Double)], DataType::Long)
            }
            Func::Sqrt
            | Func::Exp
            | Func::Ln
            | Func::Log10
            | Func::Log2
            | Func::Signum
            | Func::LogBase
            | Func::Pow => (double_args(bound)?, DataType::Double),
            Func::NanVl => (double_args(bound)?, DataType::Double),
            Func::Greatest | Func::Least | Func::Coalesce | Func::NullIf => {
                let t = common_of(bound.iter().map(|b| &b.data_type)).ok_or_else(|| {
                    mismatch(
                        e,
                        "the arguments should all have the same type or be coercible to a common type".into(),
                    )
                })?;
                if matches!(func, Func::Greatest | Func::Least) && matches!(t, DataType::Struct(_)) {
                    return Err(mismatch(e, "the arguments must be of orderable types".into()));
                }
                (bound.into_iter().map(|b| coerce(b, &t)).collect(), t)
            }
            Func::If => {
                let mut it = bound.into_iter();
                let c = it.next().expect("arity");
                let c = match c.data_type {
                    DataType::Boolean => c,
                    DataType::Null | DataType::String => coerce(c, &DataType::Boolean),
                    ref t => {
                        return Err(mismatch(
                            e,
                            format!("the first argument must be \"BOOLEAN\", not \"{}\"", type_sql(t)),
                        ))
                    }
                };
                let (a, b) = (it.next().expect("arity"), it.next().expect("arity"));
                let t = common_type(&a.data_type, &b.data_type).ok_or_else(|| {
                    mismatch(e, "the THEN and ELSE expressions should be coercible to a common type".into())
                })?;
                (vec![c, coerce(a, &t), coerce(b, &t)], t)
            }
            Func::TryDivide => (double_args(bound)?, DataType::Double),
            Func::TryAdd | Func::TrySubtract | Func::TryMultiply => {
                let bound = bound.into_iter().map(|b| numeric_arg(b, "")).collect::<Result<Vec<_>>>()?;
                let t = wider_numeric(&bound[0].data_type, &bound[1].data_type);
                (bound.into_iter().map(|b| coerce(b, &t)).collect(), t)
            }
        };
        Ok(node(Kind::Func(func, args), t))
    }

    /// `struct`, `named_struct`, `to_json` and `from_json`.
    fn json_function(
        &self,
        e: &Expr,
        name: &str,
        args: &[Expr],
        arity: &dyn Fn(usize, usize) -> Result<()>,
    ) -> Result<Option<BoundExpr>> {
        Ok(Some(match name {
            "struct" => {
                let mut fields = Vec::new();
                let mut values = Vec::new();
                for arg in args {
                    if let Expr::Star(_) = arg {
                        for (i, f) in self.schema.fields.iter().enumerate() {
                            fields.push(f.clone());
                            values.push(node(Kind::Column(i), f.data_type.clone()));
                        }
                        continue;
                    }
                    let b = self.bind(arg)?;
                    let name = match arg {
                        Expr::Column(_) | Expr::Alias(..) => arg.output_name(),
                        _ => format!("col{}", fields.len() + 1),
                    };
                    fields.push(Field::new(name, b.data_type.clone()));
                    values.push(b);
                }
                node(Kind::MakeStruct(values), DataType::Struct(fields))
            }
            "named_struct" => {
                if !args.len().is_multiple_of(2) {
                    return Err(SluiceError::analysis(format!(
                        "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `named_struct` requires an even number of parameters but the actual number is {}.",
                        args.len()
                    )));
                }
                let mut fields = Vec::new();
                let mut values = Vec::new();
                for pair in args.chunks(2) {
                    let Expr::Literal(Value::String(name)) = &pair[0] else {
                        return Err(mismatch(
                            e,
                            "Only foldable `STRING` expressions are allowed to appear at odd position".into(),
                        ));
                    };
                    let b = self.bind(&pair[1])?;
                    fields.push(Field::new(name.to_string(), b.data_type.clone()));
                    values.push(b);
                }
                node(Kind::MakeStruct(values), DataType::Struct(fields))
            }
            "to_json" => {
                arity(1, 2)?;
                let b = self.bind(&args[0])?;
                if !matches!(b.data_type, DataType::Struct(_) | DataType::Array(_) | DataType::Null) {
                    return Err(mismatch(
                        e,
                        format!(
                            "the input of to_json must be a struct or an array, not \"{}\"",
                            type_sql(&b.data_type)
                        ),
                    ));
                }
                node(Kind::ToJson(Box::new(b)), DataType::String)
            }
            "from_json" => {
                arity(2, 3)?;
                let schema = match &args[1] {
                    Expr::Literal(Value::String(ddl)) => crate::schema::Schema::parse_ddl(ddl)
                        .or_else(|_| match DataType::parse(ddl) {
                            Some(DataType::Struct(fields)) => Ok(crate::schema::Schema::new(fields)),
                            _ => Err(SluiceError::analysis(format!(
                                "[INVALID_SCHEMA.PARSE_ERROR] The input schema \"{ddl}\" is not a valid schema string."
                            ))),
                        })?,
                    _ => {
                        return Err(SluiceError::analysis(
                            "[INVALID_SCHEMA.NON_STRING_LITERAL] The input schema of from_json must be a string literal (a DDL such as 'a INT, b STRING').",
                        ))
                    }
                };
                let b = string_arg(self.bind(&args[0])?);
                node(Kind::FromJson(Box::new(b)), DataType::Struct(schema.fields))
            }
            _ => return Ok(None),
        }))
    }

    fn aggregate(
        &self,
        e: &Expr,
        name: &str,
        agg: AggFunc,
        args: &[Expr],
        distinct: bool,
    ) -> Result<BoundExpr> {
        if !self.allow_aggregates {
            return Err(SluiceError::analysis(format!(
                "aggregate function `{name}` cannot be evaluated row by row (in \"{}\"): it may appear only in the SELECT list or HAVING of a grouped query",
                e.output_name()
            )));
        }
        let _ = distinct;
        let input = match args {
            [Expr::Star(None)] if agg == AggFunc::Count => DataType::Long,
            [a] => {
                // Nested aggregates are not allowed, so bind the argument row-wise.
                Binder { schema: self.schema, allow_aggregates: false }.bind(a)?.data_type
            }
            _ if agg == AggFunc::Count && !args.is_empty() => DataType::Long,
            _ => {
                return Err(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires 1 parameters but the actual number is {}.",
                    args.len()
                )))
            }
        };
        let t = match agg {
            AggFunc::Count => DataType::Long,
            AggFunc::Sum => match input {
                DataType::Int | DataType::Long => DataType::Long,
                DataType::Double | DataType::Null | DataType::String => DataType::Double,
                t => {
                    return Err(mismatch(
                        e,
                        format!(
                            "the argument requires a numeric type, however it has type \"{}\"",
                            type_sql(&t)
                        ),
                    ))
                }
            },
            AggFunc::Avg | AggFunc::StddevPop | AggFunc::StddevSamp | AggFunc::VarPop | AggFunc::VarSamp => {
                if !(input.is_numeric() || matches!(input, DataType::Null | DataType::String)) {
                    return Err(mismatch(
                        e,
                        format!(
                            "the argument requires a numeric type, however it has type \"{}\"",
                            type_sql(&input)
                        ),
                    ));
                }
                DataType::Double
            }
            AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last => input,
        };
        Ok(node(Kind::Aggregate(name.to_string()), t))
    }
}

fn like_regex(pattern: &str, case_insensitive: bool) -> Result<Regex> {
    let mut re = String::with_capacity(pattern.len() + 8);
    re.push_str(if case_insensitive { "(?is)^" } else { "(?s)^" });
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            '\\' => match chars.next() {
                Some(n @ ('%' | '_' | '\\')) => re.push_str(&regex::escape(&n.to_string())),
                _ => {
                    return Err(SluiceError::exec(format!(
                        "[INVALID_FORMAT.ESC_IN_THE_MIDDLE] The format is invalid: '{pattern}'. The escape character is not allowed to precede a character other than '%', '_' or '\\'."
                    )))
                }
            },
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re).map_err(|err| SluiceError::exec(format!("invalid LIKE pattern '{pattern}': {err}")))
}

fn rlike_regex(pattern: &str) -> Result<Regex> {
    Regex::new(pattern).map_err(|err| {
        SluiceError::exec(format!(
            "[INVALID_PARAMETER_VALUE.PATTERN] The value of parameter(s) `regexp` in `rlike` is invalid: '{pattern}': {err}"
        ))
    })
}

// ---------------------------------------------------------------------------------------
// Evaluation.

impl BoundExpr {
    /// The type of the values this expression yields.
    pub fn data_type(&self) -> &DataType {
        &self.data_type
    }

    /// The input column this expression reads unchanged, if it is a plain column reference.
    pub fn column_index(&self) -> Option<usize> {
        match self.kind {
            Kind::Column(i) => Some(i),
            _ => None,
        }
    }

    /// True only when the expression yields TRUE (a WHERE clause: NULL and FALSE both drop the row).
    pub fn eval_predicate(&self, row: &[Value]) -> Result<bool> {
        Ok(matches!(self.eval(row)?, Value::Boolean(true)))
    }

    /// Evaluates the expression on one row of the schema it was bound to.
    pub fn eval(&self, row: &[Value]) -> Result<Value> {
        match &self.kind {
            Kind::Column(i) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
            Kind::Field(inner, i) => Ok(match inner.eval(row)? {
                Value::Struct(vals) => vals.get(*i).cloned().unwrap_or(Value::Null),
                _ => Value::Null,
            }),
            Kind::Literal(v) => Ok(v.clone()),
            Kind::Arith(op, l, r) => {
                let a = l.eval(row)?;
                if a.is_null() {
                    return Ok(Value::Null);
                }
                let b = r.eval(row)?;
                if b.is_null() {
                    return Ok(Value::Null);
                }
                arith(*op, &a, &b)
            }
            Kind::Cmp(op, l, r) => {
                let (a, b) = (l.eval(row)?, r.eval(row)?);
                if *op == Cmp::EqNullSafe {
                    return Ok(Value::Boolean(a == b));
                }
                if a.is_null() || b.is_null() {
                    return Ok(Value::Null);
                }
                let ord = a.cmp(&b);
                Ok(Value::Boolean(match op {
                    Cmp::Eq | Cmp::EqNullSafe => ord == Ordering::Equal,
                    Cmp::NotEq => ord != Ordering::Equal,
                    Cmp::Lt => ord == Ordering::Less,
                    Cmp::LtEq => ord != Ordering::Greater,
                    Cmp::Gt => ord == Ordering::Greater,
                    Cmp::GtEq => ord != Ordering::Less,
                }))
            }
            Kind::And(l, r) => match l.eval(row)? {
                Value::Boolean(false) => Ok(Value::Boolean(false)),
                a => match (a, r.eval(row)?) {
                    (_, Value::Boolean(false)) => Ok(Value::Boolean(false)),
                    (Value::Boolean(true), Value::Boolean(true)) => Ok(Value::Boolean(true)),
                    _ => Ok(Value::Null),
                },
            },
            Kind::Or(l, r) => match l.eval(row)? {
                Value::Boolean(true) => Ok(Value::Boolean(true)),
                a => match (a, r.eval(row)?) {
                    (_, Value::Boolean(true)) => Ok(Value::Boolean(true)),
                    (Value::Boolean(false), Value::Boolean(false)) => Ok(Value::Boolean(false)),
                    _ => Ok(Value::Null),
                },
            },
            Kind::Not(e) => Ok(match e.eval(row)? {
                Value::Boolean(b) => Value::Boolean(!b),
                _ => Value::Null,
            }),
            Kind::Negate(e) => Ok(match e.eval(row)? {
                Value::Int(n) => Value::Int(n.checked_neg().ok_or_else(|| overflow("integer", "subtract"))?),
                Value::Long(n) => Value::Long(n.checked_neg().ok_or_else(|| overflow("long", "subtract"))?),
                Value::Double(d) => Value::double(-d.0),
                Value::Interval(n) => {
                    Value::Interval(n.checked_neg().ok_or_else(|| overflow("long", "subtract"))?)
                }
                _ => Value::Null,
            }),
            Kind::IsNull(e) => Ok(Value::Boolean(e.eval(row)?.is_null())),
            Kind::IsNotNull(e) => Ok(Value::Boolean(!e.eval(row)?.is_null())),
            Kind::Like { expr, pattern, negated, case_insensitive } => {
                let ci = *case_insensitive;
                matches_pattern(expr, pattern, *negated, row, |p| like_regex(p, ci))
            }
            Kind::RLike { expr, pattern, negated } => {
                matches_pattern(expr, pattern, *negated, row, rlike_regex)
            }
            Kind::InList { expr, list, negated } => {
                let v = expr.eval(row)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let candidate = item.eval(row)?;
                    if candidate.is_null() {
                        saw_null = true;
                    } else if candidate == v {
                        return Ok(Value::Boolean(!negated));
                    }
                }
                Ok(if saw_null { Value::Null } else { Value::Boolean(*negated) })
            }
            Kind::Case { branches, else_expr } => {
                for (cond, result) in branches {
                    if cond.eval_predicate(row)? {
                        return result.eval(row);
                    }
                }
                match else_expr {
                    Some(e) => e.eval(row),
                    None => Ok(Value::Null),
                }
            }
            Kind::Cast { expr, to, ansi } => {
                let v = expr.eval(row)?;
                if *ansi {
                    cast_value(&v, to)
                } else {
                    Ok(try_cast_value(&v, to))
                }
            }
            Kind::Func(f, args) => eval_func(*f, args, row),
            Kind::MakeStruct(fields) => {
                Ok(Value::Struct(fields.iter().map(|f| f.eval(row)).collect::<Result<Vec<_>>>()?.into()))
            }
            Kind::ToJson(inner) => match inner.eval(row)? {
                Value::Null => Ok(Value::Null),
                v => Ok(Value::String(crate::json_value::to_json(&v, &inner.data_type).into())),
            },
            Kind::FromJson(inner) => match (inner.eval(row)?, &self.data_type) {
                (Value::String(text), DataType::Struct(fields)) => {
                    Ok(crate::json_value::parse_struct(&text, fields))
                }
                _ => Ok(Value::Null),
            },
            Kind::Temporal(op, l, r) => {
                let a = l.eval(row)?;
                if a.is_null() {
                    return Ok(Value::Null);
                }
                let b = r.eval(row)?;
                if b.is_null() {
                    return Ok(Value::Null);
                }
                temporal(*op, &a, &b)
            }
            Kind::Time(f, args) => eval_time(f, args, row),
            Kind::GroupingOnly(name) => Err(SluiceError::exec(format!(
                "{name}(...) here is a sliding or session window, which only a GROUP BY can compute"
            ))),
            Kind::Aggregate(name) => Err(SluiceError::exec(format!(
                "aggregate function `{name}` cannot be evaluated row by row; the planner must compute it"
            ))),
        }
    }
}

fn matches_pattern(
    expr: &BoundExpr,
    pattern: &Pattern,
    negated: bool,
    row: &[Value],
    compile: impl Fn(&str) -> Result<Regex>,
) -> Result<Value> {
    let Value::String(s) = expr.eval(row)? else {
        return Ok(Value::Null);
    };
    let hit = match pattern {
        Pattern::Compiled(re) => re.is_match(&s),
        Pattern::Dynamic(p) => match p.eval(row)? {
            Value::String(p) => compile(&p)?.is_match(&s),
            _ => return Ok(Value::Null),
        },
    };
    Ok(Value::Boolean(hit != negated))
}

fn arith(op: Arith, a: &Value, b: &Value) -> Result<Value> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => {
            let (x, y) = (*x, *y);
            Value::Int(match op {
                Arith::Add => x.checked_add(y).ok_or_else(|| overflow("integer", "add"))?,
                Arith::Sub => x.checked_sub(y).ok_or_else(|| overflow("integer", "subtract"))?,
                Arith::Mul => x.checked_mul(y).ok_or_else(|| overflow("integer", "multiply"))?,
                Arith::Rem => {
                    if y == 0 {
                        return Err(divide_by_zero());
                    }
                    x.wrapping_rem(y)
                }
                Arith::Div | Arith::IntDiv => unreachable!("division binds to double or bigint operands"),
            })
        }
        (Value::Long(x), Value::Long(y)) => {
            let (x, y) = (*x, *y);
            Value::Long(match op {
                Arith::Add => x.checked_add(y).ok_or_else(|| overflow("long", "add"))?,
                Arith::Sub => x.checked_sub(y).ok_or_else(|| overflow("long", "subtract"))?,
                Arith::Mul => x.checked_mul(y).ok_or_else(|| overflow("long", "multiply"))?,
                Arith::Rem | Arith::IntDiv if y == 0 => return Err(divide_by_zero()),
                Arith::Rem => x.wrapping_rem(y),
                Arith::IntDiv => x.checked_div(y).ok_or_else(|| overflow("long", "divide"))?,
                Arith::Div => unreachable!("`/` binds to double operands"),
            })
        }
        (Value::Double(x), Value::Double(y)) => {
            let (x, y) = (x.0, y.0);
            Value::double(match op {
                Arith::Add => x + y,
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                Arith::Div | Arith::Rem if y == 0.0 => return Err(divide_by_zero()),
                Arith::Div => x / y,
                Arith::Rem => x % y,
                Arith::IntDiv => unreachable!("div binds to bigint operands"),
            })
        }
        _ => return Err(SluiceError::exec(format!("internal: arithmetic on {a:?} and {b:?}"))),
    })
}

fn str_arg(v: &Value) -> Option<&str> {
    v.as_str()
}

fn eval_func(f: Func, args: &[BoundExpr], row: &[Value]) -> Result<Value> {
    // Functions that do not simply return null on a null argument.
    match f {
        Func::Coalesce => {
            for a in args {
                let v = a.eval(row)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            return Ok(Value::Null);
        }
        Func::ConcatWs => {
            let sep = args[0].eval(row)?;
            let Some(sep) = str_arg(&sep) else { return Ok(Value::Null) };
            let mut out = String::new();
            let mut first = true;
            for a in &args[1..] {
                if let Value::String(s) = a.eval(row)? {
                    if !first {
                        out.push_str(sep);
                    }
                    out.push_str(&s);
                    first = false;
                }
            }
            return Ok(Value::String(out.into()));
        }
        Func::Greatest | Func::Least => {
            let mut best = Value::Null;
            for a in args {
                let v = a.eval(row)?;
                if v.is_null() {
                    continue;
                }
                let better = best.is_null()
                    || match f {
                        Func::Greatest => v > best,
                        _ => v < best,
                    };
                if better {
                    best = v;
                }
            }
            return Ok(best);
        }
        Func::If => {
            return if args[0].eval_predicate(row)? { args[1].eval(row) } else { args[2].eval(row) };
        }
        Func::NullIf => {
            let a = args[0].eval(row)?;
            let b = args[1].eval(row)?;
            return Ok(if !a.is_null() && a == b { Value::Null } else { a });
        }
        _ => {}
    }
    let mut vals = Vec::with_capacity(args.len());
    for a in args {
        let v = a.eval(row)?;
        if v.is_null() {
            return Ok(Value::Null);
        }
        vals.push(v);
    }
    let s = |i: usize| vals[i].as_str().unwrap_or_default();
    let d = |i: usize| vals[i].as_f64().unwrap_or(f64::NAN);
    let int = |i: usize| vals[i].as_i64().unwrap_or(0);
    let string = |s: String| Value::String(s.into());
    Ok(match f {
        Func::Lower => string(s(0).to_lowercase()),
        Func::Upper => string(s(0).to_uppercase()),
        Func::Length => Value::Int(s(0).chars().count() as i32),
        Func::Trim(side) => {
            let text = s(0);
            let set: Vec<char> = if vals.len() > 1 { s(1).chars().collect() } else { vec![' '] };
            let pred = |c: char| set.contains(&c);
            string(
                match side {
                    TrimSide::Both => text.trim_matches(pred),
                    TrimSide::Leading => text.trim_start_matches(pred),
                    TrimSide::Trailing => text.trim_end_matches(pred),
                }
                .to_string(),
            )
        }
        Func::Substring => string(substring(s(0), int(1), vals.get(2).map(|_| int(2)))),
        Func::Concat => {
            let mut out = String::new();
            for v in &vals {
                out.push_str(v.as_str().unwrap_or_default());
            }
            string(out)
        }
        Func::Replace => {
            let with = if vals.len() > 2 { s(2) } else { "" };
            if s(1).is_empty() {
                vals[0].clone()
            } else {
                string(s(0).replace(s(1), with))
            }
        }
        Func::Instr => Value::Int(char_position(s(0), s(1), 1)),
        Func::Locate => {
            let start = if vals.len() > 2 { int(2) } else { 1 };
            Value::Int(if start < 1 { 0 } else { char_position(s(1), s(0), start as usize) })
        }
        Func::StartsWith => Value::Boolean(s(0).starts_with(s(1))),
        Func::EndsWith => Value::Boolean(s(0).ends_with(s(1))),
        Func::Contains => Value::Boolean(s(0).contains(s(1))),
        Func::Abs => match &vals[0] {
            Value::Int(n) => Value::Int(n.checked_abs().ok_or_else(|| overflow("integer", "abs"))?),
            Value::Long(n) => Value::Long(n.checked_abs().ok_or_else(|| overflow("long", "abs"))?),
            v => Value::double(v.as_f64().unwrap_or(f64::NAN).abs()),
        },
        Func::Round { half_even } => round(&vals[0], int(1), half_even)?,
        Func::Floor => Value::Long(d(0).floor() as i64),
        Func::Ceil => Value::Long(d(0).ceil() as i64),
        Func::Sqrt => Value::double(d(0).sqrt()),
        Func::Exp => Value::double(d(0).exp()),
        // Spark's logarithms are null outside their domain rather than NaN.
        Func::Ln => log_or_null(d(0), f64::ln),
        Func::Log10 => log_or_null(d(0), f64::log10),
        Func::Log2 => log_or_null(d(0), f64::log2),
        Func::LogBase => {
            if d(0) <= 0.0 || d(1) <= 0.0 {
                Value::Null
            } else {
                Value::double(d(1).ln() / d(0).ln())
            }
        }
        Func::Pow => Value::double(d(0).powf(d(1))),
        Func::Signum => Value::double(if d(0).is_nan() {
            f64::NAN
        } else if d(0) == 0.0 {
            0.0
        } else {
            d(0).signum()
        }),
        Func::NanVl => {
            if d(0).is_nan() {
                vals[1].clone()
            } else {
                vals[0].clone()
            }
        }
        Func::TryDivide => {
            if d(1) == 0.0 {
                Value::Null
            } else {
                Value::double(d(0) / d(1))
            }
        }
        Func::TryAdd | Func::TrySubtract | Func::TryMultiply => {
            let op = match f {
                Func::TryAdd => Arith::Add,
                Func::TrySubtract => Arith::Sub,
                _ => Arith::Mul,
            };
            arith(op, &vals[0], &vals[1]).unwrap_or(Value::Null)
        }
        Func::Coalesce | Func::ConcatWs | Func::Greatest | Func::Least | Func::If | Func::NullIf => {
            unreachable!("handled before null propagation")
        }
    })
}

fn log_or_null(x: f64, f: fn(f64) -> f64) -> Value {
    if x <= 0.0 {
        Value::Null
    } else {
        Value::double(f(x))
    }
}

/// 1-based character position of `needle` in `hay` at or after `start`, 0 when absent.
fn char_position(hay: &str, needle: &str, start: usize) -> i32 {
    let skip = start.saturating_sub(1);
    let byte_start = match hay.char_indices().nth(skip) {
        Some((b, _)) => b,
        None if hay.chars().count() == skip => hay.len(),
        None => return 0,
    };
    match hay[byte_start..].find(needle) {
        Some(b) => (hay[..byte_start + b].chars().count() + 1) as i32,
        None => 0,
    }
}

/// Spark's `substring(s, pos, len)`: 1-based, 0 behaves as 1, negative counts from the end.
fn substring(s: &str, pos: i64, len: Option<i64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as i64;
    let len = len.unwrap_or(i64::MAX);
    let start = if pos > 0 {
        pos - 1
    } else if pos < 0 {
        n + pos
    } else {
        0
    };
    let end = if len <= 0 { start } else { start.saturating_add(len) };
    let (start, end) = (start.clamp(0, n), end.clamp(0, n));
    if start >= end {
        return String::new();
    }
    chars[start as usize..end as usize].iter().collect()
}

/// `round`/`bround` to `scale` decimal places, on the shortest decimal form of doubles
/// (as Spark's `BigDecimal` does), so `round(2.675, 2)` is 2.68.
fn round(v: &Value, scale: i64, half_even: bool) -> Result<Value> {
    match v {
        Value::Int(_) | Value::Long(_) => {
            if scale >= 0 {
                return Ok(v.clone());
            }
            let n = v.as_i64().unwrap_or(0) as i128;
            let factor = 10i128.checked_pow((-scale) as u32).unwrap_or(i128::MAX);
            let (q, twice_r) = (n / factor, (n % factor).abs() * 2);
            let up = if half_even {
                twice_r > factor || (twice_r == factor && q % 2 != 0)
            } else {
                twice_r >= factor
            };
            let q = if up { q + n.signum() } else { q };
            let rounded = q.saturating_mul(factor);
            Ok(match v {
                Value::Int(_) => {
                    Value::Int(i32::try_from(rounded).map_err(|_| overflow("integer", "round"))?)
                }
                _ => Value::Long(i64::try_from(rounded).map_err(|_| overflow("long", "round"))?),
            })
        }
        Value::Double(d) => Ok(Value::double(round_double(d.0, scale, half_even))),
        _ => Ok(Value::Null),
    }
}

fn round_double(x: f64, scale: i64, half_even: bool) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let text = format!("{:e}", x.abs());
    let (mantissa, exp) = text.split_once('e').expect("`{:e}` always writes an exponent");
    let exp: i64 = exp.parse().expect("`{:e}` writes an integer exponent");
    let digits: Vec<u8> = mantissa.bytes().filter(u8::is_ascii_digit).map(|b| b - b'0').collect();
    // digits[0] has place value 10^exp; keep those with place value >= 10^-scale.
    let keep = exp + 1 + scale;
    if keep >= digits.len() as i64 {
        return x;
    }
    let (kept, dropped): (Vec<u8>, &[u8]) = if keep <= 0 {
        (Vec::new(), if keep == 0 { &digits[..] } else { &[] })
    } else {
        (digits[..keep as usize].to_vec(), &digits[keep as usize..])
    };
    let first_dropped = dropped.first().copied().unwrap_or(0);
    let rest_nonzero = dropped.iter().skip(1).any(|&d| d != 0);
    let last_kept_odd = kept.last().is_some_and(|d| d % 2 == 1);
    let up = if half_even {
        first_dropped > 5 || (first_dropped == 5 && (rest_nonzero || last_kept_odd))
    } else {
        first_dropped >= 5
    };
    // Build the kept integer, add one unit if rounding up, then scale back.
    let mut n: i128 = kept.iter().fold(0i128, |acc, &d| acc * 10 + d as i128);
    if up {
        n += 1;
    }
    let magnitude: f64 = format!("{n}e{}", -scale).parse().unwrap_or(0.0);
    if x < 0.0 {
        -magnitude
    } else {
        magnitude
    }
}

// ---------------------------------------------------------------------------------------
// Event time: timestamp arithmetic, date-time functions and time windows.

/// The temporal operation `left op right` denotes, with the types its operands are cast to
/// and its result type; `None` when neither side makes it temporal.
fn temporal_op(op: BinaryOp, l: &DataType, r: &DataType) -> Option<(Temporal, DataType, DataType, DataType)> {
    use DataType::*;
    let instant = |t: &DataType| matches!(t, Timestamp | Date | String);
    Some(match (op, l, r) {
        (BinaryOp::Plus, Interval, Interval | Null) | (BinaryOp::Plus, Null, Interval) => {
            (Temporal::IvPlusIv, Interval, Interval, Interval)
        }
        (BinaryOp::Minus, Interval, Interval | Null) | (BinaryOp::Minus, Null, Interval) => {
            (Temporal::IvMinusIv, Interval, Interval, Interval)
        }
        (BinaryOp::Plus, a, Interval) if instant(a) => (Temporal::TsPlusIv, Timestamp, Interval, Timestamp),
        (BinaryOp::Minus, a, Interval) if instant(a) => (Temporal::TsMinusIv, Timestamp, Interval, Timestamp),
        (BinaryOp::Minus, Date, Date) => (Temporal::DateMinusDate, Date, Date, Interval),
        (BinaryOp::Minus, Timestamp, Timestamp | Date) | (BinaryOp::Minus, Date, Timestamp) => {
            (Temporal::TsMinusTs, Timestamp, Timestamp, Interval)
        }
        (BinaryOp::Plus, Date, Int) => (Temporal::DatePlusDays, Date, Int, Date),
        (BinaryOp::Minus, Date, Int) => (Temporal::DateMinusDays, Date, Int, Date),
        (BinaryOp::Multiply, Interval, n) if n.is_numeric() || *n == Null => {
            let nt = if *n == Double { Double } else { Long };
            (Temporal::IvTimes, Interval, nt, Interval)
        }
        (BinaryOp::Divide, Interval, n) if n.is_numeric() || *n == Null => {
            let nt = if *n == Double { Double } else { Long };
            (Temporal::IvDiv, Interval, nt, Interval)
        }
        _ => return None,
    })
}

fn interval_divided_by_zero() -> SluiceError {
    SluiceError::exec(
        "[INTERVAL_DIVIDED_BY_ZERO] Divide by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. SQLSTATE: 22012",
    )
}

/// Rounds half away from zero (Java's `RoundingMode.HALF_UP`) into a long.
fn round_half_up(x: f64) -> Result<i64> {
    let r = x.round();
    if r.is_finite() && r >= i64::MIN as f64 && r < i64::MAX as f64 {
        Ok(r as i64)
    } else {
        Err(overflow("long", "multiply"))
    }
}

fn temporal(op: Temporal, a: &Value, b: &Value) -> Result<Value> {
    let add = |x: i64, y: i64| x.checked_add(y).ok_or_else(|| overflow("long", "add"));
    let sub = |x: i64, y: i64| x.checked_sub(y).ok_or_else(|| overflow("long", "subtract"));
    Ok(match (op, a, b) {
        (Temporal::TsPlusIv, Value::Timestamp(t), Value::Interval(i)) => Value::Timestamp(add(*t, *i)?),
        (Temporal::TsMinusIv, Value::Timestamp(t), Value::Interval(i)) => Value::Timestamp(sub(*t, *i)?),
        (Temporal::IvPlusIv, Value::Interval(x), Value::Interval(y)) => Value::Interval(add(*x, *y)?),
        (Temporal::IvMinusIv, Value::Interval(x), Value::Interval(y)) => Value::Interval(sub(*x, *y)?),
        (Temporal::TsMinusTs, Value::Timestamp(x), Value::Timestamp(y)) => Value::Interval(sub(*x, *y)?),
        (Temporal::DatePlusDays, Value::Date(d), Value::Int(n)) => {
            Value::Date(d.checked_add(*n).ok_or_else(|| overflow("integer", "add"))?)
        }
        (Temporal::DateMinusDays, Value::Date(d), Value::Int(n)) => {
            Value::Date(d.checked_sub(*n).ok_or_else(|| overflow("integer", "subtract"))?)
        }
        (Temporal::DateMinusDate, Value::Date(x), Value::Date(y)) => {
            Value::Interval((*x as i64 - *y as i64) * MICROS_PER_DAY)
        }
        (Temporal::IvTimes, Value::Interval(i), Value::Long(n)) => {
            Value::Interval(i.checked_mul(*n).ok_or_else(|| overflow("long", "multiply"))?)
        }
        (Temporal::IvTimes, Value::Interval(i), Value::Double(d)) => {
            Value::Interval(round_half_up(*i as f64 * d.0)?)
        }
        (Temporal::IvDiv, Value::Interval(i), Value::Long(n)) => {
            if *n == 0 {
                return Err(interval_divided_by_zero());
            }
            let (x, y) = (*i as i128, *n as i128);
            let (q, r) = (x / y, x % y);
            let q = if 2 * r.abs() >= y.abs() { q + x.signum() * y.signum() } else { q };
            Value::Interval(i64::try_from(q).map_err(|_| overflow("long", "divide"))?)
        }
        (Temporal::IvDiv, Value::Interval(i), Value::Double(d)) => {
            if d.0 == 0.0 {
                return Err(interval_divided_by_zero());
            }
            Value::Interval(round_half_up(*i as f64 / d.0)?)
        }
        _ => return Err(SluiceError::exec(format!("internal: {op:?} on {a:?} and {b:?}"))),
    })
}

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
        Expr::Literal(Value::Interval(us)) => Ok(*us),
        Expr::Literal(Value::Int(n)) => Ok(*n as i64),
        Expr::Literal(Value::Long(n)) => Ok(*n),
        Expr::Negate(inner) => match inner.unaliased() {
            Expr::Literal(Value::Interval(us)) => Ok(-*us),
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

const DEFAULT_TIMESTAMP_PATTERN: &str = "yyyy-MM-dd HH:mm:ss";

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth"].get(i).copied().unwrap_or("next")
}

fn cannot_parse_timestamp(text: &str, err: &crate::time::PatternParseError, try_fn: &str) -> SluiceError {
    SluiceError::exec(format!(
        "[CANNOT_PARSE_TIMESTAMP] {}. Use `{try_fn}` to tolerate invalid input string and return NULL instead. SQLSTATE: 22007",
        err.message(text)
    ))
}

fn compile_pattern(p: &str) -> std::result::Result<DateTimePattern, SluiceError> {
    DateTimePattern::new(p).map_err(|why| SluiceError::exec(format!("[INVALID_DATETIME_PATTERN] {why}")))
}

impl Binder<'_> {
    /// Binds a date-time or window function, or returns `None` for any other name.
    fn time_function(&self, e: &Expr, name: &str, args: &[Expr]) -> Result<Option<BoundExpr>> {
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
            if b.data_type == to || matches!(b.data_type, DataType::Null) || accepts.contains(&b.data_type) {
                return Ok(coerce(b, &to));
            }
            Err(mismatch(
                e,
                format!(
                    "the {} parameter requires the \"{}\" type, however \"{}\" has the type \"{}\"",
                    ordinal(i),
                    type_sql(&to),
                    args[i].output_name(),
                    type_sql(&b.data_type)
                ),
            ))
        };
        use DataType as T;
        let timestamp_arg = |i: usize| -> Result<BoundExpr> {
            expect(i, self.bind(&args[i])?, T::Timestamp, &[T::Date, T::String])
        };
        let date_arg = |i: usize| -> Result<BoundExpr> {
            expect(i, self.bind(&args[i])?, T::Date, &[T::Timestamp, T::String])
        };
        let string_at = |i: usize| -> Result<BoundExpr> { Ok(string_arg(self.bind(&args[i])?)) };
        // The pattern argument at `i`, compiled now when it is a literal.
        let fmt_at = |i: usize| -> Result<(Fmt, Option<BoundExpr>)> {
            if i >= args.len() {
                return Ok((Fmt::Default, None));
            }
            let b = string_at(i)?;
            match &b.kind {
                Kind::Literal(Value::String(p)) => {
                    let pattern = DateTimePattern::new(p)
                        .map_err(|why| SluiceError::analysis(format!("[INVALID_DATETIME_PATTERN] {why}")))?;
                    Ok((Fmt::Fixed(Arc::new(pattern)), None))
                }
                _ => Ok((Fmt::Dynamic, Some(b))),
            }
        };
        let time = |f: TimeFunc, args: Vec<BoundExpr>, t: DataType| Ok(Some(node(Kind::Time(f, args), t)));
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
                let days = now_micros().div_euclid(MICROS_PER_DAY) as i32;
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
                let (fmt, dynamic) = fmt_at(1)?;
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
                        (false, Kind::Cast { expr, to, .. }) => {
                            node(Kind::Cast { expr, to, ansi: false }, T::Timestamp)
                        }
                        (_, kind) => node(kind, T::Timestamp),
                    }));
                }
                let (fmt, dynamic) = fmt_at(1)?;
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
                        (false, Kind::Cast { expr, to, .. }) => {
                            node(Kind::Cast { expr, to, ansi: false }, T::Date)
                        }
                        (_, kind) => node(kind, T::Date),
                    }));
                }
                let (fmt, dynamic) = fmt_at(1)?;
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
                    let (fmt, dynamic) = fmt_at(1)?;
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
                let (fmt, dynamic) = fmt_at(1)?;
                time(TimeFunc::FromUnixTime(fmt), std::iter::once(secs).chain(dynamic).collect(), T::String)
            }
            "timestamp_seconds" => {
                arity(1, 1)?;
                let b = self.bind(&args[0])?;
                let to = if b.data_type == T::Double { T::Double } else { T::Long };
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

    /// `window(ts, size[, slide[, start]])`: a scalar when tumbling; a sliding window only
    /// has a type, since a row can fall in several windows.
    fn window(&self, e: &Expr, args: &[Expr]) -> Result<BoundExpr> {
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
            return Ok(node(Kind::Time(f, vec![ts]), window_struct_type()));
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

/// The current instant in microseconds. Functions like `current_timestamp()` read it once when
/// the expression is bound, so every row of one evaluation sees the same instant (as Spark
/// fixes it once per query execution).
fn now_micros() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_micros() as i64,
        Err(before) => -(before.duration().as_micros() as i64),
    }
}

fn eval_time(f: &TimeFunc, args: &[BoundExpr], row: &[Value]) -> Result<Value> {
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
    let pattern = |fmt: &Fmt| -> Result<Arc<DateTimePattern>> {
        Ok(match fmt {
            Fmt::Fixed(p) => p.clone(),
            Fmt::Default => Arc::new(compile_pattern(DEFAULT_TIMESTAMP_PATTERN)?),
            Fmt::Dynamic => Arc::new(compile_pattern(vals[1].as_str().unwrap_or_default())?),
        })
    };
    let parse = |fmt: &Fmt, fail: bool, try_fn: &str| -> Result<Option<i64>> {
        let p = pattern(fmt)?;
        match p.parse(text(0)) {
            Ok(t) => Ok(Some(t)),
            Err(err) if fail => Err(cannot_parse_timestamp(text(0), &err, try_fn)),
            Err(_) => Ok(None),
        }
    };
    Ok(match f {
        TimeFunc::Part(p) => {
            use crate::time as t;
            let micros = ts(0);
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
        TimeFunc::DateFormat(fmt) => Value::String(pattern(fmt)?.format(ts(0)).into()),
        TimeFunc::ParseTimestamp { fmt, fail } => match parse(fmt, *fail, "try_to_timestamp")? {
            Some(t) => Value::Timestamp(t),
            None => Value::Null,
        },
        TimeFunc::ParseDate { fmt, fail } => match parse(fmt, *fail, "try_to_date")? {
            Some(t) => Value::Date(t.div_euclid(MICROS_PER_DAY) as i32),
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
            Value::String(pattern(fmt)?.format(micros).into())
        }
        TimeFunc::TimestampSeconds => match &vals[0] {
            Value::Double(d) => {
                let micros = d.0 * 1e6;
                if !micros.is_finite() || micros >= i64::MAX as f64 || micros < i64::MIN as f64 {
                    return Err(overflow("long", "multiply"));
                }
                Value::Timestamp(micros as i64)
            }
            v => Value::Timestamp(
                v.as_i64()
                    .unwrap_or(0)
                    .checked_mul(MICROS_PER_SECOND)
                    .ok_or_else(|| overflow("long", "multiply"))?,
            ),
        },
        TimeFunc::TimestampMillis => Value::Timestamp(
            vals[0].as_i64().unwrap_or(0).checked_mul(1_000).ok_or_else(|| overflow("long", "multiply"))?,
        ),
        TimeFunc::TimestampMicros => Value::Timestamp(vals[0].as_i64().unwrap_or(0)),
        TimeFunc::DateTrunc => match crate::time::truncate_timestamp(ts(1), text(0)) {
            Some(t) => Value::Timestamp(t),
            None => Value::Null,
        },
        TimeFunc::Trunc => match crate::time::truncate_days(days(0), text(1)) {
            Some(d) => Value::Date(d as i32),
            None => Value::Null,
        },
        TimeFunc::DateDiff => Value::Int((days(0) - days(1)) as i32),
        TimeFunc::Window { size, slide, offset } => {
            let t = ts(0);
            let start =
                crate::time::window_start(t, *slide, *offset).ok_or_else(|| overflow("long", "subtract"))?;
            let end = start.checked_add(*size).ok_or_else(|| overflow("long", "add"))?;
            Value::Struct(Arc::from(vec![Value::Timestamp(start), Value::Timestamp(end)]))
        }
    })
}

// ---------------------------------------------------------------------------------------
// Casts.

/// Casts a value as Spark's ANSI `CAST(v AS to)` does: malformed strings and overflows are
/// `[CAST_INVALID_INPUT]` / `[CAST_OVERFLOW]` execution errors; NULL stays NULL.
pub fn cast_value(v: &Value, to: &DataType) -> Result<Value> {
    use DataType as T;
    let from = v.data_type();
    if v.is_null() || (from == *to && !matches!(to, T::Struct(_))) {
        return Ok(v.clone());
    }
    let bad = || invalid_input(v, &from, to);
    let ovf = || cast_overflow(v, &from, to);
    Ok(match (v, to) {
        (_, T::Null) => Value::Null,
        (Value::Struct(_), T::Struct(_)) => v.clone(),
        (_, T::String) => Value::String(display_value(v).into()),
        (Value::String(s), T::Boolean) => match s.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "y" | "yes" | "1" => Value::Boolean(true),
            "f" | "false" | "n" | "no" | "0" => Value::Boolean(false),
            _ => return Err(bad()),
        },
        (Value::String(s), T::Int) => {
            let n = parse_integral(s).ok_or_else(bad)?;
            Value::Int(i32::try_from(n).map_err(|_| bad())?)
        }
        (Value::String(s), T::Long) => Value::Long(parse_integral(s).ok_or_else(bad)?),
        (Value::String(s), T::Double) => Value::double(parse_double(s).ok_or_else(bad)?),
        (Value::String(s), T::Binary) => Value::Binary(Arc::from(s.as_bytes())),
        (Value::String(s), T::Timestamp) => {
            Value::Timestamp(crate::time::parse_timestamp(s.trim()).ok_or_else(bad)?)
        }
        (Value::String(s), T::Date) => Value::Date(crate::time::parse_date(s.trim()).ok_or_else(bad)?),
        (Value::String(s), T::Interval) => match crate::time::parse_interval_parts(s) {
            Ok((0, micros)) => Value::Interval(micros),
            _ => return Err(bad()),
        },
        (Value::Boolean(b), T::Int) => Value::Int(*b as i32),
        (Value::Boolean(b), T::Long) => Value::Long(*b as i64),
        (Value::Boolean(b), T::Double) => Value::double(if *b { 1.0 } else { 0.0 }),
        (Value::Int(n), T::Boolean) => Value::Boolean(*n != 0),
        (Value::Long(n), T::Boolean) => Value::Boolean(*n != 0),
        (Value::Double(d), T::Boolean) => Value::Boolean(d.0 != 0.0),
        (Value::Int(n), T::Long) => Value::Long(*n as i64),
        (Value::Int(n), T::Double) => Value::double(*n as f64),
        (Value::Long(n), T::Int) => Value::Int(i32::try_from(*n).map_err(|_| ovf())?),
        (Value::Long(n), T::Double) => Value::double(*n as f64),
        (Value::Double(d), T::Int) => {
            let t = d.0.trunc();
            if !(i32::MIN as f64..=i32::MAX as f64).contains(&t) {
                return Err(ovf());
            }
            Value::Int(t as i32)
        }
        (Value::Double(d), T::Long) => {
            let t = d.0.trunc();
            // i64::MAX as f64 rounds up to 2^63, which itself overflows.
            if !(t >= i64::MIN as f64 && t < i64::MAX as f64) {
                return Err(ovf());
            }
            Value::Long(t as i64)
        }
        // Timestamps and numbers meet as seconds since the epoch.
        (Value::Int(_) | Value::Long(_), T::Timestamp) => {
            Value::Timestamp(v.as_i64().unwrap_or(0).checked_mul(1_000_000).ok_or_else(ovf)?)
        }
        (Value::Double(d), T::Timestamp) => {
            let micros = (d.0 * 1e6).trunc();
            if !(micros >= i64::MIN as f64 && micros < i64::MAX as f64) {
                return Err(ovf());
            }
            Value::Timestamp(micros as i64)
        }
        (Value::Timestamp(t), T::Long) => Value::Long(t.div_euclid(1_000_000)),
        (Value::Timestamp(t), T::Int) => {
            Value::Int(i32::try_from(t.div_euclid(1_000_000)).map_err(|_| ovf())?)
        }
        (Value::Timestamp(t), T::Double) => Value::double(*t as f64 / 1e6),
        (Value::Timestamp(t), T::Date) => Value::Date(t.div_euclid(86_400_000_000) as i32),
        (Value::Date(d), T::Timestamp) => Value::Timestamp(*d as i64 * 86_400_000_000),
        _ => {
            return Err(SluiceError::exec(format!(
                "cannot cast {} of type \"{}\" to \"{}\"",
                value_sql(v),
                type_sql(&from),
                type_sql(to)
            )))
        }
    })
}

/// `try_cast`: like [`cast_value`], but a value that cannot be cast becomes NULL.
pub fn try_cast_value(v: &Value, to: &DataType) -> Value {
    cast_value(v, to).unwrap_or(Value::Null)
}

/// An integer from text as Spark reads it: trimmed, optional sign, and a fraction that is dropped.
fn parse_integral(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Ok(n) = t.parse::<i64>() {
        return Some(n);
    }
    let (int_part, frac) = t.split_once('.')?;
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match int_part {
        "" | "+" | "-" if frac.is_empty() => None,
        "" | "+" => Some(0),
        "-" => Some(0),
        _ => int_part.parse::<i64>().ok(),
    }
}

fn parse_double(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t.strip_suffix(['d', 'D', 'f', 'F']).unwrap_or(t);
    match t.to_ascii_lowercase().as_str() {
        "nan" => return Some(f64::NAN),
        "infinity" | "+infinity" | "inf" | "+inf" => return Some(f64::INFINITY),
        "-infinity" | "-inf" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    if t.is_empty() || t.bytes().any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') {
        return None;
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_expr;
    use crate::types::Field;

    fn schema() -> Schema {
        Schema::new(vec![
            Field::new("i", DataType::Int),
            Field::new("l", DataType::Long),
            Field::new("d", DataType::Double),
            Field::new("s", DataType::String),
            Field::new("b", DataType::Boolean),
            Field::new("n", DataType::Int),
            Field::new("Model", DataType::String),
            Field::new(
                "window",
                DataType::Struct(vec![
                    Field::new("start", DataType::Long),
                    Field::new("end", DataType::Long),
                ]),
            ),
            Field::new("nb", DataType::Boolean),
        ])
    }

    fn row() -> Vec<Value> {
        vec![
            Value::Int(7),
            Value::Long(10_000_000_000),
            Value::double(2.5),
            Value::string("Walking upstairs"),
            Value::Boolean(true),
            Value::Null,
            Value::string("nexus4"),
            Value::Struct(Arc::from(vec![Value::Long(100), Value::Long(200)])),
            Value::Null,
        ]
    }

    fn eval(text: &str) -> Result<Value> {
        let e = parse_expr(text)?;
        e.bind(&schema())?.eval(&row())
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }
    fn d(v: f64) -> Value {
        Value::double(v)
    }
    const NULL: Value = Value::Null;
    const T: Value = Value::Boolean(true);
    const F: Value = Value::Boolean(false);

    #[test]
    fn expressions_evaluate_with_spark_semantics() {
        let cases: Vec<(&str, Value)> = vec![
            // columns, case-insensitive, struct fields, table qualifiers
            ("i", Value::Int(7)),
            ("I", Value::Int(7)),
            ("model", s("nexus4")),
            ("window.start", Value::Long(100)),
            ("WINDOW.End", Value::Long(200)),
            ("t.i", Value::Int(7)),
            // arithmetic and widening
            ("i + 1", Value::Int(8)),
            ("i + l", Value::Long(10_000_000_007)),
            ("i * d", d(17.5)),
            ("i / 2", d(3.5)),
            ("i % 4", Value::Int(3)),
            ("-7 % 4", Value::Int(-3)),
            ("d % 1", d(0.5)),
            ("i div 2", Value::Long(3)),
            ("-i", Value::Int(-7)),
            ("- d", d(-2.5)),
            ("(i + 1) * 2", Value::Int(16)),
            ("'3' + i", Value::Long(10)),
            ("n + 1", NULL),
            ("i / n", NULL),
            ("try_divide(i, 0)", NULL),
            ("try_add(2147483647, 1)", NULL),
            ("try_cast('abc' AS INT)", NULL),
            ("try_cast('12' AS INT)", Value::Int(12)),
            // comparisons
            ("i = 7", T),
            ("i == 7.0", T),
            ("i != 7", F),
            ("i <> 8", T),
            ("i < l", T),
            ("d >= 2.5", T),
            ("i > '5'", T),
            ("s = 'Walking upstairs'", T),
            ("n = 1", NULL),
            ("n <=> NULL", T),
            ("i <=> NULL", F),
            ("CAST('NaN' AS DOUBLE) = CAST('NaN' AS DOUBLE)", T),
            // three-valued logic
            ("nb AND false", F),
            ("nb AND true", NULL),
            ("nb OR true", T),
            ("nb OR false", NULL),
            ("NOT nb", NULL),
            ("NOT b", F),
            ("b AND i > 5", T),
            ("nb IS TRUE", F),
            ("nb IS NOT TRUE", T),
            ("b IS FALSE", F),
            // null tests
            ("n IS NULL", T),
            ("i IS NOT NULL", T),
            ("isnull(n)", T),
            ("isnotnull(n)", F),
            // LIKE / RLIKE
            ("s LIKE '%stairs%'", T),
            ("s LIKE 'walk%'", F),
            ("s ILIKE 'walk%'", T),
            ("s NOT LIKE '%down%'", T),
            ("s LIKE 'Walking_upstairs'", T),
            ("'a_c' LIKE 'a\\_c'", T),
            ("'abc' LIKE 'a\\_c'", F),
            ("'50%' LIKE '50\\%'", T),
            ("s RLIKE 'up.*s$'", T),
            ("s RLIKE '^up'", F),
            ("s REGEXP 'king'", T),
            ("s NOT RLIKE 'king'", F),
            ("n LIKE '%'", NULL),
            ("s LIKE model", F),
            // IN / BETWEEN
            ("i IN (1, 7)", T),
            ("i IN (1, 2)", F),
            ("i IN (1, NULL)", NULL),
            ("i IN (7, NULL)", T),
            ("i NOT IN (1, NULL)", NULL),
            ("i NOT IN (1, 2)", T),
            ("n IN (1)", NULL),
            ("model IN ('nexus4', 'x')", T),
            ("i BETWEEN 1 AND 7", T),
            ("i NOT BETWEEN 1 AND 7", F),
            ("d BETWEEN 3 AND 4", F),
            // CASE / IF / COALESCE family
            ("CASE WHEN i > 5 THEN 'big' ELSE 'small' END", s("big")),
            ("CASE WHEN i > 50 THEN 'big' END", NULL),
            ("CASE i WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END", s("seven")),
            ("CASE WHEN nb THEN 1 ELSE 2.5 END", d(2.5)),
            ("if(i > 5, 1, 0)", Value::Int(1)),
            ("if(nb, 1, 0)", Value::Int(0)),
            ("coalesce(n, i)", Value::Int(7)),
            ("coalesce(n, l)", Value::Long(10_000_000_000)),
            ("coalesce(n, NULL)", NULL),
            ("nvl(n, 3)", Value::Int(3)),
            ("ifnull(n, 3)", Value::Int(3)),
            ("nullif(i, 7)", NULL),
            ("nullif(i, 8)", Value::Int(7)),
            ("nanvl(CAST('NaN' AS DOUBLE), 1.0)", d(1.0)),
            // casts
            ("CAST(i AS DOUBLE)", d(7.0)),
            ("CAST(d AS INT)", Value::Int(2)),
            ("CAST(-2.9 AS BIGINT)", Value::Long(-2)),
            ("CAST(' 42 ' AS INT)", Value::Int(42)),
            ("CAST('1.9' AS INT)", Value::Int(1)),
            ("CAST('1e3' AS DOUBLE)", d(1000.0)),
            ("CAST('yes' AS BOOLEAN)", T),
            ("CAST(0 AS BOOLEAN)", F),
            ("CAST(true AS INT)", Value::Int(1)),
            ("CAST(i AS STRING)", s("7")),
            ("CAST(d AS STRING)", s("2.5")),
            ("CAST(1e9 AS STRING)", s("1.0E9")),
            ("CAST(1.0E-4 AS STRING)", s("1.0E-4")),
            ("CAST(b AS STRING)", s("true")),
            ("CAST(1500000000 AS TIMESTAMP)", Value::Timestamp(1_500_000_000_000_000)),
            ("CAST(1.5 AS TIMESTAMP)", Value::Timestamp(1_500_000)),
            ("CAST(CAST(1.5 AS TIMESTAMP) AS DOUBLE)", d(1.5)),
            ("CAST(CAST(-1.5 AS TIMESTAMP) AS BIGINT)", Value::Long(-2)),
            ("CAST(CAST(90000 AS TIMESTAMP) AS DATE)", Value::Date(1)),
            ("i::string", s("7")),
            ("10L", Value::Long(10)),
            // string functions
            ("lower(s)", s("walking upstairs")),
            ("upper(model)", s("NEXUS4")),
            ("length(s)", Value::Int(16)),
            ("length('héllo')", Value::Int(5)),
            ("trim('  x  ')", s("x")),
            ("ltrim('  x  ')", s("x  ")),
            ("rtrim('  x  ')", s("  x")),
            ("trim(BOTH 'x' FROM 'xxaxx')", s("a")),
            ("substring(s, 1, 7)", s("Walking")),
            ("substr(s, 9)", s("upstairs")),
            ("substring(s, -6, 3)", s("sta")),
            ("substring(s, 0, 2)", s("Wa")),
            ("substring(s, 100)", s("")),
            ("substring('abc' FROM 2 FOR 1)", s("b")),
            ("concat(s, '!', i)", s("Walking upstairs!7")),
            ("concat(s, n)", NULL),
            ("s || '?'", s("Walking upstairs?")),
            ("concat_ws('-', 'a', n, 'b')", s("a-b")),
            ("replace(s, 'up', 'down')", s("Walking downstairs")),
            ("replace('aXbX', 'X')", s("ab")),
            ("instr(s, 'up')", Value::Int(9)),
            ("instr(s, 'zz')", Value::Int(0)),
            ("locate('a', 'banana')", Value::Int(2)),
            ("locate('a', 'banana', 3)", Value::Int(4)),
            ("position('na' IN 'banana')", Value::Int(3)),
            ("startswith(s, 'Walk')", T),
            ("endswith(s, 'Walk')", F),
            ("contains(s, 'king')", T),
            // math
            ("abs(-3)", Value::Int(3)),
            ("abs(-2.5)", d(2.5)),
            ("round(2.5)", d(3.0)),
            ("round(-2.5)", d(-3.0)),
            ("round(2.675, 2)", d(2.68)),
            ("round(1234.5678, -2)", d(1200.0)),
            ("round(125, -1)", Value::Int(130)),
            ("bround(2.5)", d(2.0)),
            ("bround(3.5)", d(4.0)),
            ("round(i)", Value::Int(7)),
            ("floor(d)", Value::Long(2)),
            ("ceil(d)", Value::Long(3)),
            ("floor(-2.5)", Value::Long(-3)),
            ("sqrt(16)", d(4.0)),
            ("exp(0)", d(1.0)),
            ("ln(1)", d(0.0)),
            ("ln(0)", NULL),
            ("log10(1000)", d(3.0)),
            ("log(2, 8)", d(3.0)),
            ("log2(8)", d(3.0)),
            ("pow(2, 10)", d(1024.0)),
            ("power(i, 2)", d(49.0)),
            ("sign(-4)", d(-1.0)),
            ("signum(0)", d(0.0)),
            ("greatest(1, i, 3)", Value::Int(7)),
            ("greatest(1, n, 3.5)", d(3.5)),
            ("least(i, l, 3)", Value::Long(3)),
            ("least(n, NULL)", NULL),
        ];
        let mut failures = Vec::new();
        for (text, want) in cases {
            match eval(text) {
                Ok(got) if got == want && got.data_type() == want.data_type() => {}
                other => failures.push(format!("{text}: want {want:?}, got {other:?}")),
            }
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn ansi_mode_errors_name_their_error_class() {
        let cases = [
            ("i / 0", "[DIVIDE_BY_ZERO]"),
            ("d / 0.0", "[DIVIDE_BY_ZERO]"),
            ("i % 0", "[DIVIDE_BY_ZERO]"),
            ("l div 0", "[DIVIDE_BY_ZERO]"),
            ("2147483647 + 1", "[ARITHMETIC_OVERFLOW] integer overflow"),
            ("i * 2147483647", "[ARITHMETIC_OVERFLOW] integer overflow"),
            ("l * l", "[ARITHMETIC_OVERFLOW] long overflow"),
            ("-(-2147483648)", "[ARITHMETIC_OVERFLOW]"),
            ("abs(-2147483648)", "[ARITHMETIC_OVERFLOW]"),
            (
                "CAST('abc' AS INT)",
                "[CAST_INVALID_INPUT] The value 'abc' of the type \"STRING\" cannot be cast to \"INT\"",
            ),
            ("CAST('maybe' AS BOOLEAN)", "[CAST_INVALID_INPUT]"),
            ("CAST('1x' AS DOUBLE)", "[CAST_INVALID_INPUT]"),
            (
                "CAST(l AS INT)",
                "[CAST_OVERFLOW] The value 10000000000L of the type \"BIGINT\" cannot be cast to \"INT\"",
            ),
            ("CAST(1e20 AS BIGINT)", "[CAST_OVERFLOW]"),
            ("s = 1", "[CAST_INVALID_INPUT]"),
            ("s LIKE 'a\\\\b'", "ESC_IN_THE_MIDDLE"),
        ];
        for (text, want) in cases {
            match eval(text) {
                Err(SluiceError::Execution(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
                other => panic!("{text}: expected execution error {want}, got {other:?}"),
            }
        }
    }

    #[test]
    fn analysis_errors_are_raised_at_bind_time() {
        let cases = [
            (
                "nope + 1",
                "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `nope`",
            ),
            ("window.nope", "[FIELD_NOT_FOUND]"),
            ("i.x", "[INVALID_EXTRACT_BASE_FIELD_TYPE]"),
            ("foo(i)", "[UNRESOLVED_ROUTINE] Cannot resolve routine `foo`"),
            ("sum(i)", "aggregate function `sum`"),
            ("i + b", "[DATATYPE_MISMATCH] Cannot resolve \"(i + b)\""),
            ("i AND b", "must be of type \"BOOLEAN\""),
            ("CAST(window AS INT)", "cannot cast"),
            ("lower()", "[WRONG_NUM_ARGS"),
            ("i = window", "incompatible types"),
        ];
        for (text, want) in cases {
            let e = parse_expr(text).expect(text);
            match e.bind(&schema()) {
                Err(SluiceError::Analysis(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
                other => panic!("{text}: expected analysis error {want}, got {other:?}"),
            }
        }
        match Expr::Invalid("bad thing".into()).bind(&schema()) {
            Err(SluiceError::Analysis(msg)) => assert_eq!(msg, "bad thing"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn result_types_follow_spark() {
        let cases = [
            ("i + 1", DataType::Int),
            ("i + l", DataType::Long),
            ("i + 1.5", DataType::Double),
            ("i / 1", DataType::Double),
            ("i div 2", DataType::Long),
            ("l % i", DataType::Long),
            ("i > 1", DataType::Boolean),
            ("CAST(i AS STRING)", DataType::String),
            ("count(*)", DataType::Long),
            ("count(DISTINCT s)", DataType::Long),
            ("sum(i)", DataType::Long),
            ("sum(d)", DataType::Double),
            ("avg(i)", DataType::Double),
            ("mean(l)", DataType::Double),
            ("stddev(i)", DataType::Double),
            ("var_pop(d)", DataType::Double),
            ("min(s)", DataType::String),
            ("max(window)", schema().fields[7].data_type.clone()),
            ("first(b)", DataType::Boolean),
            ("last(l)", DataType::Long),
            ("floor(d)", DataType::Long),
            ("round(i)", DataType::Int),
            ("length(s)", DataType::Int),
            ("coalesce(n, 1.0)", DataType::Double),
            ("NULL", DataType::Null),
            ("CASE WHEN b THEN 1 ELSE l END", DataType::Long),
        ];
        for (text, want) in cases {
            let got = parse_expr(text).and_then(|e| e.data_type(&schema()));
            assert_eq!(got.ok(), Some(want), "{text}");
        }
    }

    #[test]
    fn output_names_match_spark_generated_column_names() {
        let cases = [
            ("model", "model"),
            ("window.start", "start"),
            ("count(*)", "count(1)"),
            ("avg(x)", "avg(x)"),
            ("sum(x + 1)", "sum((x + 1))"),
            ("count(DISTINCT x)", "count(DISTINCT x)"),
            ("a > 1", "(a > 1)"),
            ("a AND b", "(a AND b)"),
            ("NOT a", "(NOT a)"),
            ("-x", "(- x)"),
            ("-1", "-1"),
            ("a != 1", "(NOT (a = 1))"),
            ("x IS NULL", "(x IS NULL)"),
            ("x IS NOT NULL", "(x IS NOT NULL)"),
            ("gt LIKE '%stairs%'", "gt LIKE %stairs%"),
            ("gt RLIKE 'a+'", "gt RLIKE a+"),
            ("CAST(x AS DOUBLE)", "CAST(x AS DOUBLE)"),
            ("CAST(x AS bigint)", "CAST(x AS BIGINT)"),
            ("lower(gt)", "lower(gt)"),
            ("x / 1e9", "(x / 1.0E9)"),
            ("x * 1.5", "(x * 1.5)"),
            ("CASE WHEN x > 1 THEN 'a' ELSE 'b' END", "CASE WHEN (x > 1) THEN a ELSE b END"),
            ("CASE x WHEN 1 THEN 'a' END", "CASE WHEN (x = 1) THEN a END"),
            ("x IN (1, 2)", "(x IN (1, 2))"),
            ("x BETWEEN 1 AND 2", "((x >= 1) AND (x <= 2))"),
            ("a || b", "concat(a, b)"),
            ("coalesce(a, NULL)", "coalesce(a, NULL)"),
            ("try_cast(a AS INT)", "TRY_CAST(a AS INT)"),
            ("x = true", "(x = true)"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_expr(text).expect(text).output_name(), want, "{text}");
        }
        assert_eq!(Expr::col("x").alias("y").output_name(), "y");
    }

    #[test]
    fn predicates_treat_null_as_false_and_literal_patterns_are_precompiled() {
        let e = parse_expr("nb AND true").unwrap().bind(&schema()).unwrap();
        assert!(!e.eval_predicate(&row()).unwrap());
        let e = parse_expr("s LIKE '%up%'").unwrap().bind(&schema()).unwrap();
        assert!(matches!(e.kind, Kind::Like { pattern: Pattern::Compiled(_), .. }));
        assert!(e.eval_predicate(&row()).unwrap());
        // Literal casts fold at bind time.
        let e = parse_expr("i > '5'").unwrap().bind(&schema()).unwrap();
        assert!(matches!(&e.kind, Kind::Cmp(_, _, r) if matches!(r.kind, Kind::Literal(Value::Int(5)))));
        fn is_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
        is_send_sync::<BoundExpr>();
    }

    #[test]
    fn doubles_print_as_java_does() {
        for (v, want) in [
            (1.0, "1.0"),
            (1e9, "1.0E9"),
            (1.5e-4, "1.5E-4"),
            (0.001, "0.001"),
            (1234567.0, "1234567.0"),
            (12345678.9, "1.23456789E7"),
            (-0.0, "-0.0"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(format_double(v), want);
        }
    }

    /// 2015-02-23 10:18:55.09 UTC, an activity-data Creation_Time.
    const TS: i64 = 1_424_686_735_090_000;
    const MIN: i64 = 60_000_000;

    fn time_schema() -> Schema {
        Schema::new(vec![
            Field::new("t", DataType::Timestamp),
            Field::new("nt", DataType::Timestamp),
            Field::new("ct", DataType::Long),
            Field::new("s", DataType::String),
            Field::new("dt", DataType::Date),
            Field::new("window", window_struct_type()),
            Field::new("i", DataType::Int),
        ])
    }

    fn time_row() -> Vec<Value> {
        vec![
            Value::Timestamp(TS),
            Value::Null,
            Value::Long(1_424_686_735_090_000_000),
            Value::string("2015-02-23 10:18:55"),
            Value::Date(16_489),
            Value::Struct(Arc::from(vec![Value::Timestamp(TS - 55 * 1_000_000), Value::Timestamp(TS + MIN)])),
            Value::Int(7),
        ]
    }

    fn time_eval(text: &str) -> Result<Value> {
        parse_expr(text)?.bind(&time_schema())?.eval(&time_row())
    }

    #[test]
    fn event_time_expressions_evaluate_as_spark() {
        let ts = |text: &str| Value::Timestamp(crate::time::parse_timestamp(text).expect(text));
        let win = |start: &str, end: &str| Value::Struct(Arc::from(vec![ts(start), ts(end)]));
        let cases: Vec<(&str, Value)> = vec![
            // casts from seconds and strings
            ("CAST(CAST(ct AS DOUBLE) / 1e9 AS TIMESTAMP)", Value::Timestamp(TS)),
            ("CAST(cast(1424686735090000000 AS double) / 1e9 AS timestamp)", Value::Timestamp(TS)),
            ("CAST(CAST(CAST(ct AS DOUBLE) / 1e9 AS TIMESTAMP) AS STRING)", s("2015-02-23 10:18:55.09")),
            ("CAST(1424686735 AS TIMESTAMP)", ts("2015-02-23 10:18:55")),
            ("CAST(s AS TIMESTAMP)", ts("2015-02-23 10:18:55")),
            ("CAST(-1.5 AS TIMESTAMP)", Value::Timestamp(-1_500_000)),
            ("to_timestamp(s)", ts("2015-02-23 10:18:55")),
            ("to_timestamp('23/02/2015 10:18', 'dd/MM/yyyy HH:mm')", ts("2015-02-23 10:18:00")),
            ("try_to_timestamp('nonsense', 'yyyy')", NULL),
            ("try_to_timestamp('nonsense')", NULL),
            ("to_timestamp(1424686735)", ts("2015-02-23 10:18:55")),
            ("to_date(s)", Value::Date(16_489)),
            ("to_date('02/23/2015', 'MM/dd/yyyy')", Value::Date(16_489)),
            ("from_unixtime(1424686735)", s("2015-02-23 10:18:55")),
            ("from_unixtime(0, 'yyyy-MM-dd')", s("1970-01-01")),
            ("from_unixtime(NULL)", NULL),
            ("unix_timestamp(t)", Value::Long(1_424_686_735)),
            ("unix_timestamp(s)", Value::Long(1_424_686_735)),
            ("unix_timestamp('2015/02/23', 'yyyy/MM/dd')", Value::Long(1_424_649_600)),
            ("unix_timestamp(CAST(-0.5 AS TIMESTAMP))", Value::Long(-1)),
            ("unix_millis(t)", Value::Long(1_424_686_735_090)),
            ("timestamp_seconds(1.5)", Value::Timestamp(1_500_000)),
            ("timestamp_millis(1500)", Value::Timestamp(1_500_000)),
            // date parts
            ("year(t)", Value::Int(2015)),
            ("quarter(t)", Value::Int(1)),
            ("month(t)", Value::Int(2)),
            ("day(t)", Value::Int(23)),
            ("dayofmonth(dt)", Value::Int(23)),
            ("hour(t)", Value::Int(10)),
            ("minute(t)", Value::Int(18)),
            ("second(t)", Value::Int(55)),
            ("dayofweek(t)", Value::Int(2)),
            ("weekday(t)", Value::Int(0)),
            ("dayofyear(t)", Value::Int(54)),
            ("weekofyear(t)", Value::Int(9)),
            ("hour(s)", Value::Int(10)),
            ("year(s)", Value::Int(2015)),
            ("hour(dt)", Value::Int(0)),
            ("hour(nt)", NULL),
            ("hour(CAST(-1 AS TIMESTAMP))", Value::Int(23)),
            ("date_format(t, 'yyyy-MM-dd HH:mm:ss.SSS')", s("2015-02-23 10:18:55.090")),
            ("date_format(t, 'MMM d')", s("Feb 23")),
            ("date_trunc('HOUR', t)", ts("2015-02-23 10:00:00")),
            ("date_trunc('week', t)", ts("2015-02-23 00:00:00")),
            ("date_trunc('nonsense', t)", NULL),
            ("trunc(dt, 'MM')", Value::Date(16_467)),
            ("datediff(dt, CAST('2015-01-01' AS DATE))", Value::Int(53)),
            ("date_add(dt, 7)", Value::Date(16_496)),
            ("dt - 1", Value::Date(16_488)),
            // intervals and arithmetic
            ("INTERVAL 30 MINUTES", Value::Interval(30 * MIN)),
            ("INTERVAL '30' MINUTE", Value::Interval(30 * MIN)),
            ("INTERVAL '10 minutes'", Value::Interval(10 * MIN)),
            ("INTERVAL 1 HOUR 30 MINUTES", Value::Interval(90 * MIN)),
            ("INTERVAL '1 10:30:00' DAY TO SECOND", Value::Interval(1_440 * MIN + 630 * MIN)),
            ("INTERVAL -5 SECONDS", Value::Interval(-5_000_000)),
            ("CAST(INTERVAL 30 MINUTES AS STRING)", s("INTERVAL '0 00:30:00' DAY TO SECOND")),
            ("CAST('INTERVAL \\'0 00:30:00\\' DAY TO SECOND' AS INTERVAL)", Value::Interval(30 * MIN)),
            ("t + INTERVAL 30 MINUTES", ts("2015-02-23 10:48:55.09")),
            ("INTERVAL 30 MINUTES + t", ts("2015-02-23 10:48:55.09")),
            ("t - INTERVAL '30' MINUTE", ts("2015-02-23 09:48:55.09")),
            ("t - INTERVAL 1 DAY", ts("2015-02-22 10:18:55.09")),
            ("dt + INTERVAL 1 HOUR", ts("2015-02-23 01:00:00")),
            ("s + INTERVAL 5 SECONDS", ts("2015-02-23 10:19:00")),
            ("nt + INTERVAL 1 HOUR", NULL),
            ("t - CAST('2015-02-23 10:00:00' AS TIMESTAMP)", Value::Interval(18 * MIN + 55_090_000)),
            ("t - t", Value::Interval(0)),
            ("dt - CAST('2015-02-20' AS DATE)", Value::Interval(3 * 1_440 * MIN)),
            ("INTERVAL 1 HOUR - INTERVAL 10 MINUTES", Value::Interval(50 * MIN)),
            ("INTERVAL 10 MINUTES * 3", Value::Interval(30 * MIN)),
            ("2 * INTERVAL 10 MINUTES", Value::Interval(20 * MIN)),
            ("INTERVAL 1 MINUTE * 1.5", Value::Interval(90_000_000)),
            ("INTERVAL 1 SECOND / 3", Value::Interval(333_333)),
            ("INTERVAL 2 SECONDS / 3", Value::Interval(666_667)),
            ("- INTERVAL 1 SECOND", Value::Interval(-1_000_000)),
            ("INTERVAL 1 HOUR > INTERVAL 59 MINUTES", Value::Boolean(true)),
            ("t > '2015-02-23 10:00:00'", Value::Boolean(true)),
            // windows: tumbling, offset, before the epoch, struct fields
            ("window(t, '10 minutes')", win("2015-02-23 10:10:00", "2015-02-23 10:20:00")),
            ("window(t, '10 minutes', '10 minutes')", win("2015-02-23 10:10:00", "2015-02-23 10:20:00")),
            (
                "window(t, '10 minutes', '10 minutes', '2 minutes')",
                win("2015-02-23 10:12:00", "2015-02-23 10:22:00"),
            ),
            (
                "window(t, '10 minutes', '10 minutes', '-2 minutes')",
                win("2015-02-23 10:18:00", "2015-02-23 10:28:00"),
            ),
            ("window(t, INTERVAL 1 HOUR)", win("2015-02-23 10:00:00", "2015-02-23 11:00:00")),
            ("window(t, 600000000)", win("2015-02-23 10:10:00", "2015-02-23 10:20:00")),
            ("window(s, '1 day')", win("2015-02-23 00:00:00", "2015-02-24 00:00:00")),
            ("window(CAST(-1 AS TIMESTAMP), '1 hour')", win("1969-12-31 23:00:00", "1970-01-01 00:00:00")),
            ("window(CAST(-3600 AS TIMESTAMP), '1 hour')", win("1969-12-31 23:00:00", "1970-01-01 00:00:00")),
            ("window(nt, '10 minutes')", NULL),
            ("window.start", ts("2015-02-23 10:18:00.09")),
            ("window.END", ts("2015-02-23 10:19:55.09")),
            ("window.end - window.start", Value::Interval(MIN + 55_000_000)),
        ];
        let mut failures = Vec::new();
        for (text, want) in cases {
            match time_eval(text) {
                Ok(got) if got == want => {}
                other => failures.push(format!("{text}: want {want:?}, got {other:?}")),
            }
        }
        assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
    }

    #[test]
    fn event_time_types_and_names_follow_spark() {
        let cases: &[(&str, DataType, &str)] = &[
            ("window(t, '10 minutes')", window_struct_type(), "window"),
            ("window(t, '10 minutes', '5 minutes')", window_struct_type(), "window"),
            ("session_window(t, '5 minutes')", window_struct_type(), "session_window"),
            ("window.start", DataType::Timestamp, "start"),
            ("t + INTERVAL 30 MINUTES", DataType::Timestamp, "(t + INTERVAL '0 00:30:00' DAY TO SECOND)"),
            ("t - t", DataType::Interval, "(t - t)"),
            ("INTERVAL 30 MINUTES", DataType::Interval, "INTERVAL '0 00:30:00' DAY TO SECOND"),
            ("hour(t)", DataType::Int, "hour(t)"),
            ("to_timestamp(s)", DataType::Timestamp, "to_timestamp(s)"),
            ("from_unixtime(ct)", DataType::String, "from_unixtime(ct)"),
            ("unix_timestamp()", DataType::Long, "unix_timestamp()"),
            ("current_timestamp()", DataType::Timestamp, "current_timestamp()"),
            ("now()", DataType::Timestamp, "now()"),
            ("current_date()", DataType::Date, "current_date()"),
            ("date_format(t, 'yyyy')", DataType::String, "date_format(t, yyyy)"),
        ];
        for (text, want_type, want_name) in cases {
            let e = parse_expr(text).expect(text);
            assert_eq!(e.data_type(&time_schema()).ok().as_ref(), Some(want_type), "{text}");
            assert_eq!(e.output_name(), *want_name, "{text}");
        }
        // current_timestamp() is one instant per binding, close to now.
        let now = now_micros();
        match time_eval("current_timestamp()") {
            Ok(Value::Timestamp(t)) => assert!((t - now).abs() < 60_000_000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn event_time_mistakes_are_analysis_errors() {
        let cases = [
            ("window(t, '10 minutes', '5 minutes')", "sliding window"),
            ("session_window(t, '5 minutes')", "only as a GROUP BY key"),
            ("window(ct, '10 minutes')", "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]"),
            ("window(ct, '10 minutes')", "requires the (\"TIMESTAMP\" or \"TIMESTAMP_NTZ\") type, however \"ct\" has the type \"BIGINT\""),
            ("window(t, '5 minutes', '10 minutes')", "The `slide_duration`(600000000L) must be <= the `window_duration`(300000000L)."),
            ("window(t, '0 minutes')", "The `windowDuration` must be between (0, 9223372036854775807] (current value = 0L)"),
            ("window(t, '-10 minutes')", "[DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE]"),
            ("window(t, '10 minutes', '-5 minutes')", "`slideDuration`"),
            ("window(t, '10 minutes', '10 minutes', '10 minutes')", "The `abs(start_time)`(600000000L) must be < the `slide_duration`(600000000L)."),
            ("window(t, '1 month')", "Intervals greater than a month is not supported (1 month)."),
            ("window(t, '10 fortnights')", "[INVALID_INTERVAL_FORMAT.INVALID_UNIT]"),
            ("window(t, s)", "must be an integer, long or string literal"),
            ("window(t)", "[WRONG_NUM_ARGS"),
            ("hour(ct)", "the first parameter requires the \"TIMESTAMP\" type, however \"ct\" has the type \"BIGINT\""),
            ("year(i)", "requires the \"DATE\" type"),
            ("from_unixtime(1.5)", "requires the \"BIGINT\" type"),
            ("date_format(t, 'YYYY')", "DATETIME_WEEK_BASED_PATTERN"),
            ("t + 1", "[DATATYPE_MISMATCH]"),
            ("t + t", "incompatible types"),
            ("INTERVAL 1 HOUR + 1", "incompatible types"),
            ("CAST(INTERVAL 1 HOUR AS BIGINT)", "cannot cast"),
            ("current_timestamp(1)", "[WRONG_NUM_ARGS"),
        ];
        for (text, want) in cases {
            let e = parse_expr(text).expect(text);
            match e.bind(&time_schema()) {
                Err(SluiceError::Analysis(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
                other => panic!("{text}: expected analysis error {want}, got {other:?}"),
            }
        }
        let runtime = [
            ("to_timestamp('2015-02-23', 'yyyy/MM/dd')", "[CANNOT_PARSE_TIMESTAMP] Text '2015-02-23' could not be parsed at index 4. Use `try_to_timestamp`"),
            ("to_timestamp('nonsense')", "[CAST_INVALID_INPUT]"),
            ("unix_timestamp('2015-02-23')", "Text '2015-02-23' could not be parsed at index 10"),
            ("unix_timestamp('2015-02-23 10:10:00.5')", "unparsed text found at index 19"),
            ("INTERVAL 1 HOUR / 0", "[INTERVAL_DIVIDED_BY_ZERO]"),
            ("CAST('10 fortnights' AS INTERVAL)", "[CAST_INVALID_INPUT]"),
        ];
        for (text, want) in runtime {
            match time_eval(text) {
                Err(SluiceError::Execution(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
                other => panic!("{text}: expected execution error {want}, got {other:?}"),
            }
        }
    }

    #[test]
    fn window_specs_expose_durations_for_the_planner() {
        let spec = window_spec(&parse_expr("window(t, '10 minutes', '5 minutes', '1 minute')").unwrap())
            .unwrap()
            .unwrap();
        assert_eq!((spec.size_us, spec.slide_us, spec.start_us), (10 * MIN, 5 * MIN, MIN));
        assert_eq!(spec.time, Expr::col("t"));
        assert!(!spec.is_tumbling());
        let start = 1_424_686_200_000_000 + 6 * MIN;
        assert_eq!(
            spec.windows_containing(TS),
            vec![(start, start + 10 * MIN), (start - 5 * MIN, start + 5 * MIN)]
        );
        let aliased = parse_expr("window(t, '10 minutes')").unwrap().alias("w");
        let spec = window_spec(&aliased).unwrap().unwrap();
        assert!(spec.is_tumbling());
        assert_eq!(spec.windows_containing(TS), vec![(TS - 535_090_000, TS + 64_910_000)]);
        assert_eq!(window_spec(&Expr::col("t")).unwrap(), None);
        assert!(window_spec(&parse_expr("window(t, '10 minutes', '20 minutes')").unwrap()).is_err());
        let session =
            session_window_spec(&parse_expr("session_window(t, '5 minutes')").unwrap()).unwrap().unwrap();
        assert_eq!(session, SessionWindowSpec { time: Expr::col("t"), gap_us: 5 * MIN });
        assert_eq!(session_window_spec(&parse_expr("window(t, '5 minutes')").unwrap()).unwrap(), None);
    }
}
