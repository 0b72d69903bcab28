//! Sinks: where streaming results go.

pub mod console;
pub mod file;
pub mod memory;
pub mod noop;

pub use console::ConsoleSink;
pub use file::{FileSink, SinkFormat, TextOptions};
pub use memory::{MemorySink, MemoryTable};
pub use noop::NoopSink;
