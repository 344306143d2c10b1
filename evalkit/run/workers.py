"""The worker processes of a batch, and how they end.

A worker never outlives the process that started it, and takes no part in stopping a run:

- it asks the kernel to SIGKILL it when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``), so a
  parent killed outright (SIGKILL, a crash) takes its workers with it, and their kernels, which
  ask the same of them (:mod:`.kernel`), go too;
- it ignores SIGINT: Ctrl-C at a terminal reaches the whole foreground process group, and stopping
  the run is the parent's business (:func:`stop_pool`); workers start with SIGINT already ignored;
- on SIGTERM (what :func:`stop_pool` sends) it kills its kernels (the one started ahead for its next
  department too) and exits at once, writing nothing more; a worker that ends normally kills that
  one as it exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from .kernel import die_with_parent
from .kernels import keep_spare, kill_kernels, start_spare

#: Seconds a worker has to exit after SIGTERM before it is killed.
GRACE = 5.0


def start_pool(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` spawned worker processes, set up as the module docstring says."""
    quiet_resource_tracker()
    return ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                               initargs=(os.getpid(),))


def quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (the process that frees a pool's semaphores when the
    run is gone) with its stderr on ``/dev/null``: when a worker or the run itself is killed, it still
    frees them, but no longer prints "leaked semaphore objects" warnings or its own KeyError
    tracebacks on the user's terminal after the run has said what happened. Nothing happens when the
    tracker is already running."""
    import sys
    from multiprocessing import resource_tracker

    if threading.current_thread() is not threading.main_thread():
        resource_tracker.ensure_running()
        return
    try:
        sys.stderr.flush()
        saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError):  # no stderr to redirect: start it as it is
        resource_tracker.ensure_running()
        return
    try:
        os.dup2(devnull, 2)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextlib.contextmanager
def spawning():
    """Submit to a pool inside this block: the workers it spawns start with SIGINT ignored (the one
    disposition ``exec`` keeps), so a Ctrl-C cannot reach one before its initializer has run. Only
    the main thread can change signal handling; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def stop_pool(pool: ProcessPoolExecutor, *, grace: float = GRACE) -> None:
    """Stop ``pool`` now: cancel what has not started, send every worker SIGTERM (it kills its
    kernels and exits), and SIGKILL any still there after ``grace`` seconds."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # public only from Python 3.14
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(1.0)


def _start_worker(parent: int) -> None:
    """Pool initializer: die with the parent, leave Ctrl-C to it, stop kernels on SIGTERM, keep a
    kernel started ahead (:mod:`.kernels`; the first one starts up while the worker warms up)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    die_with_parent(parent)
    keep_spare()
    start_spare()
    _warm_up()


def _stop_worker(signum, frame) -> None:
    kill_kernels()
    os._exit(128 + signum)


def _warm_up() -> None:
    """Import the heavy libraries once per worker, not once per department."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from ..publish import exporters as export  # noqa: F401
