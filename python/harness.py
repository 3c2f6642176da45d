"""The autoresearch harness: the only API a training script needs.

    import harness as H
    data = H.train_data()          # the training split; starts the clock
    while H.time_left() > 0: ...   # stay inside the budget (the runner
                                   # judges time by its own clock)
    lr = base_lr * (1 - H.progress())  # schedules: the budget's fraction used
    H.log(step, loss)              # live loss curve
    H.save_model(model, example)   # export for the trusted evaluator

Under a step budget (AUTORESEARCH_BUDGET_STEPS > 0) a step is one
gradient computation: every backward pass through torch's autograd engine
(loss.backward(), torch.autograd.grad) is counted and reported to the
runner, time_left() is 0 once they are spent, progress() follows the
steps, the time budget stays the ceiling, and a backward pass past the
budget ends the process at once (the runner records overtime).

Importing this module seeds every RNG from the run's seed, picks the device
(CUDA, then MPS, then CPU), initialises it (start-up, not training time) and
sets the CPU thread count. The training script
never sees validation or test data and never computes the metric: a separate,
trusted process loads the exported model and does that.
"""
import json
import math
import os
import random
import threading
import time
import warnings

import torch

import ar_data

seed = int(os.environ.get("AUTORESEARCH_SEED", "42"))
budget = float(os.environ.get("AUTORESEARCH_BUDGET", "30"))
budget_steps = int(os.environ.get("AUTORESEARCH_BUDGET_STEPS", "0"))
task = os.environ.get("AUTORESEARCH_TASK", "")

_events_fd = int(os.environ.get("AUTORESEARCH_EVENTS_FD", "-1"))
_model_path = os.environ.get("AUTORESEARCH_MODEL", "model.pt")
_train_path = os.environ.get("AUTORESEARCH_TRAIN_DATA", "")
# The runner's clock: when it let this process go and how much start-up
# it credits. Training must end by started + allowance + budget however
# slow the start was, so time_left() counts down to that too.
_started = float(os.environ.get("AUTORESEARCH_STARTED", "0"))
_startup_allowance = float(os.environ.get("AUTORESEARCH_STARTUP_ALLOWANCE", "0"))
_t0 = None
_last_log = 0


class ExportError(RuntimeError):
    """save_model could not export the model."""


def _emit(event, **fields):
    if _events_fd < 0:
        return
    fields["event"] = event
    fields["t"] = time.time()
    line = (json.dumps(fields, allow_nan=True, ensure_ascii=False) + "\n").encode("utf-8", "replace")
    try:
        os.write(_events_fd, line)
    except OSError:
        pass


def _seed_everything(s):
    random.seed(s)
    torch.manual_seed(s)
    try:
        import numpy
        numpy.random.seed(s)
    except ImportError:
        pass


def _init_device(d):
    """Create the device's context and its first kernels now, so that
    CUDA's initialisation counts as start-up, not training."""
    if d.type in ("cuda", "mps"):
        a = torch.ones(8, 8, device=d)
        (a @ a).sum().item()


device = ar_data.pick_device(os.environ.get("AUTORESEARCH_DEVICE", "auto"))
threads = int(os.environ.get("AUTORESEARCH_THREADS", "0")) or (os.cpu_count() or 1)
torch.set_num_threads(threads)
_init_device(device)
_seed_everything(seed)


