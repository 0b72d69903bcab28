//! The DataFrame API's column helpers: `col`, `lit`, `expr`, aggregates, `when`, and the
//! operators on `Expr`, so Rust code reads like Spark's
//! (`(col("Creation_Time").cast("double") / 1e9).cast("timestamp")`).
//!
//! Every helper is infallible: a mistake (bad SQL, unknown type) becomes `Expr::Invalid`,
//! which analysis reports when the query starts, as Spark's `AnalysisException` would.

use crate::expr::{BinaryOp, Expr};
use crate::types::{DataType, Value};
use std::ops::{Add, Div, Mul, Neg, Not, Rem, Sub};

/// A column by name (`"a"`, `"window.start"`, `` "`odd name`" ``), resolved case-insensitively.
pub fn col(name: &str) -> Expr {
    Expr::col(name)
}

/// A literal value (`lit(1)`, `lit("x")`, `lit(2.5)`, `lit(true)`).
pub fn lit(v: impl Into<Value>) -> Expr {
    Expr::Literal(v.into())
}

/// An expression from SQL text, as Spark's `expr("...")`; text that does not parse becomes
/// `Expr::Invalid` carrying the parse error, reported at analysis.
pub fn expr(sql: &str) -> Expr {
    crate::sql::parse_expr(sql).unwrap_or_else(|e| Expr::Invalid(e.to_string()))
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function { name: name.to_string(), args, distinct: false }
}

/// `count(e)`: the number of rows where `e` is not null.
pub fn count(e: Expr) -> Expr {
    call("count", vec![e])
}

/// `count(*)`: the number of rows (Spark names the column `count(1)`).
pub fn count_star() -> Expr {
    call("count", vec![Expr::Star(None)])
}

/// `count(DISTINCT e)`: the number of distinct non-null values.
pub fn count_distinct(e: Expr) -> Expr {
    Expr::Function { name: "count".into(), args: vec![e], distinct: true }
}

/// `sum(e)`: bigint for integer input, double otherwise.
pub fn sum(e: Expr) -> Expr {
    call("sum", vec![e])
}

/// `avg(e)`: the mean as a double.
pub fn avg(e: Expr) -> Expr {
    call("avg", vec![e])
}

/// `mean(e)`: Spark's alias of `avg`, keeping its own column name `mean(e)`.
pub fn mean(e: Expr) -> Expr {
    call("mean", vec![e])
}

/// `min(e)`: the smallest non-null value.
pub fn min(e: Expr) -> Expr {
    call("min", vec![e])
}

/// `max(e)`: the largest non-null value.
pub fn max(e: Expr) -> Expr {
    call("max", vec![e])
}

/// `stddev(e)`: the sample standard deviation (alias of `stddev_samp`).
pub fn stddev(e: Expr) -> Expr {
    call("stddev", vec![e])
}

/// `stddev_pop(e)`: the population standard deviation.
pub fn stddev_pop(e: Expr) -> Expr {
    call("stddev_pop", vec![e])
}

/// `stddev_samp(e)`: the sample standard deviation.
pub fn stddev_samp(e: Expr) -> Expr {
    call("stddev_samp", vec![e])
}

/// `var_pop(e)`: the population variance.
pub fn var_pop(e: Expr) -> Expr {
    call("var_pop", vec![e])
}

/// `var_samp(e)`: the sample variance.
pub fn var_samp(e: Expr) -> Expr {
    call("var_samp", vec![e])
}

/// `first(e)`: a first value of the group (order is not deterministic, as in Spark).
pub fn first(e: Expr) -> Expr {
    call("first", vec![e])
}

/// `last(e)`: a last value of the group (order is not deterministic, as in Spark).
pub fn last(e: Expr) -> Expr {
    call("last", vec![e])
}

/// `collect_list(e)`: the group's non-null values, as an array.
pub fn collect_list(e: Expr) -> Expr {
    call("collect_list", vec![e])
}

