//! The Kafka sink: each row becomes one record of an idempotent producer. A batch is
//! written when every record of it was acknowledged; a failed delivery fails the query
//! (at-least-once: a restarted query writes the batch again).

use super::client::{client_options, ClientSettings, SecurityErrors};
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{ClientConfig, ClientContext};
use sluice_core::mode::OutputMode;
use sluice_core::sink::{PartWriter, PartWriterFactory, Sink};
use sluice_core::{DataType, Options, Result, Row, Schema, SluiceError, Value};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where each record's parts come from in a result row (Spark's `KafkaWriter` rules).
#[derive(Clone, Debug)]
pub struct KafkaSinkLayout {
    value: usize,
    key: Option<usize>,
    topic: Option<usize>,
    topic_option: Option<String>,
    partition: Option<usize>,
    headers: Option<usize>,
}

impl KafkaSinkLayout {
    /// Checks the query's schema and the `topic` option, as Spark does at `start()`.
    pub fn new(schema: &Schema, options: &Options) -> Result<KafkaSinkLayout> {
        let find = |name: &str| schema.index_of(name);
        let ty = |i: usize| &schema.fields[i].data_type;
        let value =
            find("value").ok_or_else(|| SluiceError::analysis("Required attribute 'value' not found"))?;
        if !matches!(ty(value), DataType::String | DataType::Binary) {
            return Err(SluiceError::analysis(format!(
                "value attribute type must be a string or binary, not {}",
                ty(value).sql_name()
            )));
        }
        let key = find("key");
        if let Some(k) = key {
            if !matches!(ty(k), DataType::String | DataType::Binary | DataType::Null) {
                return Err(SluiceError::analysis(format!(
                    "key attribute type must be a string or binary, not {}",
                    ty(k).sql_name()
                )));
            }
        }
        let topic_option = options.get("topic").map(str::to_string);
        let topic = find("topic");
        if topic_option.is_none() {
            match topic {
                None => {
                    return Err(SluiceError::analysis(
                        "topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.",
                    ))
                }
                Some(t) if *ty(t) != DataType::String => {
                    return Err(SluiceError::analysis(format!(
                        "topic attribute type must be a string, not {}",
                        ty(t).sql_name()
                    )))
                }
                Some(_) => {}
            }
        }
        let partition = find("partition");
        if let Some(p) = partition {
            if !matches!(ty(p), DataType::Int | DataType::Null) {
                return Err(SluiceError::analysis(format!(
                    "partition attribute type must be an int, not {}",
                    ty(p).sql_name()
                )));
            }
        }
        let headers = find("headers");
        if let Some(h) = headers {
            let ok = match ty(h) {
                DataType::Array(e) => matches!(e.as_ref(), DataType::Struct(f) if f.len() == 2
                    && f[0].data_type == DataType::String
                    && matches!(f[1].data_type, DataType::Binary | DataType::String)),
                DataType::Null => true,
                _ => false,
            };
            if !ok {
                return Err(SluiceError::analysis(format!(
                    "headers attribute type must be array<struct<key:string,value:binary>>, not {}",
                    ty(h).sql_name()
                )));
            }
        }
        Ok(KafkaSinkLayout { value, key, topic, topic_option, partition, headers })
    }
}

/// Keeps delivery errors and the broker's security failures.
#[derive(Default)]
struct Deliveries {
    failures: Mutex<Vec<String>>,
    security: SecurityErrors,
}

impl ClientContext for Deliveries {
    fn log(&self, level: RDKafkaLogLevel, _fac: &str, message: &str) {
        self.security.on_log(level, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.security.on_error(&error, reason);
    }
}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, m)) = result {
            use rdkafka::Message;
            let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
            if f.len() < 5 {
                f.push(format!("{}-{}: {e}", m.topic(), m.partition()));
            }
        }
    }
}

/// Writes each batch's rows to Kafka: from every worker (each with its own producer) in
/// append and update mode, from the driver when it must see the whole batch.
pub struct KafkaSink {
    target: Arc<KafkaTarget>,
    producer: KafkaProducer,
}

/// What every producer of one sink shares: the record layout and the client's settings.
struct KafkaTarget {
    layout: KafkaSinkLayout,
    config: ClientConfig,
    client: ClientSettings,
    flush_timeout: Duration,
    /// A timestamp key or value is written as local text in this zone (`timeZone`).
    zone: sluice_core::time::Zone,
}

impl KafkaSink {
    /// A producer with idempotence on (`kafka.*` options pass through to librdkafka).
    pub fn new(schema: &Schema, options: &Options) -> Result<KafkaSink> {
        let layout = KafkaSinkLayout::new(schema, options)?;
        let client = client_options(options)?;
        if !client.map.contains_key("bootstrap.servers") {
            return Err(SluiceError::analysis(
                "Option 'kafka.bootstrap.servers' must be specified for configuring Kafka producer",
            ));
        }
        for key in ["key.serializer", "value.serializer"] {
            if client.map.contains_key(key) {
                return Err(SluiceError::analysis(format!(
                    "Kafka option 'kafka.{key}' is not supported, as keys and values are serialized as byte arrays (ByteArraySerializer). Use DataFrame operations to serialize them explicitly (cast to string, to_json)."
                )));
            }
        }
        let mut config = client.config();
        if !client.map.contains_key("enable.idempotence") {
            config.set("enable.idempotence", "true");
        }
        let message_timeout_ms: u64 =
            client.map.get("message.timeout.ms").and_then(|v| v.parse().ok()).unwrap_or(300_000);
        let target = Arc::new(KafkaTarget {
            layout,
            config,
            client,
            flush_timeout: Duration::from_millis(message_timeout_ms + 10_000),
            zone: options.time_zone()?,
        });
        // Created here so that a bad `kafka.*` option fails `start()`.
        let producer = KafkaProducer::new(target.clone())?;
        Ok(KafkaSink { target, producer })
    }
}

