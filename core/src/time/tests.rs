//! Tests of the time functions against Spark's answers.

use super::*;

const SECOND: i64 = MICROS_PER_SECOND;

#[test]
fn format_timestamp_matches_spark_cast_to_string() {
    let cases: &[(i64, &str)] = &[
        (0, "1970-01-01 00:00:00"),
        (1_424_686_200 * SECOND, "2015-02-23 10:10:00"),
        (1_424_686_200 * SECOND + 500_000, "2015-02-23 10:10:00.5"),
        (1_424_686_200 * SECOND + 123_456, "2015-02-23 10:10:00.123456"),
        (1_424_686_200 * SECOND + 120, "2015-02-23 10:10:00.00012"),
        (-1, "1969-12-31 23:59:59.999999"),
        (-SECOND, "1969-12-31 23:59:59"),
        (-86_400 * SECOND, "1969-12-31 00:00:00"),
        (951_782_400 * SECOND, "2000-02-29 00:00:00"),
        (-2_208_988_800 * SECOND, "1900-01-01 00:00:00"),
        (253_402_300_799 * SECOND, "9999-12-31 23:59:59"),
        (-62_135_596_800 * SECOND, "0001-01-01 00:00:00"),
    ];
    for (micros, text) in cases {
        assert_eq!(format_timestamp(*micros), *text, "micros {micros}");
    }
}

#[test]
fn parse_timestamp_accepts_spark_cast_forms() {
    let base = 1_424_686_200 * SECOND; // 2015-02-23 10:10:00 UTC
    let day = 1_424_649_600 * SECOND; // 2015-02-23 00:00:00 UTC
    let cases: &[(&str, Option<i64>)] = &[
        ("2015-02-23 10:10:00", Some(base)),
        ("2015-02-23T10:10:00", Some(base)),
        ("  2015-02-23 10:10:00 \n", Some(base)),
        ("2015-02-23 10:10", Some(base)),
        ("2015-2-3 1:2:3", Some(1_422_925_323 * SECOND)),
        ("2015-02-23 10:10:00.5", Some(base + 500_000)),
        ("2015-02-23 10:10:00.123456", Some(base + 123_456)),
        ("2015-02-23 10:10:00.123456789", Some(base + 123_456)),
        ("2015-02-23 10:10:00.", Some(base)),
        ("2015-02-23 10:10:00Z", Some(base)),
        ("2015-02-23T10:10:00.000Z", Some(base)),
        ("2015-02-23T12:10:00+02:00", Some(base)),
        ("2015-02-23T05:10:00-05:00", Some(base)),
        ("2015-02-23T05:10:00-0500", Some(base)),
        ("2015-02-23T12:10:00+02", Some(base)),
        ("2015-02-23 10:10:00 UTC", Some(base)),
        ("2015-02-23 12:10:00 GMT+02:00", Some(base)),
        ("2015-02-23", Some(day)),
        ("2015-02-23 ", Some(day)),
        ("2015-02-23T", None),
        ("2015-02-23 10", Some(base - 600 * SECOND)),
        ("2015-02-23 10:10Z", None),
        ("2015-02-23Z", None),
        ("2015-02", Some(1_422_748_800 * SECOND)),
        ("2015", Some(1_420_070_400 * SECOND)),
        ("1969-12-31 23:59:59.999999", Some(-1)),
        ("2016-02-29 00:00:00", Some(1_456_704_000 * SECOND)),
        ("2015-02-29 00:00:00", None),
        ("1900-02-29", None),
        ("2015-13-01", None),
        ("2015-02-23 24:00:00", None),
        ("2015-02-23 10:60:00", None),
        ("2015-02-23 10:10:00 nonsense", None),
        ("15-02-23", None),
        ("", None),
        ("abc", None),
    ];
    for (text, want) in cases {
        assert_eq!(parse_timestamp(text), *want, "input {text:?}");
    }
}