/// `collect_set(e)`: the group's distinct non-null values, as an array.
pub fn collect_set(e: Expr) -> Expr {
    call("collect_set", vec![e])
}

/// `percentile_approx(e, percentage)`: the smallest value of the group with at least
/// `percentage` of the values at or below it.
pub fn percentile_approx(e: Expr, percentage: f64) -> Expr {
    call("percentile_approx", vec![e, lit(percentage)])
}

/// `explode(e)`: one row per element of array `e` (column `col`), or per entry of map `e`
/// (`key`, `value`); a generator, so a whole select item.
pub fn explode(e: Expr) -> Expr {
    call("explode", vec![e])
}

/// `explode_outer(e)`: as `explode`, with one row of NULLs for a NULL or empty `e`.
pub fn explode_outer(e: Expr) -> Expr {
    call("explode_outer", vec![e])
}

/// `posexplode(e)`: as `explode`, with each element's position first (`pos`, from 0).
pub fn posexplode(e: Expr) -> Expr {
    call("posexplode", vec![e])
}

/// `inline(e)`: one row per struct of array `e`, its fields as columns.
pub fn inline(e: Expr) -> Expr {
    call("inline", vec![e])
}

/// `get_json_object(json, path)`: the value at JSON path `path` (`$.a.b[0]`) of JSON text
/// `json`, as a string.
pub fn get_json_object(json: Expr, path: &str) -> Expr {
    call("get_json_object", vec![json, lit(path)])
}

/// `coalesce(a, b, ...)`: the first non-null argument.
pub fn coalesce(args: impl IntoIterator<Item = Expr>) -> Expr {
    call("coalesce", args.into_iter().collect())
}

/// `lower(e)`: the string in lower case.
pub fn lower(e: Expr) -> Expr {
    call("lower", vec![e])
}

/// `upper(e)`: the string in upper case.
pub fn upper(e: Expr) -> Expr {
    call("upper", vec![e])
}

/// `window(time, duration)`: the tumbling event-time window holding each row, a struct
/// column `window` of `start` and `end` timestamps (`window(col("t"), "10 minutes")`).
pub fn window(time: Expr, duration: &str) -> Expr {
    call("window", vec![time, lit(duration)])
}

/// `window(time, duration, slide)`: sliding windows (a row falls in every window covering it;
/// allowed as a GROUP BY key).
pub fn window_sliding(time: Expr, duration: &str, slide: &str) -> Expr {
    call("window", vec![time, lit(duration), lit(slide)])
}

/// `window(time, duration, slide, start)`: windows whose starts are offset from the epoch by
/// `start` (`"0 seconds"` for none).
pub fn window_with_start(time: Expr, duration: &str, slide: &str, start: &str) -> Expr {
    call("window", vec![time, lit(duration), lit(slide), lit(start)])
}

/// `session_window(time, gap)`: sessions of rows less than `gap` apart (a GROUP BY key),
/// the struct column `session_window`.
pub fn session_window(time: Expr, gap: &str) -> Expr {
    call("session_window", vec![time, lit(gap)])
}

/// `current_timestamp()`: the instant the query (batch) runs, the same for every row.
pub fn current_timestamp() -> Expr {
    call("current_timestamp", vec![])
}

/// `to_timestamp(e)`: a string (or number of seconds) as a timestamp, as a cast does.
pub fn to_timestamp(e: Expr) -> Expr {
    call("to_timestamp", vec![e])
}

/// `to_timestamp(e, format)`: a string parsed with a datetime pattern (`yyyy-MM-dd HH:mm`).
pub fn to_timestamp_with_format(e: Expr, format: &str) -> Expr {
    call("to_timestamp", vec![e, lit(format)])
}

/// `date_format(e, format)`: a timestamp as text in a datetime pattern.
pub fn date_format(e: Expr, format: &str) -> Expr {
    call("date_format", vec![e, lit(format)])
}

/// `CASE WHEN cond THEN value`: chain `.when(..)` and finish with `.otherwise(..)` (else null).
pub fn when(cond: Expr, value: impl Into<Expr>) -> Expr {
    Expr::Case { operand: None, branches: vec![(cond, value.into())], else_expr: None }
}

