"""The gate of a warm process: the runner starts it (train phase or
evaluator), it does its trusted set-up, then waits here for the runner's
go on AUTORESEARCH_GO_FD before anything of the seed's runs."""
import os


def wait():
    """The go's line (bytes) in a gated process, None in another. The
    gate is closed before returning, so nothing run later can read it; a
    gate closed without a word (the runner dropped this process) ends the
    process quietly."""
    fd = int(os.environ.pop("AUTORESEARCH_GO_FD", "-1"))
    if fd < 0:
        return None
    with os.fdopen(fd, "rb") as gate:
        line = gate.readline()
    if not line.strip():
        os._exit(0)
    return line
