"""Split loading shared by the harness (train phase) and the trusted evaluator.

A prepared split is a file written by a task's prepare.py with torch.save:
either a 1-D tensor (a token stream) or a dict {"x": images uint8 [N,C,H,W],
"y": labels int64 [N]}. Both phases turn it into model inputs the same way.
"""
import torch


def pick_device(name="auto"):
    """CUDA, then MPS, then CPU, unless a device is named."""
    if name and name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def load_split(path):
    obj = torch.load(path)
    if isinstance(obj, dict):
        x, y = obj["x"], obj["y"]
        if x.dtype == torch.uint8:
            x = x.float().div_(255.0)
        return x, y
    return obj.long()


_preloaded = {}


def preload(path):
    """Load a split ahead (a warm train process, before its go); a failure
    is left for take_split to raise where the script can see it."""
    try:
        _preloaded[path] = load_split(path)
    except Exception:
        pass


def take_split(path):
    """The split at path: the preloaded one the first time, else loaded."""
    got = _preloaded.pop(path, None)
    return got if got is not None else load_split(path)


class ModelOutputError(RuntimeError):
    """The exported model produced output the evaluator cannot score."""


class NonFiniteOutput(ModelOutputError):
    """The exported model produced NaN or infinite values (divergence)."""


def check_finite(out):
    if isinstance(out, torch.Tensor) and out.is_floating_point() and not bool(torch.isfinite(out).all()):
        raise NonFiniteOutput("model output has NaN or infinite values")
    return out


def batches(x, batch_size):
    """Yield (batch, n_valid) over the first dimension of x. The last batch
    is padded by repeating its final row, so that a traced model that baked
    its batch size into the graph still runs on every batch."""
    n = x.shape[0]
    for start in range(0, n, batch_size):
        b = x[start:start + batch_size]
        valid = b.shape[0]
        if valid < batch_size:
            pad = b[-1:].expand(batch_size - valid, *b.shape[1:])
            b = torch.cat([b, pad], 0)
        yield b, valid


def batch_outputs(model, x, batch_size, device):
    """Yield (start, output, n_valid) for x in batches of batch_size (the
    last padded, as batches does), in order. The evaluator's sealed model
    has several calls in flight (its map); any other callable is called one
    batch at a time."""
    parts = list(batches(x, batch_size))
    inputs = (b.to(device) for b, _ in parts)
    outputs = model.map(inputs) if hasattr(model, "map") else map(model, inputs)
    for i, ((_, valid), out) in enumerate(zip(parts, outputs)):
        yield i * batch_size, out, valid


def check_output(out, shape):
    if not isinstance(out, torch.Tensor):
        raise ModelOutputError(f"model returned {type(out).__name__}, expected a tensor of shape {shape}")
    if list(out.shape) != list(shape):
        raise ModelOutputError(f"model output has shape {list(out.shape)}, expected {list(shape)}")
    return check_finite(out)