fn binary(op: BinaryOp, left: Expr, right: Expr) -> Expr {
    Expr::Binary { op, left: Box::new(left), right: Box::new(right) }
}

impl Expr {
    /// `CAST(self AS type_name)`; an unknown type name becomes `Expr::Invalid`.
    pub fn cast(self, type_name: &str) -> Expr {
        match DataType::parse(type_name) {
            Some(t) => Expr::Cast(Box::new(self), t),
            None => Expr::Invalid(format!("[UNSUPPORTED_DATATYPE] Unsupported data type \"{type_name}\"")),
        }
    }

    /// `self AS name`, Spark's `Column.name` (same as `alias`).
    pub fn name(self, name: &str) -> Expr {
        self.alias(name)
    }

    /// `self = other`.
    pub fn eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Eq, self, other.into())
    }

    /// `self <=> other` (null-safe equality, Spark's `eqNullSafe`).
    pub fn eq_null_safe(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::EqNullSafe, self, other.into())
    }

    /// `self != other`.
    pub fn not_eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::NotEq, self, other.into())
    }

    /// `self > other`.
    pub fn gt(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Gt, self, other.into())
    }

    /// `self >= other`.
    pub fn gt_eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::GtEq, self, other.into())
    }

    /// `self < other`.
    pub fn lt(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Lt, self, other.into())
    }

    /// `self <= other`.
    pub fn lt_eq(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::LtEq, self, other.into())
    }

    /// `self AND other` (three-valued).
    pub fn and(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::And, self, other.into())
    }

    /// `self OR other` (three-valued).
    pub fn or(self, other: impl Into<Expr>) -> Expr {
        binary(BinaryOp::Or, self, other.into())
    }

    /// `NOT self` (also available as `!expr`).
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    /// `self IS NULL`.
    pub fn is_null(self) -> Expr {
        Expr::IsNull(Box::new(self))
    }

    /// `self IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        Expr::IsNotNull(Box::new(self))
    }

    /// `self LIKE pattern` (`%`, `_`, escape `\`).
    pub fn like(self, pattern: &str) -> Expr {
        Expr::Like {
            expr: Box::new(self),
            pattern: Box::new(lit(pattern)),
            negated: false,
            case_insensitive: false,
        }
    }

    /// `self ILIKE pattern` (case-insensitive LIKE).
    pub fn ilike(self, pattern: &str) -> Expr {
        Expr::Like {
            expr: Box::new(self),
            pattern: Box::new(lit(pattern)),
            negated: false,
            case_insensitive: true,
        }
    }

    /// `self RLIKE regex`: true when the regular expression matches anywhere in the string.
    pub fn rlike(self, regex: &str) -> Expr {
        Expr::RLike { expr: Box::new(self), pattern: Box::new(lit(regex)), negated: false }
    }

    /// `self IN (values...)`.
    pub fn isin<T: Into<Expr>>(self, values: impl IntoIterator<Item = T>) -> Expr {
        Expr::InList {
            expr: Box::new(self),
            list: values.into_iter().map(Into::into).collect(),
            negated: false,
        }
    }

    /// `self BETWEEN low AND high` (inclusive).
    pub fn between(self, low: impl Into<Expr>, high: impl Into<Expr>) -> Expr {
        Expr::Between {
            expr: Box::new(self),
            low: Box::new(low.into()),
            high: Box::new(high.into()),
            negated: false,
        }
    }

    /// Adds a `WHEN cond THEN value` branch to a `when(..)` chain.
    pub fn when(self, cond: Expr, value: impl Into<Expr>) -> Expr {
        match self {
            Expr::Case { operand, mut branches, else_expr: None } => {
                branches.push((cond, value.into()));
                Expr::Case { operand, branches, else_expr: None }
            }
            _ => Expr::Invalid(
                "when() can only be applied on a Column previously generated by when() function, and cannot be applied once otherwise() is applied".into(),
            ),
        }
    }

    /// The `ELSE value` of a `when(..)` chain.
    pub fn otherwise(self, value: impl Into<Expr>) -> Expr {
        match self {
            Expr::Case { operand, branches, else_expr: None } => {
                Expr::Case { operand, branches, else_expr: Some(Box::new(value.into())) }
            }
            _ => Expr::Invalid(
                "otherwise() can only be applied on a Column previously generated by when(), and only once"
                    .into(),
            ),
        }
    }
}

