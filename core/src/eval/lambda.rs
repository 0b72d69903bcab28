//! Lambdas (`x -> x + 1`, `(acc, x) -> acc + x`) and the higher-order functions over
//! arrays that take them: `transform`, `filter`, `exists`, `forall`, `aggregate`/`reduce`,
//! `zip_with` and `array_sort` (with or without a comparator), plus `sort_array`.
//!
//! A lambda's body is bound over its caller's schema extended by one column per parameter
//! (named so no column can be confused with them), so it reads outer columns and its
//! parameters alike; the function evaluates it on the caller's row with the parameters'
//! values appended.

use super::*;

/// A higher-order function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Hof {
    Transform,
    Filter,
    Exists,
    Forall,
    Aggregate,
    ZipWith,
    ArraySort,
    SortArray,
    MapFilter,
    TransformKeys,
    TransformValues,
    MapZipWith,
}

/// A bound higher-order call: its plain arguments, its lambdas (each with its number of
/// parameters), and the column where the parameters' values start.
#[derive(Clone, Debug)]
pub(super) struct HigherOrder {
    hof: Hof,
    args: Vec<BoundExpr>,
    lambdas: Vec<(BoundExpr, usize)>,
    base: usize,
}

/// The column name of parameter `k` of a lambda bound over `base` columns: no SQL name.
fn variable(base: usize, k: usize) -> String {
    format!("\u{1}lambda{base}_{k}")
}

/// `e` with each reference to a parameter `(name, replacement)` of `names` (by its first
/// part, case-insensitively) renamed, except inside a nested lambda that shadows it.
pub(super) fn rename_variables(e: &Expr, names: &[(String, String)]) -> Expr {
    e.clone().transform_down(&mut |n| match n {
        Expr::Column(parts) => {
            let (_, to) =
                names.iter().find(|(p, _)| parts.first().is_some_and(|f| f.eq_ignore_ascii_case(p)))?;
            Some(Expr::Column(std::iter::once(to.clone()).chain(parts[1..].iter().cloned()).collect()))
        }
        Expr::Lambda { params, body } => {
            let open: Vec<(String, String)> = names
                .iter()
                .filter(|(p, _)| !params.iter().any(|q| q.eq_ignore_ascii_case(p)))
                .cloned()
                .collect();
            Some(Expr::Lambda { params: params.clone(), body: Box::new(rename_variables(body, &open)) })
        }
        _ => None,
    })
}

/// Spark's name of a lambda: `lambdafunction(body, namedlambdavariable(), ..)`, every
/// parameter written `namedlambdavariable()`.
pub(super) fn lambda_name(params: &[String], body: &Expr) -> String {
    let anonymous = "namedlambdavariable()".to_string();
    let names: Vec<(String, String)> = params.iter().map(|p| (p.clone(), anonymous.clone())).collect();
    let mut s = format!("lambdafunction({}", rename_variables(body, &names).sql_name());
    for _ in params {
        s.push_str(", ");
        s.push_str(&anonymous);
    }
    s.push(')');
    s
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth"].get(i).copied().unwrap_or("next")
}

