#!/usr/bin/env bash
# Nexmark benchmark: runs queries of benches/nexmark/ with the release `sluice` CLI over the
# in-process generator and over the JSON files of ../shared/nexmark/gen, with 1 and 2
# workers, and prints one markdown table with Spark 4.3's seconds (../shared/nexmark/README.md)
# and the ratio Spark / Sluice over the same files.
#
# Usage: scripts/nexmark-bench.sh [q0 q1 q2 ...]      (default: the queries that run today)
# Environment:
#   SLUICE_BIN    the CLI to time (default: target/release/sluice, built if missing)
#   NEXMARK_DIR   the JSON files (default /tmp/nexmark-1m; generated with ../shared/nexmark/gen
#                 built in /tmp when missing)
#   EVENTS        events (default 1000000; must match NEXMARK_DIR's files)
#   BATCH         generator events per batch (default EVENTS/4: Spark's 4 micro-batches)
#   WORKERS       worker counts (default "1 2")
#   REPEAT        runs per cell, the fastest is kept (default 3)
#
# Each cell is the wall time of one `sluice run --trigger available-now --quiet` process
# (start-up included, a few ms), its sink the noop sink (Spark used its memory sink).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
bin=${SLUICE_BIN:-$CARGO_TARGET_DIR/release/sluice}
events=${EVENTS:-1000000}
batch=${BATCH:-$((events / 4))}
workers=${WORKERS:-"1 2"}
repeat=${REPEAT:-3}
data=${NEXMARK_DIR:-/tmp/nexmark-1m}
queries=("$@")
[ ${#queries[@]} -gt 0 ] || queries=(q0 q1 q2 q3 q4 q5 q7 q8 q10 q11 q12 q13 q14 q15 q16 q17 q20 q21 q22)

if [ ! -x "$bin" ]; then
  cargo build --release -p sluice-cli >&2
fi
if [ ! -d "$data/bid" ]; then
  gen=/tmp/nexmark-gen-build
  if [ ! -x "$gen/target/release/nexmark-gen" ]; then
    rm -rf "$gen" && cp -r "$root/../shared/nexmark/gen" "$gen"
    (cd "$gen" && CARGO_TARGET_DIR="$gen/target" cargo build --release >&2)
  fi
  "$gen/target/release/nexmark-gen" "$data" --events "$events" >&2
fi

# Spark 4.3's wall seconds over the same files (../shared/nexmark/README.md).
spark_seconds() {
  case $1 in
    q0) echo 9.01 ;; q1) echo 11.62 ;; q2) echo 1.89 ;; q3) echo 5.42 ;;
    q5) echo 16.44 ;; q7) echo 11.51 ;; q8) echo 7.33 ;; *) echo - ;;
  esac
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The script of query $1 over tables $2 (generator | files): tables, sink, query.
script_for() {
  local q=$1 tables=$2 mode
  mode=$(sed -n 's/^-- mode: *\([a-z]*\).*/\1/p' "benches/nexmark/$q.sql" | head -1)
  {
    NEXMARK_EVENTS=$events NEXMARK_EVENTS_PER_BATCH=$batch NEXMARK_DIR=$data \
      envsubst '${NEXMARK_EVENTS} ${NEXMARK_EVENTS_PER_BATCH} ${NEXMARK_DIR}' \
      <"benches/nexmark/tables/$tables.sql"
    echo "CREATE TABLE nexmark WITH (connector = 'noop', outputMode = '${mode:-append}');"
    cat "benches/nexmark/$q.sql"
  } >"$tmp/$q-$tables.sql"
  echo "$tmp/$q-$tables.sql"
}

# Fastest wall seconds of $repeat runs, or "fail" (the error goes to stderr).
time_run() {
  local script=$1 w=$2 best="" i s e t
  for ((i = 0; i < repeat; i++)); do
    s=$(date +%s.%N)
    if ! "$bin" run "$script" -w "$w" --trigger available-now --quiet >/dev/null 2>"$tmp/err"; then
      echo "$(basename "$script") -w $w: $(head -c 300 "$tmp/err")" >&2
      echo fail
      return
    fi
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
  done
  printf '%.2f' "$best"
}

rate() { [ "$1" = fail ] && echo - || printf '%.2f M' "$(echo "$events / $1 / 1000000" | bc -l)"; }

header="| query | events"
sep="|---|---"
for src in generator files; do
  for w in $workers; do
    header+=" | $src ${w}w s | $src ${w}w ev/s"
    sep+="|---|---"
  done
done
echo "$header | Spark s | Spark / Sluice (files, best) |"
echo "$sep|---|---|"
for q in "${queries[@]}"; do
  line="| $q | $events"
  best_files=""
  for src in generator files; do
    script=$(script_for "$q" "$src")
    for w in $workers; do
      t=$(time_run "$script" "$w")
      line+=" | $t | $(rate "$t")"
      if [ "$src" = files ] && [ "$t" != fail ]; then
        if [ -z "$best_files" ] || [ "$(echo "$t < $best_files" | bc -l)" = 1 ]; then best_files=$t; fi
      fi
    done
  done
  spark=$(spark_seconds "$q")
  ratio=-
  if [ "$spark" != - ] && [ -n "$best_files" ]; then ratio=$(printf '%.1fx' "$(echo "$spark / $best_files" | bc -l)"); fi
  echo "$line | $spark | $ratio |"
done
