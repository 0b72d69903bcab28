//! The `nexmark` source: Nexmark's people, auctions or bids (`table = 'person' | 'auction'
//! | 'bid'`), generated in-process by the `nexmark` crate as `../shared/nexmark/gen` makes
//! them. Each batch is a range of event indices (under `eventsPerSecond` or
//! `eventsPerBatch`, ending at `numEvents`); each worker generates its share of the range,
//! so `-w N` and several processes make disjoint parts of the same events.

use super::{range, SourceProvider, SourceRequest};
use crate::source::{Backlog, BacklogUnit, BatchPlan, PlannedBatch, Source, SourceReader};
use sluice_connectors::nexmark::{NexmarkGenerator, NexmarkOptions, NexmarkRange, NexmarkState};
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::{Result, Row, SluiceError};

pub(super) struct NexmarkConnector;

const TAG: &str = "nexmark";

impl SourceProvider for NexmarkConnector {
    fn describe(&self, r: &SourceRequest) -> Result<SourceSpec> {
        if r.schema.is_some() {
            return Err(SluiceError::analysis(
                "The nexmark source has the fixed schema of its table and cannot be set with a custom one",
            ));
        }
        let options = NexmarkOptions::from_options(r.options)?;
        if !r.streaming && options.pacing.num_events.is_none() {
            return Err(SluiceError::option(
                "numEvents",
                "a batch read of the nexmark source needs numEvents",
            ));
        }
        Ok(SourceSpec {
            description: options.description(),
            connector: TAG.into(),
            path: None,
            rows: None,
            schema: options.table.schema(),
            options: r.options.clone(),
            streaming: r.streaming,
        })
    }

    fn shape(&self, spec: &SourceSpec) -> String {
        format!("nexmark table={}", spec.options.get("table").unwrap_or_default())
    }

    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>> {
        let options = NexmarkOptions::from_options(&input.spec.options)?;
        Ok(Box::new(NexmarkSource {
            state: NexmarkState::new(options.pacing),
            description: input.spec.description.clone(),
        }))
    }

    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>> {
        let options = NexmarkOptions::from_options(&input.spec.options)?;
        Ok(Box::new(NexmarkReader {
            generator: NexmarkGenerator::new(&options),
            projection: input.projection.clone(),
        }))
    }
}

struct NexmarkSource {
    state: NexmarkState,
    description: String,
}

impl Source for NexmarkSource {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn plan_next(&mut self) -> Result<PlannedBatch> {
        Ok(range::plan_next(&mut self.state, TAG))
    }

    fn plan_partitions(&mut self, recorded: &serde_json::Value, _workers: usize) -> Result<BatchPlan> {
        range::plan_partitions::<NexmarkState>(TAG, &self.description, recorded)
    }

    fn apply_recorded(&mut self, recorded: &serde_json::Value) -> Result<()> {
        range::apply_recorded(&mut self.state, TAG, &self.description, recorded)
    }

    fn backlog(&self) -> Option<Backlog> {
        let (done, total) = self.state.backlog()?;
        Some(Backlog { done, total, unit: BacklogUnit::Offsets })
    }

    fn is_exhausted(&self) -> bool {
        self.state.is_exhausted()
    }
}

struct NexmarkReader {
    generator: NexmarkGenerator,
    projection: Vec<usize>,
}

impl SourceReader for NexmarkReader {
    fn read(&self, plan: &BatchPlan, index: usize, peers: usize, emit: &mut dyn FnMut(Row)) -> Result<u64> {
        let Some(range) = plan.get::<NexmarkRange>(TAG)? else { return Ok(0) };
        self.generator.generate(*range, index, peers, &self.projection, emit);
        Ok(0)
    }
}
