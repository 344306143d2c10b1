"""Running one department (or the district overview): papermill on a fresh kernel of its own
(:mod:`.kernels`), then the appendices, documents and result.json, staged and then swapped in
together (:mod:`.staging`). The documents need only the evaluation, so they are rendered in a thread
while the notebook runs on its kernel.

``run_department`` is the per-department entry point (also for schedulers: call it, not
Airflow's PapermillOperator); ``evalkit.run.batch.run_batch`` runs many in parallel worker processes.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import math
import os
import shutil
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .. import outputs
from ..core.evaluation import evaluate
from ..core.params import DEPARTMENT_ID, YEARS
from ..core.result import Summary, result_bytes
from ..core.source import load_yaml, read_utf8
from ..core.validation import Validator
from ..exceptions import (
    CellExecutionError,
    EvalkitError,
    KernelDiedError,
    RunError,
    RunTimeoutError,
)
from ..iorw import os_error_text, write_atomic
from ..outputs import APPENDIX_FORMATS, DOCUMENT_FORMATS, FORMATS
from ..paths import department_dir, notebook_path
from ..pool import check_timeout
from ..stamps.fingerprint import current_in, stamp
from . import kernels
from . import staging as stage
from .projects import ProjectNotebooks, leave_projects, swap_in_projects, write_project_outputs
from .workers import defer_iri_grammar

log = logging.getLogger(__name__)

#: What a write to a full or failing disk fails with.
_WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS)


@dataclass
class Outcome:
    """What happened to one department in a run."""

    params: str
    status: str  # ok | skipped | failed
    department_id: str | None = None
    name: str | None = None
    year: int | None = None
    score: str | None = None
    grade: str | None = None
    findings: dict = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    error_kind: str | None = None
    out_dir: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def error_text(exc: BaseException, *, where: Path | None = None) -> str:
    """What to tell the user about a failure: evalkit's own message, a file error's file and reason,
    else the exception's one line. ``where`` is the folder a run wrote to: a file in its staging
    folder is named by its final path, and an error that names no file is placed there."""
    if isinstance(exc, EvalkitError):
        return str(exc)
    if isinstance(exc, OSError):
        if where is not None and exc.filename and Path(exc.filename).parent.name == outputs.STAGING:
            exc.filename = str(where / Path(exc.filename).name)
        text = os_error_text(exc)
        return text if exc.filename or where is None else f"{where}: {text}"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS[:2]


#: Parameters that say where a run writes, not what it reads: left out of the injected cell's id, so
#: the same inputs run into two output folders give the same pages.
WHERE_PARAMETERS = ("results_dir",)


def stable_cell_ids(nb) -> None:
    """Give the cell papermill injects (tagged ``injected-parameters``) an id derived from what it
    says (but :data:`WHERE_PARAMETERS`), instead of papermill's random one: identical inputs give
    identical notebooks and pages."""
    for cell in nb.cells:
        if "id" in cell and "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            said = "\n".join(line for line in cell.source.splitlines()
                              if not line.startswith(tuple(f"{name} = " for name in WHERE_PARAMETERS)))
            cell["id"] = "injected-" + hashlib.sha256(said.encode("utf-8")).hexdigest()[:16]


def _publish(nb, target: Path, notebook: outputs.Output, pages: tuple[outputs.Output, ...], *, formats,
             metadata: dict) -> None:
    """Save an executed notebook (its page header taken from the heading it shows) and export the
    pages ``formats`` ask for."""
    import nbformat

    from ..publish.exporters import export_node, first_heading

    nb.metadata["evalkit"] = {"title": first_heading(nb), **metadata}
    stable_cell_ids(nb)
    write_atomic(target / notebook.filename, nbformat.writes(nb).encode("utf-8"))
    stem = Path(notebook.filename).stem
    (target / outputs.partial_notebook(stem)).unlink(missing_ok=True)
    wanted = [page for page in pages if page.format in formats]
    if wanted:
        export_node(nb, target / notebook.filename, target, formats=[page.format for page in wanted],
                    basename=Path(pages[0].filename).stem)


def run_department(params_path: str | Path, out: str | Path = "reports", *, formats=FORMATS, timeout: float = 600,
                   notebook: Path | None = None, start_retries: int = 1, skip_current: bool = False) -> Outcome:
    """Evaluate one params file, execute its notebook and write its appendices and result.json.

    Never raises for a department's own failure: the returned ``Outcome`` says what went wrong,
    the partial notebook is kept and ``error.json`` is written. The new files replace the previous
    run's only when all of them are written; a failure of the department's data (a cell raised)
    removes the previous files, a failure of the run (timeout, dead kernel, full disk) keeps them
    beside ``error.json`` (see :mod:`evalkit.run.staging`). ``ValueError`` for a ``timeout`` below
    :data:`evalkit.pool.MIN_TIMEOUT`, before anything is touched.

    A params file that cannot be evaluated fails with its located error, and no ``out_dir``: nothing
    is written (a batch records it where it belongs: :mod:`evalkit.run.batch`). ``skip_current``:
    when the department's folder already holds the outputs of exactly these inputs (its stamp says
    so, once the file is evaluated: a stamp without the list of files read, a link re-pointed to an
    identical copy), it is "skipped" as the evaluation summarises it, no kernel started and nothing
    written.
    """
    check_timeout(timeout)
    started = time.monotonic()
    outcome = Outcome(params=str(params_path), status="failed")
    try:
        ev = evaluate(params_path)
    except Exception as exc:  # a broken file must not stop a batch
        outcome.error, outcome.error_kind = error_text(exc), type(exc).__name__
        outcome.seconds = time.monotonic() - started
        return outcome
    d = ev.params.department
    outcome.department_id, outcome.name, outcome.year = d.id, d.name, d.year
    target = department_dir(Path(out), d.year, d.id)
    outcome.out_dir = str(target)
    notebook = Path(notebook) if notebook else notebook_path("department")
    if skip_current and current_in(target, ev, notebook, tuple(formats)):
        return replace(outcome, status="skipped", seconds=time.monotonic() - started, **Summary.of(ev).to_dict())
    staging = None
    try:
        staging = stage.open_staging(target)
        documents = _Documents(ev, staging, [f for f in formats if f in DOCUMENT_FORMATS])
        projects = ProjectNotebooks(ev, staging, timeout=timeout)
        try:
            nb = _execute(notebook, staging / stage.DEPARTMENT.partial,
                          {"params_file": os.path.relpath(Path(params_path).resolve()), "scheme": None},
                          timeout=timeout, label=d.id, start_retries=start_retries,
                          then=projects.execute if projects else None)
            kernels.start_spare()  # the next department's kernel starts up while this one is exported
            _publish(nb, staging, outputs.NOTEBOOK, (outputs.APPENDIX_HTML, outputs.APPENDIX_PDF), formats=formats,
                     metadata={"department": d.id, "year": d.year})
        finally:
            documents.join()  # before anything else touches the staging folder or the evaluation
        write_project_outputs(ev, staging, formats)
        projects.publish(formats, _publish)
        write_atomic(staging / outputs.RESULT.filename, result_bytes(ev))
        write_atomic(staging / outputs.STAMP.filename,
                     json.dumps(stamp(ev, notebook, tuple(formats), staging), ensure_ascii=False, indent=2).encode("utf-8"))
        swap_in_projects(staging, target)
        stage.swap_in(staging, target, stage.DEPARTMENT)
    except Exception as exc:  # one department's failure must not stop a batch
        outcome.error_kind, outcome.error = type(exc).__name__, error_text(exc, where=target)
        leave_projects(staging, target, keep_previous=not isinstance(exc, CellExecutionError))
        record_failure(target, outcome, staging=staging, keep_previous=not isinstance(exc, CellExecutionError),
                       disk_full=_disk_full(exc))
        outcome.seconds = time.monotonic() - started
        return outcome
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return replace(outcome, status="ok", seconds=time.monotonic() - started, **Summary.of(ev).to_dict())


class _Documents:
    """The documents of ``ev`` that ``formats`` ask for, written into ``folder`` by a thread of their
    own; :meth:`join` waits for it and raises what it raised."""

    def __init__(self, ev, folder: Path, formats: list[str]):
        self._error: BaseException | None = None
        self._thread = None
        if formats:
            self._thread = threading.Thread(target=self._write, args=(ev, folder, formats), name="evalkit-documents",
                                            daemon=True)
            self._thread.start()

    def _write(self, ev, folder: Path, formats: list[str]) -> None:
        from ..publish.documents import write_documents

        try:
            write_documents(ev, folder, formats)
        except BaseException as exc:  # handed to the thread that waits for the documents
            self._error = exc

    def join(self) -> None:
        if self._thread is None:
            return
        self._thread.join()
        self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def record_failure(target: Path, outcome: Outcome, *, staging: Path | None = None, keep_previous: bool = False,
                   files: stage.FileSet = stage.DEPARTMENT, disk_full: bool = False) -> Path:
    """Leave ``error.json`` (and the partial notebook, if any) and nothing that passes for finished.

    ``keep_previous``: the failure is the run's, so the previous run's files stay beside the
    record (:mod:`evalkit.run.staging`); ``disk_full``: the partial notebook is truncated and goes,
    leaving its room to the record and the index. Never raises for a file that cannot be written:
    ``outcome.error`` then says so too.
    """
    record = json.dumps(asdict(outcome), ensure_ascii=False, indent=2).encode("utf-8")
    try:
        stage.leave_failure(target, record, files, staging=staging, keep_previous=keep_previous,
                            keep_partial=not disk_full)
    except OSError as exc:
        outcome.error = f"{outcome.error}\n(the error record could not be written either: {os_error_text(exc)})"
    return target


def _execute(notebook: Path, partial: Path, parameters: dict, *, timeout: float, label: str, start_retries: int,
             then=None):
    """papermill on a fresh kernel of this department's own (:mod:`.kernels`: the worker's spare if
    it has one); one retry on a new kernel when the kernel dies at start.

    ``partial`` receives the notebook as it executes; a failure leaves it there for inspection.
    ``then(kernel)``, if given, runs on the same kernel, under the same deadline, once the notebook
    has run (the department's project notebooks: :class:`.projects.ProjectNotebooks`).
    """
    defer_iri_grammar()
    import papermill as pm
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    final = str(partial.with_name(partial.name.replace(".partial", "")))
    department = label
    declared = pm.inspect_notebook(str(notebook))
    unknown = sorted(set(parameters) - set(declared))
    if unknown:  # papermill only warns; a misspelt parameter would silently run the defaults
        raise RunError(f"{notebook.name} has no parameter {', '.join(unknown)}; it declares "
                       f"{', '.join(declared) or 'none'} (in its cell tagged 'parameters')",
                       department=department, output_path=final)
    attempt = 0
    while True:
        watchdog = kernels.Watchdog(timeout)
        kernel = None
        try:
            watchdog.start()
            kernel = kernels.take_kernel() if attempt == 0 else kernels.start_kernel()
            watchdog.watch(kernel)
            nb = pm.execute_notebook(
                str(notebook), str(partial), parameters=parameters, kernel_name="python3", km=kernel.manager,
                engine_name=kernels.papermill_engine(),
                progress_bar=False, log_output=False, execution_timeout=math.ceil(timeout), start_timeout=60,
                cwd=None)
            if then is not None:
                then(kernel)
            return nb
        except pm.PapermillExecutionError as exc:
            raise CellExecutionError(
                f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}", department=department,
                output_path=final, cell=str(exc.source)) from None
        except (CellTimeoutError, TimeoutError) as exc:
            raise RunTimeoutError(f"timed out after {timeout:g} s: {exc}", department=department,
                                  output_path=final) from None
        except OSError as exc:
            if exc.filename or exc.errno not in _WRITE_ERRNOS:
                raise
            # papermill saving the notebook as it runs: the one file it writes, named in no error
            raise OSError(exc.errno, f"cannot write: {exc.strerror or exc}", str(partial)) from None
        except (DeadKernelError, RuntimeError) as exc:
            if watchdog.fired:
                raise RunTimeoutError(f"timed out after {timeout:g} s (kernel stopped)", department=department,
                                      output_path=final) from None
            started = partial.exists() and _any_executed(partial)
            if not started and attempt < start_retries and "died" in str(exc).lower():
                attempt += 1
                log.warning("%s: kernel died at start, retrying (%s)", department, exc)
                continue
            raise KernelDiedError(f"kernel died: {exc}", department=department,
                                  output_path=final) from None
        finally:  # the kernel served this department only, whatever happened (Ctrl-C, SIGTERM included)
            watchdog.cancel()
            if kernel is not None:
                kernels.discard(kernel)


def _any_executed(path: Path) -> bool:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(c.get("execution_count") for c in nb.get("cells", []) if c.get("cell_type") == "code")


def run_overview(folder: str | Path, out: str | Path, year: int, *, formats=APPENDIX_FORMATS,
                 timeout: float = 600) -> Outcome:
    """Execute the overview notebook for one folder and year into ``out/<year>/overview.*``; its files
    are staged and replaced like a department's (:mod:`evalkit.run.staging`)."""
    check_timeout(timeout)
    started = time.monotonic()
    target = Path(out) / str(year)
    outcome = Outcome(params=str(folder), status="failed", department_id="overview", name="全区总览", year=year,
                      out_dir=str(target))
    staging = None
    try:
        staging = stage.open_staging(target)
        nb = _execute(notebook_path("overview"), staging / stage.OVERVIEW.partial,
                      {"params_dir": os.path.relpath(Path(folder).resolve()), "year": year,
                       "results_dir": os.path.relpath(Path(out).resolve())},
                      timeout=timeout, label="overview", start_retries=1)
        _publish(nb, staging, outputs.OVERVIEW_NOTEBOOK, (outputs.OVERVIEW_HTML, outputs.OVERVIEW_PDF),
                 formats=formats, metadata={"year": year})
        stage.swap_in(staging, target, stage.OVERVIEW)
        outcome.status = "ok"
    except Exception as exc:  # the departments' results stand even if the overview fails
        outcome.error_kind, outcome.error = type(exc).__name__, error_text(exc, where=target)
        record_failure(target, outcome, staging=staging, keep_previous=not isinstance(exc, CellExecutionError),
                       files=stage.OVERVIEW, disk_full=_disk_full(exc))
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    outcome.seconds = time.monotonic() - started
    return outcome


def peek_identity(path: Path) -> tuple[str | None, int | None]:
    """A params file's department id and year, read leniently, without evaluating it: the run's plan
    finds two files claiming one department by it, and a failing file's error lands in its own folder
    (and replaces any older appendix there). The file is read and its id and year checked as
    :func:`evalkit.core.params.load_params` reads them, so a valid file's identity is the one its
    evaluation gives; (None, None) when they cannot be read."""
    shown = str(path)
    try:  # never a FIFO or a device: read without blocking, as the evaluation reads it
        doc, _ = load_yaml(read_utf8(path, shown)[1], shown)
        dept = doc.data["department"]
        c = Validator(doc)
        dept_id = c.text("department.id", dept.get("id"), pattern=DEPARTMENT_ID)
        year = c.integer("department.year", dept.get("year"), minimum=YEARS[0], maximum=YEARS[1])
    except Exception:  # anything unreadable simply has no identity
        return None, None
    return (dept_id, year) if dept_id is not None and year is not None else (None, None)
