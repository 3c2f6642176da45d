"""Trusted evaluator for shakespeare: bits per byte of a causal byte model.

The model takes int64 bytes [B, T] and returns logits [B, T, 256]. The split
is cut into non-overlapping windows of the exported input length T and every
position is scored. The windows go to the model in an order it cannot know
(drawn afresh for each evaluation), so that a window's neighbours in a
batch or in earlier calls do not tell it what follows.

A model whose output at a position changes when later bytes change is
rejected: it could see the answer. The check takes scored windows and
replaces everything from a cut on with another window's text (so the
input still reads as text), at every cut 1..T-1 (as many cuts as there
are scored windows, drawn at random, when T is larger than that), in
windows drawn at random; the output before the cut must be the one that
was scored.
"""
import math
import os

import torch
import torch.nn.functional as F

import ar_data

MAX_T = 4096
MIN_PROBE_CALLS = 8


def probes(n, t, bsz, rng):
    """(window, cut) pairs to check: every cut from 1 to t-1 where that
    takes no more calls than scoring the split (or MIN_PROBE_CALLS), else
    that many cuts drawn at random; each in a window drawn at random."""
    calls = max(MIN_PROBE_CALLS, -(-n // bsz))
    cuts = (torch.randperm(t - 1, generator=rng) + 1).tolist()[: calls * bsz]
    windows = torch.randint(n, (len(cuts),), generator=rng).tolist()
    return list(zip(windows, cuts))


def spliced(x, pairs, rng):
    """Each probed window with its tail from the cut replaced by another
    window's, one whose byte at the cut differs where one does."""
    rows = []
    for w, c in pairs:
        row = x[w].clone()
        for _ in range(8):
            other = x[int(torch.randint(len(x), (1,), generator=rng))]
            if other[c] != row[c]:
                break
        row[c:] = other[c:]
        if row[c] == x[w, c]:  # every draw agreed at the cut: change that byte
            row[c] = (row[c] + 1) % 256
        rows.append(row)
    return torch.stack(rows)


def check_causal(model, x, pairs, scored, bsz, device, rng):
    """scored maps each probed window to its scored output (float)."""
    if x.shape[1] < 2 or not pairs:
        return
    noisy = spliced(x, pairs, rng)
    for start, out, valid in ar_data.batch_outputs(model, noisy, bsz, device):
        out = out.float()
        for i in range(valid):
            w, c = pairs[start + i]
            if not torch.allclose(out[i, :c], scored[w][:c], rtol=1e-3, atol=1e-4):
                raise ar_data.ModelOutputError("model output depends on later bytes (not causal)")


def evaluate(model, data, meta, device):
    bsz, t = meta["input_shape"][:2]
    if len(meta["input_shape"]) != 2 or not (1 <= t <= MAX_T) or bsz < 1:
        raise ar_data.ModelOutputError(f"input shape {meta['input_shape']} is not [B, T] with T <= {MAX_T}")
    rng = torch.Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))
    n = (len(data) - 1) // t
    order = torch.randperm(n, generator=rng)
    x = data[: n * t].view(n, t)[order]
    y = data[1: n * t + 1].view(n, t)[order]
    pairs = probes(n, t, bsz, rng) if t > 1 else []
    probed = {w for w, _ in pairs}
    scored = {}
    nll, count = 0.0, 0
    for start, out, valid in ar_data.batch_outputs(model, x, bsz, device):
        logits = ar_data.check_output(out, [bsz, t, 256]).float()[:valid]
        scored.update((w, logits[w - start].clone()) for w in range(start, start + valid) if w in probed)
        yb = y[start:start + valid].to(device)
        nll += F.cross_entropy(logits.reshape(-1, 256), yb.reshape(-1), reduction="sum").item()
        count += yb.numel()
    check_causal(model, x, pairs, scored, bsz, device, rng)
    return nll / count / math.log(2)
