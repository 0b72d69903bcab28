//! Struct-building and JSON functions: `struct`, `named_struct`, `to_json`, `from_json`,
//! `schema_of_json`.

use super::*;

impl Binder<'_> {
    /// `struct`, `named_struct`, `to_json` and `from_json`.
    pub(super) fn json_function(
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
                if !matches!(
                    b.data_type,
                    DataType::Struct(_) | DataType::Array(_) | DataType::Map(..) | DataType::Null
                ) {
                    return Err(mismatch(
                        e,
                        format!(
                            "the input of to_json must be a struct, an array or a map, not \"{}\"",
                            type_sql(&b.data_type)
                        ),
                    ));
                }
                let formats = json_options(name, args.get(1))?;
                node(Kind::ToJson(Box::new(b), formats), DataType::String)
            }
            "from_json" => {
                arity(2, 3)?;
                // The schema: a string literal, or what a foldable `schema_of_json(..)` gives.
                let folded = match &args[1] {
                    Expr::Function { name, .. } if name == "schema_of_json" => {
                        match self.bind(&args[1])?.literal_value() {
                            Some(v @ Value::String(_)) => Some(Expr::Literal(v.clone())),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let schema = match folded.as_ref().unwrap_or(&args[1]) {
                    Expr::Literal(Value::String(ddl)) => match crate::schema::Schema::parse_ddl(ddl) {
                        Ok(schema) => DataType::Struct(schema.fields),
                        // A struct, or (as Spark allows) an array or a map of any type.
                        Err(_) => match DataType::parse(ddl) {
                            Some(t @ (DataType::Struct(_) | DataType::Array(_) | DataType::Map(..))) => t,
                            _ => {
                                return Err(SluiceError::analysis(format!(
                                    "[INVALID_SCHEMA.PARSE_ERROR] The input schema \"{ddl}\" is not a valid schema string."
                                )))
                            }
                        },
                    },
                    _ => {
                        return Err(SluiceError::analysis(
                            "[INVALID_SCHEMA.NON_STRING_LITERAL] The input schema of from_json must be a string literal (a DDL such as 'a INT, b STRING').",
                        ))
                    }
                };
                let formats = json_options(name, args.get(2))?;
                let b = string_arg(self.bind(&args[0])?);
                node(Kind::FromJson(Box::new(b), formats), schema)
            }
            "schema_of_json" => {
                arity(1, 2)?;
                let b = self.bind(&args[0])?;
                let text = match (&b.data_type, b.literal_value()) {
                    (_, Some(Value::Null)) | (DataType::Null, _) => {
                        return Err(SluiceError::analysis(format!(
                            "[DATATYPE_MISMATCH.UNEXPECTED_NULL] Cannot resolve \"{}\" due to data type mismatch: The `json` must not be null.",
                            e.sql_name()
                        )))
                    }
                    (DataType::String, Some(Value::String(s))) => s.clone(),
                    (DataType::String, _) => {
                        return Err(SluiceError::analysis(format!(
                            "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] Cannot resolve \"{}\" due to data type mismatch: the input `json` should be a foldable \"STRING\" expression; however, got \"{}\".",
                            e.sql_name(),
                            args[0].sql_name()
                        )))
                    }
                    (t, _) => {
                        return Err(SluiceError::analysis(format!(
                            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: The first parameter requires the \"STRING\" type, however \"{}\" has the type \"{}\".",
                            e.sql_name(),
                            args[0].sql_name(),
                            type_sql(t)
                        )))
                    }
                };
                let as_strings = schema_options(args.get(1))?;
                let inferred = match serde_json::from_str::<serde_json::Value>(&text) {
                    Ok(json) => infer_json(&json, as_strings),
                    Err(_) => Inferred::String,
                };
                node(Kind::Literal(Value::string(&inferred.sql())), DataType::String)
            }
            _ => return Ok(None),
        }))
    }
}

