"""Batches: which departments to run, running them in worker processes (:mod:`.workers`), and the
``evalkit run`` job around that: one run at a time per output folder (:mod:`.lock`), records of
unreadable files, folders no params file produces any more (:mod:`.stale`), district overviews and
index pages. What to print and which exit code to give is the CLI's business (:mod:`evalkit.cli`).

Stopping: when the wait for the workers is interrupted (Ctrl-C, or the CLI turning SIGTERM into an
exception), the workers are stopped with their kernels before the exception goes on; departments
that had not finished keep their previous files and are run again by the next run.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import outputs
from ..core.evaluation import evaluate
from ..core.model import Department
from ..core.params import duplicate_departments
from ..core.result import Summary
from ..iorw import os_error_text, read_regular, write_atomic
from ..outputs import FORMATS, INVALID_DIR
from ..paths import department_dir, display_path, notebook_path, params_files
from ..publish.index import write_index
from ..stamps.fingerprint import Stamps, current_in, year_folders
from . import staging as stage
from .department import (
    Outcome,
    check_timeout,
    error_text,
    peek_identity,
    record_failure,
    run_department,
    run_overview,
)
from .engines import DepartmentCrash, PoolEngine
from .lock import output_lock
from .stale import StaleFolder, mark_stale, produced_by


def plan_batch(paths: list[Path], out: Path, *, formats, force: bool,
               identities: dict[Path, tuple[str | None, int | None]] | None = None) -> tuple[list[Path], list[Outcome]]:
    """Split params files into those to run and those settled now (unchanged, duplicate).

    A file its folder's stamp shows unchanged is settled from the stamp alone
    (:class:`~evalkit.stamps.fingerprint.Stamps`); every other file is read once, leniently, for its
    department id and year (:func:`~.department.peek_identity`), which ``identities`` receives, and
    is run: the worker evaluates it, fails it if it is invalid and settles it as unchanged if its
    outputs turn out to be current (:func:`~.department.run_department`, ``skip_current``). Only
    files claiming a department another file also claims are evaluated here, to tell a duplicate
    from a file that fails on its own. ``force`` runs every file.
    """
    identities = {} if identities is None else identities
    settled: list[Outcome] = []
    stamps = None if force else Stamps(out, tuple(formats))
    known: dict[Path, Outcome] = {}  # unchanged by their stamps
    for path in paths:
        hit = stamps.unchanged(path) if stamps else None
        if hit is not None:
            folder, summary = hit
            known[path] = Outcome(params=str(path), status="skipped", department_id=folder.name,
                                  year=int(folder.parent.name), out_dir=str(folder), **summary.to_dict())
    rest = [path for path in paths if path not in known]
    identities.update((path, peek_identity(path)) for path in rest)
    claims = [(path, Department(o.department_id, o.name, o.year)) for path, o in known.items()]
    suspects = duplicate_departments(claims + [(path, Department(identities[path][0], None, identities[path][1]))
                                               for path in rest if identities[path][0] is not None])
    valid = {}
    for path in rest:
        if path not in suspects:
            continue
        try:
            valid[path] = evaluate(path)
        except Exception as exc:  # a broken file must not stop the batch
            dept_id, year = identities[path]
            settled.append(Outcome(params=str(path), status="failed", department_id=dept_id, year=year,
                                   error=error_text(exc), error_kind=type(exc).__name__))
    clashes = duplicate_departments(claims + [(path, ev.department) for path, ev in valid.items()])
    for path, o in known.items():
        if path in clashes:  # another file now claims its department
            o.status, o.error_kind, o.error = "failed", "DuplicateDepartmentError", clashes[path]
            o.score = o.grade = o.out_dir = None
            o.findings = {}
        settled.append(o)
    todo = []
    for path in rest:
        ev = valid.get(path)
        if ev is None:
            if path not in suspects:
                todo.append(path)
            continue
        d = ev.params.department
        if path in clashes:
            settled.append(Outcome(params=str(path), status="failed", department_id=d.id, name=d.name, year=d.year,
                                   error_kind="DuplicateDepartmentError", error=clashes[path]))
        elif stamps is not None and current_in(department_dir(out, d.year, d.id), ev, notebook_path("department"),
                                               tuple(formats)):
            settled.append(Outcome(params=str(path), status="skipped", department_id=d.id, year=d.year,
                                   out_dir=str(department_dir(out, d.year, d.id)), **Summary.of(ev).to_dict()))
        else:
            todo.append(path)
    return todo, settled


def run_batch(items: list[str | Path], out: str | Path = "reports", *, jobs: int | None = None, force: bool = False,
              formats=FORMATS, timeout: float = 600, progress: bool | None = None,
              on_outcome=None, engine=None) -> list[Outcome]:
    """Run every department in ``items`` (files or folders) in ``jobs`` worker processes, or on
    ``engine`` (an :mod:`evalkit.run.engines` engine, entered here before anything is written).

    Holds the output folder's lock (:class:`~evalkit.exceptions.OutputLockedError` if another run has
    it); ``ValueError`` for a ``timeout`` below one second. Neither touches anything in ``out``.
    """
    check_timeout(timeout)
    with (contextlib.nullcontext() if engine is None else engine) as engine, output_lock(out):
        return _run_batch(items, Path(out), jobs=jobs, force=force, formats=formats, timeout=timeout,
                          progress=progress, on_outcome=on_outcome, engine=engine)


def _run_batch(items, out: Path, *, jobs, force, formats, timeout, progress, on_outcome,
               engine=None) -> list[Outcome]:
    from tqdm import tqdm

    report = on_outcome or (lambda outcome: None)
    paths = params_files(items)
    identities: dict[Path, tuple[str | None, int | None]] = {}
    todo, outcomes = plan_batch(paths, out, formats=formats, force=force, identities=identities)
    for o in outcomes:
        if o.failed:
            _record_unrun(o, out, outcomes, todo, identities)
        report(o)
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    size = shutil.get_terminal_size((100, 24))  # a 0×0 pseudo-terminal would make tqdm hide the bar
    bar = tqdm(total=len(todo), unit="dept", desc="evalkit run", disable=progress is False or not todo,
               ncols=min(size.columns or 100, 120), nrows=size.lines or 24)
    engine = engine if engine is not None else PoolEngine(jobs)
    if isinstance(engine, PoolEngine) and engine.jobs is None:  # run_job's own: as many workers as this batch needs
        engine.jobs = jobs
    task = run_department if force else functools.partial(run_department, skip_current=True)
    try:
        with contextlib.closing(engine.run(todo, out, formats=tuple(formats), timeout=timeout, task=task)) as results:
            for path, result in results:
                if isinstance(result, DepartmentCrash):
                    outcome = _crashed(path, out, result.error, result.kind, identities[path])
                else:
                    outcome = result
                    if outcome.failed and outcome.out_dir is None:  # its params file could not be evaluated
                        outcome.department_id, outcome.year = identities[path]  # as the plan read them
                        _record_unrun(outcome, out, outcomes, todo, identities)
                outcomes.append(outcome)
                bar.update(1)
                bar.set_postfix_str(f"{outcome.department_id or path.stem}: {outcome.status}")
                report(outcome)
    finally:
        bar.close()
    order = {str(p): i for i, p in enumerate(paths)}
    outcomes.sort(key=lambda o: order.get(o.params, len(order)))
    return outcomes


def _record_unrun(o: Outcome, out: Path, settled: list[Outcome], todo: list[Path],
                 identities: dict[Path, tuple[str | None, int | None]]) -> None:
    """A params file that failed before its department ran (invalid, or a duplicate): its
    ``error.json`` where :func:`_failure_folder` says."""
    folder = _failure_folder(o, out, settled, todo, identities)
    if folder is not None:
        o.out_dir = str(record_failure(folder, o))


def _failure_folder(o: Outcome, out: Path, settled: list[Outcome], todo: list[Path],
                    identities: dict[Path, tuple[str | None, int | None]]) -> Path | None:
    """Where a params file that failed before running leaves its ``error.json``: its own folder, or,
    for a file that no longer says which department it is, the folder it produced before (unless a
    valid params file of this run produces that folder now), whose identity ``o`` then takes."""
    if o.department_id and o.year is not None:
        return department_dir(out, o.year, o.department_id)
    taken = {department_dir(out, s.year, s.department_id).resolve() for s in settled
             if s.department_id and s.year is not None}
    taken |= {department_dir(out, y, d).resolve() for d, y in map(identities.get, todo) if d and y is not None}
    folder = next((f for f in produced_by(out, Path(o.params).name)
                   if f.resolve() not in taken and _made_from(f, o.params) is not False), None)
    if folder is not None:
        o.department_id, o.year = folder.name, int(folder.parent.name)
    return folder


def _made_from(folder: Path, params: str | Path) -> bool | None:
    """Whether ``folder`` was made from the params file ``params`` itself (not from a file of the same
    name in another params folder): its stamp's inputs or its ``error.json`` name the file's path;
    None when neither says."""
    shown = display_path(params)
    for output, read in ((outputs.STAMP, lambda d: d.get("inputs")), (outputs.ERROR, lambda d: d.get("params"))):
        try:
            data = json.loads(read_regular(folder / output.filename, 5_000_000).decode("utf-8"))
            named = read(data)
        except (OSError, ValueError, AttributeError, RecursionError):
            continue
        if isinstance(named, dict) and named:
            return shown in named
        if isinstance(named, str) and named:
            return display_path(named) == shown
    return None


def _crashed(path: Path, out: Path, error: str, kind: str, identity: tuple[str | None, int | None]) -> Outcome:
    """A department whose worker died under it: the run's failure, so its previous files stay."""
    dept_id, year = identity
    outcome = Outcome(params=str(path), status="failed", department_id=dept_id, year=year, error=error,
                      error_kind=kind)
    if dept_id and year is not None:
        outcome.out_dir = str(record_failure(department_dir(out, year, dept_id), outcome, keep_previous=True))
    return outcome


