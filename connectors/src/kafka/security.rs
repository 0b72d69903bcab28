//! TLS and SASL settings: Spark's (Java Kafka client's) `kafka.*` security options turned
//! into librdkafka's. Most pass through unchanged (`security.protocol`, `ssl.ca.location`,
//! `ssl.certificate.location`, `ssl.key.location`, `ssl.key.password`, `sasl.mechanism`,
//! `sasl.username`, `sasl.password`); `sasl.jaas.config` becomes `sasl.username`,
//! `sasl.password` and the mechanism its login module implies; Java keystore settings
//! librdkafka cannot read are refused with what to use instead. Errors never quote a
//! secret value.

use sluice_core::{Result, SluiceError};
use std::collections::BTreeMap;

const JAAS: &str = "sasl.jaas.config";
const PLAIN_MODULE: &str = "org.apache.kafka.common.security.plain.PlainLoginModule";
const SCRAM_MODULE: &str = "org.apache.kafka.common.security.scram.ScramLoginModule";
const KERBEROS_MODULE: &str = "com.sun.security.auth.module.Krb5LoginModule";

fn bad_jaas(why: impl std::fmt::Display) -> SluiceError {
    SluiceError::option(format!("kafka.{JAAS}"), why.to_string())
}

/// One JAAS login module line: `<class> <flag> key="value" ...;`.
#[derive(Debug, PartialEq)]
struct LoginModule {
    class: String,
    settings: BTreeMap<String, String>,
}

/// Parses a JAAS configuration as Kafka's `JaasConfig` does (one login module; values
/// quoted with `"` and `\` escapes, or bare words). Errors name the position, never a value.
fn parse_jaas(text: &str) -> Result<LoginModule> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let skip_ws = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    let word = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && !chars[*i].is_whitespace() && !matches!(chars[*i], '=' | ';' | '"') {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    skip_ws(&mut i);
    let class = word(&mut i);
    if class.is_empty() {
        return Err(bad_jaas(
            "expected '<LoginModule class> required key=\"value\" ...;', got no login module class",
        ));
    }
    skip_ws(&mut i);
    let flag = word(&mut i);
    if !["required", "requisite", "sufficient", "optional"].contains(&flag.to_ascii_lowercase().as_str()) {
        return Err(bad_jaas(format!(
            "expected a control flag (required, requisite, sufficient or optional) after the login module class {class}"
        )));
    }
    let mut settings = BTreeMap::new();
    loop {
        skip_ws(&mut i);
        if i >= chars.len() {
            return Err(bad_jaas(format!("the login module line of {class} does not end with ';'")));
        }
        if chars[i] == ';' {
            i += 1;
            break;
        }
        let key = word(&mut i);
        skip_ws(&mut i);
        if key.is_empty() || i >= chars.len() || chars[i] != '=' {
            return Err(bad_jaas(format!(
                "expected key=\"value\" at character {} of the login module line of {class}",
                i + 1
            )));
        }
        i += 1;
        skip_ws(&mut i);
        let value = if i < chars.len() && chars[i] == '"' {
            i += 1;
            let mut v = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(bad_jaas(format!("the value of '{key}' has no closing quote")));
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') if i + 1 < chars.len() => {
                        v.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(c) => {
                        v.push(*c);
                        i += 1;
                    }
                }
            }
            v
        } else {
            word(&mut i)
        };
        settings.insert(key, value);
    }
    skip_ws(&mut i);
    if i < chars.len() {
        return Err(bad_jaas(format!(
            "only one login module is supported; text follows the ';' ending the line of {class}"
        )));
    }
    Ok(LoginModule { class, settings })
}

