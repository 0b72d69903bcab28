#!/usr/bin/env bash
# The Kafka-protocol broker the tests use: tansu 0.6.0 with SQLite storage.
#   scripts/kafka-broker.sh install           install tansu into ~/.cargo/bin when missing (~15 min once)
#   scripts/kafka-broker.sh start DIR [PORT]  start a broker with its data in DIR on 127.0.0.1:PORT
#                                             (default 9092); prints the address; pid in DIR/tansu.pid
#   scripts/kafka-broker.sh stop DIR          stop the broker started with DIR
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
    mkdir -p "$dir"
    # sqlite:// paths are resolved relative to the broker's working directory.
    ( cd "$dir" && exec "$TANSU" broker \
        --listener-url "tcp://127.0.0.1:$port" \
        --advertised-listener-url "tcp://127.0.0.1:$port" \
        --storage-engine sqlite://tansu.db ) >>"$dir/tansu.log" 2>&1 &
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
  *)
    echo "usage: $0 install | start DIR [PORT] | stop DIR" >&2
    exit 2
    ;;
esac
