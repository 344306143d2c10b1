"""Running one department (or the district overview): papermill over an IPC kernel, then the
appendices, documents and result.json, each written atomically.

``run_department`` is the per-department entry point (also for schedulers: call it, not
Airflow's PapermillOperator); ``evalkit.run.batch.run_batch`` runs many in parallel worker processes.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import outputs
from ..core.evaluation import evaluate
from ..exceptions import (
    CellExecutionError,
    EvalkitError,
    KernelDiedError,
    RunError,
    RunTimeoutError,
)
from ..iorw import write_atomic
from ..outputs import APPENDIX_FORMATS, DOCUMENT_FORMATS, FORMATS
from ..paths import department_dir, notebook_path
from .fingerprint import fingerprint

log = logging.getLogger(__name__)

#: Every file a department's folder may hold from an earlier run.
OUTPUTS = (*outputs.department_outputs(FORMATS), outputs.STAMP, outputs.ERROR)


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


def error_text(exc: BaseException) -> str:
    """What to tell the user about a failure: evalkit's own message, else the exception's one line."""
    if isinstance(exc, EvalkitError):
        return str(exc)
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _publish(nb, target: Path, notebook: outputs.Output, pages: tuple[outputs.Output, ...], *, formats,
             metadata: dict) -> None:
    """Save an executed notebook (its page header taken from the heading it shows) and export the
    pages ``formats`` ask for."""
    import nbformat

    from ..publish.exporters import export_notebook, first_heading

    nb.metadata["evalkit"] = {"title": first_heading(nb), **metadata}
    write_atomic(target / notebook.filename, nbformat.writes(nb).encode("utf-8"))
    stem = Path(notebook.filename).stem
    (target / outputs.partial_notebook(stem)).unlink(missing_ok=True)
    wanted = [page for page in pages if page.format in formats]
    if wanted:
        export_notebook(target / notebook.filename, target, formats=[page.format for page in wanted],
                        basename=Path(pages[0].filename).stem)


def _keep_partial(target: Path, notebook: outputs.Output) -> None:
    """A failed notebook stays, under its final name, for inspection."""
    partial = target / outputs.partial_notebook(Path(notebook.filename).stem)
    if partial.exists():
        os.replace(partial, target / notebook.filename)


def run_department(params_path: str | Path, out: str | Path = "reports", *, formats=FORMATS, timeout: float = 600,
                   notebook: Path | None = None, start_retries: int = 1) -> Outcome:
    """Evaluate one params file, execute its notebook and write its appendices and result.json.

    Never raises for a department's own failure: the returned ``Outcome`` says what went wrong,
    the partial notebook is kept, and ``error.json`` replaces any older appendix.
    """
    started = time.monotonic()
    outcome = Outcome(params=str(params_path), status="failed")
    try:
        ev = evaluate(params_path)
    except EvalkitError as exc:
        outcome.error, outcome.error_kind = str(exc), type(exc).__name__
        outcome.seconds = time.monotonic() - started
        return outcome
    d = ev.params.department
    outcome.department_id, outcome.name, outcome.year = d.id, d.name, d.year
    target = department_dir(Path(out), d.year, d.id)
    outcome.out_dir = str(target)
    target.mkdir(parents=True, exist_ok=True)
    notebook = Path(notebook) if notebook else notebook_path("department")
    try:
        clear_outputs(target)
        nb = _execute(notebook, target / outputs.partial_notebook("evaluation"),
                      {"params_file": str(Path(params_path).resolve()), "scheme": None},
                      timeout=timeout, label=d.id, start_retries=start_retries)
        _publish(nb, target, outputs.NOTEBOOK, (outputs.APPENDIX_HTML, outputs.APPENDIX_PDF), formats=formats,
                 metadata={"department": d.id, "year": d.year})
        documents = [f for f in formats if f in DOCUMENT_FORMATS]
        if documents:
            from ..publish.documents import write_documents

            write_documents(ev, target, documents)
        write_atomic(target / outputs.RESULT.filename,
                     json.dumps(ev.to_dict(), ensure_ascii=False, indent=2).encode("utf-8"))
        stamp = fingerprint(ev.params, ev.scheme, notebook, tuple(formats))
        write_atomic(target / outputs.STAMP.filename, json.dumps(stamp, ensure_ascii=False, indent=2).encode("utf-8"))
    except Exception as exc:  # one department's failure must not stop a batch
        outcome.error_kind, outcome.error = type(exc).__name__, error_text(exc)
        record_failure(target, outcome)
        outcome.seconds = time.monotonic() - started
        return outcome
    outcome.status = "ok"
    outcome.score, outcome.grade = ev.score_text(), ev.grade_text()
    outcome.findings = ev.severity_counts()
    outcome.seconds = time.monotonic() - started
    return outcome


def clear_outputs(target: Path) -> None:
    """Remove a previous run's outputs so nothing stale can pass for this run's."""
    for output in OUTPUTS:
        (target / output.filename).unlink(missing_ok=True)


def record_failure(target: Path, outcome: Outcome) -> Path:
    """Leave ``error.json`` (and the partial notebook, if any) and nothing that looks complete."""
    target.mkdir(parents=True, exist_ok=True)
    for output in OUTPUTS:
        if output not in (outputs.NOTEBOOK, outputs.ERROR):
            (target / output.filename).unlink(missing_ok=True)
    _keep_partial(target, outputs.NOTEBOOK)
    write_atomic(target / outputs.ERROR.filename, json.dumps(asdict(outcome), ensure_ascii=False, indent=2).encode("utf-8"))
    return target


def _execute(notebook: Path, partial: Path, parameters: dict, *, timeout: float, label: str, start_retries: int):
    """papermill over IPC with a unique socket path; one retry when the kernel dies at start.

    ``partial`` receives the notebook as it executes; a failure leaves it there for inspection.
    """
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
        sockets = Path(tempfile.mkdtemp(prefix="evk-"))
        managers: list = []
        watchdog = _Watchdog(managers, timeout)
        try:
            watchdog.start()
            return pm.execute_notebook(
                str(notebook), str(partial), parameters=parameters,
                kernel_name="python3", kernel_manager_class=_ipc_kernel_manager(sockets, managers),
                progress_bar=False, log_output=False, execution_timeout=timeout, start_timeout=60, cwd=None)
        except pm.PapermillExecutionError as exc:
            raise CellExecutionError(
                f"cell {exc.exec_count} raised {exc.ename}: {exc.evalue}", department=department,
                output_path=final, cell=str(exc.source)) from None
        except (CellTimeoutError, TimeoutError) as exc:
            raise RunTimeoutError(f"timed out after {timeout:g} s: {exc}", department=department,
                                  output_path=final) from None
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
        finally:
            watchdog.cancel()
            shutil.rmtree(sockets, ignore_errors=True)


def _ipc_kernel_manager(sockets: Path, managers: list):
    """A kernel manager class for nbclient: IPC transport with a socket path unique to this run
    (parallel kernels over TCP occasionally die at start), and always this Python's kernel.
    nbclient creates and owns the manager, so it also shuts the kernel and its client down."""
    from jupyter_client.manager import AsyncKernelManager

    specs = _this_python_kernels()

    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs):
            kwargs.update(transport="ipc", ip=str(sockets / "kernel"), kernel_spec_manager=specs)
            super().__init__(**kwargs)
            managers.append(self)

    return IPCKernelManager


def _this_python_kernels():
    """A kernel-spec manager whose ``python3`` is always this interpreter (the one with evalkit),
    whatever kernels the user's Jupyter folders define."""
    from ipykernel.kernelspec import get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            spec = get_kernel_dict()
            return KernelSpec(resource_dir="", argv=spec["argv"], display_name=spec["display_name"],
                              language=spec["language"], metadata=spec.get("metadata", {}))

    return ThisPython()


