//! Data types, values and rows: the typed cells every operator moves.
//!
//! `Value` has a total order and a hash that agree with Spark's grouping semantics
//! (`-0.0 == 0.0`, all NaNs equal), so rows can be keys of differential arrangements.

use crate::decimal::Decimal;
use crate::error::{Result, SluiceError};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// `PartialEq`, `Eq`, `PartialOrd`, `Ord` and `Hash` of an interval value by its `field`
/// alone: the type's fields it prints with take no part in comparing or grouping.
macro_rules! compared_by {
    ($t:ty, $field:ident) => {
        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.$field == other.$field
            }
        }
        impl Eq for $t {}
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $t {
            fn cmp(&self, other: &Self) -> Ordering {
                self.$field.cmp(&other.$field)
            }
        }
        impl Hash for $t {
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.$field.hash(state)
            }
        }
    };
}

/// A column type, as Spark SQL names them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DataType {
    /// The type of an untyped `NULL` literal.
    Null,
    /// `BOOLEAN`.
    Boolean,
    /// `INT` (32-bit).
    Int,
    /// `BIGINT` (64-bit).
    Long,
    /// `DOUBLE` (also used for `FLOAT`).
    Double,
    /// `STRING`.
    String,
    /// `BINARY`.
    Binary,
    /// `TIMESTAMP`: microseconds since the epoch, UTC.
    Timestamp,
    /// `DATE`: days since the epoch.
    Date,
    /// `STRUCT<...>` with named fields.
    Struct(Vec<Field>),
    /// `ARRAY<element>`.
    Array(Box<DataType>),
    /// `INTERVAL DAY TO SECOND`: a day-time interval in microseconds (`ts - ts`,
    /// `INTERVAL 30 MINUTES`). Year-month intervals are not supported.
    Interval,
    /// `DECIMAL(precision, scale)`: exact, at most 38 digits (`crate::decimal`). Last, so
    /// the serialized forms of the other types stay what checkpoints already hold.
    Decimal(u8, u8),
    /// `TINYINT` (8-bit), held as `Value::Int` in range; after `Decimal` for checkpoints.
    Byte,
    /// `SMALLINT` (16-bit), held as `Value::Int` in range.
    Short,
    /// `MAP<key, value>`: entries in insertion order, keys distinct and not NULL.
    Map(Box<DataType>, Box<DataType>),
    /// `INTERVAL YEAR`, `INTERVAL MONTH` or `INTERVAL YEAR TO MONTH` (its first and last
    /// field), a whole number of months (`Value::YearMonth`).
    YearMonth(YmField, YmField),
    /// `TIME(p)`: a time of day, `p` fraction digits (0..=6; `TIME` is `TIME(6)`), held as
    /// nanoseconds since midnight (`Value::Time`).
    Time(u8),
    /// A day-time interval type other than `INTERVAL DAY TO SECOND` (which is `Interval`):
    /// `INTERVAL SECOND`, `INTERVAL HOUR TO MINUTE`, .. (its first and last field). Its
    /// values are `Value::DayTime` (microseconds, printed with these fields). Build it with
    /// [`DataType::day_time`], which keeps one form per type.
    DayTime(DtField, DtField),
}

/// A field of a day-time interval type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DtField {
    /// `DAY`.
    Day,
    /// `HOUR`.
    Hour,
    /// `MINUTE`.
    Minute,
    /// `SECOND`.
    Second,
}

impl DtField {
    /// Its name in SQL, upper case.
    pub fn sql(self) -> &'static str {
        match self {
            DtField::Day => "DAY",
            DtField::Hour => "HOUR",
            DtField::Minute => "MINUTE",
            DtField::Second => "SECOND",
        }
    }

    /// The field named `name` (any case).
    pub fn parse(name: &str) -> Option<DtField> {
        Some(match name.to_ascii_lowercase().as_str() {
            "day" => DtField::Day,
            "hour" => DtField::Hour,
            "minute" => DtField::Minute,
            "second" => DtField::Second,
            _ => return None,
        })
    }

    /// Microseconds in one unit of the field.
    pub fn micros(self) -> i64 {
        match self {
            DtField::Day => 86_400_000_000,
            DtField::Hour => 3_600_000_000,
            DtField::Minute => 60_000_000,
            DtField::Second => 1_000_000,
        }
    }
}

