#!/usr/bin/env bash
# Writes gen-digests.txt: for N events of ../shared/nexmark/gen (the files Spark read), per
# table the number of rows and the SHA-256 of its JSON lines sorted bytewise (a sorted
# multiset). tests/nexmark.rs makes the same lines from Sluice's nexmark source and checks
# them against these. Usage: benches/nexmark/expected/make-digests.sh [N...] (default 100000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
gen=/tmp/nexmark-gen-build
if [ ! -x "$gen/target/release/nexmark-gen" ]; then
  rm -rf "$gen" && cp -r "$here/../../../../shared/nexmark/gen" "$gen"
  (cd "$gen" && CARGO_TARGET_DIR="$gen/target" cargo build --release >&2)
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ $# -gt 0 ] || set -- 100000
{
  echo "# events table rows sha256-of-sorted-json-lines (made by make-digests.sh from ../shared/nexmark/gen)"
  for n in "$@"; do
    "$gen/target/release/nexmark-gen" "$out/$n" --events "$n" >&2
    for t in person auction bid; do
      rows=$(cat "$out/$n/$t"/*.json | wc -l)
      sum=$(cat "$out/$n/$t"/*.json | LC_ALL=C sort | sha256sum | cut -d' ' -f1)
      echo "$n $t $rows $sum"
    done
  done
} >"$here/gen-digests.txt"
cat "$here/gen-digests.txt"
