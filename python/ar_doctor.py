"""Reports the Python environment as one JSON line for `autoresearch doctor`."""
import json
import os
import platform
import sys
import time


def seal_check():
    """Whether the evaluator can seal its model process here: a child
    seals itself and exits."""
    try:
        import ar_seal
        ar_seal.program()
    except Exception as e:
        return False, str(e)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            ar_seal.seal()
            os.write(w, b"sealed")
        except Exception as e:
            os.write(w, str(e).encode()[:300])
        os._exit(0)
    os.close(w)
    said = os.read(r, 400).decode(errors="replace")
    os.close(r)
    os.waitpid(pid, 0)
    return said == "sealed", "" if said == "sealed" else said


info = {}
info["seal"], info["seal_error"] = seal_check()

info.update({"python": sys.version.split()[0], "executable": sys.executable, "platform": platform.platform()})
try:
    import numpy
    info["numpy"] = numpy.__version__
except ImportError as e:
    info["numpy_error"] = str(e)
try:
    import torch
    info["torch"] = torch.__version__
    info["cuda"] = torch.cuda.is_available()
    if info["cuda"]:
        info["cuda_device"] = torch.cuda.get_device_name(0)
    mps = getattr(torch.backends, "mps", None)
    info["mps"] = bool(mps is not None and mps.is_available())
    torch.set_num_threads(1)
    a = torch.randn(512, 512)
    b = torch.randn(512, 512)
    a @ b
    t0 = time.perf_counter()
    for _ in range(4):
        a @ b
    info["gflops_1thread"] = 4 * 2 * 512 ** 3 / (time.perf_counter() - t0) / 1e9
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            name = path.rsplit("/", 1)[-1]
            if any(k in name for k in ("blas", "mkl_rt", "lapack", "Accelerate")):
                libs.add(path)
    info["blas_libs"] = sorted(libs)
except ImportError as e:
    info["torch_error"] = str(e)
except OSError:
    pass
try:
    import cmaes  # noqa: F401 - CMA-ES's sampler
    import optuna
    import sklearn  # noqa: F401 - fANOVA importance

    info["optuna"] = optuna.__version__
except ImportError as e:
    info["optuna_error"] = str(e)
print(json.dumps(info))
