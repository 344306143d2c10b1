"""The one pool of worker processes: ``evalkit run``'s departments, ``evalkit audit``'s documents and
``Portfolio.load``'s files run in it (the Dask engine is an engine beside it, not a pool).

- **bounded**: ``jobs`` long-lived workers; each item may run ``timeout`` seconds and each worker may
  use ``memory`` bytes more than it started with (both optional);
- **a crash fails one item**: an item whose worker dies (a segfault, SIGKILL, out of memory) or runs
  past its deadline is yielded as a :class:`Crash`, its worker replaced, and the others go on;
- **children die with the parent**: a worker asks the kernel to kill it when the process that started
  it dies (Linux ``prctl(PR_SET_PDEATHSIG)``), ignores Ctrl-C (stopping is the parent's business) and
  is stopped when the pool is left, whatever happened: told to exit when idle, else SIGTERM, then SIGKILL.

>>> with Pool(2) as pool:                                        # doctest: +SKIP
...     sorted(value for _, value in pool.imap(abs, [(-1,), (-2,)]))
[1, 2]
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import math
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait

#: ``prctl`` option: the signal this process gets when its parent dies (``<linux/prctl.h>``).
PR_SET_PDEATHSIG = 1
#: Seconds a worker has to exit after SIGTERM before it is killed.
GRACE = 5.0
#: The signals that stop a run: Ctrl-C, SIGTERM and a closed terminal (SIGHUP, where there is one).
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()))
#: The shortest ``timeout`` of an item, in seconds (a department's kernel alone takes about one to start).
MIN_TIMEOUT = 1.0
#: The longest ``timeout``, in seconds (a day): beyond it a bound is no bound (1e308 overflows the clock).
MAX_TIMEOUT = 86_400.0


def check_timeout(timeout) -> float:
    """``timeout`` in seconds if it is a usable one (a number from :data:`MIN_TIMEOUT` to
    :data:`MAX_TIMEOUT`), else ``ValueError``; ``evalkit run`` and ``evalkit audit`` check theirs with it.

    >>> check_timeout(0.5)
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a number of seconds from 1 to 86400, got 0.5
    >>> check_timeout(float("nan"))
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a number of seconds from 1 to 86400, got nan
    """
    ok = isinstance(timeout, int | float) and not isinstance(timeout, bool) and math.isfinite(timeout)
    if not ok or not MIN_TIMEOUT <= timeout <= MAX_TIMEOUT:
        raise ValueError(f"timeout must be a number of seconds from {MIN_TIMEOUT:g} to {MAX_TIMEOUT:g}, "
                         f"got {timeout!r}")
    return float(timeout)


@dataclass(frozen=True)
class Crash:
    """An item that did not finish: ``kind`` is ``"crashed"`` (its worker died) or ``"timeout"``."""

    kind: str
    error: str


class Pool:
    """``jobs`` worker processes (``context``: ``"spawn"`` or ``"fork"``), each set up by
    ``initializer(*initargs)``; see the module docstring."""

    def __init__(self, jobs: int, *, timeout: float | None = None, memory: int | None = None,
                 context: str = "spawn", initializer: Callable | None = None, initargs: tuple = ()):
        self.jobs, self.timeout, self.memory = max(1, jobs), timeout, memory
        self._ctx = multiprocessing.get_context(context)
        self._setup = (initializer, initargs)
        self._workers: list[_Worker] = []

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def imap(self, fn: Callable, items: Iterable[tuple]) -> Iterator[tuple[int, object]]:
        """``(index, fn(*item))`` for every item, as they finish; a :class:`Crash` for an item that did
        not; an exception ``fn`` raised is raised here."""
        pending = list(enumerate(items))[::-1]
        busy: dict = {}  # connection → worker
        while pending or busy:
            while pending and len(busy) < self.jobs:
                worker = self._idle() or self._start()
                worker.give(*pending.pop(), fn, self.timeout)
                busy[worker.conn] = worker
            soonest = min((w.deadline for w in busy.values() if w.deadline is not None), default=None)
            ready = wait(list(busy), timeout=None if soonest is None else max(0.0, soonest - time.monotonic()))
            for conn in ready:
                worker = busy.pop(conn)
                try:
                    status, value = conn.recv()
                except (EOFError, OSError):
                    yield worker.index, self._lost(worker, "crashed", "its worker process died (exit code "
                                                  f"{worker.exit_code()}) before it finished")
                    continue
                if status == "ready":  # set up: its item's time starts now
                    worker.ready = True
                    worker.deadline = None if self.timeout is None else time.monotonic() + self.timeout
                    busy[conn] = worker
                    continue
                worker.index = None
                if status == "raised":
                    raise value
                yield worker.index_done, Crash("crashed", value) if status == "lost" else value
            now = time.monotonic()
            for conn, worker in list(busy.items()):
                if worker.deadline is not None and now >= worker.deadline:
                    del busy[conn]
                    yield worker.index, self._lost(worker, "timeout", f"it ran longer than {self.timeout:g} s")

    def stop(self, *, grace: float = GRACE) -> None:
        """Stop every worker: an idle one is told to exit, so that it runs its exit handlers and waits
        for what it started (a fork server and its kernels: their processor time then counts in the
        parent's, and none outlives the run); a busy one gets SIGTERM; SIGKILL after ``grace`` seconds."""
        workers, self._workers = self._workers, []
        for w in workers:
            w.leave() if w.index is None else w.terminate()
        deadline = time.monotonic() + grace
        for w in workers:
            w.process.join(max(0.0, deadline - time.monotonic()))
            if w.process.is_alive():
                w.process.kill()
                w.process.join(1.0)
            w.conn.close()

    def _idle(self) -> _Worker | None:
        return next((w for w in self._workers if w.index is None and w.process.is_alive()), None)

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_serve, args=(child, os.getpid(), self.memory, *self._setup), daemon=True)
        with stop_signals(signal.SIG_IGN):  # so it never runs the parent's handlers before its own are set
            process.start()
        child.close()
        worker = _Worker(process, parent)
        self._workers.append(worker)
        return worker

    def _lost(self, worker: _Worker, kind: str, why: str) -> Crash:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()
        self._workers.remove(worker)
        return Crash(kind, why)


