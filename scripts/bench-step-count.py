"""What counting gradient steps costs: the smallest step there is (a
16-wide linear layer, one thread), 20,000 backward passes, the median of
5 repetitions: without the harness (raw), with it under a time budget
(counted: it only counts) and under a step budget (reported: each step's
event is written, here to /dev/null).

    PYTHONPATH=python python3 scripts/bench-step-count.py raw|counted|reported
"""
import os
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
mode = sys.argv[1] if len(sys.argv) > 1 else "reported"
if mode != "raw":
    os.environ["AUTORESEARCH_EVENTS_FD"] = str(os.open(os.devnull, os.O_WRONLY))
    os.environ["AUTORESEARCH_BUDGET_STEPS"] = "1000000000" if mode == "reported" else "0"
    import harness  # noqa: F401  (stands in for the autograd engine on import)
w = torch.zeros(16, requires_grad=True)
x = torch.randn(4, 16)


def per_step(n):
    t = time.perf_counter()
    for _ in range(n):
        (x @ w).sum().backward()
    return (time.perf_counter() - t) / n * 1e6


per_step(2000)
print(f"{mode}: {statistics.median(per_step(20000) for _ in range(5)):.2f} µs per step")