/// A day-time interval's value of a type other than `INTERVAL DAY TO SECOND`: microseconds
/// and the type's fields it prints with (`INTERVAL '10' SECOND`); equal, ordered and hashed
/// by microseconds alone.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct DayTime {
    /// The interval in microseconds.
    pub micros: i64,
    /// The type's first field.
    pub start: DtField,
    /// The type's last field.
    pub end: DtField,
}

compared_by!(DayTime, micros);

impl DayTime {
    /// The value as Spark casts it to a string: `INTERVAL '-10' SECOND`,
    /// `INTERVAL '00:01:40' HOUR TO SECOND`, `INTERVAL '3' DAY` (Spark's
    /// `toDayTimeIntervalString`: the first field unbounded, the others two digits, the
    /// second with its fraction).
    pub fn sql(&self) -> String {
        crate::time::format_day_time(self.micros, self.start, self.end)
    }
}

/// A field of a year-month interval type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum YmField {
    /// `YEAR`.
    Year,
    /// `MONTH`.
    Month,
}

impl YmField {
    /// Its name in SQL, upper case.
    pub fn sql(self) -> &'static str {
        match self {
            YmField::Year => "YEAR",
            YmField::Month => "MONTH",
        }
    }
}

/// A year-month interval's value: months, and the type's fields it prints with
/// (`INTERVAL '2' YEAR`, `INTERVAL '1-2' YEAR TO MONTH`); equal, ordered and hashed by
/// months alone.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct YearMonth {
    /// The interval in months.
    pub months: i32,
    /// The type's first field.
    pub start: YmField,
    /// The type's last field.
    pub end: YmField,
}

compared_by!(YearMonth, months);

impl YearMonth {
    /// Spark's text of the interval: `INTERVAL '2' YEAR`, `INTERVAL '14' MONTH`,
    /// `INTERVAL '-1-2' YEAR TO MONTH`.
    pub fn sql(&self) -> String {
        let m = i64::from(self.months);
        let sign = if m < 0 { "-" } else { "" };
        match (self.start, self.end) {
            (YmField::Year, YmField::Year) => format!("INTERVAL '{sign}{}' YEAR", m.abs() / 12),
            (YmField::Month, _) => format!("INTERVAL '{m}' MONTH"),
            (YmField::Year, YmField::Month) => {
                format!("INTERVAL '{sign}{}-{}' YEAR TO MONTH", m.abs() / 12, m.abs() % 12)
            }
        }
    }
}

