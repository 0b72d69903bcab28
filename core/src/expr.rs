//! Unresolved expressions: what SQL text and the DataFrame API both build.
//!
//! An `Expr` names columns by text; `Expr::bind` (in `eval`) resolves it against a schema
//! into a `BoundExpr` that evaluates rows by column index.

use crate::types::{DataType, Value};
use serde::{Deserialize, Serialize};

/// Binary operators, with Spark's semantics (see `eval`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BinaryOp {
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Multiply,
    /// `/` (always double, as in Spark)
    Divide,
    /// `%`
    Modulo,
    /// `div` (integral division)
    IntDivide,
    /// `=`
    Eq,
    /// `<=>` (null-safe equality)
    EqNullSafe,
    /// `!=` / `<>`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND` (three-valued)
    And,
    /// `OR` (three-valued)
    Or,
    /// `||` string concatenation
    Concat,
}

/// The `OVER (PARTITION BY .. ORDER BY .. frame)` of a window function.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Over {
    /// The partitioning expressions (one partition when empty).
    pub partition_by: Vec<Expr>,
    /// The order within a partition: `(expr, ascending, nulls_first)`, major first.
    pub order_by: Vec<(Expr, bool, bool)>,
    /// The frame, when written (Spark's default otherwise: the whole partition without
    /// ORDER BY, `RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW` with it).
    pub frame: Option<Frame>,
}

/// A window frame: `ROWS` (by position) or `RANGE` (by the order key's value) between two bounds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// `ROWS` rather than `RANGE`.
    pub rows: bool,
    /// The first row of the frame.
    pub start: FrameBound,
    /// The last row of the frame.
    pub end: FrameBound,
}

/// One end of a window frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FrameBound {
    /// `UNBOUNDED PRECEDING`.
    UnboundedPreceding,
    /// `n PRECEDING`.
    Preceding(i64),
    /// `CURRENT ROW`.
    CurrentRow,
    /// `n FOLLOWING`.
    Following(i64),
    /// `UNBOUNDED FOLLOWING`.
    UnboundedFollowing,
}

/// The ranking and offset window functions, which take no frame of their own.
pub const RANKING_FUNCTIONS: &[&str] =
    &["row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead"];

/// The frame a window function runs over: a ranking function's rows up to the current one,
/// `lag(x, n)` the row `n` before (`lead` after), else the written frame or Spark's default.
pub fn effective_frame(func: &Expr, over: &Over) -> Frame {
    use FrameBound as B;
    let name = match func {
        Expr::Function { name, .. } => name.as_str(),
        _ => "",
    };
    let offset = || match func {
        Expr::Function { args, .. } => match args.get(1) {
            Some(Expr::Literal(v)) => v.as_i64().unwrap_or(1),
            _ => 1,
        },
        _ => 1,
    };
    match name {
        "lag" => Frame { rows: true, start: B::Preceding(offset()), end: B::Preceding(offset()) },
        "lead" => Frame { rows: true, start: B::Following(offset()), end: B::Following(offset()) },
        n if RANKING_FUNCTIONS.contains(&n) => {
            Frame { rows: true, start: B::UnboundedPreceding, end: B::CurrentRow }
        }
        _ => over.frame.clone().unwrap_or(if over.order_by.is_empty() {
            Frame { rows: true, start: B::UnboundedPreceding, end: B::UnboundedFollowing }
        } else {
            Frame { rows: false, start: B::UnboundedPreceding, end: B::CurrentRow }
        }),
    }
}

