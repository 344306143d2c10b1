"""Benchmark: `evalkit run` against the naive loop a user would write, measured in one run.

The naive loop, per department: `papermill` CLI, then `jupyter nbconvert --to evalkit_html`, then
`jupyter nbconvert --to evalkit_pdf` (the same notebook and exporters, so the only difference is
how the work is organised). Both run on N copies of the worked example (default 20).

    .venv/bin/python bench/run_vs_naive.py [-n 20] [--jobs 2] [--compare OTHER_CHECKOUT]

Prints total wall time for each, the ratio, the per-department median, and the machine's cores
and load. ``evalkit run`` is this checkout's (``python -m evalkit.cli`` with this folder first on
``PYTHONPATH``); ``--compare`` also times another checkout's (say, the previous commit's, from
``git worktree add``) in the same run, right after this one's.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEED = ROOT / "params" / "dangzheng-office-2023.yaml"


def make_copies(folder: Path, n: int) -> list[Path]:
    text = SEED.read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        path = folder / f"bench-{i:03d}.yaml"
        path.write_text(re.sub(r"id: dangzheng-office", f"id: bench-{i:03d}", text, count=1), encoding="utf-8")
        paths.append(path)
    return paths


def naive(paths: list[Path], out: Path) -> list[float]:
    times = []
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    for path in paths:
        started = time.perf_counter()
        nb = out / f"{path.stem}.ipynb"
        subprocess.run([BIN / "papermill", ROOT / "notebooks" / "department.ipynb", nb, "-p", "params_file", path,
                        "--no-progress-bar"], check=True, capture_output=True, env=env)
        for fmt in ("evalkit_html", "evalkit_pdf"):
            subprocess.run([BIN / "jupyter", "nbconvert", "--to", fmt, nb, "--output-dir", out], check=True,
                           capture_output=True, env=env)
        times.append(time.perf_counter() - started)
        print(f"  naive {path.stem}: {times[-1]:.1f} s", flush=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="departments (copies of the worked example)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="evalkit worker processes")
    parser.add_argument("--compare", type=Path, help="another checkout of evalkit to time in the same run")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    try:
        params = work / "params"
        params.mkdir()
        paths = make_copies(params, args.n)
        print(f"{args.n} departments, {os.cpu_count()} cores, load {_load()} at the start, evalkit --jobs {args.jobs}")
        print("naive loop (papermill CLI + 2 × jupyter nbconvert per department):", flush=True)
        (work / "naive").mkdir()
        started = time.perf_counter()
        naive_times = naive(paths, work / "naive")
        naive_wall = time.perf_counter() - started
        runs = [("evalkit run", ROOT)] + ([(f"evalkit run ({args.compare.name})", args.compare)]
                                           if args.compare else [])
        timed = []
        for i, (label, checkout) in enumerate(runs):
            print(f"{label}:", flush=True)
            wall, per_dept, made = evalkit_run(paths, work / f"reports-{i}", checkout, args.jobs)
            if made != args.n:
                return 1
            timed.append((label, wall, per_dept))
        print(f"\n{'':32}{'wall (s)':>10}{'per dept (s)':>14}{'median dept (s)':>17}")
        print(f"{'naive loop':32}{naive_wall:10.1f}{naive_wall / args.n:14.2f}{statistics.median(naive_times):17.2f}")
        for label, wall, per_dept in timed:
            print(f"{label:32}{wall:10.1f}{wall / args.n:14.2f}"
                  f"{statistics.median(per_dept) if per_dept else float('nan'):17.2f}")
        print()
        for label, wall, _ in timed:
            print(f"speed-up (naive wall ÷ {label} wall): {naive_wall / wall:.2f}×")
        print(f"{args.n}/{args.n} PDF appendices made by each evalkit run; load {_load()} at the end.")
        print("evalkit's per-department median is the time inside one worker; departments overlap across workers.")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def evalkit_run(paths: list[Path], out: Path, checkout: Path, jobs: int) -> tuple[float, list[float], int]:
    """``evalkit run`` of ``checkout`` on ``paths``: wall time, per-department times, PDFs made."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    started = time.perf_counter()
    # The files, not the folder: the naive loop makes no district overview, so neither may this.
    proc = subprocess.run([sys.executable, "-m", "evalkit.cli", "run", *paths, "--out", out, "--force",
                           "--jobs", str(jobs), "--no-progress", "--formats", "html,pdf"],
                          capture_output=True, text=True, env=env, cwd=checkout)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, file=sys.stderr)
    per_dept = [float(m) for m in re.findall(r"(\d+\.\d)s\s*$", proc.stdout, flags=re.M)]
    print(f"  {wall:.1f} s", flush=True)
    return wall, per_dept, len(list(out.glob("*/*/appendix.pdf")))


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
