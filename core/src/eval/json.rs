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
                if !matches!(b.data_type, DataType::Struct(_) | DataType::Array(_) | DataType::Null) {
                    return Err(mismatch(
                        e,
                        format!(
                            "the input of to_json must be a struct or an array, not \"{}\"",
                            type_sql(&b.data_type)
                        ),
                    ));
                }
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
                let b = string_arg(self.bind(&args[0])?);
                node(Kind::FromJson(Box::new(b), session_zone()), DataType::Struct(schema.fields))
            }
            _ => return Ok(None),
        }))
    }
}
