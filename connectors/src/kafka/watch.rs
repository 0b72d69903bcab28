//! Watching a Kafka client for failures no retry can fix: a TLS handshake that fails, a
//! broker certificate signed by an unknown CA, credentials the broker rejects. librdkafka
//! reports them only through error events and log lines while it keeps reconnecting, so
//! every client gets a [`Watch`] as its context; the source and sink check it while they
//! wait and fail at once with an error that says which failure it is and names the broker.

use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use sluice_core::redact::Secrets;
use sluice_core::SluiceError;
use std::sync::Mutex;

/// The kinds of failure that end a query instead of being retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The broker's certificate does not verify against the trusted CAs.
    UnknownCa,
    /// The TLS handshake failed otherwise (not a TLS port, protocol mismatch, host name).
    TlsHandshake,
    /// The broker rejected the SASL credentials.
    WrongCredentials,
    /// The broker does not offer the SASL mechanism asked for.
    SaslMechanism,
}

/// A failure seen on a client.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Which failure.
    pub kind: FailureKind,
    /// The broker it happened with (`host:port`), or the bootstrap list when not known.
    pub broker: String,
    /// librdkafka's own words, secrets scrubbed.
    pub detail: String,
}

impl Failure {
    /// The error a query fails with.
    pub fn to_error(&self, servers: &str) -> SluiceError {
        let (what, hint) = match self.kind {
            FailureKind::UnknownCa => (
                "TLS handshake failed: the broker's certificate is signed by an unknown CA (certificate verify failed)",
                "Set kafka.ssl.ca.location to the PEM file of the CA that signed the broker's certificate",
            ),
            FailureKind::TlsHandshake => (
                "TLS handshake failed",
                "Check that the broker speaks TLS on this port (kafka.security.protocol) and the kafka.ssl.* options",
            ),
            FailureKind::WrongCredentials => (
                "SASL authentication failed: wrong credentials (the broker rejected the user name or password)",
                "Check kafka.sasl.username and kafka.sasl.password (or kafka.sasl.jaas.config) and kafka.sasl.mechanism",
            ),
            FailureKind::SaslMechanism => (
                "SASL authentication failed: the broker does not offer this SASL mechanism",
                "Set kafka.sasl.mechanism to one the broker supports",
            ),
        };
        SluiceError::exec(format!(
            "Kafka ({servers}): {what}, with broker {}. {hint}. (librdkafka: {})",
            self.broker, self.detail
        ))
    }
}

/// A client's context: records the first unrecoverable failure it reports.
pub struct Watch {
    servers: String,
    secrets: Secrets,
    failure: Mutex<Option<Failure>>,
}

impl Watch {
    /// A watch for a client of `servers` whose options hold `secrets`.
    pub fn new(servers: &str, secrets: Secrets) -> Watch {
        Watch { servers: servers.to_string(), secrets, failure: Mutex::new(None) }
    }

    /// The first unrecoverable failure seen, if any.
    pub fn failure(&self) -> Option<Failure> {
        self.failure.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The error for the first failure seen, if any.
    pub fn query_error(&self) -> Option<SluiceError> {
        self.failure().map(|f| f.to_error(&self.servers))
    }

    fn observe(&self, code: Option<RDKafkaErrorCode>, text: &str) {
        let Some(kind) = classify(code, text) else { return };
        let mut slot = self.failure.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            *slot = Some(Failure {
                kind,
                broker: broker_of(text).unwrap_or_else(|| self.servers.clone()),
                detail: self.secrets.scrub(text.trim()),
            });
        }
    }
}

