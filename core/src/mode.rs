//! Output modes and triggers: how often a streaming query runs and what each batch emits.

use crate::error::{Result, SluiceError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// What a streaming query writes to its sink after each micro-batch (Spark's `OutputMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum OutputMode {
    /// Only rows that can never change again.
    #[default]
    Append,
    /// The whole result table, every batch.
    Complete,
    /// The rows that changed in this batch.
    Update,
}

impl OutputMode {
    /// Parses `append`, `complete` or `update` (any case).
    pub fn parse(s: &str) -> Result<OutputMode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "append" => Ok(OutputMode::Append),
            "complete" => Ok(OutputMode::Complete),
            "update" => Ok(OutputMode::Update),
            _ => Err(SluiceError::option(
                "outputMode",
                format!("Unknown output mode {s}. Accepted output modes are 'append', 'complete', 'update'"),
            )),
        }
    }
}

impl fmt::Display for OutputMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OutputMode::Append => "Append",
            OutputMode::Complete => "Complete",
            OutputMode::Update => "Update",
        })
    }
}

/// When a streaming query runs its micro-batches (Spark's `Trigger`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Trigger {
    /// The next batch as soon as the last finished and new data is available.
    #[default]
    Default,
    /// A batch every interval (only when there is new data); an overrun starts the next at once.
    ProcessingTime(Duration),
    /// One batch over all available data, then stop.
    Once,
    /// All data available at start, in rate-limited batches, then stop.
    AvailableNow,
}

impl Trigger {
    /// Parses `available-now`, `once`, `default`, or `processing-time 2 seconds` (also `ProcessingTime(...)`).
    pub fn parse(s: &str) -> Result<Trigger> {
        let t = s.trim().to_ascii_lowercase().replace('_', "-");
        match t.as_str() {
            "available-now" | "availablenow" => Ok(Trigger::AvailableNow),
            "once" => Ok(Trigger::Once),
            "default" => Ok(Trigger::Default),
            _ => {
                let rest = t
                    .strip_prefix("processing-time")
                    .or_else(|| t.strip_prefix("processingtime"))
                    .ok_or_else(|| {
                        SluiceError::option(
                            "trigger",
                            format!("unknown trigger '{s}': use available-now, once, default or 'processing-time 2 seconds'"),
                        )
                    })?;
                let rest =
                    rest.trim().trim_start_matches('(').trim_end_matches(')').trim_matches(['\'', '"', ' ']);
                Ok(Trigger::ProcessingTime(parse_duration(rest)?))
            }
        }
    }
}

/// Parses an interval such as `2 seconds`, `500 milliseconds`, `1 minute`, `10s`, `250ms`.
pub fn parse_duration(s: &str) -> Result<Duration> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.strip_prefix("interval").unwrap_or(&s).trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let value: f64 = num
        .trim()
        .trim_matches('\'')
        .parse()
        .map_err(|_| SluiceError::option("interval", format!("cannot parse '{s}' as an interval")))?;
    let unit = unit.trim().trim_matches('\'').trim();
    let secs = match unit {
        "" | "s" | "sec" | "secs" | "second" | "seconds" => value,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => value / 1e3,
        "us" | "microsecond" | "microseconds" => value / 1e6,
        "m" | "min" | "mins" | "minute" | "minutes" => value * 60.0,
        "h" | "hour" | "hours" => value * 3600.0,
        "d" | "day" | "days" => value * 86400.0,
        "w" | "week" | "weeks" => value * 7.0 * 86400.0,
        other => {
            return Err(SluiceError::option("interval", format!("unknown unit '{other}' in interval '{s}'")));
        }
    };
    if !(secs.is_finite() && secs >= 0.0) {
        return Err(SluiceError::option("interval", format!("interval '{s}' must not be negative")));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triggers_parse_as_the_cli_writes_them() {
        let cases = [
            ("available-now", Trigger::AvailableNow),
            ("once", Trigger::Once),
            ("processing-time 2 seconds", Trigger::ProcessingTime(Duration::from_secs(2))),
            ("ProcessingTime('500 milliseconds')", Trigger::ProcessingTime(Duration::from_millis(500))),
            ("processing-time 1 minute", Trigger::ProcessingTime(Duration::from_secs(60))),
        ];
        for (text, want) in cases {
            assert_eq!(Trigger::parse(text).unwrap(), want, "{text}");
        }
        assert!(Trigger::parse("sometimes").is_err());
        assert!(Trigger::parse("processing-time 2 fortnights").is_err());
    }

    #[test]
    fn output_modes_parse_any_case() {
        assert_eq!(OutputMode::parse("Complete").unwrap(), OutputMode::Complete);
        assert!(OutputMode::parse("upsert").unwrap_err().to_string().contains("outputMode"));
    }
}
