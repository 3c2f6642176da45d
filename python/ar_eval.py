"""Trusted evaluate phase: computes the task's metric on the held-out splits
with the task's own evaluate.py, while the exported model runs sealed in a
process of its own (ar_modelproc; several side by side on the CPU,
ar_sealed) that never sees a label and cannot open a
file or a socket.

    ar_eval.py TASK_DIR MODEL DEVICE SEAL NAME=SPLIT...

SEAL is "required" (a model process that cannot seal itself is a failure)
or "best" (seal where the machine allows). Started gated (the runner's
warm evaluator, AUTORESEARCH_GO_FD), it does everything that does not need
the model (imports, the model process's fork and warm-up, the splits)
before the runner's go. Results go to the events pipe
only; nothing the model prints on stdout can change them.
"""
import importlib.util
import json
import math
import os
import sys
import time

import torch

import ar_data
import ar_gate
import ar_modelproc
import ar_seal
import ar_sealed

# What the evaluator reports for each way an evaluation can fail.
FAILURES = (
    (ar_modelproc.SealViolation, "tamper"),
    (ar_data.NonFiniteOutput, "divergence"),
    (ar_modelproc.ModelDied, "crash"),
    (ar_seal.SealError, "crash"),
)


def write_result(fd, obj):
    os.write(fd, (json.dumps(obj) + "\n").encode())


def load_task_evaluator(task_dir):
    spec = importlib.util.spec_from_file_location("task_evaluate", os.path.join(task_dir, "evaluate.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.evaluate


def load_meta(path):
    """The exported model's metadata (written by the train phase: untrusted)."""
    try:
        with open(path + ".json") as f:
            meta = json.load(f)
        return {"input_shape": [int(v) for v in meta["input_shape"]]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ar_data.ModelOutputError(f"model metadata missing or malformed: {e}")


def failure_kind(e):
    for cls, kind in FAILURES:
        if isinstance(e, cls):
            return kind
    return "export"


def load_splits(splits):
    """The held-out splits, by name (NAME=PATH arguments)."""
    return [(item.split("=", 1)[0], ar_data.load_split(item.split("=", 1)[1])) for item in splits]


def evaluate_all(model, evaluate, model_path, splits):
    meta = load_meta(model_path)
    cpu = torch.device("cpu")
    metrics = {}
    for name, data in splits:
        model.ready()
        with torch.no_grad():
            value = float(evaluate(model, data, meta, cpu))
        metrics[name] = value if math.isfinite(value) else str(value)
    model.finish()
    return metrics


def main():
    task_dir, model_path, device, seal = sys.argv[1:5]
    fd = int(os.environ["AUTORESEARCH_EVENTS_FD"])
    threads = int(os.environ.get("AUTORESEARCH_THREADS", "0")) or (os.cpu_count() or 1)
    # Forked first, before this process reads any held-out data; they warm
    # up and wait to be told to load the model.
    model = ar_sealed.SealedModel(model_path, device, threads, seal == "required")
    torch.set_num_threads(threads)
    try:
        evaluate = load_task_evaluator(task_dir)
        splits = load_splits(sys.argv[5:])
        ar_gate.wait()  # the model is there
        t0 = time.time()
        model.go()
        metrics = evaluate_all(model, evaluate, model_path, splits)
    except Exception as e:
        model.kill()
        write_result(fd, {"failure": failure_kind(e), "message": f"{type(e).__name__}: {e}"[:2000]})
        return
    write_result(fd, {"metrics": metrics, "sealed": bool(model.sealed), "frozen": model.frozen,
                      "workers": model.workers, "eval_seconds": time.time() - t0})


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
