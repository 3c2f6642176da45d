#!/usr/bin/env bash
# Search quality: the best fashion-mnist error after N offline-proposer
# experiments vs N random-search experiments, same budget, same seeds,
# same strategy seed. Prints a Markdown table.
#
#   scripts/bench-search.sh [BINARY]     N=20 TRAIN_SECONDS=5 REPEATS=1
set -euo pipefail
bin=${1:-bin/autoresearch}
n=${N:-20}
secs=${TRAIN_SECONDS:-5}
repeats=${REPEATS:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "| proposer | repeat | experiments | kept | best error_rate | baseline error_rate |"
echo "|---|---|---|---|---|---|"
for r in $(seq "$repeats"); do
  for p in search random; do
    db="$work/$p-$r.db"
    "$bin" run --db "$db" --task fashion-mnist --proposer "$p" --max-experiments "$n" \
      --train-seconds "$secs" --no-test --search-seed "$r" >"$work/$p-$r.log" 2>&1
    "$bin" export --db "$db" --task fashion-mnist --format json -o "$work/$p-$r.json"
    python3 - "$work/$p-$r.json" "$p" "$r" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
ok = [e for e in rows if e["metric"] is not None and e["status"] in ("kept", "discarded")]
base = next(e["metric"] for e in rows if e["mode"] == "baseline")
best = min(e["metric"] for e in rows if e["status"] == "kept")
print(f"| {sys.argv[2]} | {sys.argv[3]} | {len(rows) - 1} | {sum(e['status'] == 'kept' for e in rows) - 1} | {best:.4f} | {base:.4f} |")
PY
  done
done