impl Binder<'_> {
    /// Binds `name(args)` when `name` is a higher-order function; `None` otherwise.
    pub(super) fn higher_order(&self, e: &Expr, name: &str, args: &[Expr]) -> Result<Option<BoundExpr>> {
        let hof = match name {
            "transform" => Hof::Transform,
            "filter" => Hof::Filter,
            "exists" => Hof::Exists,
            "forall" => Hof::Forall,
            "aggregate" | "reduce" => Hof::Aggregate,
            "zip_with" => Hof::ZipWith,
            "array_sort" => Hof::ArraySort,
            "sort_array" => Hof::SortArray,
            "map_filter" => Hof::MapFilter,
            "transform_keys" => Hof::TransformKeys,
            "transform_values" => Hof::TransformValues,
            "map_zip_with" => Hof::MapZipWith,
            _ => return Ok(None),
        };
        if matches!(hof, Hof::MapFilter | Hof::TransformKeys | Hof::TransformValues | Hof::MapZipWith) {
            return self.map_higher_order(e, hof, name, args).map(Some);
        }
        let (min, max) = match hof {
            Hof::Aggregate => (3, 4),
            Hof::ZipWith => (3, 3),
            Hof::ArraySort | Hof::SortArray => (1, 2),
            _ => (2, 2),
        };
        if args.len() < min || args.len() > max {
            let expected = if min == max { min.to_string() } else { format!("[{min}, {max}]") };
            return Err(SluiceError::analysis(format!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {expected} parameters but the actual number is {}.",
                args.len()
            )));
        }
        let array = |i: usize| -> Result<(BoundExpr, DataType)> {
            let b = self.bind(&args[i])?;
            match &b.data_type {
                DataType::Array(t) => {
                    let t = (**t).clone();
                    Ok((b, t))
                }
                DataType::Null => Ok((coerce(b, &DataType::Array(Box::new(DataType::Null))), DataType::Null)),
                t => Err(self.unexpected(e, i, &args[i], "\"ARRAY\"", t)),
            }
        };
        let base = self.schema.fields.len();
        let (array_arg, element) = array(0)?;
        let mut plain = vec![array_arg];
        let mut lambdas = Vec::new();
        let data_type = match hof {
            Hof::Transform | Hof::Filter | Hof::Exists | Hof::Forall => {
                let with_index = [element.clone(), DataType::Int];
                let (body, n) = self.lambda(&args[1], &with_index, 1..=2)?;
                let t = match hof {
                    Hof::Transform => DataType::Array(Box::new(body.data_type.clone())),
                    _ => {
                        let body = self.boolean_body(e, &args[1], body)?;
                        lambdas.push((body, n));
                        let t = if hof == Hof::Filter {
                            DataType::Array(Box::new(element))
                        } else {
                            DataType::Boolean
                        };
                        return Ok(Some(higher(hof, plain, lambdas, base, t)));
                    }
                };
                lambdas.push((body, n));
                t
            }
            Hof::Aggregate => {
                let zero = self.bind(&args[1])?;
                let acc = zero.data_type.clone();
                plain.push(zero);
                let (merge, merge_arity) = self.lambda(&args[2], &[acc.clone(), element], 2..=2)?;
                let merge = match &merge.data_type {
                    t if *t == acc => merge,
                    DataType::Null => coerce(merge, &acc),
                    t if t.is_numeric() && acc.is_numeric() && coerce::wider_numeric(t, &acc) == acc => {
                        coerce(merge, &acc)
                    }
                    t => {
                        let t = t.clone();
                        return Err(self.unexpected(e, 2, &args[2], &format!("\"{}\"", type_sql(&acc)), &t));
                    }
                };
                lambdas.push((merge, merge_arity));
                match args.get(3) {
                    Some(finish) => {
                        let (finish, n) = self.lambda(finish, &[acc], 1..=1)?;
                        let t = finish.data_type.clone();
                        lambdas.push((finish, n));
                        t
                    }
                    None => acc,
                }
            }
            Hof::ZipWith => {
                let (right, other) = array(1)?;
                plain.push(right);
                let (body, n) = self.lambda(&args[2], &[element, other], 2..=2)?;
                let t = DataType::Array(Box::new(body.data_type.clone()));
                lambdas.push((body, n));
                t
            }
            Hof::ArraySort => {
                if let Some(comparator) = args.get(1) {
                    let (body, n) = self.lambda(comparator, &[element.clone(), element.clone()], 2..=2)?;
                    let body = match body.data_type {
                        DataType::Int => body,
                        DataType::Byte | DataType::Short | DataType::Null => coerce(body, &DataType::Int),
                        ref t => {
                            return Err(SluiceError::analysis(format!(
                                "[DATATYPE_MISMATCH.UNEXPECTED_RETURN_TYPE] Cannot resolve \"{}\" due to data type mismatch: The lambda function \"{}\" must return \"INT\" type, however it has the type \"{}\".",
                                e.output_name(),
                                comparator.output_name(),
                                type_sql(t)
                            )))
                        }
                    };
                    lambdas.push((body, n));
                }
                DataType::Array(Box::new(element))
            }
            Hof::SortArray => {
                if let Some(asc) = args.get(1) {
                    let b = self.bind(asc)?;
                    if !matches!(b.data_type, DataType::Boolean | DataType::Null) {
                        return Err(self.unexpected(e, 1, asc, "\"BOOLEAN\"", &b.data_type));
                    }
                    plain.push(b);
                }
                DataType::Array(Box::new(element))
            }
            Hof::MapFilter | Hof::TransformKeys | Hof::TransformValues | Hof::MapZipWith => {
                unreachable!("bound by map_higher_order")
            }
        };
        Ok(Some(higher(hof, plain, lambdas, base, data_type)))
    }

    /// `map_filter`, `transform_keys`, `transform_values`, `map_zip_with`: lambdas over a
    /// map's `(key, value)` (`(key, value1, value2)` for `map_zip_with`).
    fn map_higher_order(&self, e: &Expr, hof: Hof, name: &str, args: &[Expr]) -> Result<BoundExpr> {
        let n = if hof == Hof::MapZipWith { 3 } else { 2 };
        if args.len() != n {
            return Err(SluiceError::analysis(format!(
                "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {n} parameters but the actual number is {}.",
                args.len()
            )));
        }
        let map = |i: usize| -> Result<(BoundExpr, DataType, DataType)> {
            let b = self.bind(&args[i])?;
            match &b.data_type {
                DataType::Map(k, v) => {
                    let (k, v) = ((**k).clone(), (**v).clone());
                    Ok((b, k, v))
                }
                t => Err(self.unexpected(e, i, &args[i], "\"MAP\"", t)),
            }
        };
        let base = self.schema.fields.len();
        let (m, kt, vt) = map(0)?;
        let mut plain = vec![m];
        let f = &args[n - 1];
        let (body, arity, t) = match hof {
            Hof::MapZipWith => {
                let (other, k2, v2) = map(1)?;
                if k2 != kt {
                    return Err(SluiceError::analysis(format!(
                        "[DATATYPE_MISMATCH.MAP_ZIP_WITH_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: Input to the `map_zip_with` should have been two maps with compatible key types, but it's [\"{}\", \"{}\"].",
                        e.output_name(),
                        type_sql(&kt),
                        type_sql(&k2)
                    )));
                }
                plain.push(other);
                let (body, arity) = self.lambda(f, &[kt.clone(), vt, v2], 3..=3)?;
                let t = DataType::Map(Box::new(kt), Box::new(body.data_type.clone()));
                (body, arity, t)
            }
            _ => {
                let (body, arity) = self.lambda(f, &[kt.clone(), vt.clone()], 2..=2)?;
                let t = match hof {
                    Hof::MapFilter => {
                        let body = self.boolean_body(e, f, body)?;
                        return Ok(higher(
                            hof,
                            plain,
                            vec![(body, arity)],
                            base,
                            DataType::Map(Box::new(kt), Box::new(vt)),
                        ));
                    }
                    Hof::TransformKeys if holds_map(&body.data_type) => {
                        return Err(SluiceError::analysis(format!(
                            "[DATATYPE_MISMATCH.INVALID_MAP_KEY_TYPE] Cannot resolve \"{}\" due to data type mismatch: The key of map cannot be/contain \"{}\".",
                            e.output_name(),
                            type_sql(&body.data_type)
                        )))
                    }
                    Hof::TransformKeys => DataType::Map(Box::new(body.data_type.clone()), Box::new(vt)),
                    _ => DataType::Map(Box::new(kt), Box::new(body.data_type.clone())),
                };
                (body, arity, t)
            }
        };
        Ok(higher(hof, plain, vec![(body, arity)], base, t))
    }

    /// Binds a lambda argument of `arity` parameters typed `types` (or a constant).
    fn lambda(
        &self,
        arg: &Expr,
        types: &[DataType],
        arity: std::ops::RangeInclusive<usize>,
    ) -> Result<(BoundExpr, usize)> {
        // Spark takes any other expression as a lambda of no parameters (a constant).
        let Expr::Lambda { params, body } = arg.unaliased() else {
            return Ok((self.bind(arg)?, 0));
        };
        if !arity.contains(&params.len()) {
            return Err(SluiceError::analysis(format!(
                "[INVALID_LAMBDA_FUNCTION_CALL.NUM_ARGS_MISMATCH] Invalid lambda function call. A higher order function expects {} arguments, but got {}. SQLSTATE: 42K0D",
                arity.end(),
                params.len()
            )));
        }
        for (k, p) in params.iter().enumerate() {
            if params[..k].iter().any(|q| q.eq_ignore_ascii_case(p)) {
                return Err(SluiceError::analysis(format!(
                    "[INVALID_LAMBDA_FUNCTION_CALL.DUPLICATE_ARG_NAMES] Invalid lambda function call. The lambda function has duplicate arguments `{p}`. SQLSTATE: 42K0D"
                )));
            }
        }
        let base = self.schema.fields.len();
        let mut scope = self.schema.clone();
        let mut names = Vec::new();
        for (k, (p, t)) in params.iter().zip(types).enumerate() {
            scope.fields.push(Field::new(variable(base, k), t.clone()));
            names.push((p.clone(), variable(base, k)));
        }
        let body =
            Binder { schema: &scope, allow_aggregates: false }.bind(&rename_variables(body, &names))?;
        Ok((body, params.len()))
    }

    fn boolean_body(&self, call: &Expr, arg: &Expr, body: BoundExpr) -> Result<BoundExpr> {
        match body.data_type {
            DataType::Boolean => Ok(body),
            DataType::Null => Ok(coerce(body, &DataType::Boolean)),
            ref t => {
                let t = t.clone();
                Err(self.unexpected(call, 1, arg, "\"BOOLEAN\"", &t))
            }
        }
    }

    /// Spark's `[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE]` for argument `i` of `call`.
    fn unexpected(&self, call: &Expr, i: usize, arg: &Expr, wanted: &str, got: &DataType) -> SluiceError {
        SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: the {} parameter requires the {wanted} type, however \"{}\" has the type \"{}\".",
            call.output_name(),
            ordinal(i),
            arg.output_name(),
            type_sql(got)
        ))
    }
}