macro_rules! literal_into_expr {
    ($($t:ty),*) => {$(
        impl From<$t> for Expr {
            fn from(v: $t) -> Expr {
                Expr::Literal(v.into())
            }
        }
    )*};
}
literal_into_expr!(i32, i64, f64, bool, &str, String);

impl From<Value> for Expr {
    fn from(v: Value) -> Expr {
        Expr::Literal(v)
    }
}

macro_rules! binary_operator {
    ($($trait:ident $method:ident $op:ident),*) => {$(
        impl<R: Into<Expr>> $trait<R> for Expr {
            type Output = Expr;
            fn $method(self, rhs: R) -> Expr {
                binary(BinaryOp::$op, self, rhs.into())
            }
        }
        impl $trait<Expr> for i32 {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                binary(BinaryOp::$op, self.into(), rhs)
            }
        }
        impl $trait<Expr> for i64 {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                binary(BinaryOp::$op, self.into(), rhs)
            }
        }
        impl $trait<Expr> for f64 {
            type Output = Expr;
            fn $method(self, rhs: Expr) -> Expr {
                binary(BinaryOp::$op, self.into(), rhs)
            }
        }
    )*};
}
binary_operator!(Add add Plus, Sub sub Minus, Mul mul Multiply, Div div Divide, Rem rem Modulo);

impl Neg for Expr {
    type Output = Expr;
    fn neg(self) -> Expr {
        Expr::Negate(Box::new(self))
    }
}

impl Not for Expr {
    type Output = Expr;
    fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;
    use crate::SluiceError;

    #[test]
    fn dataframe_helpers_build_what_sql_text_builds() {
        let cases: Vec<(Expr, &str)> = vec![
            (
                (col("Creation_Time").cast("double") / 1e9).cast("timestamp"),
                "CAST((CAST(Creation_Time AS DOUBLE) / 1e9) AS TIMESTAMP)",
            ),
            (col("a") + 1, "a + 1"),
            (1 + col("a"), "1 + a"),
            (2.5 * col("a") - col("b") % 3i64, "2.5D * a - b % 3L"),
            (-col("a"), "-a"),
            (!col("a").gt(1), "NOT (a > 1)"),
            (col("a").not(), "NOT a"),
            (
                col("a").eq("x").and(col("b").lt_eq(2)).or(col("c").is_null()),
                "a = 'x' AND b <= 2 OR c IS NULL",
            ),
            (col("a").not_eq(1), "a != 1"),
            (col("a").gt_eq(1).and(col("a").lt(2)), "a >= 1 AND a < 2"),
            (col("a").is_not_null(), "a IS NOT NULL"),
            (col("gt").like("%stairs%"), "gt LIKE '%stairs%'"),
            (col("gt").rlike("^a"), "gt RLIKE '^a'"),
            (col("a").isin([1, 2]), "a IN (1, 2)"),
            (col("a").between(1, 2), "a BETWEEN 1 AND 2"),
            (count_star(), "count(*)"),
            (count(col("a")), "count(a)"),
            (count_distinct(col("a")), "count(DISTINCT a)"),
            (sum(col("a")), "sum(a)"),
            (avg(col("a")), "avg(a)"),
            (mean(col("a")), "mean(a)"),
            (min(col("a")), "min(a)"),
            (max(col("a")), "max(a)"),
            (stddev(col("a")), "stddev(a)"),
            (stddev_pop(col("a")), "stddev_pop(a)"),
            (stddev_samp(col("a")), "stddev_samp(a)"),
            (var_pop(col("a")), "var_pop(a)"),
            (var_samp(col("a")), "var_samp(a)"),
            (first(col("a")), "first(a)"),
            (last(col("a")), "last(a)"),
            (coalesce([col("a"), lit(0)]), "coalesce(a, 0)"),
            (lower(col("a")), "lower(a)"),
            (upper(col("a")), "upper(a)"),
            (
                when(col("a").gt(1), "big").when(col("a").gt(0), "small").otherwise("none"),
                "CASE WHEN a > 1 THEN 'big' WHEN a > 0 THEN 'small' ELSE 'none' END",
            ),
            (expr("a + 1"), "a + 1"),
            (window(col("t"), "10 minutes"), "window(t, '10 minutes')"),
            (window_sliding(col("t"), "10 minutes", "5 minutes"), "window(t, '10 minutes', '5 minutes')"),
            (
                window_with_start(col("t"), "10 minutes", "5 minutes", "1 minute"),
                "window(t, '10 minutes', '5 minutes', '1 minute')",
            ),
            (session_window(col("t"), "5 minutes"), "session_window(t, '5 minutes')"),
            (current_timestamp(), "current_timestamp()"),
            (to_timestamp(col("s")), "to_timestamp(s)"),
            (to_timestamp_with_format(col("s"), "yyyy"), "to_timestamp(s, 'yyyy')"),
            (date_format(col("t"), "HH:mm"), "date_format(t, 'HH:mm')"),
            (col("window.start"), "window.start"),
        ];
        for (built, sql) in cases {
            assert_eq!(built, crate::sql::parse_expr(sql).unwrap(), "{sql}");
        }
        assert_eq!(col("x").name("y").output_name(), "y");
        assert_eq!(count_star().output_name(), "count(1)");
    }

