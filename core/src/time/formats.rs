//! How JSON and CSV read and write timestamps, dates and times: Spark's `timestampFormat`,
//! `dateFormat`, `timeFormat` and `timestampNTZFormat` options (of the file sources and of
//! `from_json` / `to_json`), with the `timeZone` option.

use super::{DateTimePattern, Zone, MICROS_PER_DAY};

/// Spark's default `timestampFormat` of the JSON and CSV writers (`2020-01-01T01:02:03.500Z`).
pub const DEFAULT_WRITE_TIMESTAMP_FORMAT: &str = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

/// The patterns of a reader's or writer's options. Without a pattern, Spark's default
/// reading applies (ISO 8601 and its lenient forms); with one, as Spark's CORRECTED policy,
/// the text must match it.
#[derive(Clone, Debug)]
pub struct TimeFormats {
    timestamp: Option<DateTimePattern>,
    date: Option<DateTimePattern>,
    time: Option<DateTimePattern>,
    /// Kept for `TIMESTAMP_NTZ` columns, which Sluice does not have yet: validated only.
    #[allow(dead_code)]
    timestamp_ntz: Option<DateTimePattern>,
    /// Where text without a zone is local time (the `timeZone` option).
    zone: Zone,
    /// Timestamps without a pattern are written as `show()` writes them
    /// (`2015-02-23 10:10:00.5`) rather than as Spark's JSON writer does: the CLI's
    /// `--format json` and `DataFrame::to_json` rows (`format::row_to_json`).
    show_text: bool,
}

impl Default for TimeFormats {
    fn default() -> TimeFormats {
        TimeFormats::in_zone(Zone::Utc)
    }
}

impl TimeFormats {
    /// No patterns: Spark's defaults, local time in `zone`.
    pub fn in_zone(zone: Zone) -> TimeFormats {
        TimeFormats { timestamp: None, date: None, time: None, timestamp_ntz: None, zone, show_text: false }
    }

    /// No patterns, and timestamps written as `show()` writes them, in `zone`.
    pub fn show_text(zone: Zone) -> TimeFormats {
        TimeFormats { show_text: true, ..TimeFormats::in_zone(zone) }
    }

    /// The patterns of a reader's `options`, each compiled and checked as Spark checks a
    /// parsing pattern (an invalid pattern is an error naming the option); the `timeZone`
    /// option, else `default_zone`.
    pub fn from_options(options: &crate::Options, default_zone: Zone) -> crate::Result<TimeFormats> {
        Self::compile(options, default_zone, DateTimePattern::for_parsing)
    }

    /// [`TimeFormats::from_options`] for a writer (`to_json`): patterns checked as Spark
    /// checks a formatting pattern.
    pub fn for_writing(options: &crate::Options, default_zone: Zone) -> crate::Result<TimeFormats> {
        Self::compile(options, default_zone, DateTimePattern::new)
    }

    fn compile<E: std::fmt::Display>(
        options: &crate::Options,
        default_zone: Zone,
        build: impl Fn(&str) -> Result<DateTimePattern, E>,
    ) -> crate::Result<TimeFormats> {
        let pattern = |key: &str| {
            options
                .get(key)
                .map(|p| {
                    build(p).map_err(|why| {
                        crate::SluiceError::option(key, format!("invalid pattern '{p}': {why}"))
                    })
                })
                .transpose()
        };
        Ok(TimeFormats {
            timestamp: pattern("timestampFormat")?,
            date: pattern("dateFormat")?,
            time: pattern("timeFormat")?,
            timestamp_ntz: pattern("timestampNTZFormat")?,
            zone: match options.get("timeZone") {
                None => default_zone,
                Some(_) => options.time_zone()?,
            },
            show_text: false,
        })
    }

    /// The zone text without one is read in.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// A timestamp (microseconds since the epoch, UTC) from text, local time in the zone
    /// unless the text names one.
    pub fn timestamp(&self, text: &str) -> Option<i64> {
        match &self.timestamp {
            Some(p) => p.parse_in(text, self.zone).ok(),
            None => super::parse_timestamp_in(text, self.zone),
        }
    }

    /// A date (days since the epoch) from text.
    pub fn date(&self, text: &str) -> Option<i32> {
        match &self.date {
            Some(p) => {
                let micros = p.parse(text).ok()?;
                i32::try_from(micros.div_euclid(MICROS_PER_DAY)).ok()
            }
            None => super::parse_date(text),
        }
    }

    /// A time of day (nanoseconds since midnight) from text.
    pub fn time(&self, text: &str) -> Option<i64> {
        match &self.time {
            Some(p) => Some(p.parse(text).ok()?.rem_euclid(MICROS_PER_DAY) * 1000),
            None => super::parse_time(text).ok().map(|(nanos, _)| nanos),
        }
    }

    /// A timestamp as the JSON and CSV writers write it: the `timestampFormat` pattern, or
    /// Spark's default `yyyy-MM-dd'T'HH:mm:ss.SSSXXX`, in the zone.
    pub fn write_timestamp(&self, micros: i64) -> String {
        match &self.timestamp {
            Some(p) => p.format_in(micros, self.zone),
            None if self.show_text => super::format_timestamp_in(micros, self.zone),
            None => default_write_timestamp().format_in(micros, self.zone),
        }
    }

    /// A date as the writers write it (`yyyy-MM-dd` by default).
    pub fn write_date(&self, days: i32) -> String {
        match &self.date {
            Some(p) => p.format(i64::from(days) * MICROS_PER_DAY),
            None => super::format_date(days),
        }
    }

    /// A time of day as the writers write it (`HH:mm:ss` and the fraction by default).
    pub fn write_time(&self, nanos: i64) -> String {
        match &self.time {
            Some(p) => p.format(nanos.div_euclid(1000)),
            None => super::format_time(nanos),
        }
    }

    /// True when a timestamp pattern was given (CSV type inference then tries it).
    pub fn has_timestamp_format(&self) -> bool {
        self.timestamp.is_some()
    }
}

fn default_write_timestamp() -> &'static DateTimePattern {
    static PATTERN: std::sync::OnceLock<DateTimePattern> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| DateTimePattern::new(DEFAULT_WRITE_TIMESTAMP_FORMAT).expect("a valid pattern"))
}
