#!/usr/bin/env bash
# Time budget against step budget on a loaded machine: fashion-mnist's
# baseline (5 seeds) on a quiet machine and beside LOAD busy processes,
# first under a time budget of TRAIN_SECONDS, then under a step budget of
# the steps the quiet time-budget run did (its median: calibrated from the
# baseline's throughput), with four times the seconds as the ceiling.
# Prints a Markdown table: per budget and load, the mean metric, the
# per-seed std, the gradient steps per seed and the seconds trained, and
# per budget how far the load moved each seed's metric (paired by seed).
#
#   scripts/bench-budget.sh [BINARY]     TRAIN_SECONDS=10 LOAD=1
set -euo pipefail
bin=$(realpath "${1:-bin/autoresearch}")
secs=${TRAIN_SECONDS:-10}
load=${LOAD:-1}
task=fashion-mnist
work=$(mktemp -d)
hogs=()
cleanup() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"

loaded() { # start LOAD busy processes
  for _ in $(seq "$load"); do python3 -c 'while True: pass' & hogs+=($!); done
  sleep 1
}
quiet() { for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done; hogs=(); sleep 1; }

baseline() { # NAME FLAGS...: a fresh 5-seed baseline, exported to NAME.json
  local name=$1; shift
  "$bin" baseline --db "$name.db" --task "$task" --no-test "$@" >"$name.log" 2>&1
  "$bin" export --db "$name.db" --task "$task" --format json -o "$name.json"
}

baseline time-quiet --train-seconds "$secs"
loaded; baseline time-loaded --train-seconds "$secs"; quiet
steps=$(python3 -c 'import json,statistics,sys; print(int(statistics.median(s["steps"] for s in json.load(open(sys.argv[1]))[0]["seeds"])))' time-quiet.json)
ceiling=$((4 * secs))
baseline steps-quiet --budget-steps "$steps" --train-seconds "$ceiling"
loaded; baseline steps-loaded --budget-steps "$steps" --train-seconds "$ceiling"; quiet

python3 - "$secs" "$steps" "$ceiling" "$load" <<'PY'
import json, statistics as st, sys
secs, steps, ceiling, load = sys.argv[1:]
def seeds(name):
    return {s["seed"]: s for s in json.load(open(name + ".json"))[0]["seeds"] if s["ok"]}
print(f"| budget | load | error_rate mean | per-seed std | steps per seed | trained s per seed | seeds |")
print("|---|---|---|---|---|---|---|")
shift = {}
for kind, label in (("time", f"{secs} s"), ("steps", f"{steps} steps (at most {ceiling} s)")):
    runs = {l: seeds(f"{kind}-{l}") for l in ("quiet", "loaded")}
    for l, ss in runs.items():
        m = [s["metric"] for s in ss.values()]
        print(f"| {label} | {l if l == 'quiet' else f'{load} busy process(es)'} | {st.mean(m):.4f} | {st.stdev(m):.4f} | "
              f"{st.median(s['steps'] for s in ss.values()):.0f} | {st.median(s['train_seconds'] for s in ss.values()):.1f} | {len(m)} |")
    common = sorted(set(runs["quiet"]) & set(runs["loaded"]))
    d = [runs["loaded"][k]["metric"] - runs["quiet"][k]["metric"] for k in common]
    sd = st.stdev(s["metric"] for s in runs["quiet"].values())
    shift[label] = (st.mean(d), st.mean(abs(x) for x in d), sd)
print()
print("| budget | load's shift of the mean | mean absolute change per seed (same seed) | in quiet per-seed stds |")
print("|---|---|---|---|")
for label, (mean, mad, sd) in shift.items():
    print(f"| {label} | {mean:+.4f} | {mad:.4f} | {mad / sd:.2f} |")
PY
