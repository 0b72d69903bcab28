//! Generators: table functions of one row that give it zero or more rows (`explode`,
//! `posexplode`, `inline`, their `_outer` forms, `json_tuple`, `stack`), as Spark's
//! `Generate`. A generator is allowed only as a whole select item (`SELECT id,
//! explode(tags) AS tag`), or in `LATERAL VIEW`; its node appends the generated columns to
//! each of its input's rows, and the projection over it reads them.
//!
//! A generator keeps no state, so it runs on streams as on tables: each input row (or its
//! retraction) becomes its generated rows (or their retractions).

use super::*;

/// The table functions Sluice plans as generators.
pub const GENERATORS: &[&str] = &[
    "explode",
    "explode_outer",
    "posexplode",
    "posexplode_outer",
    "inline",
    "inline_outer",
    "json_tuple",
    "stack",
];

/// Separates the names of a multi-column alias (`posexplode(a) AS (p, v)`) inside the one
/// alias string the parser keeps (`sql::multi_aliases` writes it).
pub const MULTI_ALIAS_SEPARATOR: char = '\u{1f}';

/// What a generator makes of a row.
#[derive(Clone, Debug)]
pub enum GeneratorKind {
    /// `explode(array)` (with the position first for `posexplode`): one row per element;
    /// `explode(map)`: one row per entry, its key and value.
    Explode {
        /// Prepend the element's position (from 0).
        position: bool,
        /// The argument is a map.
        map: bool,
    },
    /// `inline(array<struct>)`: one row per element, its fields as columns.
    Inline,
    /// `json_tuple(json, k1, k2, ..)`: one row, the top-level fields `k1`, `k2`, .. as strings.
    JsonTuple,
    /// `stack(n, v1, ..)`: `n` rows of the values, row-major.
    Stack(usize),
}

/// A generator call, bound over its input's rows.
#[derive(Clone, Debug)]
pub struct GenerateNode {
    /// What it computes.
    pub kind: GeneratorKind,
    /// Its arguments (for `stack` the values only).
    pub args: Vec<BoundExpr>,
    /// One row of NULLs where the generator gives none (`explode_outer`, LATERAL VIEW OUTER).
    pub outer: bool,
    /// How many columns it appends.
    pub width: usize,
}

impl GenerateNode {
    /// The generated columns of `row`: one `Vec` of `width` values per output row.
    pub fn generate(&self, row: &[Value]) -> Result<Vec<Vec<Value>>> {
        let mut out = match &self.kind {
            GeneratorKind::Explode { position, map } => {
                let pos = |i: usize| position.then(|| Value::Int(i as i32));
                match self.args[0].eval(row)? {
                    Value::Array(items) if !map => items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| pos(i).into_iter().chain([v.clone()]).collect())
                        .collect(),
                    Value::Map(entries) => entries
                        .iter()
                        .enumerate()
                        .map(|(i, (k, v))| pos(i).into_iter().chain([k.clone(), v.clone()]).collect())
                        .collect(),
                    _ => Vec::new(),
                }
            }
            GeneratorKind::Inline => match self.args[0].eval(row)? {
                Value::Array(items) => items
                    .iter()
                    .map(|v| match v {
                        Value::Struct(fields) => fields.to_vec(),
                        _ => vec![Value::Null; self.width],
                    })
                    .collect(),
                _ => Vec::new(),
            },
            GeneratorKind::JsonTuple => {
                let json = self.args[0].eval(row)?;
                let parsed = match &json {
                    Value::String(s) => serde_json::from_str::<serde_json::Value>(s).ok(),
                    _ => None,
                };
                let mut values = Vec::with_capacity(self.width);
                for key in &self.args[1..] {
                    let field = match (&parsed, key.eval(row)?) {
                        (Some(serde_json::Value::Object(o)), Value::String(k)) => o.get(&*k),
                        _ => None,
                    };
                    values.push(field.map_or(Value::Null, json_text));
                }
                vec![values]
            }
            GeneratorKind::Stack(n) => {
                let mut rows = Vec::with_capacity(*n);
                for r in 0..*n {
                    let mut values = Vec::with_capacity(self.width);
                    for c in 0..self.width {
                        values.push(match self.args.get(r * self.width + c) {
                            Some(e) => e.eval(row)?,
                            None => Value::Null,
                        });
                    }
                    rows.push(values);
                }
                rows
            }
        };
        if out.is_empty() && self.outer {
            out.push(vec![Value::Null; self.width]);
        }
        Ok(out)
    }
}

