//! Bounded queries: the same dataflow as a stream, fed everything in one batch.

use crate::connector;
use crate::driver::ModeAdapter;
use crate::exec::{Executor, Placement};
use crate::session::Session;
use crate::source::SourceReader;
use sluice_core::mode::OutputMode;
use sluice_core::plan::{analyze, Analyzed, LogicalPlan};
use sluice_core::{Result, Row};
use std::sync::Arc;

/// Runs a bounded plan to completion on the session's workers and returns its rows.
/// In cluster mode a plan over files runs on every process, and only process 0 gets the
/// rows (the others return none); a plan over in-memory rows only runs locally.
pub(crate) fn collect_plan(session: &Session, plan: &LogicalPlan) -> Result<Vec<Row>> {
    // A local relation as it is: its rows in their order, as Spark's `LocalRelation`
    // (`DESCRIBE`, `SHOW TABLES` and `create_dataframe(..).collect()` keep their order).
    if let LogicalPlan::Source(spec) = plan {
        if let (Some(rows), false) = (&spec.rows, spec.streaming) {
            return Ok(rows.as_ref().clone());
        }
    }
    let analyzed = Arc::new(session.with_zone(|| analyze(plan, true))?);
    let placement = placement_for(session, &analyzed);
    let readers = readers(&analyzed)?;
    let mut exec = Executor::start(analyzed.clone(), readers, &placement, OutputMode::Complete, None, false)?;
    if !placement.is_driver() {
        exec.follow()?;
        return Ok(Vec::new());
    }
    let workers = placement.total_workers();
    let mut inputs = Vec::new();
    for s in &analyzed.sources {
        inputs.push(connector::source_of(&s.spec)?.stream(s)?.plan_bounded(workers)?);
    }
    let out = exec.run_batch(0, inputs, Default::default(), None);
    exec.stop(out.as_ref().err());
    let mut adapter = ModeAdapter::new(OutputMode::Complete, analyzed.order.clone(), false);
    Ok(adapter.rows_for_batch(out?.changes))
}

/// Where a plan runs: in-memory rows exist only in this process (memory tables are
/// written on process 0), so a plan that reads nothing else runs here alone.
pub(crate) fn placement_for(session: &Session, analyzed: &Analyzed) -> Placement {
    if analyzed.sources.iter().all(|s| s.spec.is_in_memory()) {
        session.local_placement()
    } else {
        session.placement()
    }
}

/// The reader of every source of a plan, for the workers.
pub(crate) fn readers(analyzed: &Analyzed) -> Result<Arc<Vec<Box<dyn SourceReader>>>> {
    let readers = analyzed
        .sources
        .iter()
        .map(|s| connector::source_of(&s.spec)?.reader(s))
        .collect::<Result<Vec<_>>>()?;
    Ok(Arc::new(readers))
}
