"""Project-relative paths, computed in one place (notebooks never hard-code ``../params``)."""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: What a params file is called: ``<department-id>-<year>.yaml`` (``.yml`` too).
PARAMS_SUFFIXES = (".yaml", ".yml")
#: YAML files beside the params files that are not params files: a department's own scoring scheme
#: (``x.scheme.yaml``, named by its ``scheme:`` key), a reviewer's decisions (``x.review.yaml``), the
#: mid-year monitoring (``x.monitoring.yaml``) and the 整改 ledger (``x.rectification.yaml``).
COMPANION_SUFFIXES = (".scheme", ".review", ".monitoring", ".rectification")
#: The finance bureau's settings (``bureau.yaml``) beside the params files: not a params file either.
NOT_PARAMS_NAMES = ("bureau.yaml", "bureau.yml")


def project_root(start: Path | None = None) -> Path | None:
    """The checkout holding ``params/`` and ``notebooks/``: from ``start`` (default: cwd) upwards,
    else from the package's own location (editable installs)."""
    for base in (start or Path.cwd(), PACKAGE_DIR):
        for folder in (base, *base.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "params").is_dir():
                return folder
    return None


def resolve_input(path: str | Path) -> Path:
    """``path`` as given if it exists, else relative to the project root (so the notebook's
    default ``params/…`` works from the project root, from ``notebooks/`` and under papermill)."""
    candidate = Path(path)
    if candidate.exists() or candidate.is_absolute():
        return candidate
    root = project_root()
    if root is not None and (root / candidate).exists():
        return root / candidate
    return candidate


def notebook_path(name: str = "department") -> Path:
    """A shipped notebook: ``evalkit/notebooks/<name>.ipynb`` in an installed wheel (copied there from
    ``notebooks/`` at build time), else ``notebooks/<name>.ipynb`` beside the package (a checkout)."""
    for folder in (PACKAGE_DIR / "notebooks", PACKAGE_DIR.parent / "notebooks"):
        if (folder / f"{name}.ipynb").is_file():
            return folder / f"{name}.ipynb"
    raise FileNotFoundError(f"notebook {name}.ipynb not found in {PACKAGE_DIR / 'notebooks'} or "
                            f"{PACKAGE_DIR.parent / 'notebooks'}; reinstall evalkit")


def params_files(items) -> list[Path]:
    """The params files ``items`` name: every ``*.yaml`` / ``*.yml`` in a folder, sorted (not hidden,
    not a companion file such as ``x.scheme.yaml``), and files named directly; each once, in the
    order given. ``evalkit run``, ``evalkit validate`` and ``Portfolio.load`` all find their files here.

    >>> [p.name for p in params_files(["params"])][:2]
    ['dangzheng-office-2023.yaml', 'demo-agriculture-bureau-2023.yaml']
    """
    found: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found += [x for x in folder_params(p) if not is_project_file(x)]
        else:
            found.append(_department_of_project(p) if p.suffix in PARAMS_SUFFIXES and is_project_file(p) else p)
    return list(dict.fromkeys(found))


def folder_params(folder: Path) -> list[Path]:
    """The YAML files of ``folder`` that may be params files, departments' or projects', sorted: not
    hidden, not a companion file (``x.scheme.yaml``, ``x.review.yaml``…), not the bureau's file."""
    folder = Path(folder)
    return [folder / name for name in folder_param_names(folder)]


def folder_param_names(folder: Path) -> list[str]:
    """The names of :func:`folder_params`, sorted: names, not paths (a province's folder is large)."""
    names = []
    for name in os.listdir(folder):
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and f".{suffix}" in PARAMS_SUFFIXES and not name.startswith(".") \
                and _suffix(stem) not in COMPANION_SUFFIXES and name not in NOT_PARAMS_NAMES:
            names.append(name)
    return sorted(names)


def _suffix(name: str) -> str:
    """``Path(name).suffix`` of a file name (no folder in it), without making a path."""
    i = name.rfind(".")
    return name[i:] if 0 < i < len(name) - 1 else ""


def project_params_files(items) -> list[Path]:
    """The project tables' params files (``kind: project``) ``items`` name: those of a folder, sorted,
    and a project file named directly; each once. (:func:`params_files` lists their departments.)"""
    found: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found += [x for x in folder_params(p) if is_project_file(x)]
        elif p.suffix in PARAMS_SUFFIXES and is_project_file(p):
            found.append(p)
    return list(dict.fromkeys(found))


#: A project table's params file says ``kind: project`` at the top level (read without parsing YAML).
_KIND_PROJECT = re.compile(r"^kind:\s*['\"]?project['\"]?\s*(#.*)?$", re.MULTILINE)
#: How evalkit names a project table's params file: ``<department-id>-<year>.project-NN.yaml``
#: (:mod:`evalkit.demo.projects`). A name alone never decides (any name may hold ``kind: project``);
#: it lets a caller that knows a file unchanged since a department's run read it as a project table
#: (:func:`evalkit.portfolio.portfolio`) skip reading it again.
PROJECT_NAME = re.compile(r"\.project-\d+\.ya?ml$")


def is_project_file(path: str | Path) -> bool:
    """Whether a params file is a project table's (``kind: project``): it runs with its department,
    never as a department of its own. Only a regular file's first 2 MB are looked at: a FIFO, a
    device or a file of gigabytes in a params folder never blocks or fills the memory."""
    try:
        return bool(_KIND_PROJECT.search(read_head(path).decode("utf-8-sig", errors="replace")))
    except (OSError, ValueError):
        return False