/// An expression over the columns of one input, as written by the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// A column reference; qualified names keep every part (`t.col` is `["t", "col"]`).
    Column(Vec<String>),
    /// A literal value.
    Literal(Value),
    /// A lambda, `x -> x + 1` or `(acc, x) -> acc + x`: only an argument of a higher-order
    /// function (`transform`, `filter`, `aggregate`, ..); its parameters shadow columns.
    Lambda {
        /// The parameters' names.
        params: Vec<String>,
        /// The body, reading the parameters as columns.
        body: Box<Expr>,
    },
    /// `f(..) OVER (..)`: a window function (`row_number()`, `lag(x)`, an aggregate) over
    /// the rows of its partition, computed by the planner's window node.
    Over {
        /// The function call.
        func: Box<Expr>,
        /// Its partitioning, order and frame.
        over: Box<Over>,
    },
    /// A literal of a type its value does not tell (`25Y` is a `TINYINT` held as an int).
    TypedLiteral(Value, DataType),
    /// `*`, optionally qualified (`t.*`).
    Star(Option<String>),
    /// `expr AS name`.
    Alias(Box<Expr>, String),
    /// `left op right`.
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        left: Box<Expr>,
        /// Right operand.
        right: Box<Expr>,
    },
    /// `NOT expr`.
    Not(Box<Expr>),
    /// `-expr`.
    Negate(Box<Expr>),
    /// `expr IS NULL`.
    IsNull(Box<Expr>),
    /// `expr IS NOT NULL`.
    IsNotNull(Box<Expr>),
    /// `expr [NOT] LIKE/ILIKE pattern`.
    Like {
        /// The string tested.
        expr: Box<Expr>,
        /// The SQL pattern (`%`, `_`, escape `\`).
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
    },
    /// `expr [NOT] RLIKE regex`.
    RLike {
        /// The string tested.
        expr: Box<Expr>,
        /// The Java-style regular expression (found anywhere in the string).
        pattern: Box<Expr>,
        /// `NOT RLIKE`.
        negated: bool,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The value tested.
        expr: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        /// The value tested.
        expr: Box<Expr>,
        /// Lower bound (inclusive).
        low: Box<Expr>,
        /// Upper bound (inclusive).
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`.
    Case {
        /// The simple-case operand, compared to each `WHEN` value.
        operand: Option<Box<Expr>>,
        /// `(WHEN, THEN)` pairs in order.
        branches: Vec<(Expr, Expr)>,
        /// The `ELSE` result (null when absent).
        else_expr: Option<Box<Expr>>,
    },
    /// `CAST(expr AS type)`.
    Cast(Box<Expr>, DataType),
    /// `expr.field`: a field of a struct-valued expression (`window(t, '1 hour').start`);
    /// a column path such as `w.start` stays a `Column`.
    Field(Box<Expr>, String),
    /// A function call, scalar (`lower(x)`) or aggregate (`avg(x)`), by lower-case name.
    Function {
        /// Lower-case function name.
        name: String,
        /// Arguments (`count(*)` has a single `Star`).
        args: Vec<Expr>,
        /// `count(DISTINCT x)`.
        distinct: bool,
    },
    /// An expression that failed to build (bad SQL text in `expr(..)`, unknown type in
    /// `cast(..)`): DataFrame calls stay infallible, and analysis reports this message.
    Invalid(String),
}

/// The aggregate functions Sluice computes incrementally.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AggFunc {
    /// `count(*)` / `count(x)` (non-null x).
    Count,
    /// `sum(x)`.
    Sum,
    /// `avg(x)` / `mean(x)`.
    Avg,
    /// `min(x)`.
    Min,
    /// `max(x)`.
    Max,
    /// `stddev_pop(x)`.
    StddevPop,
    /// `stddev_samp(x)` / `stddev(x)` / `std(x)`.
    StddevSamp,
    /// `var_pop(x)`.
    VarPop,
    /// `var_samp(x)` / `variance(x)`.
    VarSamp,
    /// `first(x)`: the first non-null value seen in arrival order is not deterministic in Spark either.
    First,
    /// `last(x)`.
    Last,
    /// `approx_count_distinct(x[, rsd])`: distinct non-null values (Sluice counts them exactly,
    /// which is within any relative standard deviation asked for).
    ApproxCountDistinct,
    /// `collect_list(x)` / `array_agg(x)`: the non-null values, as an array.
    CollectList,
    /// `collect_set(x)`: the distinct non-null values, as an array.
    CollectSet,
    /// `percentile(x, p)` / `median(x)`: the exact percentile, interpolated between the
    /// two values around position `p * (n - 1)` (a double).
    Percentile,
    /// `percentile_approx(x, p[, accuracy])` / `approx_percentile`: the smallest value with
    /// at least `p` of the values at or below it (Sluice answers exactly: within any accuracy).
    PercentileApprox,
    /// `skewness(x)`: the third standardized moment.
    Skewness,
    /// `kurtosis(x)`: the fourth standardized moment minus 3.
    Kurtosis,
    /// `histogram_numeric(x, nb)`: `nb` bins `(x, y)` summarizing the values (Ben-Haim and
    /// Tom-Tov's streaming histogram, as Spark's `NumericHistogram`).
    HistogramNumeric,
    /// `corr(x, y)`: Pearson's correlation coefficient of the pairs where neither is NULL.
    Corr,
    /// `covar_pop(x, y)`: the population covariance.
    CovarPop,
    /// `covar_samp(x, y)`: the sample covariance.
    CovarSamp,
}

impl AggFunc {
    /// The type Spark gives this aggregate of a `input` column: `count` bigint, `sum` of
    /// integers bigint and of `decimal(p,s)` `decimal(p+10,s)`, `avg` of `decimal(p,s)`
    /// `decimal(p+4,s+4)` (both at most 38), other sums and averages and the moments double,
    /// `min`/`max`/`first`/`last` the input's type.
    pub fn result_type(self, input: &DataType) -> DataType {
        use crate::decimal::bounded;
        match self {
            AggFunc::Count | AggFunc::ApproxCountDistinct => DataType::Long,
            AggFunc::Sum => match input {
                t if t.is_integral() => DataType::Long,
                DataType::Decimal(p, s) => {
                    let (p, s) = bounded(u32::from(*p) + 10, u32::from(*s));
                    DataType::Decimal(p, s)
                }
                _ => DataType::Double,
            },
            AggFunc::Avg => match input {
                DataType::Decimal(p, s) => {
                    let (p, s) = bounded(u32::from(*p) + 4, u32::from(*s) + 4);
                    DataType::Decimal(p, s)
                }
                _ => DataType::Double,
            },
            AggFunc::StddevPop
            | AggFunc::StddevSamp
            | AggFunc::VarPop
            | AggFunc::VarSamp
            | AggFunc::Skewness
            | AggFunc::Kurtosis
            | AggFunc::Percentile
            | AggFunc::Corr
            | AggFunc::CovarPop
            | AggFunc::CovarSamp => DataType::Double,
            AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last | AggFunc::PercentileApprox => {
                input.clone()
            }
            AggFunc::CollectList | AggFunc::CollectSet => DataType::Array(Box::new(input.clone())),
            AggFunc::HistogramNumeric => DataType::Array(Box::new(DataType::Struct(vec![
                crate::types::Field::new(
                    "x",
                    if *input == DataType::Null { DataType::Double } else { input.clone() },
                ),
                crate::types::Field::new("y", DataType::Double),
            ]))),
        }
    }

    /// Whether the aggregate takes only numbers (`sum`, `avg`, the moments).
    pub fn numeric_only(self) -> bool {
        matches!(
            self,
            AggFunc::Sum
                | AggFunc::Avg
                | AggFunc::StddevPop
                | AggFunc::StddevSamp
                | AggFunc::VarPop
                | AggFunc::VarSamp
                | AggFunc::Skewness
                | AggFunc::Kurtosis
                | AggFunc::Percentile
        )
    }

    /// Whether the aggregate takes a constant parameter after its input (the percentage of
    /// the percentiles).
    pub fn has_parameter(self) -> bool {
        matches!(self, AggFunc::Percentile | AggFunc::PercentileApprox | AggFunc::HistogramNumeric)
    }

    /// Spark's `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]` when `name` is a boolean aggregate
    /// (`every`, `bool_and`, `some`, `any`, `bool_or`, `count_if`) and its argument `arg` of type `input`
    /// is no boolean.
    pub fn check_boolean_input(name: &str, call: &Expr, arg: &Expr, input: &DataType) -> crate::Result<()> {
        let boolean_only = matches!(name, "every" | "bool_and" | "some" | "any" | "bool_or" | "count_if");
        // A string is cast to a boolean, as Spark's implicit cast of the argument does.
        if !boolean_only || matches!(input, DataType::Boolean | DataType::Null | DataType::String) {
            return Ok(());
        }
        Err(crate::SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the first parameter requires the \"BOOLEAN\" type, however \"{}\" has the type \"{}\".",
            call.output_name(),
            arg.output_name(),
            input.sql_name().to_ascii_uppercase()
        )))
    }

    /// Whether the aggregate reads two columns (`corr(x, y)`, `covar_pop`, `covar_samp`):
    /// its input is the pair as a struct of two doubles, NULL when either is.
    pub fn is_two_column(self) -> bool {
        matches!(self, AggFunc::Corr | AggFunc::CovarPop | AggFunc::CovarSamp)
    }

    /// True when `name` is a boolean aggregate (`every`, `bool_and`, `some`, `any`,
    /// `bool_or`), whose string argument Spark casts to a boolean.
    pub fn is_boolean_aggregate(name: &str) -> bool {
        matches!(name, "every" | "bool_and" | "some" | "any" | "bool_or")
    }

    /// The aggregate a lower-case function name denotes, if any.
    pub fn from_name(name: &str) -> Option<AggFunc> {
        Some(match name {
            // `count_if(c)` counts the rows where `c` is true (`plan::as_aggregate`).
            "count" | "count_if" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "avg" | "mean" => AggFunc::Avg,
            // Spark replaces the boolean aggregates by min and max (false < true).
            "min" | "every" | "bool_and" => AggFunc::Min,
            "max" | "some" | "any" | "bool_or" => AggFunc::Max,
            "stddev_pop" => AggFunc::StddevPop,
            "stddev_samp" | "stddev" | "std" => AggFunc::StddevSamp,
            "var_pop" => AggFunc::VarPop,
            "var_samp" | "variance" => AggFunc::VarSamp,
            "first" | "first_value" => AggFunc::First,
            "last" | "last_value" => AggFunc::Last,
            "approx_count_distinct" => AggFunc::ApproxCountDistinct,
            "collect_list" | "array_agg" => AggFunc::CollectList,
            "collect_set" => AggFunc::CollectSet,
            "percentile" | "median" => AggFunc::Percentile,
            "percentile_approx" | "approx_percentile" => AggFunc::PercentileApprox,
            "skewness" => AggFunc::Skewness,
            "kurtosis" => AggFunc::Kurtosis,
            "histogram_numeric" => AggFunc::HistogramNumeric,
            "corr" => AggFunc::Corr,
            "covar_pop" => AggFunc::CovarPop,
            "covar_samp" => AggFunc::CovarSamp,
            _ => return None,
        })
    }
}

impl Expr {
    /// A column reference by (possibly dotted) name; backticks quote a part.
    pub fn col(name: &str) -> Expr {
        Expr::Column(split_column_name(name))
    }

    /// A literal.
    pub fn lit(v: impl Into<Value>) -> Expr {
        Expr::Literal(v.into())
    }

    /// `self AS name`.
    pub fn alias(self, name: &str) -> Expr {
        match self {
            Expr::Alias(inner, _) => Expr::Alias(inner, name.to_string()),
            other => Expr::Alias(Box::new(other), name.to_string()),
        }
    }

    /// The expression under any alias.
    pub fn unaliased(&self) -> &Expr {
        match self {
            Expr::Alias(inner, _) => inner.unaliased(),
            other => other,
        }
    }

    /// True if the expression contains an aggregate function call (a window function's
    /// `sum(x) OVER (..)` is none: it is computed per row).
    pub fn contains_aggregate(&self) -> bool {
        let mut found = false;
        let mut has_over = false;
        self.visit(&mut |e| has_over |= matches!(e, Expr::Over { .. }));
        let stripped;
        let this = if has_over {
            stripped = self
                .clone()
                .transform_down(&mut |e| matches!(e, Expr::Over { .. }).then(|| Expr::Literal(Value::Null)));
            &stripped
        } else {
            self
        };
        this.visit(&mut |e| {
            if let Expr::Function { name, .. } = e {
                if AggFunc::from_name(name).is_some() {
                    found = true;
                }
            }
        });
        found
    }

    /// Calls `f` on this expression and every sub-expression, parents first.
    pub fn visit(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Column(_)
            | Expr::Literal(_)
            | Expr::TypedLiteral(..)
            | Expr::Star(_)
            | Expr::Invalid(_) => {}
            Expr::Alias(e, _)
            | Expr::Not(e)
            | Expr::Negate(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::Cast(e, _)
            | Expr::Field(e, _) => e.visit(f),
            Expr::Lambda { body, .. } => body.visit(f),
            Expr::Binary { left, right, .. } => {
                left.visit(f);
                right.visit(f);
            }
            Expr::Like { expr, pattern, .. } | Expr::RLike { expr, pattern, .. } => {
                expr.visit(f);
                pattern.visit(f);
            }
            Expr::InList { expr, list, .. } => {
                expr.visit(f);
                list.iter().for_each(|e| e.visit(f));
            }
            Expr::Between { expr, low, high, .. } => {
                expr.visit(f);
                low.visit(f);
                high.visit(f);
            }
            Expr::Case { operand, branches, else_expr } => {
                if let Some(o) = operand {
                    o.visit(f);
                }
                for (w, t) in branches {
                    w.visit(f);
                    t.visit(f);
                }
                if let Some(e) = else_expr {
                    e.visit(f);
                }
            }
            Expr::Function { args, .. } => args.iter().for_each(|e| e.visit(f)),
            Expr::Over { func, over } => {
                func.visit(f);
                over.partition_by.iter().for_each(|e| e.visit(f));
                over.order_by.iter().for_each(|(e, ..)| e.visit(f));
            }
        }
    }

    /// Rebuilds the expression bottom-up, letting `f` replace any node (children first).
    pub fn transform(self, f: &mut dyn FnMut(Expr) -> Expr) -> Expr {
        let node = self.map_children(&mut |c| c.transform(f));
        f(node)
    }

    /// Rebuilds the expression top-down: where `f` returns a replacement the node is
    /// replaced and not descended into; elsewhere the children are rewritten.
    pub fn transform_down(self, f: &mut dyn FnMut(&Expr) -> Option<Expr>) -> Expr {
        match f(&self) {
            Some(replacement) => replacement,
            None => self.map_children(&mut |c| c.transform_down(f)),
        }
    }

    /// Applies `f` to each direct child, keeping this node.
    pub fn map_children(self, f: &mut dyn FnMut(Expr) -> Expr) -> Expr {
        let mut b = |e: Box<Expr>| Box::new(f(*e));
        match self {
            e @ (Expr::Column(_)
            | Expr::Literal(_)
            | Expr::TypedLiteral(..)
            | Expr::Star(_)
            | Expr::Invalid(_)) => e,
            Expr::Alias(e, n) => Expr::Alias(b(e), n),
            Expr::Not(e) => Expr::Not(b(e)),
            Expr::Negate(e) => Expr::Negate(b(e)),
            Expr::IsNull(e) => Expr::IsNull(b(e)),
            Expr::IsNotNull(e) => Expr::IsNotNull(b(e)),
            Expr::Cast(e, t) => Expr::Cast(b(e), t),
            Expr::Field(e, name) => Expr::Field(b(e), name),
            Expr::Lambda { params, body } => Expr::Lambda { params, body: b(body) },
            Expr::Binary { op, left, right } => Expr::Binary { op, left: b(left), right: b(right) },
            Expr::Like { expr, pattern, negated, case_insensitive } => {
                Expr::Like { expr: b(expr), pattern: b(pattern), negated, case_insensitive }
            }
            Expr::RLike { expr, pattern, negated } => {
                Expr::RLike { expr: b(expr), pattern: b(pattern), negated }
            }
            Expr::InList { expr, list, negated } => {
                let expr = b(expr);
                Expr::InList { expr, list: list.into_iter().map(&mut *f).collect(), negated }
            }
            Expr::Between { expr, low, high, negated } => {
                Expr::Between { expr: b(expr), low: b(low), high: b(high), negated }
            }
            Expr::Case { operand, branches, else_expr } => {
                let operand = operand.map(&mut b);
                let branches = branches.into_iter().map(|(w, t)| (f(w), f(t))).collect();
                Expr::Case { operand, branches, else_expr: else_expr.map(|e| Box::new(f(*e))) }
            }
            Expr::Function { name, args, distinct } => {
                Expr::Function { name, args: args.into_iter().map(f).collect(), distinct }
            }
            Expr::Over { func, over } => {
                let Over { partition_by, order_by, frame } = *over;
                Expr::Over {
                    func: b(func),
                    over: Box::new(Over {
                        partition_by: partition_by.into_iter().map(&mut *f).collect(),
                        order_by: order_by.into_iter().map(|(e, a, n)| (f(e), a, n)).collect(),
                        frame,
                    }),
                }
            }
        }
    }

    /// Column names this expression reads (first part of each reference, lower-cased),
    /// or `None` when it reads every column (`*`).
    pub fn referenced_columns(&self) -> Option<Vec<String>> {
        let mut cols = Vec::new();
        let mut star = false;
        // `count(*)` counts rows: it reads no column.
        // A lambda's parameters are no columns: they are read as NULLs here.
        fn without_parameters(e: Expr) -> Expr {
            e.transform_down(&mut |n| match n {
                Expr::Lambda { params, body } => Some(without_parameters(body.clone().transform(&mut |c| {
                    match c {
                        Expr::Column(parts)
                            if parts
                                .first()
                                .is_some_and(|f| params.iter().any(|p| p.eq_ignore_ascii_case(f))) =>
                        {
                            Expr::Literal(Value::Null)
                        }
                        other => other,
                    }
                }))),
                _ => None,
            })
        }
        let without_count_star = without_parameters(self.clone()).transform(&mut |e| match e {
            Expr::Function { name, args, distinct }
                if name == "count" && matches!(args.as_slice(), [Expr::Star(_)]) =>
            {
                Expr::Function { name, args: vec![Expr::Literal(Value::Int(1))], distinct }
            }
            other => other,
        });
        without_count_star.visit(&mut |e| match e {
            Expr::Column(parts) => cols.push(parts.first().cloned().unwrap_or_default().to_ascii_lowercase()),
            Expr::Star(_) => star = true,
            _ => {}
        });
        (!star).then_some(cols)
    }

    /// The same expression with aliases removed and column names lower-cased, for
    /// comparing expressions as Spark's resolver does (case-insensitively).
    pub fn normalized(&self) -> Expr {
        self.clone().transform(&mut |e| match e {
            Expr::Alias(inner, _) => *inner,
            Expr::Column(parts) => Expr::Column(parts.into_iter().map(|p| p.to_ascii_lowercase()).collect()),
            other => other,
        })
    }
}

/// Splits `a.b` / `` `a.b`.c `` into parts, honouring backticks.
pub fn split_column_name(name: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut in_tick = false;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' if in_tick && chars.peek() == Some(&'`') => {
                chars.next();
                cur.push('`');
            }
            '`' => in_tick = !in_tick,
            '.' if !in_tick => parts.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Long(v)
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::double(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::string(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v.into())
    }
}