impl DataType {
    /// True for the numeric types (int, bigint, double, decimal).
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            DataType::Byte
                | DataType::Short
                | DataType::Int
                | DataType::Long
                | DataType::Double
                | DataType::Decimal(..)
        )
    }

    /// True for the integral types (tinyint, smallint, int, bigint).
    pub fn is_integral(&self) -> bool {
        matches!(self, DataType::Byte | DataType::Short | DataType::Int | DataType::Long)
    }

    /// The values a `TINYINT` or `SMALLINT` holds (both are `Value::Int`), `None` for other types.
    pub fn narrow_range(&self) -> Option<std::ops::RangeInclusive<i32>> {
        match self {
            DataType::Byte => Some(i32::from(i8::MIN)..=i32::from(i8::MAX)),
            DataType::Short => Some(i32::from(i16::MIN)..=i32::from(i16::MAX)),
            _ => None,
        }
    }

    /// The day-time interval type from field `start` to field `end`: `Interval` for
    /// `DAY TO SECOND`, so each type has one form.
    pub fn day_time(start: DtField, end: DtField) -> DataType {
        match (start, end) {
            (DtField::Day, DtField::Second) => DataType::Interval,
            _ => DataType::DayTime(start, end),
        }
    }

    /// The fields of a day-time interval type (`Interval` is `DAY TO SECOND`).
    pub fn day_time_fields(&self) -> Option<(DtField, DtField)> {
        match self {
            DataType::Interval => Some((DtField::Day, DtField::Second)),
            DataType::DayTime(a, b) => Some((*a, *b)),
            _ => None,
        }
    }

    /// The decimal type that holds every value of an exact numeric type exactly, as Spark
    /// widens integers beside a decimal: `int` is `decimal(10,0)`, `bigint` `decimal(20,0)`.
    pub fn as_decimal(&self) -> Option<(u8, u8)> {
        match self {
            DataType::Byte => Some((3, 0)),
            DataType::Short => Some((5, 0)),
            DataType::Int => Some((10, 0)),
            DataType::Long => Some((20, 0)),
            DataType::Decimal(p, s) => Some((*p, *s)),
            _ => None,
        }
    }

    /// Spark's SQL name of the type (`bigint`, `string`, ...), used in errors and `printSchema`.
    pub fn sql_name(&self) -> String {
        match self {
            DataType::Null => "void".into(),
            DataType::Boolean => "boolean".into(),
            DataType::Byte => "tinyint".into(),
            DataType::Short => "smallint".into(),
            DataType::Int => "int".into(),
            DataType::Long => "bigint".into(),
            DataType::Double => "double".into(),
            DataType::Decimal(p, s) => format!("decimal({p},{s})"),
            DataType::String => "string".into(),
            DataType::Binary => "binary".into(),
            DataType::Timestamp => "timestamp".into(),
            DataType::Date => "date".into(),
            DataType::Struct(fields) => {
                let inner: Vec<String> =
                    fields.iter().map(|f| format!("{}:{}", f.name, f.data_type.sql_name())).collect();
                format!("struct<{}>", inner.join(","))
            }
            DataType::Array(element) => format!("array<{}>", element.sql_name()),
            DataType::Map(k, v) => format!("map<{},{}>", k.sql_name(), v.sql_name()),
            DataType::Interval => "interval day to second".into(),
            DataType::YearMonth(a, b) if a == b => format!("interval {}", a.sql().to_ascii_lowercase()),
            DataType::YearMonth(..) => "interval year to month".into(),
            DataType::Time(p) => format!("time({p})"),
            DataType::DayTime(a, b) if a == b => format!("interval {}", a.sql().to_ascii_lowercase()),
            DataType::DayTime(a, b) => {
                format!("interval {} to {}", a.sql().to_ascii_lowercase(), b.sql().to_ascii_lowercase())
            }
        }
    }

    /// Parses a type name as written in DDL or `CAST(.. AS type)` (case-insensitive).
    pub fn parse(name: &str) -> Option<DataType> {
        let trimmed = name.trim();
        if let Some(inner) = generic_argument(trimmed, "array") {
            return Some(DataType::Array(Box::new(DataType::parse(inner)?)));
        }
        if let Some(inner) = generic_argument(trimmed, "map") {
            let parts = split_top_level(inner);
            let [k, v] = parts.as_slice() else { return None };
            return Some(DataType::Map(Box::new(DataType::parse(k)?), Box::new(DataType::parse(v)?)));
        }
        if let Some(inner) = generic_argument(trimmed, "struct") {
            let fields = Field::parse_list(inner).ok()?;
            return Some(DataType::Struct(fields));
        }
        let lower = trimmed.to_ascii_lowercase();
        let base = lower.split('(').next().unwrap_or("").trim();
        if matches!(base, "decimal" | "dec" | "numeric") {
            return decimal_type(&lower[base.len()..]);
        }
        let ym = match base.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["interval", "year"] => Some((YmField::Year, YmField::Year)),
            ["interval", "month"] => Some((YmField::Month, YmField::Month)),
            ["interval", "year", "to", "month"] => Some((YmField::Year, YmField::Month)),
            _ => None,
        };
        if let Some((a, b)) = ym {
            return Some(DataType::YearMonth(a, b));
        }
        let dt = match base.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["interval", f] => DtField::parse(f).map(|f| (f, f)),
            ["interval", a, "to", b] => DtField::parse(a).zip(DtField::parse(b)).filter(|(a, b)| a < b),
            _ => None,
        };
        if let Some((a, b)) = dt {
            return Some(DataType::day_time(a, b));
        }
        if base == "time" {
            return time_type(&lower[base.len()..]);
        }
        Some(match base {
            "boolean" | "bool" => DataType::Boolean,
            "tinyint" | "byte" => DataType::Byte,
            "smallint" | "short" => DataType::Short,
            "int" | "integer" => DataType::Int,
            "bigint" | "long" => DataType::Long,
            "double" | "float" | "real" => DataType::Double,
            "string" | "varchar" | "char" | "text" => DataType::String,
            "binary" => DataType::Binary,
            "timestamp" | "timestamp_ltz" | "timestamp_ntz" => DataType::Timestamp,
            "date" => DataType::Date,
            "void" | "null" => DataType::Null,
            // Every day-time interval type (`interval`, `interval day to second`, `interval minute`).
            b if b.starts_with("interval") && !b.contains("year") && !b.contains("month") => {
                DataType::Interval
            }
            _ => return None,
        })
    }
}

