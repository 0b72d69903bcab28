//! What every Kafka client of Sluice shares: the `kafka.*` options turned into
//! librdkafka settings (Spark's Java-client forms translated), the secrets among them kept
//! out of error text, and the broker's security failures (TLS, SASL) caught as they happen
//! so that a query fails at once with what went wrong instead of retrying until a timeout.

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use rdkafka::ClientConfig;
use sluice_core::redact::Redactor;
use sluice_core::{Options, Result, SluiceError};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The librdkafka settings of one source or sink, and the secrets among them.
#[derive(Clone, Debug)]
pub struct ClientSettings {
    /// `kafka.*` options without the prefix, translated to librdkafka's names.
    pub map: BTreeMap<String, String>,
    /// Scrubs the secret values from any text shown to the user.
    pub redactor: Redactor,
}

impl ClientSettings {
    /// `bootstrap.servers`, for error messages.
    pub fn servers(&self) -> &str {
        self.map.get("bootstrap.servers").map_or("", String::as_str)
    }

    /// A librdkafka configuration of these settings. Its warnings and errors reach the
    /// client's context (which looks for security failures in them): rdkafka would
    /// otherwise take the level from the `log` crate's, off when nothing logs.
    pub fn config(&self) -> ClientConfig {
        let mut c = ClientConfig::new();
        for (k, v) in &self.map {
            c.set(k, v);
        }
        c.set_log_level(RDKafkaLogLevel::Warning);
        c
    }

    /// The error "Kafka (servers): what: e", with every secret scrubbed.
    pub fn error(&self, what: &str, e: impl std::fmt::Display) -> SluiceError {
        SluiceError::exec(self.redactor.scrub(&format!("Kafka ({}): {what}: {e}", self.servers())))
    }
}

const JAAS: &str = "sasl.jaas.config";
const PLAIN_MODULE: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";

/// The `kafka.`-prefixed options, without the prefix, as librdkafka settings:
/// - `sasl.jaas.config` (Spark's form) becomes `sasl.username`, `sasl.password` and, for
///   the PLAIN module, `sasl.mechanism`;
/// - Java's `ssl.endpoint.identification.algorithm = ''` becomes librdkafka's `none`;
/// - a Java trust store (`ssl.truststore.*`) is refused, naming the PEM option to use;
/// - a TLS connection without `ssl.ca.location` probes the system's CA certificates.
pub fn client_options(options: &Options) -> Result<ClientSettings> {
    let mut map = BTreeMap::new();
    for (k, v) in options.iter() {
        if k.len() > 6 && k[..6].eq_ignore_ascii_case("kafka.") {
            map.insert(k[6..].to_string(), v.to_string());
        }
    }
    let mut redactor = options.redactor();
    if let Some(key) = map.keys().find(|k| k.starts_with("ssl.truststore.")) {
        return Err(SluiceError::option(
            format!("kafka.{key}"),
            "Sluice's Kafka client (librdkafka) has no Java trust store: give the CA certificates as a PEM file with 'kafka.ssl.ca.location' (`keytool -exportcert -rfc` turns a JKS trust store into one)",
        ));
    }
    if let Some(jaas) = map.remove(JAAS) {
        for (k, v) in translate_jaas(&jaas, &map)? {
            if k == "sasl.password" {
                redactor.add(&v);
            }
            map.insert(k, v);
        }
    }
    if map.get("ssl.endpoint.identification.algorithm").is_some_and(|v| v.trim().is_empty()) {
        map.insert("ssl.endpoint.identification.algorithm".into(), "none".into());
    }
    let tls = map.get("security.protocol").is_some_and(|p| p.to_ascii_uppercase().ends_with("SSL"));
    if tls && !map.contains_key("ssl.ca.location") && !map.contains_key("ssl.ca.pem") {
        // The TLS library is built into Sluice, so its default CA path is not the
        // system's: look for the system's certificates where distributions keep them.
        map.insert("ssl.ca.location".into(), "probe".into());
    }
    Ok(ClientSettings { map, redactor })
}

