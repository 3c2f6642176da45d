"""Fashion-MNIST IDX files -> 55k train / 5k val (fixed, from the training
set) / 10k official test, as uint8 images [N, 1, 28, 28] and int64 labels."""
import gzip
import os
import struct

import torch

VAL_SIZE = 5000


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8)
    return data.view(*dims).clone()


def save(out_dir, name, x, y):
    torch.save({"x": x.unsqueeze(1).contiguous(), "y": y.long()}, os.path.join(out_dir, name + ".pt"))


def prepare(raw, out_dir):
    x = read_idx(raw["train-images-idx3-ubyte.gz"])
    y = read_idx(raw["train-labels-idx1-ubyte.gz"])
    if len(x) != len(y):
        raise ValueError("training images and labels differ in count")
    val = min(VAL_SIZE, len(x) // 10)
    perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    save(out_dir, "train", x[perm[val:]], y[perm[val:]])
    save(out_dir, "val", x[perm[:val]], y[perm[:val]])
    save(out_dir, "test", read_idx(raw["t10k-images-idx3-ubyte.gz"]), read_idx(raw["t10k-labels-idx1-ubyte.gz"]))
