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

Each process answers one call at a time; ar_sealed runs several side by
side. The wire is ar_wire.
"""
import ctypes
import io
import os
import signal
import stat
import sys
import traceback

import torch

import ar_data
import ar_seal
import ar_wire


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


def fast():
    """Whether the model is run the fast way (frozen, optimised for
    inference, its graph run as it is then; on the CPU, model processes
    side by side, see ar_sealed); AUTORESEARCH_EVAL_FAST=0 runs it as
    exported in one process, one call at a time, as the evaluator did
    before (to compare)."""
    return os.environ.get("AUTORESEARCH_EVAL_FAST", "1") != "0"


def for_inference(model):
    """The loaded model frozen and optimised for inference (batch norm
    folded into convolutions, constants propagated) and True, or the model
    as it is and False where that fails or it is not run the fast way.
    Called sealed: it runs the model's graph passes, which are the model's
    code."""
    if not fast():
        return model, False
    try:
        return torch.jit.optimize_for_inference(torch.jit.freeze(model)), True
    except Exception:
        return model, False


def _call(model, device, quick, x):
    """One call of the model on x: (reply header, output tensor or None)."""
    try:
        # Fast: no profiling runs and re-optimisation by the graph
        # executor (measured: 5-10 % less time, the first calls most).
        with torch.no_grad(), torch.jit.optimized_execution(not quick):
            out = model(x.to(device))
    except Exception as e:
        return {"error": "call", "kind": _kind(e)}, None
    if not isinstance(out, torch.Tensor) or out.dtype not in ar_wire.NAMES or out.layout != torch.strided:
        what = f"a {out.dtype} tensor" if isinstance(out, torch.Tensor) else f"a {_kind(out)}"
        return {"error": "output", "kind": what[:80]}, None
    return {}, out


def _load(blob, device):
    """The exported model, loaded (untrusted code runs) and made ready for
    inference: (model, frozen)."""
    model = torch.jit.load(io.BytesIO(blob), map_location=device)
    model.eval()
    return for_inference(model)


def _serve(req, rep, shared, model_path, device_name, threads, require):
    _close_all_but({req, rep})  # before any device opens descriptors of its own
    torch.set_num_threads(threads)
    device = ar_data.pick_device(device_name)
    _warm_up(device)
    try:
        ar_wire.recv(req)  # the evaluator's go: the model is there
    except ar_wire.Closed:
        return
    blob = _read_model(model_path)
    _silence()
    try:
        ar_seal.seal()
        ar_wire.send(rep, {"hello": True, "sealed": True})
    except ar_seal.SealError as e:
        ar_wire.send(rep, {"hello": True, "sealed": False, "why": str(e)[:500]})
        if require:
            return
    # From here on the process runs untrusted code.
    try:
        model, frozen = _load(blob, device)
    except Exception as e:
        ar_wire.send(rep, {"error": "load", "kind": _kind(e)})
        return
    del blob
    quick = fast()
    ar_wire.send(rep, {"loaded": True, "frozen": frozen})
    inputs, outputs = ar_wire.halves(shared)
    while True:
        try:
            header, payload = ar_wire.recv(req)
        except ar_wire.Closed:
            return
        ar_wire.send(rep, *_call(model, device, quick, ar_wire.to_tensor(header, payload, inputs)), outputs)


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


class CallFailed(ar_data.ModelOutputError):
    """The model raised, or returned something that is not a tensor, on
    one call (the process goes on answering)."""


class ModelProcess:
    """The evaluator's handle on one model process, which answers one call
    at a time: ask, then take the answer, before asking again.

    Start it before loading any held-out data: the process is forked from
    this one and must not inherit what the evaluator holds, nor see what
    another model process is asked: the shared memory of those forked
    before it (unmap) is unmapped in it."""

    def __init__(self, model_path, device_name, threads, require_seal, unmap=()):
        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        for fd in (self._req, rep_w):
            ar_wire.grow_pipe(fd)
        self.shared = ar_wire.shared_memory()
        self.pid = os.fork()
        if self.pid == 0:  # the model process
            code = 0
            try:
                for other in unmap:
                    other.close()
                _serve(req_r, rep_w, self.shared, model_path, device_name, threads, require_seal)
            except BaseException:
                traceback.print_exc()
                code = 70
            sys.stderr.flush()
            os._exit(code)
        os.close(req_r)
        os.close(rep_w)
        self._inputs, self._outputs = ar_wire.halves(self.shared)
        self._status = None
        self._asked = None  # the shape of the input asked about, until its answer is taken

    def go(self):
        """Tell the model process the model is there: it reads the file,
        seals itself and loads the model (hello() waits for that)."""
        try:
            ar_wire.send(self._req, {"go": True})
        except BrokenPipeError:
            pass  # ended already: hello() says how

    def hello(self, require):
        """Read the process's two first messages, sealed then loaded:
        (sealed, frozen). Raises if it could not."""
        header, _ = self._answer()
        if not header.get("hello"):
            raise ModelDied("the model process did not start")
        sealed = header.get("sealed") is True
        if require and not sealed:
            raise ar_seal.SealError(f"cannot seal the model process: {header.get('why')}")
        header, _ = self._answer()
        if "error" in header:
            raise ar_data.ModelOutputError(f"the exported model does not load ({_said(header)}); {WITHHELD}")
        return sealed, header.get("frozen") is True

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

    @property
    def busy(self):
        return self._asked is not None

    def ask(self, x):
        """Send x to the model process, which must not be busy."""
        assert self._asked is None, "ask before the last answer was taken"
        try:
            ar_wire.send(self._req, {}, x, self._inputs)
        except BrokenPipeError:
            self._ended()
        self._asked = list(x.shape)

    def take(self):
        """The answer to the last input asked about: checked, and copied
        out of the shared memory (the model may write there again). Raises
        CallFailed when the model failed on that input, other errors when
        the process broke."""
        shape, self._asked = self._asked, None
        header, payload = self._answer()
        if header.get("error") == "output":
            raise CallFailed(f"the model returned {_said(header)}, not a strided tensor of numbers")
        if "error" in header:
            raise CallFailed(f"the exported model failed on an input of shape {shape} ({_said(header)}); {WITHHELD}")
        try:
            return ar_wire.to_tensor(header, payload, self._outputs).clone()
        except ValueError as e:
            self.kill()
            raise ar_data.ModelOutputError(f"model output: {e}")

    def finish(self):
        """End the process once every answer is in. An attempt the seal
        caught meanwhile (in a thread of the model's, say) still fails the
        evaluation; one it would make later cannot change an answer."""
        if self._status is not None:
            self._ended()
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
