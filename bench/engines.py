"""Benchmark: the Dask engine (a loopback ``LocalCluster`` of single-threaded workers) against the
process pool, with 1, 2 and 4 workers each, on the same departments, measured in one run (a figure,
not a test).

Both run ``run_batch`` on the first N shipped department params files (default 8, with their side
tables, projects and last year's results) with ``--formats html`` into fresh folders. For each
number of workers the pool and Dask run one after the other, in turn first, for ``--rounds``
rounds; the median of each is shown. Both walls include starting the workers (the pool's spawned
processes, Dask's cluster, its check of the workers and their set-up); Dask's start is also shown
on its own. CPU seconds (this process, the Dask scheduler in it, and every worker, fork server and
kernel, counted as each ends) are shown beside the walls: on a busy machine they vary far less. The
load average is printed at the start and the end: on a shared machine, only ratios measured in
the same run mean anything.

    .venv/bin/python bench/engines.py [-n 8] [--workers 1 2 4] [--rounds 1] [--formats html]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def shipped_departments(n: int) -> list[Path]:
    """The first ``n`` department params files in params/ (not their projects' or monitoring files)."""
    found = sorted(p for p in (ROOT / "params").glob("*-20[0-9][0-9].yaml"))
    if n > len(found):
        raise SystemExit(f"-n {n}: params/ ships only {len(found)} department params files")
    return found[:n]


def cpu_seconds() -> float:
    """Processor time of this process and of every process it started that has ended (workers, their
    fork servers and kernels), user and system. A kernel or fork server whose worker was stopped
    before it could wait for it is reparented to this process (:func:`adopt_orphans`) and reaped
    here, so its time is counted too."""
    _reap_orphans()
    return sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))


def adopt_orphans() -> None:
    """Make this process the subreaper of everything it starts (Linux ``PR_SET_CHILD_SUBREAPER``)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)


def _reap_orphans(settle: float = 2.0) -> None:
    """Wait for adopted processes that have ended or end within ``settle`` seconds (none of them is
    this process's own child object: the pool's and Dask's processes are gone by the time it runs)."""
    deadline = time.monotonic() + settle
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)


def run_pool(paths: list[Path], out: Path, jobs: int, formats: tuple) -> tuple[float, float, float]:
    """The pool's wall time, its start (none on its own: its workers start as it runs) and CPU time."""
    from evalkit.run.batch import run_batch

    cpu, started = cpu_seconds(), time.perf_counter()
    outcomes = run_batch(paths, out, jobs=jobs, formats=formats, force=True, progress=False)
    wall = time.perf_counter() - started
    _check(outcomes, "pool")
    return wall, 0.0, cpu_seconds() - cpu


def run_dask(paths: list[Path], out: Path, jobs: int, formats: tuple) -> tuple[float, float, float]:
    """Dask's wall time, from creating the engine to its cluster closed, how much of it starting
    the cluster took (``run_batch`` enters the engine itself), and CPU time."""
    from evalkit.run.batch import run_batch
    from evalkit.run.engines import DaskEngine

    class Timed(DaskEngine):
        ready = None

        def __enter__(self):
            entered = super().__enter__()
            self.ready = time.perf_counter()
            return entered

    cpu, started = cpu_seconds(), time.perf_counter()
    engine = Timed(jobs)
    outcomes = run_batch(paths, out, formats=formats, force=True, progress=False, engine=engine)
    wall = time.perf_counter() - started
    _check(outcomes, "Dask")
    return wall, engine.ready - started, cpu_seconds() - cpu


def _check(outcomes, engine: str) -> None:
    failed = [o for o in outcomes if o.status != "ok"]
    if failed:
        raise SystemExit(f"{engine}: {len(failed)} department(s) failed: {failed[0].params}: {failed[0].error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=8, help="departments (the first N shipped params files)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4],
                        help="numbers of pool worker processes and Dask workers to compare")
    parser.add_argument("--rounds", type=int, default=1, help="pool and Dask runs per number of workers")
    parser.add_argument("--formats", default="html", help="comma-separated output formats, as evalkit run's")
    args = parser.parse_args()
    formats = tuple(f for f in args.formats.split(",") if f)
    adopt_orphans()
    # offline, Dask cannot find this machine's address and says so; the cluster is on loopback
    warnings.filterwarnings("ignore", message=".*could not determine host IP.*")
    warnings.filterwarnings("ignore", message="Couldn't detect a suitable IP address")
    paths = shipped_departments(args.n)
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    rows = []
    try:
        print(f"{args.n} shipped departments (--formats {','.join(formats)}), {os.cpu_count()} cores, "
              f"load {_load()} at the start", flush=True)
        for jobs in args.workers:
            runs = {"pool": [], "dask": []}
            for i in range(args.rounds):
                for engine in (("pool", "dask") if i % 2 == 0 else ("dask", "pool")):
                    out = work / f"{engine}-{jobs}-{i}"
                    runs[engine].append((run_pool if engine == "pool" else run_dask)(paths, out, jobs, formats))
                    shutil.rmtree(out, ignore_errors=True)
                (pool, _, pool_cpu), (dask, start, dask_cpu) = runs["pool"][-1], runs["dask"][-1]
                print(f"  {jobs} worker(s), round {i + 1}: pool {pool:.1f} s ({pool_cpu:.1f} s CPU), Dask {dask:.1f} s "
                      f"({dask_cpu:.1f} s CPU; {start:.1f} s starting the cluster), load {_load()}", flush=True)
            rows.append((jobs, *(statistics.median(x) for x in zip(*runs["pool"], strict=True)),
                         *(statistics.median(x) for x in zip(*runs["dask"], strict=True))))
        print(f"\n{'workers':>7}{'pool (s)':>10}{'Dask (s)':>10}{'Dask ÷ pool':>13}{'Dask start':>12}"
              f"{'CPU pool':>10}{'CPU Dask':>10}{'pool speed-up':>15}{'Dask speed-up':>15}")
        base_pool, base_dask = rows[0][1], rows[0][4]
        for jobs, pool, _, pool_cpu, dask, start, dask_cpu in rows:
            print(f"{jobs:7d}{pool:10.1f}{dask:10.1f}{dask / pool:13.2f}{start:12.1f}{pool_cpu:10.1f}{dask_cpu:10.1f}"
                  f"{base_pool / pool:14.2f}×{base_dask / dask:14.2f}×")
        print(f"\nWall and CPU seconds for all {args.n} departments, start-up included (Dask's cluster start is also "
              f"shown alone); speed-up against {rows[0][0]} worker(s) of the same engine. Load {_load()} at the end.")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":  # Dask's nanny processes need the guard
    sys.exit(main())
