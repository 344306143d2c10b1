"""Engines: where the departments of a batch run. One interface, two engines:

- :class:`PoolEngine` (the default): long-lived spawned worker processes on this machine
  (:mod:`.workers`); a department whose worker crashed is run once more, then fails.
- :class:`DaskEngine`: one Dask task per department, on a ``LocalCluster`` started here (loopback
  only) or on an existing cluster (``tls://`` by default; plain ``tcp://`` only when asked for
  explicitly, since anyone who can reach a plain scheduler can run code on it). Workers write into
  the output folder themselves, so it must be shared by every worker machine. Each worker forks
  its kernels and starts the next one ahead as a pool worker does (:mod:`.dask_workers`).

An engine is a context manager: entering it starts or connects (and, for Dask, checks that every
worker runs the same evalkit and notebook, before anything is written); :meth:`Engine.run` yields
``(path, result)`` pairs as departments settle, where ``result`` is an :class:`~.department.Outcome`
or a :class:`DepartmentCrash` (the worker died under the department). Dask is imported only by
:class:`DaskEngine`.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..core.source import MAX_BYTES
from ..exceptions import EngineError
from ..iorw import read_regular
from ..paths import notebook_path
from ..pool import Crash as PoolCrash
from .department import error_text, run_department
from .workers import worker_pool

#: Seconds to wait for a scheduler (connection and TLS handshake) before giving up.
CONNECT_TIMEOUT = 20
#: Dask settings of the ``LocalCluster`` evalkit starts, so that its workers cost what the pool's do.
#: Nobody watches its dashboard: no profiler sampling every worker thread every 10 ms, and its
#: event-loop, memory and system checks every second or two instead of 50 and 10 times a second in
#: each of its processes (an idle cluster of 4 workers then costs a fifth of the processor time it
#: would). And glibc's own malloc trimming, as in the pool: Dask's 64 KiB ``MALLOC_TRIM_THRESHOLD_``
#: made each department cost about 5% more processor time (its thread limits stay).
LOCAL_SETTINGS = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                  "distributed.worker.memory.monitor-interval": "1s", "distributed.admin.system-monitor.interval": "2s",
                  "distributed.nanny.pre-spawn-environ": {"OMP_NUM_THREADS": 1, "MKL_NUM_THREADS": 1,
                                                          "OPENBLAS_NUM_THREADS": 1}}




@dataclass(frozen=True)
class DepartmentCrash:
    """A department whose worker died under it: ``kind`` is the error kind its outcome gets."""

    error: str
    kind: str


class PoolEngine:
    """Spawned worker processes on this machine (the module docstring of :mod:`.workers`). Entered, it
    keeps its workers from one :meth:`run` to the next until it is left (``evalkit run``'s overview
    then runs in a worker that has imported everything and has a kernel ready); not entered, each
    :meth:`run` starts and stops its own."""

    def __init__(self, jobs: int | None = 1):
        self.jobs = jobs  # None: as many as the first batch run on it needs (:func:`.batch.run_job`)
        self._kept: contextlib.ExitStack | None = None
        self._pool = None

    def __enter__(self):
        self._kept = self._kept or contextlib.ExitStack()  # entered again: the innermost exit stops the workers
        return self

    def __exit__(self, *exc) -> None:
        kept, self._kept, self._pool = self._kept, None, None
        if kept is not None:
            kept.close()

    def _workers(self):
        """The pool a :meth:`run` uses: its own, or the one kept while the engine is entered."""
        if self._kept is None:
            return worker_pool(self.jobs)
        if self._pool is None:
            self._pool = self._kept.enter_context(worker_pool(self.jobs))
        return contextlib.nullcontext(self._pool)

    def run(self, paths: list[Path], out: Path, *, formats, timeout: float, task=run_department) -> Iterator:
        """Yield ``(path, Outcome | DepartmentCrash)`` per department; a department whose worker died runs once more.
        Leaving (the end, Ctrl-C, SIGTERM, the caller stopping) stops every worker and its kernels (at the end of
        the run or, entered, when the engine is left)."""
        pending, retried = list(paths), set()
        with self._workers() as pool:
            while pending:
                batch, pending = pending, []
                for i, result in pool.imap(_run_one, [(task, path, out, tuple(formats), timeout) for path in batch]):
                    path = batch[i]
                    if isinstance(result, PoolCrash) and path not in retried:
                        retried.add(path)
                        pending.append(path)
                    elif isinstance(result, PoolCrash):
                        yield path, DepartmentCrash(f"worker process crashed twice ({result.error})",
                                                    "BrokenProcessPool")
                    else:
                        yield path, result


def _run_one(task, path: Path, out: Path, formats: tuple, timeout: float):
    """``task`` for one department, in a worker; an exception it raises is that department's crash."""
    try:
        return task(path, out, formats=formats, timeout=timeout)
    except Exception as exc:
        return DepartmentCrash(error_text(exc), type(exc).__name__)


