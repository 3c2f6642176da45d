"""tiny Shakespeare -> contiguous 90% train / 5% val / 5% test byte streams."""
import os

import torch


def prepare(raw, out_dir):
    with open(raw["input.txt"], "rb") as f:
        data = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).clone()
    n = len(data)
    a, b = int(n * 0.90), int(n * 0.95)
    for name, part in (("train", data[:a]), ("val", data[a:b]), ("test", data[b:])):
        torch.save(part.clone(), os.path.join(out_dir, name + ".pt"))
