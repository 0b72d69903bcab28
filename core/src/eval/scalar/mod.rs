//! The scalar-function registry: every scalar function is one [`ScalarFunction`] entry —
//! its name and aliases, its arity, how it types its arguments and its result, and how it
//! evaluates — in the table of its concept's module (`string`, `regexp`, `math`,
//! `conditional`, `date`, `collection`), as DataFusion's `ScalarUDFImpl` keeps a function in one place. Binding
//! looks a call up by name here; adding a function is adding one entry.

use super::*;
use std::collections::HashMap;
use std::sync::OnceLock;

mod collection;
mod conditional;
mod date;
mod encoding;
mod format_string;
mod json_text;
mod map;
mod math;
mod number_format;
mod random;
mod regexp;
mod string;

pub(crate) use date::{field_within, make_date};
pub(crate) use encoding::hex_bytes;
pub(crate) use map::make_map;

/// The registry: each module's table of functions.
const TABLES: &[&[ScalarFunction]] = &[
    string::FUNCTIONS,
    regexp::FUNCTIONS,
    math::FUNCTIONS,
    conditional::FUNCTIONS,
    date::FUNCTIONS,
    collection::FUNCTIONS,
    encoding::FUNCTIONS,
    json_text::FUNCTIONS,
    map::FUNCTIONS,
    random::FUNCTIONS,
    number_format::FUNCTIONS,
];

/// One scalar function, whole.
pub(crate) struct ScalarFunction {
    /// The lower-case name Spark knows it by.
    pub name: &'static str,
    /// Other names of the same function (`ucase` for `upper`).
    pub aliases: &'static [&'static str],
    /// Least and most arguments (`usize::MAX` for any number).
    pub arity: (usize, usize),
    /// Types a call (Spark's `inputTypes`, implicit casts and `dataType`): casts the bound
    /// arguments to what `eval` expects and gives the result type, or Spark's
    /// `[DATATYPE_MISMATCH]`; may compile a literal argument once.
    pub signature: fn(&Call<'_>, Vec<BoundExpr>) -> Result<Signature>,
    /// Evaluates a call on one row.
    pub eval: Eval,
}

impl std::fmt::Debug for ScalarFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// A typed call: the arguments as `eval` receives them, the result type, and what the call
/// precomputed.
pub(crate) struct Signature {
    pub args: Vec<BoundExpr>,
    pub data_type: DataType,
    pub state: State,
}

impl Signature {
    /// A call that precomputes nothing.
    pub fn new(args: Vec<BoundExpr>, data_type: DataType) -> Result<Signature> {
        Ok(Signature { args, data_type, state: State::None })
    }
}

/// What a call computed once when it was bound.
#[derive(Clone, Debug)]
pub(crate) enum State {
    /// Nothing.
    None,
    /// A regular expression from a literal pattern argument.
    Regex(Arc<Regex>),
    /// The call's result type, for functions whose values depend on it (a decimal's scale).
    Type(DataType),
    /// A constant argument read once (`to_binary`'s format).
    Text(Arc<str>),
    /// The session zone when the call was bound (`months_between` reads local times).
    Zone(Zone),
    /// `rand`'s generator, drawn from by every row.
    Random(Arc<std::sync::Mutex<random::XorShift>>),
}

/// How a function evaluates.
#[derive(Clone, Copy)]
pub(crate) enum Eval {
    /// NULL when any argument is NULL (Spark's default null intolerance); otherwise the
    /// function of the argument values.
    Strict(fn(&[Value], &State) -> Result<Value>),
    /// The function sees its arguments unevaluated, for functions that skip or tolerate
    /// NULLs or evaluate only some arguments (`coalesce`, `if`, `concat_ws`).
    Lazy(fn(&[BoundExpr], &[Value], &State) -> Result<Value>),
}

/// The registered function called `name` (lower case), by name or alias.
pub(crate) fn lookup(name: &str) -> Option<&'static ScalarFunction> {
    static BY_NAME: OnceLock<HashMap<&'static str, &'static ScalarFunction>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| {
            let mut map = HashMap::new();
            for f in TABLES.iter().flat_map(|t| t.iter()) {
                for name in std::iter::once(&f.name).chain(f.aliases) {
                    let previous = map.insert(*name, f);
                    assert!(previous.is_none(), "scalar function `{name}` is registered twice");
                }
            }
            map
        })
        .get(name)
        .copied()
}