@dataclass
class JobReport:
    """What one ``evalkit run`` did: every outcome (departments, then overviews), the index pages,
    the department folders no params file of the run produced (marked stale), and the files that
    could not be written (a full disk), each as one line naming the file."""

    outcomes: list[Outcome]
    indexes: list[Path]
    stale: list[StaleFolder] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.failed]


def run_job(items, *, out: Path = Path("reports"), jobs: int | None = None, force: bool = False, formats=FORMATS,
            timeout: float = 600, progress: bool | None = None, on_outcome=None, engine=None) -> JobReport:
    """Run a batch, keep the records of unreadable files, mark the folders no params file of this run
    produced as stale, run the district overviews and write the index page of every year in ``out``;
    ``on_outcome`` sees each outcome as it settles.

    ``engine``: where the departments run (:mod:`evalkit.run.engines`; default the process pool); it
    is started or connected, and checked, before the lock is taken and anything is written.
    The whole job holds the output folder's lock. Files that cannot be written (a full disk) do not
    stop it: each goes into ``JobReport.problems`` and the index pages are still attempted.
    """
    check_timeout(timeout)
    out = Path(out)
    with (PoolEngine(None) if engine is None else engine) as engine, output_lock(out):
        report = on_outcome or (lambda outcome: None)
        outcomes = _run_batch(items, out, jobs=jobs, force=force, formats=formats, timeout=timeout,
                              progress=progress, on_outcome=report, engine=engine)
        problems: list[str] = []
        claimed = {department_dir(out, o.year, o.department_id) for o in outcomes
                   if o.department_id and o.year is not None}
        stale = mark_stale(out, claimed, {Path(o.params).name for o in outcomes}, problems=problems)
        _record_invalid(out, outcomes, problems)
        years = sorted({o.year for o in outcomes if o.year is not None})
        outcomes += _overviews(items, out, years, outcomes, force=force, formats=formats, timeout=timeout,
                               report=report, engine=engine)
        indexes = []
        for year in sorted({*years, *(int(p.name) for p in year_folders(out))}):
            try:
                indexes.append(write_index(out, year))
            except OSError as exc:
                problems.append(os_error_text(exc))
        return JobReport(outcomes, indexes, stale, problems)


