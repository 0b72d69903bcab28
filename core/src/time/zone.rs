//! The session time zone (`spark.sql.session.timeZone`): where a timestamp, an instant
//! kept as microseconds since the epoch in UTC, is read from and written as local text,
//! and where it is taken apart into a date and hours. Region zones come from the IANA
//! database (`chrono-tz`), so daylight-saving changes are where the law put them.
//!
//! Local text with no zone in a daylight-saving gap moves forward by the gap, and in an
//! overlap takes the earlier offset, as Java's `ZonedDateTime.of` (and so Spark) does.
//!
//! Expressions take the zone when they are bound: the session sets it for the thread that
//! analyses a query ([`with_session_zone`]), and every node that needs it keeps it, so the
//! workers that evaluate the node need no zone of their own (Spark's
//! `TimeZoneAwareExpression`).

use super::*;
use chrono::{Offset, TimeZone};
use std::cell::Cell;

/// A time zone: UTC, a fixed offset, or a region of the IANA database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Zone {
    /// UTC (the default).
    #[default]
    Utc,
    /// A fixed offset east of UTC, in seconds.
    Fixed(i32),
    /// A region such as `America/Los_Angeles`.
    Region(chrono_tz::Tz),
}

impl Zone {
    /// A zone as Spark's `spark.sql.session.timeZone` takes it: a region ID
    /// (`America/Los_Angeles`, any case), `UTC`/`GMT`/`Z`, or an offset (`+08:00`, `-5`,
    /// `UTC+01:00`, `GMT-08:30`).
    pub fn parse(id: &str) -> Result<Zone, String> {
        let id = id.trim();
        let upper = id.to_ascii_uppercase();
        if matches!(upper.as_str(), "UTC" | "GMT" | "Z" | "UT" | "ETC/UTC" | "ETC/GMT") {
            return Ok(Zone::Utc);
        }
        let offset_text = ["UTC", "GMT", "UT"].iter().find_map(|p| upper.strip_prefix(p)).unwrap_or(&upper);
        if offset_text.starts_with(['+', '-']) {
            return match parse_offset(offset_text) {
                Some(0) => Ok(Zone::Utc),
                Some(secs) => Ok(Zone::Fixed(secs)),
                None => Err(format!("'{id}' is not a time zone offset (expected +hh:mm, such as +08:00)")),
            };
        }
        if let Ok(tz) = id.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Region(tz));
        }
        let found = chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(id));
        found.map(|tz| Zone::Region(*tz)).ok_or_else(|| {
            format!(
                "'{id}' is not a time zone: use a region ID such as 'America/Los_Angeles', or an offset such as '+08:00'"
            )
        })
    }

    /// The zone's name, as given to [`Zone::parse`] it gives this zone back.
    pub fn id(&self) -> String {
        match self {
            Zone::Utc => "UTC".to_string(),
            Zone::Fixed(secs) => format_offset(*secs, true),
            Zone::Region(tz) => tz.name().to_string(),
        }
    }

    /// Seconds east of UTC in this zone at the instant `utc_micros`.
    pub fn offset_at(&self, utc_micros: i64) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Fixed(secs) => *secs,
            Zone::Region(tz) => match chrono::DateTime::from_timestamp_micros(utc_micros) {
                Some(t) => tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc(),
                None => 0,
            },
        }
    }

    /// The local wall-clock time (as microseconds of a UTC-like count) of instant `utc_micros`.
    pub fn to_local(&self, utc_micros: i64) -> i64 {
        match self {
            Zone::Utc => utc_micros,
            _ => utc_micros.saturating_add(self.offset_at(utc_micros) as i64 * MICROS_PER_SECOND),
        }
    }

    /// The instant of the local wall-clock time `local_micros`: in a gap, moved forward by
    /// the gap; in an overlap, the earlier offset (Java's `ZonedDateTime.of`).
    pub fn from_local(&self, local_micros: i64) -> i64 {
        let tz = match self {
            Zone::Utc => return local_micros,
            Zone::Fixed(secs) => return local_micros.saturating_sub(*secs as i64 * MICROS_PER_SECOND),
            Zone::Region(tz) => tz,
        };
        let Some(naive) = chrono::DateTime::from_timestamp_micros(local_micros).map(|t| t.naive_utc()) else {
            return local_micros;
        };
        let offset = match tz.from_local_datetime(&naive) {
            chrono::LocalResult::Single(t) => t.offset().fix().local_minus_utc(),
            chrono::LocalResult::Ambiguous(earlier, later) => {
                let (a, b) =
                    (earlier.offset().fix().local_minus_utc(), later.offset().fix().local_minus_utc());
                // The earlier instant is the one with the larger offset.
                a.max(b)
            }
            // A gap: the offset in force before it, which puts the instant past the change.
            chrono::LocalResult::None => self.offset_at(local_micros.saturating_sub(MICROS_PER_DAY)),
        };
        local_micros.saturating_sub(offset as i64 * MICROS_PER_SECOND)
    }

    /// The zone's short name at `utc_micros` (`PST`, `PDT`, `IST`; `UTC`; an offset for a
    /// fixed zone), as pattern letter `z` prints it.
    pub fn short_name(&self, utc_micros: i64) -> String {
        match self {
            Zone::Utc => "UTC".to_string(),
            Zone::Fixed(secs) => format_offset(*secs, true),
            Zone::Region(tz) => match chrono::DateTime::from_timestamp_micros(utc_micros) {
                Some(t) => {
                    use chrono_tz::OffsetName;
                    let offset = tz.offset_from_utc_datetime(&t.naive_utc());
                    match offset.abbreviation() {
                        // Java names an instant before standard time by the zone's standard name.
                        Some("LMT") => self.standard_name(),
                        Some(name) => name.to_string(),
                        None => format_offset(offset.fix().local_minus_utc(), true),
                    }
                }
                None => tz.name().to_string(),
            },
        }
    }
}

