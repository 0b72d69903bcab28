//! Bounded queries: the same dataflow as a stream, fed everything in one batch.

use crate::driver::ModeAdapter;
use crate::exec::Executor;
use crate::session::Session;
use crate::source::{file_config, BatchInput, SourcePlanner, SourceReader};
use sluice_connectors::file::{list_all, plan_splits};
use sluice_core::mode::OutputMode;
use sluice_core::plan::{analyze, LogicalPlan, SourceKind};
use sluice_core::{Result, Row};
use std::sync::Arc;

/// Runs a bounded plan to completion on the session's workers and returns its rows.
pub(crate) fn collect_plan(session: &Session, plan: &LogicalPlan) -> Result<Vec<Row>> {
    let analyzed = Arc::new(analyze(plan, true)?);
    let workers = session.workers();
    let mut readers = Vec::new();
    let mut inputs = Vec::new();
    for s in &analyzed.sources {
        readers.push(SourceReader::new(s)?);
        inputs.push(match &s.spec.kind {
            SourceKind::File { .. } => {
                let files = list_all(&file_config(s)?)?;
                BatchInput::Files(Arc::new(plan_splits(&files, workers)))
            }
            SourceKind::Rows(rows) => BatchInput::Rows(rows.clone()),
            SourceKind::Kafka => {
                let mut planner = SourcePlanner::new(s)?;
                planner.bound_to_available()?;
                planner.lift_rate_limits();
                SourcePlanner::split(planner.plan_next()?.0, workers)
            }
            SourceKind::Rate { .. } | SourceKind::Socket => BatchInput::Empty,
        });
    }
    let mut exec = Executor::start(analyzed.clone(), Arc::new(readers), workers, OutputMode::Complete)?;
    let out = exec.run_batch(0, inputs, Default::default(), None)?;
    let mut adapter = ModeAdapter::new(OutputMode::Complete, analyzed.order.clone());
    Ok(adapter.rows_for_batch(out.changes))
}
