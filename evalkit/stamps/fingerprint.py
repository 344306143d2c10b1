"""Input fingerprints for incremental runs: params, side tables, scheme, notebook, evalkit itself.

A finished department's folder holds a stamp (:data:`evalkit.outputs.STAMP`): the fingerprint of
what its outputs were made from, plus what lets the next run decide "unchanged" without
evaluating the department again — every file the evaluation read (by its path relative to the
params file's folder, with its size and sha256) or looked for and did not find (a review, last
year's files), and the run's one-line summary of the department. :class:`Stamps` reads an output
tree's stamps once and answers :meth:`Stamps.unchanged` per params file from those alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from functools import cache
from importlib import resources
from pathlib import Path

from .. import outputs
from ..core.evaluation import Evaluation
from ..core.params import YEARS
from ..core.project_files import project_index
from ..core.provenance import version_of
from ..core.result import MAX_BYTES, Result, Summary, parse_result, result_document
from ..exceptions import ParamsError
from ..iorw import read_regular
from ..paths import department_dirs, display_path, display_path_in, notebook_path

#: Largest stamp read, in bytes (a stamp lists a department's few input files).
MAX_STAMP = 5_000_000
#: Largest result.json read (:data:`evalkit.core.result.MAX_BYTES`).
MAX_RESULT = MAX_BYTES
#: The parts of a stamp that say what the outputs were made from: equal means nothing to redo.
FINGERPRINT_KEYS = ("params", "inputs", "scheme", "notebook", "evalkit", "formats")


def year_folders(out: Path) -> list[Path]:
    """``out/<year>/`` for every year folder in the output tree, in order."""
    if not Path(out).is_dir():
        return []
    return sorted(p for p in Path(out).iterdir()
                  if p.is_dir() and p.name.isdigit() and YEARS[0] <= int(p.name) <= YEARS[1])


def department_folders(out: Path) -> list[Path]:
    """Every ``out/<year>/<department-id>/`` (hidden folders such as a staging folder are not)."""
    return [p for year in year_folders(out) for p in department_dirs(year)]


@cache
def package_digest() -> str:
    """sha256 over evalkit's own code and data, so a code change re-runs every department."""
    digest = hashlib.sha256()
    root = Path(str(resources.files("evalkit")))
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml", ".j2", ".json", ".css") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def notebooks_digest(notebook: Path) -> str:
    """The digest of the notebooks a department run executes: ``notebook`` alone as before, or, when
    the project notebook is shipped, sha256 over both (a changed project notebook reruns departments)."""
    try:
        project = notebook_path("project")
    except FileNotFoundError:
        return file_digest(notebook)
    return hashlib.sha256(f"{file_digest(notebook)} {file_digest(project)}".encode()).hexdigest()


def fingerprint(ev: Evaluation, notebook: Path, formats: tuple[str, ...]) -> dict:
    """Everything a department's outputs depend on; equal fingerprints mean nothing to redo.

    ``inputs`` are every file the evaluation read, by the path a page names them with (so
    ``run params/`` and ``run /abs/params`` agree) and their sha256: the params file and its side
    tables, a scheme of its own, the reviewer's ``.review.yaml`` and last year's files — a changed
    review reruns the department. ``params`` names the params file that produced the outputs (its
    name inside the params folder): a file that no longer parses is matched to its old folder by it,
    and a folder no file produces any more is found stale (:mod:`evalkit.run.batch`).
    """
    params, scheme = ev.params, ev.scheme
    return {
        "params": Path(params.source).name,
        "inputs": dict(sorted(ev.provenance.get("inputs", {}).items())),
        "scheme": {"id": scheme.id, "sha256": scheme.sha256},
        "notebook": notebooks_digest(notebook),
        "evalkit": {"version": version_of("evalkit"), "code": package_digest()},
        "formats": sorted(formats),
    }


def stamp(ev: Evaluation, notebook: Path, formats: tuple[str, ...], made: Path | None = None) -> dict:
    """The stamp of a finished department: its :func:`fingerprint`, its ``files`` (every file read,
    by the path the params file names it with, relative to its folder, → size, sha256 and the file
    that path led to; every file looked for and absent → None), its ``summary`` (name, score, grade
    and finding counts, as the run reports them) and, given the folder the outputs were ``made`` in,
    their ``outputs`` (name → sha256): a link re-pointed or an output truncated re-runs it."""
    named_folder = Path(ev.params.source).absolute().parent
    folder = named_folder.resolve()
    files = {}
    for path, digest in sorted(ev.files.items()):
        where = os.path.relpath(Path(path).absolute(), named_folder)
        files[where] = None if digest is None else {"size": _size(Path(path)), "sha256": digest,
                                                    "target": os.path.relpath(Path(path).resolve(), folder)}
    summary = Summary.of(ev).to_dict()
    made_of = {} if made is None else {"outputs": output_digests(made, formats)}
    return {**fingerprint(ev, notebook, formats), "files": files, "summary": summary, **made_of}


