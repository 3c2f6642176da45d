#!/usr/bin/env bash
# Measures the per-seed overhead of the harness: wall time minus the
# training budget, split into process start + imports, data load, the time
# past the budget (the runner's clock: the last step, the export and the
# exit; export shown on its own too), evaluation and the rest, for each
# task's baseline at its default budget.
# Prints a Markdown table of medians over RUNS runs (one seed each).
#
#   scripts/bench-overhead.sh [BINARY]      RUNS=3 TASKS="shakespeare fashion-mnist"
set -euo pipefail
bin=${1:-bin/autoresearch}
runs=${RUNS:-3}
tasks=${TASKS:-shakespeare fashion-mnist}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for t in $tasks; do
  for i in $(seq "$runs"); do
    "$bin" baseline --db "$work/bench.db" --task "$t" --seeds $((100 + i)) --no-test >/dev/null
  done
  "$bin" export --db "$work/bench.db" --task "$t" --format json -o "$work/$t.json"
done

python3 - "$work" $tasks <<'PY'
import json, statistics, sys
work, tasks = sys.argv[1], sys.argv[2:]
print("| task | budget s | runs | wall s | overhead s | overhead % | start+imports s | data load s | past budget s | (export s) | eval s | other s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for t in tasks:
    rows = []
    for e in json.load(open(f"{work}/{t}.json")):
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
            }
            parts["other"] = parts["overhead"] - parts["imports"] - parts["data"] - parts["overrun"] - parts["eval"]
            rows.append((budget, parts))
    med = {k: statistics.median(r[1][k] for r in rows) for k in rows[0][1]}
    budget = rows[0][0]
    print(f"| {t} | {budget:g} | {len(rows)} | {med['wall']:.2f} | {med['overhead']:.2f} | {100*med['overhead']/budget:.1f} | "
          f"{med['imports']:.2f} | {med['data']:.2f} | {med['overrun']:.2f} | {med['export']:.2f} | {med['eval']:.2f} | {med['other']:.2f} |")
PY