/// Translates the security options of `client` (the `kafka.*` options without their
/// prefix) into librdkafka's, in place.
pub fn translate(client: &mut BTreeMap<String, String>) -> Result<()> {
    for (java, instead) in [
        ("ssl.truststore.location", "the CA certificate as a PEM file with 'kafka.ssl.ca.location'"),
        ("ssl.truststore.password", "the CA certificate as a PEM file with 'kafka.ssl.ca.location'"),
        ("ssl.truststore.type", "the CA certificate as a PEM file with 'kafka.ssl.ca.location'"),
        ("ssl.keystore.type", "a PKCS#12 file with 'kafka.ssl.keystore.location', or PEM files with 'kafka.ssl.certificate.location' and 'kafka.ssl.key.location'"),
        ("sasl.login.callback.handler.class", "the SASL options 'kafka.sasl.mechanism', 'kafka.sasl.username' and 'kafka.sasl.password'"),
        ("sasl.client.callback.handler.class", "the SASL options 'kafka.sasl.mechanism', 'kafka.sasl.username' and 'kafka.sasl.password'"),
    ] {
        if client.contains_key(java) {
            return Err(SluiceError::option(
                format!("kafka.{java}"),
                format!("a Java client setting that librdkafka (Sluice's Kafka client) does not read; give {instead}"),
            ));
        }
    }
    // Java's empty algorithm turns host name checking off; librdkafka spells it `none`.
    if let Some(v) = client.get_mut("ssl.endpoint.identification.algorithm") {
        if v.trim().is_empty() {
            *v = "none".into();
        }
    }
    if let Some(m) = client.remove("sasl.mechanism") {
        client.insert("sasl.mechanisms".into(), m);
    }
    let Some(jaas) = client.remove(JAAS) else { return Ok(()) };
    for key in ["sasl.username", "sasl.password"] {
        if client.contains_key(key) {
            return Err(SluiceError::option(
                format!("kafka.{key}"),
                format!("give the credentials either in 'kafka.{JAAS}' or in 'kafka.sasl.username' and 'kafka.sasl.password', not both"),
            ));
        }
    }
    let module = parse_jaas(&jaas)?;
    let given = client.get("sasl.mechanisms").map(|m| m.trim().to_ascii_uppercase());
    let setting = |key: &str| {
        module
            .settings
            .get(key)
            .cloned()
            .ok_or_else(|| bad_jaas(format!("the login module {} needs {key}=\"...\"", module.class)))
    };
    let mechanism = match module.class.as_str() {
        PLAIN_MODULE => {
            client.insert("sasl.username".into(), setting("username")?);
            client.insert("sasl.password".into(), setting("password")?);
            match given.as_deref() {
                None | Some("PLAIN") => "PLAIN".to_string(),
                Some(other) => return Err(mismatch(&module.class, other, "PLAIN")),
            }
        }
        SCRAM_MODULE => {
            client.insert("sasl.username".into(), setting("username")?);
            client.insert("sasl.password".into(), setting("password")?);
            match given.as_deref() {
                Some(m @ ("SCRAM-SHA-256" | "SCRAM-SHA-512")) => m.to_string(),
                Some(other) => return Err(mismatch(&module.class, other, "SCRAM-SHA-256 or SCRAM-SHA-512")),
                None => {
                    return Err(SluiceError::option(
                        "kafka.sasl.mechanism",
                        format!("{SCRAM_MODULE} in 'kafka.{JAAS}' needs 'kafka.sasl.mechanism' set to SCRAM-SHA-256 or SCRAM-SHA-512 (as the Java client does)"),
                    ));
                }
            }
        }
        KERBEROS_MODULE => {
            if let Some(keytab) = module.settings.get("keyTab") {
                client.insert("sasl.kerberos.keytab".into(), keytab.clone());
            }
            if let Some(principal) = module.settings.get("principal") {
                client.insert("sasl.kerberos.principal".into(), principal.clone());
            }
            match given.as_deref() {
                None | Some("GSSAPI") => "GSSAPI".to_string(),
                Some(other) => return Err(mismatch(&module.class, other, "GSSAPI")),
            }
        }
        other => {
            return Err(bad_jaas(format!(
                "the login module {other} is not supported; use {PLAIN_MODULE}, {SCRAM_MODULE} or {KERBEROS_MODULE}, or the options 'kafka.sasl.mechanism', 'kafka.sasl.username' and 'kafka.sasl.password'"
            )));
        }
    };
    client.insert("sasl.mechanisms".into(), mechanism);
    Ok(())
}

