//! `sluice-core`: what a Sluice query *means*, independent of how it runs.
//!
//! Values and types (`types`), schemas (`schema`), expressions as users write them
//! (`expr`, parsed from SQL text by `sql`, built by the DataFrame helpers in `functions`),
//! expressions bound to a schema and evaluated on rows (`eval`), logical plans and their
//! analysis (`plan`), output modes and triggers (`mode`), options (`options`), and the
//! textual forms of results (`format`). Nothing here knows about timely dataflow.
#![forbid(missing_docs)]

pub mod decimal;
pub mod double_text;
pub mod error;
pub mod eval;
pub mod expr;
pub mod format;
pub mod functions;
pub mod grouping;
pub mod json_value;
pub mod mode;
pub mod options;
pub mod plan;
pub mod redact;
pub mod schema;
mod scoped;
pub mod sink;
pub mod sql;
pub mod time;
pub mod types;

pub use error::{Result, SluiceError};
pub use expr::{AggFunc, BinaryOp, Expr};
pub use options::Options;
pub use schema::Schema;
pub use types::{DataType, Field, OrderedF64, Row, Value};
