//! Keeping secrets out of what Sluice writes, as Spark's `spark.redaction.regex`: an
//! option whose name (or value) matches `(?i)secret|password|token|jaas|key.password` is
//! shown as `*********(redacted)`, and the values of such options are scrubbed from any
//! text (an error from a client library, say) before it reaches a log, a progress event
//! or an error message.

use crate::options::Options;

/// What a redacted value is replaced with (Spark's `REDACTION_REPLACEMENT_TEXT`).
pub const REDACTED: &str = "*********(redacted)";

/// The words of the redaction pattern. `key.password` is in the issue's pattern too; any
/// name it matches contains `password`, so these four, matched case-insensitively as
/// substrings, are the same pattern.
const PATTERN: [&str; 4] = ["secret", "password", "token", "jaas"];

fn matches(text: &str) -> bool {
    let lower = text.to_lowercase();
    PATTERN.iter().any(|w| lower.contains(w))
}

/// True when the option `key` names a secret (`kafka.sasl.password`, `kafka.ssl.key.password`,
/// `kafka.sasl.jaas.config`, `...token...`, `...secret...`).
pub fn is_secret_key(key: &str) -> bool {
    matches(key)
}

/// Spark's `Utils.redact`: the value shown for `key`, redacted when the key or the value
/// matches the pattern.
pub fn redact_value<'a>(key: &str, value: &'a str) -> &'a str {
    if matches(key) || matches(value) {
        REDACTED
    } else {
        value
    }
}

/// `key=value` pairs with secrets redacted, for display.
pub fn redact_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), redact_value(k, v).to_string())).collect()
}

/// The secret values of a set of options, to scrub them out of text that may quote them.
#[derive(Clone, Debug, Default)]
pub struct Secrets {
    /// Longest first, so a value containing another is replaced whole.
    values: Vec<String>,
}

impl Secrets {
    /// The secrets among `pairs`: the value of each option whose name matches the pattern,
    /// and the quoted values inside it (the `password="p"` of a JAAS line).
    pub fn of<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Secrets {
        let mut values = Vec::new();
        for (k, v) in pairs {
            if !is_secret_key(k) || v.is_empty() {
                continue;
            }
            values.push(v.to_string());
            values.extend(quoted_values(v));
        }
        let mut s = Secrets { values };
        s.normalise();
        s
    }

    /// The secrets of a source's or sink's options.
    pub fn of_options(options: &Options) -> Secrets {
        Secrets::of(options.iter())
    }

    /// Adds one more secret value (a password taken out of a JAAS line).
    pub fn add(&mut self, value: &str) {
        if !value.is_empty() {
            self.values.push(value.to_string());
            self.normalise();
        }
    }

    fn normalise(&mut self) {
        self.values.retain(|v| !v.is_empty());
        self.values.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        self.values.dedup();
    }

    /// True when there is nothing to scrub.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret value replaced by [`REDACTED`].
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }
}

/// The quoted values of secret-named settings inside `text` (the `p` of
/// `username="u" password="p";` in a JAAS line; the user name stays).
fn quoted_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(eq) = rest.find('=') {
        let name = rest[..eq].rsplit(|c: char| c.is_whitespace() || c == ';').next().unwrap_or("");
        let after = rest[eq + 1..].trim_start();
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            rest = &rest[eq + 1..];
            continue;
        };
        let body = &after[1..];
        let Some(end) = body.find(quote) else { break };
        if is_secret_key(name) {
            out.push(body[..end].to_string());
        }
        rest = &body[end + 1..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_matching_sparks_pattern_are_redacted_in_any_case() {
        for key in [
            "kafka.sasl.password",
            "kafka.ssl.key.password",
            "kafka.SASL.JAAS.CONFIG",
            "kafka.sasl.oauthbearer.token.endpoint.url",
            "fs.s3a.secret.key",
            "Password",
        ] {
            assert!(is_secret_key(key), "{key}");
            assert_eq!(redact_value(key, "hunter2"), REDACTED);
        }
        for key in ["kafka.bootstrap.servers", "kafka.sasl.username", "subscribe", "kafka.ssl.key.location"] {
            assert!(!is_secret_key(key), "{key}");
            assert_eq!(redact_value(key, "plain"), "plain");
        }
        // As Spark: a value that matches the pattern is redacted whatever its name.
        assert_eq!(redact_value("kafka.sasl.mechanism.x", "my-token"), REDACTED);
    }

    #[test]
    fn secret_values_and_the_quoted_parts_of_jaas_lines_are_scrubbed_from_text() {
        let jaas = r#"org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="s3cr3t-Pw";"#;
        let s = Secrets::of([
            ("kafka.sasl.jaas.config", jaas),
            ("kafka.bootstrap.servers", "b:9093"),
            ("kafka.ssl.key.password", "kp'x"),
            ("kafka.sasl.password", ""),
        ]);
        let text = format!("failed with {jaas} and s3cr3t-Pw and kp'x for alice at b:9093");
        let out = s.scrub(&text);
        assert!(!out.contains("s3cr3t-Pw") && !out.contains("kp'x"), "{out}");
        assert!(out.contains("b:9093") && out.contains("alice"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3, "{out}");
        assert!(Secrets::of([("kafka.sasl.password", "")]).is_empty());
    }

    #[test]
    fn options_print_redacted_with_debug() {
        let o: Options = [("kafka.sasl.password", "hunter2"), ("subscribe", "t")].into_iter().collect();
        let text = format!("{o:?}");
        assert!(!text.contains("hunter2") && text.contains(REDACTED) && text.contains("\"t\""), "{text}");
    }
}
