//! The Kafka source: a planner on the driver decides, per micro-batch, which offset range
//! of each partition the batch reads (Spark's `KafkaMicroBatchStream`), and a reader on
//! each worker fetches its partitions' ranges by assignment, never through a consumer
//! group, so the ranges (and a checkpoint of them) fully decide what a batch holds.

use super::client::SecurityContext;
use super::options::{KafkaSourceConfig, OffsetSpec, Subscription, EARLIEST, LATEST};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use sluice_core::{DataType, Field, Result, Row, Schema, SluiceError, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long one metadata or offsets request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Spark's Kafka source schema (with `headers` when `includeHeaders` is true).
pub fn kafka_schema(include_headers: bool) -> Schema {
    let mut s = Schema::new(vec![
        Field::new("key", DataType::Binary),
        Field::new("value", DataType::Binary),
        Field::new("topic", DataType::String),
        Field::new("partition", DataType::Int),
        Field::new("offset", DataType::Long),
        Field::new("timestamp", DataType::Timestamp),
        Field::new("timestampType", DataType::Int),
    ]);
    if include_headers {
        s.fields.push(Field::new("headers", headers_type()));
    }
    s
}

/// `array<struct<key: string, value: binary>>`.
pub fn headers_type() -> DataType {
    DataType::Array(Box::new(DataType::Struct(vec![
        Field::new("key", DataType::String),
        Field::new("value", DataType::Binary),
    ])))
}

/// Offsets per topic and partition, in Spark's JSON shape `{"topic":{"0":12,"1":40}}`.
pub type PartitionOffsets = BTreeMap<String, BTreeMap<i32, i64>>;

/// One partition's share of a batch: offsets `from` (inclusive) to `until` (exclusive).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaRange {
    /// Topic name.
    pub topic: Arc<str>,
    /// Partition number.
    pub partition: i32,
    /// First offset read.
    pub from: i64,
    /// One past the last offset read.
    pub until: i64,
    /// The partition's place among all partitions the source knows: it picks the worker,
    /// so a partition stays with one worker from batch to batch.
    pub slot: usize,
}

impl KafkaRange {
    /// The worker (out of `peers`) that reads this range.
    pub fn worker(&self, peers: usize) -> usize {
        self.slot % peers.max(1)
    }
}

fn client_config(cfg: &KafkaSourceConfig, group: &str) -> ClientConfig {
    let mut c = cfg.client.config();
    c.set("group.id", group);
    c.set("enable.auto.commit", "false");
    c.set("enable.auto.offset.store", "false");
    c
}

fn group_id(prefix: Option<&str>, role: &str) -> String {
    format!("{}-{}-{role}", prefix.unwrap_or("spark-kafka-source"), uuid::Uuid::new_v4())
}

/// Decides on the driver which offsets each batch reads.
pub struct KafkaPlanner {
    cfg: KafkaSourceConfig,
    consumer: BaseConsumer<SecurityContext>,
    /// The next offset to read per partition; `None` before the first batch is planned.
    next: Option<PartitionOffsets>,
    /// The end offsets of an AvailableNow run or a batch read: nothing past them is read.
    bound: Option<PartitionOffsets>,
    /// Where this run started when it was bounded (for its progress out of the bound).
    bound_start: Option<PartitionOffsets>,
    /// Since when the broker has been unreachable (the planner retries until the timeout).
    unreachable_since: Option<Instant>,
    /// The latest offsets seen at the last planning, for progress.
    latest: PartitionOffsets,
    /// Warnings about lost data (with `failOnDataLoss = false`), for the caller to log.
    warnings: Vec<String>,
}

/// What one partition looks like in the broker now.
#[derive(Clone, Copy, Debug)]
struct Watermarks {
    low: i64,
    high: i64,
}

impl KafkaPlanner {
    /// Connects to the brokers (lazily: the first request happens at the first batch).
    pub fn new(cfg: KafkaSourceConfig, group_prefix: Option<&str>) -> Result<KafkaPlanner> {
        let consumer = client_config(&cfg, &group_id(group_prefix, "driver-0"))
            .create_with_context(SecurityContext::default())
            .map_err(|e| cfg.client.error("cannot create the driver's consumer", e))?;
        Ok(KafkaPlanner {
            cfg,
            consumer,
            next: None,
            bound: None,
            bound_start: None,
            unreachable_since: None,
            latest: BTreeMap::new(),
            warnings: Vec::new(),
        })
    }