/// `<LoginModule> required username="u" password="p";` as librdkafka settings. Errors
/// never quote the text: it holds a password.
fn translate_jaas(text: &str, given: &BTreeMap<String, String>) -> Result<Vec<(String, String)>> {
    let bad = |why: &str| {
        SluiceError::option(
            format!("kafka.{JAAS}"),
            format!("{why}; expected the form `{PLAIN_MODULE} required username=\"...\" password=\"...\";` (or {SCRAM_MODULE})"),
        )
    };
    let words = jaas_words(text).ok_or_else(|| bad("an unterminated quoted value"))?;
    let mut words = words.into_iter();
    let module = words.next().ok_or_else(|| bad("it is empty"))?;
    match words.next().as_deref() {
        Some("required" | "requisite" | "sufficient" | "optional") => {}
        _ => return Err(bad("the login module must be followed by a control flag such as 'required'")),
    }
    let mut fields = BTreeMap::new();
    for w in words {
        let (k, v) = w.split_once('=').ok_or_else(|| bad("each setting must be key=\"value\""))?;
        fields.insert(k.trim().to_string(), v.to_string());
    }
    let mechanism =
        given.get("sasl.mechanism").or_else(|| given.get("sasl.mechanisms")).map(|m| m.to_ascii_uppercase());
    let mut out = Vec::new();
    match module.as_str() {
        PLAIN_MODULE => match mechanism.as_deref() {
            None => out.push(("sasl.mechanism".to_string(), "PLAIN".to_string())),
            Some("PLAIN") => {}
            Some(m) => {
                return Err(SluiceError::option(
                    "kafka.sasl.mechanism",
                    format!("the JAAS PlainLoginModule goes with the mechanism PLAIN, not {m}"),
                ))
            }
        },
        SCRAM_MODULE => match mechanism.as_deref() {
            Some("SCRAM-SHA-256" | "SCRAM-SHA-512") => {}
            _ => {
                return Err(SluiceError::option(
                    "kafka.sasl.mechanism",
                    "the JAAS ScramLoginModule needs 'kafka.sasl.mechanism' set to SCRAM-SHA-256 or SCRAM-SHA-512",
                ))
            }
        },
        other => {
            return Err(bad(&format!(
                "the login module {other} is not supported (Sluice translates the PLAIN and SCRAM modules; for others give librdkafka's own 'kafka.sasl.*' options)"
            )))
        }
    }
    for (field, setting) in [("username", "sasl.username"), ("password", "sasl.password")] {
        let value = fields.remove(field).ok_or_else(|| bad(&format!("it has no {field}")))?;
        if given.contains_key(setting) {
            return Err(SluiceError::option(
                format!("kafka.{setting}"),
                format!("give the {field} once: either in 'kafka.{JAAS}' or in 'kafka.{setting}'"),
            ));
        }
        out.push((setting.to_string(), value));
    }
    Ok(out)
}

/// Splits a JAAS line into words, unquoting `"..."` values (with `\"` and `\\`) and
/// dropping the final `;`. `None` for an unterminated quote.
fn jaas_words(text: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = text.trim().trim_end_matches(';').chars();
    let mut any = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                any = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => word.push(chars.next()?),
                        c => word.push(c),
                    }
                }
            }
            c if c.is_whitespace() => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            c => {
                any = true;
                word.push(c);
            }
        }
    }
    if any {
        words.push(word);
    }
    Some(words)
}

/// The security failures librdkafka reported, as they came (from its error and log
/// callbacks, which run on its own threads).
#[derive(Default)]
pub struct SecurityErrors {
    first: Mutex<Option<String>>,
}

impl SecurityErrors {
    fn record(&self, reason: &str) {
        if security_problem(reason).is_some() {
            let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
            first.get_or_insert_with(|| reason.to_string());
        }
    }

    /// The first TLS or SASL failure seen, as an error naming what went wrong.
    pub fn failure(&self, settings: &ClientSettings) -> Option<SluiceError> {
        let first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        let reason = first.as_deref()?;
        let what = security_problem(reason)?;
        Some(settings.error(what, reason))
    }

    /// Forwards a client's error callback.
    pub fn on_error(&self, error: &KafkaError, reason: &str) {
        self.record(reason);
        self.record(&error.to_string());
    }

    /// Forwards a client's log callback (librdkafka logs broker failures as `FAIL`).
    pub fn on_log(&self, level: RDKafkaLogLevel, message: &str) {
        use RDKafkaLogLevel::*;
        if matches!(level, Emerg | Alert | Critical | Error | Warning) {
            self.record(message);
        }
    }
}

/// What a broker failure means when it is a TLS or SASL failure: these do not heal by
/// retrying, so the query fails at once.
fn security_problem(reason: &str) -> Option<&'static str> {
    let r = reason.to_ascii_lowercase();
    if r.contains("ssl handshake failed") {
        if r.contains("certificate verify failed") || r.contains("could not be verified") {
            return Some("TLS handshake failed: the broker's certificate is not trusted (unknown CA or wrong host name); give the CA that signed it with 'kafka.ssl.ca.location'");
        }
        return Some("TLS handshake failed (does this listener speak TLS? check 'kafka.security.protocol')");
    }
    if r.contains("ssl") && r.contains("alert") && (r.contains("certificate") || r.contains("unknown ca")) {
        return Some("TLS handshake failed: the broker refused the client certificate (none given, or not signed by a CA it trusts); check 'kafka.ssl.certificate.location' and 'kafka.ssl.key.location'");
    }
    if r.contains("sasl authentication error") || r.contains("authentication failed") {
        return Some(
            "SASL authentication failed: wrong username or password, or a user the broker does not know",
        );
    }
    if r.contains("sasl") && r.contains("mechanism") && r.contains("handshake failed") {
        return Some(
            "SASL handshake failed: the broker does not accept this mechanism ('kafka.sasl.mechanism')",
        );
    }
    None
}

/// The context of Sluice's consumers: librdkafka's logs stay quiet, security failures
/// are kept for the caller.
#[derive(Default)]
pub struct SecurityContext {
    /// The failures seen so far.
    pub errors: SecurityErrors,
}

