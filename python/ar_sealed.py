"""The evaluator's handle on the exported model: one or more sealed model
processes (ar_modelproc) that it calls like the model.

On the CPU, the fast way forks one model process per core (at most
MAX_WORKERS), each with its share of the threads, and map() keeps each
busy with its own batch, answers taken in the order asked: the batches
of a small model are too small for one call to use every core. The
processes share nothing (each has its own pipes and shared memory), and
each is asked about its next batch only once it has answered the last:
no call can see a batch it has not been asked about yet. One more
process, fresh(), answers only the task's checks (the shakespeare
causality check), so that a model cannot pass them from memory of what it
was shown while it was scored.
"""
import collections
import glob
import itertools
import sys

import ar_modelproc

MAX_WORKERS = 8  # model processes side by side at most


def workers_for(device_name, threads):
    """How many model processes score side by side: one per core on the
    CPU (the fast way), one on a device, where the calls would queue
    anyway. Decided before any fork and without touching CUDA (a parent
    that initialised it cannot fork children that use it): "auto" is the
    CPU where there is no GPU's device node and this is not a Mac."""
    if not ar_modelproc.fast() or threads < 2:
        return 1
    name = device_name or "auto"
    gpu_nodes = glob.glob("/dev/nvidia[0-9]*") + glob.glob("/dev/kfd")
    on_cpu = name == "cpu" or (name == "auto" and not gpu_nodes and sys.platform != "darwin")
    return min(threads, MAX_WORKERS) if on_cpu else 1


class _Pool:
    """Model processes kept busy in turn, each asked about its next input
    only once it has answered the last; answers taken in the order asked."""

    def __init__(self, procs):
        self.procs = procs
        self._holds = {}  # process index: the ticket of the input it was asked about
        self._answers = {}  # ticket: the output, or the CallFailed it raised
        self._abandoned = set()  # tickets nobody will ask for
        self._tickets = itertools.count()
        self._next = 0  # the process asked next

    def __call__(self, x):
        return self._result(self._ask(x))

    def map(self, inputs):
        """Yield the model's output for each of inputs, in order, with one
        call in flight in each process."""
        window = collections.deque()
        try:
            for x in inputs:
                window.append(self._ask(x))
                if len(window) >= len(self.procs):
                    yield self._result(window.popleft())
            while window:
                yield self._result(window.popleft())
        finally:
            for ticket in window:  # left unread: drop the answer, now or when it comes
                if self._answers.pop(ticket, None) is None:
                    self._abandoned.add(ticket)

    def _ask(self, x):
        """Ask the next process about x (once it has answered what it was
        asked before); return the ticket its answer will be kept under."""
        i = self._next
        self._next = (i + 1) % len(self.procs)
        if i in self._holds:
            self._take(i)
        ticket = next(self._tickets)
        self.procs[i].ask(x)
        self._holds[i] = ticket
        return ticket

    def _take(self, i):
        """Take process i's answer and keep it under its ticket. Only a
        failed call is kept as an error; a broken process raises now."""
        ticket = self._holds.pop(i)
        try:
            out = self.procs[i].take()
        except ar_modelproc.CallFailed as e:
            out = e
        if ticket in self._abandoned:
            self._abandoned.discard(ticket)
        else:
            self._answers[ticket] = out

    def _result(self, ticket):
        if ticket not in self._answers:
            held = [i for i, t in self._holds.items() if t == ticket]
            if not held:
                raise ar_modelproc.ModelDied("an answer was lost: its model process broke earlier")
            self._take(held[0])
        out = self._answers.pop(ticket)
        if isinstance(out, Exception):
            raise out
        return out


class SealedModel:
    """Call it like the model, or map it over inputs to keep every model
    process busy; fresh() is a model process that has seen nothing else.
    Start it before loading any held-out data."""

    def __init__(self, model_path, device_name, threads, require_seal):
        self.workers = workers_for(device_name, threads)
        self._procs = []
        try:
            for _ in range(self.workers + 1):  # the last one: fresh()
                self._procs.append(ar_modelproc.ModelProcess(
                    model_path, device_name, max(1, threads // self.workers), require_seal,
                    unmap=[p.shared for p in self._procs]))
        except BaseException:
            self.kill()
            raise
        self._scoring = _Pool(self._procs[:-1])
        self._fresh = _Pool(self._procs[-1:])
        self._require = require_seal
        self.sealed = None
        self.frozen = False

    def go(self):
        """The model is there: every process reads it, seals itself and
        loads it (ready() waits for that)."""
        for p in self._procs:
            p.go()

    def ready(self):
        """Wait until every process has sealed itself and loaded the model;
        raise if one could not."""
        if self.sealed is None:
            said = [p.hello(self._require) for p in self._procs]
            self.frozen = all(frozen for _, frozen in said)
            self.sealed = all(sealed for sealed, _ in said)

    def eval(self):
        return self

    def __call__(self, x):
        self.ready()
        return self._scoring(x)

    def map(self, inputs):
        """Yield the model's output for each of inputs, in order, with one
        call in flight in each scoring process."""
        self.ready()
        return self._scoring.map(inputs)

    def fresh(self):
        """The model in a process of its own that has been asked nothing
        but what it is asked through this (callable, with map): a check
        that compares with what was scored cannot be answered from memory
        of the scoring."""
        self.ready()
        return self._fresh

    def finish(self):
        """End every process once every answer is in (see
        ModelProcess.finish); all are ended even when one broke."""
        try:
            for p in self._procs:
                p.finish()
        finally:
            self.kill()

    def kill(self):
        for p in self._procs:
            p.kill()
