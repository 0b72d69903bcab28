//! Expressions bound to a schema and evaluated on rows, with Spark 4 semantics (ANSI mode on).
//!
//! `Expr::bind` resolves column names to indices, works out every node's type, inserts the
//! implicit casts Spark's type coercion would, and compiles LIKE/RLIKE patterns, all once.
//! The resulting `BoundExpr` then evaluates rows without name lookups. `Expr::output_name`
//! gives the column name Spark generates for an unaliased expression.

use crate::decimal::{Decimal, DecimalOp};
use crate::error::{Result, SluiceError};
use crate::expr::{AggFunc, BinaryOp, Expr};
use crate::schema::Schema;
use crate::time::{session_zone, DateTimePattern, Zone, MICROS_PER_DAY, MICROS_PER_SECOND};
use crate::types::{DataType, Field, Value};
use regex::Regex;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::Arc;

/// An expression resolved against a schema, ready to evaluate rows of that schema.
#[derive(Clone, Debug)]
pub struct BoundExpr {
    kind: Kind,
    data_type: DataType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    IntDiv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    EqNullSafe,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

/// A LIKE or RLIKE pattern: compiled once when it is a literal, per row otherwise.
#[derive(Clone, Debug)]
enum Pattern {
    Compiled(Arc<Regex>),
    Dynamic(Box<BoundExpr>),
}

#[derive(Clone, Debug)]
enum Kind {
    Column(usize),
    Field(Box<BoundExpr>, usize),
    Literal(Value),
    /// Operands already cast to the operation's type.
    Arith(Arith, Box<BoundExpr>, Box<BoundExpr>),
    /// Operands already cast to a common type.
    Cmp(Cmp, Box<BoundExpr>, Box<BoundExpr>),
    And(Box<BoundExpr>, Box<BoundExpr>),
    Or(Box<BoundExpr>, Box<BoundExpr>),
    Not(Box<BoundExpr>),
    Negate(Box<BoundExpr>),
    IsNull(Box<BoundExpr>),
    IsNotNull(Box<BoundExpr>),
    Like {
        expr: Box<BoundExpr>,
        pattern: Pattern,
        negated: bool,
        case_insensitive: bool,
    },
    RLike {
        expr: Box<BoundExpr>,
        pattern: Pattern,
        negated: bool,
    },
    InList {
        expr: Box<BoundExpr>,
        list: Vec<BoundExpr>,
        negated: bool,
    },
    Case {
        branches: Vec<(BoundExpr, BoundExpr)>,
        else_expr: Option<Box<BoundExpr>>,
    },
    Cast {
        expr: Box<BoundExpr>,
        to: DataType,
        ansi: bool,
        /// The session zone for casts between timestamps and strings or dates.
        zone: Zone,
    },
    /// `try_add(a, b)` and friends: an `Arith` or `Temporal` node whose own error is NULL
    /// (errors of its operands still fail, as Spark's TRY eval mode).
    Try(Box<BoundExpr>),
    /// A scalar function of the registry, its typed arguments and what it precomputed.
    Func(&'static ScalarFunction, Vec<BoundExpr>, State),
    /// `struct(..)` / `named_struct(..)`: the node's type names the fields.
    MakeStruct(Vec<BoundExpr>),
    /// `to_json(struct or array)`, with its options' time formats and zone.
    ToJson(Box<BoundExpr>, Arc<crate::time::TimeFormats>),
    /// `from_json(string, schema)`: the node's type is the schema's struct.
    FromJson(Box<BoundExpr>, Arc<crate::time::TimeFormats>),
    /// Timestamp, date and interval arithmetic; operands already cast to what `op` expects.
    Temporal(Temporal, Box<BoundExpr>, Box<BoundExpr>),
    /// A date-time function (`hour`, `date_format`, `to_timestamp`, tumbling `window`, ...).
    Time(TimeFunc, Vec<BoundExpr>, Zone),
    /// A sliding or session window, typed for `Expr::data_type` but only computable by the
    /// planner's GROUP BY expansion.
    GroupingOnly(&'static str),
    /// Stands for an aggregate call when only its type is wanted (`Expr::data_type`).
    Aggregate(String),
    /// A higher-order function over arrays and its lambdas (`transform(xs, x -> x + 1)`).
    HigherOrder(Box<lambda::HigherOrder>),
}

struct Binder<'a> {
    schema: &'a Schema,
    allow_aggregates: bool,
}

fn node(kind: Kind, data_type: DataType) -> BoundExpr {
    BoundExpr { kind, data_type }
}
mod aggregate;
mod bind;
mod cast;
mod coerce;
mod datetime;
mod errors;
mod json;
mod lambda;
mod like;
mod naming;
mod refs;
mod row;
mod scalar;
mod temporal;
#[cfg(test)]
mod tests;
mod timestamp_units;
mod window;

// Each concept's module sees the others' items through `use super::*`.
use self::coerce::*;
use self::datetime::*;
use self::errors::*;
use self::like::*;
use self::row::*;
pub(crate) use self::scalar::hex_bytes;
use self::scalar::{eval_call, Call, ScalarFunction, State};
use self::temporal::*;

pub use self::cast::{cast_value, cast_value_in, try_cast_value};
pub use self::coerce::wider_type;
pub use self::datetime::{system_micros, with_query_instant};
pub use self::window::{
    event_time_of, session_window_spec, window_spec, window_struct_type, SessionWindowSpec, WindowSpec,
};
pub use crate::format::{display_value, display_value_in};
