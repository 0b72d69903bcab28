//! Which events a worker generates for a batch, and their rows.
//!
//! A batch is a range of the global event sequence. With in-order event time (the
//! default `outOfOrderGroupSize` 1) the generator is asked for the table's own events
//! only (its type filter: the `k`-th bid is global event `k / 46 * 50 + 4 + k % 46` with
//! the default proportions), and worker `w` of `n` takes the `w`-th of `n` contiguous
//! shares of the batch's table events. Out of order, the type of an event depends on its
//! place in a shuffled group, so each worker walks its share of the global events and
//! keeps the table's. Either way every event of the range is made by exactly one worker,
//! whatever the number of workers or processes. Contiguous shares, not every `n`-th
//! event: a worker's rows then span `1 / n` of the batch's event time, so a windowed
//! aggregation's partial states per worker cover fewer windows (Nexmark q5 over the
//! generator sent twice the partial groups of the same query over files).

use super::{NexmarkOptions, NexmarkTable};
use nexmark::event::{Event, EventType};
use nexmark::EventGenerator;
use sluice_core::{Row, Value};
use std::sync::Arc;

/// The global events `start..end` (a batch of the source, as the checkpoint records it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NexmarkRange {
    /// First event index.
    pub start: u64,
    /// One past the last event index.
    pub end: u64,
}

impl NexmarkRange {
    /// Number of events (of all tables) in the range.
    pub fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// True when the range holds no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Makes a worker's rows of a range for one table, projected to some of its columns.
#[derive(Clone, Debug)]
pub struct NexmarkGenerator {
    table: NexmarkTable,
    /// The configuration the generator was made with.
    config: nexmark::config::NexmarkConfig,
    /// The id of event number 0 of the table filter's numbering (`first_event_id +
    /// first_event_number`), which seeds its random numbers.
    first_id: usize,
    /// A generator at event 0, cloned for each range (it holds the derived config).
    proto: EventGenerator,
    /// `(before, proportion, denominator)`: the table's events are those whose index
    /// modulo `denominator` lies in `before..before + proportion`.
    shape: (u64, u64, u64),
    in_order: bool,
    /// A bid's (channel, url) choices as values, made once for the bid table (see [`BidStrings`]).
    bid_strings: Arc<BidStrings>,
}

impl NexmarkGenerator {
    /// A generator for the source with these options.
    pub fn new(options: &NexmarkOptions) -> NexmarkGenerator {
        let c = &options.config;
        let (p, a, b) = (c.person_proportion as u64, c.auction_proportion as u64, c.bid_proportion as u64);
        let shape = match options.table {
            NexmarkTable::Person => (0, p, p + a + b),
            NexmarkTable::Auction => (p, a, p + a + b),
            NexmarkTable::Bid => (p + a, b, p + a + b),
        };
        NexmarkGenerator {
            table: options.table,
            config: c.clone(),
            first_id: c.first_event_id + c.first_event_number,
            proto: EventGenerator::new(c.clone()),
            shape,
            in_order: c.out_of_order_group_size == 1,
            bid_strings: Arc::new(match options.table {
                NexmarkTable::Bid => BidStrings::new(c),
                _ => BidStrings { channels: Vec::new(), hot: Vec::new() },
            }),
        }
    }

    /// Events of the table among global events `0..x` (in-order numbering).
    fn table_events_before(&self, x: u64) -> u64 {
        let (before, prop, denom) = self.shape;
        (x / denom) * prop + (x % denom).saturating_sub(before).min(prop)
    }

