//! The file source: directories of JSON-lines, CSV, text or Parquet files read as a stream (or a
//! batch), as Spark Structured Streaming's `FileStreamSource` does.
//!
//! - [`config`]: [`FileSourceConfig`], validated from Spark's option keys, with inference.
//! - [`listing`]: which files each micro-batch takes ([`FileSourceState`], [`list_all`]).
//! - [`split`]: byte-range [`FileSplit`]s so workers share even one big file.
//! - [`reader`]: [`RecordReader`] turns a split into rows with the malformed-record modes,
//!   using the `json` and `csv` parsers, or [`parquet`] for whole parquet files.
//! - [`codec`]: compressed files (`.gz`, `.bz2`, `.zst`, `.deflate`) by extension, read whole.
//! - [`text`]: `encoding` decoding and the check that a file is text at all.
//! - [`clean`]: `cleanSource` (delete or archive) for the files of committed batches.
//! - [`sink_log`]: the file sink's commit log, which the source lists instead of a sink's directory.
//!
//! ```no_run
//! use sluice_connectors::file::*;
//! use sluice_core::{Options, Schema};
//! let schema = Schema::parse_ddl("gt STRING, x DOUBLE").unwrap();
//! let cfg = FileSourceConfig::new(FileFormat::Json, "/data/activity", Some(schema), &Options::new(), false).unwrap();
//! let mut state = FileSourceState::new();
//! let reader = RecordReader::new(&cfg, &[0]).unwrap();
//! for share in plan_splits(&state.next_batch(&cfg).unwrap(), 4) {
//!     for split in &share {
//!         reader.read(split, &mut |row| println!("{row:?}")).unwrap();
//!     }
//! }
//! ```

pub mod clean;
pub mod codec;
pub mod config;
mod csv;
mod hadoop_block;
mod infer;
mod intern;
mod json;
pub mod listing;
pub mod parquet;
pub mod partitions;
pub mod reader;
pub mod sink_log;
pub mod split;
pub mod text;
mod values;

pub use codec::Codec;
pub use config::{CleanSource, CsvOptions, FileFormat, FileSourceConfig, ListingOptions, ParseMode};
pub use listing::{list_all, FileEntry, FileSourceState};
pub use reader::{ReadStats, RecordReader};
pub use split::{plan_splits, FileSplit};
