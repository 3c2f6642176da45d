"""Trusted evaluator for shakespeare: bits per byte of a causal byte model.

The model takes int64 bytes [B, T] and returns logits [B, T, 256]. The split
is cut into non-overlapping windows of the exported input length T and every
position is scored. A model whose output at a position changes when later
bytes change is rejected: it could see the answer.
"""
import math

import torch
import torch.nn.functional as F

import ar_data

MAX_T = 4096


def check_causal(model, x, out):
    """out is model(x) as float, the output scored: its first half must not
    change when the later bytes do."""
    t = x.shape[1]
    if t < 2:
        return
    half = t // 2
    noisy = x.clone()
    noisy[:, half:] = torch.randint(0, 256, noisy[:, half:].shape, device=x.device)
    if not torch.allclose(out[:, :half], model(noisy)[:, :half].float(), rtol=1e-3, atol=1e-4):
        raise ar_data.ModelOutputError("model output depends on later bytes (not causal)")


def evaluate(model, data, meta, device):
    bsz, t = meta["input_shape"][:2]
    if len(meta["input_shape"]) != 2 or not (1 <= t <= MAX_T) or bsz < 1:
        raise ar_data.ModelOutputError(f"input shape {meta['input_shape']} is not [B, T] with T <= {MAX_T}")
    n = (len(data) - 1) // t
    x = data[: n * t].view(n, t)
    y = data[1: n * t + 1].view(n, t)
    nll, count = 0.0, 0
    for start, out, valid in ar_data.batch_outputs(model, x, bsz, device):
        logits = ar_data.check_output(out, [bsz, t, 256]).float()
        if start == 0:
            check_causal(model, next(ar_data.batches(x[:bsz], bsz))[0].to(device), logits)
        yb = y[start:start + valid].to(device)
        nll += F.cross_entropy(logits[:valid].reshape(-1, 256), yb.reshape(-1), reduction="sum").item()
        count += yb.numel()
    return nll / count / math.log(2)