impl Zone {
    /// The zone's name in standard time: the abbreviation of the lesser of its offsets in
    /// January and July 2000.
    fn standard_name(&self) -> String {
        let (jan, jul) = (946_684_800_000_000, 962_409_600_000_000);
        let name = if self.offset_at(jan) <= self.offset_at(jul) { jan } else { jul };
        self.short_name(name)
    }

    /// Java's full zone name (pattern `zzzz`) at an instant: `Pacific Standard Time`; the
    /// short name for zones without one known here.
    pub fn long_name(&self, utc_micros: i64) -> String {
        let short = self.short_name(utc_micros);
        let long = match short.as_str() {
            "UTC" => "Coordinated Universal Time",
            "GMT" => "Greenwich Mean Time",
            "PST" => "Pacific Standard Time",
            "PDT" => "Pacific Daylight Time",
            "MST" => "Mountain Standard Time",
            "MDT" => "Mountain Daylight Time",
            "CST" if self.id().starts_with("America/") => "Central Standard Time",
            "CDT" if self.id().starts_with("America/") => "Central Daylight Time",
            "EST" => "Eastern Standard Time",
            "EDT" => "Eastern Daylight Time",
            "AKST" => "Alaska Standard Time",
            "AKDT" => "Alaska Daylight Time",
            "HST" => "Hawaii-Aleutian Standard Time",
            "CET" => "Central European Standard Time",
            "CEST" => "Central European Summer Time",
            "EET" => "Eastern European Standard Time",
            "EEST" => "Eastern European Summer Time",
            "WET" => "Western European Standard Time",
            "WEST" => "Western European Summer Time",
            "BST" => "British Summer Time",
            "JST" => "Japan Standard Time",
            "IST" if self.id() == "Asia/Kolkata" => "India Standard Time",
            "CST" if self.id() == "Asia/Shanghai" => "China Standard Time",
            "AEST" => "Australian Eastern Standard Time",
            "AEDT" => "Australian Eastern Daylight Time",
            _ => return short,
        };
        long.to_string()
    }
}

