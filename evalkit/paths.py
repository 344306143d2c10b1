"""Project-relative paths, computed in one place (notebooks never hard-code ``../params``)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

#: What a params file is called: ``<department-id>-<year>.yaml`` (``.yml`` too).
PARAMS_SUFFIXES = (".yaml", ".yml")


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
    """The params files ``items`` name: every ``*.yaml`` / ``*.yml`` (not hidden) in a folder, sorted,
    and files named directly; each once, in the order given. ``evalkit run``, ``evalkit validate``
    and ``Portfolio.load`` all find their files here.

    >>> [p.name for p in params_files(["params"])][:2]
    ['dangzheng-office-2023.yaml', 'demo-agriculture-bureau-2023.yaml']
    """
    found: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found += sorted(x for x in p.iterdir() if x.suffix in PARAMS_SUFFIXES and not x.name.startswith("."))
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def department_dir(out: Path, year: int | str, department_id: str) -> Path:
    """``reports/<year>/<department-id>/``."""
    return Path(out) / str(year) / department_id


def display_path(path: str | Path) -> str:
    """``path`` relative to the project root when it lies inside it (published appendices name
    ``params/x.yaml``, not the machine's own folders), else as given."""
    root = project_root()
    candidate = Path(path)
    if root is not None and candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return str(path)
    return str(path)
