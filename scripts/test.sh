#!/usr/bin/env bash
# The whole test suite, as the README and CI run it. Installs (when missing) and starts
# what the tests need, then runs formatting, lint and every test of the workspace.
# Tests read the shared data sets from ../shared (override with SLUICE_SHARED).
set -euo pipefail
cd "$(dirname "$0")/.."

shared="${SLUICE_SHARED:-../shared}"
if [ ! -d "$shared/data/activity-data-synth" ]; then
  echo "error: the shared data sets are not at $shared (set SLUICE_SHARED)" >&2
  exit 1
fi

# Rust components the checks use (present with rustup's default profile; added if not).
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

# Headless Chromium renders the metrics page in tests/observability.rs (required under CI).
if ! command -v chromium >/dev/null 2>&1; then
  sudo_if_needed=""; [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  $sudo_if_needed apt-get update
  $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# socat terminates TLS in front of the test brokers; openssl makes their certificates.
if ! command -v socat >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
  sudo_if_needed=""; [ "$(id -u)" -eq 0 ] || sudo_if_needed="sudo"
  $sudo_if_needed apt-get update
  $sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y socat openssl
fi

# Kafka-protocol brokers (tansu) for the Kafka tests: installed once, started fresh with
# empty data folders for this run on free ports, stopped on exit. One plaintext, one
# behind TLS, one behind TLS requiring SASL/SCRAM with a password made for this run.
scripts/kafka-broker.sh install
kafka_dir=$(mktemp -d /tmp/sluice-kafka.XXXXXX)
trap 'for b in plain tls sasl; do scripts/kafka-broker.sh stop "$kafka_dir/$b"; done; rm -rf "$kafka_dir"' EXIT
free_port() {
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}
SLUICE_KAFKA=$(scripts/kafka-broker.sh start "$kafka_dir/plain" "$(free_port 9092)")
SLUICE_KAFKA_TLS=$(scripts/kafka-broker.sh start-tls "$kafka_dir/tls" "$(free_port 9192)")
SLUICE_KAFKA_TLS_CA=$kafka_dir/tls/ca.pem
SLUICE_KAFKA_SASL_USER=sluice
SLUICE_KAFKA_SASL_PASSWORD=pw-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
SLUICE_KAFKA_SASL_TLS=$(scripts/kafka-broker.sh start-sasl-tls "$kafka_dir/sasl" "$(free_port 9292)" \
  "$SLUICE_KAFKA_SASL_USER" "$SLUICE_KAFKA_SASL_PASSWORD")
SLUICE_KAFKA_SASL_TLS_CA=$kafka_dir/sasl/ca.pem
export SLUICE_KAFKA SLUICE_KAFKA_TLS SLUICE_KAFKA_TLS_CA SLUICE_KAFKA_SASL_TLS SLUICE_KAFKA_SASL_TLS_CA \
  SLUICE_KAFKA_SASL_USER SLUICE_KAFKA_SASL_PASSWORD

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
