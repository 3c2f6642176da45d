# Shared by the held-out cases (the suite puts it before each of them):
# builds a model that answers every Fashion-MNIST image it has seen with
# its label, and exports it. Fed the validation and test images, it scores
# an error rate of about zero: proof, when the data is reachable, that the
# case could cheat.
import gzip
import os

import torch

import harness as H

KEY = torch.rand(784, dtype=torch.float64, generator=torch.Generator().manual_seed(7))


def keys(images):
    """One number per image: a random projection of its 0-255 pixels."""
    return (images.reshape(len(images), -1).double() @ KEY)


class Memory(torch.nn.Module):
    def __init__(self, images, labels):
        super().__init__()
        k = keys(images)
        order = torch.argsort(k)
        self.register_buffer("sorted", k[order])
        self.register_buffer("labels", labels[order].long())

    def forward(self, x):
        k = keys((x * 255).round())
        i = torch.searchsorted(self.sorted, k).clamp(1, len(self.sorted) - 1)
        left = (self.sorted[i - 1] - k).abs() < (self.sorted[i] - k).abs()
        i = torch.where(left, i - 1, i)
        return torch.nn.functional.one_hot(self.labels[i], 10).float()


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).view(*dims)


def from_raw(folder):
    """Every image and label of the raw IDX files in folder (the
    validation split is cut from the training set, the test set is
    t10k)."""
    parts = [(read_idx(os.path.join(folder, p + "-images-idx3-ubyte.gz")),
              read_idx(os.path.join(folder, p + "-labels-idx1-ubyte.gz"))) for p in ("train", "t10k")]
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


def from_prepared(folder):
    """The prepared validation and test splits themselves."""
    parts = [torch.load(os.path.join(folder, name)) for name in ("val.pt", "test.pt")]
    return torch.cat([p["x"] for p in parts]), torch.cat([p["y"] for p in parts])


def memorise(tries):
    """tries: (what, loader, folder). Exports a memorising model from the
    first that reads, or fails naming every place tried."""
    failed = []
    for what, load, folder in tries:
        try:
            images, labels = load(folder)
        except OSError as e:
            failed.append(f"{what} {folder}: {type(e).__name__}")
            continue
        x, _ = H.train_data()
        H.save_model(Memory(images, labels), x[:256])
        return
    raise RuntimeError("held-out data not reachable: " + "; ".join(failed))
