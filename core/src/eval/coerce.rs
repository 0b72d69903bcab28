//! Type coercion as Spark's ANSI rules: the wider numeric type, the common type of
//! comparison operands and CASE branches, which casts are allowed, and implicit casts.

use super::*;

pub(super) fn wider_numeric(a: &DataType, b: &DataType) -> DataType {
    use DataType::*;
    match (a, b) {
        (Double, _) | (_, Double) => Double,
        // A decimal meets an integer as the decimal that holds both (`int` is decimal(10,0)).
        (Decimal(..), _) | (_, Decimal(..)) => match (a.as_decimal(), b.as_decimal()) {
            (Some(x), Some(y)) => {
                let (p, s) = crate::decimal::wider(x, y);
                Decimal(p, s)
            }
            _ => Double,
        },
        (Long, _) | (_, Long) => Long,
        (Int, _) | (_, Int) => Int,
        (Short, _) | (_, Short) => Short,
        (Byte, _) | (_, Byte) => Byte,
        _ => Int,
    }
}

/// The common type two operands of a comparison (or branches of a CASE) are cast to.
pub(super) fn common_type(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match (a, b) {
        _ if a == b => a.clone(),
        (Null, t) | (t, Null) => t.clone(),
        _ if a.is_numeric() && b.is_numeric() => wider_numeric(a, b),
        // ANSI: a string meets another type by being cast to that type.
        (String, t) | (t, String) if t.is_numeric() || matches!(t, Boolean | Timestamp | Date | Binary) => {
            t.clone()
        }
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        (YearMonth(s1, e1), YearMonth(s2, e2)) => YearMonth(*s1.min(s2), *e1.max(e2)),
        (Time(p1), Time(p2)) => Time(*p1.max(p2)),
        (Interval | DayTime(..), Interval | DayTime(..)) => widest_day_time(a, b),
        (Array(x), Array(y)) => Array(Box::new(common_type(x, y)?)),
        (Map(k1, v1), Map(k2, v2)) => Map(Box::new(common_type(k1, k2)?), Box::new(common_type(v1, v2)?)),
        _ => return None,
    })
}

/// The type two columns meet in when rows of both make one column (UNION inputs, inline
/// table rows), as Spark's `findWiderTypeForTwo`: numbers widen (`int` and `decimal(4,1)`
/// are `decimal(11,1)`), a NULL column takes the other's type, a date meets a timestamp.
pub fn wider_type(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    Some(match (a, b) {
        _ if a == b => a.clone(),
        (Null, t) | (t, Null) => t.clone(),
        _ if a.is_numeric() && b.is_numeric() => wider_numeric(a, b),
        (Date, Timestamp) | (Timestamp, Date) => Timestamp,
        (YearMonth(s1, e1), YearMonth(s2, e2)) => YearMonth(*s1.min(s2), *e1.max(e2)),
        (Time(p1), Time(p2)) => Time(*p1.max(p2)),
        (Interval | DayTime(..), Interval | DayTime(..)) => widest_day_time(a, b),
        (Array(x), Array(y)) => Array(Box::new(wider_type(x, y)?)),
        (Map(k1, v1), Map(k2, v2)) => Map(Box::new(wider_type(k1, k2)?), Box::new(wider_type(v1, v2)?)),
        _ => return None,
    })
}

/// The day-time interval type with the widest fields of two (Spark's `DayTimeIntervalType`
/// widening: the smaller start field, the larger end field).
fn widest_day_time(a: &DataType, b: &DataType) -> DataType {
    match (a.day_time_fields(), b.day_time_fields()) {
        (Some((s1, e1)), Some((s2, e2))) => DataType::day_time(s1.min(s2), e1.max(e2)),
        _ => DataType::Interval,
    }
}

impl BoundExpr {
    /// Column `index` of the input, of type `data_type`.
    pub fn column(index: usize, data_type: DataType) -> BoundExpr {
        node(Kind::Column(index), data_type)
    }

    /// This expression cast to `to` (an ANSI cast; a literal is folded).
    pub fn cast_to(self, to: &DataType) -> BoundExpr {
        coerce(self, to)
    }
}

/// Whether two struct types have the same fields' types in order, names aside.
pub(super) fn same_shape(a: &DataType, b: &DataType) -> bool {
    match (a, b) {
        (DataType::Struct(fa), DataType::Struct(fb)) => {
            fa.len() == fb.len()
                && fa
                    .iter()
                    .zip(fb)
                    .all(|(x, y)| x.data_type == y.data_type || same_shape(&x.data_type, &y.data_type))
        }
        _ => false,
    }
}

/// The common type of many expressions (CASE branches, IN lists, coalesce arguments).
pub(super) fn common_of<'b>(types: impl Iterator<Item = &'b DataType>) -> Option<DataType> {
    let mut acc = DataType::Null;
    for t in types {
        acc = common_type(&acc, t)?;
    }
    Some(acc)
}

/// Casts a bound expression to `to`, folding literals when the cast succeeds.
pub(super) fn coerce(e: BoundExpr, to: &DataType) -> BoundExpr {
    if &e.data_type == to || matches!(to, DataType::Null) {
        return e;
    }
    if let Kind::Literal(v) = &e.kind {
        if let Ok(folded) = cast_value_in(v, to, session_zone()) {
            return node(Kind::Literal(folded), to.clone());
        }
    }
    node(Kind::Cast { expr: Box::new(e), to: to.clone(), ansi: true, zone: session_zone() }, to.clone())
}

pub(super) fn can_cast(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    match (from, to) {
        _ if from == to => true,
        (Null, _) | (_, String) => true,
        (String, _) => !matches!(to, Struct(_)),
        (Interval | DayTime(..), Interval | DayTime(..)) => true,
        (Interval | DayTime(..), t) | (t, Interval | DayTime(..)) => {
            t.is_integral() || matches!(t, Decimal(..))
        }
        (Time(_), Time(_)) => true,
        (Time(_), t) => t.is_integral() || matches!(t, Decimal(..) | Timestamp),
        (_, Time(_)) => false,
        (YearMonth(..), YearMonth(..)) => true,
        (YearMonth(..), t) => t.is_integral() || matches!(t, Decimal(..)),
        (t, YearMonth(..)) => t.is_integral() || matches!(t, Decimal(..)),
        (Boolean, t) | (t, Boolean) => t.is_numeric(),
        (Binary, _) | (_, Binary) => false,
        (Date, Timestamp) | (Timestamp, Date) => true,
        (Date, _) | (_, Date) => false,
        (Struct(a), Struct(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| can_cast(&x.data_type, &y.data_type))
        }
        (Struct(_), _) | (_, Struct(_)) => false,
        // Numeric <-> numeric, and numeric <-> timestamp as seconds since the epoch.
        _ => true,
    }
}

pub(super) fn string_arg(e: BoundExpr) -> BoundExpr {
    coerce(e, &DataType::String)
}