#[test]
fn dates_format_and_parse() {
    let cases: &[(i32, &str)] = &[
        (0, "1970-01-01"),
        (-1, "1969-12-31"),
        (16_489, "2015-02-23"),
        (11_016, "2000-02-29"),
        (-719_162, "0001-01-01"),
        (2_932_896, "9999-12-31"),
    ];
    for (days, text) in cases {
        assert_eq!(format_date(*days), *text);
        assert_eq!(parse_date(text), Some(*days), "{text}");
    }
    let parse_cases: &[(&str, Option<i32>)] = &[
        (" 2015-02-23 ", Some(16_489)),
        ("2015-2-3", Some(16_469)),
        ("2015-02-23 10:10:00", Some(16_489)),
        ("2015-02-23T10:10:00Z", Some(16_489)),
        ("2015-02", Some(16_467)),
        ("2015", Some(16_436)),
        ("2015-02-29", None),
        ("2015-02-23x", None),
        ("2015-02 x", Some(16_467)),
        ("", None),
    ];
    for (text, want) in parse_cases {
        assert_eq!(parse_date(text), *want, "input {text:?}");
    }
}

#[test]
fn leap_years_follow_gregorian_rules() {
    for (year, leap) in
        [(1900, false), (2000, true), (2015, false), (2016, true), (2100, false), (2400, true)]
    {
        assert_eq!(is_leap_year(year), leap, "{year}");
        assert_eq!(checked_days_from_civil(year, 2, 29).is_some(), leap, "{year}");
    }
}

#[test]
fn civil_round_trips_over_many_days() {
    let mut expected = (1600i64, 1u32, 1u32);
    let start = days_from_civil(1600, 1, 1);
    for days in start..start + 800 * 366 {
        assert_eq!(civil_from_days(days), expected, "day {days}");
        assert_eq!(days_from_civil(expected.0, expected.1, expected.2), days);
        let (y, m, d) = expected;
        expected = if d < days_in_month(y, m) {
            (y, m, d + 1)
        } else if m < 12 {
            (y, m + 1, 1)
        } else {
            (y + 1, 1, 1)
        };
    }
}

#[test]
fn timestamp_text_round_trips() {
    // A spread of instants, negative and positive, with and without fractions.
    let mut micros = -5_000_000_000_000_000i64;
    while micros < 5_000_000_000_000_000 {
        let text = format_timestamp(micros);
        assert_eq!(parse_timestamp(&text), Some(micros), "{text}");
        micros += 7_777_777_777_777 + 123_457;
    }
    // Far years: negative (`-0044-03-15`) and beyond 9999 (`+12345-...`).
    let mut micros = -200_000_000_000_000_000i64;
    while micros < 400_000_000_000_000_000 {
        let text = format_timestamp(micros);
        assert_eq!(parse_timestamp(&text), Some(micros), "{text}");
        micros += 999_999_999_999_999_937;
    }
    assert_eq!(format_date(-36_000), "1871-06-09");
    assert_eq!(format_date(-800_000), "-0221-09-04");
    assert_eq!(format_date(3_000_000), "+10183-09-21");
    for days in (-800_000..3_000_000).step_by(997) {
        assert_eq!(parse_date(&format_date(days)), Some(days));
    }
}

const MINUTE: i64 = 60 * SECOND;

