#!/usr/bin/env bash
# The Kafka-protocol broker the tests use: tansu 0.6.0 with SQLite storage.
#   scripts/kafka-broker.sh install           install tansu into ~/.cargo/bin when missing (~15 min once)
#   scripts/kafka-broker.sh start DIR [PORT]  start a broker with its data in DIR on 127.0.0.1:PORT
#                                             (default 9092); prints the address; pid in DIR/tansu.pid
#   scripts/kafka-broker.sh stop DIR          stop the broker started with DIR
#   scripts/kafka-broker.sh user PORT NAME PASSWORD [scram256|scram512]
#                                             create a SASL SCRAM user (on a broker started
#                                             without authentication: it is stored with the data)
# `start` also reads TANSU_ADVERTISED_PORT (the port clients are sent to, when a TLS
# terminator listens there in front of the broker; default PORT) and
# TANSU_AUTHENTICATION=1 (clients must authenticate with SASL SCRAM).
# See ../shared/kafka/README.md for the broker's known limits.
set -euo pipefail
TANSU_VERSION=0.6.0
TANSU_ROOT=${TANSU_ROOT:-$HOME/.cargo}
TANSU=$TANSU_ROOT/bin/tansu

installed() {
  [ -x "$TANSU" ] && "$TANSU" --version 2>/dev/null | grep -qx "tansu $TANSU_VERSION" \
    && "$TANSU" --help 2>/dev/null | grep -q "Storage engines: libsql"
}

case "${1:-}" in
  install)
    if ! installed; then
      echo "installing tansu $TANSU_VERSION (a Kafka-protocol broker; about 15 minutes, once)" >&2
      cargo install tansu --version "$TANSU_VERSION" --locked \
        --no-default-features --features libsql --root "$TANSU_ROOT"
    fi
    ;;
  start)
    dir=${2:?data directory}
    port=${3:-9092}
    advertised=${TANSU_ADVERTISED_PORT:-$port}
    auth=()
    [ "${TANSU_AUTHENTICATION:-0}" = 1 ] && auth=(--authentication)
    mkdir -p "$dir"
    # sqlite:// paths are resolved relative to the broker's working directory.
    ( cd "$dir" && exec "$TANSU" broker \
        --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$advertised" \
        --storage-engine sqlite://tansu.db "${auth[@]}" ) >>"$dir/tansu.log" 2>&1 &
    echo $! >"$dir/tansu.pid"
    for _ in $(seq 200); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        echo "127.0.0.1:$port"
        exit 0
      fi
      kill -0 "$(cat "$dir/tansu.pid")" 2>/dev/null || break
      sleep 0.1
    done
    echo "tansu did not start on 127.0.0.1:$port; its log:" >&2
    cat "$dir/tansu.log" >&2
    exit 1
    ;;
  stop)
    dir=${2:?data directory}
    if [ -f "$dir/tansu.pid" ]; then
      pid=$(cat "$dir/tansu.pid")
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/tansu.pid"
    fi
    ;;
  user)
    port=${2:?port}
    name=${3:?user name}
    password=${4:?password}
    "$TANSU" user create --broker "tcp://127.0.0.1:$port" --mechanism "${5:-scram512}" "$name" "$password"
    ;;
  *)
    echo "usage: $0 install | start DIR [PORT] | stop DIR | user PORT NAME PASSWORD [MECHANISM]" >&2
    exit 2
    ;;
esac
