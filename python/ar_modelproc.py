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

Wire format, each way: a 4-byte little-endian header length, a JSON header,
then header["nbytes"] bytes of raw tensor data (C order) - or, for a
tensor that fits, none, and header["in_region"]: the data is in the
sender's half of a shared memory region mapped before the fork (inputs
one way, outputs the other; a pipe would copy them in 1 MiB turns).
"""
import ctypes
import fcntl
import io
import json
import mmap
import os
import signal
import stat
import struct
import sys
import traceback

import torch

import ar_data
import ar_seal

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8,
}
NAMES = {v: k for k, v in DTYPES.items()}
MAX_HEADER = 64 << 10
MAX_PAYLOAD = 1 << 30
MAX_DIMS = 8
_F_SETPIPE_SZ = 1031


class SealViolation(RuntimeError):
    """The model tried something the seal forbids and was killed for it."""


class ModelDied(RuntimeError):
    """The model process ended without answering."""


class _Closed(Exception):
    pass


def _write_all(fd, data):
    view = memoryview(data).cast("B")
    while view:
        n = os.write(fd, view)
        view = view[n:]


_PREALLOC = 64 << 20


def _read_exact(fd, n):
    """Read n bytes into one buffer. Past 64 MiB it grows only as bytes
    arrive: a size the other side announces but never sends costs little."""
    buf = bytearray(min(n, _PREALLOC))
    got = 0
    while got < n:
        if got == len(buf):
            buf.extend(bytes(min(n - got, _PREALLOC)))
        k = os.readv(fd, [memoryview(buf)[got:]])
        if k == 0:
            raise _Closed()
        got += k
    return buf


def _tensor_bytes(t):
    """A zero-copy view of a contiguous CPU tensor's bytes (t must outlive it)."""
    n = t.numel() * t.element_size()
    if n == 0:
        return b""
    return memoryview((ctypes.c_char * n).from_address(t.data_ptr())).cast("B")


class Region:
    """One half of the shared memory: where one side puts its tensors."""

    SIZE = 64 << 20

    def __init__(self, mm, offset):
        self.mm, self.offset = mm, offset

    def put(self, t):
        dst = torch.frombuffer(self.mm, dtype=t.dtype, count=t.numel(), offset=self.offset)
        dst.copy_(t.reshape(-1))

    def view(self, dtype, numel, shape):
        """A tensor over the region's bytes (no copy)."""
        return torch.frombuffer(self.mm, dtype=dtype, count=numel, offset=self.offset).view(shape)


def send(fd, header, tensor=None, region=None):
    """Write one message: header (a dict) and, if given, a tensor, its
    dtype and shape added to the header, its bytes in region when they fit
    there, else on the pipe."""
    if tensor is not None:
        tensor = tensor.detach().to("cpu").contiguous()
        header = dict(header, dtype=NAMES[tensor.dtype], shape=list(tensor.shape))
        if region is not None and 0 < tensor.numel() * tensor.element_size() <= Region.SIZE:
            region.put(tensor)
            header["in_region"], tensor = True, None
    payload = _tensor_bytes(tensor) if tensor is not None else b""
    header = dict(header, nbytes=len(payload))
    raw = json.dumps(header).encode()
    _write_all(fd, struct.pack("<I", len(raw)) + raw)
    if len(payload):
        _write_all(fd, payload)


def recv(fd):
    """Read one message: (header, payload) with the header checked for
    shape; raises ValueError on anything malformed and _Closed at EOF."""
    (size,) = struct.unpack("<I", bytes(_read_exact(fd, 4)))
    if size > MAX_HEADER:
        raise ValueError(f"header of {size} bytes")
    header = json.loads(bytes(_read_exact(fd, size)))
    if not isinstance(header, dict):
        raise ValueError("header is not an object")
    nbytes = header.get("nbytes", 0)
    if type(nbytes) is not int or not 0 <= nbytes <= MAX_PAYLOAD:
        raise ValueError(f"payload size {nbytes!r}")
    return header, (_read_exact(fd, nbytes) if nbytes else bytearray())


def to_tensor(header, payload, region=None):
    """The tensor a checked message carries: over the sender's region when
    it put the data there (no copy: clone it to keep it)."""
    dtype = DTYPES.get(header.get("dtype"))
    shape = header.get("shape")
    if dtype is None:
        raise ValueError(f"dtype {header.get('dtype')!r} is not one of {sorted(DTYPES)}")
    if not isinstance(shape, list) or len(shape) > MAX_DIMS or any(type(d) is not int or d < 0 for d in shape):
        raise ValueError(f"shape {shape!r} is not a list of at most {MAX_DIMS} sizes")
    numel = 1
    for d in shape:
        numel *= d
    itemsize = torch.empty((), dtype=dtype).element_size()
    if header.get("in_region") is True:
        if region is None or len(payload) or not 0 < numel * itemsize <= Region.SIZE:
            raise ValueError(f"a {header['dtype']} tensor of shape {shape} cannot be in the shared region")
        return region.view(dtype, numel, shape)
    if numel * itemsize != len(payload):
        raise ValueError(f"{len(payload)} bytes do not hold a {header['dtype']} tensor of shape {shape}")
    if numel == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(payload, dtype=dtype).view(shape)


