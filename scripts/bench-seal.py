"""What the sealed model process costs an evaluation.

Runs a task's evaluate.py on one exported model and one split two ways,
each in a fresh interpreter and timed after `import torch`: the model
loaded in that process (as the evaluator did before the seal), and the
model in a forked, sealed process fed through pipes (ar_modelproc, as the
evaluator does now: fork, warm-up, seal, load, every batch both ways).
Prints the median of each over RUNS, alternating, and their difference:
the seal's cost per split evaluated.

    PYTHONPATH=python python3 scripts/bench-seal.py TASK_DIR MODEL SPLIT [RUNS]
"""
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import torch

import ar_data
import ar_sealed


def evaluator(task_dir):
    spec = importlib.util.spec_from_file_location("task_evaluate", os.path.join(task_dir, "evaluate.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.evaluate


def once(how, task_dir, model_path, split):
    """One timed evaluation in this (fresh) interpreter; prints JSON."""
    threads = int(os.environ.get("AUTORESEARCH_THREADS", "0")) or (os.cpu_count() or 1)
    t0 = time.perf_counter()
    if how == "sealed":  # forked first, as the evaluator does
        model = ar_sealed.SealedModel(model_path, "cpu", threads, True)
    torch.set_num_threads(threads)
    evaluate = evaluator(task_dir)
    with open(model_path + ".json") as f:
        meta = {"input_shape": json.load(f)["input_shape"]}
    data = ar_data.load_split(split)
    with torch.no_grad():
        if how == "sealed":
            model.go()
            model.ready()
            value = evaluate(model, data, meta, torch.device("cpu"))
            model.finish()
        else:
            value = evaluate(torch.jit.load(model_path).eval(), data, meta, torch.device("cpu"))
    print(json.dumps({"seconds": time.perf_counter() - t0, "value": round(value, 6)}))


def main():
    if sys.argv[1] in ("plain", "sealed"):
        once(*sys.argv[1:5])
        return
    task_dir, model_path, split = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    times = {"plain": [], "sealed": []}
    values = set()
    for _ in range(runs):
        for how in ("sealed", "plain"):
            out = subprocess.run([sys.executable, __file__, how, task_dir, model_path, split],
                                 check=True, capture_output=True, text=True).stdout
            r = json.loads(out.strip().splitlines()[-1])
            times[how].append(r["seconds"])
            values.add(r["value"])
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"metric {sorted(values)} (one value: both ways agree); {runs} runs each")
    print(f"in process {med['plain']:.3f} s, sealed process {med['sealed']:.3f} s, "
          f"cost of the seal {1000 * (med['sealed'] - med['plain']):.0f} ms")


if __name__ == "__main__":
    main()
