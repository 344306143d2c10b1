"""Benchmark: ``Portfolio.load`` of a province from its results (a figure, not a test).

1. ``evalkit demo-data --count N`` (default 10,000) into a temporary folder;
2. what ``evalkit run`` leaves of each department for a portfolio, written cheaply: its
   ``result.json`` (the one result writer) and its stamp, from ``evaluate()`` alone, no notebook;
3. ``Portfolio.load(params, year=…, results=reports)`` in a fresh process: wall time, CPU time and
   peak memory (that process and its largest worker), and how many departments it evaluated.

    python bench/portfolio_results.py [--count 10000] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: What the measuring process runs: the load, then its figures as one JSON line.
MEASURE = """
import json, os, resource, sys, time
import evalkit
from evalkit.portfolio import portfolio
evaluated = []
real = portfolio.evaluate
portfolio.evaluate = lambda *a, **k: evaluated.append(1) or real(*a, **k)
if __name__ == "__main__":
    wall, cpu = time.perf_counter(), time.process_time()
    pf = evalkit.Portfolio.load(sys.argv[1], year=int(sys.argv[2]), results=sys.argv[3])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"load": os.getloadavg()[0], "departments": len(pf.evaluations), "invalid": len(pf.invalid),
                      "portfolio_findings": len(pf.portfolio_findings), "evaluated": len(evaluated), "wall": wall,
                      "cpu": cpu, "children_cpu": children.ru_utime + children.ru_stime,
                      "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "child_peak_mb": children.ru_maxrss / 1024}))
"""


def write_results(paths: list[str], out: str) -> int:
    """Each department's result.json and stamp, as a finished run leaves them (no notebook, no pages)."""
    import evalkit
    from evalkit import outputs
    from evalkit.core.result import result_bytes
    from evalkit.iorw import write_atomic
    from evalkit.paths import department_dir, notebook_path
    from evalkit.stamps.fingerprint import stamp

    written = 0
    for path in paths:
        ev = evalkit.evaluate(path)
        if ev.params.kind != "department":
            continue
        folder = department_dir(Path(out), ev.department.year, ev.department.id)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / outputs.RESULT.filename, result_bytes(ev))
        write_atomic(folder / outputs.STAMP.filename,
                     json.dumps(stamp(ev, notebook_path("department"), (), folder), ensure_ascii=False).encode("utf-8"))
        written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes writing the results")
    args = parser.parse_args()
    from evalkit.demo.generate import generate
    from evalkit.paths import params_files

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="evalkit-portfolio-results-") as tmp:
        params, reports = Path(tmp) / "params", Path(tmp) / "reports"
        start = time.perf_counter()
        generate(params, count=args.count)
        print(f"demo-data --count {args.count}: {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        paths = [str(p) for p in params_files([params])]
        chunks = [paths[i::args.jobs] for i in range(args.jobs)]
        with ProcessPoolExecutor(args.jobs) as pool:
            written = sum(pool.map(write_results, chunks, [str(reports)] * len(chunks)))
        print(f"results and stamps of {written} departments written: {time.perf_counter() - start:.1f} s")
        line = subprocess.run([sys.executable, "-c", MEASURE, str(params), str(args.year), str(reports)],
                              capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        m = json.loads(line)
        print(f"Portfolio.load of {m['departments']} department-years from their results ({m['evaluated']} evaluated, "
              f"{m['invalid']} invalid, {m['portfolio_findings']} cross-department findings): {m['wall']:.1f} s wall, "
              f"{m['cpu']:.1f} s CPU (+{m['children_cpu']:.1f} s in workers), peak memory {m['peak_mb']:.0f} MB "
              f"(largest worker {m['child_peak_mb']:.0f} MB), load {m['load']:.1f}")


if __name__ == "__main__":
    main()