    /// Runs a broker request in short tries until `REQUEST_TIMEOUT`, failing at once when
    /// the client saw a TLS or SASL failure (which retrying does not heal).
    fn request<T>(
        &self,
        what: impl Fn() -> String,
        attempt: impl Fn(Duration) -> rdkafka::error::KafkaResult<T>,
    ) -> Result<T> {
        let started = Instant::now();
        loop {
            let result = attempt(REQUEST_TIMEOUT.min(Duration::from_millis(500)));
            // The consumer's logs and errors reach its context only when it is polled (it
            // is never assigned a partition, so nothing else comes).
            let _ = self.consumer.poll(Duration::ZERO);
            if let Some(failure) = self.consumer.context().errors.failure(&self.cfg.client) {
                return Err(failure);
            }
            match result {
                Ok(v) => return Ok(v),
                Err(e) if started.elapsed() >= REQUEST_TIMEOUT => {
                    return Err(self.cfg.client.error(&what(), e))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// The partitions the subscription covers now, with their low and high offsets.
    fn partitions(&self) -> Result<BTreeMap<(String, i32), Watermarks>> {
        let one_topic = match &self.cfg.subscription {
            Subscription::Subscribe(topics) if topics.len() == 1 => Some(topics[0].as_str()),
            _ => None,
        };
        let metadata = self.request(
            || "cannot fetch metadata".to_string(),
            |timeout| self.consumer.fetch_metadata(one_topic, timeout),
        )?;
        let mut out = BTreeMap::new();
        for topic in metadata.topics() {
            if topic.error().is_some() || !self.cfg.wants_topic(topic.name()) {
                continue;
            }
            for p in topic.partitions() {
                if let Subscription::Assign(map) = &self.cfg.subscription {
                    if !map.get(topic.name()).is_some_and(|ps| ps.contains(&p.id())) {
                        continue;
                    }
                }
                let (low, high) = self.request(
                    || format!("cannot list offsets of {}-{}", topic.name(), p.id()),
                    |timeout| self.consumer.fetch_watermarks(topic.name(), p.id(), timeout),
                )?;
                out.insert((topic.name().to_string(), p.id()), Watermarks { low, high });
            }
        }
        Ok(out)
    }

    /// Lists the partitions, retrying while the broker is unreachable: `Ok(None)` means
    /// "try again at the next trigger"; past `kafkaConsumer.pollTimeoutMs` it is an error.
    fn partitions_or_wait(&mut self) -> Result<Option<BTreeMap<(String, i32), Watermarks>>> {
        match self.partitions() {
            Ok(p) => {
                self.unreachable_since = None;
                Ok(Some(p))
            }
            Err(e) if self.consumer.context().errors.failure(&self.cfg.client).is_some() => Err(e),
            Err(e) => {
                let since = *self.unreachable_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= Duration::from_millis(self.cfg.poll_timeout_ms) {
                    return Err(SluiceError::exec(format!(
                        "{e} (unreachable for {} ms; the limit is kafkaConsumer.pollTimeoutMs)",
                        since.elapsed().as_millis()
                    )));
                }
                self.warnings.push(format!("{e}; retrying"));
                Ok(None)
            }
        }
    }

    fn resolve(spec: &OffsetSpec, topic: &str, p: i32, w: Watermarks, default: i64) -> i64 {
        let wanted = match spec {
            OffsetSpec::Earliest => EARLIEST,
            OffsetSpec::Latest => LATEST,
            OffsetSpec::Specific(m) => m.get(topic).and_then(|ps| ps.get(&p)).copied().unwrap_or(default),
        };
        match wanted {
            EARLIEST => w.low,
            LATEST => w.high,
            o => o,
        }
    }

    /// Where a new query starts (Spark: `startingOffsets` applies only to a new query).
    fn initial(&self, parts: &BTreeMap<(String, i32), Watermarks>) -> Result<PartitionOffsets> {
        let mut start = PartitionOffsets::new();
        if let OffsetSpec::Specific(m) = &self.cfg.starting {
            for (t, ps) in m {
                for p in ps.keys() {
                    if !parts.contains_key(&(t.clone(), *p)) && self.cfg.wants_topic(t) {
                        return Err(SluiceError::option(
                            "startingOffsets",
                            format!("partition {t}-{p} does not exist (known partitions: {})", names(parts)),
                        ));
                    }
                }
            }
        }
        let default = if matches!(self.cfg.starting, OffsetSpec::Specific(_)) { LATEST } else { EARLIEST };
        for ((t, p), w) in parts {
            start
                .entry(t.clone())
                .or_default()
                .insert(*p, Self::resolve(&self.cfg.starting, t, *p, *w, default));
        }
        Ok(start)
    }

    /// For `Trigger.AvailableNow` and batch reads: fixes the end offsets now.
    pub fn bound_to_available(&mut self) -> Result<()> {
        let parts = self.partitions()?;
        let mut end = PartitionOffsets::new();
        for ((t, p), w) in &parts {
            end.entry(t.clone()).or_default().insert(*p, Self::resolve(&self.cfg.ending, t, *p, *w, LATEST));
        }
        self.bound_start = Some(match &self.next {
            Some(next) => next.clone(),
            None => self.initial(&parts)?,
        });
        self.bound = Some(end);
        Ok(())
    }

    /// Spark's Kafka source metrics: how many offsets each partition's consumed position
    /// is behind the latest offset seen at the last planning (`minOffsetsBehindLatest`,
    /// `maxOffsetsBehindLatest`, `avgOffsetsBehindLatest`); empty before the first batch.
    pub fn metrics(&self) -> BTreeMap<String, String> {
        let Some(next) = &self.next else { return BTreeMap::new() };
        let behind: Vec<i64> = self
            .latest
            .iter()
            .flat_map(|(t, ps)| {
                ps.iter().map(move |(p, &latest)| {
                    latest - next.get(t).and_then(|x| x.get(p)).copied().unwrap_or(0)
                })
            })
            .collect();
        let (Some(min), Some(max)) = (behind.iter().min(), behind.iter().max()) else {
            return BTreeMap::new();
        };
        let avg = behind.iter().sum::<i64>() as f64 / behind.len() as f64;
        BTreeMap::from([
            ("minOffsetsBehindLatest".to_string(), min.to_string()),
            ("maxOffsetsBehindLatest".to_string(), max.to_string()),
            ("avgOffsetsBehindLatest".to_string(), sluice_core::format::java_double_to_string(avg)),
        ])
    }

    /// For a bounded run: `(offsets read, offsets to read)` since the run started, over
    /// the partitions of the bound.
    pub fn backlog(&self) -> Option<(u64, u64)> {
        let (bound, start) = (self.bound.as_ref()?, self.bound_start.as_ref()?);
        let (mut done, mut total) = (0u64, 0u64);
        for (t, ps) in bound {
            for (p, &end) in ps {
                let from = start.get(t).and_then(|x| x.get(p)).copied().unwrap_or(end).min(end);
                let at = self.next.as_ref().and_then(|n| n.get(t)?.get(p)).copied().unwrap_or(from);
                total += (end - from) as u64;
                done += (at.clamp(from, end) - from) as u64;
            }
        }
        Some((done, total))
    }

    /// Restores the position from a checkpoint: the next batch starts at `offsets`.
    pub fn restore(&mut self, offsets: PartitionOffsets) {
        self.next = Some(offsets);
    }

    /// The next offsets to read (the end of the last planned batch).
    pub fn position(&self) -> Option<&PartitionOffsets> {
        self.next.as_ref()
    }

    /// Lifts `maxOffsetsPerTrigger` (Trigger.Once reads everything available).
    pub fn lift_rate_limit(&mut self) {
        self.cfg.max_offsets_per_trigger = None;
    }

    /// Warnings gathered since the last call (lost data with `failOnDataLoss = false`,
    /// an unreachable broker being retried).
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// The latest offsets seen when the last batch was planned (Spark's `latestOffset`).
    pub fn latest(&self) -> &PartitionOffsets {
        &self.latest
    }

    fn data_loss(&mut self, message: String) -> Result<()> {
        if self.cfg.fail_on_data_loss {
            return Err(SluiceError::exec(format!(
                "{message}. Some data may have been lost because they are not available in Kafka any more; either the data was aged out by Kafka or the topic may have been deleted before all the data in the topic was processed. If you want your streaming query to fail on such cases, set the source option \"failOnDataLoss\" to \"true\"; to go on from the earliest available offset instead, set it to \"false\"."
            )));
        }
        self.warnings.push(format!(
            "{message}. Some data may have been lost; going on because failOnDataLoss is false."
        ));
        Ok(())
    }

    /// Plans the next batch: the ranges to read and the (start, end) offsets, or `None`
    /// when there is nothing new (or the broker is unreachable for now).
    pub fn next_batch(&mut self) -> Result<Option<(Vec<KafkaRange>, PartitionOffsets, PartitionOffsets)>> {
        let Some(parts) = self.partitions_or_wait()? else { return Ok(None) };
        let mut start = match self.next.take() {
            Some(s) => s,
            None => self.initial(&parts)?,
        };
        // Partitions that vanished (a deleted topic) and offsets that fell out of retention.
        let known: Vec<(String, i32, i64)> =
            start.iter().flat_map(|(t, ps)| ps.iter().map(move |(p, o)| (t.clone(), *p, *o))).collect();
        for (t, p, offset) in known {
            match parts.get(&(t.clone(), p)) {
                None => {
                    if let Err(e) = self.data_loss(format!("Partition {t}-{p} is gone (its topic was deleted?); {offset} was the next offset to read")) {
                        self.next = Some(start);
                        return Err(e);
                    }
                    if let Some(ps) = start.get_mut(&t) {
                        ps.remove(&p);
                    }
                }
                Some(w) if offset < w.low || offset > w.high => {
                    let what = if offset < w.low {
                        format!("Cannot fetch offset {offset} of {t}-{p}: the earliest available offset is {} (offsets {offset} to {} are lost)", w.low, w.low - 1)
                    } else {
                        format!(
                            "Offset of {t}-{p} went back from {offset} to {} (the topic was recreated?)",
                            w.high
                        )
                    };
                    if let Err(e) = self.data_loss(what) {
                        self.next = Some(start);
                        return Err(e);
                    }
                    start.entry(t.clone()).or_default().insert(p, w.low);
                }
                Some(_) => {}
            }
        }
        start.retain(|_, ps| !ps.is_empty());
        // New partitions (and topics matching the subscription) start at the earliest offset.
        for ((t, p), w) in &parts {
            start.entry(t.clone()).or_default().entry(*p).or_insert(w.low);
        }
        self.latest = PartitionOffsets::new();
        let mut until = PartitionOffsets::new();
        for ((t, p), w) in &parts {
            self.latest.entry(t.clone()).or_default().insert(*p, w.high);
            let mut end = w.high;
            if let Some(b) = self.bound.as_ref() {
                // Partitions created after the bound was fixed are not read by this run.
                end = b.get(t).and_then(|ps| ps.get(p)).copied().unwrap_or(start[t][p]).min(end);
            }
            until.entry(t.clone()).or_default().insert(*p, end);
        }
        if let Some(limit) = self.cfg.max_offsets_per_trigger {
            rate_limit(&start, &mut until, limit);
        }
        let mut ranges = Vec::new();
        for (slot, ((t, p), _)) in parts.iter().enumerate() {
            let (from, to) = (start[t][p], until[t][p].max(start[t][p]));
            if to > from {
                ranges.push(KafkaRange {
                    topic: Arc::from(t.as_str()),
                    partition: *p,
                    from,
                    until: to,
                    slot,
                });
            }
        }
        let end: PartitionOffsets = start
            .iter()
            .map(|(t, ps)| (t.clone(), ps.iter().map(|(p, &o)| (*p, until[t][p].max(o))).collect()))
            .collect();
        self.next = Some(end.clone());
        if ranges.is_empty() {
            return Ok(None);
        }
        Ok(Some((ranges, start, end)))
    }

    /// True when a bounded run (AvailableNow, batch read) has read everything up to its bound.
    pub fn reached_bound(&self) -> bool {
        match (&self.bound, &self.next) {
            (Some(b), Some(n)) => b.iter().all(|(t, ps)| {
                ps.iter().all(|(p, o)| n.get(t).and_then(|x| x.get(p)).is_some_and(|x| x >= o))
            }),
            _ => false,
        }
    }
}

fn names(parts: &BTreeMap<(String, i32), Watermarks>) -> String {
    let v: Vec<String> = parts.keys().map(|(t, p)| format!("{t}-{p}")).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

/// Spark's `maxOffsetsPerTrigger`: the limit is split across partitions in proportion to
/// their backlog (a share under one offset rounds up, others down).
fn rate_limit(start: &PartitionOffsets, until: &mut PartitionOffsets, limit: u64) {
    let sizes: Vec<(String, i32, i64)> = until
        .iter()
        .flat_map(|(t, ps)| ps.iter().map(move |(p, e)| (t.clone(), *p, *e)))
        .map(|(t, p, e)| {
            let b = start[&t][&p];
            (t, p, e - b)
        })
        .filter(|(_, _, s)| *s > 0)
        .collect();
    let total: f64 = sizes.iter().map(|(_, _, s)| *s as f64).sum();
    if total < 1.0 {
        return;
    }
    for (t, p, size) in sizes {
        let prorate = limit as f64 * (size as f64 / total);
        let n = if prorate < 1.0 { prorate.ceil() } else { prorate.floor() } as i64;
        let begin = start[&t][&p];
        let slot = until.get_mut(&t).and_then(|ps| ps.get_mut(&p)).expect("sized partitions are in until");
        *slot = (*slot).min(begin + n);
    }
}

/// Reads a worker's ranges; one consumer per worker, kept between batches.
pub struct KafkaReader {
    cfg: KafkaSourceConfig,
    group_prefix: Option<String>,
    consumers: Mutex<BTreeMap<usize, BaseConsumer<SecurityContext>>>,
}

impl KafkaReader {
    /// A reader for `cfg`; consumers connect at the first batch.
    pub fn new(cfg: KafkaSourceConfig, group_prefix: Option<String>) -> KafkaReader {
        KafkaReader { cfg, group_prefix, consumers: Mutex::new(BTreeMap::new()) }
    }

    fn consumer(&self, index: usize) -> Result<BaseConsumer<SecurityContext>> {
        if let Some(c) = self.consumers.lock().unwrap_or_else(|p| p.into_inner()).remove(&index) {
            return Ok(c);
        }
        let mut config =
            client_config(&self.cfg, &group_id(self.group_prefix.as_deref(), &format!("executor-{index}")));
        config.set("enable.partition.eof", "true");
        config.set("auto.offset.reset", if self.cfg.fail_on_data_loss { "error" } else { "earliest" });
        config
            .create_with_context(SecurityContext::default())
            .map_err(|e| self.cfg.client.error("cannot create a consumer", e))
    }

    /// Reads the ranges of worker `index` of `peers`, in offset order per partition.
    pub fn read(
        &self,
        ranges: &[KafkaRange],
        index: usize,
        peers: usize,
        emit: &mut dyn FnMut(Row),
    ) -> Result<()> {
        let mine: Vec<&KafkaRange> = ranges.iter().filter(|r| r.worker(peers) == index).collect();
        if mine.is_empty() {
            return Ok(());
        }
        let consumer = self.consumer(index)?;
        let result = self.read_with(&consumer, &mine, emit);
        // No fetching between batches: an idle consumer holds no assignment.
        let _ = consumer.unassign();
        // A consumer that failed may be in a bad state: keep only a healthy one.
        if result.is_ok() {
            self.consumers.lock().unwrap_or_else(|p| p.into_inner()).insert(index, consumer);
        }
        result
    }

    fn read_with(
        &self,
        consumer: &BaseConsumer<SecurityContext>,
        mine: &[&KafkaRange],
        emit: &mut dyn FnMut(Row),
    ) -> Result<()> {
        let client = &self.cfg.client;
        let mut tpl = TopicPartitionList::new();
        let mut pending: Vec<&KafkaRange> = mine.to_vec();
        for r in mine {
            tpl.add_partition_offset(&r.topic, r.partition, Offset::Offset(r.from))
                .map_err(|e| client.error("cannot assign a partition", e))?;
        }
        let find = |pending: &[&KafkaRange], topic: &str, p: i32| {
            pending.iter().position(|r| r.partition == p && &*r.topic == topic)
        };
        consumer.assign(&tpl).map_err(|e| client.error("cannot assign partitions", e))?;
        let timeout = Duration::from_millis(self.cfg.poll_timeout_ms);
        let mut last_progress = Instant::now();
        let mut last_error: Option<String> = None;
        while !pending.is_empty() {
            match consumer.poll(Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    let Some(i) = find(&pending, m.topic(), m.partition()) else { continue };
                    let r = pending[i];
                    last_progress = Instant::now();
                    if m.offset() >= r.from && m.offset() < r.until {
                        emit(record_row(&m, &r.topic, self.cfg.include_headers));
                    }
                    if m.offset() >= r.until - 1 {
                        pending.swap_remove(i);
                    }
                }
                Some(Err(rdkafka::error::KafkaError::PartitionEOF(_))) | None => {
                    // Offsets may have gaps (compaction, transaction markers): a partition
                    // whose position passed its range is done.
                    if let Ok(pos) = consumer.position() {
                        for e in pos.elements() {
                            if let (Offset::Offset(o), Some(i)) =
                                (e.offset(), find(&pending, e.topic(), e.partition()))
                            {
                                if o >= pending[i].until {
                                    pending.swap_remove(i);
                                }
                            }
                        }
                    }
                }
                Some(Err(e)) => {
                    let text = e.to_string();
                    let lost = text.contains("out of range") || text.contains("OffsetOutOfRange");
                    if lost && self.cfg.fail_on_data_loss {
                        return Err(client.error(
                            "offsets planned for this batch are no longer available (failOnDataLoss is true)",
                            e,
                        ));
                    }
                    last_error = Some(text);
                }
            }
            if let Some(failure) = consumer.context().errors.failure(client) {
                return Err(failure);
            }
            if last_progress.elapsed() >= timeout {
                let waiting: Vec<String> = pending
                    .iter()
                    .map(|r| format!("{}-{} offsets {}..{}", r.topic, r.partition, r.from, r.until))
                    .collect();
                return Err(client.error(
                    &format!(
                        "timed out after {} ms (kafkaConsumer.pollTimeoutMs) waiting for records of {}",
                        timeout.as_millis(),
                        waiting.join(", ")
                    ),
                    last_error.as_deref().unwrap_or("no error reported"),
                ));
            }
        }
        Ok(())
    }
}

/// One record as a row of [`kafka_schema`].
fn record_row<M: Message>(m: &M, topic: &Arc<str>, include_headers: bool) -> Row {
    let bytes = |b: Option<&[u8]>| b.map_or(Value::Null, |b| Value::Binary(Arc::from(b)));
    let (ts, ts_type) = match m.timestamp() {
        rdkafka::Timestamp::NotAvailable => (Value::Null, -1),
        rdkafka::Timestamp::CreateTime(ms) => (Value::Timestamp(ms * 1000), 0),
        rdkafka::Timestamp::LogAppendTime(ms) => (Value::Timestamp(ms * 1000), 1),
    };
    let mut row = vec![
        bytes(m.key()),
        bytes(m.payload()),
        Value::String(topic.clone()),
        Value::Int(m.partition()),
        Value::Long(m.offset()),
        ts,
        Value::Int(ts_type),
    ];
    if include_headers {
        row.push(match m.headers() {
            None => Value::Array(Arc::from(Vec::new())),
            Some(h) => Value::Array(
                h.iter()
                    .map(|h| Value::Struct(vec![Value::string(h.key), bytes(h.value)].into()))
                    .collect::<Vec<_>>()
                    .into(),
            ),
        });
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_keeps_one_worker_and_workers_share_the_partitions() {
        let range = |partition: i32, slot: usize| KafkaRange {
            topic: Arc::from("t"),
            partition,
            from: 0,
            until: 1,
            slot,
        };
        // Three partitions over two workers: worker 0 reads partitions 0 and 2, worker 1 partition 1.
        let all = [range(0, 0), range(1, 1), range(2, 2)];
        let workers: Vec<usize> = all.iter().map(|r| r.worker(2)).collect();
        assert_eq!(workers, [0, 1, 0]);
        // A batch where partition 1 has nothing new: partition 2 stays with worker 0, since
        // the slot is the partition's place among all partitions, not among this batch's ranges.
        assert_eq!(range(2, 2).worker(2), 0);
        assert_eq!(range(0, 0).worker(1), 0, "one worker reads everything");
    }

    #[test]
    fn rate_limit_splits_in_proportion_to_backlog() {
        let mut start = PartitionOffsets::new();
        start.insert("t".into(), [(0, 0), (1, 100), (2, 50)].into_iter().collect());
        let mut until = PartitionOffsets::new();
        until.insert("t".into(), [(0, 300), (1, 200), (2, 50)].into_iter().collect());
        rate_limit(&start, &mut until, 100);
        // Backlogs 300 and 100 of 400: 75 and 25; the empty partition stays.
        assert_eq!(until["t"], [(0, 75), (1, 125), (2, 50)].into_iter().collect());
        // A share under one offset rounds up.
        let mut until2 = PartitionOffsets::new();
        until2.insert("t".into(), [(0, 1000), (1, 101), (2, 50)].into_iter().collect());
        rate_limit(&start, &mut until2, 10);
        assert_eq!(until2["t"][&1], 101);
        assert_eq!(until2["t"][&0], 9);
    }
}
