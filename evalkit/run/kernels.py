"""The kernels departments run on, seen from the process that starts them.

Every department (and overview) runs on a fresh kernel of its own: ``python -m evalkit.run.kernel``
(:mod:`.kernel`, so it dies with this process) over IPC with a socket folder of its own (parallel
kernels over TCP occasionally die at start). A kernel imports the libraries every notebook needs
(:data:`PRELOAD`) before it answers its first request, and is killed as soon as its notebook has
run: it has nothing left to save.

**The spare.** A pool worker (:mod:`.workers`) calls :func:`keep_spare`: from then on, when a
department's notebook has run, :func:`start_spare` starts the next kernel, which starts up and
imports while the department is exported, and the next department's :func:`take_kernel` gets it
ready. A spare has run no department's code, goes to exactly one department and is killed after
it like any other kernel; one that died while waiting is thrown away and replaced. Such a worker
forks its kernels from a server (:mod:`.forkserver`). A Dask worker does the same once evalkit's
worker plugin is set up on it (:mod:`.dask_workers`): a forked kernel is the server's child, not
the task thread's, and the server is started from the worker's event-loop thread, which lives as
long as the worker. A Dask worker running tasks in several threads forks its kernels but keeps no
spare (:func:`fork_kernels`): a kernel's manager is tied to the thread that started it.

Every kernel this process is running, spare included, is registered, so :func:`kill_kernels` can
stop them all when the process is told to stop.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

#: What a kernel imports before it answers (``IPKernelApp.exec_lines``, run once the shell exists,
#: without history, so execution counts are as before): what every department notebook imports.
PRELOAD = "import evalkit.publish.appendix, evalkit.publish.charts, matplotlib.pyplot, pandas"
#: Kernel manager of every kernel this process is running right now.
_KERNELS: set = set()
#: Whether this process keeps a spare kernel (:func:`keep_spare`), and the spare it keeps.
_keeping = False
#: Whether this process forks its kernels without keeping a spare (:func:`fork_kernels`).
_forking = False
_spare: Kernel | None = None


@dataclass
class Kernel:
    """A started kernel: its manager and the folder holding its sockets."""

    manager: object  # jupyter_client.AsyncKernelManager
    sockets: Path

    @property
    def alive(self) -> bool:
        process = getattr(getattr(self.manager, "provisioner", None), "process", None)
        return process is not None and process.poll() is None


def start_kernel() -> Kernel:
    """Start a fresh kernel (see the module docstring); it answers once it has started and imported."""
    from jupyter_core.utils import run_sync

    sockets = Path(tempfile.mkdtemp(prefix="evk-"))
    km = _manager_class()(kernel_name="python3", transport="ipc", ip=str(sockets / "kernel"),
                          kernel_spec_manager=this_python_kernels())
    from . import forkserver

    if (_keeping or _forking) and forkserver.enabled():  # a worker: forked from its server (:mod:`.forkserver`)
        km.kernel_id = str(uuid.uuid4())
        km.provisioner = forkserver.provisioner_class()(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    _KERNELS.add(km)
    kernel = Kernel(km, sockets)
    try:
        run_sync(km.start_kernel)(extra_arguments=["--HistoryManager.hist_file=:memory:",
                                                   f"--IPKernelApp.exec_lines={PRELOAD}"])
    except BaseException:
        discard(kernel)
        raise
    return kernel


def discard(kernel: Kernel) -> None:
    """Kill ``kernel`` now (nothing in it is worth waiting for) and release its files and sockets."""
    from jupyter_core.utils import run_sync

    _kill(kernel.manager)
    process = getattr(getattr(kernel.manager, "provisioner", None), "process", None)
    try:
        if process is not None:
            process.wait(timeout=5)  # at once: jupyter_client would poll every 0.1 s
        run_sync(kernel.manager.shutdown_kernel)(now=True)
    except Exception as exc:  # a kernel that never started, or went already: nothing more to release
        log.debug("shutting down a kernel: %s", exc)
    finally:
        for client in kernel.manager.clients:  # nbclient leaves a kernel it did not start to its owner
            client.stop_channels()
        _KERNELS.discard(kernel.manager)
        shutil.rmtree(kernel.sockets, ignore_errors=True)


@functools.cache
def _manager_class():
    """jupyter_client's kernel manager, keeping the clients it makes so :func:`discard` can close them."""
    from jupyter_client.manager import AsyncKernelManager

    class Manager(AsyncKernelManager):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.clients: list = []

        def client(self, **kwargs):
            client = super().client(**kwargs)
            self.clients.append(client)
            return client

    return Manager