fn mismatch(class: &str, given: &str, wanted: &str) -> SluiceError {
    SluiceError::option(
        "kafka.sasl.mechanism",
        format!("is {given}, but the login module {class} in 'kafka.{JAAS}' is for {wanted}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_plain_jaas_line_becomes_username_password_and_the_plain_mechanism() {
        let mut c = client(&[
            ("bootstrap.servers", "b:9093"),
            ("security.protocol", "SASL_SSL"),
            (
                JAAS,
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p \"q\"";"#,
            ),
        ]);
        translate(&mut c).unwrap();
        assert_eq!(
            c,
            client(&[
                ("bootstrap.servers", "b:9093"),
                ("security.protocol", "SASL_SSL"),
                ("sasl.username", "u"),
                ("sasl.password", "p \"q\""),
                ("sasl.mechanisms", "PLAIN"),
            ])
        );
    }

    #[test]
    fn a_scram_jaas_line_needs_the_mechanism_as_the_java_client_does() {
        let line = r#"  org.apache.kafka.common.security.scram.ScramLoginModule required
            username=alice password="pw-1" ;  "#;
        let mut c = client(&[(JAAS, line), ("sasl.mechanism", "scram-sha-512")]);
        translate(&mut c).unwrap();
        assert_eq!(c["sasl.username"], "alice");
        assert_eq!(c["sasl.password"], "pw-1");
        assert_eq!(c["sasl.mechanisms"], "SCRAM-SHA-512");
        let err = translate(&mut client(&[(JAAS, line)])).unwrap_err().to_string();
        assert!(err.contains("SCRAM-SHA-256 or SCRAM-SHA-512") && !err.contains("pw-1"), "{err}");
        let err =
            translate(&mut client(&[(JAAS, line), ("sasl.mechanism", "PLAIN")])).unwrap_err().to_string();
        assert!(err.contains("is PLAIN") && err.contains("ScramLoginModule"), "{err}");
    }

    #[test]
    fn bad_jaas_lines_and_java_only_settings_are_refused_without_quoting_secrets() {
        for (line, want) in [
            (
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="sekrit""#,
                "does not end with ';'",
            ),
            (
                r#"org.apache.kafka.common.security.plain.PlainLoginModule username="u" password="sekrit";"#,
                "control flag",
            ),
            (
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u";"#,
                "needs password",
            ),
            (
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="sekrit;"#,
                "no closing quote",
            ),
            (r#"x.OAuth required token="sekrit";"#, "x.OAuth is not supported"),
            (
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="sekrit"; other required;"#,
                "only one login module",
            ),
        ] {
            let err = translate(&mut client(&[(JAAS, line)])).unwrap_err().to_string();
            assert!(err.contains(want) && err.contains("kafka.sasl.jaas.config"), "{line}: {err}");
            assert!(!err.contains("sekrit"), "{err}");
        }
        let err = translate(&mut client(&[("ssl.truststore.location", "/t.jks")])).unwrap_err().to_string();
        assert!(err.contains("kafka.ssl.ca.location"), "{err}");
        let both = [
            (
                JAAS,
                r#"org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p";"#,
            ),
            ("sasl.password", "p"),
        ];
        assert!(translate(&mut client(&both)).unwrap_err().to_string().contains("not both"));
        let mut c = client(&[("ssl.endpoint.identification.algorithm", "")]);
        translate(&mut c).unwrap();
        assert_eq!(c["ssl.endpoint.identification.algorithm"], "none");
    }
}