/// `DECIMAL`, `DECIMAL(p)` or `DECIMAL(p, s)` from the text after the name: Spark's
/// default is `decimal(10,0)`; precision 1..=38 and scale 0..=precision.
fn decimal_type(args: &str) -> Option<DataType> {
    let args = args.trim();
    if args.is_empty() {
        return Some(DataType::Decimal(10, 0));
    }
    let inner = args.strip_prefix('(')?.strip_suffix(')')?;
    let mut parts = inner.split(',').map(|p| p.trim().parse::<u8>());
    let precision = parts.next()?.ok()?;
    let scale = match parts.next() {
        Some(s) => s.ok()?,
        None => 0,
    };
    if parts.next().is_some()
        || !(1..=crate::decimal::MAX_PRECISION).contains(&precision)
        || scale > precision
    {
        return None;
    }
    Some(DataType::Decimal(precision, scale))
}

/// `TIME` or `TIME(p)` from the text after the name: Spark's default precision is 6, and
/// 0..=6 are valid.
fn time_type(args: &str) -> Option<DataType> {
    let args = args.trim();
    if args.is_empty() {
        return Some(DataType::Time(crate::time::TIME_DEFAULT_PRECISION));
    }
    let p: u8 = args.strip_prefix('(')?.strip_suffix(')')?.trim().parse().ok()?;
    (p <= crate::time::TIME_DEFAULT_PRECISION).then_some(DataType::Time(p))
}

/// `inner` of `name<inner>` (case-insensitive name), as in `array<string>`.
fn generic_argument<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let head = text.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    text[name.len()..].trim_start().strip_prefix('<')?.strip_suffix('>')
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql_name())
    }
}

/// A named, typed column of a schema.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Field {
    /// Column name, with the case the user gave it.
    pub name: String,
    /// Column type.
    pub data_type: DataType,
    /// Whether the column may hold nulls.
    pub nullable: bool,
}

impl Field {
    /// A nullable field.
    pub fn new(name: impl Into<String>, data_type: DataType) -> Self {
        Field { name: name.into(), data_type, nullable: true }
    }

