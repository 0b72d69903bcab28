//! Struct-building and JSON functions: `struct`, `named_struct`, `to_json`, `from_json`.

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
                json_options(name, args.get(1))?;
                node(Kind::ToJson(Box::new(b), session_zone()), DataType::String)
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
                json_options(name, args.get(2))?;
                let b = string_arg(self.bind(&args[0])?);
                node(Kind::FromJson(Box::new(b), session_zone()), DataType::Struct(schema.fields))
            }
            _ => return Ok(None),
        }))
    }
}

/// Checks the options argument of `from_json` / `to_json`: Spark's `map('key', 'value', ..)`
/// of string literals. Sluice reads JSON with Spark's default options only, so an option
/// other than the default `mode` PERMISSIVE is refused rather than ignored (ignoring
/// `timestampFormat` gave NULL or differently formatted timestamps without an error).
fn json_options(function: &str, options: Option<&Expr>) -> Result<()> {
    let Some(options) = options else { return Ok(()) };
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
    for pair in args.chunks(2) {
        let (Expr::Literal(Value::String(key)), Some(Expr::Literal(Value::String(value)))) =
            (&pair[0], pair.get(1))
        else {
            return Err(SluiceError::analysis(format!(
                "[INVALID_OPTIONS.NON_STRING_TYPE] A type of keys and values in `map()` must be string, in `{function}`."
            )));
        };
        if !(key.eq_ignore_ascii_case("mode") && value.eq_ignore_ascii_case("PERMISSIVE")) {
            return Err(SluiceError::analysis(format!(
                "[UNSUPPORTED_FEATURE] The {function} option `{key}` = '{value}' is not supported yet: Sluice reads and writes JSON here with Spark's default options only."
            )));
        }
    }
    Ok(())
}
