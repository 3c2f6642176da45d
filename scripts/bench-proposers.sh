#!/usr/bin/env bash
# Search at equal compute: the best fashion-mnist error after 10, 20 and 30
# experiments of each offline proposer (random, search, tpe, cmaes), each
# repeat with its own strategy seed and the same training seeds. Every
# proposer of a repeat starts from one shared baseline (its database
# copied), whose extra seeds measure the noise floor of one experiment,
# so the proposers differ only in what they propose. With PAR > 1 that
# many runs go at once, each pinned to its own share of the cores (a run
# sees only its share, so its seeds train with that many threads). Prints
# the summary as Markdown; keeps the databases and logs in OUT. The runs
# keep any better mean (ACCEPT=mean): this compares search, not the
# acceptance rule, and so each run's best is its best mean, a finalist
# whose held-out test error is measured.
#
#   scripts/bench-proposers.sh [BINARY]
#     N=30 TRAIN_SECONDS=10 REPEATS=5 FIRST=1 PROPOSERS="random search tpe cmaes"
#     SEEDS=42 BASE_SEEDS=42,137,7,11,23 ACCEPT=mean PAR=1 OUT=bench-proposers
set -euo pipefail
bin=$(realpath "${1:-bin/autoresearch}")
n=${N:-30}
secs=${TRAIN_SECONDS:-10}
repeats=${REPEATS:-5}
first=${FIRST:-1}
proposers=${PROPOSERS:-random search tpe cmaes}
seeds=${SEEDS:-42}
base_seeds=${BASE_SEEDS:-42,137,7,11,23}
accept=${ACCEPT:-mean}
par=${PAR:-1}
out=${OUT:-bench-proposers}
mkdir -p "$out/claims"

# job runs one line of the queue: "base R" or "PROPOSER R".
job() {
  local what=$1 r=$2
  local base="$out/base-$r.db"
  if [[ $what == base ]]; then
    [[ -f $base ]] && return
    if ! "$bin" baseline --db "$base.tmp" --task fashion-mnist --train-seconds "$secs" --seeds "$base_seeds" >"$out/base-$r.log" 2>&1; then
      touch "$out/base-$r.failed" # the repeat's runs give up instead of waiting
      return 1
    fi
    mv "$base.tmp" "$base"
    return
  fi
  local db="$out/$what-$r.db"
  [[ -f "$out/$what-$r.json" ]] && return
  rm -f "$db"
  cp "$base" "$db"
  "$bin" run --db "$db" --task fashion-mnist --proposer "$what" --max-experiments "$n" \
    --train-seconds "$secs" --seeds "$seeds" --search-seed "$r" --accept "$accept" --workers 1 >"$out/$what-$r.log" 2>&1
  "$bin" export --db "$db" --task fashion-mnist --format json -o "$out/$what-$r.json"
}

# worker takes queue lines no other worker has claimed, pinned to its cores.
worker() {
  local k=$1 cpus=$2 line
  while read -r line; do
    mkdir "$out/claims/${line// /-}" 2>/dev/null || continue
    if [[ $line != base* ]]; then
      # a proposer's run waits for its repeat's baseline (another worker may be making it)
      until [[ -f "$out/base-${line#* }.db" || -f "$out/base-${line#* }.failed" ]]; do sleep 2; done
      if [[ ! -f "$out/base-${line#* }.db" ]]; then
        echo "worker $k: $line skipped, its baseline failed (see base-${line#* }.log)"
        continue
      fi
    fi
    taskset --cpu-list "$cpus" bash -c "$(declare -f job); $(declare -p bin n secs seeds base_seeds accept out); job $line" \
      || echo "worker $k: $line failed (see its log)"
    echo "worker $k done: $line ($(date +%H:%M))"
  done <"$out/queue"
}

{
  for r in $(seq "$first" $((first + repeats - 1))); do echo "base $r"; done
  for r in $(seq "$first" $((first + repeats - 1))); do
    for p in $proposers; do echo "$p $r"; done
  done
} >"$out/queue"
rm -rf "$out/claims" "$out"/base-*.failed && mkdir -p "$out/claims"

ncpu=$(nproc)
par=$((par < 1 ? 1 : par > ncpu ? ncpu : par)) # each run needs a core of its own
for k in $(seq 0 $((par - 1))); do
  lo=$((k * ncpu / par)); hi=$(((k + 1) * ncpu / par - 1))
  worker "$k" "$lo-$hi" &
done
wait
python3 "$(dirname "$0")/bench-proposers.py" "$out"
