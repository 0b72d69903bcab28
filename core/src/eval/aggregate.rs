//! Aggregate calls when an expression is only typed (`Expr::data_type`): the result type
//! Spark gives `count`, `sum`, `avg`, `min`, ...; aggregates are computed by the planner.

use super::*;

impl Binder<'_> {
    pub(super) fn aggregate(
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
            [_, _] if agg == AggFunc::ApproxCountDistinct => DataType::Long,
            [x, y] if agg.is_two_column() => {
                let binder = Binder { schema: self.schema, allow_aggregates: false };
                for (i, a) in [x, y].into_iter().enumerate() {
                    let t = binder.bind(a)?.data_type;
                    // A string is cast to a double, as Spark's implicit cast does.
                    if !(t.is_numeric() || matches!(t, DataType::Null | DataType::String)) {
                        return Err(SluiceError::analysis(format!(
                            "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] Cannot resolve \"{}\" due to data type mismatch: The {} parameter requires the \"DOUBLE\" type, however \"{}\" has the type \"{}\".",
                            e.output_name(),
                            if i == 0 { "first" } else { "second" },
                            a.output_name(),
                            type_sql(&t)
                        )));
                    }
                }
                DataType::Double
            }
            [a, _] | [a, _, _] if agg.has_parameter() => {
                Binder { schema: self.schema, allow_aggregates: false }.bind(a)?.data_type
            }
            _ => {
                return Err(SluiceError::analysis(format!(
                    "[WRONG_NUM_ARGS.WITHOUT_SUGGESTION] The `{name}` requires 1 parameters but the actual number is {}.",
                    args.len()
                )))
            }
        };
        if let [a] = args {
            AggFunc::check_boolean_input(name, e, a, &input)?;
        }
        let input = if AggFunc::is_boolean_aggregate(name) && input == DataType::String {
            DataType::Boolean
        } else {
            input
        };
        let numeric_only = agg.numeric_only();
        if numeric_only && !(input.is_numeric() || matches!(input, DataType::Null | DataType::String)) {
            return Err(mismatch(
                e,
                format!("the argument requires a numeric type, however it has type \"{}\"", type_sql(&input)),
            ));
        }
        let t = agg.result_type(&input);
        // The percentiles of an array of percentages are an array.
        let t = match args.get(1) {
            Some(Expr::Function { name, .. }) if agg.has_parameter() && name == "array" => {
                DataType::Array(Box::new(t))
            }
            _ => t,
        };
        Ok(node(Kind::Aggregate(name.to_string()), t))
    }
}
