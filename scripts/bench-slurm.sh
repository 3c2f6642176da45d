#!/usr/bin/env bash
# Throughput through Slurm on this machine: a private single-node cluster
# (scripts/slurm-cluster.sh; needs root), fashion-mnist at TRAIN_SECONDS,
# one seed per experiment (one job each), the A/A proposer so that every
# job trains the same script. After a baseline, EXPERIMENTS experiments
# with --workers 1 and then 2 (jobs in flight); prints the wall time of
# each loop, their ratio, and the per-seed overhead Slurm adds: submit to
# start (the controller's record, 1 s resolution), and the loop's time per
# job against the node's own wall time for the seed.
#
#   scripts/bench-slurm.sh [BINARY]     TRAIN_SECONDS=5 EXPERIMENTS=8
set -euo pipefail
bin=$(realpath "${1:-bin/autoresearch}")
secs=${TRAIN_SECONDS:-5}
n=${EXPERIMENTS:-8}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cluster=$(mktemp -d /tmp/slurm-XXXX)
trap '"$here/slurm-cluster.sh" stop "$cluster"; rm -rf "$work" "$cluster"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
export "$("$here/slurm-cluster.sh" start "$cluster" "$(port)" "$(port)")"
flags=(--task fashion-mnist --train-seconds "$secs" --seeds 1 --no-test --executor slurm --work-dir "$work/shared" --slurm-mem 4G)
for w in 1 2; do
  db=$work/w$w.db
  "$bin" baseline --db "$db" "${flags[@]}" >"$work/base$w.log" 2>&1
  start=$(date +%s.%N)
  "$bin" run --db "$db" "${flags[@]}" --workers "$w" --proposer unchanged --max-experiments "$n" --accept mean --confirm-seeds 0 >"$work/run$w.log" 2>&1
  end=$(date +%s.%N)
  echo "workers $w: $(python3 -c "print(f'{$end - $start:.1f}')") s for $n experiments"
  "$bin" export --db "$db" --task fashion-mnist --format json -o "$work/w$w.json"
done
python3 - "$cluster/jobcomp.log" "$work" "$n" <<'PY'
import json, re, statistics as st, sys, datetime as dt
log, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def t(s): return dt.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S")
lat = []
for line in open(log):
    f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
    if f.get("Name", f.get("JobName", "")).startswith("autoresearch-"):
        lat.append((t(f["StartTime"]) - t(f["SubmitTime"])).total_seconds())
print(f"submit to start: median {st.median(lat):.1f} s, max {max(lat):.0f} s over {len(lat)} jobs")
for w in (1, 2):
    seeds = [s for e in json.load(open(f"{work}/w{w}.json")) if e["mode"] != "baseline" for s in e["seeds"]]
    print(f"workers {w}: node wall per seed median {st.median(s['wall_seconds'] for s in seeds):.1f} s, "
          f"trained {st.median(s['train_seconds'] for s in seeds):.1f} s")
PY
