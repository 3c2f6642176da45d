#!/usr/bin/env bash
# Measures the per-seed overhead of the harness: a seed's wall time minus
# its training budget, split into start-up (until the harness was
# imported), data (until the training clock started), past the budget
# (the runner's clock: the last step, the export and the exit; the export
# shown on its own too), evaluation and the rest, for each task's
# baseline at its default budget (or BUDGET).
#
# Each task's seeds run in one `baseline` invocation, as the loop runs
# them (one after the other: a warm process can serve the next seed).
# Two invocations per task: with --no-test (every seed as for an
# experiment that is not kept), then with the test split (the baseline is
# a finalist: its seeds' models are evaluated on test after the seeds;
# that time is reported apart, per seed, with the invocation's wall time).
# Prints a Markdown table of medians over the seeds, with the last
# training step each seed logged (what the budget bought).
#
# MODES="no-test" runs only the first.
#
#   scripts/bench-overhead.sh [BINARY]      SEEDS=5 TASKS="shakespeare fashion-mnist" MODES="no-test test" BUDGET=
set -euo pipefail
bin=${1:-bin/autoresearch}
seeds=${SEEDS:-5}
tasks=${TASKS:-shakespeare fashion-mnist}
modes=${MODES:-no-test test}
budget=${BUDGET:+--train-seconds $BUDGET}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
list=$(seq -s, 101 $((100 + seeds)))

for t in $tasks; do
  for mode in $modes; do
    flag=$([ "$mode" = no-test ] && echo --no-test || true)
    start=$(date +%s.%N)
    # shellcheck disable=SC2086 # $budget and $flag are word lists
    "$bin" baseline --db "$work/$mode.db" --task "$t" --seeds "$list" $budget $flag >/dev/null
    echo "$start $(date +%s.%N)" >"$work/$t.$mode.wall"
    "$bin" export --db "$work/$mode.db" --task "$t" --format json -o "$work/$t.$mode.json"
  done
done

python3 - "$work" "$modes" $tasks <<'PY'
import json, statistics, sys
work, modes, tasks = sys.argv[1], sys.argv[2].split(), sys.argv[3:]
print("| task | split | budget s | seeds | wall s | overhead s | overhead % | start-up s | data s | past budget s | (export s) | eval s | other s | test s per seed | invocation s | last step logged |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for t in tasks:
    for mode in modes:
        rows = []
        for e in json.load(open(f"{work}/{t}.{mode}.json")):
            for s in e["seeds"] or []:
                budget = e["train_seconds"]
                parts = {
                    "wall": s["wall_seconds"],
                    "overhead": s["wall_seconds"] - budget,
                    "imports": s["import_seconds"],
                    "data": s["startup_seconds"] - s["import_seconds"],
                    "overrun": s["train_seconds"] - budget,
                    "export": s["export_seconds"],
                    "eval": s["eval_seconds"],
                    "test": s.get("test_seconds", 0),
                    "steps": (s.get("loss") or [{"step": 0}])[-1]["step"],
                }
                parts["other"] = parts["overhead"] - parts["imports"] - parts["data"] - parts["overrun"] - parts["eval"]
                rows.append((budget, parts))
        med = {k: statistics.median(r[1][k] for r in rows) for k in rows[0][1]}
        budget = rows[0][0]
        started, ended = map(float, open(f"{work}/{t}.{mode}.wall").read().split())
        wall = ended - started
        print(f"| {t} | {'val' if mode == 'no-test' else 'val, then test (finalist)'} | {budget:g} | {len(rows)} | {med['wall']:.2f} | "
              f"{med['overhead']:.2f} | {100*med['overhead']/budget:.1f} | {med['imports']:.2f} | {med['data']:.2f} | "
              f"{med['overrun']:.2f} | {med['export']:.2f} | {med['eval']:.2f} | {med['other']:.2f} | {med['test']:.2f} | {wall:.1f} | {med['steps']:g} |")
PY
