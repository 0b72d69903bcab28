//! Binding: `Expr::bind` resolves column names to indices, works out every node's type,
//! inserts the implicit casts Spark's type coercion would, and compiles literal patterns,
//! all once, into a `BoundExpr`.

use super::*;

impl Expr {
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

/// The field `name` (case-insensitive, as Spark) of a struct-valued `bound`; `whole` names
/// the expression in errors.
pub(super) fn struct_field(bound: BoundExpr, name: &str, whole: &str) -> Result<BoundExpr> {
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
    pub(super) fn bind(&self, e: &Expr) -> Result<BoundExpr> {
        match e {
            Expr::Column(parts) => self.column(parts),
            Expr::Literal(v) => Ok(node(Kind::Literal(v.clone()), v.data_type())),
            Expr::TypedLiteral(v, t) => Ok(node(Kind::Literal(v.clone()), t.clone())),
            Expr::Star(_) => Err(SluiceError::analysis(
                "[INVALID_USAGE_OF_STAR_OR_REGEX] Invalid usage of '*' in an expression; `*` may only stand alone in a SELECT list or inside count(*) / struct(*).",
            )),
            Expr::Alias(inner, _) => self.bind(inner),
            Expr::Invalid(msg) => Err(SluiceError::Analysis(msg.clone())),
            Expr::Over { .. } => Err(SluiceError::analysis(format!(
                "[WINDOW_FUNCTION_NOT_ALLOWED_IN_CLAUSE] The window function \"{}\" is allowed only in the SELECT list of a query without GROUP BY (not in WHERE, GROUP BY, HAVING or an aggregation). SQLSTATE: 42601",
                e.sql_name()
            ))),
            Expr::Lambda { .. } => Err(SluiceError::analysis(format!(
                "[INVALID_LAMBDA_FUNCTION_CALL.NON_HIGHER_ORDER_FUNCTION] Invalid lambda function call. A lambda function should only be used in a higher order function. However, its class is `{}`, which is not a higher order function. SQLSTATE: 42K0D",
                e.sql_name()
            ))),
            Expr::Binary { op, left, right } => self.binary(e, *op, left, right),
            Expr::Not(inner) => {
                let b = self.boolean(e, inner)?;
                Ok(node(Kind::Not(Box::new(b)), DataType::Boolean))
            }
            Expr::Negate(inner) => {
                let b = self.bind(inner)?;
                let t = match &b.data_type {
                    DataType::Null | DataType::String => DataType::Double,
                    t if t.is_numeric() || matches!(t, DataType::Interval | DataType::DayTime(..) | DataType::YearMonth(..)) => t.clone(),
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

    pub(super) fn column(&self, parts: &[String]) -> Result<BoundExpr> {
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
            // A bare `current_date` (no parentheses) is a column when there is one, else the
            // function, as Spark resolves it.
            if let [name] = parts {
                if crate::sql::BARE_FUNCTIONS.contains(&name.to_ascii_lowercase().as_str()) {
                    let call =
                        Expr::Function { name: name.to_ascii_lowercase(), args: Vec::new(), distinct: false };
                    return self.bind(&call);
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

    pub(super) fn boolean(&self, whole: &Expr, e: &Expr) -> Result<BoundExpr> {
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

    pub(super) fn pattern(&self, e: &Expr, compile: impl Fn(&str) -> Result<Regex>) -> Result<Pattern> {
        let b = string_arg(self.bind(e)?);
        match &b.kind {
            Kind::Literal(Value::String(s)) => Ok(Pattern::Compiled(Arc::new(compile(s)?))),
            _ => Ok(Pattern::Dynamic(Box::new(b))),
        }
    }

    pub(super) fn binary(&self, e: &Expr, op: BinaryOp, left: &Expr, right: &Expr) -> Result<BoundExpr> {
        if matches!(op, BinaryOp::And | BinaryOp::Or) {
            let (l, r) = (Box::new(self.boolean(e, left)?), Box::new(self.boolean(e, right)?));
            let kind = if op == BinaryOp::And { Kind::And(l, r) } else { Kind::Or(l, r) };
            return Ok(node(kind, DataType::Boolean));
        }
        if op == BinaryOp::Concat {
            return self.function(e, "concat", &[left.clone(), right.clone()], false);
        }
        let (l, r) = (self.bind(left)?, self.bind(right)?);
        // A NULL beside a date or timestamp in `+` or `-` is typed as Spark types it: an
        // interval to add, or the other operand's type to subtract (the result stays NULL).
        let null_as = |other: &DataType| match (op, other) {
            (BinaryOp::Plus, DataType::Date | DataType::Timestamp) => Some(DataType::Interval),
            (BinaryOp::Minus, DataType::Date | DataType::Timestamp) => Some(other.clone()),
            _ => None,
        };
        let (l, r) = match (&l.data_type, &r.data_type) {
            (DataType::Null, o) => match null_as(o) {
                Some(t) => (coerce(l, &t), r),
                None => (l, r),
            },
            (o, DataType::Null) => match null_as(o) {
                Some(t) => (l, coerce(r, &t)),
                None => (l, r),
            },
            _ => (l, r),
        };
        let incompatible = || binary_op_diff_types(e, &l.data_type, &r.data_type);
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
            // Structs compare field by field when their fields' types are the same, whatever
            // their names (`(i, j) = (2, 2.0D)`), as Spark's; no field is widened.
            if same_shape(&l.data_type, &r.data_type) {
                return Ok(node(Kind::Cmp(cmp, Box::new(l), Box::new(r)), DataType::Boolean));
            }
            let t = common_type(&l.data_type, &r.data_type).ok_or_else(incompatible)?;
            return Ok(node(
                Kind::Cmp(cmp, Box::new(coerce(l, &t)), Box::new(coerce(r, &t))),
                DataType::Boolean,
            ));
        }
        // A year-month interval beside a day-time one: Spark types neither sum.
        if matches!(op, BinaryOp::Plus | BinaryOp::Minus) {
            let (ym, dt) = (
                |t: &DataType| matches!(t, DataType::YearMonth(..)),
                |t: &DataType| matches!(t, DataType::Interval | DataType::DayTime(..)),
            );
            if (ym(&l.data_type) && dt(&r.data_type)) || (dt(&l.data_type) && ym(&r.data_type)) {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: a year-month interval (\"{}\") cannot be added to or subtracted from a day-time interval (\"{}\").",
                    e.sql_name(),
                    type_sql(if ym(&l.data_type) { &l.data_type } else { &r.data_type }),
                    type_sql(if dt(&l.data_type) { &l.data_type } else { &r.data_type })
                )));
            }
        }
        // A string beside a date or timestamp in `+` is no number of days (Spark's
        // `date_add` wants an integer) and no interval.
        if op == BinaryOp::Plus {
            let pair = (&l.data_type, &r.data_type);
            if let (DataType::Date, DataType::String) | (DataType::String, DataType::Date) = pair {
                let (d, n) = if l.data_type == DataType::Date { (left, right) } else { (right, left) };
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"date_add({}, {})\" due to data type mismatch: The second parameter requires the (\"INT\" or \"SMALLINT\" or \"TINYINT\") type, however \"{}\" has the type \"STRING\".",
                    d.sql_name(),
                    n.sql_name(),
                    n.sql_name()
                )));
            }
            // A date beside a number that is no INT, SMALLINT or TINYINT (`date + 1E1`).
            let days = |t: &DataType| {
                t.is_numeric() && !matches!(t, DataType::Int | DataType::Short | DataType::Byte)
            };
            if (l.data_type == DataType::Date && days(&r.data_type))
                || (r.data_type == DataType::Date && days(&l.data_type))
            {
                let ((d, _), (n, nb)) = if l.data_type == DataType::Date {
                    ((left, &l), (right, &r))
                } else {
                    ((right, &r), (left, &l))
                };
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"date_add({}, {})\" due to data type mismatch: The second parameter requires the (\"INT\" or \"SMALLINT\" or \"TINYINT\") type, however \"{}\" has the type \"{}\".",
                    d.sql_name(),
                    n.sql_name(),
                    n.sql_name(),
                    type_sql(&nb.data_type)
                )));
            }
            if let (DataType::Timestamp, DataType::String) | (DataType::String, DataType::Timestamp) = pair {
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE] Cannot resolve \"{}\" due to data type mismatch: the binary operator requires the input type (\"NUMERIC\" or \"INTERVAL DAY TO SECOND\" or \"INTERVAL YEAR TO MONTH\" or \"INTERVAL\"), not \"TIMESTAMP\".",
                    e.sql_name()
                )));
            }
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
                    t if t.is_integral() => DataType::Long,
                    _ => DataType::Double,
                }),
                _ => None,
            }
        };
        let lt = numeric(&l.data_type, &r.data_type).ok_or_else(incompatible)?;
        let rt = numeric(&r.data_type, &l.data_type).ok_or_else(incompatible)?;
        let has_decimal = matches!(lt, DataType::Decimal(..)) || matches!(rt, DataType::Decimal(..));
        if has_decimal && lt.as_decimal().is_some() && rt.as_decimal().is_some() {
            return Ok(decimal_arith(op, l, r, &lt, &rt));
        }
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
}

