//! The `memory` connector: as a source, rows held in memory (a memory-sink table or a
//! local DataFrame) read in one batch; as a sink, Spark's memory sink, a table named by
//! the query that `session.sql` and `session.table` read.

use super::{MadeSink, SinkProvider, SinkRequest, SourceProvider, SourceRequest};
use crate::source::{tagged, untagged, BatchOffsets, BatchPlan, PlannedBatch, Source, SourceReader};
use serde::{Deserialize, Serialize};
use sluice_connectors::sink::{MemorySink, MemoryTable};
use sluice_core::mode::OutputMode;
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::{Result, Row, SluiceError};
use std::sync::Arc;

pub(super) struct MemoryConnector;

const NAME: &str = "memory";
const TAG: &str = "rows";

/// What the offsets log keeps of a batch: `{"rows":{"read":true}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RowsRecord {
    /// True when this batch read the rows.
    read: bool,
}

impl SourceProvider for MemoryConnector {
    fn describe(&self, _r: &SourceRequest) -> Result<SourceSpec> {
        Err(SluiceError::analysis(
            "Data source memory is read through a memory-sink table (session.table / SQL) or create_dataframe",
        ))
    }

    fn shape(&self, _spec: &SourceSpec) -> String {
        "rows in memory".into()
    }

    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>> {
        let rows = input.spec.rows.clone().unwrap_or_default();
        Ok(Box::new(MemoryStream { rows, done: false }))
    }

    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>> {
        Ok(Box::new(RowsReader { connector: NAME, projection: input.projection.clone() }))
    }
}

impl SinkProvider for MemoryConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        // Update mode appends each batch's updated rows (Spark 4.3 accepts it).
        &[OutputMode::Append, OutputMode::Complete, OutputMode::Update]
    }

    fn create(&self, r: SinkRequest) -> Result<MadeSink> {
        let name = r
            .query_name
            .ok_or_else(|| SluiceError::analysis("queryName must be specified for memory sink"))?;
        let table = MemoryTable::new(r.schema.clone());
        // The table is registered only once the query's name is known to be free: a
        // refused duplicate must not replace the running query's table.
        Ok(MadeSink {
            sink: Box::new(MemorySink::new(table.clone())),
            memory_table: Some((name.to_string(), table)),
        })
    }
}

/// Spark's `MemoryStream`: all its rows in the first batch.
struct MemoryStream {
    rows: Arc<Vec<Row>>,
    done: bool,
}

impl Source for MemoryStream {
    fn description(&self) -> String {
        "MemoryStream".into()
    }

    fn plan_next(&mut self) -> Result<PlannedBatch> {
        let read = !self.done;
        self.done = true;
        let offsets = if read {
            BatchOffsets { end: Some(serde_json::json!(self.rows.len())), ..Default::default() }
        } else {
            BatchOffsets::default()
        };
        Ok(PlannedBatch { recorded: tagged(TAG, &RowsRecord { read }), offsets })
    }

    fn plan_partitions(&mut self, recorded: &serde_json::Value, _workers: usize) -> Result<BatchPlan> {
        let r: RowsRecord = untagged(TAG, "MemoryStream", recorded)?;
        // The rows travel with the batch: in a cluster only process 0 holds a memory table.
        Ok(if r.read { BatchPlan::new(NAME, Rows(self.rows.clone())) } else { BatchPlan::empty(NAME) })
    }

    fn apply_recorded(&mut self, recorded: &serde_json::Value) -> Result<()> {
        let r: RowsRecord = untagged(TAG, "MemoryStream", recorded)?;
        self.done |= r.read;
        Ok(())
    }
}

/// Rows shared as they are within a process.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(super) struct Rows(pub Arc<Vec<Row>>);

/// Reads rows carried by a batch (memory rows, socket lines): worker `i` takes every
/// `peers`-th row from `i`, projected.
pub(super) struct RowsReader {
    pub connector: &'static str,
    pub projection: Vec<usize>,
}

impl SourceReader for RowsReader {
    fn read(&self, plan: &BatchPlan, index: usize, peers: usize, emit: &mut dyn FnMut(Row)) -> Result<u64> {
        let Some(rows) = plan.get::<Rows>(self.connector)? else { return Ok(0) };
        let rows = &rows.0;
        let projection = &self.projection;
        let full = projection.len() == rows.first().map_or(0, |r| r.len())
            && projection.iter().enumerate().all(|(i, &p)| i == p);
        for row in rows.iter().skip(index).step_by(peers.max(1)) {
            if full {
                emit(row.clone());
            } else {
                emit(projection.iter().map(|&i| row[i].clone()).collect());
            }
        }
        Ok(0)
    }
}
