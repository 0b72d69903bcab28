//! Spark's error classes for expression errors: `[ARITHMETIC_OVERFLOW]`, `[DIVIDE_BY_ZERO]`,
//! `[CAST_INVALID_INPUT]`, `[CAST_OVERFLOW]`, `[DATATYPE_MISMATCH]`, with types and values
//! spelled as Spark's messages spell them.

use super::*;

pub(super) fn overflow(what: &str, try_fn: &str) -> SluiceError {
    SluiceError::exec(format!(
        "[ARITHMETIC_OVERFLOW] {what} overflow. Use 'try_{try_fn}' to tolerate overflow and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22003"
    ))
}

pub(super) fn divide_by_zero() -> SluiceError {
    SluiceError::exec(
        "[DIVIDE_BY_ZERO] Division by zero. Use `try_divide` to tolerate divisor being 0 and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22012",
    )
}

pub(super) fn remainder_by_zero() -> SluiceError {
    SluiceError::exec(
        "[REMAINDER_BY_ZERO] Remainder by zero. Use `try_mod` to tolerate divisor being 0 and return NULL instead. If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error. SQLSTATE: 22012",
    )
}

pub(super) fn type_sql(t: &DataType) -> String {
    match t {
        DataType::Struct(fields) => {
            let inner: Vec<String> =
                fields.iter().map(|f| format!("{}: {}", f.name, type_sql(&f.data_type))).collect();
            format!("STRUCT<{}>", inner.join(", "))
        }
        other => other.sql_name().to_ascii_uppercase(),
    }
}

pub(super) fn value_sql(v: &Value) -> String {
    match v {
        Value::String(s) => format!("'{s}'"),
        Value::Long(n) => format!("{n}L"),
        Value::Decimal(d) => format!("{d}BD"),
        other => display_value(other),
    }
}

pub(super) fn invalid_input(v: &Value, from: &DataType, to: &DataType) -> SluiceError {
    SluiceError::exec(format!(
        "[CAST_INVALID_INPUT] The value {} of the type \"{}\" cannot be cast to \"{}\" because it is malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to tolerate malformed input and return NULL instead. SQLSTATE: 22018",
        value_sql(v),
        type_sql(from),
        type_sql(to)
    ))
}

pub(super) fn cast_overflow(v: &Value, from: &DataType, to: &DataType) -> SluiceError {
    SluiceError::exec(format!(
        "[CAST_OVERFLOW] The value {} of the type \"{}\" cannot be cast to \"{}\" due to an overflow. Use `try_cast` to tolerate overflow and return NULL instead. SQLSTATE: 22003",
        value_sql(v),
        type_sql(from),
        type_sql(to)
    ))
}

/// Spark's ANSI error for a decimal that needs more digits than its type has.
pub(super) fn decimal_out_of_range(value: &str, precision: u8, scale: u8) -> SluiceError {
    SluiceError::exec(format!(
        "[NUMERIC_VALUE_OUT_OF_RANGE.WITH_SUGGESTION] {value} cannot be represented as Decimal({precision}, {scale}). If necessary set \"spark.sql.ansi.enabled\" to \"false\" to bypass this error, and return NULL instead. SQLSTATE: 22003"
    ))
}

/// Spark's `[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES]`: a binary operator's operands have
/// types that meet in none.
pub(super) fn binary_op_diff_types(e: &Expr, left: &DataType, right: &DataType) -> SluiceError {
    SluiceError::analysis(format!(
        "[DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: the left and right operands of the binary operator have incompatible types (\"{}\" and \"{}\").",
        e.output_name(),
        type_sql(left),
        type_sql(right)
    ))
}

pub(super) fn mismatch(e: &Expr, why: String) -> SluiceError {
    SluiceError::analysis(format!(
        "[DATATYPE_MISMATCH] Cannot resolve \"{}\" due to data type mismatch: {why}.",
        e.output_name()
    ))
}