/// Arithmetic with a decimal operand and no double (the caller checks both types are exact
/// numbers): both operands as decimals (an integer as the decimal that holds it), the result
/// typed by Spark's precision and scale rules (`div` gives a bigint).
fn decimal_arith(op: BinaryOp, l: BoundExpr, r: BoundExpr, lt: &DataType, rt: &DataType) -> BoundExpr {
    // An integer literal counts as the narrowest decimal that holds it (`10` is
    // decimal(2,0)), as Spark's `DecimalType.fromLiteral`.
    let narrow = |e: &BoundExpr, t: &DataType| match &e.kind {
        Kind::Literal(v @ (Value::Int(_) | Value::Long(_))) => {
            (Decimal::new(i128::from(v.as_i64().unwrap_or(0)), 0).digits(), 0)
        }
        _ => t.as_decimal().expect("the caller checked an exact numeric type"),
    };
    let (a, b) = (narrow(&l, lt), narrow(&r, rt));
    let (l, r) = (coerce(l, &DataType::Decimal(a.0, a.1)), coerce(r, &DataType::Decimal(b.0, b.1)));
    let (arith, t) = match op {
        BinaryOp::Plus => (Arith::Add, DecimalOp::Add),
        BinaryOp::Minus => (Arith::Sub, DecimalOp::Sub),
        BinaryOp::Multiply => (Arith::Mul, DecimalOp::Mul),
        BinaryOp::Divide => (Arith::Div, DecimalOp::Div),
        BinaryOp::Modulo => (Arith::Rem, DecimalOp::Rem),
        BinaryOp::IntDivide => {
            return node(Kind::Arith(Arith::IntDiv, Box::new(l), Box::new(r)), DataType::Long);
        }
        _ => unreachable!("comparisons, logic and concat are bound before arithmetic"),
    };
    let (p, s) = crate::decimal::result_type(t, a, b);
    node(Kind::Arith(arith, Box::new(l), Box::new(r)), DataType::Decimal(p, s))
}