def check_cluster_address(address: str, *, allow_insecure: bool = False) -> str:
    """``address`` if evalkit may use it: ``tls://`` always, ``tcp://`` only with ``allow_insecure``.

    >>> check_cluster_address("tls://10.0.0.5:8786")
    'tls://10.0.0.5:8786'
    """
    scheme = address.split("://", 1)[0] if "://" in address else ""
    if scheme == "tls" or (scheme == "tcp" and allow_insecure):
        return address
    if scheme == "tcp":
        raise EngineError(f"refusing plain {address}: anyone who can reach an unencrypted scheduler can run code on "
                          "its workers; use tls:// with --tls-ca-file/--tls-cert/--tls-key, or pass --allow-insecure "
                          "to accept the risk")
    raise EngineError(f"cluster address {address!r}: expected tls://HOST:PORT (or tcp://HOST:PORT with --allow-insecure)")


def worker_identity(notebook: str) -> dict:
    """What must be the same on every worker and the client: evalkit's version and code, the notebook."""
    from ..core.provenance import version_of
    from ..stamps.fingerprint import notebooks_digest, package_digest

    return {"evalkit": version_of("evalkit"), "code": package_digest(),
            "notebook": notebooks_digest(Path(notebook))}  # the project notebook too


def _check_tls(cluster: str, tls: dict) -> None:
    """A ``tls://`` cluster needs this client's certificate and key (Dask's TLS is mutual), and the
    files named must be there."""
    if cluster.startswith("tls://") and not (tls.get("cert") and tls.get("key")):
        raise EngineError(f"{cluster} needs this client's certificate: pass --tls-cert and --tls-key "
                          "(and --tls-ca-file for the CA that signed the scheduler's)")
    missing = [f"{name} {path}" for name, path in tls.items() if path and not Path(path).is_file()]
    if missing:
        raise EngineError(f"TLS file(s) not found: {', '.join(missing)}")
    _check_tls_files(tls)


def _check_tls_files(tls: dict) -> None:
    """Load the TLS files as Python's ``ssl`` would, so a file that is not a key, a certificate or a
    CA is named as the user's mistake here, not as a Dask internal later."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if tls.get("cert") and tls.get("key"):
        try:
            context.load_cert_chain(tls["cert"], tls["key"])
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise EngineError(f"--tls-cert {tls['cert']} and --tls-key {tls['key']} are not a PEM certificate and "
                              f"its private key ({exc.__class__.__name__}: {getattr(exc, 'reason', None) or exc}); "
                              "pass this client's certificate and the key it was made with") from None
    if tls.get("ca_file"):
        try:
            context.load_verify_locations(cafile=tls["ca_file"])
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise EngineError(f"--tls-ca-file {tls['ca_file']} is not a PEM CA certificate "
                              f"({exc.__class__.__name__}: {getattr(exc, 'reason', None) or exc})") from None


def task_key(path: Path) -> str:
    """A department's Dask task key: ``evalkit-<file name>-<hash of the file's path and bytes>``,
    one per params file of a batch (two files alike, invalid ones, are two tasks), in ASCII; the
    file is read without blocking (a FIFO or a device is hashed by its path alone, and fails in its
    task).

    >>> task_key(Path("/nowhere/部门 2023.yaml"))
    'evalkit-_2023-afe08ad26db7'
    """
    digest = hashlib.sha256(str(Path(path).absolute()).encode("utf-8", "surrogateescape"))
    try:
        digest.update(read_regular(path, MAX_BYTES))
    except (OSError, ValueError):
        pass
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(path).stem)[:80]
    return f"evalkit-{name}-{digest.hexdigest()[:12]}"


def _connect_reason(exc: BaseException) -> str:
    """Why a connection failed, in the user's terms where Dask's words are its internals'."""
    text = " ".join(str(e) for e in (exc, exc.__cause__, exc.__context__) if e is not None)
    if "cannot convert to SSL" in text or "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
        return ("the server did not answer in TLS: it is not a tls:// Dask scheduler (a plain tcp:// one, or "
                "another service on that port?)")
    if "TLS expects a `ssl_context`" in text:
        return "the TLS settings could not be used; check --tls-ca-file, --tls-cert and --tls-key"
    return error_text(exc)


