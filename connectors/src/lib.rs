//! `sluice-connectors`: where a Sluice query's rows come from and go to.
//!
//! The [`file`] source reads directories of JSON-lines, CSV and text files the way Spark
//! Structured Streaming's file source does: it lists new files per micro-batch
//! ([`file::FileSourceState`]), splits a batch into byte ranges for the workers
//! ([`file::plan_splits`]) and parses each range into rows ([`file::RecordReader`]),
//! honouring Spark's options and malformed-record modes.
#![forbid(missing_docs)]

pub mod file;
pub mod kafka;
pub mod nexmark;
pub mod rate;
pub mod sink;
pub mod socket;
