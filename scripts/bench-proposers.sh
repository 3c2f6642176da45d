#!/usr/bin/env bash
# Search at equal compute: the best fashion-mnist error after 10, 20 and 30
# experiments of each offline proposer (random, search, tpe, cmaes), each
# repeat with its own strategy seed and the same training seeds. Every
# proposer of a repeat starts from one shared baseline (its database
# copied), so they differ only in what they propose. Prints each run's
# row, then the summary as Markdown; keeps the databases in OUT.
#
#   scripts/bench-proposers.sh [BINARY]
#     N=30 TRAIN_SECONDS=10 REPEATS=5 FIRST=1 PROPOSERS="random search tpe cmaes" OUT=bench-proposers
set -euo pipefail
bin=${1:-bin/autoresearch}
n=${N:-30}
secs=${TRAIN_SECONDS:-10}
repeats=${REPEATS:-5}
first=${FIRST:-1}
proposers=${PROPOSERS:-random search tpe cmaes}
out=${OUT:-bench-proposers}
mkdir -p "$out"

for r in $(seq "$first" $((first + repeats - 1))); do
  base="$out/base-$r.db"
  if [[ ! -f $base ]]; then
    "$bin" baseline --db "$base" --task fashion-mnist --train-seconds "$secs" >"$out/base-$r.log" 2>&1
  fi
  for p in $proposers; do
    db="$out/$p-$r.db"
    [[ -f "$out/$p-$r.json" ]] && continue
    cp "$base" "$db"
    "$bin" run --db "$db" --task fashion-mnist --proposer "$p" --max-experiments "$n" \
      --train-seconds "$secs" --search-seed "$r" --workers 1 >"$out/$p-$r.log" 2>&1
    "$bin" export --db "$db" --task fashion-mnist --format json -o "$out/$p-$r.json"
    echo "done: $p repeat $r ($(date +%H:%M))"
  done
done
python3 "$(dirname "$0")/bench-proposers.py" "$out"
