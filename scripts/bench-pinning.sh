#!/usr/bin/env bash
# Two workers on a 2-core CPU: does either slow the other? fashion-mnist at
# TRAIN_SECONDS; first a 3-seed baseline alone on one core (taskset -c 0:
# the same worker, alone), then a loop of EXPERIMENTS experiments with
# --workers 2 (the A/A proposer, so every experiment trains the same
# script). Prints each seed's gradient steps per second trained and, per
# seed of the loop, its rate against the median rate alone.
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
flags=(--task "$task" --train-seconds "$secs" --seeds 1,2,3 --no-test)

taskset -c 0 "$bin" baseline --db alone.db "${flags[@]}" >alone.log 2>&1
"$bin" export --db alone.db --task "$task" --format json -o alone.json
"$bin" run --db pair.db "${flags[@]}" --workers 2 --proposer unchanged --max-experiments "$n" \
  --accept mean --confirm-seeds 0 >pair.log 2>&1
grep -m1 'worker(s)' pair.log
"$bin" export --db pair.db --task "$task" --format json -o pair.json

python3 - <<'PY'
import json, statistics as st
def rates(name, modes):
    return [s["steps"] / s["train_seconds"] for e in json.load(open(name + ".json")) if e["mode"] in modes
            for s in e["seeds"] if s["ok"] and s["train_seconds"] > 0]
alone = rates("alone", {"baseline"})
pair = rates("pair", {"improve", "explore", "diversify"})
ref = st.median(alone)
print(f"alone on one core: {len(alone)} seeds, median {ref:.1f} steps/s ({', '.join(f'{r:.1f}' for r in alone)})")
print(f"two workers: {len(pair)} seeds, min {min(pair)/ref:.3f}x, median {st.median(pair)/ref:.3f}x, max {max(pair)/ref:.3f}x of alone")
print("  per seed (experiment, seed, steps, trained s, x alone):", ", ".join(
    f"#{e['seq']}/{s['seed']} {s['steps']} {s['train_seconds']:.2f} {s['steps'] / s['train_seconds'] / ref:.2f}"
    for e in json.load(open("pair.json")) if e["mode"] != "baseline" for s in e["seeds"] if s["ok"]))
PY
