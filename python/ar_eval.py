"""Trusted evaluate phase: loads an exported (TorchScript) model and computes
the task's metric on held-out splits with the task's own evaluate.py.

Results go to the events pipe only; nothing the model prints on stdout can
change them.
"""
import importlib.util
import json
import math
import os
import sys
import time

import torch

import ar_data


def write_result(fd, obj):
    os.write(fd, (json.dumps(obj) + "\n").encode())


def load_task_evaluator(task_dir):
    spec = importlib.util.spec_from_file_location("task_evaluate", os.path.join(task_dir, "evaluate.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.evaluate


def load_model(path, device):
    try:
        with open(path + ".json") as f:
            meta = json.load(f)
        shape = [int(v) for v in meta["input_shape"]]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ar_data.ModelOutputError(f"model metadata missing or malformed: {e}")
    try:
        model = torch.jit.load(path, map_location=device)
    except Exception as e:
        raise ar_data.ModelOutputError(f"exported model does not load: {e}")
    model.eval()
    return model, {"input_shape": shape}


def main():
    task_dir, model_path, device = sys.argv[1], sys.argv[2], ar_data.pick_device(sys.argv[3])
    splits = sys.argv[4:]
    fd = int(os.environ["AUTORESEARCH_EVENTS_FD"])
    torch.set_num_threads(int(os.environ.get("AUTORESEARCH_THREADS", "0")) or (os.cpu_count() or 1))
    t0 = time.time()
    evaluate = load_task_evaluator(task_dir)
    metrics = {}
    try:
        model, meta = load_model(model_path, device)
        for item in splits:
            name, path = item.split("=", 1)
            data = ar_data.load_split(path)
            with torch.no_grad():
                value = float(evaluate(model, data, meta, device))
            metrics[name] = value if math.isfinite(value) else str(value)
    except Exception as e:
        kind = "divergence" if isinstance(e, ar_data.NonFiniteOutput) else "export"
        write_result(fd, {"failure": kind, "message": f"{type(e).__name__}: {e}"[:2000]})
        return
    write_result(fd, {"metrics": metrics, "eval_seconds": time.time() - t0})


if __name__ == "__main__":
    main()
