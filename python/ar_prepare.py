"""Trusted data preparation: runs a task's prepare.py once to turn the raw
downloaded files into train.pt, val.pt and test.pt in an output folder."""
import importlib.util
import os
import sys


def main():
    task_dir, out_dir = sys.argv[1], sys.argv[2]
    raw = dict(item.split("=", 1) for item in sys.argv[3:])
    spec = importlib.util.spec_from_file_location("task_prepare", os.path.join(task_dir, "prepare.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    os.makedirs(out_dir, exist_ok=True)
    mod.prepare(raw, out_dir)


if __name__ == "__main__":
    main()