impl Binder<'_> {
    pub(super) fn case(
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
                // Spark's `[DATATYPE_MISMATCH.DATA_DIFF_TYPES]`, naming every branch's type.
                let types: Vec<String> = results
                    .iter()
                    .chain(else_bound.iter())
                    .map(|b| format!("\"{}\"", type_sql(&b.data_type)))
                    .collect();
                SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: Input to `casewhen` should all be the same type, but it's [{}].",
                    e.sql_name(),
                    types.join(", ")
                ))
            })?;
        Ok(node(
            Kind::Case {
                branches: conds.into_iter().zip(results).map(|(c, r)| (c, coerce(r, &t))).collect(),
                else_expr: else_bound.map(|b| Box::new(coerce(b, &t))),
            },
            t,
        ))
    }

    pub(super) fn cast(&self, e: &Expr, inner: &Expr, to: &DataType, ansi: bool) -> Result<BoundExpr> {
        let b = self.bind(inner)?;
        // Spark allows these casts outside ANSI mode, so its error names the setting.
        if b.data_type.is_integral() && *to == DataType::Binary {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.CAST_WITH_CONF_SUGGESTION] Cannot resolve \"{}\" due to data type mismatch: cannot cast \"{}\" to \"{}\" with ANSI mode on. If you have to cast {} to {}, you can set \"spark.sql.ansi.enabled\" as 'false'.",
                e.output_name(),
                type_sql(&b.data_type),
                type_sql(to),
                type_sql(&b.data_type),
                type_sql(to)
            )));
        }
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
        Ok(node(Kind::Cast { expr: Box::new(b), to: to.clone(), ansi, zone: session_zone() }, to.clone()))
    }
}

