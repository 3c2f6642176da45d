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
before it becomes a tensor.

Wire format, each way: a 4-byte little-endian header length, a JSON header,
then header["nbytes"] bytes of raw tensor data (C order).
"""
import ctypes
import fcntl
import io
import json
import os
import signal
import struct
import sys
import traceback

import torch

import ar_data
import ar_seal

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "int64": torch.int64, "int32": torch.int32, "int16": torch.int16,
    "int8": torch.int8, "uint8": torch.uint8, "bool": torch.bool,
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


def _read_exact(fd, n):
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = os.readv(fd, [view[got:]])
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


def send(fd, header, tensor=None):
    if tensor is not None:
        tensor = tensor.detach().to("cpu").contiguous()
        header = dict(header, dtype=NAMES[tensor.dtype], shape=list(tensor.shape))
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


def to_tensor(header, payload):
    """The tensor a checked message carries."""
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


def _warm_up(device):
    """Trusted work that makes the thread pools and device libraries load
    before the seal, so that a legitimate model needs no new file."""
    a = torch.randn(64, 64, device=device)
    (a @ a).sum().item()
    x = torch.randn(2, 3, 16, 16, device=device)
    w = torch.randn(4, 3, 3, 3, device=device)
    torch.nn.functional.max_pool2d(torch.nn.functional.conv2d(x, w, padding=1).relu(), 2).sum().item()
    torch.nn.functional.layer_norm(a, (64,)).softmax(-1).sum().item()
    if device.type == "cuda":
        torch.cuda.synchronize()


def _serve(req, rep, model_path, device_name, threads, require):
    torch.set_num_threads(threads)
    with open(model_path, "rb") as f:
        blob = f.read()
    device = ar_data.pick_device(device_name)
    _warm_up(device)
    _close_all_but({req, rep})
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
    except Exception as e:
        send(rep, {"error": f"exported model does not load: {type(e).__name__}: {e}"[:2000]})
        return
    del blob
    send(rep, {"loaded": True})
    while True:
        try:
            header, payload = recv(req)
        except _Closed:
            return
        x = to_tensor(header, payload).to(device)
        try:
            with torch.no_grad():
                out = model(x)
            if not isinstance(out, torch.Tensor):
                raise ar_data.ModelOutputError(f"model returned {type(out).__name__}, expected a tensor")
            if out.dtype not in NAMES or out.layout != torch.strided:
                raise ar_data.ModelOutputError(f"model returned a {out.dtype} {out.layout} tensor")
        except Exception as e:
            send(rep, {"error": f"{type(e).__name__}: {e}"[:2000]})
            continue
        send(rep, {}, out)


class SealedModel:
    """The evaluator's handle on the model process: call it like the model.

    Start it before loading any held-out data: the process is forked from
    this one and must not inherit what the evaluator holds."""

    def __init__(self, model_path, device_name, threads, require_seal):
        req_r, self._req = os.pipe()
        self._rep, rep_w = os.pipe()
        for fd in (self._req, rep_w):
            _grow_pipe(fd)
        self.pid = os.fork()
        if self.pid == 0:  # the model process
            code = 0
            try:
                _serve(req_r, rep_w, model_path, device_name, threads, require_seal)
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

    def ready(self):
        """Wait until the model process has sealed itself and loaded the
        model; raise if it could not."""
        if self.sealed is None:
            self.sealed, self.why = self._hello(self._require)

    def _hello(self, require):
        header, _ = self._answer()
        if not header.get("hello"):
            raise ModelDied("the model process did not start")
        sealed = header.get("sealed") is True
        if require and not sealed:
            raise ar_seal.SealError(f"cannot seal the model process: {header.get('why')}")
        header, _ = self._answer()
        if "error" in header:
            raise ar_data.ModelOutputError(str(header["error"])[:2000])
        return sealed, header.get("why")

    def _answer(self):
        try:
            return recv(self._rep)
        except _Closed:
            self._ended()
        except (ValueError, UnicodeDecodeError) as e:
            self.kill()
            raise ar_data.ModelOutputError(f"the model process answered malformed data: {e}")

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
            send(self._req, {}, x)
        except BrokenPipeError:
            self._ended()
        header, payload = self._answer()
        if "error" in header:
            raise ar_data.ModelOutputError(str(header["error"])[:2000])
        try:
            return to_tensor(header, payload)
        except ValueError as e:
            raise ar_data.ModelOutputError(f"model output: {e}")

    def eval(self):
        return self

    def finish(self):
        """End the process once every answer is in, and fail if the model
        tripped the seal meanwhile (in a thread of its own, say)."""
        os.close(self._req)
        try:
            header, _ = recv(self._rep)
        except _Closed:
            status = self.wait()
            if os.WIFSIGNALED(status):
                self._ended()
            return
        except (ValueError, UnicodeDecodeError):
            pass
        self.kill()
        raise ar_data.ModelOutputError("the model process sent data nobody asked for")

    def wait(self):
        if self._status is None:
            _, self._status = os.waitpid(self.pid, 0)
        return self._status

    def kill(self):
        if self._status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.wait()
