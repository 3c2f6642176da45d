"""The exported model runs in a process of its own, sealed (ar_seal), and
the trusted evaluator talks to it through two pipes.

An exported TorchScript model is code: it runs when it is loaded and at
every call, and ATen ops such as torch.from_file open files by name. So the
evaluator forks a model process before it reads any held-out data; that
process does its trusted set-up (threads, device, warm-up), seals itself,
and only then loads the model from bytes already in memory. It never holds
a label and cannot open a file, a socket or a program, nor read another
process: any attempt kills it with SIGSYS, which the evaluator reports as
tampering. What comes back through the pipe is untrusted data, checked
before it becomes a tensor, and no text of the model's ever leaves it: its
error messages and its prints could carry the held-out inputs it was shown
(into the database and the next proposal's prompt), so the evaluator says
only what kind of error the model raised, on what input shape.

On the CPU the fast way runs calls side by side, one per core on a thread
each, and the evaluator keeps that many in flight (map): the batches of a
small model are too small for one call to use every core. Answers come
back in the order asked; the wire is ar_wire.
"""
import collections
import ctypes
import io
import itertools
import mmap
import os
import queue
import signal
import stat
import sys
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor

import torch

import ar_data
import ar_seal
import ar_wire

MAX_WORKERS = 8  # calls side by side at most (each holds its batch's activations)

class SealViolation(RuntimeError):
    """The model tried something the seal forbids and was killed for it."""


class ModelDied(RuntimeError):
    """The model process ended without answering."""


def _close_all_but(keep):
    """Close every descriptor above stderr except keep: the model process
    must not hold the events pipe (a fake result) nor anything opened
    before the fork."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = range(3, 1024)
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


# CUDA libraries that load lazily (cuDNN's per-kind libraries, cuBLASLt,
# NVRTC): loaded before the seal, a later dlopen of them opens no file.
_LAZY_CUDA = ("libcudnn", "libcublas", "libnvrtc", "libcufft", "libcurand", "libcusparse", "libcusolver", "libnvJitLink")


def _preload_cuda_libraries():
    roots = [os.path.join(os.path.dirname(torch.__file__), "lib")]
    for p in sys.path:
        nvidia = os.path.join(p, "nvidia")
        if os.path.isdir(nvidia):
            roots += [os.path.join(nvidia, d, "lib") for d in os.listdir(nvidia)]
    for root in roots:
        if not os.path.isdir(root):
            continue
        for name in sorted(os.listdir(root)):
            if name.startswith(_LAZY_CUDA) and ".so" in name:
                try:
                    ctypes.CDLL(os.path.join(root, name), mode=ctypes.RTLD_GLOBAL)
                except OSError:
                    pass


def _warm_up(device):
    """Trusted work that makes the thread pools and device libraries load
    before the seal, so that a legitimate model needs no new file."""
    if device.type == "cuda":
        os.environ["CUDA_CACHE_DISABLE"] = "1"  # no kernel cache written to disk
        _preload_cuda_libraries()
    a = torch.randn(64, 64, device=device)
    (a @ a).sum().item()
    x = torch.randn(2, 3, 16, 16, device=device)
    w = torch.randn(4, 3, 3, 3, device=device)
    torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(x, w, padding=1).relu(), 2).sum().item()
    torch.nn.functional.layer_norm(a, (64,)).softmax(-1).sum().item()
    if device.type == "cuda":
        torch.cuda.synchronize()


def _read_model(path):
    """The exported model's bytes: a regular file, not a link (the train
    phase wrote it, and could have left a link to anything)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise OSError(f"{path} is not a regular file")
        return f.read()


def _silence():
    """Send the process's output nowhere: a model's prints are not shown."""
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)


def _kind(e):
    """The class of an error, which the model cannot choose (TorchScript
    raises its own), never its message, which it can."""
    name = type(e).__name__
    return name if name.isidentifier() and len(name) <= 40 else "Exception"