def _overviews(items, out: Path, years, outcomes, *, force, formats, timeout, report, engine=None) -> list[Outcome]:
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
            outcome = _overview(engine, folder, out, year, formats=formats, timeout=timeout)
            report(outcome)
            done.append(outcome)
    return done


def _overview(engine, folder: Path, out: Path, year: int, *, formats, timeout) -> Outcome:
    """:func:`run_overview` in a worker of the run's own pool, which has imported everything and has a kernel
    started ahead (two seconds of imports and a kernel's start-up less than here), else here."""
    if not isinstance(engine, PoolEngine):
        return run_overview(folder, out, year, formats=formats, timeout=timeout)
    task = functools.partial(run_overview, year=year)
    with contextlib.closing(engine.run([folder], out, formats=tuple(formats), timeout=timeout, task=task)) as results:
        _, outcome = next(results)
    if isinstance(outcome, DepartmentCrash):  # the run's failure: the previous overview stays
        target = out / str(year)
        outcome = Outcome(params=str(folder), status="failed", department_id="overview", name="全区总览", year=year,
                          out_dir=str(target), error=outcome.error, error_kind=outcome.kind)
        record_failure(target, outcome, keep_previous=True, files=stage.OVERVIEW)
    return outcome


def _record_invalid(out: Path, outcomes: list[Outcome], problems: list[str]) -> None:
    """Params files of this run that could not be read and match no folder have no year: keep their
    errors beside the years (``_invalid/<file>.json``); records of earlier runs' files go."""
    folder = out / INVALID_DIR
    wanted = {f"{Path(o.params).stem}.json": o for o in outcomes if o.failed and o.year is None}
    for name, o in wanted.items():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / name, json.dumps(asdict(o), ensure_ascii=False, indent=2).encode("utf-8"))
        except OSError as exc:
            problems.append(os_error_text(exc))
    if folder.is_dir():
        for path in folder.glob("*.json"):
            if path.name not in wanted:
                path.unlink(missing_ok=True)
