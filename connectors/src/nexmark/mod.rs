//! The `nexmark` source: the Nexmark benchmark's people, auctions and bids, generated
//! in-process by the crates.io `nexmark` crate (RisingWave's generator), one table per
//! source (`option("table", "bid")`).
//!
//! The generator makes event `i` of the global sequence from `i` alone (its type from
//! `i % (person + auction + bid proportions)`, its fields from a RNG seeded by `i`, its
//! time from `baseTime + i / eventTimeRate`), so a batch is an event-index range
//! ([`NexmarkRange`]) that the checkpoint records and every worker, of every process,
//! generates its own share of ([`NexmarkGenerator`]). With the same options the rows
//! equal those of `../shared/nexmark/gen` (the JSON files Spark read), whose only
//! setting is the base time 2023-01-01T00:00:00Z, this source's default.
//!
//! - [`NexmarkOptions`]: the options, checked (an unknown option is an error, since a
//!   misspelt knob would silently change the data).
//! - [`generate`]: which rows a worker makes of a range, converted to the table's
//!   columns (`dateTime`, `expires` as TIMESTAMP).
//! - [`pace`]: which range each micro-batch takes (as fast as possible or by the clock).

pub mod generate;
pub mod pace;

pub use generate::{NexmarkGenerator, NexmarkRange};
pub use pace::NexmarkState;

use nexmark::config::NexmarkConfig;
use sluice_core::{DataType, Options, Result, Schema, SluiceError};

/// 2023-01-01T00:00:00Z in ms: the base time of `../shared/nexmark/gen` (the crate's
/// own default is "now", which would make every run different).
pub const DEFAULT_BASE_TIME_MS: u64 = 1_672_531_200_000;

/// Events per batch when generating as fast as possible and `eventsPerBatch` is unset.
pub const DEFAULT_EVENTS_PER_BATCH: u64 = 1_000_000;

/// One of Nexmark's three tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum NexmarkTable {
    /// New users: `person`.
    Person,
    /// New auctions: `auction`.
    Auction,
    /// Bids on auctions: `bid`.
    Bid,
}

impl NexmarkTable {
    /// The table named `name` (`person`, `auction` or `bid`, any case).
    pub fn parse(name: &str) -> Result<NexmarkTable> {
        match name.trim().to_ascii_lowercase().as_str() {
            "person" => Ok(NexmarkTable::Person),
            "auction" => Ok(NexmarkTable::Auction),
            "bid" => Ok(NexmarkTable::Bid),
            _ => Err(SluiceError::option("table", format!("expected person, auction or bid, got '{name}'"))),
        }
    }

    /// The table's name.
    pub fn name(self) -> &'static str {
        match self {
            NexmarkTable::Person => "person",
            NexmarkTable::Auction => "auction",
            NexmarkTable::Bid => "bid",
        }
    }

    /// The table's columns, as Nexmark's DDL (Flink's, and the schemas Spark read the
    /// generated JSON files with): ids and prices BIGINT, times TIMESTAMP.
    pub fn schema(self) -> Schema {
        use DataType::{Long, String, Timestamp};
        let columns: &[(&str, DataType)] = match self {
            NexmarkTable::Person => &[
                ("id", Long),
                ("name", String),
                ("emailAddress", String),
                ("creditCard", String),
                ("city", String),
                ("state", String),
                ("dateTime", Timestamp),
                ("extra", String),
            ],
            NexmarkTable::Auction => &[
                ("id", Long),
                ("itemName", String),
                ("description", String),
                ("initialBid", Long),
                ("reserve", Long),
                ("dateTime", Timestamp),
                ("expires", Timestamp),
                ("seller", Long),
                ("category", Long),
                ("extra", String),
            ],
            NexmarkTable::Bid => &[
                ("auction", Long),
                ("bidder", Long),
                ("price", Long),
                ("channel", String),
                ("url", String),
                ("dateTime", Timestamp),
                ("extra", String),
            ],
        };
        columns.iter().fold(Schema::default(), |s, (name, ty)| s.with(*name, ty.clone()))
    }
}

/// How the source paces its events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pacing {
    /// Stop after this many events of the global sequence (all tables), if set.
    pub num_events: Option<u64>,
    /// Events (of the global sequence) per second of wall time; 0 = as fast as possible.
    pub events_per_second: u64,
    /// At most this many events per batch.
    pub events_per_batch: u64,
}

/// The generator's knobs that are options, with their `NexmarkConfig` fields.
/// A generator knob's field in the config.
type Knob = fn(&mut NexmarkConfig) -> &mut usize;