impl ClientContext for Watch {
    fn log(&self, level: RDKafkaLogLevel, _fac: &str, message: &str) {
        if matches!(
            level,
            RDKafkaLogLevel::Emerg
                | RDKafkaLogLevel::Alert
                | RDKafkaLogLevel::Critical
                | RDKafkaLogLevel::Error
                | RDKafkaLogLevel::Warning
        ) {
            self.observe(None, message);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.observe(error.rdkafka_error_code(), reason);
    }
}

impl ConsumerContext for Watch {}

/// Which unrecoverable failure an error event or log line reports, if any.
pub fn classify(code: Option<RDKafkaErrorCode>, text: &str) -> Option<FailureKind> {
    let lower = text.to_ascii_lowercase();
    let tls = code == Some(RDKafkaErrorCode::SSL) || lower.contains("ssl handshake failed");
    let sasl = code == Some(RDKafkaErrorCode::Authentication)
        || lower.contains("sasl authentication error")
        || lower.contains("sasl handshake failed")
        || lower.contains("authentication failed");
    if tls {
        let verify = lower.contains("certificate verify failed")
            || lower.contains("unable to get local issuer certificate")
            || lower.contains("self-signed certificate")
            || lower.contains("self signed certificate");
        if verify && !lower.contains("hostname") {
            return Some(FailureKind::UnknownCa);
        }
        return Some(FailureKind::TlsHandshake);
    }
    if sasl {
        if lower.contains("supported mechanisms") || lower.contains("unsupported sasl mechanism") {
            return Some(FailureKind::SaslMechanism);
        }
        return Some(FailureKind::WrongCredentials);
    }
    None
}

/// The `host:port` of librdkafka's `proto://host:port/id: ...` prefix.
fn broker_of(text: &str) -> Option<String> {
    let rest = &text[text.find("://")? + 3..];
    let end = rest.find('/')?;
    let broker = &rest[..end];
    (broker.contains(':') && !broker.contains(' ')).then(|| broker.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn librdkafkas_reports_are_classified_and_name_the_broker() {
        let unknown_ca = "ssl://127.0.0.1:9351/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly configured or root CA certificates are installed (add broker's CA certificate to ssl.ca.location) (after 3ms in state SSL_HANDSHAKE)";
        assert_eq!(classify(Some(RDKafkaErrorCode::SSL), unknown_ca), Some(FailureKind::UnknownCa));
        assert_eq!(broker_of(unknown_ca).as_deref(), Some("127.0.0.1:9351"));
        let not_tls = "ssl://127.0.0.1:9350/bootstrap: SSL handshake failed: error:0A00010B:SSL routines::wrong version number (after 1ms in state SSL_HANDSHAKE)";
        assert_eq!(classify(None, not_tls), Some(FailureKind::TlsHandshake));
        let wrong = "sasl_ssl://127.0.0.1:9352/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512 (after 20ms in state AUTH_REQ)";
        assert_eq!(
            classify(Some(RDKafkaErrorCode::Authentication), wrong),
            Some(FailureKind::WrongCredentials)
        );
        let mech = "sasl_ssl://127.0.0.1:9352/bootstrap: SASL PLAIN mechanism handshake failed: Broker: Request not valid in current SASL state: broker's supported mechanisms: SCRAM-SHA-256,SCRAM-SHA-512";
        assert_eq!(classify(Some(RDKafkaErrorCode::Authentication), mech), Some(FailureKind::SaslMechanism));
        assert_eq!(classify(Some(RDKafkaErrorCode::AllBrokersDown), "1/1 brokers are down"), None);
        assert_eq!(
            classify(None, "127.0.0.1:9/bootstrap: Connect to ipv4#127.0.0.1:9 failed: Connection refused"),
            None
        );
    }

    #[test]
    fn the_error_says_which_failure_and_scrubs_secrets() {
        let w = Watch::new("b:1", Secrets::of([("kafka.sasl.password", "pw")]));
        w.observe(
            Some(RDKafkaErrorCode::Authentication),
            "sasl_ssl://b:1/0: SASL authentication error: bad pw",
        );
        w.observe(Some(RDKafkaErrorCode::SSL), "ssl://b:1/0: SSL handshake failed");
        let e = w.query_error().unwrap().to_string();
        assert!(e.contains("wrong credentials") && e.contains("with broker b:1"), "{e}");
        assert!(!e.contains("bad pw") && e.contains("bad *********(redacted)"), "{e}");
    }
}
