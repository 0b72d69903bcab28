//! The Kafka source's options, checked as Spark's `KafkaSourceProvider` checks them.

use super::client::{client_options, ClientSettings};
use serde::{Deserialize, Serialize};
use sluice_core::{Options, Result, SluiceError};
use std::collections::BTreeMap;

/// Which partitions the source reads.
#[derive(Clone, Debug)]
pub enum Subscription {
    /// `assign`: exactly these partitions.
    Assign(BTreeMap<String, Vec<i32>>),
    /// `subscribe`: every partition of these topics.
    Subscribe(Vec<String>),
    /// `subscribePattern`: every partition of every topic whose name matches.
    Pattern(regex::Regex),
}

impl PartialEq for Subscription {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Subscription::Assign(a), Subscription::Assign(b)) => a == b,
            (Subscription::Subscribe(a), Subscription::Subscribe(b)) => a == b,
            (Subscription::Pattern(a), Subscription::Pattern(b)) => a.as_str() == b.as_str(),
            _ => false,
        }
    }
}

/// Where a query starts or a batch read ends, per partition or for all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OffsetSpec {
    /// The earliest offset still in the log.
    Earliest,
    /// The log end (the offset the next record will get).
    Latest,
    /// Per partition: an offset, or -2 for earliest and -1 for latest. Partitions not
    /// named take the default of the option (earliest for start, latest for end).
    Specific(BTreeMap<String, BTreeMap<i32, i64>>),
}

/// `-2` in an offsets JSON.
pub const EARLIEST: i64 = -2;
/// `-1` in an offsets JSON.
pub const LATEST: i64 = -1;

/// Everything the Kafka source needs, parsed from the user's options.
#[derive(Clone, Debug)]
pub struct KafkaSourceConfig {
    /// `kafka.*` options with the prefix removed, given to librdkafka.
    pub client: ClientSettings,
    /// What to read.
    pub subscription: Subscription,
    /// Where a new query starts.
    pub starting: OffsetSpec,
    /// Where a batch read ends.
    pub ending: OffsetSpec,
    /// At most this many offsets per trigger, over all partitions.
    pub max_offsets_per_trigger: Option<u64>,
    /// Fail when data is lost (topic deleted, offsets aged out); otherwise warn and go on.
    pub fail_on_data_loss: bool,
    /// Add the `headers` column.
    pub include_headers: bool,
    /// How long a worker waits for a record it knows exists before failing.
    pub poll_timeout_ms: u64,
}

const SUBSCRIPTIONS: [&str; 3] = ["assign", "subscribe", "subscribePattern"];