def _count_steps(limit, fd):
    """Stand in for torch's autograd engine: count each backward pass (a
    gradient step) and, under a step budget (limit > 0), tell the runner
    of each on the events pipe (its count is the one that decides: it
    also sums forked processes') and end the process at the first one
    past the budget. Everything it uses is captured here at import, so
    rebinding the harness's names changes nothing. Returns a function
    that says the count so far."""
    from torch.autograd.variable import Variable
    engine, lock, count = Variable._execution_engine, threading.Lock(), [0]
    write, end, say = os.write, os._exit, print
    event = b'{"event": "step"}\n'

    def stop(why):
        try:
            say("harness: " + why, flush=True)
        finally:  # whatever became of stdout
            end(4)

    class CountingEngine:
        __slots__ = ()

        def run_backward(self, *args, **kwargs):
            with lock:  # backward passes from threads are counted too
                count[0] += 1
                n = count[0]
            if limit > 0:
                try:
                    write(fd, event)
                except OSError as e:  # a step the runner cannot count is not taken
                    stop(f"gradient step {n} could not be reported to the runner ({e}): under a step budget every step is, "
                         "so the process ends here")
                if n > limit:
                    stop(f"gradient step {n} is past the budget of {limit} steps: check H.time_left() > 0 before every "
                         "backward pass, then save the model and return")
            return engine.run_backward(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(engine, name)

    Variable._execution_engine = CountingEngine()
    return lambda: count[0]


_counted = _count_steps(budget_steps, _events_fd)
_emit("imported", device=str(device), threads=threads)


def train_data():
    """Return the training split and start the training clock.

    Token tasks get a 1-D int64 tensor of bytes; image tasks get (x, y) with
    x float32 in [0, 1] shaped [N, C, H, W] and y int64 class labels.
    """
    global _t0
    data = ar_data.take_split(_train_path)
    if _t0 is None:
        _t0 = time.time()
        _emit("clock_start")
    return data


def elapsed():
    """Seconds of training so far (0 before train_data())."""
    return 0.0 if _t0 is None else time.time() - _t0


def steps():
    """Gradient steps so far: backward passes through torch's autograd."""
    return _counted()


def steps_left():
    """Gradient steps left under a step budget (math.inf under a time
    budget). Every backward pass is a step, and one past the budget
    fails the seed: check before each."""
    return max(0, budget_steps - steps()) if budget_steps > 0 else math.inf


def time_left():
    """Seconds of training budget left; <= 0 means stop and save.

    The runner judges training time by its own clock, from this process's
    go: when start-up took longer than its allowance, the excess comes
    off the budget. Under a step budget it is 0 once the steps are spent
    (the time budget is then the ceiling)."""
    left = budget - elapsed()
    if _started > 0 and _t0 is not None:
        left = min(left, _started + _startup_allowance + budget - time.time())
    if budget_steps > 0 and steps() >= budget_steps:
        return 0.0
    return left


def progress():
    """The fraction of the budget used, 0 to 1, for schedules: the steps'
    under a step budget, else the time's."""
    if budget_steps > 0:
        done = steps() / budget_steps
    else:
        done = elapsed() / budget if budget > 0 else 0.0
    return min(1.0, max(0.0, done))


def _diverged(loss):
    _emit("divergence", value=str(loss))
    print(f"harness: loss is {loss}: training diverged", flush=True)
    os._exit(3)


# The fields an event line has (the runner reads their names in any
# case): an extra number of H.log by one of these names is left out.
_EVENT_FIELDS = {"event", "t", "step", "loss", "elapsed", "kind", "message", "steps"}


def log(step, loss, **metrics):
    """Record a training loss (and any extra numbers) for the live curve.

    A NaN or infinite loss ends the run at once as a divergence.
    """
    global _last_log
    loss = float(loss)
    if not math.isfinite(loss):
        _diverged(loss)
    extra = {str(k)[:32]: float(v) for k, v in list(metrics.items())[:32]
             if isinstance(v, (int, float)) and math.isfinite(v) and str(k).lower() not in _EVENT_FIELDS}
    _emit("log", step=max(-2**62, min(2**62, int(step))), loss=loss, elapsed=elapsed(), **extra, steps=steps())
    _last_log = time.time()


def save_model(model, example_input):
    """Export model with TorchScript so the evaluator can run it without
    this script's Python. example_input is one batch of the input shape the
    evaluator will feed (its first dimension is the batch size)."""
    train_seconds = elapsed()
    _emit("export_start", train_seconds=train_seconds, steps=steps())
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(model, example_input, check_trace=False)
        traced.save(_model_path)
        meta = {"input_shape": list(example_input.shape), "input_dtype": str(example_input.dtype)}
        with open(_model_path + ".json", "w") as f:
            json.dump(meta, f)
    except Exception as e:  # any failure to export is the script's failure
        raise ExportError(f"save_model could not export the model: {e}") from e
    finally:
        model.train(was_training)
    _emit("export_done", train_seconds=train_seconds)