const KNOBS: &[(&str, Knob)] = &[
    ("personProportion", |c| &mut c.person_proportion),
    ("auctionProportion", |c| &mut c.auction_proportion),
    ("bidProportion", |c| &mut c.bid_proportion),
    ("outOfOrderGroupSize", |c| &mut c.out_of_order_group_size),
    ("numCategories", |c| &mut c.num_categories),
    ("activePeople", |c| &mut c.active_people),
    ("inFlightAuctions", |c| &mut c.in_flight_auctions),
    ("hotAuctionRatio", |c| &mut c.hot_auction_ratio),
    ("hotBidderRatio", |c| &mut c.hot_bidder_ratio),
    ("hotSellerRatio", |c| &mut c.hot_seller_ratio),
    ("avgPersonByteSize", |c| &mut c.avg_person_byte_size),
    ("avgAuctionByteSize", |c| &mut c.avg_auction_byte_size),
    ("avgBidByteSize", |c| &mut c.avg_bid_byte_size),
];

/// Options that are not generator knobs.
const OTHER_OPTIONS: &[&str] =
    &["table", "numEvents", "eventsPerSecond", "eventsPerBatch", "baseTime", "eventTimeRate"];

/// The options of a `nexmark` source, checked.
#[derive(Clone, Debug)]
pub struct NexmarkOptions {
    /// Which table the source yields.
    pub table: NexmarkTable,
    /// How batches are cut.
    pub pacing: Pacing,
    /// The generator's configuration (default but for the options given).
    pub config: NexmarkConfig,
}

fn number(options: &Options, key: &str) -> Result<Option<u64>> {
    match options.get(key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .replace('_', "")
            .parse::<u64>()
            .map(Some)
            .map_err(|_| SluiceError::option(key, format!("expected a non-negative integer, got '{v}'"))),
    }
}

fn positive(options: &Options, key: &str) -> Result<Option<u64>> {
    match number(options, key)? {
        Some(0) => Err(SluiceError::option(key, "must be positive")),
        n => Ok(n),
    }
}

/// `baseTime`: milliseconds since the epoch, or a UTC timestamp (`2023-01-01T00:00:00Z`).
fn base_time(options: &Options) -> Result<u64> {
    let Some(v) = options.get("baseTime") else { return Ok(DEFAULT_BASE_TIME_MS) };
    let v = v.trim();
    if let Ok(ms) = v.parse::<u64>() {
        return Ok(ms);
    }
    let text = v.strip_suffix('Z').unwrap_or(v);
    match sluice_core::time::parse_timestamp(text) {
        Some(us) if us >= 0 && us % 1000 == 0 => Ok((us / 1000) as u64),
        Some(_) => Err(SluiceError::option(
            "baseTime",
            format!("'{v}' must be at or after 1970-01-01 and a whole number of milliseconds"),
        )),
        None => Err(SluiceError::option(
            "baseTime",
            format!(
                "expected milliseconds since the epoch or a UTC timestamp (2023-01-01T00:00:00Z), got '{v}'"
            ),
        )),
    }
}

impl NexmarkOptions {
    /// Reads and checks a `nexmark` source's options.
    pub fn from_options(options: &Options) -> Result<NexmarkOptions> {
        for (key, _) in options.iter() {
            let known =
                OTHER_OPTIONS.iter().chain(KNOBS.iter().map(|(k, _)| k)).any(|k| k.eq_ignore_ascii_case(key));
            if !known {
                let mut names: Vec<&str> = OTHER_OPTIONS.to_vec();
                names.extend(KNOBS.iter().map(|(k, _)| *k));
                return Err(SluiceError::option(
                    key,
                    format!("not an option of the nexmark source (its options: {})", names.join(", ")),
                ));
            }
        }
        let table = NexmarkTable::parse(options.get("table").ok_or_else(|| {
            SluiceError::option("table", "the nexmark source needs table = person, auction or bid")
        })?)?;
        let pacing = Pacing {
            num_events: number(options, "numEvents")?,
            events_per_second: number(options, "eventsPerSecond")?.unwrap_or(0),
            events_per_batch: positive(options, "eventsPerBatch")?.unwrap_or(DEFAULT_EVENTS_PER_BATCH),
        };
        let mut config = NexmarkConfig { base_time: base_time(options)?, ..Default::default() };
        for (key, field) in KNOBS {
            if let Some(v) = number(options, key)? {
                *field(&mut config) =
                    usize::try_from(v).map_err(|_| SluiceError::option(*key, format!("{v} is too large")))?;
            }
        }
        if let Some(rate) = positive(options, "eventTimeRate")? {
            let rate = usize::try_from(rate)
                .map_err(|_| SluiceError::option("eventTimeRate", format!("{rate} is too large")))?;
            config.first_rate = rate;
            config.next_rate = rate;
        }
        check_config(&config)?;
        Ok(NexmarkOptions { table, pacing, config })
    }

