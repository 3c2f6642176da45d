"""CIFAR-10 python tarball -> 45k train / 5k val (fixed, from the training
set) / 10k official test, as uint8 images [N, 3, 32, 32] and int64 labels.
Reads the cifar-10-batches-py pickles straight from the archive."""
import os
import pickle
import tarfile

import numpy as np
import torch

VAL_FRACTION = 0.1
TRAIN_BATCHES = [f"data_batch_{i}" for i in range(1, 6)]


def read_batches(archive):
    found = {}
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and (name in TRAIN_BATCHES or name == "test_batch"):
                found[name] = pickle.load(tar.extractfile(member), encoding="bytes")
    missing = [n for n in TRAIN_BATCHES + ["test_batch"] if n not in found]
    if missing:
        raise ValueError(f"{archive}: not a cifar-10-batches-py archive (missing {', '.join(missing)})")
    return found


def to_tensors(batches):
    x = np.concatenate([b[b"data"] for b in batches]).astype(np.uint8).reshape(-1, 3, 32, 32)
    y = np.concatenate([np.asarray(b[b"labels"], dtype=np.int64) for b in batches])
    return torch.from_numpy(x), torch.from_numpy(y)


def prepare(raw, out_dir):
    found = read_batches(raw["cifar-10-python.tar.gz"])
    x, y = to_tensors([found[n] for n in TRAIN_BATCHES])
    val = int(len(x) * VAL_FRACTION)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    torch.save({"x": x[perm[val:]].contiguous(), "y": y[perm[val:]]}, os.path.join(out_dir, "train.pt"))
    torch.save({"x": x[perm[:val]].contiguous(), "y": y[perm[:val]]}, os.path.join(out_dir, "val.pt"))
    tx, ty = to_tensors([found["test_batch"]])
    torch.save({"x": tx, "y": ty}, os.path.join(out_dir, "test.pt"))