impl ClientContext for SecurityContext {
    fn log(&self, level: RDKafkaLogLevel, _fac: &str, message: &str) {
        self.errors.on_log(level, message);
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.errors.on_error(&error, reason);
    }
}

impl ConsumerContext for SecurityContext {}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<ClientSettings> {
        client_options(&pairs.iter().copied().collect())
    }

    #[test]
    fn jaas_lines_become_librdkafka_credentials() {
        let plain = format!(r#"{PLAIN_MODULE} required username="alice" password="p\"w;x";"#);
        let s =
            settings(&[("kafka.sasl.jaas.config", &plain), ("kafka.security.protocol", "SASL_SSL")]).unwrap();
        assert_eq!(s.map["sasl.username"], "alice");
        assert_eq!(s.map["sasl.password"], "p\"w;x");
        assert_eq!(s.map["sasl.mechanism"], "PLAIN");
        assert_eq!(s.map["ssl.ca.location"], "probe");
        assert!(!s.map.contains_key(JAAS));
        assert!(!s.redactor.scrub("p\"w;x and p").contains("p\"w;x"));
        let scram = format!(r#"{SCRAM_MODULE} required username="bob" password="pw";"#);
        let s = settings(&[("kafka.sasl.jaas.config", &scram), ("kafka.sasl.mechanism", "SCRAM-SHA-512")])
            .unwrap();
        assert_eq!((s.map["sasl.username"].as_str(), s.map["sasl.password"].as_str()), ("bob", "pw"));
        assert!(!s.map.contains_key("ssl.ca.location"), "no TLS, no CA");
    }

    #[test]
    fn bad_jaas_lines_are_refused_without_quoting_the_secret() {
        let scram = format!(r#"{SCRAM_MODULE} required username="bob" password="hunter2";"#);
        let cases = [
            (scram.clone(), vec![], "SCRAM-SHA-256 or SCRAM-SHA-512"),
            (format!(r#"{PLAIN_MODULE} username="u" password="hunter2";"#), vec![], "control flag"),
            (format!(r#"{PLAIN_MODULE} required username="u" password="hunter2"#), vec![], "unterminated"),
            (format!(r#"{PLAIN_MODULE} required username="u";"#), vec![], "no password"),
            (
                r#"com.sun.security.auth.module.Krb5LoginModule required password="hunter2";"#.to_string(),
                vec![],
                "Krb5LoginModule is not supported",
            ),
            (
                format!(r#"{PLAIN_MODULE} required username="u" password="hunter2";"#),
                vec![("kafka.sasl.password", "hunter2")],
                "give the password once",
            ),
            (
                format!(r#"{PLAIN_MODULE} required username="u" password="hunter2";"#),
                vec![("kafka.sasl.mechanism", "SCRAM-SHA-256")],
                "not SCRAM-SHA-256",
            ),
        ];
        for (jaas, extra, wanted) in cases {
            let mut pairs = vec![("kafka.sasl.jaas.config", jaas.as_str())];
            pairs.extend(extra);
            let e = settings(&pairs).unwrap_err().to_string();
            assert!(e.contains(wanted), "{e}");
            assert!(!e.contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn java_only_options_are_translated_or_refused() {
        let s = settings(&[
            ("kafka.ssl.endpoint.identification.algorithm", ""),
            ("kafka.security.protocol", "SSL"),
            ("kafka.ssl.ca.location", "/ca.pem"),
        ])
        .unwrap();
        assert_eq!(s.map["ssl.endpoint.identification.algorithm"], "none");
        assert_eq!(s.map["ssl.ca.location"], "/ca.pem");
        let e = settings(&[("kafka.ssl.truststore.password", "hunter2")]).unwrap_err().to_string();
        assert!(e.contains("kafka.ssl.truststore.password") && e.contains("kafka.ssl.ca.location"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }

    #[test]
    fn security_failures_are_told_apart() {
        let untrusted = "sasl_ssl://127.0.0.1:9394/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified";
        assert!(security_problem(untrusted).unwrap().contains("not trusted"));
        let plain_port = "ssl://127.0.0.1:9392/bootstrap: SSL handshake failed: error:0A00010B:SSL routines::wrong version number";
        assert!(security_problem(plain_port).unwrap().contains("does this listener speak TLS"));
        let no_client_cert = "ssl://127.0.0.1:9093/bootstrap: Receive failed: error:0A00045C:SSL routines::tlsv13 alert certificate required: SSL alert number 116";
        assert!(security_problem(no_client_cert).unwrap().contains("refused the client certificate"));
        let wrong = "SASL authentication error: SASL SCRAM authentication failed: broker responded with invalid-proof";
        assert!(security_problem(wrong).unwrap().contains("wrong username or password"));
        let mech = "SASL PLAIN mechanism handshake failed: Local: Broker transport failure: broker's supported mechanisms: (n/a)";
        assert!(security_problem(mech).unwrap().contains("mechanism"));
        assert!(security_problem("Connect to ipv4#127.0.0.1:9 failed: Connection refused").is_none());
    }
}