impl KafkaSourceConfig {
    /// Checks the options of `read_stream()` (`streaming`) or `read()` against Spark's rules.
    pub fn from_options(options: &Options, streaming: bool) -> Result<KafkaSourceConfig> {
        let client = client_options(options)?;
        if !client.map.contains_key("bootstrap.servers") {
            return Err(SluiceError::analysis(
                "Option 'kafka.bootstrap.servers' must be specified for configuring Kafka consumer",
            ));
        }
        for (key, reason) in [
            ("group.id", "user-specified consumer groups are not used to track offsets (Sluice assigns partitions itself and keeps offsets in its checkpoint); use the option 'groupIdPrefix' to name the groups it uses"),
            ("auto.offset.reset", "set the source option 'startingOffsets' to 'earliest' or 'latest' to specify where to start. Structured Streaming manages which offsets are consumed internally, rather than relying on the Kafka consumer to do it. This will ensure that no data is missed when new topics/partitions are dynamically subscribed. Note that 'startingOffsets' only applies when a new streaming query is started, and that resuming will always pick up from where the query left off"),
            ("enable.auto.commit", "Kafka source does not commit any offset: the query's checkpoint keeps them"),
            ("key.deserializer", "keys are always read as byte arrays (ByteArrayDeserializer). Use DataFrame operations (cast(key AS STRING)) to deserialize the keys explicitly"),
            ("value.deserializer", "values are always read as byte arrays (ByteArrayDeserializer). Use DataFrame operations (cast(value AS STRING), from_json) to deserialize the values explicitly"),
            ("interceptor.classes", "the Kafka source always reads keys and values as byte arrays, and interceptors could break that"),
        ] {
            if client.map.contains_key(key) {
                return Err(SluiceError::analysis(format!("Kafka option 'kafka.{key}' is not supported: {reason}.")));
            }
        }
        let given: Vec<&str> = SUBSCRIPTIONS.iter().copied().filter(|k| options.contains(k)).collect();
        if given.len() != 1 {
            return Err(SluiceError::analysis(format!(
                "One of the following options must be specified for Kafka source: {}. See the docs for more details. (given: {})",
                SUBSCRIPTIONS.join(", "),
                if given.is_empty() { "none".to_string() } else { given.join(", ") }
            )));
        }
        let value = options.get(given[0]).unwrap_or_default();
        let subscription = match given[0] {
            "assign" => Subscription::Assign(parse_assign(value)?),
            "subscribe" => {
                let topics: Vec<String> =
                    value.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect();
                if topics.is_empty() {
                    return Err(SluiceError::analysis(format!(
                        "No topics to subscribe to as specified value for option 'subscribe' is '{value}'"
                    )));
                }
                Subscription::Subscribe(topics)
            }
            _ => {
                if value.trim().is_empty() {
                    return Err(SluiceError::analysis(
                        "Pattern to subscribe is empty as specified value for option 'subscribePattern' is ''",
                    ));
                }
                let anchored = format!("^(?:{value})$");
                Subscription::Pattern(regex::Regex::new(&anchored).map_err(|e| {
                    SluiceError::option("subscribePattern", format!("not a valid regular expression: {e}"))
                })?)
            }
        };
        let starting = match options.get("startingOffsets") {
            None => {
                if streaming {
                    OffsetSpec::Latest
                } else {
                    OffsetSpec::Earliest
                }
            }
            Some(v) => parse_offsets("startingOffsets", v)?,
        };
        let ending = match options.get("endingOffsets") {
            None => OffsetSpec::Latest,
            Some(_) if streaming => {
                return Err(SluiceError::analysis("Ending offset not valid in streaming queries"));
            }
            Some(v) => parse_offsets("endingOffsets", v)?,
        };
        if !streaming {
            check_batch_offsets(&starting, &ending)?;
        }
        let poll_timeout_ms = match options.get("kafkaConsumer.pollTimeoutMs") {
            None => 120_000,
            Some(v) => v.trim().parse().map_err(|_| {
                SluiceError::option(
                    "kafkaConsumer.pollTimeoutMs",
                    format!("expected milliseconds, got '{v}'"),
                )
            })?,
        };
        Ok(KafkaSourceConfig {
            client,
            subscription,
            starting,
            ending,
            max_offsets_per_trigger: options.get_positive("maxOffsetsPerTrigger")?,
            fail_on_data_loss: options.get_bool("failOnDataLoss", true)?,
            include_headers: options.get_bool("includeHeaders", false)?,
            poll_timeout_ms,
        })
    }

    /// `kafka.bootstrap.servers`, for error messages.
    pub fn servers(&self) -> &str {
        self.client.servers()
    }

    /// True when `topic` is one the subscription reads.
    pub fn wants_topic(&self, topic: &str) -> bool {
        match &self.subscription {
            Subscription::Assign(map) => map.contains_key(topic),
            Subscription::Subscribe(topics) => topics.iter().any(|t| t == topic),
            Subscription::Pattern(re) => !topic.starts_with("__") && re.is_match(topic),
        }
    }
}

fn parse_assign(text: &str) -> Result<BTreeMap<String, Vec<i32>>> {
    let bad = |why: String| {
        SluiceError::option(
            "assign",
            format!("expected a JSON object of topics to partition lists, such as {{\"topicA\":[0,1],\"topicB\":[2,4]}}; {why}"),
        )
    };
    let parsed: BTreeMap<String, Vec<i32>> =
        serde_json::from_str(text).map_err(|e| bad(format!("got '{text}' ({e})")))?;
    if parsed.values().all(Vec::is_empty) {
        return Err(bad("no partition is named".into()));
    }
    Ok(parsed)
}

fn parse_offsets(option: &str, text: &str) -> Result<OffsetSpec> {
    match text.trim().to_ascii_lowercase().as_str() {
        "earliest" => return Ok(OffsetSpec::Earliest),
        "latest" => return Ok(OffsetSpec::Latest),
        _ => {}
    }
    let parsed: BTreeMap<String, BTreeMap<String, i64>> = serde_json::from_str(text).map_err(|e| {
        SluiceError::option(
            option,
            format!(
                "expected 'earliest', 'latest' or a JSON object such as {{\"topicA\":{{\"0\":23,\"1\":-2}}}} (-2 earliest, -1 latest); got '{text}' ({e})"
            ),
        )
    })?;
    let mut out = BTreeMap::new();
    for (topic, parts) in parsed {
        let mut m = BTreeMap::new();
        for (p, off) in parts {
            let p: i32 = p.parse().map_err(|_| {
                SluiceError::option(option, format!("partition '{p}' of topic '{topic}' is not a number"))
            })?;
            if off < EARLIEST {
                return Err(SluiceError::option(
                    option,
                    format!("offset {off} of {topic}-{p} is not valid (use an offset >= 0, -2 for earliest or -1 for latest)"),
                ));
            }
            m.insert(p, off);
        }
        out.insert(topic, m);
    }
    Ok(OffsetSpec::Specific(out))
}