/// `+hh:mm` (with `colon`) or `+hhmm`, seconds appended when not zero.
pub fn format_offset(secs: i32, colon: bool) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    let sep = if colon { ":" } else { "" };
    if s == 0 {
        format!("{sign}{h:02}{sep}{m:02}")
    } else {
        format!("{sign}{h:02}{sep}{m:02}{sep}{s:02}")
    }
}

/// `+h`, `+hh`, `+hh:mm`, `+hhmm`, `+hh:mm:ss` as seconds east of UTC (at most 18 hours).
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let parts: Vec<&str> = if rest.contains(':') {
        rest.split(':').collect()
    } else if rest.len() > 2 {
        let (h, m) = rest.split_at(rest.len() - 2);
        vec![h, m]
    } else {
        vec![rest]
    };
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return None;
    }
    let mut n = [0i32; 3];
    for (slot, p) in n.iter_mut().zip(&parts) {
        *slot = p.parse().ok()?;
    }
    let secs = n[0] * 3600 + n[1] * 60 + n[2];
    (n[1] < 60 && n[2] < 60 && secs <= 18 * 3600).then_some(sign * secs)
}

thread_local! {
    static SESSION_ZONE: Cell<Zone> = const { Cell::new(Zone::Utc) };
}

/// The zone expressions bound on this thread now take ([`with_session_zone`] sets it).
pub fn session_zone() -> Zone {
    SESSION_ZONE.with(Cell::get)
}

/// Runs `f` with `zone` as this thread's session zone (for binding), then puts the old one back.
pub fn with_session_zone<R>(zone: Zone, f: impl FnOnce() -> R) -> R {
    crate::scoped::with_value(&SESSION_ZONE, zone, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_parse_as_spark_takes_them() {
        assert_eq!(Zone::parse("UTC"), Ok(Zone::Utc));
        assert_eq!(Zone::parse("+00:00"), Ok(Zone::Utc));
        assert_eq!(Zone::parse("+08:00"), Ok(Zone::Fixed(8 * 3600)));
        assert_eq!(Zone::parse("GMT-5"), Ok(Zone::Fixed(-5 * 3600)));
        assert_eq!(Zone::parse("-0530"), Ok(Zone::Fixed(-(5 * 3600 + 1800))));
        assert_eq!(Zone::parse("america/los_angeles"), Ok(Zone::Region(chrono_tz::Tz::America__Los_Angeles)));
        assert!(Zone::parse("+19:00").is_err());
        assert!(Zone::parse("Mars/Olympus_Mons").unwrap_err().contains("Mars/Olympus_Mons"));
        assert_eq!(Zone::parse("+05:30").unwrap().id(), "+05:30");
    }

    #[test]
    fn gaps_move_forward_and_overlaps_take_the_earlier_offset() {
        let la = Zone::parse("America/Los_Angeles").unwrap();
        let local = |s: &str| parse_timestamp(s).unwrap();
        // 2024-03-10 02:30 does not exist in Los Angeles: it is 03:30 PDT (10:30 UTC).
        assert_eq!(la.from_local(local("2024-03-10 02:30:00")), local("2024-03-10 10:30:00"));
        // 2024-11-03 01:30 happens twice: the first, PDT (08:30 UTC).
        assert_eq!(la.from_local(local("2024-11-03 01:30:00")), local("2024-11-03 08:30:00"));
        assert_eq!(la.to_local(local("2024-11-03 09:30:00")), local("2024-11-03 01:30:00"));
        assert_eq!(la.short_name(local("2024-07-01 00:00:00")), "PDT");
        let fixed = Zone::Fixed(-3600);
        assert_eq!(fixed.from_local(fixed.to_local(12_345)), 12_345);
        assert_eq!(with_session_zone(la, session_zone), la);
        assert_eq!(session_zone(), Zone::Utc, "put back after");
    }
}