#[test]
fn interval_text_parses_as_spark_reads_it() {
    let cases: &[(&str, i64)] = &[
        ("10 minutes", 10 * MINUTE),
        ("1 minute", MINUTE),
        ("1 hour", 60 * MINUTE),
        ("2 hours", 120 * MINUTE),
        ("30 seconds", 30 * SECOND),
        ("5 minutes 30 seconds", 5 * MINUTE + 30 * SECOND),
        ("1 day", MICROS_PER_DAY),
        ("1 week", 7 * MICROS_PER_DAY),
        ("100 milliseconds", 100_000),
        ("100 ms", 100_000),
        ("7 microseconds", 7),
        ("  10 MINUTES ", 10 * MINUTE),
        ("interval 1 hour", 60 * MINUTE),
        ("INTERVAL 1 HOUR 30 MINUTES", 90 * MINUTE),
        ("1.5 seconds", 1_500_000),
        ("1.5 hours", 90 * MINUTE),
        ("-5 seconds", -5 * SECOND),
        ("1 hour -10 minutes", 50 * MINUTE),
        ("0 seconds", 0),
        ("INTERVAL '0 00:30:00' DAY TO SECOND", 30 * MINUTE),
        ("INTERVAL '-1 02:03:04.5' DAY TO SECOND", -(MICROS_PER_DAY + 7_384_500_000)),
        ("interval '30' minute", 30 * MINUTE),
    ];
    for (text, want) in cases {
        assert_eq!(parse_interval_micros(text).ok(), Some(*want), "{text}");
    }
    let errors: &[(&str, &str)] = &[
        ("", "INPUT_IS_EMPTY"),
        (
            "10 fortnights",
            "INVALID_UNIT] Error parsing '10 fortnights' to interval. Invalid unit 'fortnights'",
        ),
        ("ten minutes", "INVALID_VALUE"),
        ("10", "MISSING_UNIT"),
        ("1 month", "Intervals greater than a month is not supported (1 month)."),
        ("2 years", "Intervals greater than a month is not supported"),
        ("1.5 months", "INVALID_FRACTION"),
    ];
    for (text, want) in errors {
        match parse_interval_micros(text) {
            Err(crate::SluiceError::Analysis(msg)) => assert!(msg.contains(want), "{text}: {msg}"),
            other => panic!("{text}: expected an analysis error, got {other:?}"),
        }
    }
    assert_eq!(parse_interval_parts("1 year 2 months 3 days"), Ok((14, 3 * MICROS_PER_DAY)));
}

#[test]
fn intervals_print_as_spark_day_to_second_and_round_trip() {
    let cases: &[(i64, &str)] = &[
        (30 * MINUTE, "INTERVAL '0 00:30:00' DAY TO SECOND"),
        (0, "INTERVAL '0 00:00:00' DAY TO SECOND"),
        (MICROS_PER_DAY + 90 * MINUTE + 5 * SECOND, "INTERVAL '1 01:30:05' DAY TO SECOND"),
        (-(10 * MINUTE + 500_000), "INTERVAL '-0 00:10:00.5' DAY TO SECOND"),
        (12 * SECOND + 3, "INTERVAL '0 00:00:12.000003' DAY TO SECOND"),
        (i64::MIN, "INTERVAL '-106751991 04:00:54.775808' DAY TO SECOND"),
    ];
    for (micros, text) in cases {
        assert_eq!(format_interval(*micros), *text);
        if *micros != i64::MIN {
            assert_eq!(parse_interval_micros(text).ok(), Some(*micros), "{text}");
        }
    }
    let ansi: &[(&str, IntervalUnit, IntervalUnit, Option<i64>)] = &[
        ("10:30", IntervalUnit::Hour, IntervalUnit::Minute, Some(630 * MINUTE)),
        ("90", IntervalUnit::Minute, IntervalUnit::Minute, Some(90 * MINUTE)),
        ("1 10", IntervalUnit::Day, IntervalUnit::Hour, Some(MICROS_PER_DAY + 600 * MINUTE)),
        ("-01:02", IntervalUnit::Minute, IntervalUnit::Second, Some(-62 * SECOND)),
        ("10:60", IntervalUnit::Hour, IntervalUnit::Minute, None),
        ("10", IntervalUnit::Second, IntervalUnit::Minute, None),
    ];
    for (text, from, to, want) in ansi {
        assert_eq!(parse_ansi_day_time(text, *from, *to), *want, "{text}");
    }
}

