//! A broker behind TLS, and optionally SASL SCRAM, for the Kafka security tests: tansu
//! listens in plaintext on one free port and advertises another, where socat terminates
//! TLS with a certificate for 127.0.0.1 signed by a CA made here with openssl. Each test
//! starts its own; tansu, socat and openssl are what scripts/test.sh installs. Without
//! them (or without `SLUICE_KAFKA`) a test skips, except under CI, where it fails.

use super::kafka::{broker, register_client_settings};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The SCRAM user a SASL broker knows.
pub const USER: &str = "alice";
/// The SCRAM mechanism its credential is stored for (tansu's default).
pub const MECHANISM: &str = "SCRAM-SHA-512";

/// A running TLS (and SASL) broker; stopped and removed when dropped.
pub struct TlsBroker {
    /// Data, certificates and logs.
    pub dir: PathBuf,
    /// tansu's own plaintext port.
    pub plain_port: u16,
    /// The TLS port clients use (tansu advertises it).
    pub tls_port: u16,
    /// The CA that signed the broker's certificate (PEM).
    pub ca: PathBuf,
    /// A CA that did not sign it.
    pub other_ca: PathBuf,
    /// The user's password when the broker requires SASL.
    pub password: Option<String>,
    socat: Child,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/kafka-broker.sh")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A CA (`<name>.pem`, `<name>.key`) in `dir`.
fn make_ca(dir: &Path, name: &str) -> PathBuf {
    run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"])
        .args(["-subj", &format!("/CN={name}")])
        .arg("-keyout")
        .arg(dir.join(format!("{name}.key")))
        .arg("-out")
        .arg(dir.join(format!("{name}.pem"))));
    dir.join(format!("{name}.pem"))
}

fn wait_for_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what} did not listen on 127.0.0.1:{port}");
}

impl TlsBroker {
    /// Starts one (`sasl`: clients must authenticate as [`USER`] with [`MECHANISM`]), or
    /// `None` when there is no broker for the tests outside CI.
    pub fn start(sasl: bool) -> Option<TlsBroker> {
        broker()?;
        for tool in ["socat", "openssl"] {
            if !have(tool) {
                if std::env::var_os("CI").is_some() {
                    panic!("{tool} is not installed under CI: scripts/test.sh installs it");
                }
                eprintln!("skipping: {tool} is not installed (scripts/test.sh installs it)");
                return None;
            }
        }
        let dir = std::env::temp_dir().join(format!("sluice-tls-kafka-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = make_ca(&dir, "ca");
        let other_ca = make_ca(&dir, "other-ca");
        run(Command::new("openssl")
            .args(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost"])
            .arg("-keyout")
            .arg(dir.join("broker.key"))
            .arg("-out")
            .arg(dir.join("broker.csr")));
        std::fs::write(dir.join("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
        run(Command::new("openssl")
            .args(["x509", "-req", "-days", "2", "-CAcreateserial"])
            .arg("-in")
            .arg(dir.join("broker.csr"))
            .arg("-CA")
            .arg(&ca)
            .arg("-CAkey")
            .arg(dir.join("ca.key"))
            .arg("-extfile")
            .arg(dir.join("ext.cnf"))
            .arg("-out")
            .arg(dir.join("broker.pem")));
        let (plain_port, tls_port) = (free_port(), free_port());
        let data = dir.join("tansu");
        let start = |auth: bool| {
            run(Command::new(script())
                .arg("start")
                .arg(&data)
                .arg(plain_port.to_string())
                .env("TANSU_ADVERTISED_PORT", tls_port.to_string())
                .env("TANSU_AUTHENTICATION", if auth { "1" } else { "0" }));
        };
        let stop = || run(Command::new(script()).arg("stop").arg(&data));
        start(false);
        let password = sasl.then(|| format!("pw-{}", uuid::Uuid::new_v4().simple()));
        if let Some(pw) = &password {
            // tansu refuses every request but SASL ones once authentication is on, so the
            // user is made first; it is kept in the broker's storage across the restart.
            run(Command::new(script()).args(["user", &plain_port.to_string(), USER, pw, "scram512"]));
            stop();
            start(true);
        }
        let socat = Command::new("socat")
            .arg(format!(
                "OPENSSL-LISTEN:{tls_port},bind=127.0.0.1,reuseaddr,fork,cert={},key={},verify=0",
                dir.join("broker.pem").display(),
                dir.join("broker.key").display()
            ))
            .arg(format!("TCP:127.0.0.1:{plain_port}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("socat.log")).unwrap())
            .spawn()
            .expect("start socat");
        let b = TlsBroker { dir, plain_port, tls_port, ca, other_ca, password, socat };
        wait_for_port(tls_port, "socat");
        register_client_settings(&b.address(), b.librdkafka_settings());
        Some(b)
    }

    /// The address clients bootstrap from (the TLS port).
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.tls_port)
    }

    /// tansu's plaintext address (behind TLS; a TLS client there fails its handshake).
    pub fn plain_address(&self) -> String {
        format!("127.0.0.1:{}", self.plain_port)
    }

    fn librdkafka_settings(&self) -> Vec<(String, String)> {
        let mut s = vec![("ssl.ca.location".to_string(), self.ca.display().to_string())];
        match &self.password {
            None => s.push(("security.protocol".into(), "SSL".into())),
            Some(pw) => {
                s.push(("security.protocol".into(), "SASL_SSL".into()));
                s.push(("sasl.mechanisms".into(), MECHANISM.into()));
                s.push(("sasl.username".into(), USER.into()));
                s.push(("sasl.password".into(), pw.clone()));
            }
        }
        s
    }

    /// Sluice options reaching this broker as a Spark user writes them: TLS with the CA,
    /// and for SASL the Java client's JAAS line with the SCRAM login module.
    pub fn options(&self) -> Vec<(String, String)> {
        self.options_with(self.password.as_deref().unwrap_or(""))
    }

    /// [`Self::options`] with another password.
    pub fn options_with(&self, password: &str) -> Vec<(String, String)> {
        let mut o = vec![
            ("kafka.bootstrap.servers".to_string(), self.address()),
            ("kafka.ssl.ca.location".to_string(), self.ca.display().to_string()),
        ];
        if self.password.is_none() {
            o.push(("kafka.security.protocol".into(), "SSL".into()));
        } else {
            o.push(("kafka.security.protocol".into(), "SASL_SSL".into()));
            o.push(("kafka.sasl.mechanism".into(), MECHANISM.into()));
            o.push((
                "kafka.sasl.jaas.config".into(),
                format!(
                    "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{USER}\" password=\"{password}\";"
                ),
            ));
        }
        o
    }
}

impl Drop for TlsBroker {
    fn drop(&mut self) {
        let _ = self.socat.kill();
        let _ = self.socat.wait();
        let _ = Command::new(script()).arg("stop").arg(self.dir.join("tansu")).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
