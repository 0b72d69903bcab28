//! Source and sink options: string keys compared case-insensitively, as Spark's
//! `CaseInsensitiveMap`, keeping the user's spelling for error messages.

use crate::error::{Result, SluiceError};
use serde::{Deserialize, Serialize};

/// Options given with `.option(key, value)` or `WITH (key = 'value')`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    entries: Vec<(String, String)>,
}

impl Options {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (replacing any value under the same key in another case).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            Some(slot) => *slot = (key, value),
            None => self.entries.push((key, value)),
        }
    }

    /// The value under `key`, if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    /// Removes `key` (in any case).
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
    }

    /// True if `key` is set.
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// All entries in the order they were set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The secret values among these options, to scrub from error text.
    pub fn redactor(&self) -> crate::redact::Redactor {
        crate::redact::Redactor::new(self.iter())
    }

    /// The `timeZone` option (Spark's, of sources and sinks) as a zone; UTC when unset. The
    /// session sets it to its own zone unless the user gave one.
    pub fn time_zone(&self) -> Result<crate::time::Zone> {
        match self.get("timeZone") {
            None => Ok(crate::time::Zone::Utc),
            Some(z) => crate::time::Zone::parse(z).map_err(|why| SluiceError::option("timeZone", why)),
        }
    }

    /// A boolean option (`true`/`false`, any case), or `default` when unset.
    pub fn get_bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.get(key) {
            None => Ok(default),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
            Some(v) => Err(SluiceError::option(key, format!("expected true or false, got '{v}'"))),
        }
    }

    /// A positive integer option, or `None` when unset.
    pub fn get_positive(&self, key: &str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(SluiceError::option(key, format!("expected a positive integer, got '{v}'"))),
            },
        }
    }

    /// A single character option (`sep`, `quote`), or `default` when unset.
    pub fn get_char(&self, key: &str, default: char) -> Result<char> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => {
                let unescaped = match v {
                    "\\t" => "\t",
                    other => other,
                };
                let mut chars = unescaped.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(c),
                    _ => Err(SluiceError::option(key, format!("expected a single character, got '{v}'"))),
                }
            }
        }
    }
}

/// Secret values (see [`crate::redact`]) show as redacted.
impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter().map(|(k, v)| (k, crate::redact::shown(k, v)))).finish()
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Options {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut o = Options::new();
        for (k, v) in iter {
            o.set(k, v);
        }
        o
    }
}
