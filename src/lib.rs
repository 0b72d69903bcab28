//! # Sluice
//!
//! Spark Structured Streaming's model in Rust: a stream is an unbounded table, the same
//! DataFrame code runs on a batch or a stream, and `write_stream().start()` runs it
//! incrementally on timely dataflow and differential dataflow.
//!
//! A `Session` reads sources into `DataFrame`s; transformations only grow a logical plan
//! (`sluice-core`); `start()` analyses it against the output mode and sink, compiles it
//! into one timely dataflow per query on the session's workers (`sluice-operators`), and
//! a driver thread feeds it one micro-batch per trigger from the sources and writes each
//! batch's result to the sink (`sluice-connectors`). Timely timestamps are batch ids, so
//! the probe's frontier passing `b` means batch `b` is complete.
//!
//! ```
//! use sluice::prelude::*;
//!
//! let spark = Session::builder().workers(2).build()?;
//! let schema = Schema::parse_ddl("gt STRING, x DOUBLE")?;
//! let rows = vec![
//!     vec![Value::string("sit"), Value::double(1.0)],
//!     vec![Value::string("sit"), Value::double(3.0)],
//!     vec![Value::string("bike"), Value::double(2.0)],
//! ];
//! let df = spark.create_dataframe(rows, schema)?;
//! let out = df.group_by(["gt"]).agg([avg(col("x"))]).sort(["gt"]).collect()?;
//! assert_eq!(out, vec![
//!     vec![Value::string("bike"), Value::double(2.0)],
//!     vec![Value::string("sit"), Value::double(2.0)],
//! ]);
//! # Ok::<(), sluice::SluiceError>(())
//! ```
#![forbid(missing_docs)]

mod batch;
mod checkpoint;
mod cluster;
mod connector;
mod dataframe;
mod driver;
mod exec;
mod foreach;
pub mod listener;
mod metrics_http;
pub mod progress;
mod query;
mod reader;
mod session;
mod source;
mod sql;
mod statement;
mod writer;

pub use cluster::{read_hostfile, Cluster};
pub use dataframe::{DataFrame, GroupedData, IntoColumn, IntoCondition, IntoJoinOn};
pub use exec::exit_without_freeing_state;
pub use foreach::ForeachWriter;
pub use listener::{
    QueryIdleEvent, QueryProgressEvent, QueryStartedEvent, QueryTerminatedEvent, StreamingQueryListener,
};
pub use query::{StreamingQuery, StreamingQueryManager};
pub use reader::{DataFrameReader, DataStreamReader};
pub use session::{
    RuntimeConfig, Session, SessionBuilder, TableDefinition, METRICS_ADDR, NO_DATA_EVENT_INTERVAL,
    PROGRESS_LOG, SESSION_TIME_ZONE,
};
pub use sluice_connectors as connectors;
pub use sluice_core::format;
pub use sluice_core::mode::{OutputMode, Trigger};
pub use sluice_core::plan::SortOrder;
pub use sluice_core::{self as core, DataType, Expr, Field, Result, Row, Schema, SluiceError, Value};
pub use statement::config::{no_effect_warning, takes_effect, CONFIGS};
pub use statement::{split_statements, SqlResult, StatementText, SQL_TRIGGER};

/// Sluice's error type (the same as [`SluiceError`]).
pub type Error = SluiceError;
pub use writer::DataStreamWriter;

/// Everything a typical program needs: `use sluice::prelude::*;`.
pub mod prelude {
    pub use crate::{DataFrame, ForeachWriter, OutputMode, Session, SortOrder, StreamingQuery, Trigger};
    pub use sluice_core::functions::*;
    pub use sluice_core::{DataType, Expr, Row, Schema, SluiceError, Value};
}

/// The README's example, compiled as a doctest so it cannot rot.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