    /// Parses a DDL column list such as `"a BIGINT, `b c` STRING NOT NULL"` (a schema's
    /// DDL, or the inside of `struct<...>`).
    pub fn parse_list(ddl: &str) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        for part in split_top_level(ddl) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (name, rest) = if let Some(stripped) = part.strip_prefix('`') {
                let end = stripped.find('`').ok_or_else(|| {
                    SluiceError::Parse(format!("unclosed backtick in column definition `{part}`"))
                })?;
                (stripped[..end].to_string(), stripped[end + 1..].trim())
            } else {
                let mut it = part.splitn(2, |c: char| c.is_whitespace() || c == ':');
                let name = it.next().unwrap_or_default().to_string();
                (name, it.next().unwrap_or("").trim())
            };
            let rest = rest.strip_prefix(':').unwrap_or(rest).trim();
            let upper = rest.to_ascii_uppercase();
            let (type_text, nullable) = match upper.find("NOT NULL") {
                Some(i) => (&rest[..i], false),
                None => (rest, true),
            };
            let data_type = DataType::parse(type_text).ok_or_else(|| {
                SluiceError::Parse(format!(
                    "unknown type `{}` for column `{name}` in schema \"{ddl}\"",
                    type_text.trim()
                ))
            })?;
            fields.push(Field { name, data_type, nullable });
        }
        if fields.is_empty() {
            return Err(SluiceError::Parse(format!("empty schema \"{ddl}\"")));
        }
        Ok(fields)
    }
}

/// A `f64` wrapper with Spark's grouping semantics: a total order where NaN equals NaN
/// (and sorts above every number) and `-0.0` equals `0.0`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct OrderedF64(pub f64);

impl OrderedF64 {
    fn canonical(self) -> f64 {
        if self.0.is_nan() {
            f64::NAN
        } else if self.0 == 0.0 {
            0.0
        } else {
            self.0
        }
    }
}

impl PartialEq for OrderedF64 {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for OrderedF64 {}
impl PartialOrd for OrderedF64 {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for OrderedF64 {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.canonical(), other.canonical());
        match (a.is_nan(), b.is_nan()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => a.partial_cmp(&b).expect("non-NaN floats compare"),
        }
    }
}
impl Hash for OrderedF64 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.canonical().to_bits().hash(state)
    }
}

/// One cell of a row.
///
/// Strings and binaries are reference-counted so rows clone cheaply as they fan out
/// through the dataflow.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub enum Value {
    /// SQL `NULL` (sorts first).
    #[default]
    Null,
    /// `BOOLEAN`.
    Boolean(bool),
    /// `INT`.
    Int(i32),
    /// `BIGINT`.
    Long(i64),
    /// `DOUBLE`.
    Double(OrderedF64),
    /// `STRING`.
    String(Arc<str>),
    /// `BINARY`.
    Binary(Arc<[u8]>),
    /// `TIMESTAMP` in microseconds since the epoch (UTC).
    Timestamp(i64),
    /// `DATE` in days since the epoch.
    Date(i32),
    /// `STRUCT` values, in field order.
    Struct(Arc<[Value]>),
    /// `ARRAY` values, in order.
    Array(Arc<[Value]>),
    /// `INTERVAL DAY TO SECOND` in microseconds (may be negative).
    Interval(i64),
    /// `DECIMAL`: exact; its column's type gives the precision. Last, as in `DataType`.
    Decimal(Decimal),
    /// `MAP` entries `(key, value)` in order; keys distinct and not NULL.
    Map(Arc<[(Value, Value)]>),
    /// A year-month interval (`INTERVAL '1-2' YEAR TO MONTH`), in months.
    YearMonth(YearMonth),
    /// `TIME`: nanoseconds since midnight, `0..86_400 * 10^9`.
    Time(i64),
    /// A day-time interval of a type other than `INTERVAL DAY TO SECOND` (`Interval`).
    DayTime(DayTime),
}

impl Value {
    /// The value with every map's entries (in it, or in its arrays and structs) sorted by
    /// key: how Spark compares maps where it groups by them (two maps with the same
    /// entries are one group whatever their order). Other values pass as they are.
    pub fn with_sorted_maps(self) -> Value {
        match self {
            Value::Map(entries) => {
                let mut sorted: Vec<(Value, Value)> = entries
                    .iter()
                    .map(|(k, v)| (k.clone().with_sorted_maps(), v.clone().with_sorted_maps()))
                    .collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Map(sorted.into())
            }
            Value::Array(items) if items.iter().any(Value::holds_map) => {
                Value::Array(items.iter().map(|v| v.clone().with_sorted_maps()).collect())
            }
            Value::Struct(fields) if fields.iter().any(Value::holds_map) => {
                Value::Struct(fields.iter().map(|v| v.clone().with_sorted_maps()).collect())
            }
            other => other,
        }
    }