/// A JSON value as `json_tuple` and `get_json_object` give it: a string's text, a number's
/// or boolean's literal, an object's or array's compact JSON; JSON `null` is NULL.
pub fn json_text(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::String(s) => Value::string(s),
        other => Value::string(&other.to_string()),
    }
}

/// The generator call an expression is (under an alias), if it is one.
pub fn generator_call(e: &Expr) -> Option<(&str, &[Expr])> {
    match e.unaliased() {
        Expr::Function { name, args, .. } if GENERATORS.contains(&name.as_str()) => Some((name, args)),
        _ => None,
    }
}

/// True if a generator is called anywhere in `e`.
pub fn has_generator(e: &Expr) -> bool {
    let mut found = false;
    e.visit(&mut |n| found |= generator_call(n).is_some() && matches!(n, Expr::Function { .. }));
    found
}

/// Binds generator call `call` (`name(args)`) over `scope`: the node and the columns it
/// appends, named as Spark names them unless `names` are given (an alias).
pub(super) fn bind_generator(
    scope: &Scope,
    call: &Expr,
    names: Option<&[String]>,
    outer: bool,
) -> Result<(GenerateNode, Vec<Field>)> {
    let (name, args) = generator_call(call).expect("a generator call");
    let bind = |e: &Expr| scope.rewrite(e)?.bind(&scope.internal);
    let outer = outer || name.ends_with("_outer");
    let base = name.trim_end_matches("_outer");
    let wrong_args = |expected: &str| {
        SluiceError::analysis(format!(
            "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires {expected} parameters but the actual number is {}.",
            args.len()
        ))
    };
    let unexpected = |arg: &Expr, t: &DataType, wanted: &str| {
        SluiceError::analysis(format!(
            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: The first parameter requires the {wanted} type, however \"{}\" has the type \"{}\".",
            call.unaliased().sql_name(),
            arg.sql_name(),
            t.sql_name().to_ascii_uppercase()
        ))
    };
    let (kind, bound, fields) = match base {
        "explode" | "posexplode" => {
            let [arg] = args else { return Err(wrong_args("1")) };
            let b = bind(arg)?;
            let position = base == "posexplode";
            let mut fields = if position { vec![Field::new("pos", DataType::Int)] } else { Vec::new() };
            let map = match b.data_type() {
                DataType::Array(t) => {
                    fields.push(Field::new("col", (**t).clone()));
                    false
                }
                DataType::Map(k, v) => {
                    fields.push(Field::new("key", (**k).clone()));
                    fields.push(Field::new("value", (**v).clone()));
                    true
                }
                t => return Err(unexpected(arg, t, "(\"ARRAY\" or \"MAP\")")),
            };
            (GeneratorKind::Explode { position, map }, vec![b], fields)
        }
        "inline" => {
            let [arg] = args else { return Err(wrong_args("1")) };
            let b = bind(arg)?;
            let fields = match b.data_type() {
                DataType::Array(t) => match &**t {
                    DataType::Struct(fields) => fields.clone(),
                    _ => return Err(unexpected(arg, b.data_type(), "\"ARRAY<STRUCT>\"")),
                },
                t => return Err(unexpected(arg, t, "\"ARRAY<STRUCT>\"")),
            };
            (GeneratorKind::Inline, vec![b], fields)
        }
        "json_tuple" => {
            if args.len() < 2 {
                return Err(wrong_args("> 1"));
            }
            let mut bound = Vec::with_capacity(args.len());
            for (i, a) in args.iter().enumerate() {
                let b = bind(a)?;
                if !matches!(b.data_type(), DataType::String) {
                    return Err(SluiceError::analysis(format!(
                        "[DATATYPE_MISMATCH.NON_STRING_TYPE] Cannot resolve \"{}\" due to data type mismatch: all arguments of the function `json_tuple` must be string-type (argument {} is \"{}\").",
                        call.unaliased().sql_name(),
                        i + 1,
                        b.data_type().sql_name().to_ascii_uppercase()
                    )));
                }
                bound.push(b);
            }
            let fields = (0..args.len() - 1).map(|i| Field::new(format!("c{i}"), DataType::String)).collect();
            (GeneratorKind::JsonTuple, bound, fields)
        }
        "stack" => stack(scope, call, args, wrong_args)?,
        _ => unreachable!("GENERATORS lists {name}"),
    };
    let fields = match names {
        None => fields,
        Some(names) if names.len() == fields.len() => {
            fields.into_iter().zip(names).map(|(f, n)| Field { name: n.clone(), ..f }).collect()
        }
        Some(names) => {
            return Err(SluiceError::analysis(format!(
                "[UDTF_ALIAS_NUMBER_MISMATCH] The number of aliases supplied in the AS clause does not match the number of columns output by the UDTF. Expected {} aliases, but got {}.",
                fields.len(),
                names.join(", ")
            )))
        }
    };
    let width = fields.len();
    Ok((GenerateNode { kind, args: bound, outer, width }, fields))
}

