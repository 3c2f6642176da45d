#!/usr/bin/env bash
# The machine's own cost of a second busy core: a bare torch loop (a 3x3
# convolution's forward and backward on one thread, 5 s) alone on core 0,
# then two at once, pinned to cores 0 and 1; ROUNDS times, interleaved.
# The control for bench-pinning.sh: what is left there is the machine's.
#
#   scripts/bench-two-cores.sh [PYTHON]     ROUNDS=4
set -euo pipefail
py=${1:-python3}
rounds=${ROUNDS:-4}
prog='
import time, torch
torch.set_num_threads(1)
conv, x = torch.nn.Conv2d(32, 64, 3, padding=1), torch.randn(64, 32, 14, 14)
n, t0 = 0, time.time()
while time.time() - t0 < 5:
    conv(x).sum().backward()
    n += 1
print(f"{n / (time.time() - t0):.1f}")'
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  alone=$(taskset -c 0 "$py" -c "$prog")
  taskset -c 0 "$py" -c "$prog" >"$out" &
  second=$(taskset -c 1 "$py" -c "$prog")
  wait
  echo "alone $alone steps/s · side by side $(cat "$out") and $second"
done
