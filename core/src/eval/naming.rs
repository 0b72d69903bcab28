//! The column names Spark generates for unaliased expressions (`toPrettySQL`):
//! `(a + 1)`, `count(1)`, `CAST(x AS DOUBLE)`, string literals bare.

use super::*;

/// How a literal prints inside a generated column name (Spark's `toPrettySQL`: strings bare).
pub(super) fn literal_name(v: &Value) -> String {
    match v {
        Value::Null => "NULL".into(),
        Value::Date(_) => format!("DATE '{}'", display_value(v)),
        Value::Timestamp(_) => format!("TIMESTAMP '{}'", display_value(v)),
        Value::Time(_) => format!("TIME '{}'", display_value(v)),
        other => display_value(other),
    }
}

pub(super) fn op_symbol(op: BinaryOp) -> &'static str {
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
    pub(crate) fn sql_name(&self) -> String {
        match self {
            Expr::Column(parts) => parts.join("."),
            Expr::Literal(v) | Expr::TypedLiteral(v, _) => literal_name(v),
            Expr::Lambda { params, body } => super::lambda::lambda_name(params, body),
            Expr::Over { func, over } => over_name(func, over),
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
            // A date or timestamp plus a year-month interval literal is Spark's
            // `DateAddYMInterval`/`TimestampAddYMInterval`: no parentheses, the instant first.
            Expr::Binary { op: op @ (BinaryOp::Plus | BinaryOp::Minus), left, right }
                if ym_literal(right) != ym_literal(left) =>
            {
                let (instant, interval) = if ym_literal(right) { (left, right) } else { (right, left) };
                format!("{} {} {}", instant.sql_name(), op_symbol(*op), interval.sql_name())
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
                if name == crate::sql::ARRAY_SUBSCRIPT && args.len() == 2 {
                    return format!("{}[{}]", args[0].sql_name(), args[1].sql_name());
                }
                if name == "try_cast" && args.len() == 2 {
                    let ty = match &args[1] {
                        Expr::Literal(Value::String(t)) => DataType::parse(t).map(|t| type_sql(&t)),
                        _ => None,
                    };
                    return format!("TRY_CAST({} AS {})", args[0].sql_name(), ty.unwrap_or_default());
                }
                let prefix = if *distinct { "DISTINCT " } else { "" };
                if let Some((condition, values)) = filtered_arguments(args) {
                    let items: Vec<String> = values.iter().map(|v| v.sql_name()).collect();
                    return format!(
                        "{name}({prefix}{}) FILTER (WHERE {})",
                        items.join(", "),
                        condition.sql_name()
                    );
                }
                let items: Vec<String> = args.iter().map(Expr::sql_name).collect();
                if name == "if" {
                    return format!("(IF({}))", items.join(", "));
                }
                format!("{name}({prefix}{})", items.join(", "))
            }
            Expr::Invalid(msg) => msg.clone(),
        }
    }
}

/// The condition and the arguments of an aggregate written `agg(x, ..) FILTER (WHERE c)`,
/// which the parser makes `agg(CASE WHEN __aggregate_filter(c) THEN x END, ..)`.
fn filtered_arguments(args: &[Expr]) -> Option<(&Expr, Vec<&Expr>)> {
    let mut condition = None;
    let mut values = Vec::with_capacity(args.len());
    for a in args {
        let Expr::Case { operand: None, branches, else_expr: None } = a else { return None };
        let [(Expr::Function { name, args: marked, .. }, value)] = branches.as_slice() else { return None };
        if name != crate::sql::AGGREGATE_FILTER || marked.len() != 1 {
            return None;
        }
        condition = Some(&marked[0]);
        values.push(value);
    }
    condition.map(|c| (c, values))
}

/// Spark's name of a window function call: the call, then its partitioning, order and
/// frame written out (`sum(x) OVER (PARTITION BY g ORDER BY t ASC NULLS FIRST RANGE
/// BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`).
fn over_name(func: &Expr, over: &crate::expr::Over) -> String {
    use crate::expr::FrameBound as B;
    let mut parts = Vec::new();
    if !over.partition_by.is_empty() {
        let keys: Vec<String> = over.partition_by.iter().map(Expr::sql_name).collect();
        parts.push(format!("PARTITION BY {}", keys.join(", ")));
    }
    if !over.order_by.is_empty() {
        let keys: Vec<String> = over
            .order_by
            .iter()
            .map(|(e, asc, nulls_first)| {
                format!(
                    "{} {} {}",
                    e.sql_name(),
                    if *asc { "ASC" } else { "DESC" },
                    if *nulls_first { "NULLS FIRST" } else { "NULLS LAST" }
                )
            })
            .collect();
        parts.push(format!("ORDER BY {}", keys.join(", ")));
    }
    let bound = |b: &B| match b {
        B::UnboundedPreceding => "UNBOUNDED PRECEDING".to_string(),
        B::Preceding(n) => format!("-{n} FOLLOWING"),
        B::CurrentRow => "CURRENT ROW".to_string(),
        B::Following(n) => format!("{n} FOLLOWING"),
        B::UnboundedFollowing => "UNBOUNDED FOLLOWING".to_string(),
    };
    let frame = crate::expr::effective_frame(func, over);
    parts.push(format!(
        "{} BETWEEN {} AND {}",
        if frame.rows { "ROWS" } else { "RANGE" },
        bound(&frame.start),
        bound(&frame.end)
    ));
    format!("{} OVER ({})", func.sql_name(), parts.join(" "))
}

/// True for a year-month interval literal (`INTERVAL 1 MONTH`, `- INTERVAL 1 MONTH`).
fn ym_literal(e: &Expr) -> bool {
    match e {
        Expr::Negate(inner) => ym_literal(inner),
        e => matches!(e, Expr::Literal(Value::YearMonth(_))),
    }
}
