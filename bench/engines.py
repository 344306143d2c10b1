"""Benchmark: the Dask engine (a ``LocalCluster`` of 2 single-threaded workers) against the process
pool (2 jobs) on the same departments, measured in one run (a figure, not a test).

Both run ``run_batch`` on N copies of the worked example (default 20) with ``--formats html,pdf``
(as ``bench/run_vs_naive.py``) into fresh folders, alternating pool and Dask for ``--rounds``
rounds. The Dask wall time includes starting the cluster and checking its workers; that start is
also printed on its own.

    .venv/bin/python bench/engines.py [-n 20] [--jobs 2] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run_vs_naive import make_copies  # noqa: E402

FORMATS = ("html", "pdf")


def run_pool(paths: list[Path], out: Path, jobs: int) -> float:
    from evalkit.run.batch import run_batch

    started = time.perf_counter()
    outcomes = run_batch(paths, out, jobs=jobs, formats=FORMATS, force=True, progress=False)
    wall = time.perf_counter() - started
    _check(outcomes)
    return wall


def run_dask(paths: list[Path], out: Path, jobs: int) -> tuple[float, float]:
    from evalkit.run.batch import run_batch
    from evalkit.run.engines import DaskEngine

    started = time.perf_counter()
    with DaskEngine(jobs) as engine:
        ready = time.perf_counter() - started
        outcomes = run_batch(paths, out, formats=FORMATS, force=True, progress=False, engine=engine)
    wall = time.perf_counter() - started
    _check(outcomes)
    return wall, ready


def _check(outcomes) -> None:
    failed = [o for o in outcomes if o.status != "ok"]
    if failed:
        raise SystemExit(f"{len(failed)} department(s) failed: {failed[0].error}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="departments (copies of the worked example)")
    parser.add_argument("--jobs", type=int, default=2, help="pool worker processes and Dask workers")
    parser.add_argument("--rounds", type=int, default=1, help="pool and Dask runs, alternating")
    args = parser.parse_args()
    # offline, Dask cannot find this machine's address and says so; the cluster is on loopback
    warnings.filterwarnings("ignore", message=".*could not determine host IP.*")
    warnings.filterwarnings("ignore", message="Couldn't detect a suitable IP address")
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    pool_walls, dask_walls, starts = [], [], []
    try:
        (work / "params").mkdir()
        paths = make_copies(work / "params", args.n)
        print(f"{args.n} departments (--formats html,pdf), {os.cpu_count()} cores, load {_load()} at the start",
              flush=True)
        for i in range(args.rounds):
            pool_walls.append(run_pool(paths, work / f"pool-{i}", args.jobs))
            print(f"  process pool ({args.jobs} jobs): {pool_walls[-1]:.1f} s", flush=True)
            wall, ready = run_dask(paths, work / f"dask-{i}", args.jobs)
            dask_walls.append(wall)
            starts.append(ready)
            print(f"  Dask LocalCluster ({args.jobs} workers × 1 thread): {wall:.1f} s "
                  f"(of which {ready:.1f} s starting the cluster)", flush=True)
        pool, dask = statistics.median(pool_walls), statistics.median(dask_walls)
        print(f"\n{'':38}{'wall (s)':>10}{'per dept (s)':>14}")
        print(f"{f'process pool, {args.jobs} jobs':38}{pool:10.1f}{pool / args.n:14.2f}")
        print(f"{f'Dask LocalCluster, {args.jobs} workers':38}{dask:10.1f}{dask / args.n:14.2f}")
        print(f"\nDask wall ÷ pool wall: {dask / pool:.2f} (Dask without its start: "
              f"{(dask - statistics.median(starts)) / pool:.2f}); load {_load()} at the end")
        print("Dask workers start each department's kernel when it begins; pool workers start the next "
              "one while a department is exported (evalkit/run/kernels.py).")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":  # Dask's nanny processes need the guard
    sys.exit(main())