def _grow_pipe(fd):
    try:
        fcntl.fcntl(fd, _F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass


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
    inference, its graph run as it is then); AUTORESEARCH_EVAL_FREEZE=0
    runs it as exported, as the evaluator did before (to compare)."""
    return os.environ.get("AUTORESEARCH_EVAL_FREEZE", "1") != "0"


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


def _serve(req, rep, regions, model_path, device_name, threads, require):
    _close_all_but({req, rep})  # before any device opens descriptors of its own
    torch.set_num_threads(threads)
    device = ar_data.pick_device(device_name)
    _warm_up(device)
    try:
        recv(req)  # the evaluator's go: the model is there
    except _Closed:
        return
    blob = _read_model(model_path)
    _silence()
    try:
        ar_seal.seal()
        send(rep, {"hello": True, "sealed": True})
    except ar_seal.SealError as e:
        send(rep, {"hello": True, "sealed": False, "why": str(e)[:500]})
        if require:
            return
    # From here on the process runs untrusted code.
    try:
        model = torch.jit.load(io.BytesIO(blob), map_location=device)
        model.eval()
        model, frozen = for_inference(model)
    except Exception as e:
        send(rep, {"error": "load", "kind": _kind(e)})
        return
    del blob
    fast = _fast()
    send(rep, {"loaded": True, "frozen": frozen})
    while True:
        try:
            header, payload = recv(req)
        except _Closed:
            return
        x = to_tensor(header, payload, regions[0]).to(device)
        try:
            # Fast: no profiling runs and re-optimisation by the graph
            # executor (measured: 5-10 % less time, the first calls most).
            with torch.no_grad(), torch.jit.optimized_execution(not fast):
                out = model(x)
        except Exception as e:
            send(rep, {"error": "call", "kind": _kind(e)})
            continue
        if not isinstance(out, torch.Tensor) or out.dtype not in NAMES or out.layout != torch.strided:
            what = f"a {out.dtype} tensor" if isinstance(out, torch.Tensor) else f"a {_kind(out)}"
            send(rep, {"error": "output", "kind": what[:80]})
            continue
        send(rep, {}, out, regions[1])


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
    """The evaluator's handle on the model process: call it like the model.

    Start it before loading any held-out data: the process is forked from
    this one and must not inherit what the evaluator holds."""

    def __init__(self, model_path, device_name, threads, require_seal):
        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        for fd in (self._req, rep_w):
            _grow_pipe(fd)
        shared = mmap.mmap(-1, 2 * Region.SIZE)  # pages are taken only when touched
        self._regions = (Region(shared, 0), Region(shared, Region.SIZE))  # inputs, outputs
        self.pid = os.fork()
        if self.pid == 0:  # the model process
            code = 0
            try:
                _serve(req_r, rep_w, self._regions, model_path, device_name, threads, require_seal)
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

    def go(self):
        """Tell the model process the model is there: it reads the file,
        seals itself and loads the model (ready() waits for that)."""
        try:
            send(self._req, {"go": True})
        except BrokenPipeError:
            pass  # ended already: ready() says how

    def ready(self):
        """Wait until the model process has sealed itself and loaded the
        model; raise if it could not."""
        if self.sealed is None:
            self.sealed = self._hello(self._require)

    def _hello(self, require):
        """Read the process's two first messages: sealed, then loaded."""
        header, _ = self._answer()
        if not header.get("hello"):
            raise ModelDied("the model process did not start")
        sealed = header.get("sealed") is True
        if require and not sealed:
            raise ar_seal.SealError(f"cannot seal the model process: {header.get('why')}")
        header, _ = self._answer()
        if "error" in header:
            raise ar_data.ModelOutputError(f"the exported model does not load ({_said(header)}); {WITHHELD}")
        self.frozen = header.get("frozen") is True
        return sealed

    def _answer(self):
        try:
            return recv(self._rep)
        except _Closed:
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
        try:
            send(self._req, {}, x, self._regions[0])
        except BrokenPipeError:
            self._ended()
        header, payload = self._answer()
        if header.get("error") == "output":
            raise ar_data.ModelOutputError(f"the model returned {_said(header)}, not a strided tensor of numbers")
        if "error" in header:
            raise ar_data.ModelOutputError(f"the exported model failed on an input of shape {list(x.shape)} "
                                           f"({_said(header)}); {WITHHELD}")
        try:
            return to_tensor(header, payload, self._regions[1]).clone()  # the model may write there again
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
