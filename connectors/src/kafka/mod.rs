//! Kafka, through `rdkafka` (librdkafka): a source whose batches are offset ranges
//! decided on the driver and read by assignment on the workers, and an idempotent
//! producer sink. Options, schema and errors follow Spark's Kafka integration.

mod client;
mod options;
mod sink;
mod source;

pub use client::{client_options, ClientSettings};
pub use options::{KafkaSourceConfig, OffsetSpec, Subscription};
pub use sink::{KafkaSink, KafkaSinkLayout};
pub use source::{headers_type, kafka_schema, KafkaPlanner, KafkaRange, KafkaReader, PartitionOffsets};
