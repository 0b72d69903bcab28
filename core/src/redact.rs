//! Secrets among options and configs: which keys hold one, and how to keep their values
//! out of what Sluice prints or writes (errors, progress, logs, explain, `SET`).
//!
//! Spark redacts the values of keys matching `spark.redaction.regex`
//! (`(?i)secret|password|token|access[.]?key`); Sluice adds `jaas`, since a Kafka
//! `sasl.jaas.config` carries a password inside it.

/// What a secret value is shown as (Spark's text).
pub const REDACTED: &str = "*********(redacted)";

/// True when the value of option or config `key` is a secret.
pub fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["secret", "password", "token", "jaas", "access.key", "accesskey"].iter().any(|w| key.contains(w))
}

/// The secret values among `pairs`, to scrub from text that may quote them.
#[derive(Clone, Debug, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// The secrets among the `(key, value)` pairs (empty values are not secrets).
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Redactor {
        let mut r = Redactor::default();
        for (k, v) in pairs {
            if is_secret(k) {
                r.add(v);
            }
        }
        r
    }

    /// Treats `value` as a secret too (a password taken out of a JAAS line, say).
    pub fn add(&mut self, value: &str) {
        if !value.is_empty() && !self.secrets.iter().any(|s| s == value) {
            self.secrets.push(value.to_string());
            // Longer first, so that a secret containing another is replaced whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Adds the secrets of `other`.
    pub fn extend(&mut self, other: &Redactor) {
        for s in &other.secrets {
            self.add(s);
        }
    }

    /// True when there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
        out
    }
}

/// The value to show for `key`: [`REDACTED`] for a secret, else `value`.
pub fn shown<'a>(key: &str, value: &'a str) -> &'a str {
    if is_secret(key) {
        REDACTED
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_the_ones_spark_redacts_and_jaas() {
        for k in [
            "kafka.sasl.password",
            "kafka.ssl.key.password",
            "kafka.sasl.jaas.config",
            "spark.hadoop.fs.s3a.secret.key",
            "fs.s3a.access.key",
            "api.TOKEN",
        ] {
            assert!(is_secret(k), "{k}");
        }
        for k in ["kafka.sasl.username", "kafka.ssl.key.location", "kafka.security.protocol", "path"] {
            assert!(!is_secret(k), "{k}");
        }
    }

    #[test]
    fn scrub_replaces_every_secret_value_whole() {
        let mut r =
            Redactor::new([("sasl.password", "pw"), ("sasl.username", "alice"), ("x.token", "pw-long")]);
        r.add("");
        assert_eq!(r.scrub("user alice, pw-long then pw"), format!("user alice, {REDACTED} then {REDACTED}"));
        assert_eq!(shown("sasl.password", "pw"), REDACTED);
        assert_eq!(shown("sasl.username", "alice"), "alice");
    }
}
