//! Sinks: where streaming results go.

pub mod console;
pub mod memory;

pub use console::ConsoleSink;
pub use memory::{MemorySink, MemoryTable};
