"""The wire between the trusted evaluator and the sealed model process.

Each way: a 4-byte little-endian header length, a JSON header, then
header["nbytes"] bytes of raw tensor data (C order) - or, for a tensor
that fits, none, and header["in_region"]: the data is in the sender's
half of a shared memory region mapped before the fork (inputs one way,
outputs the other; a pipe would copy them in 1 MiB turns). What is read is
checked (header size, dtype, shape, byte count) before it becomes a
tensor: the model process runs untrusted code.
"""
import ctypes
import fcntl
import json
import mmap
import os
import struct

import torch

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


class Closed(Exception):
    """The other side closed its end of the pipe."""


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
            raise Closed()
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


def shared_memory():
    """The memory one model process and the evaluator share, mapped before
    the fork: pages are taken only when touched."""
    return mmap.mmap(-1, 2 * Region.SIZE)


def halves(mm):
    """(inputs, outputs): the evaluator's half of shared_memory() and the
    model process's."""
    return Region(mm, 0), Region(mm, Region.SIZE)


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
    shape; raises ValueError on anything malformed and Closed at EOF."""
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


def grow_pipe(fd):
    try:
        fcntl.fcntl(fd, _F_SETPIPE_SZ, 1 << 20)
    except OSError:
        pass
