"""Trusted evaluator for shakespeare: bits per byte of a causal byte model.

The model takes int64 bytes [B, T] and returns logits [B, T, 256]. The split
is cut into non-overlapping windows of the exported input length T and every
position is scored. The windows go to the model in an order it cannot know
(drawn afresh for each evaluation), so that a window's neighbours in a
batch or in earlier calls do not tell it what follows.

A model whose output at a position changes when later bytes change is
rejected: it could see the answer. The check takes scored windows and
replaces everything from a cut on with another window's text (so the
input still reads as text), at every cut 1..T-1 (when that takes more
than PROBE_FACTOR times the calls of the scoring, as many cuts as that
allows, drawn at random), and asks a model process that was shown
nothing else (it cannot answer from memory of the scoring): the log
probabilities before the cut must be the ones that were scored.
"""
import math
import os

import torch
import torch.nn.functional as F

import ar_data

MAX_T = 4096
PROBE_FACTOR = 4  # the check's calls, at most, per call of the scoring (at least 8)
TOLERANCE = 1e-3  # nats per position: batches of other rows may round differently


def probes(n, t, bsz, rng):
    """(window, cut) pairs to check: every cut from 1 to t-1 where the
    calls allow, else as many cuts as they allow, drawn at random; in
    windows drawn at random, each once while there are windows left."""
    calls = PROBE_FACTOR * max(2, -(-n // bsz))
    cuts = (torch.randperm(t - 1, generator=rng) + 1).tolist()[: calls * bsz]
    windows = torch.cat([torch.randperm(n, generator=rng) for _ in range(-(-len(cuts) // n))]).tolist()
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
    """scored maps each probed window to the log probabilities it was
    scored with (up to its last cut)."""
    if not pairs:
        return
    fresh = model.fresh() if hasattr(model, "fresh") else model
    for start, out, valid in ar_data.batch_outputs(fresh, spliced(x, pairs, rng), bsz, device):
        logp = F.log_softmax(ar_data.check_output(out, [bsz, x.shape[1], 256]).float(), -1)
        for i in range(valid):
            w, c = pairs[start + i]
            if (logp[i, :c] - scored[w][:c]).abs().max() > TOLERANCE:
                raise ar_data.ModelOutputError("model output depends on later bytes (not causal)")


def evaluate(model, data, meta, device):
    bsz, t = meta["input_shape"][:2]
    if len(meta["input_shape"]) != 2 or not (1 <= t <= MAX_T) or bsz < 1:
        raise ar_data.ModelOutputError(f"input shape {meta['input_shape']} is not [B, T] with T <= {MAX_T}")
    n = (len(data) - 1) // t
    if n < 1:
        raise ar_data.ModelOutputError(f"input length {t} is longer than the split ({len(data)} bytes)")
    rng = torch.Generator().manual_seed(int.from_bytes(os.urandom(8), "little"))
    order = torch.randperm(n, generator=rng)
    x = data[: n * t].view(n, t)[order]
    y = data[1: n * t + 1].view(n, t)[order]
    pairs = probes(n, t, bsz, rng) if t > 1 else []
    upto = {}  # probed window: its last cut
    for w, c in pairs:
        upto[w] = max(upto.get(w, 0), c)
    scored = {}
    nll, count = 0.0, 0
    for start, out, valid in ar_data.batch_outputs(model, x, bsz, device):
        logp = F.log_softmax(ar_data.check_output(out, [bsz, t, 256]).float()[:valid], -1)
        scored.update((w, logp[w - start, :upto[w]].clone()) for w in range(start, start + valid) if w in upto)
        yb = y[start:start + valid].to(device)
        nll -= logp.gather(-1, yb.unsqueeze(-1)).sum().item()
        count += yb.numel()
    check_causal(model, x, pairs, scored, bsz, device, rng)
    return nll / count / math.log(2)
