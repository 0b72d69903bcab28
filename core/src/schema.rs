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
        Ok(Schema { fields })
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
        assert_eq!(s.fields[3].data_type, DataType::Double);
        assert_eq!(s.index_of("arrival_time"), Some(0));
    }

    #[test]
    fn ddl_rejects_unknown_type_naming_column() {
        let err = Schema::parse_ddl("a BIGINT, b WIBBLE").unwrap_err().to_string();
        assert!(err.contains("WIBBLE") && err.contains("`b`"), "{err}");
    }
}
