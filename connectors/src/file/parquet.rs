//! Parquet files through the `parquet` crate's record API (no arrow): the schema of a
//! file as Sluice's, reading a whole file's rows (projected), and writing rows as one
//! uncompressed file with all columns optional.
//!
//! A parquet file is never split by byte ranges: the reader of the split starting at the
//! file's first byte reads the whole file, every other split of it reads nothing.

use super::config::FileSourceConfig;
use super::listing::list_all;
use parquet::basic::{ConvertedType, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::record::Field as PqField;
use parquet::schema::types::Type;
use sluice_core::{DataType, Field, Result, Row, Schema, SluiceError, Value};
use std::path::Path;
use std::sync::Arc;

fn pq_err(path: &Path, e: impl std::fmt::Display) -> SluiceError {
    SluiceError::exec(format!("parquet file {}: {e}", path.display()))
}

fn open(path: &Path) -> Result<SerializedFileReader<std::fs::File>> {
    let file = std::fs::File::open(path).map_err(|e| SluiceError::io(path, e))?;
    SerializedFileReader::new(file).map_err(|e| pq_err(path, e))
}

/// The Sluice type of one top-level parquet column, or why it has none.
fn sluice_type(t: &Type) -> std::result::Result<DataType, String> {
    if !t.is_primitive() {
        return Err("nested (group) columns are not supported".into());
    }
    let info = t.get_basic_info();
    if info.repetition() == Repetition::REPEATED {
        return Err("repeated columns are not supported".into());
    }
    let logical = info.logical_type_ref();
    let converted = info.converted_type();
    if matches!(logical, Some(LogicalType::Decimal(_))) || converted == ConvertedType::DECIMAL {
        return Err("DECIMAL columns are not supported".into());
    }
    Ok(match t.get_physical_type() {
        PhysicalType::BOOLEAN => DataType::Boolean,
        PhysicalType::INT32 => match (logical, converted) {
            (Some(LogicalType::Date), _) | (_, ConvertedType::DATE) => DataType::Date,
            (Some(LogicalType::Integer(i)), _) if !i.is_signed && i.bit_width == 32 => DataType::Long,
            (_, ConvertedType::UINT_32) => DataType::Long,
            (Some(LogicalType::Integer(i)), _) if i.is_signed && i.bit_width == 8 => DataType::Byte,
            (Some(LogicalType::Integer(i)), _) if i.is_signed && i.bit_width == 16 => DataType::Short,
            (_, ConvertedType::INT_8) => DataType::Byte,
            (_, ConvertedType::INT_16) => DataType::Short,
            (Some(LogicalType::Time(_)), _) | (_, ConvertedType::TIME_MILLIS) => {
                return Err("TIME columns are not supported".into())
            }
            _ => DataType::Int,
        },
        PhysicalType::INT64 => match (logical, converted) {
            (Some(LogicalType::Timestamp(ts)), _) if !matches!(ts.unit, TimeUnit::NANOS) => {
                DataType::Timestamp
            }
            (_, ConvertedType::TIMESTAMP_MICROS | ConvertedType::TIMESTAMP_MILLIS) => DataType::Timestamp,
            (Some(LogicalType::Time(_)), _) | (_, ConvertedType::TIME_MICROS) => {
                return Err("TIME columns are not supported".into())
            }
            _ => DataType::Long,
        },
        PhysicalType::INT96 => DataType::Timestamp,
        PhysicalType::FLOAT | PhysicalType::DOUBLE => DataType::Double,
        PhysicalType::BYTE_ARRAY => match (logical, converted) {
            (Some(LogicalType::String | LogicalType::Enum | LogicalType::Json), _)
            | (_, ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON) => DataType::String,
            _ => DataType::Binary,
        },
        PhysicalType::FIXED_LEN_BYTE_ARRAY => DataType::Binary,
    })
}

/// The schema of one parquet file, its top-level columns in file order.
pub(crate) fn file_schema(path: &Path) -> Result<Schema> {
    let reader = open(path)?;
    let root = reader.metadata().file_metadata().schema_descr().root_schema();
    let mut fields = Vec::new();
    for t in root.get_fields() {
        let data_type = sluice_type(t).map_err(|why| {
            SluiceError::analysis(format!("Parquet column `{}` of {}: {why}", t.name(), path.display()))
        })?;
        fields.push(Field::new(t.name(), data_type));
    }
    Ok(Schema::new(fields))
}

/// The schema of the first of `cfg`'s files (by name), as Spark does without `mergeSchema`;
/// `None` when there is no file.
pub(crate) fn infer_schema(cfg: &FileSourceConfig) -> Result<Option<Schema>> {
    let files = match list_all(cfg) {
        Ok(files) => files,
        Err(SluiceError::Io { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    match files.iter().find(|f| f.size > 0) {
        Some(f) => file_schema(&f.path).map(Some),
        None => Ok(None),
    }
}

/// Converts one record value to the column's Sluice type.
fn convert(field: &PqField, to: &DataType) -> Option<Value> {
    use PqField as F;
    let int = |f: &PqField| -> Option<i64> {
        Some(match f {
            F::Byte(v) => *v as i64,
            F::Short(v) => *v as i64,
            F::Int(v) => *v as i64,
            F::Long(v) => *v,
            F::UByte(v) => *v as i64,
            F::UShort(v) => *v as i64,
            F::UInt(v) => *v as i64,
            F::ULong(v) => i64::try_from(*v).ok()?,
            _ => return None,
        })
    };
    Some(match (field, to) {
        (F::Null, _) => Value::Null,
        (F::Bool(b), DataType::Boolean) => Value::Boolean(*b),
        (f, DataType::Int | DataType::Short | DataType::Byte) => {
            Value::Int(i32::try_from(int(f)?).ok()?).into_narrow(to)?
        }
        (f, DataType::Long) => match f {
            F::TimestampMicros(v) => Value::Long(*v),
            F::TimestampMillis(v) => Value::Long(*v),
            f => Value::Long(int(f)?),
        },
        (F::Float(v), DataType::Double) => Value::double(*v as f64),
        (F::Double(v), DataType::Double) => Value::double(*v),
        (f, DataType::Double) => Value::double(int(f)? as f64),
        (F::Str(s), DataType::String) => Value::String(Arc::from(s.as_str())),
        (F::Bytes(b), DataType::String) => {
            Value::String(Arc::from(String::from_utf8_lossy(b.data()).as_ref()))
        }
        (F::Bytes(b), DataType::Binary) => Value::Binary(Arc::from(b.data())),
        (F::Str(s), DataType::Binary) => Value::Binary(Arc::from(s.as_bytes())),
        (F::TimestampMicros(v), DataType::Timestamp) => Value::Timestamp(*v),
        (F::TimestampMillis(v), DataType::Timestamp) => Value::Timestamp(v.checked_mul(1000)?),
        (F::Long(v), DataType::Timestamp) => Value::Timestamp(*v),
        (F::Date(d), DataType::Date) => Value::Date(*d),
        (F::Int(d), DataType::Date) => Value::Date(*d),
        _ => return None,
    })
}

/// What a parquet read produces: per output slot, the column name and its type.
#[derive(Clone, Debug)]
pub(crate) struct ParquetLayout {
    pub slots: Vec<(String, DataType)>,
}

/// Reads every row of the file at `path`, emitting the layout's columns (null for columns
/// the file lacks); returns the rows emitted.
pub(crate) fn read_file(path: &Path, layout: &ParquetLayout, emit: &mut dyn FnMut(Row)) -> Result<u64> {
    let reader = open(path)?;
    let root = reader.metadata().file_metadata().schema_descr().root_schema();
    let find = |name: &str| {
        root.get_fields()
            .iter()
            .position(|t| t.name() == name)
            .or_else(|| root.get_fields().iter().position(|t| t.name().eq_ignore_ascii_case(name)))
    };
    // Slot -> index among the projected file columns (kept in file order).
    let wanted: Vec<Option<usize>> = layout.slots.iter().map(|(n, _)| find(n)).collect();
    let mut file_cols: Vec<usize> = wanted.iter().flatten().copied().collect();
    file_cols.sort_unstable();
    file_cols.dedup();
    let width = layout.slots.len();
    if file_cols.is_empty() {
        let n = reader.metadata().file_metadata().num_rows().max(0) as u64;
        for _ in 0..n {
            emit(vec![Value::Null; width]);
        }
        return Ok(n);
    }
    let slot_pos: Vec<Option<usize>> =
        wanted.iter().map(|w| w.and_then(|c| file_cols.iter().position(|&f| f == c))).collect();
    let projection = Type::group_type_builder(root.name())
        .with_fields(file_cols.iter().map(|&c| root.get_fields()[c].clone()).collect())
        .build()
        .map_err(|e| pq_err(path, e))?;
    let mut n = 0;
    for record in reader.get_row_iter(Some(projection)).map_err(|e| pq_err(path, e))? {
        let record = record.map_err(|e| pq_err(path, e))?;
        let columns: Vec<&PqField> = record.get_column_iter().map(|(_, f)| f).collect();
        let mut row = vec![Value::Null; width];
        for (slot, pos) in slot_pos.iter().enumerate() {
            if let Some(p) = pos {
                let (name, to) = &layout.slots[slot];
                row[slot] = convert(columns[*p], to).ok_or_else(|| {
                    SluiceError::exec(format!(
                        "parquet file {}: column `{name}` value {} cannot be read as {}",
                        path.display(),
                        columns[*p],
                        to.sql_name()
                    ))
                })?;
            }
        }
        n += 1;
        emit(row);
    }
    Ok(n)
}

/// Parquet's logical type of a signed integer of `bits` bits.
fn signed(bits: i8) -> LogicalType {
    LogicalType::Integer(parquet::basic::IntType { bit_width: bits, is_signed: true })
}

/// The parquet type of a Sluice column (always OPTIONAL).
fn parquet_type(f: &Field) -> Result<Type> {
    let (physical, logical) = match &f.data_type {
        DataType::Boolean => (PhysicalType::BOOLEAN, None),
        DataType::Int => (PhysicalType::INT32, None),
        DataType::Short => (PhysicalType::INT32, Some(signed(16))),
        DataType::Byte => (PhysicalType::INT32, Some(signed(8))),
        DataType::Long => (PhysicalType::INT64, None),
        DataType::Double => (PhysicalType::DOUBLE, None),
        DataType::String => (PhysicalType::BYTE_ARRAY, Some(LogicalType::String)),
        DataType::Binary => (PhysicalType::BYTE_ARRAY, None),
        DataType::Timestamp => (PhysicalType::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS))),
        DataType::Date => (PhysicalType::INT32, Some(LogicalType::Date)),
        other => {
            return Err(SluiceError::analysis(format!(
                "Parquet data source does not support {} data type (column `{}`).",
                other.sql_name(),
                f.name
            )))
        }
    };
    Type::primitive_type_builder(&f.name, physical)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(logical)
        .build()
        .map_err(|e| SluiceError::exec(format!("parquet schema for column `{}`: {e}", f.name)))
}

/// Checks that every column of `fields` can be written as parquet.
pub fn check_writable(fields: &[Field]) -> Result<()> {
    fields.iter().try_for_each(|f| parquet_type(f).map(|_| ()))
}

fn write_column<T: parquet::data_type::DataType>(
    col: &mut SerializedColumnWriter<'_>,
    rows: &[&Row],
    c: usize,
    get: impl Fn(&Value) -> Option<T::T>,
) -> parquet::errors::Result<()> {
    let mut values = Vec::with_capacity(rows.len());
    let mut defs = Vec::with_capacity(rows.len());
    for row in rows {
        match get(&row[c]) {
            Some(v) => {
                values.push(v);
                defs.push(1);
            }
            None => defs.push(0),
        }
    }
    col.typed::<T>().write_batch(&values, Some(&defs), None)?;
    Ok(())
}

/// How the parquet sink compresses its column chunks (Spark's `compression` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ParquetCompression {
    /// Spark's default.
    #[default]
    Snappy,
    /// `none` or `uncompressed`.
    Uncompressed,
}

impl ParquetCompression {
    /// Spark's `compression` values this build supports (`none` and `uncompressed` are
    /// the same).
    pub fn parse(value: &str) -> Result<ParquetCompression> {
        match value.to_ascii_lowercase().as_str() {
            "snappy" => Ok(ParquetCompression::Snappy),
            "none" | "uncompressed" => Ok(ParquetCompression::Uncompressed),
            other => Err(SluiceError::option(
                "compression",
                format!("codec [{other}] is not available for parquet; available codecs are snappy, none, uncompressed"),
            )),
        }
    }
}

/// One parquet file (one row group) holding `columns` of `rows`.
pub fn write_rows(
    schema: &Schema,
    columns: &[usize],
    rows: &[&Row],
    compression: ParquetCompression,
) -> Result<Vec<u8>> {
    let fields: Vec<Arc<Type>> =
        columns.iter().map(|&i| parquet_type(&schema.fields[i]).map(Arc::new)).collect::<Result<_>>()?;
    let err = |e: parquet::errors::ParquetError| SluiceError::exec(format!("parquet write: {e}"));
    let root = Type::group_type_builder("spark_schema").with_fields(fields).build().map_err(err)?;
    let codec = match compression {
        ParquetCompression::Snappy => parquet::basic::Compression::SNAPPY,
        ParquetCompression::Uncompressed => parquet::basic::Compression::UNCOMPRESSED,
    };
    let props =
        Arc::new(WriterProperties::builder().set_created_by("sluice".into()).set_compression(codec).build());
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, Arc::new(root), props).map_err(err)?;
    let mut group = writer.next_row_group().map_err(err)?;
    let mut k = 0;
    while let Some(mut col) = group.next_column().map_err(err)? {
        let c = columns[k];
        k += 1;
        match schema.fields[c].data_type {
            DataType::Boolean => write_column::<BoolType>(&mut col, rows, c, |v| match v {
                Value::Boolean(b) => Some(*b),
                _ => None,
            }),
            DataType::Byte | DataType::Short | DataType::Int => {
                write_column::<Int32Type>(&mut col, rows, c, |v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
            }
            DataType::Date => write_column::<Int32Type>(&mut col, rows, c, |v| match v {
                Value::Date(d) => Some(*d),
                _ => None,
            }),
            DataType::Long => write_column::<Int64Type>(&mut col, rows, c, |v| match v {
                Value::Long(i) => Some(*i),
                Value::Int(i) => Some(*i as i64),
                _ => None,
            }),
            DataType::Timestamp => write_column::<Int64Type>(&mut col, rows, c, |v| match v {
                Value::Timestamp(t) => Some(*t),
                _ => None,
            }),
            DataType::Double => write_column::<DoubleType>(&mut col, rows, c, |v| match v {
                Value::Double(d) => Some(d.0),
                Value::Long(i) => Some(*i as f64),
                Value::Int(i) => Some(*i as f64),
                _ => None,
            }),
            _ => write_column::<ByteArrayType>(&mut col, rows, c, |v| match v {
                Value::String(s) => Some(ByteArray::from(s.as_bytes().to_vec())),
                Value::Binary(b) => Some(ByteArray::from(b.to_vec())),
                _ => None,
            }),
        }
        .map_err(err)?;
        col.close().map_err(err)?;
    }
    group.close().map_err(err)?;
    writer.close().map_err(err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_with_nulls() {
        let schema = Schema::parse_ddl(
            "a BIGINT, b INT, c DOUBLE, d STRING, e BOOLEAN, f TIMESTAMP, g DATE, h BINARY",
        )
        .unwrap();
        let full: Row = vec![
            Value::Long(1),
            Value::Int(2),
            Value::double(3.5),
            Value::string("x"),
            Value::Boolean(true),
            Value::Timestamp(1_700_000_000_123_456),
            Value::Date(19_000),
            Value::Binary(Arc::from(&b"\x00\xff"[..])),
        ];
        let empty: Row = vec![Value::Null; 8];
        let bytes =
            write_rows(&schema, &(0..8).collect::<Vec<_>>(), &[&full, &empty], ParquetCompression::Snappy)
                .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.parquet");
        std::fs::write(&path, bytes).unwrap();
        let read_schema = file_schema(&path).unwrap();
        assert_eq!(read_schema, schema.clone());
        let layout = ParquetLayout {
            slots: schema.fields.iter().rev().map(|f| (f.name.clone(), f.data_type.clone())).collect(),
        };
        let mut rows = Vec::new();
        assert_eq!(read_file(&path, &layout, &mut |r| rows.push(r)).unwrap(), 2);
        let rev: Row = full.iter().rev().cloned().collect();
        assert_eq!(rows, vec![rev, empty]);
    }
}