def _any_executed(path: Path) -> bool:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(c.get("execution_count") for c in nb.get("cells", []) if c.get("cell_type") == "code")


class _Watchdog:
    """Kills the kernel when a department runs past its timeout (a whole-department deadline)."""

    def __init__(self, managers: list, timeout: float):
        self.managers, self.timeout, self.fired = managers, timeout, False
        self._timer = threading.Timer(timeout, self._fire)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def cancel(self) -> None:
        self._timer.cancel()

    def _fire(self) -> None:
        self.fired = True
        for km in self.managers:
            process = getattr(getattr(km, "provisioner", None), "process", None)
            if process is not None:
                try:
                    process.kill()
                except OSError:
                    pass


def run_overview(folder: str | Path, out: str | Path, year: int, *, formats=APPENDIX_FORMATS,
                 timeout: float = 600) -> Outcome:
    """Execute the overview notebook for one folder and year into ``out/<year>/overview.*``."""
    started = time.monotonic()
    target = Path(out) / str(year)
    target.mkdir(parents=True, exist_ok=True)
    outcome = Outcome(params=str(folder), status="failed", department_id="overview", name="全区总览", year=year,
                      out_dir=str(target))
    for output in (outputs.OVERVIEW_NOTEBOOK, *outputs.OVERVIEW):
        (target / output.filename).unlink(missing_ok=True)
    try:
        nb = _execute(notebook_path("overview"), target / outputs.partial_notebook("overview"),
                      {"params_dir": str(Path(folder).resolve()), "year": year},
                      timeout=timeout, label="overview", start_retries=1)
        _publish(nb, target, outputs.OVERVIEW_NOTEBOOK, (outputs.OVERVIEW_HTML, outputs.OVERVIEW_PDF),
                 formats=formats, metadata={"year": year})
        outcome.status = "ok"
    except Exception as exc:  # the departments' results stand even if the overview fails
        outcome.error_kind, outcome.error = type(exc).__name__, error_text(exc)
        for output in outputs.overview_outputs(APPENDIX_FORMATS):
            (target / output.filename).unlink(missing_ok=True)
        _keep_partial(target, outputs.OVERVIEW_NOTEBOOK)
        write_atomic(target / outputs.OVERVIEW_ERROR.filename,
                     json.dumps(asdict(outcome), ensure_ascii=False, indent=2).encode("utf-8"))
    outcome.seconds = time.monotonic() - started
    return outcome