/// One idempotent producer and the rows it sends.
struct KafkaProducer {
    target: Arc<KafkaTarget>,
    producer: BaseProducer<Deliveries>,
}

impl KafkaProducer {
    fn new(target: Arc<KafkaTarget>) -> Result<KafkaProducer> {
        let producer = target
            .config
            .create_with_context(Deliveries::default())
            .map_err(|e| target.client.error("cannot create the producer", e))?;
        Ok(KafkaProducer { target, producer })
    }

    /// Sends every row and returns once the broker acknowledged them all.
    fn write(&self, rows: &[Row]) -> Result<()> {
        for row in rows {
            self.send(row)?;
            self.producer.poll(Duration::ZERO);
        }
        self.flush()?;
        let failures =
            std::mem::take(&mut *self.producer.context().failures.lock().unwrap_or_else(|p| p.into_inner()));
        if !failures.is_empty() {
            return Err(self
                .target
                .client
                .error("the broker did not acknowledge every record", failures.join("; ")));
        }
        Ok(())
    }

    /// Waits for every acknowledgement, failing at once on a TLS or SASL failure (the
    /// records would otherwise wait out `message.timeout.ms`).
    fn flush(&self) -> Result<()> {
        let client = &self.target.client;
        let started = Instant::now();
        loop {
            let flushed = self.producer.flush(Duration::from_millis(200));
            if let Some(failure) = self.producer.context().security.failure(client) {
                return Err(failure);
            }
            match flushed {
                Ok(()) => return Ok(()),
                Err(e) if started.elapsed() >= self.target.flush_timeout => {
                    return Err(client.error("records not acknowledged in time", e))
                }
                Err(_) => {}
            }
        }
    }

    fn send(&self, row: &Row) -> Result<()> {
        let l = &self.target.layout;
        let as_bytes = |v: &Value| -> Option<Vec<u8>> {
            match v {
                Value::Null => None,
                Value::Binary(b) => Some(b.to_vec()),
                Value::String(s) => Some(s.as_bytes().to_vec()),
                other => Some(sluice_core::eval::display_value_in(other, self.target.zone).into_bytes()),
            }
        };
        let topic: String = match (&l.topic_option, l.topic) {
            (Some(t), _) => t.clone(),
            (None, Some(i)) => match &row[i] {
                Value::String(s) => s.to_string(),
                _ => {
                    return Err(SluiceError::exec(
                        "null topic present in the data. Use the topic option for setting a topic.",
                    ))
                }
            },
            (None, None) => unreachable!("the layout requires a topic"),
        };
        let payload = as_bytes(&row[l.value]);
        let key = l.key.and_then(|k| as_bytes(&row[k]));
        let mut record: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(&topic);
        if let Some(p) = &payload {
            record = record.payload(p.as_slice());
        }
        if let Some(k) = &key {
            record = record.key(k.as_slice());
        }
        if let Some(Value::Int(p)) = l.partition.map(|p| &row[p]) {
            record = record.partition(*p);
        }
        if let Some(Value::Array(items)) = l.headers.map(|h| &row[h]) {
            let mut headers = OwnedHeaders::new_with_capacity(items.len());
            for item in items.iter() {
                if let Value::Struct(kv) = item {
                    let key = kv.first().and_then(Value::as_str).unwrap_or_default();
                    let value = kv.get(1).and_then(as_bytes);
                    headers = headers.insert(Header { key, value: value.as_deref() });
                }
            }
            record = record.headers(headers);
        }
        let mut record = record;
        loop {
            match self.producer.send(record) {
                Ok(()) => return Ok(()),
                Err((KafkaError::MessageProduction(rdkafka::types::RDKafkaErrorCode::QueueFull), r)) => {
                    record = r;
                    self.producer.poll(Duration::from_millis(50));
                }
                Err((e, _)) => return Err(self.target.client.error(&format!("cannot send to {topic}"), e)),
            }
        }
    }
}

impl Sink for KafkaSink {
    fn add_batch(
        &mut self,
        _batch_id: u64,
        _schema: &Schema,
        rows: Vec<Row>,
        _mode: OutputMode,
    ) -> Result<()> {
        self.producer.write(&rows)
    }

    fn description(&self) -> String {
        "org.apache.spark.sql.kafka010.KafkaSourceProvider$KafkaTable".into()
    }

    fn part_writers(&self, _schema: &Schema) -> Option<Arc<dyn PartWriterFactory>> {
        Some(Arc::new(KafkaWriters { target: self.target.clone() }))
    }
}

/// Makes each worker's producer.
struct KafkaWriters {
    target: Arc<KafkaTarget>,
}

impl PartWriterFactory for KafkaWriters {
    fn create(&self, _worker: usize, _workers: usize) -> Result<Box<dyn PartWriter>> {
        Ok(Box::new(KafkaWriter { target: self.target.clone(), producer: None }))
    }
}

/// One worker's producer, created when the worker first has rows to send.
struct KafkaWriter {
    target: Arc<KafkaTarget>,
    producer: Option<KafkaProducer>,
}

impl PartWriter for KafkaWriter {
    fn write(&mut self, _batch_id: u64, rows: Vec<Row>) -> Result<Vec<String>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        if self.producer.is_none() {
            self.producer = Some(KafkaProducer::new(self.target.clone())?);
        }
        self.producer.as_ref().expect("created above").write(&rows)?;
        Ok(Vec::new())
    }
}
