//! The `rate` and `rate-micro-batch` sources: generated `(timestamp, value)` rows; each
//! batch is a range of values, and each worker generates its share (`value % workers`).

use super::{range, SourceProvider, SourceRequest};
use crate::source::{BatchPlan, PlannedBatch, Source, SourceReader};
use sluice_connectors::rate::{rate_schema, RateConfig, RateRange, RateState};
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::{Result, Row, SluiceError};

/// A rate source of one format.
pub(super) struct RateConnector(&'static str);

pub(super) static RATE: RateConnector = RateConnector("rate");
pub(super) static RATE_MICRO_BATCH: RateConnector = RateConnector("rate-micro-batch");

const TAG: &str = "rate";

impl SourceProvider for RateConnector {
    fn describe(&self, r: &SourceRequest) -> Result<SourceSpec> {
        let format = self.0;
        if !r.streaming {
            return Err(SluiceError::analysis(format!("Data source {format} does not support batch reads")));
        }
        if r.schema.is_some() {
            return Err(SluiceError::analysis(format!(
                "The {format} source does not support a user-specified schema."
            )));
        }
        RateConfig::from_options(format, r.options)?;
        Ok(SourceSpec {
            description: format!("{}Stream", if format == "rate" { "Rate" } else { "RatePerMicroBatch" }),
            connector: format.into(),
            path: None,
            rows: None,
            schema: rate_schema(),
            options: r.options.clone(),
            streaming: r.streaming,
        })
    }

    fn shape(&self, _spec: &SourceSpec) -> String {
        self.0.to_string()
    }

    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>> {
        Ok(Box::new(RateSource {
            state: RateState::new(RateConfig::from_options(self.0, &input.spec.options)?),
            description: input.spec.description.clone(),
        }))
    }

    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>> {
        Ok(Box::new(RateReader { projection: input.projection.clone() }))
    }
}

struct RateSource {
    state: RateState,
    description: String,
}

impl Source for RateSource {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn plan_next(&mut self) -> Result<PlannedBatch> {
        Ok(range::plan_next(&mut self.state, TAG))
    }

    fn plan_partitions(&mut self, recorded: &serde_json::Value, _workers: usize) -> Result<BatchPlan> {
        range::plan_partitions::<RateState>(TAG, &self.description, recorded)
    }

    fn apply_recorded(&mut self, recorded: &serde_json::Value) -> Result<()> {
        range::apply_recorded(&mut self.state, TAG, &self.description, recorded)
    }
}

struct RateReader {
    projection: Vec<usize>,
}

impl SourceReader for RateReader {
    fn read(&self, plan: &BatchPlan, index: usize, peers: usize, emit: &mut dyn FnMut(Row)) -> Result<u64> {
        let Some(range) = plan.get::<RateRange>(TAG)? else { return Ok(0) };
        range.generate(index, peers, &mut |row| {
            emit(self.projection.iter().map(|&i| row[i].clone()).collect())
        });
        Ok(0)
    }
}