    /// Emits the rows of worker `index` of `peers` for `range`: the columns `projection`
    /// (indices into the table's schema), in that order.
    pub fn generate(
        &self,
        range: NexmarkRange,
        index: usize,
        peers: usize,
        projection: &[usize],
        emit: &mut dyn FnMut(Row),
    ) {
        let peers = peers.max(1) as u64;
        // Worker `index` takes the `index`-th of `peers` contiguous shares of `lo..hi`.
        let share = |lo: u64, hi: u64| {
            let at = |i: u64| lo + ((hi - lo) as u128 * i as u128 / peers as u128) as u64;
            (at(index as u64), at(index as u64 + 1))
        };
        if self.in_order {
            let kind = match self.table {
                NexmarkTable::Person => EventType::Person,
                NexmarkTable::Auction => EventType::Auction,
                NexmarkTable::Bid => EventType::Bid,
            };
            let (lo, hi) = share(self.table_events_before(range.start), self.table_events_before(range.end));
            let mut gen = self.proto.clone().with_type_filter(kind).with_offset(lo);
            if self.table == NexmarkTable::Bid {
                // Bids are drawn here, as the crate draws them, and only as far as the
                // projection needs.
                let mut extra = Vec::new();
                while gen.offset() < hi {
                    let id = self.first_id + gen.global_offset() as usize;
                    let time = gen.timestamp();
                    emit(self.bid_row(id, time, projection, &mut extra));
                    let next = gen.offset() + 1;
                    gen = gen.with_offset(next);
                }
                return;
            }
            while gen.offset() < hi {
                match gen.next() {
                    Some(event) => emit(to_row(event, projection)),
                    None => break,
                }
            }
        } else {
            let (lo, hi) = share(range.start, range.end);
            let mut gen = self.proto.clone().with_offset(lo);
            while gen.offset() < hi {
                match gen.next() {
                    Some(event) if self.is_table(&event) => emit(to_row(event, projection)),
                    Some(_) => {}
                    None => break,
                }
            }
        }
    }

    /// Number of columns of the table.
    #[cfg(test)]
    fn table_width(&self) -> usize {
        self.table.schema().fields.len()
    }

    fn is_table(&self, event: &Event) -> bool {
        matches!(
            (self.table, event),
            (NexmarkTable::Person, Event::Person(_))
                | (NexmarkTable::Auction, Event::Auction(_))
                | (NexmarkTable::Bid, Event::Bid(_))
        )
    }