def _fast():
    """Whether the model is run the fast way (frozen, optimised for
    inference, its graph run as it is then, calls side by side on the
    CPU); AUTORESEARCH_EVAL_FAST=0 runs it as exported, one call at a
    time, as the evaluator did before (to compare)."""
    return os.environ.get("AUTORESEARCH_EVAL_FAST", "1") != "0"


def for_inference(model):
    """The loaded model frozen and optimised for inference (batch norm
    folded into convolutions, constants propagated) and True, or the model
    as it is and False where that fails or it is not run the fast way.
    Called sealed: it runs the model's graph passes, which are the model's
    code."""
    if not _fast():
        return model, False
    try:
        return torch.jit.optimize_for_inference(torch.jit.freeze(model)), True
    except Exception:
        return model, False


def plan(device, threads):
    """How the model process runs calls: (how many side by side, threads
    per call). On the CPU the fast way runs one call per core, one thread
    each (measured on 2 cores: the val split 30-40 % faster than one call
    on two threads); on a device, or the plain way, one call at a time
    with every thread."""
    if device.type != "cpu" or not _fast() or threads < 2:
        return 1, threads
    workers = min(threads, MAX_WORKERS)
    return workers, max(1, threads // workers)


def _start_pool(workers, device):
    """The threads that run calls side by side, started and warmed up
    before the seal (each runs the warm-up at once: a barrier keeps them
    apart)."""
    pool = ThreadPoolExecutor(workers)
    barrier = threading.Barrier(workers)

    def warm():
        _warm_up(device)
        barrier.wait()

    for f in [pool.submit(warm) for _ in range(workers)]:
        f.result()
    return pool


def _caller(model, device, fast):
    """The function that answers one request (its header, its payload, the
    slot its input is in) with a reply header and the output, or None."""
    def call(header, payload, slot):
        x = ar_wire.to_tensor(header, payload, slot).to(device)
        try:
            # Fast: no profiling runs and re-optimisation by the graph
            # executor (measured: 5-10 % less time, the first calls most).
            with torch.no_grad(), torch.jit.optimized_execution(not fast):
                out = model(x)
        except Exception as e:
            return {"error": "call", "kind": _kind(e)}, None
        if not isinstance(out, torch.Tensor) or out.dtype not in ar_wire.NAMES or out.layout != torch.strided:
            what = f"a {out.dtype} tensor" if isinstance(out, torch.Tensor) else f"a {_kind(out)}"
            return {"error": "output", "kind": what[:80]}, None
        return {}, out
    return call


def _requests(req):
    """Yield (header, payload) for each request until the evaluator closes
    its end."""
    while True:
        try:
            yield ar_wire.recv(req)
        except ar_wire.Closed:
            return


def _answer_in_turn(req, rep, call, ins, outs):
    for header, payload in _requests(req):
        slot = header.get("slot", 0)
        ar_wire.send(rep, *call(header, payload, ins[slot]), outs[slot])


def _answer_side_by_side(req, rep, call, ins, outs, pool):
    """Run the calls on the pool as they come; a sender thread answers
    them in the order asked."""
    answers = queue.SimpleQueue()
    sender = threading.Thread(target=_send_answers, args=(rep, answers, outs), daemon=True)
    sender.start()
    for header, payload in _requests(req):
        slot = header.get("slot", 0)
        answers.put((pool.submit(call, header, payload, ins[slot]), slot))
    answers.put(None)
    sender.join()


def _send_answers(rep, answers, outs):
    try:
        while (item := answers.get()) is not None:
            future, slot = item
            ar_wire.send(rep, *future.result(), outs[slot])
    except BaseException:
        os._exit(70)  # the evaluator sees the process end, never a missing answer


def _load(blob, device):
    """The exported model, loaded (untrusted code runs) and made ready for
    inference: (model, frozen)."""
    model = torch.jit.load(io.BytesIO(blob), map_location=device)
    model.eval()
    return for_inference(model)


def _serve(req, rep, shared, model_path, device_name, threads, require):
    _close_all_but({req, rep})  # before any device opens descriptors of its own
    device = ar_data.pick_device(device_name)
    workers, per_call = plan(device, threads)
    torch.set_num_threads(per_call)
    _warm_up(device)
    pool = _start_pool(workers, device) if workers > 1 else None
    if next(_requests(req), None) is None:  # the evaluator's go: the model is there
        return
    blob = _read_model(model_path)
    _silence()
    try:
        ar_seal.seal()
        ar_wire.send(rep, {"hello": True, "sealed": True, "workers": workers})
    except ar_seal.SealError as e:
        ar_wire.send(rep, {"hello": True, "sealed": False, "workers": workers, "why": str(e)[:500]})
        if require:
            return
    # From here on the process runs untrusted code.
    try:
        model, frozen = _load(blob, device)
    except Exception as e:
        ar_wire.send(rep, {"error": "load", "kind": _kind(e)})
        return
    del blob
    ar_wire.send(rep, {"loaded": True, "frozen": frozen})
    call = _caller(model, device, _fast())
    ins, outs = ar_wire.slots(shared, 0, workers), ar_wire.slots(shared, ar_wire.Region.SIZE, workers)
    if pool is None:
        _answer_in_turn(req, rep, call, ins, outs)
    else:
        _answer_side_by_side(req, rep, call, ins, outs, pool)


WITHHELD = "what the model says is withheld: its text never leaves its sealed process"


# What the evaluator repeats of a model process's report: words from these
# fixed sets only, so that nothing the model chose can pass.
_ERRORS = {"Error", "RuntimeError", "ValueError", "TypeError", "IndexError", "KeyError", "AttributeError",
           "AssertionError", "NotImplementedError", "ZeroDivisionError", "OverflowError", "MemoryError",
           "OutOfMemoryError", "Exception"}
_OUTPUTS = {f"a {d} tensor" for d in ("torch.bool", "torch.complex64", "torch.complex128", "torch.qint8",
                                      "torch.quint8")} | {f"a {t}" for t in ("tuple", "list", "dict", "NoneType", "str")}


def _said(header):
    """The kind of error a model process reported, if it is a known one."""
    kind = header.get("kind")
    return kind if kind in _ERRORS or kind in _OUTPUTS else "an error"


class SealedModel:
    """The evaluator's handle on the model process: call it like the model,
    or map it over batches to have several calls in flight.

    Start it before loading any held-out data: the process is forked from
    this one and must not inherit what the evaluator holds."""

    def __init__(self, model_path, device_name, threads, require_seal):
        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        for fd in (self._req, rep_w):
            ar_wire.grow_pipe(fd)
        self._shared = mmap.mmap(-1, 2 * ar_wire.Region.SIZE)  # inputs, outputs; pages taken when touched
        self.pid = os.fork()
        if self.pid == 0:  # the model process
            code = 0
            try:
                _serve(req_r, rep_w, self._shared, model_path, device_name, threads, require_seal)
            except BaseException:
                traceback.print_exc()
                code = 70
            sys.stderr.flush()
            os._exit(code)
        os.close(req_r)
        os.close(rep_w)
        self._status = None
        self._require = require_seal
        self.sealed = None
        self.frozen = False
        self.workers = 1
        self._flight = collections.deque()  # (ticket, slot, input shape), in the order asked
        self._answers = {}  # ticket: the output, or the error it raised
        self._abandoned = set()  # tickets nobody will ask for
        self._tickets = itertools.count()

    def go(self):
        """Tell the model process the model is there: it reads the file,
        seals itself and loads the model (ready() waits for that)."""
        try:
            ar_wire.send(self._req, {"go": True})
        except BrokenPipeError:
            pass  # ended already: ready() says how

    def ready(self):
        """Wait until the model process has sealed itself and loaded the
        model; raise if it could not."""
        if self.sealed is None:
            self.sealed = self._hello(self._require)

    def _hello(self, require):
        """Read the process's two first messages: sealed (and how many
        calls it runs side by side: said before any untrusted code ran),
        then loaded."""
        header, _ = self._answer()
        if not header.get("hello"):
            raise ModelDied("the model process did not start")
        sealed = header.get("sealed") is True
        if require and not sealed:
            raise ar_seal.SealError(f"cannot seal the model process: {header.get('why')}")
        workers = header.get("workers")
        self.workers = workers if type(workers) is int and 1 <= workers <= MAX_WORKERS else 1
        self._ins = ar_wire.slots(self._shared, 0, self.workers)
        self._outs = ar_wire.slots(self._shared, ar_wire.Region.SIZE, self.workers)
        self._free = list(range(self.workers))
        header, _ = self._answer()
        if "error" in header:
            raise ar_data.ModelOutputError(f"the exported model does not load ({_said(header)}); {WITHHELD}")
        self.frozen = header.get("frozen") is True
        return sealed

    def _answer(self):
        try:
            return ar_wire.recv(self._rep)
        except ar_wire.Closed:
            self._ended()
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            self.kill()
            raise ar_data.ModelOutputError(f"the model process answered malformed data: {type(e).__name__}")

    def _ended(self):
        """The model process closed its pipe: say why it ended."""
        status = self.wait()
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSYS:
            raise SealViolation("the exported model tried to open a file, a socket or a program, or to read "
                                "another process, while it was evaluated: the seal killed it")
        if os.WIFSIGNALED(status):
            raise ModelDied(f"the model process was killed by {signal.Signals(os.WTERMSIG(status)).name}")
        raise ModelDied(f"the model process exited with status {os.waitstatus_to_exitcode(status)}")

    def __call__(self, x):
        self.ready()
        return self._result(self._ask(x))

    def map(self, inputs):
        """Yield the model's output for each of inputs, in order, with up to
        self.workers calls in flight."""
        self.ready()
        window = collections.deque()
        try:
            for x in inputs:
                window.append(self._ask(x))
                if len(window) >= self.workers:
                    yield self._result(window.popleft())
            while window:
                yield self._result(window.popleft())
        finally:
            self._abandoned.update(window)

    def _ask(self, x):
        """Send x to the model process (waiting for a free slot); return
        the ticket its answer will be kept under."""
        if not self._free:
            self._take()
        slot = self._free.pop()
        try:
            ar_wire.send(self._req, {"slot": slot}, x, self._ins[slot])
        except BrokenPipeError:
            self._ended()
        ticket = next(self._tickets)
        self._flight.append((ticket, slot, list(x.shape)))
        return ticket

    def _take(self):
        """Read the oldest answer in flight, keep it under its ticket and
        free its slot."""
        ticket, slot, shape = self._flight.popleft()
        try:
            out = self._output(slot, shape)
        except ar_data.ModelOutputError as e:
            out = e
        self._free.append(slot)
        if ticket in self._abandoned:
            self._abandoned.discard(ticket)
        else:
            self._answers[ticket] = out

    def _result(self, ticket):
        while ticket not in self._answers:
            self._take()
        out = self._answers.pop(ticket)
        if isinstance(out, Exception):
            raise out
        return out

    def _output(self, slot, shape):
        """The next answer, the output of a call on an input of shape whose
        output is in slot: checked, and copied out of the slot (the model
        may write there again)."""
        header, payload = self._answer()
        if header.get("error") == "output":
            raise ar_data.ModelOutputError(f"the model returned {_said(header)}, not a strided tensor of numbers")
        if "error" in header:
            raise ar_data.ModelOutputError(f"the exported model failed on an input of shape {shape} "
                                           f"({_said(header)}); {WITHHELD}")
        try:
            return ar_wire.to_tensor(header, payload, self._outs[slot]).clone()
        except ValueError as e:
            raise ar_data.ModelOutputError(f"model output: {e}")

    def eval(self):
        return self

    def finish(self):
        """End the process once every answer is in. An attempt the seal
        caught meanwhile (in a thread of the model's, say) still fails the
        evaluation; one it would make later cannot change an answer."""
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self._status = status
            self._ended()
        self.kill()

    def wait(self):
        """Reap the model process once; return its wait status."""
        if self._status is None:
            _, self._status = os.waitpid(self.pid, 0)
        return self._status

    def kill(self):
        """End the model process now, if it still runs (not waiting for the
        kernel to take it down: the sandbox reaps it)."""
        if self._status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
