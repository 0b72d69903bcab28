#!/usr/bin/env bash
# The Kafka-protocol broker the tests use: tansu 0.6.0 with SQLite storage.
#   scripts/kafka-broker.sh install           install tansu into ~/.cargo/bin when missing (~15 min once)
#   scripts/kafka-broker.sh start DIR [PORT]  start a broker with its data in DIR on 127.0.0.1:PORT
#                                             (default 9092); prints the address; pid in DIR/tansu.pid
#   scripts/kafka-broker.sh start-tls DIR PORT
#                                             a broker reached over TLS on 127.0.0.1:PORT, with a
#                                             certificate signed by a CA made in DIR (DIR/ca.pem),
#                                             requiring a client certificate signed by that CA
#                                             (DIR/client.pem, key DIR/client.key)
#   scripts/kafka-broker.sh start-sasl-tls DIR PORT USER PASSWORD
#                                             the same, also requiring SASL/SCRAM (SCRAM-SHA-512)
#                                             authentication as USER
#   scripts/kafka-broker.sh stop DIR          stop what was started with DIR
# tansu 0.6.0 cannot serve TLS itself (its --cert and --key flags refuse each other), so
# socat terminates TLS in front of it; tansu advertises the TLS port. Needs openssl and
# socat (scripts/test.sh installs them). See ../shared/kafka/README.md for the broker's limits.
set -euo pipefail
TANSU_VERSION=0.6.0
TANSU_ROOT=${TANSU_ROOT:-$HOME/.cargo}
TANSU=$TANSU_ROOT/bin/tansu

installed() {
  [ -x "$TANSU" ] && "$TANSU" --version 2>/dev/null | grep -qx "tansu $TANSU_VERSION" \
    && "$TANSU" --help 2>/dev/null | grep -q "Storage engines: libsql"
}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port nothing listens on, from $1 up.
free_port() {
  local port=$1
  while answers "$port"; do port=$((port + 1)); done
  echo "$port"
}

# wait_for PORT PIDFILE LOG: until the port answers, or the process died.
wait_for() {
  for _ in $(seq 200); do
    answers "$1" && return 0
    kill -0 "$(cat "$2")" 2>/dev/null || break
    sleep 0.1
  done
  echo "nothing answers on 127.0.0.1:$1; the log:" >&2
  cat "$3" >&2
  return 1
}

# tansu DIR LISTEN_PORT ADVERTISED_PORT [FLAGS..]: starts tansu, pid in DIR/tansu.pid.
tansu() {
  local dir=$1 port=$2 advertised=$3
  shift 3
  mkdir -p "$dir"
  # sqlite:// paths are resolved relative to the broker's working directory.
  ( cd "$dir" && exec "$TANSU" broker \
      --listener-url "tcp://127.0.0.1:$port" \
      --advertised-listener-url "tcp://127.0.0.1:$advertised" \
      --storage-engine sqlite://tansu.db "$@" ) >>"$dir/tansu.log" 2>&1 &
  echo $! >"$dir/tansu.pid"
  wait_for "$port" "$dir/tansu.pid" "$dir/tansu.log"
}

# A CA (DIR/ca.pem), a broker certificate for 127.0.0.1 and localhost signed by it, and a
# client certificate (DIR/client.pem, DIR/client.key) signed by it.
certificates() {
  local dir=$1
  [ -f "$dir/broker.pem" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 7 \
    -subj "/CN=sluice-test-ca" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/broker.key" -out "$dir/broker.csr" \
    -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/ext.cnf"
  openssl x509 -req -in "$dir/broker.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -out "$dir/broker.pem" -days 7 -extfile "$dir/ext.cnf" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/client.key" -out "$dir/client.csr" \
    -subj "/CN=sluice-test-client" 2>/dev/null
  openssl x509 -req -in "$dir/client.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -out "$dir/client.pem" -days 7 2>/dev/null
}

# tls_front DIR PORT INNER VERIFY: socat terminating TLS on PORT for the broker on INNER,
# checking client certificates against DIR/ca.pem when VERIFY is 1.
tls_front() {
  local dir=$1 port=$2 inner=$3 verify=$4
  socat "OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork,cert=$dir/broker.pem,key=$dir/broker.key,cafile=$dir/ca.pem,verify=$verify" \
    "TCP:127.0.0.1:$inner" >>"$dir/socat.log" 2>&1 &
  echo $! >"$dir/socat.pid"
  wait_for "$port" "$dir/socat.pid" "$dir/socat.log"
}

stop_pid() {
  local file=$1
  [ -f "$file" ] || return 0
  local pid
  pid=$(cat "$file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$file"
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
    tansu "$dir" "$port" "$port"
    echo "127.0.0.1:$port"
    ;;
  start-tls | start-sasl-tls)
    dir=${2:?data directory}
    port=${3:?port}
    mkdir -p "$dir"
    certificates "$dir"
    inner=$(free_port $((port + 100)))
    if [ "$1" = start-sasl-tls ]; then
      user=${4:?user}
      password=${5:?password}
      # Users are made through a broker that does not yet require authentication.
      tansu "$dir" "$inner" "$inner"
      "$TANSU" user create --broker "tcp://127.0.0.1:$inner" --mechanism scram512 "$user" "$password" \
        >>"$dir/tansu.log" 2>&1
      stop_pid "$dir/tansu.pid"
      tansu "$dir" "$inner" "$port" --authentication
      tls_front "$dir" "$port" "$inner" 0
    else
      tansu "$dir" "$inner" "$port"
      tls_front "$dir" "$port" "$inner" 1
    fi
    echo "127.0.0.1:$port"
    ;;
  stop)
    dir=${2:?data directory}
    stop_pid "$dir/socat.pid"
    stop_pid "$dir/tansu.pid"
    ;;
  *)
    echo "usage: $0 install | start DIR [PORT] | start-tls DIR PORT | start-sasl-tls DIR PORT USER PASSWORD | stop DIR" >&2
    exit 2
    ;;
esac