#[test]
fn windows_start_at_the_euclidean_slide_boundary() {
    let t = 1_424_686_735_090_000; // 2015-02-23 10:18:55.09
    let ten = 10 * MINUTE;
    // (ts, slide, offset) -> start
    let cases: &[(i64, i64, i64, i64)] = &[
        (t, ten, 0, 1_424_686_200 * SECOND),
        (1_424_686_200 * SECOND, ten, 0, 1_424_686_200 * SECOND),
        (1_424_686_200 * SECOND - 1, ten, 0, 1_424_686_200 * SECOND - ten),
        (t, ten, 2 * MINUTE, 1_424_686_200 * SECOND + 2 * MINUTE),
        (t, ten, -2 * MINUTE, 1_424_686_200 * SECOND + 8 * MINUTE),
        (-1, ten, 0, -ten),
        (-ten, ten, 0, -ten),
        (-ten - 1, ten, 0, -2 * ten),
        (-SECOND, 5 * SECOND, SECOND, -4 * SECOND),
    ];
    for (ts, slide, offset, want) in cases {
        assert_eq!(window_start(*ts, *slide, *offset), Some(*want), "ts {ts} slide {slide} offset {offset}");
    }
    let start = 1_424_686_200 * SECOND + 5 * MINUTE;
    assert_eq!(
        sliding_windows(t, ten, 5 * MINUTE, 0),
        vec![(start, start + ten), (start - 5 * MINUTE, start + 5 * MINUTE)]
    );
    // Size not a multiple of the slide: only the candidates that really hold ts.
    assert_eq!(
        sliding_windows(0, 10 * SECOND, 3 * SECOND, 0),
        vec![(0, 10 * SECOND), (-3 * SECOND, 7 * SECOND), (-6 * SECOND, 4 * SECOND), (-9 * SECOND, SECOND)]
    );
    assert_eq!(sliding_windows(5 * SECOND, 2 * SECOND, 2 * SECOND, 0), vec![(4 * SECOND, 6 * SECOND)]);
}

#[test]
fn date_parts_and_truncation_follow_spark() {
    let day = 16_489; // 2015-02-23, a Monday
    assert_eq!(day_of_week(day), 2);
    assert_eq!(weekday(day), 0);
    assert_eq!(day_of_year(day), 54);
    assert_eq!(iso_week_of_year(day), 9);
    assert_eq!(day_of_week(0), 5); // 1970-01-01, a Thursday
    assert_eq!(day_of_week(-4), 1); // 1969-12-28, a Sunday
    assert_eq!(iso_week_of_year(days_from_civil(2021, 1, 3)), 53);
    assert_eq!(iso_week_of_year(days_from_civil(2020, 12, 31)), 53);
    assert_eq!(iso_week_of_year(days_from_civil(2019, 12, 30)), 1);
    let t = 1_424_686_735_090_000;
    let cases: &[(&str, Option<&str>)] = &[
        ("YEAR", Some("2015-01-01 00:00:00")),
        ("yy", Some("2015-01-01 00:00:00")),
        ("quarter", Some("2015-01-01 00:00:00")),
        ("MONTH", Some("2015-02-01 00:00:00")),
        ("mon", Some("2015-02-01 00:00:00")),
        ("WEEK", Some("2015-02-23 00:00:00")),
        ("DAY", Some("2015-02-23 00:00:00")),
        ("HOUR", Some("2015-02-23 10:00:00")),
        ("minute", Some("2015-02-23 10:18:00")),
        ("SECOND", Some("2015-02-23 10:18:55")),
        ("MILLISECOND", Some("2015-02-23 10:18:55.09")),
        ("MICROSECOND", Some("2015-02-23 10:18:55.09")),
        ("fortnight", None),
    ];
    for (unit, want) in cases {
        assert_eq!(truncate_timestamp(t, unit).map(format_timestamp).as_deref(), *want, "{unit}");
    }
    assert_eq!(truncate_timestamp(-1, "HOUR"), Some(-3_600 * SECOND));
}

#[test]
fn datetime_patterns_format_like_java() {
    let t = 1_424_686_735_090_000; // 2015-02-23 10:18:55.09, a Monday
    let cases: &[(&str, &str)] = &[
        ("yyyy-MM-dd HH:mm:ss", "2015-02-23 10:18:55"),
        ("yyyy-MM-dd HH:mm:ss.SSS", "2015-02-23 10:18:55.090"),
        ("yyyy-MM-dd'T'HH:mm:ss.SSSSSS", "2015-02-23T10:18:55.090000"),
        ("yy/M/d h:m a", "15/2/23 10:18 AM"),
        ("MMM d, yyyy", "Feb 23, 2015"),
        ("EEEE, MMMM dd", "Monday, February 23"),
        ("EEE D", "Mon 54"),
        ("'at' HH 'o''clock'", "at 10 o'clock"),
        ("Q qqq", "1 Q1"),
        ("HH:mm:ss XXX", "10:18:55 Z"),
        ("kk KK", "10 10"),
        ("S", "0"),
    ];
    for (pattern, want) in cases {
        let p = DateTimePattern::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        assert_eq!(p.format(t), *want, "{pattern}");
    }
    assert_eq!(DateTimePattern::new("hh a").unwrap().format(0), "12 AM");
    assert_eq!(DateTimePattern::new("hh a").unwrap().format(13 * 3_600 * SECOND), "01 PM");
    for bad in ["YYYY", "ww", "'open", "ddd", "yyyy-MM-dd bb"] {
        assert!(DateTimePattern::new(bad).is_err(), "{bad}");
    }
}

