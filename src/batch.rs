//! Bounded queries: the same dataflow as a stream, fed everything in one batch.

use crate::driver::ModeAdapter;
use crate::exec::{Executor, Placement};
use crate::session::Session;
use crate::source::{file_config, BatchInput, SourcePlanner, SourceReader};
use sluice_connectors::file::{list_all, plan_splits};
use sluice_connectors::nexmark::{NexmarkOptions, NexmarkRange};
use sluice_core::mode::OutputMode;
use sluice_core::plan::{analyze, Analyzed, LogicalPlan, SourceKind};
use sluice_core::{Result, Row};
use std::sync::Arc;

/// Runs a bounded plan to completion on the session's workers and returns its rows.
/// In cluster mode a plan over files runs on every process, and only process 0 gets the
/// rows (the others return none); a plan over in-memory rows only runs locally.
pub(crate) fn collect_plan(session: &Session, plan: &LogicalPlan) -> Result<Vec<Row>> {
    let analyzed = Arc::new(analyze(plan, true)?);
    let placement = placement_for(session, &analyzed);
    let readers = analyzed.sources.iter().map(SourceReader::new).collect::<Result<Vec<_>>>()?;
    let mut exec =
        Executor::start(analyzed.clone(), Arc::new(readers), &placement, OutputMode::Complete, None)?;
    if !placement.is_driver() {
        exec.follow()?;
        return Ok(Vec::new());
    }
    let workers = placement.total_workers();
    let mut inputs = Vec::new();
    for s in &analyzed.sources {
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
            SourceKind::Nexmark => {
                let options = NexmarkOptions::from_options(&s.spec.options)?;
                let end = options.pacing.num_events.unwrap_or(0);
                BatchInput::Nexmark(NexmarkRange { start: 0, end })
            }
            SourceKind::Rate { .. } | SourceKind::Socket => BatchInput::Empty,
        });
    }
    let out = exec.run_batch(0, inputs, Default::default(), None);
    exec.stop(out.as_ref().err());
    let mut adapter = ModeAdapter::new(OutputMode::Complete, analyzed.order.clone());
    Ok(adapter.rows_for_batch(out?.changes))
}

/// Where a plan runs: in-memory rows exist only in this process (memory tables are
/// written on process 0), so a plan that reads nothing else runs here alone.
pub(crate) fn placement_for(session: &Session, analyzed: &Analyzed) -> Placement {
    if analyzed.sources.iter().all(|s| matches!(s.spec.kind, SourceKind::Rows(_))) {
        session.local_placement()
    } else {
        session.placement()
    }
}