def keep_spare() -> None:
    """From now on this process keeps a spare kernel (a pool worker: see the module docstring); it
    is killed when the process exits."""
    global _keeping
    from multiprocessing import util

    from .forkserver import stop_server

    _keeping = True
    util.Finalize(None, drop_spare, exitpriority=10)
    util.Finalize(None, stop_server, exitpriority=9)


def fork_kernels() -> None:
    """From now on this process forks its kernels from its fork server without keeping a spare (a
    Dask worker of several threads: see the module docstring)."""
    global _forking
    _forking = True


def stop_keeping() -> None:
    """Undo :func:`keep_spare` and :func:`fork_kernels`: kill every kernel this process runs, the
    spare with its files, and stop the fork server (what a Dask worker does when it closes)."""
    global _keeping, _forking
    from .forkserver import stop_server

    _keeping = _forking = False
    kill_kernels()
    drop_spare()
    stop_server()


def start_spare() -> None:
    """Start the spare kernel, if this process keeps one and has none; a kernel that cannot be
    started now is left for the next department to start (and report)."""
    global _spare
    if not _keeping or _spare is not None:
        return
    try:
        _spare = start_kernel()
    except Exception as exc:
        log.warning("could not start a kernel ahead: %s", exc)


def take_kernel() -> Kernel:
    """A kernel for one department: the spare if there is one still alive (it is no longer the
    spare then), else a new one."""
    global _spare
    kernel, _spare = _spare, None
    if kernel is not None and kernel.alive:
        return kernel
    if kernel is not None:
        discard(kernel)
    return start_kernel()


def drop_spare() -> None:
    """Kill the spare kernel, if any."""
    global _spare
    kernel, _spare = _spare, None
    if kernel is not None:
        discard(kernel)


def this_python_kernels():
    """A kernel-spec manager whose ``python3`` is always this interpreter (the one with evalkit),
    whatever kernels the user's Jupyter folders define, started so that it dies with this process
    (:mod:`evalkit.run.kernel`)."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            spec = get_kernel_dict()
            argv = ["evalkit.run.kernel" if arg == "ipykernel_launcher" else arg for arg in spec["argv"]]
            return KernelSpec(resource_dir="", argv=argv, display_name=spec["display_name"],
                              language=spec["language"], metadata=spec.get("metadata", {}))

    return ThisPython()


class Watchdog:
    """Kills a department's kernel when it runs past its timeout (a whole-department deadline)."""

    def __init__(self, timeout: float):
        self.managers: list = []
        self.timeout, self.fired = timeout, False
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def watch(self, kernel: Kernel) -> None:
        self.managers.append(kernel.manager)
        if self.fired:
            _kill(kernel.manager)

    def _fire(self) -> None:
        self.fired = True
        for km in list(self.managers):
            _kill(km)


def kill_kernels() -> None:
    """Kill every kernel this process is running, with whatever it started (its process group):
    what a worker does when it is told to stop, so no kernel outlives the run."""
    for km in list(_KERNELS):
        _kill(km)


def _kill(km) -> None:
    process = getattr(getattr(km, "provisioner", None), "process", None)
    if process is None or process.poll() is not None:  # gone (and its pid perhaps someone else's now)
        return
    try:
        if os.getpgid(process.pid) == process.pid:  # jupyter_client starts kernels in a session of their own
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:  # already gone
        pass


#: How often, in seconds, the notebook being executed is saved to its partial file (besides at its
#: start and end): papermill saves it before and after every cell, which is most of a department's
#: processor time outside the kernel once charts make it large.
SAVE_EVERY = 5.0


@functools.cache
def papermill_engine() -> str:
    """Register (once) and name papermill's nbclient engine saving the partial notebook at its start,
    at most every :data:`SAVE_EVERY` seconds while it runs, and at its end, whatever happened."""
    from papermill.engines import NBClientEngine, papermill_engines

    class SavingNowAndThen(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            save, last = nb_man.save, [time.monotonic()]

            def now_and_then(**kw):
                if time.monotonic() - last[0] >= SAVE_EVERY:
                    save(**kw)
                    last[0] = time.monotonic()

            nb_man.save = now_and_then
            try:
                return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)
            finally:  # papermill's own last save (after this returns or raises) writes the whole notebook
                del nb_man.save

    papermill_engines.register("evalkit", SavingNowAndThen)
    return "evalkit"
