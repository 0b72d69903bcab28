//! The memory sink: a query's output kept as an in-memory table that `session.sql`
//! and `session.table` can read (Spark's `MemorySink`; for tests and debugging, not
//! fault-tolerant).

use sluice_core::mode::OutputMode;
use sluice_core::sink::Sink;
use sluice_core::{Result, Row, Schema};
use std::sync::{Arc, RwLock};

/// A named in-memory table written by a memory sink and read by queries.
#[derive(Clone, Debug)]
pub struct MemoryTable {
    inner: Arc<RwLock<(Schema, Arc<Vec<Row>>)>>,
}

impl MemoryTable {
    /// An empty table of `schema`.
    pub fn new(schema: Schema) -> Self {
        MemoryTable { inner: Arc::new(RwLock::new((schema, Arc::new(Vec::new())))) }
    }

    /// The table's schema and a snapshot of its rows (cheap: rows are shared until the next write).
    pub fn snapshot(&self) -> (Schema, Arc<Vec<Row>>) {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (guard.0.clone(), guard.1.clone())
    }

    /// Replaces all rows (complete mode).
    pub fn replace(&self, rows: Vec<Row>) {
        self.inner.write().unwrap_or_else(|p| p.into_inner()).1 = Arc::new(rows);
    }

    /// Adds rows at the end (append and update modes).
    pub fn append(&self, rows: Vec<Row>) {
        let mut guard = self.inner.write().unwrap_or_else(|p| p.into_inner());
        Arc::make_mut(&mut guard.1).extend(rows);
    }
}

/// Writes each batch into a `MemoryTable`: complete mode replaces its rows, append adds to them.
pub struct MemorySink {
    table: MemoryTable,
}

impl MemorySink {
    /// A sink writing into `table`.
    pub fn new(table: MemoryTable) -> Self {
        MemorySink { table }
    }
}

impl Sink for MemorySink {
    fn add_batch(
        &mut self,
        _batch_id: u64,
        _schema: &Schema,
        rows: Vec<Row>,
        mode: OutputMode,
    ) -> Result<()> {
        match mode {
            OutputMode::Complete => self.table.replace(rows),
            OutputMode::Append | OutputMode::Update => self.table.append(rows),
        }
        Ok(())
    }

    fn description(&self) -> String {
        "MemorySink".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::{DataType, Value};

    #[test]
    fn complete_replaces_and_append_extends() {
        let table = MemoryTable::new(Schema::default().with("n", DataType::Long));
        let mut sink = MemorySink::new(table.clone());
        let schema = table.snapshot().0;
        sink.add_batch(0, &schema, vec![vec![Value::Long(1)]], OutputMode::Append).unwrap();
        let before = table.snapshot().1;
        sink.add_batch(1, &schema, vec![vec![Value::Long(2)]], OutputMode::Append).unwrap();
        assert_eq!(before.len(), 1, "a snapshot taken earlier does not change");
        assert_eq!(table.snapshot().1.len(), 2);
        sink.add_batch(2, &schema, vec![vec![Value::Long(7)]], OutputMode::Complete).unwrap();
        assert_eq!(*table.snapshot().1, vec![vec![Value::Long(7)]]);
    }
}