    /// The columns `projection` of the bid with event id `id` at `time` (ms): the crate's
    /// `Bid::new`, drawn from the bid's own generator (seeded by its id) in its order and
    /// with its arithmetic, and no further than the projection needs: the channel and url
    /// are shared values, and the `extra` string, one draw per character and most of a
    /// bid's cost, is drawn (into `buf`) only when projected. `bids_are_the_crates` holds
    /// it to the crate's bids.
    fn bid_row(&self, id: usize, time: u64, projection: &[usize], buf: &mut Vec<u8>) -> Row {
        use rand::Rng;
        let c = &self.config;
        let (auction, bidder, price, mut rng) = bid_head(id, c);
        let strings = projection.iter().any(|&i| matches!(i, 3 | 4 | 6));
        let (mut channel, mut url, mut extra) = (Value::Null, Value::Null, Value::Null);
        if strings {
            let (ch, u) = if rng.gen_range(0..c.hot_channel_ratio) > 0 {
                &self.bid_strings.hot[rng.gen_range(0..c.hot_channels.len())]
            } else {
                // `SliceRandom::choose` over the crate's channel map.
                &self.bid_strings.channels[rng.gen_range(0..CHANNELS as u32) as usize]
            };
            (channel, url) = (ch.clone(), u.clone());
        }
        if projection.contains(&6) {
            // `gen_next_extra(8 + 8 + 8 + 8, avg_bid_byte_size)`.
            const CURRENT_SIZE: usize = 32;
            buf.clear();
            if CURRENT_SIZE <= c.avg_bid_byte_size {
                let desired = c.avg_bid_byte_size - CURRENT_SIZE;
                let delta = (desired + 2) / 5;
                let size = desired - delta + if delta == 0 { 0 } else { rng.gen_range(0..2 * delta) };
                buf.extend((0..size).map(|_| letter(&mut rng)));
            }
            extra = Value::String(Arc::from(std::str::from_utf8(buf).expect("ASCII letters")));
        }
        projection
            .iter()
            .map(|&i| match i {
                0 => long(auction),
                1 => long(bidder),
                2 => long(price),
                3 => channel.clone(),
                4 => url.clone(),
                5 => timestamp(time),
                6 => extra.clone(),
                _ => Value::Null,
            })
            .collect()
    }
}

/// `rng.gen_range(b'a'..=b'z')` as rand 0.8 draws it (`UniformInt<u8>`'s
/// `sample_single_inclusive`: a `u32` times 26, its high half the letter, redrawn in the
/// rare case its low half falls past the last whole zone), with the zone a constant: the
/// call, not inlined, computed it with a division per letter, a quarter of q1's time.
fn letter(rng: &mut rand::rngs::SmallRng) -> u8 {
    use rand::RngCore;
    const RANGE: u32 = 26;
    const ZONE: u32 = u32::MAX - (u32::MAX - RANGE + 1) % RANGE;
    loop {
        let wide = u64::from(rng.next_u32()) * u64::from(RANGE);
        if wide as u32 <= ZONE {
            return b'a' + (wide >> 32) as u8;
        }
    }
}

/// Channels of the crate's channel map (`CHANNEL_NUMBER`).
const CHANNELS: usize = 10_000;

/// A bid's possible (channel, url) pairs as string values: the crate's private channel map
/// (`utils::build_channel_url_map`), rebuilt with its draws, and the configured hot ones.
#[derive(Debug)]
struct BidStrings {
    channels: Vec<(Value, Value)>,
    hot: Vec<(Value, Value)>,
}

impl BidStrings {
    fn new(c: &nexmark::config::NexmarkConfig) -> BidStrings {
        use rand::{Rng, SeedableRng};
        let channels = (0..CHANNELS)
            .map(|i| {
                let mut url = base_url(i as u64);
                let mut rng = rand::rngs::SmallRng::seed_from_u64(i as u64);
                if rng.gen_range(0..10) > 0 {
                    url.push_str("&channel_id=");
                    url.push_str(&i64::abs((i as i32).reverse_bits() as i64).to_string());
                }
                (string(&format!("channel-{i}")), string(&url))
            })
            .collect();
        let hot = c.hot_channels.iter().zip(&c.hot_urls).map(|(ch, u)| (string(ch), string(u))).collect();
        BidStrings { channels, hot }
    }
}

/// The crate's `utils::get_base_url`: three random path parts of 3-4 letters or `_`.
fn base_url(seed: u64) -> String {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::SmallRng::seed_from_u64(seed);
    let mut part = || -> String {
        let len = rng.gen_range(3..5usize);
        (0..len)
            .map(|_| if rng.gen_range(0..13) == 0 { '_' } else { rng.gen_range(b'a'..=b'z') as char })
            .collect()
    };
    let (a, b, c) = (part(), part(), part());
    format!("https://www.nexmark.com/{a}/{b}/{c}/item.htm?query=1")
}

/// The auction, bidder and price of the bid with event id `id`, and its generator after
/// them: the first numbers the `nexmark` crate's `Bid::new` draws from the bid's own
/// generator (seeded by its id), in its order, with its arithmetic.
fn bid_head(id: usize, c: &nexmark::config::NexmarkConfig) -> (usize, usize, usize, rand::rngs::SmallRng) {
    use rand::{Rng, SeedableRng};
    // The crate's HOT_AUCTION_RATIO and HOT_BIDDER_RATIO.
    const HOT_RATIO: usize = 100;
    let mut generator = rand::rngs::SmallRng::seed_from_u64(id as u64);
    let rng = &mut generator;
    let denominator = c.person_proportion + c.auction_proportion + c.bid_proportion;
    let (epoch, offset) = (id / denominator, id % denominator);
    // `Auction::last_id`.
    let last_auction = if offset < c.person_proportion {
        (epoch - 1) * c.auction_proportion + c.auction_proportion - 1
    } else if c.person_proportion + c.auction_proportion <= offset {
        epoch * c.auction_proportion + c.auction_proportion - 1
    } else {
        epoch * c.auction_proportion + offset - c.person_proportion
    };
    let auction = if 0 < rng.gen_range(0..c.hot_auction_ratio) {
        (last_auction / HOT_RATIO) * HOT_RATIO
    } else {
        // `Auction::next_id`.
        let min = last_auction.saturating_sub(c.in_flight_auctions);
        min + rng.gen_range(0..last_auction - min + 1 + c.auction_id_lead)
    };
    // `Person::last_id`.
    let last_person = epoch * c.person_proportion + offset.min(c.person_proportion - 1);
    let bidder = if 0 < rng.gen_range(0..c.hot_bidder_ratio) {
        (last_person / HOT_RATIO) * HOT_RATIO + 1
    } else {
        // `Person::next_id`.
        let people = last_person + 1;
        let active = people.min(c.active_people);
        people - active + rng.gen_range(0..active + c.person_id_lead)
    };
    // `gen_price`.
    let price = (10.0_f32.powf(rng.gen::<f32>() * 6.0) * 100.0).round() as usize;
    (auction + c.first_auction_id, bidder + c.first_person_id, price, generator)
}

fn long(v: usize) -> Value {
    Value::Long(v as i64)
}

fn string(s: &str) -> Value {
    Value::String(Arc::from(s))
}

fn timestamp(ms: u64) -> Value {
    Value::Timestamp(ms as i64 * 1000)
}

/// The event's row: the columns `projection` of its table's schema
/// ([`NexmarkTable::schema`]), in that order.
pub fn to_row(event: Event, projection: &[usize]) -> Row {
    let full = match event {
        // Bids are most events (46 of 50): their columns are made only when projected.
        Event::Bid(b) => {
            return projection
                .iter()
                .map(|&i| match i {
                    0 => long(b.auction),
                    1 => long(b.bidder),
                    2 => long(b.price),
                    3 => string(&b.channel),
                    4 => string(&b.url),
                    5 => timestamp(b.date_time),
                    6 => string(&b.extra),
                    _ => Value::Null,
                })
                .collect()
        }
        Event::Person(p) => vec![
            long(p.id),
            string(&p.name),
            string(&p.email_address),
            string(&p.credit_card),
            string(&p.city),
            string(&p.state),
            timestamp(p.date_time),
            string(&p.extra),
        ],
        Event::Auction(a) => vec![
            long(a.id),
            string(&a.item_name),
            string(&a.description),
            long(a.initial_bid),
            long(a.reserve),
            timestamp(a.date_time),
            timestamp(a.expires),
            long(a.seller),
            long(a.category),
            string(&a.extra),
        ],
    };
    projection.iter().map(|&i| full.get(i).cloned().unwrap_or(Value::Null)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sluice_core::Options;

    fn generator(table: &str, extra: &[(&str, &str)]) -> NexmarkGenerator {
        let mut options: Options = [("table", table)].into_iter().collect();
        for (k, v) in extra {
            options.set(*k, *v);
        }
        NexmarkGenerator::new(&NexmarkOptions::from_options(&options).expect("options"))
    }

    /// The rows of the first `n` events as `../shared/nexmark/gen` makes them: the
    /// generator's plain sequence, filtered by table.
    fn reference(table: &str, extra: &[(&str, &str)], n: usize) -> Vec<Row> {
        let g = generator(table, extra);
        let all: Vec<usize> = (0..g.table_width()).collect();
        EventGenerator::new(g.config.clone())
            .take(n)
            .filter(|e| g.is_table(e))
            .map(|e| to_row(e, &all))
            .collect()
    }

    fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
        rows.sort();
        rows
    }

    #[test]
    fn any_split_of_ranges_and_workers_gives_the_generators_rows() {
        for extra in [&[][..], &[("outOfOrderGroupSize", "7")][..], &[("bidProportion", "5")][..]] {
            for table in ["person", "auction", "bid"] {
                let want = reference(table, extra, 1000);
                let g = generator(table, extra);
                let all: Vec<usize> = (0..g.table_width()).collect();
                for (cuts, peers) in
                    [(vec![0, 1000], 1), (vec![0, 3, 333, 1000], 2), (vec![0, 49, 50, 51, 777, 1000], 3)]
                {
                    let mut got = Vec::new();
                    for w in cuts.windows(2) {
                        for index in 0..peers {
                            let range = NexmarkRange { start: w[0], end: w[1] };
                            g.generate(range, index, peers, &all, &mut |r| got.push(r));
                        }
                    }
                    assert_eq!(
                        sorted(got),
                        sorted(want.clone()),
                        "{table} {extra:?} cuts {cuts:?} peers {peers}"
                    );
                }
            }
        }
    }

    /// Bids drawn here, whole or projected (strings drawn only when projected), are the
    /// crate's bids over 200,000 events and on other knobs, in any order of the columns.
    #[test]
    fn bids_are_the_crates() {
        let knobs: [&[(&str, &str)]; 6] = [
            &[],
            &[("bidProportion", "5"), ("auctionProportion", "2")],
            &[("hotAuctionRatio", "1"), ("hotBidderRatio", "1"), ("activePeople", "7")],
            &[("inFlightAuctions", "3"), ("hotAuctionRatio", "9"), ("eventTimeRate", "77")],
            &[("avgBidByteSize", "33")],
            &[("avgBidByteSize", "20")],
        ];
        for extra in knobs {
            let g = generator("bid", extra);
            // The crate's bids of the second worker's share, all columns.
            let all: Vec<usize> = (0..g.table_width()).collect();
            let (lo, hi) = (g.table_events_before(0), g.table_events_before(200_000));
            let share = lo + (hi - lo) / 2..hi;
            let crate_bids: Vec<Row> = g
                .proto
                .clone()
                .with_type_filter(EventType::Bid)
                .with_offset(share.start)
                .take((share.end - share.start) as usize)
                .map(|e| to_row(e, &all))
                .collect();
            assert!(crate_bids.len() > 50_000, "{extra:?}: {} bids", crate_bids.len());
            for projection in
                [all.clone(), vec![0, 1, 2, 5], vec![5, 2], vec![1], vec![6, 0], vec![4, 3], vec![3]]
            {
                let range = NexmarkRange { start: 0, end: 200_000 };
                let mut got = Vec::new();
                g.generate(range, 1, 2, &projection, &mut |r| got.push(r));
                let want: Vec<Row> =
                    crate_bids.iter().map(|r| projection.iter().map(|&i| r[i].clone()).collect()).collect();
                assert_eq!(got, want, "{extra:?} {projection:?}");
            }
        }
    }

    #[test]
    fn rows_follow_the_schema_and_projection() {
        let g = generator("bid", &[]);
        let mut rows = Vec::new();
        // Events 0..4 are a person and three auctions; event 4 is the first bid.
        g.generate(NexmarkRange { start: 0, end: 5 }, 0, 1, &[5, 2, 0], &mut |r| rows.push(r));
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row[0], Value::Timestamp(super::super::DEFAULT_BASE_TIME_MS as i64 * 1000));
        assert!(matches!(row[1], Value::Long(p) if p > 0));
        assert!(matches!(row[2], Value::Long(a) if a >= 1000));
        let schema = NexmarkTable::Auction.schema();
        let mut auctions = Vec::new();
        let all: Vec<usize> = (0..schema.fields.len()).collect();
        generator("auction", &[])
            .generate(NexmarkRange { start: 0, end: 50 }, 0, 1, &all, &mut |r| auctions.push(r));
        assert_eq!(auctions.len(), 3);
        for r in &auctions {
            for (v, f) in r.iter().zip(&schema.fields) {
                assert_eq!(v.data_type(), f.data_type, "{}", f.name);
            }
        }
    }
}
