#!/usr/bin/env bash
# Two workers on a 2-core CPU: does either slow the other? fashion-mnist at
# TRAIN_SECONDS, one seed per experiment, the A/A proposer (every
# experiment trains the same script). The same loop of EXPERIMENTS
# experiments runs twice after a baseline: alone on one core (taskset -c 0:
# one worker, as the pair's workers each get one core) and with --workers 2
# on both cores (each worker pinned to its own). Prints each experiment's
# gradient steps per second trained, and the pair's against the median
# alone.
#
#   scripts/bench-pinning.sh [BINARY]     TRAIN_SECONDS=5 EXPERIMENTS=6
set -euo pipefail
bin=$(realpath "${1:-bin/autoresearch}")
secs=${TRAIN_SECONDS:-5}
n=${EXPERIMENTS:-6}
task=fashion-mnist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
flags=(--task "$task" --train-seconds "$secs" --seeds 1 --no-test)
loop=(run --proposer unchanged --max-experiments "$n" --accept mean --confirm-seeds 0)

taskset -c 0 "$bin" "${loop[@]}" --db alone.db "${flags[@]}" --workers 1 >alone.log 2>&1
"$bin" "${loop[@]}" --db pair.db "${flags[@]}" --workers 2 >pair.log 2>&1
grep -m1 'worker(s)' pair.log
for db in alone pair; do "$bin" export --db "$db.db" --task "$task" --format json -o "$db.json"; done

python3 - <<'PY'
import json, statistics as st
def rates(name):
    return [(e["seq"], s["steps"] / s["train_seconds"]) for e in json.load(open(name + ".json")) if e["mode"] != "baseline"
            for s in e["seeds"] if s["ok"] and s["train_seconds"] > 0]
alone, pair = rates("alone"), rates("pair")
ref = st.median(r for _, r in alone)
print(f"alone on one core: median {ref:.2f} steps/s ({', '.join(f'#{q} {r:.2f}' for q, r in alone)})")
x = [r / ref for _, r in pair]
print(f"two workers: min {min(x):.3f}x, median {st.median(x):.3f}x, max {max(x):.3f}x of alone "
      f"({', '.join(f'#{q} {r / ref:.2f}' for q, r in pair)})")
PY
