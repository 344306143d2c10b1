"""Benchmark: where one department's time goes inside a worker, phase by phase.

Runs ``run_department`` on K copies of the worked example in this process, set up as a pool
worker is (heavy imports done once), and times each phase by wrapping the functions that do it:
kernel start (taking the spare or launching one, then the wait until it answers), each notebook cell (the first one
imports evalkit, pandas and matplotlib in the kernel), kernel shutdown, HTML export, the
appendix PDF, the documents (docx/xlsx and their two PDFs), result.json and the swap. The first
department is a warm-up and is left out of the medians.

    .venv/bin/python bench/department_phases.py [-k 6] [--formats html,pdf]

Prints the median wall time of each phase, this process's CPU time per department and that of
its children (the kernels), and how often each department's params file is parsed and evaluated:
by the run's parent when it plans (a first run: read once for its department id and year, never
evaluated; then a rerun that its stamps settle: not read at all) and by the worker (the kernel's
notebook evaluates it once more, in its own process, not counted here).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from run_vs_naive import make_copies  # noqa: E402

_times: dict[str, float] = defaultdict(float)
_stack: list[str] = []
#: (what, params file name) → calls: "parsed" (load_params, or peek_identity: the run's plan reading a
#: file for its department id and year alone, also counted as "identity") and "evaluated" (evaluate_params).
_counts: dict[tuple[str, str], int] = defaultdict(int)


def _count() -> None:
    """Count the parses and evaluations of each params file in this process."""
    from evalkit.core import evaluation, params
    from evalkit.run import batch, department

    def counted(whats, fn, name_of):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            for what in whats:
                _counts[what, Path(str(name_of(args[0]))).name] += 1
            return fn(*args, **kwargs)
        return wrapper

    params.load_params = evaluation.load_params = counted(("parsed",), params.load_params, lambda p: p)
    evaluation.evaluate_params = counted(("evaluated",), evaluation.evaluate_params, lambda p: p.source)
    department.peek_identity = batch.peek_identity = counted(("parsed", "identity"), department.peek_identity,
                                                             lambda p: p)


def _counts_of(paths) -> str:
    names = {Path(p).name for p in paths}
    per = {what: [_counts[what, n] for n in names] for what in ("parsed", "identity", "evaluated")}
    text = {what: f"{min(v)}–{max(v)}×" if min(v) != max(v) else f"{v[0]}×" for what, v in per.items()}
    identity = f" ({text['identity']} for its identity)" if any(per["identity"]) else ""
    return f"parsed {text['parsed']}{identity}, evaluated {text['evaluated']}"


def _timed(name, fn):
    """``fn`` wrapped so that its wall time is added to phase ``name`` (``{cell}`` is the cell index)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        label = name
        if "{cell}" in name:
            label = name.format(cell=args[2] if len(args) > 2 else kwargs.get("cell_index"))
        if _stack and _stack[-1].startswith("documents") and label == "appendix pdf":
            label = "documents: pdf"
        _stack.append(label)
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _times[label] += time.perf_counter() - started
            _stack.pop()

    return wrapper


def _instrument() -> None:
    import nbclient.client as nbc
    from papermill.clientwrap import PapermillNotebookClient

    from evalkit.publish import documents, exporters
    from evalkit.run import department, kernels, staging

    nbc.NotebookClient.start_new_kernel_client = _timed("kernel: wait until ready",
                                                        nbc.NotebookClient.start_new_kernel_client)
    kernels.take_kernel = _timed("kernel: take (launch if no spare)", kernels.take_kernel)
    kernels.start_spare = _timed("kernel: launch the spare", kernels.start_spare)
    kernels.discard = _timed("kernel: kill", kernels.discard)
    PapermillNotebookClient.execute_cell = _timed("cell {cell}", PapermillNotebookClient.execute_cell)
    department.evaluate = _timed("evaluate (worker)", department.evaluate)
    department._execute = _timed("execute (total)", department._execute)
    exporters.OfflineHTMLExporter.from_notebook_node = _timed(
        "appendix html export", exporters.OfflineHTMLExporter.from_notebook_node)
    exporters.render_pdf = _timed("appendix pdf", exporters.render_pdf)
    department._publish = _timed("publish (total)", department._publish)
    documents.write_documents = _timed("documents (total)", documents.write_documents)
    department.stamp = _timed("stamp", department.stamp)
    staging.swap_in = _timed("swap in", staging.swap_in)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", type=int, default=6, help="departments (the first is a warm-up)")
    parser.add_argument("--formats", default="html,pdf,docx,xlsx")
    parser.add_argument("--no-spare", action="store_true", help="start each kernel when its department needs it")
    args = parser.parse_args()
    formats = tuple(args.formats.split(","))
    from evalkit.run import department, kernels, workers

    if not args.no_spare:  # as a pool worker does
        kernels.keep_spare()
        kernels.start_spare()
    workers._warm_up()
    _instrument()
    _count()
    from evalkit.run import batch

    work = Path(tempfile.mkdtemp(prefix="evalkit-phases-"))
    rows: list[dict[str, float]] = []
    counted = []
    try:
        (work / "params").mkdir()
        paths = make_copies(work / "params", args.k)
        batch.plan_batch(paths, work / "reports", formats=formats, force=False)
        counted.append(("the parent's plan, first run", _counts_of(paths)))
        _counts.clear()
        for path in paths:
            _times.clear()
            cpu, children = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            outcome = department.run_department(path, work / "reports", formats=formats, skip_current=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if outcome.failed:
                print(outcome.error, file=sys.stderr)
                return 1
            row = dict(_times)
            row["= department (wall)"] = wall
            row["= this process CPU"] = time.process_time() - cpu
            row["= kernel CPU (children)"] = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
            rows.append(row)
        counted.append(("the worker (run_department)", _counts_of(paths)))
        _counts.clear()
        todo, _ = batch.plan_batch(paths, work / "reports", formats=formats, force=False)
        counted.append((f"the parent's plan, rerun ({len(todo)} to run)", _counts_of(paths)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measured = rows[1:] or rows
    print(f"{args.k - 1} departments after a warm-up, formats {','.join(formats)}, "
          f"{'no spare kernel' if args.no_spare else 'a spare kernel started ahead'}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    names = sorted({n for r in measured for n in r}, key=lambda n: (n.startswith("="), _order(n), n))
    for name in names:
        print(f"  {name:34}{statistics.median(r.get(name, 0.0) for r in measured):7.3f} s")
    print("each department's params file, per department:")
    for where, text in counted:
        print(f"  {where:42}{text}")
    return 0


def _order(name: str) -> int:
    prefixes = ("evaluate", "execute", "kernel", "cell", "publish", "appendix", "documents", "fingerprint", "swap")
    return next((i for i, p in enumerate(prefixes) if name.startswith(p)), len(prefixes))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
