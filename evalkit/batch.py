"""Batches: which departments to run, running them in long-lived worker processes, and the
``evalkit run`` job around that (index pages, district overview, summary table, exit code)."""

from __future__ import annotations

import json
import os
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path

from .evaluation import evaluate
from .fingerprint import fingerprint
from .index import INVALID_DIR, write_index
from .iorw import write_atomic
from .paths import department_dir, notebook_path, output_files
from .runner import (
    APPENDIX_FORMATS,
    FORMATS,
    STAMP,
    Outcome,
    clear_outputs,
    error_text,
    record_failure,
    run_department,
    run_overview,
)
from .text import table

STATUS = {"ok": "成功 ok", "skipped": "未变 skipped", "failed": "失败 FAILED"}


def discover(items: list[str | Path]) -> list[Path]:
    """Params files: every ``*.yaml`` in a named folder, or the files named."""
    found: list[Path] = []
    for item in items:
        p = Path(item)
        found += sorted(x for x in p.glob("*.yaml") if not x.name.startswith(".")) if p.is_dir() else [p]
    return list(dict.fromkeys(found))


def is_current(ev, out: Path, formats) -> bool:
    """Whether the last successful run used exactly these inputs and its outputs are all still there."""
    d = ev.params.department
    folder = department_dir(out, d.year, d.id)
    stamp = folder / STAMP
    if not stamp.is_file() or not all((folder / name).is_file() for name in output_files(formats)):
        return False
    try:
        previous = json.loads(stamp.read_text(encoding="utf-8"))
    except ValueError:
        return False
    current = fingerprint(ev.params, ev.scheme, notebook_path("department"), tuple(formats))
    return previous == json.loads(json.dumps(current))


def peek_identity(path: Path) -> tuple[str | None, int | None]:
    """A failing params file's department id and year, read leniently, so its error lands in its
    own folder (and replaces any older appendix there)."""
    import re

    import yaml

    from .params import DEPARTMENT_ID, YEARS

    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        dept = data["department"]
        dept_id, year = str(dept["id"]), int(dept["year"])
    except Exception:  # anything unreadable simply has no identity
        return None, None
    if not re.fullmatch(DEPARTMENT_ID, dept_id) or not YEARS[0] <= year <= YEARS[1]:
        return None, None
    return dept_id, year


def plan_batch(paths: list[Path], out: Path, *, formats, force: bool) -> tuple[list[Path], list[Outcome]]:
    """Split params files into those to run and those settled now (unchanged, invalid, duplicate)."""
    settled: list[Outcome] = []
    valid = []
    for path in paths:
        try:
            valid.append((path, evaluate(path)))
        except Exception as exc:  # a broken file must not stop the batch
            dept_id, year = peek_identity(path)
            settled.append(Outcome(params=str(path), status="failed", department_id=dept_id, year=year,
                                   error=error_text(exc),
                                   error_kind=type(exc).__name__))
    owners: dict[tuple[int, str], list[Path]] = {}
    for path, ev in valid:
        owners.setdefault((ev.department.year, ev.department.id), []).append(path)
    todo = []
    for path, ev in valid:
        d = ev.params.department
        others = [str(p) for p in owners[(d.year, d.id)] if p != path]
        if others:
            settled.append(Outcome(params=str(path), status="failed", department_id=d.id, name=d.name, year=d.year,
                                   error_kind="DuplicateDepartmentError",
                                   error=f"department id '{d.id}' for {d.year} is also used by {', '.join(others)}; "
                                         "each department-year needs its own id (department.id)"))
        elif not force and is_current(ev, out, formats):
            settled.append(Outcome(params=str(path), status="skipped", department_id=d.id, name=d.name, year=d.year,
                                   score=ev.score_text(), grade=ev.grade_text(), findings=ev.severity_counts(),
                                   out_dir=str(department_dir(out, d.year, d.id))))
        else:
            todo.append(path)
    return todo, settled


def _warm_up() -> None:
    """Import the heavy libraries once per worker, not once per department."""
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401

    from . import export  # noqa: F401