    #[test]
    fn mistakes_become_invalid_and_surface_at_analysis() {
        let schema = Schema::default().with("a", DataType::Int);
        for (e, want) in [
            (expr("a +"), "cannot parse expression \"a +\""),
            (col("a").cast("wibble"), "[UNSUPPORTED_DATATYPE]"),
            (lit(1).otherwise(2), "otherwise()"),
        ] {
            match e.bind(&schema) {
                Err(SluiceError::Analysis(msg)) => assert!(msg.contains(want), "{msg}"),
                other => panic!("expected analysis error {want}, got {other:?}"),
            }
        }
    }

    #[test]
    fn built_expressions_evaluate() {
        let schema = Schema::default().with("Creation_Time", DataType::Long).with("gt", DataType::String);
        let row = vec![Value::Long(1_500_000_000_000_000_000), Value::string("stairsup")];
        let e = (col("creation_time").cast("double") / 1e9).cast("timestamp");
        assert_eq!(e.bind(&schema).unwrap().eval(&row).unwrap(), Value::Timestamp(1_500_000_000_000_000));
        // The activity data's Creation_Time (nanoseconds) as an event time, windowed.
        let row = vec![Value::Long(1_424_686_735_090_000_000), Value::string("stairsup")];
        let t = (col("Creation_Time").cast("double") / 1e9).cast("timestamp");
        let e = window(t.clone(), "10 minutes");
        assert_eq!(e.output_name(), "window");
        let got = e.bind(&schema).unwrap().eval(&row).unwrap();
        let start = 1_424_686_200_000_000;
        assert_eq!(
            got,
            Value::Struct(std::sync::Arc::from(vec![
                Value::Timestamp(start),
                Value::Timestamp(start + 600_000_000)
            ]))
        );
        assert_eq!(
            crate::eval::display_value(&t.bind(&schema).unwrap().eval(&row).unwrap()),
            "2015-02-23 10:18:55.09"
        );
        let e = when(col("gt").like("stairs%"), 1).otherwise(0) + 1;
        assert_eq!(e.bind(&schema).unwrap().eval(&row).unwrap(), Value::Int(2));
    }
}
