#!/usr/bin/env bash
# Rows per second of two queries on 1 process x 1 worker, 1 x 2 and 2 x 1 (two processes
# on 127.0.0.1), with the release CLI; each cell is the best of REPEAT runs, wall time of
# the whole command (start-up, connecting, reading, aggregating, printing).
#   seed: SELECT gt, count(*) .. GROUP BY gt over activity-data-synth (JSON), one batch
#   rate: a rate source of RATE_ROWS rows as fast as possible, grouped by value % 100
#   sink: activity-data-synth projected to a JSON file sink, one batch (every worker writes
#         its own files; process 0 commits the batch)
# Usage: scripts/cluster-bench.sh [REPEAT] [QUERY..]
#   (env: SLUICE_SHARED, RATE_ROWS, BASE_PORT; SLUICE_BIN to time another build of the CLI)
set -euo pipefail
cd "$(dirname "$0")/.."

repeat="${1:-3}"
shared="$(cd "${SLUICE_SHARED:-../shared}" && pwd)"
data="$shared/data/activity-data-synth"
rate_rows="${RATE_ROWS:-5000000}"
port="${BASE_PORT:-7950}"
shift || true
queries="${*:-seed rate sink}"
if [ -n "${SLUICE_BIN:-}" ]; then
  bin="$SLUICE_BIN"
else
  cargo build --release -q -p sluice-cli
  bin="$PWD/target/release/sluice"
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/seed.sql" <<EOF
CREATE TABLE activity (Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, \`Index\` BIGINT,
                       Model STRING, \`User\` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE)
  WITH (connector = 'file', format = 'json', path = '$data');
SELECT gt, count(*) AS count FROM activity GROUP BY gt;
EOF
cat > "$tmp/rate.sql" <<EOF
CREATE TABLE ticks WITH (connector = 'rate', rowsPerSecond = '0', numRows = '$rate_rows', rowsPerBatch = '1000000');
CREATE TABLE counts WITH (connector = 'memory', outputMode = 'complete');
INSERT INTO counts SELECT value % 100 AS k, count(*) AS n FROM ticks GROUP BY value % 100;
SELECT sum(n) AS n FROM counts;
EOF
cat > "$tmp/sink.sql" <<EOF
CREATE TABLE activity (Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, \`Index\` BIGINT,
                       Model STRING, \`User\` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE)
  WITH (connector = 'file', format = 'json', path = '$data');
CREATE TABLE moves WITH (connector = 'file', format = 'json', path = '$tmp/moves');
INSERT INTO moves SELECT \`User\`, gt, Model, x, y, z, Creation_Time FROM activity;
EOF
seed_rows=$(cat "$data"/*.json | wc -l)

# run QUERY PROCESSES WORKERS: seconds of one run (all processes started together).
run() {
  local query=$1 procs=$2 workers=$3 start end
  printf '127.0.0.1:%s\n127.0.0.1:%s\n' "$port" "$((port + 1))" > "$tmp/hosts"
  port=$((port + 2))
  rm -rf "$tmp/moves"
  start=$(date +%s.%N)
  if [ "$procs" = 1 ]; then
    "$bin" run "$tmp/$query.sql" -w "$workers" --trigger available-now --format json > "$tmp/out" 2> "$tmp/err"
  else
    "$bin" run "$tmp/$query.sql" -w "$workers" --trigger available-now -n 2 -p 1 --hostfile "$tmp/hosts" > /dev/null 2> "$tmp/err1" &
    local follower=$!
    "$bin" run "$tmp/$query.sql" -w "$workers" --trigger available-now --format json -n 2 -p 0 --hostfile "$tmp/hosts" > "$tmp/out" 2> "$tmp/err"
    wait "$follower"
  fi
  end=$(date +%s.%N)
  # Every row must be counted once, or the timing means nothing.
  local counted
  if [ "$query" = sink ]; then
    # The committed files hold every row once.
    counted=$(cat "$tmp/moves"/part-*.json | wc -l)
  else
    counted=$(grep -o '"\(count\|n\)":[0-9]*' "$tmp/out" | cut -d: -f2 | awk '{s += $1} END {print s + 0}')
  fi
  if [ "$counted" != "$(rows_of "$query")" ]; then
    echo "error: $query on $procs x $workers counted $counted rows, expected $(rows_of "$query")" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  echo "$end - $start" | bc -l
}

rows_of() { [ "$1" = rate ] && echo "$rate_rows" || echo "$seed_rows"; }

printf '%-6s %-22s %10s %12s   %s\n' query "processes x workers" rows "rows/s" "seconds (each run)"
for query in $queries; do
  rows=$(rows_of "$query")
  for shape in "1 1" "1 2" "2 1"; do
    set -- $shape
    times=()
    for _ in $(seq "$repeat"); do times+=("$(run "$query" "$1" "$2")"); done
    best=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
    printf '%-6s %-22s %10d %12.0f   %s\n' "$query" "$1 x $2" "$rows" "$(echo "$rows / $best" | bc -l)" \
      "$(printf '%.2f ' "${times[@]}")"
  done
done
echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
