"""A department's project tables, written with its run: for each project, in
``<department folder>/项目/<project code or name>/``, the 自评表 as ``项目支出绩效自评表.xlsx`` (live,
protected formulas), ``.docx`` and ``.pdf`` (as ``formats`` ask), its ``result.json``, and its appendix:
``notebooks/project.ipynb`` executed by papermill (``evaluation.ipynb``) and exported by nbconvert to
``appendix.html`` and ``appendix.pdf`` like the department's (:class:`ProjectNotebooks`).

The project notebooks run on the department's kernel, one after the other, right after the
department's notebook (a kernel start costs more than a project's notebook): the kernel's namespace
is reset before each (:func:`reset_kernel`), so a project notebook sees only what a fresh kernel
would, and the department's timeout covers them all. The files are staged with the department's and
replace the previous run's 项目 folder as a whole (:func:`swap_in_projects`), so no project of an
older run lingers; a failed run leaves a failed project's partial notebook (:func:`leave_projects`).
"""

from __future__ import annotations

import math
import os
import shutil
from pathlib import Path

from .. import outputs
from ..core.evaluation import Evaluation, project_folder_name
from ..core.result import result_bytes
from ..exceptions import CellExecutionError, RunError
from ..iorw import write_atomic
from ..paths import display_path, notebook_path
from .kernels import papermill_engine

PROJECTS_DIR = outputs.PROJECTS_DIR
TABLE = "项目支出绩效自评表"
#: The name a project's notebook has while it executes (and after a failure), in its folder.
PARTIAL = outputs.partial_notebook(Path(outputs.NOTEBOOK.filename).stem)


def project_folders(ev: Evaluation) -> list[tuple[Evaluation, str]]:
    """Each project of ``ev`` with the name of its folder under ``项目/`` (its code, else its name;
    two projects with the same code keep both, the second numbered)."""
    named, used = [], set()
    for project in ev.project_evaluations:
        name = project_folder_name(project.params)
        if name in used:
            name = f"{name}_{len(used) + 1}"
        used.add(name)
        named.append((project, name))
    return named


def write_project_outputs(ev: Evaluation, staging: Path, formats) -> list[Path]:
    """Write every project's table and result.json into ``staging/项目/``; returns the project folders
    written. (The appendices are the project notebooks': :class:`ProjectNotebooks`.)"""
    from ..publish import project as pages

    folders = []
    for project, name in project_folders(ev):
        folder = staging / PROJECTS_DIR / name
        folder.mkdir(parents=True, exist_ok=True)
        for kind, table in (("xlsx", pages.table_xlsx), ("docx", pages.table_docx), ("pdf", pages.table_pdf)):
            if kind in formats:
                write_atomic(folder / f"{TABLE}.{kind}", table(project))
        write_atomic(folder / outputs.RESULT.filename, result_bytes(project))
        folders.append(folder)
    return folders


class ProjectNotebooks:
    """The project appendices of one department run: :meth:`execute` runs ``notebooks/project.ipynb``
    for each project on the department's kernel (papermill, into ``staging/项目/<name>/``), and
    :meth:`publish` saves each executed notebook and exports its pages as the department's are."""

    def __init__(self, ev: Evaluation, staging: Path, *, timeout: float, notebook: Path | None = None):
        self.department = ev.params.department
        self.staging = staging
        self.timeout = timeout
        self.notebook = Path(notebook) if notebook else notebook_path("project")
        self.runs = [(project, staging / PROJECTS_DIR / name) for project, name in project_folders(ev)]
        self.executed: list[tuple[object, Path, Evaluation]] = []

    def __bool__(self) -> bool:
        return bool(self.runs)

    def execute(self, kernel) -> None:
        """Run every project's notebook on ``kernel`` (already serving the department), each on a
        namespace reset to a fresh kernel's. A cell that raises is the department's
        :class:`~evalkit.exceptions.CellExecutionError`, naming the project and its params file."""
        import papermill as pm

        declared = pm.inspect_notebook(str(self.notebook))
        missing = sorted({"params_file", "scheme"} - set(declared))
        if missing:
            raise RunError(f"{self.notebook.name} has no parameter {', '.join(missing)}; it declares "
                           f"{', '.join(declared) or 'none'} (in its cell tagged 'parameters')",
                           department=self.department.id, output_path=str(self.notebook))
        for project, folder in self.runs:
            folder.mkdir(parents=True, exist_ok=True)
            reset_kernel(kernel.manager)
            source = Path(project.params.source)
            try:
                nb = pm.execute_notebook(
                    str(self.notebook), str(folder / PARTIAL),
                    parameters={"params_file": os.path.relpath(source.resolve()), "scheme": None},
                    kernel_name="python3", km=kernel.manager, engine_name=papermill_engine(), progress_bar=False,
                    log_output=False,
                    execution_timeout=math.ceil(self.timeout), start_timeout=60, cwd=None)
            except pm.PapermillExecutionError as exc:
                raise CellExecutionError(
                    f"project “{project.params.project.name}” ({display_path(source)}): cell {exc.exec_count} "
                    f"raised {exc.ename}: {exc.evalue}", department=self.department.id,
                    output_path=str(self.staging.parent / PROJECTS_DIR / folder.name / PARTIAL),
                    cell=str(exc.source)) from None
            self.executed.append((nb, folder, project))

    def publish(self, formats, publish) -> None:
        """Save each executed notebook as ``evaluation.ipynb`` and export ``appendix.html``/``.pdf``
        with ``publish``, the department's own (:func:`evalkit.run.department._publish`)."""
        for nb, folder, project in self.executed:
            p = project.params.project
            publish(nb, folder, outputs.NOTEBOOK, (outputs.APPENDIX_HTML, outputs.APPENDIX_PDF), formats=formats,
                     metadata={"department": self.department.id, "project": p.code or p.name,
                               "year": self.department.year})


def reset_kernel(km, *, timeout: float = 60) -> None:
    """Reset the namespace and execution count of the kernel ``km`` runs, as a fresh kernel's (the
    modules it imported stay loaded: that is what the reuse saves). Only a shell channel is opened and
    only the reply awaited: the request is silent and prints nothing."""
    from jupyter_core.utils import run_sync

    client = km.client()
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    try:
        msg_id = client.execute("get_ipython().reset(new_session=True)", silent=True, store_history=False,
                                allow_stdin=False)
        while True:
            reply = run_sync(client.get_shell_msg)(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        client.stop_channels()
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"the kernel could not be reset between notebooks: {reply['content'].get('evalue')}")


def swap_in_projects(staging: Path, target: Path) -> None:
    """Replace the previous run's 项目 folder by the staged one (or remove it when this run has none)."""
    staged, previous = staging / PROJECTS_DIR, target / PROJECTS_DIR
    if previous.exists():
        shutil.rmtree(previous)
    if staged.exists():
        staged.rename(previous)


def leave_projects(staging: Path | None, target: Path, *, keep_previous: bool) -> None:
    """After a failed department run: the previous run's 项目 folder goes unless the failure is the
    run's (``keep_previous``, as for the department's own files), and the partial notebook of a project
    that failed is kept as ``项目/<name>/evaluation.partial.ipynb`` for inspection."""
    if not keep_previous:
        shutil.rmtree(target / PROJECTS_DIR, ignore_errors=True)
    staged = staging / PROJECTS_DIR if staging is not None else None
    if staged is None or not staged.is_dir():
        return
    for partial in sorted(staged.glob(f"*/{PARTIAL}")):
        kept = target / PROJECTS_DIR / partial.parent.name / PARTIAL
        kept.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, kept)
