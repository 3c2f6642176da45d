#!/usr/bin/env bash
# Runs `go test ./...` as on a machine with Go and nothing else of ours:
# in a private mount namespace, Python (every python3 and python on
# PATH), PyTorch and NumPy (Debian's Python packages), bubblewrap,
# Chromium and Debian's data sets are hidden. The
# fast tier must pass; every test that needs what is hidden must skip and
# name it. KEEP names what to leave in place (python, torch, datasets,
# bwrap, chromium), to try one missing at a time. Needs root (it mounts over
# system folders, in its namespace only). Arguments go to `go test`
# (default: ./...).
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "test-bare.sh mounts over system folders in a private namespace: run it as root" >&2
  exit 2
fi
keep=" ${KEEP:-} "
hide=()
[[ $keep == *" torch "* ]] || hide+=(/usr/lib/python3/dist-packages)
if [[ $keep != *" python "* ]]; then
  while read -r p; do hide+=("$p"); done < <(type -ap python3 python | xargs -r readlink -f | sort -u)
fi
[[ $keep == *" datasets "* ]] || hide+=(/usr/share/datasets)
for tool in bwrap chromium chromium-browser; do
  [[ $keep == *" $tool "* ]] && continue
  if p=$(command -v "$tool"); then hide+=("$(readlink -f "$p")"); fi
done
(($#)) || set -- ./...
log=${TMPDIR:-/tmp}/autoresearch-test-bare.log
status=0
HIDE="${hide[*]}" unshare --mount --propagation private -- bash -euo pipefail -c '
  for p in $HIDE; do
    if [[ -d $p ]]; then mount -t tmpfs -o ro,size=4k tmpfs "$p"; else mount --bind /dev/null "$p"; fi
  done
  unset AUTORESEARCH_TEST_DISALLOW_SKIP AUTORESEARCH_PYTHON
  exec go test -count=1 -v "$@"' _ "$@" >"$log" 2>&1 || status=$?
grep -E '^(ok|FAIL|panic)|^\s*--- FAIL' "$log" || true
echo "hidden: ${hide[*]}"
echo "skipped: $(grep -c -- '--- SKIP' "$log" || true) tests, because:"
grep -B1 -- '--- SKIP' "$log" | grep -E '^ +[a-z_]+\.go:[0-9]+: |^ +> skip' | sed -E 's/^ +[a-z_]+\.go:[0-9]+: //; s/ \(install: .*//' | sort | uniq -c | sort -rn
echo "full output: $log"
exit "$status"
