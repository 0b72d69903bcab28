//! Restoring a restarted query's operator state from its checkpoint: every worker's part
//! and the driver's result table, as they were after the last committed batch. When a
//! state file that version needs is missing or damaged, the query falls back to the
//! newest version every part can rebuild and re-runs the committed batches after it.

use crate::checkpoint::store::{self, Part, SharedState};
use crate::checkpoint::{self, Checkpoint, OffsetEntry};
use crate::exec::Executor;
use sluice_core::{Result, SluiceError};

/// Where the restored state stands.
pub(crate) struct Restored {
    /// Committed batches to run again (the state is from before them), oldest first.
    pub rerun: Vec<(u64, OffsetEntry)>,
}

/// Loads the state after committed batch `c` into the workers (when `workers_state`) and
/// into `driver` (the driver's stores, when it keeps any).
pub(crate) fn restore_state(
    cp: &Checkpoint,
    executor: &mut Executor,
    workers_state: bool,
    driver: Option<&[SharedState]>,
    workers: usize,
    c: u64,
) -> Result<Restored> {
    let error = match load(cp, executor, workers_state, driver, workers, c) {
        Ok(()) => return Ok(Restored { rerun: Vec::new() }),
        Err(e) => e,
    };
    let root = cp.state_root();
    let mut parts: Vec<Part> = Vec::new();
    if workers_state {
        parts.extend((0..workers).map(Part::Worker));
    }
    if driver.is_some() {
        parts.push(Part::Driver);
    }
    // The newest version every part rebuilds (`None`: only the empty state before batch 0).
    let mut newest = Some(c);
    for &p in &parts {
        let files = store::list(&root, p)?;
        if files.deltas.is_empty() && files.snapshots.is_empty() {
            return Err(error); // a first-format part: no older version to go back to
        }
        newest = newest.min(store::reachable(&root, p, workers, c)?);
    }
    if newest == Some(c) {
        return Err(error);
    }
    let first = newest.map_or(0, |v| v + 1);
    let mut rerun = Vec::new();
    for b in first..=c {
        match cp.read_offsets(b) {
            Ok(entry) => rerun.push((b, entry)),
            // Retention dropped what re-running needs: there is no consistent point.
            Err(_) => return Err(error),
        }
    }
    match newest {
        Some(v) => load(cp, executor, workers_state, driver, workers, v)?,
        None => {
            if let Some(stores) = driver {
                stores.iter().for_each(|s| s.borrow_mut().clear());
            }
        }
    }
    eprintln!(
        "WARN {error}. Restarting from the state after {} and re-running batches {first} to {c}",
        newest.map_or("no batch (the empty state)".to_string(), |v| format!("batch {v}"))
    );
    Ok(Restored { rerun })
}

fn load(
    cp: &Checkpoint,
    executor: &mut Executor,
    workers_state: bool,
    driver: Option<&[SharedState]>,
    workers: usize,
    version: u64,
) -> Result<()> {
    let root = cp.state_root();
    if workers_state {
        executor.restore(root.clone(), version)?;
    }
    let Some(stores) = driver else { return Ok(()) };
    if store::restore(&root, Part::Driver, workers, version, stores)? {
        return Ok(());
    }
    // A first-format checkpoint: `state/<c>/result`, converted into a snapshot.
    let dir = cp.state_dir(version);
    let bytes = checkpoint::state::read_result(&dir)?.ok_or_else(|| {
        SluiceError::exec(format!(
            "checkpoint file {}: missing (the result table of batch {version})",
            store::path(&root, Part::Driver, version, store::Kind::Delta).display()
        ))
    })?;
    let (table, emitted): (std::collections::BTreeMap<sluice_core::Row, i64>, usize) =
        bincode::deserialize(&bytes).map_err(|e| {
            SluiceError::exec(format!("checkpoint file {}: cannot decode: {e}", dir.join("result").display()))
        })?;
    let [table_store, limit_store] = stores else {
        return Err(SluiceError::exec("the driver keeps a result table and a LIMIT count"));
    };
    table_store.borrow_mut().load_v1(&sluice_operators::store::encode("the result table", &table)?)?;
    limit_store.borrow_mut().load_v1(&sluice_operators::store::encode("the LIMIT count", &emitted)?)?;
    store::write_snapshot(&root, Part::Driver, workers, version, stores)?;
    Ok(())
}