/// The options of `schema_of_json`: `primitivesAsString` (every number and boolean a
/// STRING); others are refused as `json_options` refuses them.
fn schema_options(options: Option<&Expr>) -> Result<bool> {
    let Some(Expr::Function { name, args, .. }) = options else {
        return json_options("schema_of_json", options).map(|_| false);
    };
    if name != "map" {
        return json_options("schema_of_json", options).map(|_| false);
    }
    let mut as_strings = false;
    let mut rest = Vec::new();
    for pair in args.chunks(2) {
        match (&pair[0], pair.get(1)) {
            (Expr::Literal(Value::String(k)), Some(Expr::Literal(Value::String(v))))
                if k.eq_ignore_ascii_case("primitivesAsString") =>
            {
                as_strings = v.eq_ignore_ascii_case("true");
            }
            _ => rest.extend(pair.iter().cloned()),
        }
    }
    let rest = Expr::Function { name: "map".into(), args: rest, distinct: false };
    json_options("schema_of_json", Some(&rest))?;
    Ok(as_strings)
}

/// A type Spark's JSON schema inference gives a value (`JsonInferSchema`).
#[derive(Clone, Debug, PartialEq)]
enum Inferred {
    Null,
    Boolean,
    Long,
    Double,
    Decimal(u32, u32),
    String,
    Array(Box<Inferred>),
    /// Fields sorted by name, as Spark sorts them.
    Struct(std::collections::BTreeMap<String, Inferred>),
}

fn infer_json(v: &serde_json::Value, as_strings: bool) -> Inferred {
    use serde_json::Value as J;
    match v {
        J::Null => Inferred::Null,
        J::Bool(_) | J::Number(_) if as_strings => Inferred::String,
        J::Bool(_) => Inferred::Boolean,
        J::Number(n) if n.is_i64() => Inferred::Long,
        // Integers beyond a long are decimals of their digits.
        J::Number(n) if n.is_u64() => Inferred::Decimal(20, 0),
        J::Number(_) => Inferred::Double,
        J::String(_) => Inferred::String,
        J::Array(items) => Inferred::Array(Box::new(
            items.iter().map(|i| infer_json(i, as_strings)).reduce(merge_inferred).unwrap_or(Inferred::Null),
        )),
        J::Object(o) => {
            Inferred::Struct(o.iter().map(|(k, v)| (k.clone(), infer_json(v, as_strings))).collect())
        }
    }
}

/// Spark's `JsonInferSchema.compatibleType`: numbers widen, structs merge field by field,
/// arrays by element, NULL takes the other type, anything else is a STRING.
fn merge_inferred(a: Inferred, b: Inferred) -> Inferred {
    use Inferred as I;
    match (a, b) {
        (a, b) if a == b => a,
        (I::Null, t) | (t, I::Null) => t,
        (I::Long, I::Double) | (I::Double, I::Long) => I::Double,
        (I::Decimal(..), I::Double) | (I::Double, I::Decimal(..)) => I::Double,
        (I::Long, I::Decimal(p, s)) | (I::Decimal(p, s), I::Long) => I::Decimal(p.max(20 + s).min(38), s),
        (I::Decimal(p1, s1), I::Decimal(p2, s2)) => {
            let s = s1.max(s2);
            I::Decimal(((p1 - s1).max(p2 - s2) + s).min(38), s)
        }
        (I::Array(x), I::Array(y)) => I::Array(Box::new(merge_inferred(*x, *y))),
        (I::Struct(mut x), I::Struct(y)) => {
            for (k, t) in y {
                let merged = match x.remove(&k) {
                    Some(old) => merge_inferred(old, t),
                    None => t,
                };
                x.insert(k, merged);
            }
            I::Struct(x)
        }
        _ => I::String,
    }
}