def _size(path: Path) -> int | None:
    """A file's size, or None for one recorded without being read (a broken link named as a project table)."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def output_digests(folder: Path, formats) -> dict[str, str]:
    """sha256 of each output a department run leaves for ``formats`` in ``folder``, its projects'
    (``项目/<name>/<file>``) included."""
    digests = {o.filename: file_digest(folder / o.filename) for o in outputs.department_outputs(formats)
               if (folder / o.filename).is_file()}
    projects = folder / outputs.PROJECTS_DIR
    if projects.is_dir():
        for path in sorted(projects.glob("*/*")):
            if path.is_file() and not path.is_symlink():
                digests[path.relative_to(folder).as_posix()] = file_digest(path)
    return digests


def outputs_intact(folder: Path, data: dict, expected: list[str]) -> bool:
    """Whether every output ``expected``, and every project file the stamp ``data`` recorded, is in
    ``folder`` as recorded (a regular file of the recorded sha256): a truncated or replaced result.json
    or project appendix is not the run's output."""
    recorded = data.get("outputs")
    if not isinstance(recorded, dict):
        return False
    projects = [name for name in recorded if isinstance(name, str) and name.startswith(f"{outputs.PROJECTS_DIR}/")
                and ".." not in Path(name).parts]  # a project's files, as the run recorded them
    for name in [*expected, *projects]:
        path = Path(folder) / name
        if not _regular(path) or recorded.get(name) != file_digest(path):
            return False
    return True


def _regular(path: Path) -> bool:
    """A regular file (following links): never a device, a FIFO or a folder, which a read would hang
    on or exhaust memory with."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def same_fingerprint(stamp_data: dict, current: dict) -> bool:
    """Whether a stamp (read from its JSON) records exactly the fingerprint ``current``."""
    return ({k: stamp_data.get(k) for k in FINGERPRINT_KEYS}
            == json.loads(json.dumps({k: current[k] for k in FINGERPRINT_KEYS})))


def current_in(folder: Path, ev: Evaluation, notebook: Path, formats: tuple[str, ...]) -> bool:
    """Whether ``folder``'s stamp records exactly ``ev``'s :func:`fingerprint` (run with ``notebook``
    and ``formats``) and every output is there: the last successful run used these inputs. Decided
    for a params file evaluated anyway (touched, or copied back), reading that one folder's stamp."""
    folder = Path(folder)
    data = read_stamp(folder)
    expected = [o.filename for o in outputs.department_outputs(formats)]
    return (data is not None and outputs_intact(folder, data, expected)
            and same_fingerprint(data, fingerprint(ev, notebook, tuple(formats))))


class Stamps:
    """The stamps of an output tree, read once, by the name of the params file that made them.

    :meth:`unchanged` decides from them alone — no evaluation — that a params file's outputs are
    current: a stamp names it, that stamp's notebook, evalkit and formats are this run's, every
    output is there, every file the evaluation read has the size and sha256 it had, and no file it
    looked for has appeared. Anything else (no stamp, an older stamp without ``files``, two folders
    claiming the file, a file of that name in another folder) is "not known", and the run evaluates the file to decide.

    ``formats`` None asks only for results (:meth:`result_in`, what ``Portfolio.load`` reads): a
    result depends on the inputs, the scheme and evalkit, not on the notebook or the formats of the run.
    """

    def __init__(self, out: Path, formats: tuple[str, ...] | None, *, read: bool = True):
        self.formats = None if formats is None else sorted(formats)
        self.expected = ([outputs.RESULT.filename] if formats is None
                         else [o.filename for o in outputs.department_outputs(formats)])
        #: This run's notebook, evalkit and formats, as a stamp records them (evalkit alone for results).
        self.current = {"evalkit": {"version": version_of("evalkit"), "code": package_digest()}}
        if formats is not None:
            self.current.update(notebook=notebooks_digest(notebook_path("department")), formats=self.formats)
        self._project_index: dict[Path, dict[str, tuple[str, ...]]] = {}
        self._real: dict[Path, str] = {}  # params folder → its real path
        self._listing: dict[Path, frozenset[str] | None] = {}  # params folder → the names in it
        self._by_params: dict[str, list[tuple[Path, dict]]] = {}
        for folder in department_folders(out) if read else ():  # read=False: the caller reads them (read_stamp)
            data = read_stamp(folder)
            if data is not None:
                self._by_params.setdefault(Path(data["params"]).name, []).append((folder, data))

    def unchanged(self, path: Path) -> tuple[Path, Summary] | None:
        """``(folder, summary)`` when ``path``'s outputs in ``folder`` are current, else None."""
        found = self._by_params.get(Path(path).name, [])  # the one stamp that names it
        hit = self._current_in(Path(path), *found[0], projects=True) if len(found) == 1 else None
        if hit is None or not outputs_intact(hit[0], hit[1], self.expected):
            return None
        try:
            return hit[0], Summary.from_dict(hit[1].get("summary"))
        except ValueError:
            return None

    def result_in(self, path: Path, folder: Path, data: dict) -> Result | None:
        """The ``result.json`` made from ``path`` when the one stamp ``data`` (of ``folder``) that names it
        says it is current (as :meth:`unchanged`; the caller has made sure no other stamp names it),
        read once: it must be the file the stamp recorded and of the shape evalkit writes; else None.
        The check for project tables that appeared since is left to the caller (``Portfolio.load``
        makes it for many departments at once)."""
        hit = self._current_in(Path(path), folder, data, projects=False)
        return None if hit is None else _result_of(*hit)

    def _current_in(self, path: Path, folder: Path, data: dict, *, projects: bool) -> tuple[Path, dict] | None:
        """``(folder, data)`` when the stamp ``data`` of ``folder`` records every input of ``path`` as it
        is now and this evalkit (and this run's notebook and formats), else None; the outputs are not
        checked, and project tables that appeared since only with ``projects``."""
        files, summary = data.get("files"), data.get("summary")
        if not isinstance(files, dict) or not isinstance(summary, dict) or path.name not in files:
            return None
        if any(data.get(k) != v for k, v in self.current.items()):
            return None
        base = path.parent
        shown = display_path(path) if os.path.islink(path) else display_path_in(base, path.name)
        if shown not in (data.get("inputs") or {}):  # the same file, not a copy elsewhere
            return None
        try:
            if base not in self._real:
                self._real[base] = os.path.realpath(base)
            real_base = self._real[base]
            names = self._names(base)
            for where, seen in files.items():
                if seen is None and names is not None and isinstance(where, str) and "/" not in where \
                        and where not in names and where not in ("", ".", ".."):
                    continue  # looked for and absent then, and not in the folder's listing now
                candidate = _beside(str(base), where)
                if candidate is None or not _as_recorded(candidate, where, seen, real_base):
                    return None
        except (OSError, TypeError, KeyError, ValueError):
            return None
        if projects and any(name not in files for name in self._projects(base).get(folder.name, ())):
            return None  # a project table naming the department has appeared since the stamp
        return folder, data

    def _names(self, base: Path) -> frozenset[str] | None:
        """The names in the params folder ``base``, listed once (None when it cannot be listed)."""
        if base not in self._listing:
            try:
                self._listing[base] = frozenset(os.listdir(base))
            except OSError:
                self._listing[base] = None
        return self._listing[base]

    def _projects(self, base: Path) -> dict[str, tuple[str, ...]]:
        """The project tables of a params folder by the department they name, listed once per folder."""
        if base not in self._project_index:
            try:
                self._project_index[base] = project_index(base)
            except OSError:
                self._project_index[base] = {}
        return self._project_index[base]


