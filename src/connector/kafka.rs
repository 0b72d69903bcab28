//! The Kafka connector, as Spark's `KafkaMicroBatchStream` and Kafka sink: the driver
//! plans each batch as offset ranges per partition; each worker reads the ranges of its
//! partition slots by assignment. The sink is `sluice_connectors::kafka::KafkaSink`.

use super::{made, MadeSink, SinkProvider, SinkRequest, SourceProvider, SourceRequest, ALL_MODES};
use crate::source::{
    tagged, untagged, Backlog, BacklogUnit, BatchOffsets, BatchPlan, PlannedBatch, Source, SourceReader,
};
use serde::{Deserialize, Serialize};
use sluice_connectors::kafka::{
    kafka_schema, KafkaPlanner, KafkaRange, KafkaReader, KafkaSink, KafkaSourceConfig, PartitionOffsets,
    Subscription,
};
use sluice_core::mode::OutputMode;
use sluice_core::plan::{SourceInput, SourceSpec};
use sluice_core::{Result, Row, SluiceError};
use std::collections::BTreeMap;

pub(super) struct KafkaConnector;

const NAME: &str = "kafka";
const TAG: &str = "kafka";

/// What the offsets log keeps of a batch: `{"kafka":{"ranges":[..],"next":{..}}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct KafkaRecord {
    /// The offset ranges the batch reads.
    ranges: Vec<KafkaRange>,
    /// The next offset per partition after the batch.
    next: Option<PartitionOffsets>,
}

fn config(spec: &SourceSpec) -> Result<KafkaSourceConfig> {
    KafkaSourceConfig::from_options(&spec.options, spec.streaming)
}

impl SourceProvider for KafkaConnector {
    fn describe(&self, r: &SourceRequest) -> Result<SourceSpec> {
        if r.schema.is_some() {
            return Err(SluiceError::analysis(
                "Kafka source has a fixed schema and cannot be set with a custom one",
            ));
        }
        let config = KafkaSourceConfig::from_options(r.options, r.streaming)?;
        Ok(SourceSpec {
            description: description(&config),
            connector: NAME.into(),
            path: None,
            rows: None,
            schema: kafka_schema(config.include_headers),
            options: r.options.clone(),
            streaming: r.streaming,
        })
    }

    fn shape(&self, spec: &SourceSpec) -> String {
        let sub = ["subscribe", "subscribePattern", "assign"]
            .iter()
            .find_map(|k| spec.options.get(k).map(|v| format!("{k}={v}")))
            .unwrap_or_default();
        format!("kafka {sub}")
    }

    fn stream(&self, input: &SourceInput) -> Result<Box<dyn Source>> {
        let planner = KafkaPlanner::new(config(&input.spec)?, input.spec.options.get("groupIdPrefix"))?;
        Ok(Box::new(KafkaSource { planner: Box::new(planner), description: input.spec.description.clone() }))
    }

    fn reader(&self, input: &SourceInput) -> Result<Box<dyn SourceReader>> {
        let reader =
            KafkaReader::new(config(&input.spec)?, input.spec.options.get("groupIdPrefix").map(String::from));
        Ok(Box::new(KafkaSourceReader { reader, projection: input.projection.clone() }))
    }
}

impl SinkProvider for KafkaConnector {
    fn output_modes(&self) -> &'static [OutputMode] {
        ALL_MODES
    }

    fn create(&self, r: SinkRequest) -> Result<MadeSink> {
        made(KafkaSink::new(r.schema, r.options)?)
    }
}

/// Spark's description of a Kafka source (`KafkaV2[Subscribe[topic]]`).
fn description(config: &KafkaSourceConfig) -> String {
    let what = match &config.subscription {
        Subscription::Assign(m) => {
            let parts: Vec<String> =
                m.iter().flat_map(|(t, ps)| ps.iter().map(move |p| format!("{t}-{p}"))).collect();
            format!("Assign[{}]", parts.join(", "))
        }
        Subscription::Subscribe(topics) => format!("Subscribe[{}]", topics.join(",")),
        Subscription::Pattern(re) => {
            let p = re.as_str();
            format!(
                "SubscribePattern[{}]",
                p.strip_prefix("^(?:").and_then(|x| x.strip_suffix(")$")).unwrap_or(p)
            )
        }
    };
    format!("KafkaV2[{what}]")
}

struct KafkaSource {
    planner: Box<KafkaPlanner>,
    description: String,
}

impl Source for KafkaSource {
    fn description(&self) -> String {
        self.description.clone()
    }

    fn plan_next(&mut self) -> Result<PlannedBatch> {
        let planned = self.planner.next_batch();
        for w in self.planner.take_warnings() {
            eprintln!("WARN KafkaMicroBatchStream: {w}");
        }
        let latest = Some(serde_json::json!(self.planner.latest()));
        let (ranges, offsets) = match planned? {
            None => (Vec::new(), BatchOffsets { latest, ..Default::default() }),
            Some((ranges, start, end)) => (
                ranges,
                BatchOffsets {
                    start: Some(serde_json::json!(start)),
                    end: Some(serde_json::json!(end)),
                    latest,
                },
            ),
        };
        let record = KafkaRecord { ranges, next: self.planner.position().cloned() };
        Ok(PlannedBatch { recorded: tagged(TAG, &record), offsets })
    }

    fn plan_partitions(&mut self, recorded: &serde_json::Value, _workers: usize) -> Result<BatchPlan> {
        let r: KafkaRecord = untagged(TAG, &self.description, recorded)?;
        if r.ranges.is_empty() {
            return Ok(BatchPlan::empty(NAME));
        }
        Ok(BatchPlan::new(NAME, r.ranges))
    }

    fn apply_recorded(&mut self, recorded: &serde_json::Value) -> Result<()> {
        let r: KafkaRecord = untagged(TAG, &self.description, recorded)?;
        if let Some(next) = r.next {
            self.planner.restore(next);
        }
        Ok(())
    }

    fn bound_to_available(&mut self) -> Result<()> {
        self.planner.bound_to_available()
    }

    fn lift_rate_limits(&mut self) {
        self.planner.lift_rate_limit()
    }

    fn backlog(&self) -> Option<Backlog> {
        let (done, total) = self.planner.backlog()?;
        Some(Backlog { done, total, unit: BacklogUnit::Offsets })
    }

    fn metrics(&self) -> BTreeMap<String, String> {
        let mut metrics = self.backlog().map(|b| b.metrics()).unwrap_or_default();
        metrics.extend(self.planner.metrics());
        metrics
    }
}

struct KafkaSourceReader {
    reader: KafkaReader,
    projection: Vec<usize>,
}

impl SourceReader for KafkaSourceReader {
    fn read(&self, plan: &BatchPlan, index: usize, peers: usize, emit: &mut dyn FnMut(Row)) -> Result<u64> {
        let Some(ranges) = plan.get::<Vec<KafkaRange>>(NAME)? else { return Ok(0) };
        self.reader.read(&ranges, index, peers, &mut |row| {
            emit(self.projection.iter().map(|&i| row[i].clone()).collect())
        })?;
        Ok(0)
    }
}