fn check_batch_offsets(starting: &OffsetSpec, ending: &OffsetSpec) -> Result<()> {
    if *starting == OffsetSpec::Latest {
        return Err(SluiceError::analysis("starting offset can't be latest for batch queries on Kafka"));
    }
    if let OffsetSpec::Specific(m) = starting {
        if let Some((t, p)) = find(m, LATEST) {
            return Err(SluiceError::analysis(format!(
                "startingOffsets for {t}-{p} can't be latest (-1) for batch queries on Kafka"
            )));
        }
    }
    if *ending == OffsetSpec::Earliest {
        return Err(SluiceError::analysis("ending offset can't be earliest for batch queries on Kafka"));
    }
    if let OffsetSpec::Specific(m) = ending {
        if let Some((t, p)) = find(m, EARLIEST) {
            return Err(SluiceError::analysis(format!(
                "endingOffsets for {t}-{p} can't be earliest (-2) for batch queries on Kafka"
            )));
        }
    }
    Ok(())
}

fn find(m: &BTreeMap<String, BTreeMap<i32, i64>>, value: i64) -> Option<(String, i32)> {
    m.iter().find_map(|(t, ps)| ps.iter().find(|(_, &o)| o == value).map(|(p, _)| (t.clone(), *p)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Options {
        let mut o = Options::new();
        for (k, v) in pairs {
            o.set(*k, *v);
        }
        o
    }

    #[test]
    fn exactly_one_subscription_is_required() {
        let base = [("kafka.bootstrap.servers", "127.0.0.1:9092")];
        let err = KafkaSourceConfig::from_options(&opts(&base), true).unwrap_err().to_string();
        assert!(err.contains("assign, subscribe, subscribePattern"), "{err}");
        let two = [base[0], ("subscribe", "a"), ("subscribePattern", "a.*")];
        let err = KafkaSourceConfig::from_options(&opts(&two), true).unwrap_err().to_string();
        assert!(err.contains("given: subscribe, subscribePattern"), "{err}");
        let ok = KafkaSourceConfig::from_options(&opts(&[base[0], ("subscribe", "a, b")]), true).unwrap();
        assert_eq!(ok.subscription, Subscription::Subscribe(vec!["a".into(), "b".into()]));
        assert_eq!(ok.starting, OffsetSpec::Latest);
        let err =
            KafkaSourceConfig::from_options(&opts(&[("subscribe", "a")]), true).unwrap_err().to_string();
        assert!(err.contains("kafka.bootstrap.servers"), "{err}");
    }

    #[test]
    fn consumer_options_spark_manages_are_rejected_with_the_reason() {
        for key in [
            "kafka.group.id",
            "kafka.auto.offset.reset",
            "kafka.enable.auto.commit",
            "kafka.key.deserializer",
            "kafka.value.deserializer",
        ] {
            let o = opts(&[("kafka.bootstrap.servers", "x:1"), ("subscribe", "t"), (key, "v")]);
            let err = KafkaSourceConfig::from_options(&o, true).unwrap_err().to_string();
            assert!(err.contains(&format!("Kafka option '{key}' is not supported")), "{err}");
        }
    }

    #[test]
    fn offsets_parse_in_every_form_and_batch_rules_hold() {
        let base = [("kafka.bootstrap.servers", "x:1"), ("subscribe", "t")];
        let with = |k: &str, v: &str, streaming| {
            let mut o = opts(&base);
            o.set(k, v);
            KafkaSourceConfig::from_options(&o, streaming)
        };
        let c = with("startingOffsets", r#"{"t":{"0":5,"1":-2}}"#, true).unwrap();
        let OffsetSpec::Specific(m) = c.starting else { panic!("specific") };
        assert_eq!(m["t"][&0], 5);
        assert_eq!(m["t"][&1], EARLIEST);
        assert!(with("endingOffsets", "latest", true).unwrap_err().to_string().contains("streaming"));
        assert!(with("startingOffsets", "latest", false)
            .unwrap_err()
            .to_string()
            .contains("can't be latest"));
        assert!(with("endingOffsets", r#"{"t":{"0":-2}}"#, false)
            .unwrap_err()
            .to_string()
            .contains("earliest (-2)"));
        assert!(with("startingOffsets", "soonest", true)
            .unwrap_err()
            .to_string()
            .contains("startingOffsets"));
        assert_eq!(with("endingOffsets", r#"{"t":{"0":7}}"#, false).unwrap().starting, OffsetSpec::Earliest);
    }
}
