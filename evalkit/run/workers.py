"""The worker processes of a batch: the pool's workers (:mod:`evalkit.pool`: they die with their parent,
leave Ctrl-C to it, and are stopped with SIGTERM, then SIGKILL, when the run ends or is stopped), set up
to run departments:

- on SIGTERM a worker kills its kernels (the one started ahead for its next department too) and exits
  at once, writing nothing more;
- it keeps a kernel started ahead (:mod:`.kernels`; the first one starts up while the worker warms up)
  and imports the heavy libraries once, not once per department.
"""

from __future__ import annotations

import os
import signal

from ..pool import Pool
from .kernels import keep_spare, kill_kernels, start_spare


def worker_pool(jobs: int) -> Pool:
    """A pool of ``jobs`` spawned workers, each set up as the module docstring says."""
    return Pool(jobs, initializer=_start_worker)


def _start_worker() -> None:
    """Pool initializer: stop kernels on SIGTERM, keep a kernel started ahead, warm up."""
    signal.signal(signal.SIGTERM, _stop_worker)
    keep_spare()
    start_spare()
    _warm_up()


def _stop_worker(signum, frame) -> None:
    kill_kernels()
    os._exit(128 + signum)


def _warm_up() -> None:
    """Import the heavy libraries once per worker, not once per department, then move everything
    imported out of the garbage collector's sight (``gc.freeze``): modules live as long as the worker,
    and every collection during a department would otherwise scan them again (a sixth of rendering a
    PDF, writing a Word file)."""
    import gc

    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from ..publish import exporters as export  # noqa: F401

    gc.freeze()
