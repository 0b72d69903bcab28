#!/usr/bin/env bash
# Checkpoint cost benchmark (issue 17): 1,000,000 keys summed in update mode, then batches
# of 1,000 changed keys (`maxFilesPerTrigger = 1`, console sink to /dev/null, 2 workers),
# run without and with `--checkpoint` by the release CLI. Prints, from each run's progress
# log: the median batch duration over batches 1..N, the checkpoint's delta bytes per batch
# and whole-snapshot bytes, the checkpoint directory's size after the run, and the time a
# restart from that checkpoint (1,000,000 keys of state) takes to run its first new batch.
#
# Usage: scripts/checkpoint-bench.sh            Environment: BATCHES (default 200),
#        KEYS (default 1000000), CHANGED (default 1000), WORKERS (default 2), SLUICE_BIN.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
bin=${SLUICE_BIN:-$CARGO_TARGET_DIR/release/sluice}
batches=${BATCHES:-200}
keys=${KEYS:-1000000}
changed=${CHANGED:-1000}
workers=${WORKERS:-2}
[ -x "$bin" ] || cargo build --release -p sluice-cli >&2

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
input=$tmp/in
mkdir -p "$input"
# Batch 0: every key once; batch i: CHANGED distinct keys spread over the key space.
python3 - "$input" "$keys" "$changed" "$batches" <<'PY'
import sys
out, keys, changed, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(f"{out}/b-00000.json", "w") as f:
    f.writelines(f'{{"k":{k},"v":1}}\n' for k in range(keys))
for b in range(1, batches + 2):
    with open(f"{out}/b-{b:05d}.json", "w") as f:
        f.writelines(f'{{"k":{(b * changed + j) * 7919 % keys},"v":{b}}}\n' for j in range(changed))
PY
# The last file is held back for the restart.
last=$(printf 'b-%05d.json' $((batches + 1)))
mv "$input/$last" "$tmp/$last"

cat > "$tmp/q.sql" <<SQL
CREATE TABLE src (k BIGINT, v BIGINT)
  WITH (connector = 'file', format = 'json', path = '$input', maxFilesPerTrigger = '1', fileOrder = 'name');
CREATE TABLE out WITH (connector = 'console', outputMode = 'update');
INSERT INTO out SELECT k, sum(v) AS total FROM src GROUP BY k;
SQL

run() { # $1 = progress log, rest = extra flags
  local log=$1
  shift
  "$bin" run "$tmp/q.sql" -w "$workers" -q --trigger available-now --progress-log "$log" "$@" > /dev/null
}

summary() { # $1 = progress log
  python3 - "$1" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
later = [r for r in rows if r["batchId"] >= 1]
med = statistics.median(r["durationMs"]["triggerExecution"] for r in later)
snap = statistics.median(r["durationMs"].get("stateSnapshot", 0) for r in later)
cm = [r["stateOperators"][0].get("customMetrics", {}) for r in later]
delta = statistics.median(c.get("deltaSizeBytes", 0) for c in cm) if cm else 0
whole = rows[0]["stateOperators"][0].get("customMetrics", {}).get("snapshotSizeBytes", 0)
background = [c.get("snapshotSizeBytes", 0) for c in cm if c.get("snapshotSizeBytes", 0)]
mean = statistics.mean(r["durationMs"]["triggerExecution"] for r in later)
# durationMs is whole milliseconds (Spark's), truncated: a 1.9 ms batch shows as 1. The
# exact duration is numInputRows / processedRowsPerSecond (Sluice computes the rate
# from the batch's exact duration).
exact = sorted(1000 * r["numInputRows"] / r["processedRowsPerSecond"] for r in later if r["processedRowsPerSecond"] > 0)
phases = sorted({k for r in later for k in r["durationMs"]})
print("  median ms per phase:", ", ".join(f"{k} {statistics.median(r['durationMs'].get(k, 0) for r in later)}" for k in phases))
print(f"{len(rows)} batches; batches 1..: median {med} ms, mean {mean:.2f} ms (stateSnapshot median {snap} ms); "
      f"delta bytes/batch median {delta:.0f}; batch-0 whole state {whole} bytes; "
      f"background snapshots {len(background)}, median {statistics.median(background) if background else 0:.0f} bytes")
print(f"  exact batch ms (numInputRows / processedRowsPerSecond): median {statistics.median(exact):.3f}, "
      f"mean {statistics.mean(exact):.3f}, p90 {exact[len(exact) * 9 // 10]:.3f}, max {exact[-1]:.3f}")
PY
}

echo "## without checkpoint"
run "$tmp/plain.jsonl"
summary "$tmp/plain.jsonl"
echo "## with checkpoint"
run "$tmp/cp.jsonl" --checkpoint "$tmp/cp" ${CP_FLAGS:-}
summary "$tmp/cp.jsonl"
echo "checkpoint directory after $batches batches: $(du -sb "$tmp/cp" | cut -f1) bytes ($(du -sh "$tmp/cp" | cut -f1))"
# One snapshot's size: the files of the batch whose snapshots are largest, summed.
state=$tmp/cp/out/state
snapshot=$(cd "$state" && find . -name 'snapshot-*' -printf '%h %s\n' | awk '{b[$1]+=$2} END {m=0; for (k in b) if (b[k]>m) m=b[k]; print m}')
echo "one snapshot (all parts of one batch): $snapshot bytes; directory / snapshot = $(python3 -c "print(round($(du -sb "$tmp/cp" | cut -f1) / $snapshot, 2))")"
(cd "$state" && find . -type f -printf '%f\n' | awk '{n[$1 ~ /^snapshot/ ? "snapshot" : "delta"]++} END {print "state files:", n["delta"], "deltas,", n["snapshot"], "snapshot files"}')

echo "## restart from the checkpoint ($keys keys), one new batch"
mv "$tmp/$last" "$input/$last"
start=$(date +%s%N)
run "$tmp/restart.jsonl" --checkpoint "$tmp/cp"
end=$(date +%s%N)
echo "restart to the end of its first new batch: $(( (end - start) / 1000000 )) ms (process start, restore, batch $(python3 -c "import json,sys; r=[json.loads(l) for l in open(sys.argv[1])]; print(r[0]['batchId'], 'took', r[0]['durationMs']['triggerExecution'], 'ms')" "$tmp/restart.jsonl"))"