fn higher(
    hof: Hof,
    args: Vec<BoundExpr>,
    lambdas: Vec<(BoundExpr, usize)>,
    base: usize,
    t: DataType,
) -> BoundExpr {
    node(Kind::HigherOrder(Box::new(HigherOrder { hof, args, lambdas, base })), t)
}

/// The caller's row, extended by a lambda's parameters for each call of its body.
struct Scope {
    values: Vec<Value>,
    base: usize,
}

impl Scope {
    fn new(row: &[Value], base: usize) -> Scope {
        let mut values: Vec<Value> = row.iter().take(base).cloned().collect();
        values.resize(base, Value::Null);
        Scope { values, base }
    }

    fn call(&mut self, (body, arity): &(BoundExpr, usize), params: &[Value]) -> Result<Value> {
        self.values.truncate(self.base);
        self.values.extend(params.iter().take(*arity).cloned());
        body.eval(&self.values)
    }
}

impl HigherOrder {
    pub(super) fn eval(&self, row: &[Value]) -> Result<Value> {
        let first = self.args[0].eval(row)?;
        if let Value::Map(entries) = &first {
            return self.eval_map(entries, row);
        }
        let Value::Array(items) = first else {
            return Ok(Value::Null);
        };
        let mut scope = Scope::new(row, self.base);
        let index = |i: usize| Value::Int(i32::try_from(i).unwrap_or(i32::MAX));
        Ok(match self.hof {
            Hof::Transform => {
                let f = &self.lambdas[0];
                let mut out = Vec::with_capacity(items.len());
                for (i, x) in items.iter().enumerate() {
                    out.push(scope.call(f, &[x.clone(), index(i)])?);
                }
                Value::Array(out.into())
            }
            Hof::Filter => {
                let f = &self.lambdas[0];
                let mut out = Vec::new();
                for (i, x) in items.iter().enumerate() {
                    if scope.call(f, &[x.clone(), index(i)])? == Value::Boolean(true) {
                        out.push(x.clone());
                    }
                }
                Value::Array(out.into())
            }
            // Three-valued: a TRUE (for exists; a FALSE for forall) decides, else a NULL.
            Hof::Exists | Hof::Forall => {
                let decisive = self.hof == Hof::Exists;
                let mut saw_null = false;
                for (i, x) in items.iter().enumerate() {
                    match scope.call(&self.lambdas[0], &[x.clone(), index(i)])? {
                        Value::Boolean(b) if b == decisive => return Ok(Value::Boolean(decisive)),
                        Value::Null => saw_null = true,
                        _ => {}
                    }
                }
                if saw_null {
                    Value::Null
                } else {
                    Value::Boolean(!decisive)
                }
            }
            Hof::Aggregate => {
                let mut acc = self.args[1].eval(row)?;
                for x in items.iter() {
                    acc = scope.call(&self.lambdas[0], &[acc, x.clone()])?;
                }
                match self.lambdas.get(1) {
                    Some(finish) => scope.call(finish, &[acc])?,
                    None => acc,
                }
            }
            Hof::ZipWith => {
                let Value::Array(other) = self.args[1].eval(row)? else {
                    return Ok(Value::Null);
                };
                let n = items.len().max(other.len());
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let x = items.get(i).cloned().unwrap_or(Value::Null);
                    let y = other.get(i).cloned().unwrap_or(Value::Null);
                    out.push(scope.call(&self.lambdas[0], &[x, y])?);
                }
                Value::Array(out.into())
            }
            Hof::ArraySort => {
                let mut out = items.to_vec();
                match self.lambdas.first() {
                    // Ascending, NULLs last.
                    None => out.sort_by(|a, b| match (a.is_null(), b.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) => Ordering::Greater,
                        (false, true) => Ordering::Less,
                        (false, false) => a.cmp(b),
                    }),
                    Some(f) => {
                        let mut failed = None;
                        out.sort_by(|a, b| {
                            if failed.is_some() {
                                return Ordering::Equal;
                            }
                            match scope.call(f, &[a.clone(), b.clone()]) {
                                Ok(Value::Int(n)) => n.cmp(&0),
                                Ok(_) => {
                                    failed = Some(comparator_null(a, b));
                                    Ordering::Equal
                                }
                                Err(e) => {
                                    failed = Some(e);
                                    Ordering::Equal
                                }
                            }
                        });
                        if let Some(e) = failed {
                            return Err(e);
                        }
                    }
                }
                Value::Array(out.into())
            }
            // Bound over maps only (`eval_map`); an array never reaches them.
            Hof::MapFilter | Hof::TransformKeys | Hof::TransformValues | Hof::MapZipWith => Value::Null,
            // NULLs first ascending, last descending (they sort lowest).
            Hof::SortArray => {
                let ascending = match self.args.get(1).map(|b| b.eval(row)).transpose()? {
                    Some(Value::Boolean(b)) => b,
                    Some(_) => return Ok(Value::Null),
                    None => true,
                };
                let mut out = items.to_vec();
                out.sort_by(|a, b| match (a.is_null(), b.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Less,
                    (false, true) => Ordering::Greater,
                    (false, false) => a.cmp(b),
                });
                if !ascending {
                    out.reverse();
                }
                Value::Array(out.into())
            }
        })
    }
}

