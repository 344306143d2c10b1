"""Dask workers that run departments as the process pool's workers do: kernels forked from a server
that has imported what a notebook needs (:mod:`.forkserver`), the next one started ahead while a
department is exported (:mod:`.kernels`), and none left behind when the worker closes.

:class:`KernelPlugin` is a Dask worker plugin; :class:`~.engines.DaskEngine` registers it on every
worker of the cluster it uses (and the scheduler gives it to workers that join later). On each
worker its ``setup`` runs in the worker's event-loop thread:

- it starts the fork server from that thread without waiting for its imports: the server dies with
  the thread that started it (Linux ``PR_SET_PDEATHSIG``, :mod:`.kernel`), and that thread lives
  as long as the worker, whereas a task's thread may end;
- it has every kernel forked from then on; a worker that runs tasks in one thread (a
  ``LocalCluster`` of evalkit's, ``dask worker --nthreads 1``) also keeps a spare kernel, the first
  one started at once in the task thread, so the first department does not wait for it. A worker
  of several threads keeps none: a kernel's manager belongs to the thread that started it;
- before either, it imports the heavy libraries (nbconvert, papermill, the exporters), as a pool
  worker does before its first department, and before any task: a worker of several threads
  whose tasks imported nbconvert while another thread was half-way through it failed with
  "partially initialized module". The server then imports its own in a process of its own.

Its ``teardown`` (the worker closing) kills every kernel, the spare's files with it, and stops the
server. A worker killed outright takes the server with it, and the server its kernels.
``EVALKIT_KERNEL_FORK=0`` in a worker's environment starts that worker's kernels the ordinary way.
"""

from __future__ import annotations

import logging

from distributed import WorkerPlugin

from . import forkserver, kernels
from .workers import _warm_up as warm_up

log = logging.getLogger(__name__)


class KernelPlugin(WorkerPlugin):
    """Forked kernels (and a spare, in a single-threaded worker) on a Dask worker: the module docstring."""

    name = "evalkit-kernels"
    idempotent = True  # registered again by a second run on the same cluster: nothing to do

    def setup(self, worker) -> None:
        # before any task: tasks on several threads importing nbconvert while it is half imported
        # fail ("partially initialized module"); the fork server then imports in a process of its own
        warm_up()
        if not forkserver.enabled():
            return
        try:
            forkserver.server(wait=False)  # the first kernel waits for its imports
        except OSError as exc:  # kernels are then started the ordinary way, as in a pool worker
            log.warning("could not start the kernel fork server: %s", exc)
            return
        if worker.state.nthreads == 1:
            kernels.keep_spare()
            worker.executor.submit(kernels.start_spare)
        else:
            kernels.fork_kernels()

    def teardown(self, worker) -> None:
        kernels.stop_keeping()
