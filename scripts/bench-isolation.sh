#!/usr/bin/env bash
# Measures what isolation costs per seed: starting /bin/true at each level
# (Go benchmark), then the median wall time of a shakespeare seed (1 s of
# training) under --isolation none and --isolation auto (full here), RUNS
# runs each, alternating.
#
#   scripts/bench-isolation.sh [BINARY]      RUNS=5
set -euo pipefail
bin=${1:-bin/autoresearch}
runs=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go test -run XXX -bench IsolationStart -count 3 ./internal/sandbox/ | grep -E '^Benchmark'
for i in $(seq "$runs"); do
  for level in none auto; do
    "$bin" baseline --db "$work/$level.db" --task shakespeare --train-seconds 1 --seeds $((100 + i)) --no-test \
      --isolation "$level" >/dev/null 2>&1
  done
done
for level in none auto; do
  "$bin" export --db "$work/$level.db" --task shakespeare --format json -o "$work/$level.json"
done
python3 - "$work" <<'PY'
import json, statistics, sys
work = sys.argv[1]
med = {}
for level in ("none", "auto"):
    seeds = [s for e in json.load(open(f"{work}/{level}.json")) for s in e["seeds"] or []]
    med[level] = statistics.median(s["wall_seconds"] - s["train_seconds"] for s in seeds)
    parts = {k: statistics.median(s[k] for s in seeds) for k in ("startup_seconds", "export_seconds", "eval_seconds")}
    print(f"{level}: {len(seeds)} seeds, median wall minus training {med[level]:.3f} s;",
          ", ".join(f"{k.split('_')[0]} {v:.3f} s" for k, v in parts.items()))
print(f"isolation cost per seed: {1000 * (med['auto'] - med['none']):.0f} ms")
PY