#[test]
fn datetime_patterns_parse_whole_text() {
    let base = 1_424_686_200 * SECOND; // 2015-02-23 10:10:00
    let cases: &[(&str, &str, Result<i64, PatternParseError>)] = &[
        ("yyyy-MM-dd HH:mm:ss", "2015-02-23 10:10:00", Ok(base)),
        ("yyyy-MM-dd", "2015-02-23", Ok(base - 36_600 * SECOND)),
        ("dd/MM/yyyy HH:mm", "23/02/2015 10:10", Ok(base)),
        ("yyyyMMddHHmmss", "20150223101000", Ok(base)),
        ("yyyy-MM-dd'T'HH:mm:ss.SSS", "2015-02-23T10:10:00.5", Ok(base + 500_000)),
        ("yyyy-MM-dd HH:mm:ss.SSSSSS", "2015-02-23 10:10:00.123456", Ok(base + 123_456)),
        ("yyyy-MM-dd HH:mm:ssXXX", "2015-02-23 12:10:00+02:00", Ok(base)),
        ("yyyy-MM-dd HH:mm:ssX", "2015-02-23 10:10:00Z", Ok(base)),
        ("MMM d yyyy h:mm a", "feb 23 2015 10:10 AM", Ok(base)),
        ("MMM d yyyy h:mm a", "Feb 23 2015 10:10 PM", Ok(base + 12 * 3_600 * SECOND)),
        ("HH:mm", "10:10", Ok(36_600 * SECOND)),
        ("yyyy D", "2015 54", Ok(base - 36_600 * SECOND)),
        ("yyyy-M-d", "2015-2-3", Ok(1_422_921_600 * SECOND)),
        ("yyyy-MM-dd", "2015-02-23 10:10", Err(PatternParseError::Unparsed(10))),
        ("yyyy-MM-dd", "2015-2-23", Err(PatternParseError::At(5))),
        ("yyyy-MM-dd", "2015-02-30", Err(PatternParseError::Invalid)),
        ("HH:mm", "25:00", Err(PatternParseError::Invalid)),
        ("yyyy-MM-dd", "abc", Err(PatternParseError::At(0))),
    ];
    for (pattern, text, want) in cases {
        let p = DateTimePattern::new(pattern).unwrap();
        assert_eq!(p.parse(text), *want, "{pattern} on {text}");
    }
    assert_eq!(
        PatternParseError::Unparsed(10).message("2015-02-23 10:10"),
        "Text '2015-02-23 10:10' could not be parsed, unparsed text found at index 10"
    );
}