impl HigherOrder {
    fn eval_map(&self, entries: &[(Value, Value)], row: &[Value]) -> Result<Value> {
        let mut scope = Scope::new(row, self.base);
        let f = &self.lambdas[0];
        let mut out = Vec::with_capacity(entries.len());
        match self.hof {
            Hof::MapFilter => {
                for (k, v) in entries {
                    if scope.call(f, &[k.clone(), v.clone()])? == Value::Boolean(true) {
                        out.push((k.clone(), v.clone()));
                    }
                }
            }
            Hof::TransformKeys => {
                for (k, v) in entries {
                    out.push((scope.call(f, &[k.clone(), v.clone()])?, v.clone()));
                }
            }
            Hof::TransformValues => {
                for (k, v) in entries {
                    out.push((k.clone(), scope.call(f, &[k.clone(), v.clone()])?));
                }
            }
            // Every key of either map, the first map's order then the second's new keys.
            _ => {
                let Value::Map(other) = self.args[1].eval(row)? else {
                    return Ok(Value::Null);
                };
                let lookup = |m: &[(Value, Value)], key: &Value| {
                    m.iter().find(|(k, _)| k == key).map_or(Value::Null, |(_, v)| v.clone())
                };
                let keys = entries
                    .iter()
                    .map(|e| &e.0)
                    .chain(other.iter().map(|e| &e.0).filter(|k| !entries.iter().any(|(e, _)| e == *k)));
                for k in keys {
                    let v = scope.call(f, &[k.clone(), lookup(entries, k), lookup(&other, k)])?;
                    out.push((k.clone(), v));
                }
            }
        }
        super::scalar::make_map(out)
    }
}

fn comparator_null(a: &Value, b: &Value) -> SluiceError {
    SluiceError::exec(format!(
        "[COMPARATOR_RETURNS_NULL] The comparator has returned a NULL for a comparison between {} and {}. It should return a positive integer for \"greater than\", 0 for \"equal\" and a negative integer for \"less than\". To revert to deprecated behavior where NULL is treated as 0 (equal), you must set \"spark.sql.legacy.allowNullComparisonResultInArraySort\" to \"true\". SQLSTATE: 22004",
        value_sql(a),
        value_sql(b)
    ))
}

/// Whether a type is or holds a map (a map key may not: Spark's `INVALID_MAP_KEY_TYPE`).
fn holds_map(t: &DataType) -> bool {
    match t {
        DataType::Map(..) => true,
        DataType::Array(e) => holds_map(e),
        DataType::Struct(fields) => fields.iter().any(|f| holds_map(&f.data_type)),
        _ => false,
    }
}