    /// True if a map is in this value.
    fn holds_map(&self) -> bool {
        match self {
            Value::Map(_) => true,
            Value::Array(items) | Value::Struct(items) => items.iter().any(Value::holds_map),
            _ => false,
        }
    }

    /// This value as a column of `TINYINT` or `SMALLINT` type `t`: an int in `t`'s range,
    /// `None` when out of it. Values of other types pass as they are.
    pub fn into_narrow(self, t: &DataType) -> Option<Value> {
        match (t.narrow_range(), &self) {
            (Some(range), Value::Int(n)) if !range.contains(n) => None,
            _ => Some(self),
        }
    }

    /// A double value.
    pub fn double(v: f64) -> Value {
        Value::Double(OrderedF64(v))
    }
    /// A string value.
    pub fn string(s: &str) -> Value {
        Value::String(Arc::from(s))
    }
    /// True for `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
    /// The value's type (`Null` for `NULL`).
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Null,
            Value::Boolean(_) => DataType::Boolean,
            Value::Int(_) => DataType::Int,
            Value::Long(_) => DataType::Long,
            Value::Double(_) => DataType::Double,
            Value::Decimal(d) => DataType::Decimal(d.precision(), d.scale),
            Value::String(_) => DataType::String,
            Value::Binary(_) => DataType::Binary,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Date(_) => DataType::Date,
            Value::Struct(_) => DataType::Struct(Vec::new()),
            Value::Array(items) => DataType::Array(Box::new(
                items.iter().find(|v| !v.is_null()).map_or(DataType::Null, Value::data_type),
            )),
            Value::Interval(_) => DataType::Interval,
            Value::YearMonth(ym) => DataType::YearMonth(ym.start, ym.end),
            Value::Time(_) => DataType::Time(crate::time::TIME_DEFAULT_PRECISION),
            Value::DayTime(dt) => DataType::DayTime(dt.start, dt.end),
            Value::Map(entries) => {
                let first = |f: fn(&(Value, Value)) -> &Value| {
                    entries.iter().map(f).find(|v| !v.is_null()).map_or(DataType::Null, Value::data_type)
                };
                DataType::Map(Box::new(first(|e| &e.0)), Box::new(first(|e| &e.1)))
            }
        }
    }
    /// A day-time interval of `micros` typed from field `start` to field `end`
    /// (`Value::Interval` for `DAY TO SECOND`).
    pub fn day_time(micros: i64, start: DtField, end: DtField) -> Value {
        match (start, end) {
            (DtField::Day, DtField::Second) => Value::Interval(micros),
            _ => Value::DayTime(DayTime { micros, start, end }),
        }
    }

    /// The microseconds of a day-time interval value, whatever its fields.
    pub fn interval_micros(&self) -> Option<i64> {
        match self {
            Value::Interval(n) => Some(*n),
            Value::DayTime(dt) => Some(dt.micros),
            _ => None,
        }
    }

    /// The value as an `f64`, for numeric values.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Long(v) => Some(*v as f64),
            Value::Double(v) => Some(v.0),
            Value::Decimal(d) => Some(d.to_f64()),
            _ => None,
        }
    }
    /// The value as an `i64`, for integral values.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v as i64),
            Value::Long(v) => Some(*v),
            _ => None,
        }
    }
    /// The value as a `&str`, for strings.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
    /// The value as a bool, for booleans.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }
}

/// Splits on commas that are not inside parentheses, angle brackets or backticks.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut in_tick, mut start) = (0i32, false, 0usize);
    for (i, c) in s.char_indices() {
        match c {
            '`' => in_tick = !in_tick,
            '(' | '<' if !in_tick => depth += 1,
            ')' | '>' if !in_tick => depth -= 1,
            ',' if !in_tick && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// A row: one value per column of its schema, in order.
pub type Row = Vec<Value>;