impl Inferred {
    /// The type as Spark's `DataType.sql` writes it (`STRUCT<a: BIGINT, b: ARRAY<STRING>>`);
    /// a type inferred from NULLs alone (or an empty array) is a STRING.
    fn sql(&self) -> String {
        match self {
            Inferred::Null | Inferred::String => "STRING".into(),
            Inferred::Boolean => "BOOLEAN".into(),
            Inferred::Long => "BIGINT".into(),
            Inferred::Double => "DOUBLE".into(),
            Inferred::Decimal(p, s) => format!("DECIMAL({p},{s})"),
            Inferred::Array(t) => format!("ARRAY<{}>", t.sql()),
            Inferred::Struct(fields) => {
                let quoted = |n: &str| {
                    let plain = n.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                    if plain {
                        n.to_string()
                    } else {
                        format!("`{}`", n.replace('`', "``"))
                    }
                };
                let inner: Vec<String> =
                    fields.iter().map(|(k, t)| format!("{}: {}", quoted(k), t.sql())).collect();
                format!("STRUCT<{}>", inner.join(", "))
            }
        }
    }
}

/// The options argument of `from_json` / `to_json`: Spark's `map('key', 'value', ..)` of
/// string literals, read into the time formats (`timestampFormat`, `dateFormat`,
/// `timeFormat`, `timeZone`; the session zone by default). Any other option than those and
/// the default `mode` PERMISSIVE is refused rather than ignored (ignoring one would give
/// differently read or written values without an error).
fn json_options(function: &str, options: Option<&Expr>) -> Result<Arc<crate::time::TimeFormats>> {
    let zone = session_zone();
    let Some(options) = options else { return Ok(Arc::new(crate::time::TimeFormats::in_zone(zone))) };
    let Expr::Function { name, args, .. } = options else {
        return Err(SluiceError::analysis(format!(
            "[INVALID_OPTIONS.NON_MAP_FUNCTION] Must use the `map()` function for options, in `{function}`."
        )));
    };
    if name != "map" {
        return Err(SluiceError::analysis(format!(
            "[INVALID_OPTIONS.NON_MAP_FUNCTION] Must use the `map()` function for options, in `{function}`."
        )));
    }
    let mut read = crate::Options::new();
    for pair in args.chunks(2) {
        let (Expr::Literal(Value::String(key)), Some(Expr::Literal(Value::String(value)))) =
            (&pair[0], pair.get(1))
        else {
            return Err(SluiceError::analysis(format!(
                "[INVALID_OPTIONS.NON_STRING_TYPE] A type of keys and values in `map()` must be string, in `{function}`."
            )));
        };
        // Spark builds the formatters of the date and timestamp patterns first: a pattern
        // Spark refuses fails as in Spark (from_json parses with it, to_json formats).
        let pattern_key = ["dateFormat", "timestampFormat", "timestampNTZFormat"]
            .iter()
            .any(|k| key.eq_ignore_ascii_case(k));
        if pattern_key {
            let compiled = if function == "to_json" {
                crate::time::DateTimePattern::new(value)
            } else {
                crate::time::DateTimePattern::for_parsing(value)
            };
            compiled.map_err(|why| SluiceError::analysis(why.to_string()))?;
        }
        let known = ["timestampFormat", "dateFormat", "timeFormat", "timeZone"];
        if known.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            read.set(key.to_string(), value.to_string());
        } else if !(key.eq_ignore_ascii_case("mode") && value.eq_ignore_ascii_case("PERMISSIVE")) {
            return Err(SluiceError::analysis(format!(
                "[UNSUPPORTED_FEATURE] The {function} option `{key}` = '{value}' is not supported yet: Sluice reads and writes JSON here with Spark's default options but for timestampFormat, dateFormat, timeFormat and timeZone."
            )));
        }
    }
    Ok(Arc::new(if function == "to_json" {
        crate::time::TimeFormats::for_writing(&read, zone)?
    } else {
        crate::time::TimeFormats::from_options(&read, zone)?
    }))
}