class _Worker:
    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.index: int | None = None
        self.index_done: int | None = None
        self.deadline: float | None = None
        self.ready = False  # set up (its initializer done): an item's deadline runs from then

    def give(self, index: int, item: tuple, fn: Callable, timeout: float | None) -> None:
        self.index = self.index_done = index
        self.deadline = None if timeout is None or not self.ready else time.monotonic() + timeout
        self.conn.send((fn, item))

    def exit_code(self) -> int | None:
        self.process.join(5)
        return self.process.exitcode

    def terminate(self) -> None:
        if self.process.is_alive():
            self.process.terminate()

    def leave(self) -> None:
        try:
            self.conn.send(None)
        except OSError:  # it has died: joined as it is
            pass


def _serve(conn, parent: int, memory: int | None, initializer: Callable | None, initargs: tuple) -> None:
    """A worker: set up as the module docstring says, then run what it is given until the pipe closes."""
    atexit.register(_leave_quickly)  # the first registered, so the last to run
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for sig in STOP_SIGNALS[1:]:
        signal.signal(sig, signal.SIG_DFL)
    die_with_parent(parent)
    if memory is not None:
        limit_memory(memory)
    if initializer is not None:
        initializer(*initargs)
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:  # the pool is done with it: its exit handlers run as it returns
            _done.set()
            return
        fn, item = message
        try:
            answer = ("ok", fn(*item))
        except Exception as exc:  # the caller's business: raised in the parent
            answer = ("raised", exc)
        try:
            conn.send(answer)
        except Exception as exc:  # an answer that cannot cross to the parent: that item fails
            conn.send(("lost", f"its answer could not be sent back ({type(exc).__name__}: {exc})"))


_done = threading.Event()


def _leave_quickly() -> None:
    """After its exit handlers, a worker the pool is done with leaves without tearing its interpreter
    down (a second of CPU once WeasyPrint and pandas are imported, for nothing); any other exit keeps
    its exit code."""
    if _done.is_set():
        os._exit(0)


def die_with_parent(parent: int | None) -> None:
    """Have the kernel SIGKILL this process when its parent dies; exit now if ``parent`` (the pid it
    was started by) has died already. Elsewhere than Linux this does nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: the parent's own clean-up is the only safeguard
        return
    if parent and os.getppid() != parent:
        os._exit(1)


def limit_memory(memory: int) -> None:
    """Let this process use at most ``memory`` bytes of address space more than it uses now: past it an
    allocation fails with ``MemoryError``."""
    try:
        with open("/proc/self/statm") as handle:
            current = int(handle.read().split()[0]) * resource.getpagesize()
        resource.setrlimit(resource.RLIMIT_AS, (current + memory, current + memory))
    except (OSError, ValueError):
        pass


@contextlib.contextmanager
def stop_signals(handler):
    """:data:`STOP_SIGNALS` handled by ``handler`` inside the block, as before after it: a worker is
    started with them ignored (a Ctrl-C at the terminal reaches the whole process group), a run is
    stopped by them. Only the main thread can change signal handling; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
