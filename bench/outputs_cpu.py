"""Benchmark: processor time per department, output by output, and `make demo`'s wall time.

Runs ``evalkit run`` (``--jobs 2``, a fresh output folder each time) on the six departments the
speed check uses — the worked example and five demo departments, each with its project tables,
monitoring file and last year's result — once per set of formats, each set adding one output:

    html                 the notebook, its HTML appendix (and the overview), 自评报告 and 复核意见书 as HTML
    html,pdf             + the appendix PDF, 自评报告 and 复核意见书 as PDF (and each project table's PDF)
    html,pdf,docx        + 自评报告 and 复核意见书 in Word (and each project table)
    html,pdf,docx,xlsx   + 绩效自评表.xlsx (and each project's)

It counts the processor time of the whole command and everything it started (workers, fork
servers, kernels), as ``/usr/bin/time`` would: user + system. The run of one department with every
output, subtracted from that of the six, splits the total into what each department costs and
what the run costs once (start-up, the overview).

Then, with ``--demo``, it times what ``make demo`` runs after its set-up: ``evalkit run params/``
and ``evalkit run params/review-demo/`` into a fresh folder.

    .venv/bin/python bench/outputs_cpu.py [--demo] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVALKIT = [sys.executable, "-m", "evalkit.cli"]
DEPARTMENTS = ("dangzheng-office", "demo-education-bureau", "demo-transport-bureau", "demo-audit-bureau",
               "demo-science-technology-bureau", "demo-market-regulation-bureau")
STEPS = ("html", "html,pdf", "html,pdf,docx", "html,pdf,docx,xlsx")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: list, *, env: dict) -> tuple[float, float]:
    """Wall and processor seconds of one command and all it started."""
    before, started = _children_cpu(), time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    wall, cpu = time.perf_counter() - started, _children_cpu() - before
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(map(str, args))}\n{proc.stdout[-2000:]}"
                         f"{proc.stderr[-2000:]}")
    return wall, cpu


def copy_departments(folder: Path, names) -> int:
    folder.mkdir(parents=True)
    for name in names:
        for path in (ROOT / "params").glob(f"{name}-2023*"):
            shutil.copy(path, folder / path.name)
    return len(list(folder.glob("*-2023.yaml")))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--demo", action="store_true", help="also time what `make demo` runs")
    args = parser.parse_args()
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore")
    work = Path(tempfile.mkdtemp(prefix="evalkit-bench-cpu-"))
    try:
        six = copy_departments(work / "six", DEPARTMENTS)
        copy_departments(work / "one", DEPARTMENTS[1:2])
        print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f} at the start; evalkit run --jobs {args.jobs}, "
              f"{six} departments (with their project tables), a fresh output folder each run", flush=True)
        print(f"{'formats':<22}{'wall':>9}{'CPU':>9}{'CPU per department':>21}{'added by the output':>22}")
        previous = 0.0
        totals = {}
        for step in STEPS:
            wall, cpu = run([*EVALKIT, "run", work / "six", "--out", work / f"out-{step}", "--formats", step,
                             "--jobs", str(args.jobs), "--no-progress"], env=env)
            totals[step] = cpu
            per = cpu / six
            print(f"{step:<22}{wall:>8.1f}s{cpu:>8.1f}s{per:>20.2f}s{per - previous:>21.2f}s", flush=True)
            previous = per
        wall, cpu_one = run([*EVALKIT, "run", work / "one", "--out", work / "out-one", "--formats", STEPS[-1],
                             "--jobs", str(args.jobs), "--no-progress"], env=env)
        each = (totals[STEPS[-1]] - cpu_one) / (six - 1)
        print(f"every output: {totals[STEPS[-1]] / six:.2f} s of CPU per department over {six}, start-up and overview "
              f"included (goal 3.0, issue goal 2.0 without them); one department alone {cpu_one:.1f} s, so "
              f"{each:.2f} s per department and {cpu_one - each:.1f} s once per run", flush=True)
        if args.demo:
            out = work / "demo"
            wall_a, cpu_a = run([*EVALKIT, "run", ROOT / "params", "--out", out, "--no-progress"], env=env)
            wall_b, cpu_b = run([*EVALKIT, "run", ROOT / "params" / "review-demo", "--out", out / "review-demo",
                                 "--no-progress"], env=env)
            print(f"make demo (after set-up): {wall_a + wall_b:.1f} s wall, {cpu_a + cpu_b:.1f} s CPU "
                  f"(params/ {wall_a:.1f} s, review-demo {wall_b:.1f} s; goal under 60 s wall)", flush=True)
        print(f"load {os.getloadavg()[0]:.2f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