def read_stamp(folder: Path) -> dict | None:
    """The stamp of a department folder, when it is one (a JSON object naming its params file)."""
    try:  # a stamp that is a FIFO or a device is not read (it would block the run, lock held)
        data = json.loads(read_regular(folder / outputs.STAMP.filename, MAX_STAMP).decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("params"), str) else None


def recorded_files(data: dict) -> frozenset[str]:
    """The files (names in the params folder) a stamp ``data`` records as read."""
    files = data.get("files")
    return frozenset(k for k, v in files.items() if v is not None) if isinstance(files, dict) else frozenset()


def _result_of(folder: Path, data: dict) -> Result | None:
    """The ``result.json`` of ``folder`` when it is the file its stamp ``data`` recorded and of the
    shape evalkit writes; else None."""
    target = folder / outputs.RESULT.filename
    recorded = data.get("outputs")
    try:
        raw = read_regular(target, MAX_RESULT)
        if not isinstance(recorded, dict) or recorded.get(target.name) != hashlib.sha256(raw).hexdigest():
            return None
        return parse_result(result_document(raw, str(target)), str(target))
    except (OSError, ParamsError):
        return None


def _as_recorded(candidate: str, where: str, seen, real_base: str) -> bool:
    """Whether the file at ``candidate`` (``where`` in the params folder, whose real path is
    ``real_base``) is as a stamp recorded it: still absent when it was looked for and not found
    (``seen`` None), else a regular file (following a link) of the recorded size, link target and sha256."""
    try:
        st = os.lstat(candidate)
        linked = stat.S_ISLNK(st.st_mode)
        if linked:
            st = os.stat(candidate)
    except OSError:  # absent (or a broken link): as recorded only when it was absent then
        return seen is None
    if seen is None:  # looked for and not found then: anything there now is new, even a FIFO or a link
        return False
    if not stat.S_ISREG(st.st_mode) or st.st_size != seen["size"]:
        return False
    if linked or "/" in where:
        if os.path.relpath(os.path.realpath(candidate), real_base) != seen["target"]:
            return False
    elif where != seen["target"]:  # a name in the folder, not a link: the file it leads to is itself
        return False
    return file_digest(Path(candidate)) == seen["sha256"]


def _beside(base: str, where: object) -> str | None:
    """``base/where`` when ``where`` (read from a stamp, so not trusted) is a relative path that
    stays in ``base``; None for an absolute path (``/dev/zero``), a ``..`` or a non-text."""
    if not isinstance(where, str) or not where or "\0" in where or where.startswith("/") or ".." in where.split("/"):
        return None
    return os.path.join(base, where)
