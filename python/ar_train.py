"""Train-phase entry point: runs a training script as __main__ and reports
how it ended on the events pipe, so the runner can classify failures.

Started gated (AUTORESEARCH_GO_FD set), it imports torch first and then
waits for the runner's go: one JSON line of settings for this seed
(seed, clock start, ...), read and closed before any of the script runs.
The import is then off the runner's clock, and the script cannot touch
the gate.

When the script's main code returns, the process ends at once: threads it
left running are stopped, and the interpreter's slow teardown is skipped
(the runner's clock runs until the process ends)."""
import os
import resource
import runpy
import sys
import traceback

_fd = int(os.environ.get("AUTORESEARCH_EVENTS_FD", "-1"))


def emit_failure(kind, message):
    import json
    if _fd < 0:
        return
    message = message[:2000]
    while True:  # escapes can make a character 12 bytes: keep the line whole on the pipe
        line = json.dumps({"event": "failure", "kind": kind, "message": message}).encode() + b"\n"
        if len(line) <= 4096:
            break
        message = message[:len(message) // 2]
    try:
        os.write(_fd, line)
    except OSError:
        pass


def set_limits():
    for name, value in (("RLIMIT_FSIZE", os.environ.get("AUTORESEARCH_MAX_FILE_BYTES")),
                        ("RLIMIT_NOFILE", os.environ.get("AUTORESEARCH_MAX_OPEN_FILES")),
                        ("RLIMIT_NPROC", os.environ.get("AUTORESEARCH_MAX_PROCS"))):
        if value:
            lim = int(value)
            _, hard = resource.getrlimit(getattr(resource, name))
            if hard != resource.RLIM_INFINITY:
                lim = min(lim, hard)
            resource.setrlimit(getattr(resource, name), (lim, lim))


def classify(exc):
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MemoryError) or "out of memory" in text or "can't allocate memory" in text:
        return "oom"
    if isinstance(exc, ImportError):
        return "import"
    if type(exc).__name__ == "ExportError":
        return "export"
    return "crash"


def wait_for_go():
    """In a gated process: import torch and load the training split, say
    so, then take this seed's settings from the go."""
    if "AUTORESEARCH_GO_FD" not in os.environ:
        return
    import json

    import ar_data  # imports torch: the point of a warm process
    import ar_gate
    if os.environ.get("AUTORESEARCH_TRAIN_DATA"):
        ar_data.preload(os.environ["AUTORESEARCH_TRAIN_DATA"])
    if _fd >= 0:  # the runner counts what was done before the go against the start-up allowance
        os.write(_fd, b'{"event": "ready"}\n')
    line = ar_gate.wait()
    os.environ.update({str(k): str(v) for k, v in json.loads(line).get("env", {}).items()})


def keep_cores():
    """A worker pinned to its cores keeps its script there: the others
    are measured beside it. A process that cannot be kept there ends."""
    import ar_seal
    try:
        ar_seal.keep_cores()
    except OSError as e:
        emit_failure("crash", f"cannot keep the script on its worker's cores: {e}")
        sys.exit(1)


def main():
    script = sys.argv[1]
    wait_for_go()
    set_limits()
    with open(script, encoding="utf-8", errors="replace") as f:
        source = f.read()
    try:
        compile(source, script, "exec")
    except (SyntaxError, ValueError) as e:
        traceback.print_exc()
        emit_failure("syntax", f"{type(e).__name__}: {e}")
        sys.exit(2)
    sys.argv = [script]
    if os.environ.get("AUTORESEARCH_PINNED") == "1":
        keep_cores()
    try:
        import harness  # noqa: F401  before the script: what the harness counts steps with is what it finds now
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        if e.code not in (None, 0):
            emit_failure("crash", f"script exited with status {e.code}")
            raise
    except BaseException as e:
        traceback.print_exc()
        emit_failure(classify(e), f"{type(e).__name__}: {e}")
        sys.exit(1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