#: The most of a file :func:`read_head` reads (a params or companion YAML file is at most 2 MB).
HEAD_BYTES = 2_000_000


def read_head(path: str | Path, limit: int = HEAD_BYTES) -> bytes:
    """The first ``limit`` + 1 bytes of a regular file, opened without blocking: ``ValueError`` saying
    what the path is when it is not a regular file (a FIFO is never waited on, a device never read).

    >>> read_head("/dev/zero")
    Traceback (most recent call last):
    ...
    ValueError: a device
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        mode = info.st_mode
        if not stat.S_ISREG(mode):
            raise ValueError("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                             else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as f:  # read as much as the file holds, not a buffer of `limit`
            head = f.read(min(info.st_size, limit) + 1)
            return head if len(head) <= info.st_size else head + f.read(limit + 1 - len(head))  # it grew
    finally:
        os.close(fd)


def _department_of_project(path: Path) -> Path:
    """The department params file a named project file belongs to (same folder, ``department.id`` =
    its ``project.department``), so ``evalkit run x.project.yaml`` reruns that department; the project
    file itself when none is found (its run then says what is wrong)."""
    import yaml

    try:
        want = yaml.safe_load(read_head(path).decode("utf-8-sig"))["project"]["department"]
    except Exception:  # an unreadable file is reported by the run itself
        return path
    for other in sorted(path.parent.iterdir()):
        if other.suffix not in PARAMS_SUFFIXES or other == path or is_project_file(other):
            continue
        try:
            text = read_head(other).decode("utf-8-sig", errors="replace")
        except (OSError, ValueError):
            continue
        if re.search(rf"\bid:\s*['\"]?{re.escape(str(want))}['\"]?\s*[,}}\n]", text):
            return other
    return path


def inside(folder: str | Path, name: str) -> Path:
    """``folder / name`` when it stays inside ``folder`` once every symlink is followed; raise
    ``ValueError`` saying why not. A params file may refer only to files beside it (its side tables,
    a scheme of its own): never to ``/etc/passwd``, ``../other/x.csv`` or a link that leads out.

    >>> inside("params", "x.csv").as_posix()
    'params/x.csv'
    >>> inside("params", "../secrets.csv")
    Traceback (most recent call last):
    ...
    ValueError: it leads outside the params file's folder
    """
    if Path(name).is_absolute():
        raise ValueError("an absolute path; give a file name relative to the params file's folder")
    target = Path(folder) / name
    if "/" not in name and name not in ("", ".", ".."):  # a name in the folder: out only through a link
        try:
            if not stat.S_ISLNK(os.lstat(target).st_mode):
                return target
        except FileNotFoundError:
            return target  # nothing there: it would resolve to the folder's own name for it
        except (OSError, ValueError):
            pass  # let resolving say what it makes of it
    if not target.resolve().is_relative_to(Path(folder).resolve()):
        raise ValueError("it leads outside the params file's folder")
    return target


def department_dir(out: Path, year: int | str, department_id: str) -> Path:
    """``reports/<year>/<department-id>/``."""
    return Path(out) / str(year) / department_id


def department_dirs(year_dir: Path) -> list[Path]:
    """Every department folder in ``reports/<year>/``, in order (hidden folders such as a staging
    folder, and ``_``-folders, are not); none when the year folder does not exist."""
    year_dir = Path(year_dir)
    if not year_dir.is_dir():
        return []
    with os.scandir(year_dir) as entries:  # the entries' types come with the listing: no stat per folder
        names = sorted(e.name for e in entries if not e.name.startswith((".", "_")) and e.is_dir())
    return [year_dir / name for name in names]


def display_path(path: str | Path) -> str:
    """``path`` as a published page names it: relative to the project root when it lies inside it
    (``params/x.yaml``), else its folder's name and its own (``params/x.yaml`` too). Never the
    machine's absolute folders, never a ``..``."""
    return _display(str(path), os.getcwd())


def display_path_in(folder: str | Path, name: str) -> str:
    """:func:`display_path` of the file ``name`` in ``folder`` when it is not a link (the caller has
    checked): the folder is resolved once for all its files, not each file's path again."""
    prefix = _folder_prefix(str(folder), os.getcwd())
    return f"{prefix}/{name}" if prefix else name


@lru_cache(maxsize=64)
def _folder_prefix(folder: str, cwd: str) -> str:
    """What :func:`display_path` puts before the name of a file in ``folder`` (not a link)."""
    real = Path(cwd, folder).resolve()
    root = _root_of(cwd)
    if root is not None and real.is_relative_to(root):
        return real.relative_to(root).as_posix() if real != root else ""
    return real.name


@lru_cache(maxsize=64)
def _root_of(cwd: str) -> Path | None:
    """The resolved project root for a working folder, looked up once per folder (like ``_display``)."""
    root = project_root(Path(cwd))
    return None if root is None else root.resolve()


@lru_cache(maxsize=65536)
def _display(path: str, cwd: str) -> str:
    """``display_path`` for one working folder (a batch names the same files again and again)."""
    where = Path(cwd, path)
    if where.name not in ("", ".", "..") and not os.path.islink(where):  # its folder resolved once for all its files
        prefix = _folder_prefix(str(where.parent), cwd)
        return f"{prefix}/{where.name}" if prefix else where.name
    candidate = where.resolve()
    root = _root_of(cwd)
    if root is not None:
        try:
            return candidate.relative_to(root).as_posix()
        except ValueError:
            pass
    return Path(candidate.parent.name, candidate.name).as_posix()
