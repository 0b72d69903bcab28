//! Schemas: ordered, named, typed columns, built from a DDL string or a builder.
//! Column lookup is case-insensitive, as in Spark.

use crate::error::{Result, SluiceError};
use crate::types::{DataType, Field};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The columns of a table, a source or a query result.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Schema {
    /// Columns in order.
    pub fields: Vec<Field>,
}

impl Schema {
    /// A schema of the given fields.
    pub fn new(fields: Vec<Field>) -> Self {
        Schema { fields }
    }

    /// Adds a nullable column (builder style).
    pub fn with(mut self, name: impl Into<String>, data_type: DataType) -> Self {
        self.fields.push(Field::new(name, data_type));
        self
    }

    /// Parses a DDL column list such as `"a BIGINT, `b c` STRING NOT NULL"`.
    pub fn parse_ddl(ddl: &str) -> Result<Schema> {
        Field::parse_list(ddl).map(Schema::new)
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True when there are no columns.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Index of a column by case-insensitive name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// Index of a column, or an analysis error listing the columns there are (Spark's message).
    pub fn resolve(&self, name: &str) -> Result<usize> {
        self.index_of(name).ok_or_else(|| {
            let names: Vec<String> = self.fields.iter().map(|f| format!("`{}`", f.name)).collect();
            SluiceError::analysis(format!(
                "[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter with name `{name}` cannot be resolved. Did you mean one of the following? [{}]",
                names.join(", ")
            ))
        })
    }

    /// Column names in order.
    pub fn names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.clone()).collect()
    }

    /// Spark's `printSchema` tree.
    pub fn tree_string(&self) -> String {
        let mut out = String::from("root\n");
        for f in &self.fields {
            out.push_str(&format!(
                " |-- {}: {} (nullable = {})\n",
                f.name,
                f.data_type.sql_name(),
                f.nullable
            ));
        }
        out
    }
}

impl fmt::Display for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cols: Vec<String> =
            self.fields.iter().map(|c| format!("{}: {}", c.name, c.data_type.sql_name())).collect();
        write!(f, "[{}]", cols.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_parses_types_names_and_not_null() {
        let s = Schema::parse_ddl("Arrival_Time BIGINT, `my col` STRING NOT NULL, x DOUBLE, d decimal(10,2)")
            .unwrap();
        assert_eq!(s.names(), vec!["Arrival_Time", "my col", "x", "d"]);
        assert_eq!(s.fields[0].data_type, DataType::Long);
        assert!(!s.fields[1].nullable);
        assert_eq!(s.fields[3].data_type, DataType::Decimal(10, 2));
        assert_eq!(s.index_of("arrival_time"), Some(0));
        assert_eq!(Schema::parse_ddl("d DECIMAL").unwrap().fields[0].data_type, DataType::Decimal(10, 0));
        assert!(Schema::parse_ddl("d DECIMAL(39, 0)").is_err());
        assert!(Schema::parse_ddl("d DECIMAL(5, 6)").is_err());
    }

    #[test]
    fn ddl_rejects_unknown_type_naming_column() {
        let err = Schema::parse_ddl("a BIGINT, b WIBBLE").unwrap_err().to_string();
        assert!(err.contains("WIBBLE") && err.contains("`b`"), "{err}");
    }
}
