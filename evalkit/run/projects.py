"""A department's project tables, written with its run: for each project, in
``<department folder>/项目/<project code or name>/``, the 自评表 as ``项目支出绩效自评表.xlsx`` (live,
protected formulas), ``.docx`` and ``.pdf`` (as ``formats`` ask), its ``result.json`` and its
``appendix.html``. The files are staged with the department's and replace the previous run's
项目 folder as a whole (:func:`swap_in_projects`), so no project of an older run lingers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from .. import outputs
from ..core.evaluation import Evaluation, project_folder_name
from ..core.result import result_bytes
from ..iorw import write_atomic

PROJECTS_DIR = "项目"
TABLE = "项目支出绩效自评表"


def write_project_outputs(ev: Evaluation, staging: Path, formats) -> list[Path]:
    """Write every project of ``ev`` into ``staging/项目/``; returns the project folders written."""
    from ..publish import project as pages

    folders = []
    used: set[str] = set()
    for project in ev.project_evaluations:
        name = project_folder_name(project.params)
        if name in used:  # two projects with the same code: keep both
            name = f"{name}_{len(used) + 1}"
        used.add(name)
        folder = staging / PROJECTS_DIR / name
        folder.mkdir(parents=True, exist_ok=True)
        if "xlsx" in formats:
            write_atomic(folder / f"{TABLE}.xlsx", pages.table_xlsx(project))
        if "docx" in formats:
            write_atomic(folder / f"{TABLE}.docx", pages.table_docx(project))
        if "pdf" in formats:
            write_atomic(folder / f"{TABLE}.pdf", pages.table_pdf(project))
        write_atomic(folder / "appendix.html", pages.appendix_page(project).encode("utf-8"))
        write_atomic(folder / outputs.RESULT.filename, result_bytes(project))
        folders.append(folder)
    return folders


def swap_in_projects(staging: Path, target: Path) -> None:
    """Replace the previous run's 项目 folder by the staged one (or remove it when this run has none)."""
    staged, previous = staging / PROJECTS_DIR, target / PROJECTS_DIR
    if previous.exists():
        shutil.rmtree(previous)
    if staged.exists():
        staged.rename(previous)
