//! Sinks: where streaming results go.

pub mod console;
pub mod memory;
pub mod noop;

pub use console::ConsoleSink;
pub use memory::{MemorySink, MemoryTable};
pub use noop::NoopSink;