impl Binder<'_> {
    /// Binds a function call: an aggregate (typed only), a date-time, window or JSON
    /// function, or a scalar function of the registry (`scalar::lookup`).
    pub(super) fn function(&self, e: &Expr, name: &str, args: &[Expr], distinct: bool) -> Result<BoundExpr> {
        if let Some(agg) = AggFunc::from_name(name) {
            return self.aggregate(e, name, agg, args, distinct);
        }
        if crate::plan::GENERATORS.contains(&name) {
            // A generator planned as one is no longer a call: this one is somewhere else.
            return Err(SluiceError::analysis(format!(
                "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] The generator is not supported: outside the SELECT clause, found: \"{}\".",
                e.sql_name()
            )));
        }
        if let Some(bound) = self.higher_order(e, name, args)? {
            return Ok(bound);
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
        // Spark's `try_add` and friends: the operator itself (its types, decimals and dates
        // included), whose own failure (overflow, division by zero) is NULL.
        let try_op = match name {
            "try_add" => Some(BinaryOp::Plus),
            "try_subtract" => Some(BinaryOp::Minus),
            "try_multiply" => Some(BinaryOp::Multiply),
            "try_divide" => Some(BinaryOp::Divide),
            "try_mod" => Some(BinaryOp::Modulo),
            _ => None,
        };
        if let Some(op) = try_op {
            arity(2, 2)?;
            let inner = self.binary(e, op, &args[0], &args[1])?;
            let t = inner.data_type.clone();
            return Ok(node(Kind::Try(Box::new(inner)), t));
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
        if let Some(f) = scalar::lookup(name) {
            arity(f.arity.0, f.arity.1)?;
            let bound = args.iter().map(|a| self.bind(a)).collect::<Result<Vec<_>>>()?;
            let sig = (f.signature)(&Call { expr: e, name }, bound)?;
            return Ok(node(Kind::Func(f, sig.args, sig.state), sig.data_type));
        }
        match name {
            "isnull" => {
                arity(1, 1)?;
                self.bind(&Expr::IsNull(Box::new(args[0].clone())))
            }
            // The argument's type, as Spark names it; the argument is not evaluated.
            "typeof" => {
                arity(1, 1)?;
                let t = self.bind(&args[0])?.data_type().sql_name();
                Ok(node(Kind::Literal(Value::string(&t)), DataType::String))
            }
            crate::sql::AGGREGATE_FILTER => {
                arity(1, 1)?;
                let condition = self.bind(&args[0])?;
                if !matches!(condition.data_type(), DataType::Boolean | DataType::Null) {
                    return Err(SluiceError::analysis(format!(
                        "[INVALID_AGGREGATE_FILTER.NOT_BOOLEAN] The FILTER expression \"{}\" in an aggregate function is invalid. Expected a FILTER expression of the BOOLEAN type.",
                        args[0].sql_name()
                    )));
                }
                Ok(condition)
            }
            "isnotnull" => {
                arity(1, 1)?;
                self.bind(&Expr::IsNotNull(Box::new(args[0].clone())))
            }
            _ => Err(SluiceError::analysis(format!(
                "[UNRESOLVED_ROUTINE] Cannot resolve routine `{name}` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]."
            ))),
        }
    }
}
