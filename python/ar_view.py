"""Lists what this interpreter needs to see to run the harness and a
training script, as one JSON line (with the devices torch can use: CUDA's,
MPS): the
interpreter, every folder on its module path, and the files it maps once torch and numpy are imported
(shared libraries, and CUDA's where a GPU is there), by folder. The sandbox
shows these and nothing else of the machine's software.

A library folder is shown whole, unless it also holds a module folder
(/usr/lib holds /usr/lib/python3.11): then only its mapped files are, with
the links beside them that name them (the loader opens libraries by those
names)."""
import json
import os
import sys

import torch

try:
    import numpy  # noqa: F401
except ImportError:
    pass
try:
    cuda = torch.cuda.is_available()  # loads the CUDA driver libraries where present
    cuda_devices = torch.cuda.device_count() if cuda else 0
except Exception:
    cuda, cuda_devices = False, 0
try:
    mps = bool(torch.backends.mps.is_available())
except Exception:
    mps = False


def mapped_files():
    out = set()
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split(maxsplit=5)
            if len(fields) < 6 or not fields[5].startswith("/"):
                continue
            name = fields[5].strip()
            if name.startswith(("/dev/", "/proc/", "/memfd")) or name.endswith("(deleted)"):
                continue
            if os.path.isfile(name):
                out.add(name)
    return out


def aliases(path):
    """The links in path's folder that lead to it."""
    folder, real = os.path.dirname(path), os.path.realpath(path)
    out = []
    for entry in os.scandir(folder):
        if entry.is_symlink() and os.path.realpath(entry.path) == real:
            out.append(entry.path)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    exe = {sys.executable, os.path.realpath(sys.executable)}
    modules = {os.path.realpath(p) for p in sys.path if p and os.path.isdir(p)} - {here, "/"}
    files = mapped_files() - exe
    folders = {os.path.dirname(f) for f in files} - modules
    wide = {d for d in folders if any(m.startswith(d + "/") for m in modules)}
    paths = exe | modules | (folders - wide)
    for f in files:
        if os.path.dirname(f) in wide:
            paths.add(f)
            paths.update(aliases(f))
    print(json.dumps({"paths": sorted(paths), "cuda": bool(cuda), "cuda_devices": cuda_devices, "mps": mps}))


main()
