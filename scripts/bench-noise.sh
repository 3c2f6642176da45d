#!/usr/bin/env bash
# Decisions under noise, the margin rule (--accept margin, the default)
# against the original mean rule (--accept mean), on fashion-mnist at a
# short budget. Prints Markdown tables.
#
# Each rule runs as it is used: the margin rule after a baseline of 5
# seeds (the default), every experiment on seeds of its own; the mean rule
# as it always ran, after a baseline of the task's 2 seeds, every
# experiment on those same seeds.
#
# 1. A/A: a baseline, then N experiments that propose the unchanged
#    parent (--proposer unchanged). Every keep is a false one.
# 2. A real improvement: TRIALS times, a fresh baseline, then one eval of
#    the baseline with its convolutions at 8 channels instead of 32 (more
#    steps in the same seconds). Its effect in noise floors (against the
#    5-seed baseline of the margin rule's trial) is printed with the
#    trials.
#
#   scripts/bench-noise.sh [BINARY]     N=20 TRIALS=10 TRAIN_SECONDS=10
set -euo pipefail
bin=$(realpath "${1:-bin/autoresearch}")
n=${N:-20}
trials=${TRIALS:-10}
secs=${TRAIN_SECONDS:-10}
task=fashion-mnist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

common=(--task "$task" --train-seconds "$secs" --no-test)

summary() { # DB: prints kept (excluding the first baseline), experiments, seeds per experiment, noise floor
  "$bin" export --db "$1" --task "$task" --format json -o "$1.json"
  "$bin" status --db "$1" --task "$task" --json >"$1.status.json"
  python3 - "$1.json" "$1.status.json" <<'PY'
import json, sys
rows = [e for e in json.load(open(sys.argv[1])) if e["mode"] != "baseline"]
st = json.load(open(sys.argv[2]))
kept = sum(e["status"] == "kept" for e in rows)
seeds = sum(len(e.get("seeds") or []) for e in rows) / max(1, len(rows))
noise = st["noise_std"] or 0
print(kept, len(rows), f"{seeds:.2f}", f"{noise:.4f}", st["noise_df"])
PY
}

echo "### A/A: $n unchanged experiments after one baseline ($task, ${secs}s)"
echo
"$bin" baseline --db aa.db "${common[@]}" >aa-baseline.log 2>&1
"$bin" baseline --db aa-mean.db "${common[@]}" --seeds 42,137 --accept mean >aa-mean-baseline.log 2>&1
# the improvement of part 2: the baseline as recorded, at 16 channels
"$bin" export --db aa.db --task "$task" --format json -o baseline.json
python3 -c 'import json,sys; sys.stdout.write(json.load(open("baseline.json"))[0]["code"])' >baseline.py
sed 's/^channels: int = 32 /channels: int = 8  /' baseline.py >better.py
grep -q '^channels: int = 8  ' better.py || { echo "the baseline has no 'channels: int = 32' line to change" >&2; exit 1; }
echo "| rule | kept (false keeps) | experiments | seeds per experiment | noise floor (1 seed) | df |"
echo "|---|---|---|---|---|---|"
for rule in margin mean; do
  db=aa.db; [ "$rule" = mean ] && db=aa-mean.db
  "$bin" run --db "$db" "${common[@]}" --proposer unchanged --max-experiments "$n" --accept "$rule" >"aa-$rule.log" 2>&1
  read -r kept total seeds noise df < <(summary "$db")
  echo "| $rule | $kept | $total | $seeds | $noise | $df |"
done

echo
echo "### A real improvement: channels 32 → 8, $trials trials, each from fresh baselines"
echo
echo "| trial | baseline | noise floor | margin: kept | seeds | mean: kept | seeds | effect (noise floors) |"
echo "|---|---|---|---|---|---|---|---|"
for t in $(seq "$trials"); do
  "$bin" baseline --db "t$t.db" "${common[@]}" >"t$t-baseline.log" 2>&1
  "$bin" baseline --db "t$t-mean.db" "${common[@]}" --seeds 42,137 --accept mean >"t$t-mean-baseline.log" 2>&1
  row="| $t"
  for rule in margin mean; do
    db="t$t.db"; [ "$rule" = mean ] && db="t$t-mean.db"
    "$bin" eval --db "$db" "${common[@]}" --accept "$rule" better.py >"t$t-$rule.log" 2>&1 || true
    read -r kept _ seeds noise _ < <(summary "$db")
    if [ "$rule" = margin ]; then
      base=$(python3 -c 'import json,sys; print(next(e["metric"] for e in json.load(open(sys.argv[1])) if e["mode"]=="baseline"))' "$db.json")
      row="$row | $(printf %.4f "$base") | $noise"
    fi
    row="$row | $kept | $seeds"
  done
  effect=$(python3 - "t$t.db.json" <<'PY'
import json, sys, statistics
rows = json.load(open(sys.argv[1]))
base = [s["metric"] for s in rows[0]["seeds"] if s["ok"]]
new = [s["metric"] for s in rows[1]["seeds"] if s["ok"]]
print(f"{(statistics.mean(base) - statistics.mean(new)) / statistics.stdev(base):.1f}")
PY
)
  echo "$row | $effect |"
  echo "$effect" >>effects
done
echo
python3 -c 'import statistics,sys; xs=[float(l) for l in open("effects")]; print(f"Mean effect over the trials: {statistics.mean(xs):.1f} noise floors (each against its own baseline'"'"'s seeds).")'
