//! Kafka, through `rdkafka` (librdkafka): a source whose batches are offset ranges
//! decided on the driver and read by assignment on the workers, and an idempotent
//! producer sink. Options, schema and errors follow Spark's Kafka integration; TLS and SASL
//! options are translated from Spark's (Java client's) spelling (`security`), clients
//! report TLS and authentication failures at once (`watch`), and no error quotes a secret.

mod options;
mod security;
mod sink;
mod source;
mod watch;

pub use options::{client_options, client_settings, KafkaSourceConfig, OffsetSpec, Subscription};
pub use sink::{KafkaSink, KafkaSinkLayout};
pub use source::{headers_type, kafka_schema, KafkaPlanner, KafkaRange, KafkaReader, PartitionOffsets};
