"""A department's project tables: the ``kind: project`` params files in its folder whose
``project.department`` is its id (and whose year is its year).

>>> [p.project.name for p in department_projects("params/dangzheng-office-2023.yaml", "dangzheng-office", 2023)[0]][:1]
['机关食堂运行保障']
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ..exceptions import EvalkitError
from ..paths import _KIND_PROJECT as KIND_PROJECT
from ..paths import folder_param_names, inside, read_head
from .model import Params


def project_candidates(folder: Path, department_id: str) -> list[Path]:
    """The project files in ``folder`` that name ``department_id`` (checked properly on loading).

    The folder is read once per process and listing (:func:`project_index`): a folder of thousands
    of departments is scanned once, not once per department."""
    return [folder / name for name in project_index(folder).get(department_id, ())]


#: The index's key for the files of a folder it would not read (name NUL reason): not a department id.
_REFUSED = "\0refused"


#: How long after a folder's last change its modification time is trusted to show the next one, in
#: nanoseconds (file systems stamp times with a coarse clock).
SETTLED = 2_000_000_000
#: folder → (its listing's signature, department id → project file names, the project tables' names);
#: see :func:`project_index`.
_INDEX: dict[Path, tuple[tuple, dict[str, tuple[str, ...]], frozenset[str]]] = {}
_DEPARTMENT_LINE = re.compile(r"^\s*department:\s*['\"]?([a-z0-9][a-z0-9._-]*)['\"]?\s*(?:#.*)?$|"
                              r"[{,]\s*department:\s*['\"]?([a-z0-9][a-z0-9._-]*)['\"]?\s*[,}]", re.MULTILINE)


def project_index(folder: Path) -> dict[str, tuple[str, ...]]:
    """Department id → the names of the project files of ``folder`` naming it (``project.department``
    as written, in block or flow style; one listing: a caller asking for many departments of one
    folder reads it once), kept while the folder's listing (its modification time and its names)
    is unchanged. A file edited in place to name another department is seen by the next process.

    The listing is not read again while the folder's modification time is the one it had when the
    index was made and that time was already past (by :data:`SETTLED` nanoseconds) then: a file added
    or removed since would have changed it (the check git makes of its index). A province's folder of
    tens of thousands of files is listed once, not once per department."""
    return _indexed(folder)[0]


def project_tables(folder: Path) -> frozenset[str]:
    """The names of the files of ``folder`` that are project tables (``kind: project``, as
    :func:`~evalkit.paths.is_project_file` decides for a file the scan read), from the same one read of
    each file as :func:`project_index`, and kept with it."""
    return _indexed(folder)[1]


def _indexed(folder: Path) -> tuple[dict[str, tuple[str, ...]], frozenset[str]]:
    folder = Path(folder)
    cached = _INDEX.get(folder)
    try:
        mtime = folder.stat().st_mtime_ns
        if cached is not None and cached[0][0] == mtime and cached[0][3] - mtime > SETTLED:
            return cached[1:]
        now = time.time_ns()
        names = folder_param_names(folder)
        signature = (mtime, len(names), hash(tuple(names)), now)
    except OSError:
        return {}, frozenset()
    if cached is not None and cached[0][:3] == signature[:3]:
        _INDEX[folder] = (signature, *cached[1:])
        return cached[1:]
    index, projects = scan(folder, names)
    _INDEX[folder] = (signature, index, frozenset(projects))
    return _INDEX[folder][1:]


def scan(folder: Path, names) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """The files ``names`` in ``folder``, each read once: department id → the project tables naming
    it (as :func:`project_index`), and the names of every project table among them (``kind: project``,
    as :func:`~evalkit.paths.is_project_file` decides for a file it could read)."""
    index: dict[str, list[str]] = {}
    projects: set[str] = set()
    for name in names:
        try:
            inside(folder, name)  # a link out of the folder is never read, a FIFO never waited on
            text = read_head(folder / name).decode("utf-8-sig", errors="replace")
        except ValueError as exc:
            index.setdefault(_REFUSED, []).append(f"{name}\0{exc}")
            continue
        except OSError as exc:
            index.setdefault(_REFUSED, []).append(f"{name}\0{exc.strerror} (a broken link?)")
            continue
        if not KIND_PROJECT.search(text):
            continue
        projects.add(name)
        for match in _DEPARTMENT_LINE.finditer(text):
            dept = match.group(1) or match.group(2)
            if name not in index.setdefault(dept, []):
                index[dept].append(name)
    return {k: tuple(v) for k, v in index.items()}, projects


def refused(index: dict[str, tuple[str, ...]]) -> list[str]:
    """The names of the files an index did not read (a link out of the folder, a FIFO, a folder…)."""
    return [entry.split("\0", 1)[0] for entry in index.get(_REFUSED, ())]


def department_projects(department_source: str | Path, department_id: str, year: int
                        ) -> tuple[list[Params], list[tuple[Path, str]]]:
    """The projects of a department, loaded and validated, and the files that claim to be one of them
    but do not validate (path, error text)."""
    from .params import load_params

    folder = Path(department_source).parent
    projects, bad = [], []
    stem = Path(department_source).stem
    for entry in project_index(folder).get(_REFUSED, ()):
        name, why = entry.split("\0", 1)
        if name.startswith(f"{stem}."):  # named as one of this department's files: say why it is not read
            bad.append((folder / name, f"{folder / name}: not read: {why}; expected a file in the params folder"))
    for path in project_candidates(folder, department_id):
        try:
            params = load_params(path)
        except EvalkitError as exc:
            bad.append((path, str(exc)))
            continue
        if params.project is not None and params.project.department == department_id and params.department.year == year:
            projects.append(params)
    return projects, bad
