#!/usr/bin/env bash
# Measures the dashboard, status and report over a store of 100,000
# synthetic experiments (built once into $DB, about 1.5 GB, by the Go
# benchmarks' sqlitetest.Scale): dashboard latency under 8 concurrent
# clients with a writer, cold latency per endpoint, then the median of
# RUNS timings of `status`, `status --all` and `report` and the report's size.
#
#   scripts/bench-scale.sh [BINARY]      RUNS=5 DB=/tmp/autoresearch-scale.db
set -euo pipefail
bin=${1:-bin/autoresearch}
runs=${RUNS:-5}
export AUTORESEARCH_BENCH_DB=${DB:-/tmp/autoresearch-scale.db}

go test -run XXX -bench 'Dashboard100k/write' -benchtime 8000x ./internal/web/ | grep -E '^Benchmark'
go test -run XXX -bench 'Dashboard100k/cold' -benchtime 20x ./internal/web/ | grep -E '^Benchmark'
go test -run XXX -bench 'Reads100k' -benchtime 20x ./internal/sqlite/ | grep -E '^Benchmark'

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() {
  for _ in $(seq "$runs"); do
    s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
    awk "BEGIN { print $e - $s }"
  done | median
}
out=$(mktemp --suffix .html)
trap 'rm -f "$out"' EXIT
echo "status (last 50):  $(timeit "$bin" status --db "$AUTORESEARCH_BENCH_DB" --task scale) s"
echo "status --all:      $(timeit "$bin" status --all --db "$AUTORESEARCH_BENCH_DB" --task scale) s"
echo "report:            $(timeit "$bin" report --db "$AUTORESEARCH_BENCH_DB" --task scale -o "$out") s, $(du -k "$out" | cut -f1) KiB"