def run_batch(items: list[str | Path], out: str | Path = "reports", *, jobs: int | None = None, force: bool = False,
              formats=FORMATS, timeout: float = 600, progress: bool | None = None,
              on_outcome=None) -> list[Outcome]:
    """Run every department in ``items`` (files or folders) in ``jobs`` worker processes."""
    from tqdm import tqdm

    out = Path(out)
    paths = discover(items)
    todo, outcomes = plan_batch(paths, out, formats=formats, force=force)
    for o in outcomes:
        if o.failed and o.department_id and o.year is not None:
            folder = department_dir(out, o.year, o.department_id)
            if folder.is_dir():
                clear_outputs(folder)  # an older run's notebook would pass for this run's
            o.out_dir = str(record_failure(folder, o))
    for o in outcomes:
        if on_outcome:
            on_outcome(o)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    size = shutil.get_terminal_size((100, 24))  # a 0×0 pseudo-terminal would make tqdm hide the bar
    bar = tqdm(total=len(todo), unit="dept", desc="evalkit run", disable=progress is False or not todo,
               ncols=min(size.columns or 100, 120), nrows=size.lines or 24)
    pending = list(todo)
    retried: set[Path] = set()
    while pending:
        batch, pending = pending, []
        with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), initializer=_warm_up) as pool:
            futures = {pool.submit(run_department, path, out, formats=tuple(formats), timeout=timeout): path
                       for path in batch}
            for future in as_completed(futures):
                path = futures[future]
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    if path not in retried:
                        retried.add(path)
                        pending.append(path)
                        continue
                    outcome = Outcome(params=str(path), status="failed", error="worker process crashed twice",
                                      error_kind="BrokenProcessPool")
                except Exception as exc:  # e.g. a result that cannot cross the process boundary
                    outcome = Outcome(params=str(path), status="failed", error=error_text(exc),
                                      error_kind=type(exc).__name__)
                outcomes.append(outcome)
                bar.update(1)
                bar.set_postfix_str(f"{outcome.department_id or path.stem}: {outcome.status}")
                if on_outcome:
                    on_outcome(outcome)
    bar.close()
    order = {str(p): i for i, p in enumerate(paths)}
    outcomes.sort(key=lambda o: order.get(o.params, len(order)))
    return outcomes


def run(items, *, out: Path = Path("reports"), jobs: int | None = None, force: bool = False, formats=FORMATS,
        timeout: float = 600, progress: bool | None = None, stream=None) -> int:
    """Run a batch, write indexes, print the summary; 0 when every department succeeded."""
    stream = stream or sys.stdout
    interactive = progress is not False and sys.stderr.isatty()

    def report(outcome: Outcome) -> None:
        if not interactive:
            print(f"{STATUS[outcome.status]:<14} {outcome.department_id or outcome.params}"
                  f"  {outcome.seconds:.1f}s", file=sys.stderr, flush=True)

    outcomes = run_batch(items, out, jobs=jobs, force=force, formats=formats, timeout=timeout,
                         progress=interactive, on_outcome=report)
    _record_invalid(Path(out), outcomes)
    years = sorted({o.year for o in outcomes if o.year is not None})
    outcomes += _overviews(items, Path(out), years, outcomes, force=force, formats=formats, timeout=timeout,
                           report=report)
    indexes = [write_index(Path(out), year) for year in years]
    print(summary(outcomes), file=stream)
    for path in indexes:
        print(f"index: {path}", file=stream)
    failed = [o for o in outcomes if o.failed]
    for o in failed:
        print(f"\nFAILED {o.params}: {o.error_kind}\n{o.error}", file=stream)
        if o.out_dir:
            print(f"  partial notebook and error.json kept in {o.out_dir}", file=stream)
    return 1 if failed else 0


def _overviews(items, out: Path, years, outcomes, *, force, formats, timeout, report) -> list[Outcome]:
    """One district overview per year, when the batch is one folder and something changed."""
    folders = {Path(i) for i in items if Path(i).is_dir()}
    if len(folders) != 1 or len(folders) != len(list(items)):
        return []
    folder = folders.pop()
    wanted = [f"overview.{f}" for f in formats if f in APPENDIX_FORMATS]
    if not wanted:  # --formats docx,xlsx: no appendices, so no overview either
        return []
    done = []
    for year in years:
        changed = any(o.year == year and o.status != "skipped" for o in outcomes)
        if force or changed or not all((out / str(year) / name).is_file() for name in wanted):
            outcome = run_overview(folder, out, year, formats=formats, timeout=timeout)
            report(outcome)
            done.append(outcome)
    return done


def summary(outcomes: list[Outcome]) -> str:
    rows = []
    for o in outcomes:
        f = o.findings
        counts = f"{f.get('error', 0)}/{f.get('warning', 0)}/{f.get('info', 0)}" if f else "—"
        rows.append([o.name or Path(o.params).name, o.score or "—", o.grade or "—", counts, STATUS[o.status],
                     f"{o.seconds:.1f}s" if o.status != "skipped" else "—"])
    departments = [o for o in outcomes if o.department_id != "overview"]
    done = sum(1 for o in departments if o.status == "ok")
    skipped = sum(1 for o in departments if o.status == "skipped")
    failed = sum(1 for o in departments if o.failed)
    overviews = [f"overview {o.year}: {o.status}" for o in outcomes if o.department_id == "overview"]
    head = table(["部门", "得分", "评价等级", "问题 错误/警告/提示", "状态", "用时"], rows, right={1, 5})
    tail = f"; {', '.join(overviews)}" if overviews else ""
    return f"{head}\n{len(departments)} departments: {done} run, {skipped} unchanged, {failed} failed{tail}"


def _record_invalid(out: Path, outcomes: list[Outcome]) -> None:
    """Params files that could not be read have no year: keep their error beside the years."""
    folder = out / INVALID_DIR
    for o in outcomes:
        path = folder / f"{Path(o.params).stem}.json"
        if o.failed and o.year is None:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(asdict(o), ensure_ascii=False, indent=2).encode("utf-8"))
        else:
            path.unlink(missing_ok=True)