    /// Spark-style description for progress reports.
    pub fn description(&self) -> String {
        format!("NexmarkStream[{}]", self.table.name())
    }
}

/// Knob values the generator would divide by zero with or panic on.
fn check_config(c: &NexmarkConfig) -> Result<()> {
    let positive = [
        ("personProportion", c.person_proportion),
        ("auctionProportion", c.auction_proportion),
        ("bidProportion", c.bid_proportion),
        ("outOfOrderGroupSize", c.out_of_order_group_size),
        ("numCategories", c.num_categories),
        ("activePeople", c.active_people),
        ("inFlightAuctions", c.in_flight_auctions),
        ("hotAuctionRatio", c.hot_auction_ratio),
        ("hotBidderRatio", c.hot_bidder_ratio),
        ("hotSellerRatio", c.hot_seller_ratio),
    ];
    for (key, v) in positive {
        if v == 0 {
            return Err(SluiceError::option(key, "must be positive"));
        }
    }
    if c.out_of_order_group_size.is_multiple_of(953) {
        // The generator permutes a group by `i * 953 % size`: not a permutation then.
        return Err(SluiceError::option("outOfOrderGroupSize", "must not be a multiple of 953"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Options {
        pairs.iter().copied().collect()
    }

    #[test]
    fn options_default_to_the_shared_generator() {
        let o = NexmarkOptions::from_options(&opts(&[("table", "bid")])).unwrap();
        assert_eq!(o.table, NexmarkTable::Bid);
        assert_eq!(o.config.base_time, DEFAULT_BASE_TIME_MS);
        assert_eq!(
            o.pacing,
            Pacing { num_events: None, events_per_second: 0, events_per_batch: DEFAULT_EVENTS_PER_BATCH }
        );
        assert_eq!(
            (o.config.person_proportion, o.config.auction_proportion, o.config.bid_proportion),
            (1, 3, 46)
        );
    }

    #[test]
    fn knobs_and_base_time_are_read() {
        let o = NexmarkOptions::from_options(&opts(&[
            ("TABLE", "Person"),
            ("numEvents", "1_000"),
            ("baseTime", "2024-02-29T12:00:00Z"),
            ("bidProportion", "10"),
            ("outOfOrderGroupSize", "100"),
            ("eventTimeRate", "500"),
        ]))
        .unwrap();
        assert_eq!(o.table, NexmarkTable::Person);
        assert_eq!(o.pacing.num_events, Some(1000));
        assert_eq!(o.config.base_time, 1_709_208_000_000);
        assert_eq!((o.config.bid_proportion, o.config.out_of_order_group_size), (10, 100));
        assert_eq!((o.config.first_rate, o.config.next_rate), (500, 500));
    }

    #[test]
    fn bad_options_name_the_option() {
        let err =
            |pairs: &[(&str, &str)]| NexmarkOptions::from_options(&opts(pairs)).unwrap_err().to_string();
        assert!(err(&[]).contains("table"));
        assert!(err(&[("table", "bids")]).contains("'bids'"));
        assert!(err(&[("table", "bid"), ("numEvent", "5")]).contains("numEvent"));
        assert!(err(&[("table", "bid"), ("numEvents", "-5")]).contains("numEvents"));
        assert!(err(&[("table", "bid"), ("bidProportion", "0")]).contains("bidProportion"));
        assert!(err(&[("table", "bid"), ("eventsPerBatch", "0")]).contains("eventsPerBatch"));
        assert!(err(&[("table", "bid"), ("baseTime", "yesterday")]).contains("baseTime"));
        assert!(err(&[("table", "bid"), ("outOfOrderGroupSize", "1906")]).contains("953"));
    }

    #[test]
    fn schemas_are_nexmarks() {
        assert_eq!(
            NexmarkTable::Bid.schema().to_string(),
            Schema::parse_ddl(
                "auction BIGINT, bidder BIGINT, price BIGINT, channel STRING, url STRING, dateTime TIMESTAMP, extra STRING"
            )
            .unwrap()
            .to_string()
        );
        assert_eq!(NexmarkTable::Person.schema().fields.len(), 8);
        assert_eq!(NexmarkTable::Auction.schema().fields.len(), 10);
    }
}