/// `stack(n, v1, .., vk)`: `n` rows of `ceil(k / n)` columns; a column's values must share
/// one type (NULLs take it), as Spark's `Stack` requires.
fn stack(
    scope: &Scope,
    call: &Expr,
    args: &[Expr],
    wrong_args: impl Fn(&str) -> SluiceError,
) -> Result<(GeneratorKind, Vec<BoundExpr>, Vec<Field>)> {
    if args.len() < 2 {
        return Err(wrong_args("> 1"));
    }
    let bind = |e: &Expr| scope.rewrite(e)?.bind(&scope.internal);
    let rows = match bind(&args[0])?.eval(&[]) {
        Ok(Value::Int(n)) if n > 0 => n as usize,
        _ => {
            return Err(SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{}\" due to data type mismatch: the input `n` should be a foldable positive \"INT\" expression; however, got \"{}\".",
                call.unaliased().sql_name(),
                args[0].sql_name()
            )))
        }
    };
    let values = &args[1..];
    let width = values.len().div_ceil(rows);
    let mut types = vec![DataType::Null; width];
    let mut bound = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let b = bind(v)?;
        let column = &mut types[i % width];
        match (&*column, b.data_type()) {
            (_, DataType::Null) => {}
            (DataType::Null, t) => *column = t.clone(),
            (t, u) if t == u => {}
            (t, u) => {
                let first = values
                    .iter()
                    .skip(i % width)
                    .step_by(width)
                    .find(|e| bind(e).is_ok_and(|b| b.data_type() == t));
                return Err(SluiceError::analysis(format!(
                    "[DATATYPE_MISMATCH.STACK_COLUMN_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: The data type of the column ({}) do not have the same type: \"{}\" (\"{}\") <> \"{}\" (\"{}\").",
                    call.unaliased().sql_name(),
                    i % width,
                    t.sql_name().to_ascii_uppercase(),
                    first.map(|e| e.sql_name()).unwrap_or_default(),
                    u.sql_name().to_ascii_uppercase(),
                    v.sql_name()
                )));
            }
        }
        bound.push(v);
    }
    // NULLs take their column's type.
    let bound = bound
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let t = &types[i % width];
            let b = bind(v)?;
            if matches!(b.data_type(), DataType::Null) && !matches!(t, DataType::Null) {
                bind(&Expr::Cast(Box::new(v.clone()), t.clone()))
            } else {
                Ok(b)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let fields = types.into_iter().enumerate().map(|(i, t)| Field::new(format!("col{i}"), t)).collect();
    Ok((GeneratorKind::Stack(rows), bound, fields))
}