#[test]
fn times_of_day_read_and_write_as_spark_4_3() {
    // Spark 4.3's answers: `SELECT time'..'`, `CAST(time'..' AS STRING)`.
    let ok: &[(&str, &str, u8)] = &[
        ("12:3", "12:03:00", 0),
        ("1:2:3", "01:02:03", 0),
        (" 12:34:56 ", "12:34:56", 0),
        ("12:34:56.", "12:34:56", 0),
        ("12:00:01.500", "12:00:01.5", 3),
        ("23:59:59.999999999", "23:59:59.999999999", 9),
        ("12:00:00 AM", "00:00:00", 0),
        ("12:30 pm", "12:30:00", 0),
        ("1:30 PM", "13:30:00", 0),
    ];
    for (text, want, digits) in ok {
        let (nanos, d) = parse_time(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
        assert_eq!((format_time(nanos).as_str(), d), (*want, *digits), "{text}");
    }
    for bad in ["24:00:00", "12", "12:60", "-1:00", "12:00:60", "ab:cd", "12:34:56.x", "13:00 PM"] {
        assert_eq!(parse_time(bad), Err(TimeParseError::Invalid), "{bad}");
    }
    assert_eq!(parse_time("12:34:56.1234567891"), Err(TimeParseError::Precision));
}

#[test]
fn json_writers_use_sparks_default_timestamp_format_and_the_options_patterns() {
    let ts = parse_timestamp("2020-01-01 01:02:03.5").unwrap();
    // Spark 4.3: to_json(named_struct('a', timestamp'2020-01-01 01:02:03.5')) in UTC.
    let defaults = TimeFormats::in_zone(Zone::Utc);
    assert_eq!(defaults.write_timestamp(ts), "2020-01-01T01:02:03.500Z");
    assert_eq!(TimeFormats::show_text(Zone::Utc).write_timestamp(ts), "2020-01-01 01:02:03.5");
    let options: crate::Options =
        [("timestampFormat", "dd/MM/yyyy HH"), ("dateFormat", "yyyy/MM"), ("timeFormat", "HH-mm")]
            .into_iter()
            .collect();
    let formats = TimeFormats::from_options(&options, Zone::Utc).unwrap();
    assert_eq!(formats.write_timestamp(ts), "01/01/2020 01");
    assert_eq!(formats.write_date(18_263), "2020/01");
    assert_eq!(formats.time("12-30"), Some(45_000 * NANOS_PER_SECOND));
    assert_eq!(formats.write_time(45_000 * NANOS_PER_SECOND + 1_000_000), "12-30");
    assert_eq!(formats.time("12:30"), None);
    let bad: crate::Options = [("timeFormat", "HH-mm-Y")].into_iter().collect();
    assert!(TimeFormats::from_options(&bad, Zone::Utc).unwrap_err().to_string().contains("timeFormat"));
}

#[test]
fn day_time_intervals_print_and_type_with_their_fields_as_spark() {
    use crate::types::{DataType, DtField::*};
    // Spark 4.3's answers (cast.sql, try_arithmetic.sql, date.sql).
    assert_eq!(format_day_time(-10_000_000, Second, Second), "INTERVAL '-10' SECOND");
    assert_eq!(format_day_time(4_000_000, Second, Second), "INTERVAL '04' SECOND");
    assert_eq!(format_day_time(100_000_000, Hour, Second), "INTERVAL '00:01:40' HOUR TO SECOND");
    assert_eq!(format_day_time(3 * MICROS_PER_DAY, Day, Day), "INTERVAL '3' DAY");
    assert_eq!(format_day_time(4_839_259_260, Hour, Minute), "INTERVAL '01:20' HOUR TO MINUTE");
    assert_eq!(format_day_time(-3696 * MICROS_PER_DAY, Day, Day), "INTERVAL '-3696' DAY");
    // `typeof(..)` of the literals, as pyspark 4.3 answers.
    let typed = |sql: &str| match crate::sql::parse_expr(sql).unwrap() {
        crate::expr::Expr::Literal(v) => v.data_type(),
        other => panic!("{sql}: {other:?}"),
    };
    assert_eq!(typed("interval 2 second"), DataType::DayTime(Second, Second));
    assert_eq!(typed("interval 1 hour 30 minutes"), DataType::DayTime(Hour, Minute));
    assert_eq!(typed("interval 1 week"), DataType::DayTime(Day, Day));
    assert_eq!(typed("interval 1 millisecond"), DataType::DayTime(Second, Second));
    assert_eq!(typed("interval 3 day 1 second"), DataType::Interval);
    assert_eq!(typed("interval '1 2' day to hour"), DataType::DayTime(Day, Hour));
    assert_eq!(typed("interval '23:59:59' hour to second"), DataType::DayTime(Hour, Second));
    assert_eq!(DataType::parse("interval minute to second"), Some(DataType::DayTime(Minute, Second)));
    assert_eq!(DataType::parse("interval day to second"), Some(DataType::Interval));
}

/// `text` parsed with `pattern` (Spark's parsing checks) in the session zone
/// America/Los_Angeles, written back there: what Spark's `to_timestamp` shows.
fn to_timestamp_la(text: &str, pattern: &str) -> Option<String> {
    let la = Zone::parse("America/Los_Angeles").unwrap();
    let p = DateTimePattern::for_parsing(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    p.parse_in(text, la).ok().map(|t| format_timestamp_in(t, la))
}

#[test]
fn optional_sections_are_read_when_they_can_be() {
    // Spark's answers (sql-tests timestamp.sql, session zone America/Los_Angeles).
    let p = "yyyy-MM-dd HH:mm:ss.SSSSSS[zzz]";
    let cases: &[(&str, Option<&str>)] = &[
        ("2019-10-06 10:11:12.0", Some("2019-10-06 10:11:12")),
        ("2019-10-06 10:11:12.1", Some("2019-10-06 10:11:12.1")),
        ("2019-10-06 10:11:12.12", Some("2019-10-06 10:11:12.12")),
        ("2019-10-06 10:11:12.123UTC", Some("2019-10-06 03:11:12.123")),
        ("2019-10-06 10:11:12.1234", Some("2019-10-06 10:11:12.1234")),
        // Zone names stand for regions (CST: Chicago, in daylight time in October).
        ("2019-10-06 10:11:12.12345CST", Some("2019-10-06 08:11:12.12345")),
        ("2019-10-06 10:11:12.123456PST", Some("2019-10-06 10:11:12.123456")),
        // Seven digits: the fraction takes six, the zone cannot read the seventh.
        ("2019-10-06 10:11:12.1234567PST", None),
    ];
    for (text, want) in cases {
        assert_eq!(to_timestamp_la(text, p).as_deref(), *want, "{text}");
    }
    // A field read twice must read the same.
    let twice = "SSSSSS yyyy-MM-dd HH:mm:ss.SSSSSS[zzz]";
    let same = to_timestamp_la("123456 2019-10-06 10:11:12.123456PST", twice);
    assert_eq!(same.as_deref(), Some("2019-10-06 10:11:12.123456"));
    assert_eq!(to_timestamp_la("223456 2019-10-06 10:11:12.123456PST", twice), None);
    let cases: &[(&str, &str, &str)] = &[
        ("2019-10-06 10:11:12.1234", "yyyy-MM-dd HH:mm:ss.[SSSSSS]", "2019-10-06 10:11:12.1234"),
        ("2019-10-06 10:11:12", "yyyy-MM-dd HH:mm:ss[.SSSSSS]", "2019-10-06 10:11:12"),
        ("2019-10-06 10:11", "yyyy-MM-dd HH:mm[:ss.SSSSSS]", "2019-10-06 10:11:00"),
    ];
    for (text, pattern, want) in cases {
        assert_eq!(to_timestamp_la(text, pattern).as_deref(), Some(*want), "{pattern}");
    }
    // Formatting prints the sections (datetime-formatting.sql).
    let p = DateTimePattern::new("[yyyy-MM-dd HH:mm:ss]").unwrap();
    assert_eq!(p.format(1_424_686_735_090_000), "2015-02-23 10:18:55");
}

#[test]
fn fractions_and_numbers_take_their_widths_as_java_does() {
    // Spark's answers (timestamp.sql): `SSSS` reads at most four digits, `yyyy` at least
    // four, `y` as many as there are.
    let p = "ss.SSSSyyyy-MM-dd'S'HH:mm";
    assert_eq!(to_timestamp_la("12.12342019-10-06S10:11", p).as_deref(), Some("2019-10-06 10:11:12.1234"));
    assert_eq!(to_timestamp_la("12.1232019-10-06S10:11", p), None);
    assert_eq!(to_timestamp_la("12.1232019-10-06S10:11", "ss.SSSSyy-MM-dd'S'HH:mm"), None);
    let short_year = to_timestamp_la("12.1234019-10-06S10:11", "ss.SSSSy-MM-dd'S'HH:mm");
    assert_eq!(short_year.as_deref(), Some("0019-10-06 10:11:12.1234"));
    // datetime-parsing.sql.
    assert_eq!(to_timestamp_la("009999", "y").as_deref(), Some("9999-01-01 00:00:00"));
    assert_eq!(to_timestamp_la("009999", "yyy").as_deref(), Some("9999-01-01 00:00:00"));
    assert_eq!(to_timestamp_la("300", "D").as_deref(), Some("1970-10-27 00:00:00"));
    assert_eq!(to_timestamp_la("2020-12-31-366", "yyyy-MM-dd-DDD").as_deref(), Some("2020-12-31 00:00:00"));
    // timestamp.sql: missing fields take Spark's defaults, an hour of AM/PM is AM.
    assert_eq!(to_timestamp_la("16", "dd").as_deref(), Some("1970-01-16 00:00:00"));
    assert_eq!(to_timestamp_la("2019 10:10:10", "yyyy hh:mm:ss").as_deref(), Some("2019-01-01 10:10:10"));
    assert_eq!(to_timestamp_la("02-29", "MM-dd"), None);
}

#[test]
fn quoted_quotes_are_quotes() {
    // Spark's answers (timestamp.sql).
    let cases: &[(&str, &str, &str)] = &[
        ("2019-10-06T10:11:12'12", "yyyy-MM-dd'T'HH:mm:ss''SSSS", "2019-10-06 10:11:12.12"),
        ("2019-10-06T10:11:12'", "yyyy-MM-dd'T'HH:mm:ss''", "2019-10-06 10:11:12"),
        ("'2019-10-06T10:11:12", "''yyyy-MM-dd'T'HH:mm:ss", "2019-10-06 10:11:12"),
        ("P2019-10-06T10:11:12", "'P'yyyy-MM-dd'T'HH:mm:ss", "2019-10-06 10:11:12"),
    ];
    for (text, pattern, want) in cases {
        assert_eq!(to_timestamp_la(text, pattern).as_deref(), Some(*want), "{pattern}");
    }
    assert_eq!(DateTimePattern::new("''").unwrap().format(0), "'");
}

#[test]
fn patterns_spark_refuses_fail_with_its_classes() {
    let recognition = "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_PATTERN_RECOGNITION";
    // Spark's answers: timestamp.sql and date.sql (parsing), datetime-formatting-invalid.sql.
    let parsing: &[(&str, &str)] = &[
        ("dd/MMMMM/yyyy", recognition),
        ("yyyy-MM-dd GGGGG", recognition),
        ("dd MM yyyy EEEEEE", recognition),
        ("dd MM yyyy EEEEE", recognition),
    ];
    let formatting: &[(&str, &str)] = &[
        ("GGGGG", recognition),
        ("yyyyyyy", recognition),
        ("MMMMM", recognition),
        ("LLLLL", recognition),
        ("EEEEE", recognition),
        ("FF", recognition),
        ("ddd", recognition),
        ("DDDD", recognition),
        ("HHH", recognition),
        ("SSSSSSSSSS", recognition),
        ("aa", recognition),
        ("zzzzz", recognition),
        ("ZZZZZZ", recognition),
        ("Y", recognition),
        ("w", recognition),
        ("W", recognition),
        ("u", recognition),
        ("qqqqq", "INVALID_DATETIME_PATTERN.LENGTH"),
        ("QQQQQ", "INVALID_DATETIME_PATTERN.LENGTH"),
        ("e", "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN"),
        ("c", "INCONSISTENT_BEHAVIOR_CROSS_VERSION.DATETIME_WEEK_BASED_PATTERN"),
        ("A", "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER"),
        ("B", "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER"),
        ("V", "INVALID_DATETIME_PATTERN"),
        ("OO", "INVALID_DATETIME_PATTERN"),
        ("XXXXXX", "INVALID_DATETIME_PATTERN"),
        ("C", "INVALID_DATETIME_PATTERN"),
    ];
    for (pattern, class) in parsing {
        let e = DateTimePattern::for_parsing(pattern).unwrap_err();
        assert_eq!(e.class(), *class, "{pattern}: {e}");
    }
    for (pattern, class) in formatting {
        let e = DateTimePattern::new(pattern).unwrap_err();
        assert_eq!(e.class(), *class, "{pattern}: {e}");
    }
    // Formatting takes the letters Spark refuses only to parse with.
    assert_eq!(DateTimePattern::new("E").unwrap().format(0), "Thu");
    assert_eq!(DateTimePattern::for_parsing("E").unwrap_err().class(), recognition);
    assert_eq!(
        DateTimePattern::for_parsing("Q").unwrap_err().class(),
        "INVALID_DATETIME_PATTERN.ILLEGAL_CHARACTER"
    );
    // Quoted letters are text.
    assert!(DateTimePattern::new("'MMMMM'").is_ok());
}
