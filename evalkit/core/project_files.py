"""A department's project tables: the ``kind: project`` params files in its folder whose
``project.department`` is its id (and whose year is its year).

>>> [p.project.name for p in department_projects("params/dangzheng-office-2023.yaml", "dangzheng-office", 2023)[0]][:1]
['机关食堂运行保障']
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import EvalkitError
from ..paths import _KIND_PROJECT as KIND_PROJECT
from ..paths import PARAMS_SUFFIXES, is_project_file  # noqa: F401  (re-exported for the core's callers)
from .model import Params


def project_candidates(folder: Path, department_id: str) -> list[Path]:
    """The project files in ``folder`` that name ``department_id`` anywhere (checked properly on loading)."""
    found = []
    for path in sorted(folder.iterdir()):
        if path.suffix not in PARAMS_SUFFIXES or path.name.startswith(".") or ".scheme." in path.name:
            continue
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
        if KIND_PROJECT.search(text) and department_id in text:
            found.append(path)
    return found


def department_projects(department_source: str | Path, department_id: str, year: int
                        ) -> tuple[list[Params], list[tuple[Path, str]]]:
    """The projects of a department, loaded and validated, and the files that claim to be one of them
    but do not validate (path, error text)."""
    from .params import load_params

    folder = Path(department_source).parent
    projects, bad = [], []
    for path in project_candidates(folder, department_id):
        try:
            params = load_params(path)
        except EvalkitError as exc:
            bad.append((path, str(exc)))
            continue
        if params.project is not None and params.project.department == department_id and params.department.year == year:
            projects.append(params)
    return projects, bad