class DaskEngine:
    """One Dask task per department, on a loopback ``LocalCluster`` of ``jobs`` workers or on the
    cluster at ``cluster`` (see :func:`check_cluster_address`; ``tls`` is a dict of
    ``ca_file``, ``cert``, ``key`` for :class:`distributed.security.Security`)."""

    def __init__(self, jobs: int = 1, *, cluster: str | None = None, tls: dict | None = None,
                 allow_insecure: bool = False, connect_timeout: float = CONNECT_TIMEOUT,
                 allowed_failures: int = 1):
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise EngineError(f"--jobs must be a whole number of workers of at least 1, got {jobs!r}")
        if cluster is not None:
            check_cluster_address(cluster, allow_insecure=allow_insecure)
            _check_tls(cluster, tls or {})
        self.jobs, self.cluster, self.tls = jobs, cluster, tls or {}
        self.connect_timeout, self.allowed_failures = connect_timeout, allowed_failures
        self.client = self._cluster = None

    def __enter__(self):
        try:
            self._connect()
            self._check_workers()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for thing in (self.client, self._cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # closing a cluster that never came up: nothing more to do
                    pass
        self.client = self._cluster = None
        # Dask's client leaves some of its sockets in reference cycles (tornado's streams, a failed
        # handshake): close them now, not whenever the collector next runs in the caller's process.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()

    def _connect(self) -> None:
        import dask
        from distributed import Client, LocalCluster

        if self.cluster is None:
            with dask.config.set({"distributed.scheduler.allowed-failures": self.allowed_failures, **LOCAL_SETTINGS}):
                self._cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                             host="127.0.0.1", dashboard_address=":0", resources={"kernel": 1})
            self.client = Client(self._cluster, timeout=self.connect_timeout)
            return
        security = None
        if self.tls:
            from distributed.security import Security

            security = Security(tls_ca_file=self.tls.get("ca_file"), tls_client_cert=self.tls.get("cert"),
                                tls_client_key=self.tls.get("key"), require_encryption=True)
        try:
            self.client = Client(self.cluster, security=security, timeout=self.connect_timeout)
        except Exception as exc:  # OSError, TimeoutError, a refused TLS handshake, …
            raise EngineError(f"cannot reach the Dask scheduler at {self.cluster} within "
                              f"{self.connect_timeout:g} s: {_connect_reason(exc)}") from None

    def _check_workers(self) -> None:
        """Every worker runs the client's evalkit and notebook and offers the ``kernel`` resource; then each is set up."""
        notebook = str(notebook_path("department"))
        mine = worker_identity(notebook)
        theirs = self.client.run(worker_identity, notebook)
        if not theirs:
            raise EngineError(f"the Dask cluster at {self.client.scheduler.address} has no workers")
        differ = sorted(addr for addr, ident in theirs.items() if ident != mine)
        if differ:
            first = theirs[differ[0]]
            what = [k for k in mine if first.get(k) != mine[k]]
            raise EngineError(f"{len(differ)} Dask worker(s) ({', '.join(differ)}) run a different "
                              f"{' and '.join(what)} than this client (evalkit {mine['evalkit']}); install the "
                              "same evalkit on every worker; nothing was written")
        workers = self.client.scheduler_info().get("workers", {})
        if not any("kernel" in (w.get("resources") or {}) for w in workers.values()):
            raise EngineError("no Dask worker offers the 'kernel' resource; start workers with "
                              "--resources kernel=1 (one notebook kernel at a time each)")
        # kernels forked on every worker and the heavy libraries imported before its first task, as in
        # the pool (:mod:`.dask_workers`; workers that join later get it from the scheduler)
        from .dask_workers import KernelPlugin

        self.client.register_plugin(KernelPlugin())

    def run(self, paths: list[Path], out: Path, *, formats, timeout: float, task=run_department) -> Iterator:
        """Yield ``(path, Outcome | DepartmentCrash)`` per department; a worker lost under a department makes it
        a ``KilledWorker`` crash (after the scheduler's ``allowed-failures`` retries)."""
        from distributed import as_completed as dask_completed
        from distributed.client import FutureCancelledError
        from distributed.scheduler import KilledWorker

        futures = {}
        for path in paths:
            future = self.client.submit(task, path, out, formats=tuple(formats), timeout=timeout, pure=False,
                                        key=task_key(path), resources={"kernel": 1})
            futures[future.key] = (future, path)
        try:
            for future in dask_completed([f for f, _ in futures.values()]):
                path = futures[future.key][1]
                try:
                    yield path, future.result()
                except KilledWorker as exc:
                    yield path, DepartmentCrash(f"the Dask worker running it died: {exc}", "KilledWorker")
                except FutureCancelledError as exc:
                    yield path, DepartmentCrash(f"the Dask task was cancelled (worker lost?): {exc}", "KilledWorker")
                except Exception as exc:  # a result that cannot cross to the client, a lost scheduler
                    yield path, DepartmentCrash(error_text(exc), type(exc).__name__)
        except BaseException:  # stop what has not started; running kernels go with the cluster
            self.client.cancel([f for f, _ in futures.values()], force=True)
            raise