/// The name of generated column `i` inside a plan (never a user's name).
pub(super) fn generated_column(i: usize) -> String {
    format!("\u{1}generated{i}")
}

/// Plans the one generator among a projection's expressions over `child`: the generate
/// node and the expressions with the call replaced by the columns it appends.
pub(super) fn plan_generator(
    child: Node,
    schema: Schema,
    qualifiers: &Qualifiers,
    exprs: &[&Expr],
) -> Result<(Node, Schema, Qualifiers, Vec<Expr>)> {
    let calls: Vec<&&Expr> = exprs.iter().filter(|e| generator_call(e).is_some()).collect();
    if calls.len() > 1 {
        return Err(SluiceError::analysis(format!(
            "[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed per SELECT clause but found {}: {}.",
            calls.len(),
            calls.iter().map(|c| format!("\"{}\"", c.unaliased().sql_name())).collect::<Vec<_>>().join(", ")
        )));
    }
    for e in exprs {
        let nested = match generator_call(e) {
            Some((_, args)) => args.iter().any(has_generator),
            None => has_generator(e),
        };
        if nested {
            return Err(SluiceError::analysis(format!(
                "[UNSUPPORTED_GENERATOR.NESTED_IN_EXPRESSIONS] The generator is not supported: nested in expressions \"{}\".",
                e.unaliased().sql_name()
            )));
        }
    }
    let call = calls[0];
    let names: Option<Vec<String>> = match call {
        Expr::Alias(_, name) => Some(name.split(MULTI_ALIAS_SEPARATOR).map(str::to_string).collect()),
        _ => None,
    };
    let (node, schema, qualifiers, fields) =
        append_generated(child, schema, qualifiers, call, names.as_deref(), false, None, true)?;
    let first = schema.len() - fields.len();
    let mut rewritten = Vec::with_capacity(exprs.len() + fields.len());
    for e in exprs {
        if std::ptr::eq(*e, *call) {
            for (i, f) in fields.iter().enumerate() {
                rewritten.push(Expr::Column(vec![generated_column(first + i)]).alias(&f.name));
            }
        } else {
            rewritten.push((*e).clone());
        }
    }
    Ok((node, schema, qualifiers, rewritten))
}

/// The generate node of `call` over `child`, and its schema: the child's columns, then
/// the generated ones, qualified by `qualifier` when given (LATERAL VIEW's alias). With
/// `internal`, the columns are named `generated_column(i)` (a projection reads them so,
/// whatever else its input holds) and their own names returned.
#[allow(clippy::too_many_arguments)]
pub(super) fn append_generated(
    child: Node,
    schema: Schema,
    qualifiers: &Qualifiers,
    call: &Expr,
    names: Option<&[String]>,
    outer: bool,
    qualifier: Option<&str>,
    internal: bool,
) -> Result<(Node, Schema, Qualifiers, Vec<Field>)> {
    let scope = Scope::new(&schema, qualifiers);
    let (generate, fields) = bind_generator(&scope, call, names, outer)?;
    let mut all = schema.fields.clone();
    let mut qualifiers = qualifiers.clone();
    qualifiers.resize(schema.len(), Vec::new());
    for f in &fields {
        let name = if internal { generated_column(all.len()) } else { f.name.clone() };
        all.push(Field { name, ..f.clone() });
        qualifiers.push(qualifier.map(|q| vec![q.to_string()]).unwrap_or_default());
    }
    let node = Node::Generate { input: Box::new(child), generate: Arc::new(generate) };
    Ok((node, Schema::new(all), qualifiers, fields))
}
