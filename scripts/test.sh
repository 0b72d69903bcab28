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

# A Kafka-protocol broker (tansu) for the Kafka tests: installed once, started fresh with
# an empty data folder for this run on a free port, stopped on exit.
scripts/kafka-broker.sh install
kafka_dir=$(mktemp -d /tmp/sluice-kafka.XXXXXX)
port=9092
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
trap 'scripts/kafka-broker.sh stop "$kafka_dir"; rm -rf "$kafka_dir"' EXIT
SLUICE_KAFKA=$(scripts/kafka-broker.sh start "$kafka_dir" "$port")
export SLUICE_KAFKA

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
