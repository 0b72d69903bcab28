#!/usr/bin/env bash
# Join benchmark (issue 13's speed figures): the release `sluice` CLI enriches the 529,288
# rows of ../shared/data/activity-data-synth with a 100-row static dimension table on
# `Device` (a stream-static join, as one batch and with maxFilesPerTrigger 10), with 1 and
# 2 workers, and prints rows/s.
#
# Usage: scripts/join-bench.sh
# Environment:
#   SLUICE_BIN  the CLI to time (default: target/release/sluice, built if missing)
#   WORKERS     worker counts (default "1 2")
#   REPEAT      runs per cell, the fastest is kept (default 3)
#
# Each cell is the wall time of one `sluice run --trigger available-now --quiet` process
# (start-up included), its sink the noop sink.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
bin=${SLUICE_BIN:-$CARGO_TARGET_DIR/release/sluice}
workers=${WORKERS:-"1 2"}
repeat=${REPEAT:-3}
data=${SLUICE_SHARED:-$root/../shared}/data/activity-data-synth
rows=529288
[ -x "$bin" ] || cargo build --release -p sluice-cli >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 100 devices: the data's 8 (nexus4, s3, s3mini, samsungold, each _1 and _2) and 92 others.
values=""
for m in nexus4 s3 s3mini samsungold; do
  for i in 1 2; do values+="('${m}_$i', '$m', $i), "; done
done
for i in $(seq 1 92); do values+="('other_$i', 'other', $i), "; done
values=${values%, }

script() { # script FILES_PER_TRIGGER
  cat <<SQL
CREATE TABLE activity (Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, \`Index\` BIGINT,
  Model STRING, \`User\` STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE)
  WITH (connector = 'file', format = 'json', path = '$data', maxFilesPerTrigger = '$1');
CREATE TEMPORARY VIEW devices AS SELECT * FROM VALUES $values AS t(Device, family, unit);
CREATE TABLE out WITH (connector = 'noop');
INSERT INTO out SELECT a.\`User\`, a.gt, a.x, d.family, d.unit FROM activity AS a JOIN devices AS d ON a.Device = d.Device;
SQL
}

echo "| files per batch | workers | seconds (best of $repeat) | rows/s |"
echo "|---|---|---|---|"
for per in 80 10; do
  script "$per" >"$tmp/join-$per.sql"
  for w in $workers; do
    best=""
    for _ in $(seq "$repeat"); do
      start=$(date +%s.%N)
      "$bin" run "$tmp/join-$per.sql" -w "$w" --trigger available-now --quiet >/dev/null
      end=$(date +%s.%N)
      t=$(echo "$end - $start" | bc -l)
      if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '| %s | %s | %.2f | %.0f |\n' "$per" "$w" "$best" "$(echo "$rows / $best" | bc -l)"
  done
done
