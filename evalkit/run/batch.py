"""Batches: which departments to run, running them in long-lived worker processes, and the
``evalkit run`` job around that (records of unreadable files, district overviews, index pages).
What to print and which exit code to give is the CLI's business (:mod:`evalkit.cli`)."""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

from .. import outputs
from ..core.evaluation import evaluate
from ..core.params import DEPARTMENT_ID, YEARS, duplicate_departments
from ..iorw import write_atomic
from ..outputs import FORMATS, INVALID_DIR
from ..paths import department_dir, notebook_path, params_files
from ..publish.index import write_index
from .department import (
    Outcome,
    clear_outputs,
    error_text,
    record_failure,
    run_department,
    run_overview,
)
from .fingerprint import fingerprint


def is_current(ev, out: Path, formats) -> bool:
    """Whether the last successful run used exactly these inputs and its outputs are all still there."""
    d = ev.params.department
    folder = department_dir(out, d.year, d.id)
    stamp = folder / outputs.STAMP.filename
    if not stamp.is_file() or not all((folder / o.filename).is_file() for o in outputs.department_outputs(formats)):
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
    clashes = duplicate_departments((path, ev.department) for path, ev in valid)
    todo = []
    for path, ev in valid:
        d = ev.params.department
        if path in clashes:
            settled.append(Outcome(params=str(path), status="failed", department_id=d.id, name=d.name, year=d.year,
                                   error_kind="DuplicateDepartmentError", error=clashes[path]))
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

    from ..publish import exporters as export  # noqa: F401


def run_batch(items: list[str | Path], out: str | Path = "reports", *, jobs: int | None = None, force: bool = False,
              formats=FORMATS, timeout: float = 600, progress: bool | None = None,
              on_outcome=None) -> list[Outcome]:
    """Run every department in ``items`` (files or folders) in ``jobs`` worker processes."""
    from tqdm import tqdm

    out = Path(out)
    paths = params_files(items)
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


@dataclass
class JobReport:
    """What one ``evalkit run`` did: every outcome (departments, then overviews) and the index pages."""

    outcomes: list[Outcome]
    indexes: list[Path]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]


def run_job(items, *, out: Path = Path("reports"), jobs: int | None = None, force: bool = False, formats=FORMATS,
            timeout: float = 600, progress: bool | None = None, on_outcome=None) -> JobReport:
    """Run a batch, keep the records of unreadable files, run the district overviews and write the
    index pages; ``on_outcome`` sees each outcome as it settles."""
    report = on_outcome or (lambda outcome: None)
    outcomes = run_batch(items, out, jobs=jobs, force=force, formats=formats, timeout=timeout,
                         progress=progress, on_outcome=report)
    _record_invalid(Path(out), outcomes)
    years = sorted({o.year for o in outcomes if o.year is not None})
    outcomes += _overviews(items, Path(out), years, outcomes, force=force, formats=formats, timeout=timeout,
                           report=report)
    return JobReport(outcomes, [write_index(Path(out), year) for year in years])


def _overviews(items, out: Path, years, outcomes, *, force, formats, timeout, report) -> list[Outcome]:
    """One district overview per year, when the batch is one folder and something changed."""
    folders = {Path(i) for i in items if Path(i).is_dir()}
    if len(folders) != 1 or len(folders) != len(list(items)):
        return []
    folder = folders.pop()
    wanted = [o.filename for o in outputs.overview_outputs(formats)]
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
