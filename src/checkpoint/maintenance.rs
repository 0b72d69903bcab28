//! The state store's maintenance thread (Spark's state store maintenance task): after a
//! batch commits, it consolidates each part's deltas into a snapshot once enough have
//! piled up (`spark.sql.streaming.stateStore.minDeltasForSnapshot`) and removes the files
//! no retained batch needs, all off the batches' critical path.

use super::store::{self, Part};
use sluice_core::Result;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;

/// What the thread needs to know about the checkpoint.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The state root (`<checkpoint>/state`).
    pub root: PathBuf,
    /// Workers of the query (state file headers name them).
    pub workers: usize,
    /// Deltas after the last snapshot that make a new one due.
    pub min_deltas: u64,
    /// `minBatchesToRetain`: every one of the last this many versions stays restorable.
    pub retain: u64,
}

/// A running maintenance thread; dropping it lets the current job finish and stops it.
pub struct Maintenance {
    tx: Option<Sender<u64>>,
    handle: Option<JoinHandle<()>>,
    snapshot_bytes: Arc<AtomicU64>,
}

impl Maintenance {
    /// Starts the thread.
    pub fn start(settings: Settings) -> Maintenance {
        let (tx, rx) = channel();
        let snapshot_bytes = Arc::new(AtomicU64::new(0));
        let bytes = snapshot_bytes.clone();
        let handle = std::thread::Builder::new()
            .name("sluice-state-maintenance".into())
            .spawn(move || run(&settings, &rx, &bytes))
            .ok();
        Maintenance { tx: Some(tx), handle, snapshot_bytes }
    }

    /// Batch `b` is committed: consolidate and clean up to it.
    pub fn committed(&self, b: u64) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(b);
        }
    }

    /// Bytes of snapshots finished since the last call.
    pub fn take_snapshot_bytes(&self) -> u64 {
        self.snapshot_bytes.swap(0, Ordering::Relaxed)
    }

    /// Waits until every batch announced so far is processed (tests, benchmarks).
    pub fn wait_idle(&mut self) {
        self.tx.take();
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Maintenance {
    fn drop(&mut self) {
        self.wait_idle();
    }
}

fn run(settings: &Settings, rx: &Receiver<u64>, bytes: &AtomicU64) {
    while let Ok(mut committed) = rx.recv() {
        // Behind by several commits: the newest one covers them all.
        while let Ok(b) = rx.try_recv() {
            committed = committed.max(b);
        }
        let parts = match store::parts(&settings.root) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("WARN state store maintenance: {e}");
                continue;
            }
        };
        for part in parts {
            match maintain(settings, part, committed) {
                Ok(n) => {
                    bytes.fetch_add(n, Ordering::Relaxed);
                }
                Err(e) => eprintln!("WARN state store maintenance (the deltas are kept): {e}"),
            }
        }
    }
}

/// Consolidates `part` up to `committed` when a snapshot is due, then removes what no
/// retained version needs. Returns the snapshot bytes written.
pub fn maintain(settings: &Settings, part: Part, committed: u64) -> Result<u64> {
    let root: &Path = &settings.root;
    let files = store::list(root, part)?;
    let base = files.snapshots.range(..=committed).next_back().copied();
    let deltas_since = match base {
        Some(s) => committed - s,
        None => committed + 1,
    };
    let first = base.map_or(0, |s| s + 1);
    let chain_complete = (first..=committed).all(|d| files.deltas.contains(&d));
    let mut written = 0;
    if deltas_since >= settings.min_deltas.max(1) && chain_complete && deltas_since > 0 {
        written = store::consolidate(root, part, settings.workers, base, committed)?;
    }
    let keep_from = (committed + 1).saturating_sub(settings.retain);
    store::clean(root, part, keep_from, committed)?;
    Ok(written)
}
