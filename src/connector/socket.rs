//! The `socket` source (development only, as Spark's): lines from a TCP server, buffered
//! by a reader thread on the driver; each batch carries the lines taken to the workers.
//! It cannot re-read a batch, so it refuses a checkpoint.

use super::memory::{Rows, RowsReader};
use super::{SourceProvider, SourceRequest};
use crate::source::{tagged, untagged, BatchOffsets, BatchPlan, PlannedBatch, Source, SourceReader};
use sluice_connectors::socket::{socket_schema, SocketConfig, SocketSource};
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::{Result, Row, SluiceError};

pub(super) struct SocketConnector;

const NAME: &str = "socket";
/// Its record says only that lines were taken (as the offsets log always kept it).
const TAG: &str = "rows";

impl SourceProvider for SocketConnector {
    fn describe(&self, r: &SourceRequest) -> Result<SourceSpec> {
        if !r.streaming {
            return Err(SluiceError::analysis("Data source socket does not support batch reads"));
        }
        if r.schema.is_some() {
            return Err(SluiceError::analysis("The socket source does not support a user-specified schema."));
        }
        let config = SocketConfig::from_options(r.options)?;
        Ok(SourceSpec {
            description: format!("TextSocketV2[host: {}, port: {}]", config.host, config.port),
            connector: NAME.into(),
            path: None,
            rows: None,
            schema: socket_schema(config.include_timestamp),
            options: r.options.clone(),
            streaming: r.streaming,
        })
    }

    fn shape(&self, _spec: &SourceSpec) -> String {
        NAME.into()
    }

    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>> {
        Ok(Box::new(SocketStream {
            source: SocketSource::connect(&SocketConfig::from_options(&input.spec.options)?)?,
            description: input.spec.description.clone(),
            taken: Vec::new(),
        }))
    }

    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>> {
        Ok(Box::new(RowsReader { connector: NAME, projection: input.projection.clone() }))
    }
}

struct SocketStream {
    source: SocketSource,
    description: String,
    /// The lines of the batch planned last, until the workers get them.
    taken: Vec<Row>,
}

impl Source for SocketStream {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn plan_next(&mut self) -> Result<PlannedBatch> {
        let start = self.source.offset();
        self.taken = self.source.take()?;
        let read = !self.taken.is_empty();
        let offsets = if read {
            BatchOffsets {
                start: Some(serde_json::json!(start)),
                end: Some(serde_json::json!(self.source.offset())),
                latest: None,
            }
        } else {
            BatchOffsets::default()
        };
        Ok(PlannedBatch { recorded: tagged(TAG, &serde_json::json!({ "read": read })), offsets })
    }

    fn plan_partitions(&mut self, recorded: &serde_json::Value, _workers: usize) -> Result<BatchPlan> {
        untagged::<serde_json::Value>(TAG, &self.description, recorded)?;
        let rows = std::mem::take(&mut self.taken);
        Ok(if rows.is_empty() {
            BatchPlan::empty(NAME)
        } else {
            BatchPlan::new(NAME, Rows(std::sync::Arc::new(rows)))
        })
    }

    fn apply_recorded(&mut self, _recorded: &serde_json::Value) -> Result<()> {
        Err(SluiceError::exec("a socket source cannot go on from a checkpoint"))
    }

    fn is_exhausted(&self) -> bool {
        self.source.is_exhausted()
    }

    fn replayable(&self) -> bool {
        false
    }
}
