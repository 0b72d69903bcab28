//! Where row-level failures go: operators cannot return errors, so the first one is kept
//! here and the driver fails the query with it after the batch.

use sluice_core::SluiceError;
use std::sync::{Arc, Mutex};

/// The first error raised by any operator of a query, shared by all its workers.
#[derive(Clone, Debug, Default)]
pub struct ErrorSlot(Arc<Mutex<Option<SluiceError>>>);

impl ErrorSlot {
    /// An empty slot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps `err` unless an earlier error is already kept.
    pub fn record(&self, err: SluiceError) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(err);
        }
    }

    /// Takes the kept error, if any.
    pub fn take(&self) -> Option<SluiceError> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// True if an error is kept.
    pub fn is_set(&self) -> bool {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).is_some()
    }
}