/// Evaluates a call of `f` on one row.
pub(crate) fn eval_call(
    f: &ScalarFunction,
    args: &[BoundExpr],
    state: &State,
    row: &[Value],
) -> Result<Value> {
    match f.eval {
        Eval::Lazy(eval) => eval(args, row, state),
        Eval::Strict(eval) => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                let v = a.eval(row)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                vals.push(v);
            }
            eval(&vals, state)
        }
    }
}

/// A call being typed: the expression (for messages) and the argument typing rules
/// functions share.
pub(crate) struct Call<'a> {
    /// The whole call, as errors name it.
    pub expr: &'a Expr,
    /// The name it was called by.
    pub name: &'a str,
}

impl Call<'_> {
    /// A `[DATATYPE_MISMATCH]` analysis error about this call.
    pub fn mismatch(&self, why: String) -> SluiceError {
        mismatch(self.expr, why)
    }

    /// A numeric argument as is; NULL and strings become doubles (ANSI implicit cast).
    pub fn numeric(&self, b: BoundExpr, what: &str) -> Result<BoundExpr> {
        match &b.data_type {
            t if t.is_numeric() => Ok(b),
            DataType::Null | DataType::String => Ok(coerce(b, &DataType::Double)),
            t => Err(self.mismatch(format!(
                "the {what} argument requires a numeric type, however it has type \"{}\"",
                type_sql(t)
            ))),
        }
    }

    /// Every argument as a double.
    pub fn doubles(&self, bound: Vec<BoundExpr>) -> Result<Vec<BoundExpr>> {
        bound.into_iter().map(|b| self.numeric(b, "").map(|b| coerce(b, &DataType::Double))).collect()
    }

    /// An integer argument (int; bigint, strings and NULL are cast to int).
    pub fn int(&self, b: BoundExpr) -> Result<BoundExpr> {
        match &b.data_type {
            DataType::Byte
            | DataType::Short
            | DataType::Int
            | DataType::Long
            | DataType::Null
            | DataType::String => Ok(coerce(b, &DataType::Int)),
            t => Err(self.mismatch(format!(
                "an integer argument is required, however it has type \"{}\"",
                type_sql(t)
            ))),
        }
    }

    /// The arguments cast to their common type, which is returned too.
    pub fn common(&self, bound: Vec<BoundExpr>) -> Result<(Vec<BoundExpr>, DataType)> {
        let t = common_of(bound.iter().map(|b| &b.data_type)).ok_or_else(|| {
            // Spark's `[DATATYPE_MISMATCH.DATA_DIFF_TYPES]`, naming the distinct types.
            let mut types: Vec<String> = Vec::new();
            for b in &bound {
                let t = format!("\"{}\"", type_sql(&b.data_type));
                if !types.contains(&t) {
                    types.push(t);
                }
            }
            SluiceError::analysis(format!(
                "[DATATYPE_MISMATCH.DATA_DIFF_TYPES] Cannot resolve \"{}\" due to data type mismatch: Input to `{}` should all be the same type, but it's ({}).",
                self.expr.sql_name(),
                self.name,
                types.join(" or ")
            ))
        })?;
        Ok((bound.into_iter().map(|b| coerce(b, &t)).collect(), t))
    }
}

/// Every argument as a string, and the result type `t`.
pub(crate) fn strings_to(bound: Vec<BoundExpr>, t: DataType) -> Result<Signature> {
    Signature::new(bound.into_iter().map(string_arg).collect(), t)
}

/// A string function of one string and then integers (`substring(s, pos, len)`).
pub(crate) fn string_then_ints(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    let mut it = bound.into_iter();
    let s = string_arg(it.next().expect("arity checked"));
    let rest = it.map(|b| call.int(b)).collect::<Result<Vec<_>>>()?;
    Signature::new(std::iter::once(s).chain(rest).collect(), DataType::String)
}

/// Every argument as a double, and a double result.
pub(crate) fn doubles_to_double(call: &Call<'_>, bound: Vec<BoundExpr>) -> Result<Signature> {
    Signature::new(call.doubles(bound)?, DataType::Double)
}

/// The text of a string argument value (strict functions see no NULLs).
pub(crate) fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// A double argument value.
pub(crate) fn double(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// An integer argument value.
pub(crate) fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// A string result.
pub(crate) fn string(s: String) -> Value {
    Value::String(s.into())
}
