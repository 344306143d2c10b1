"""Project-relative paths, computed in one place (notebooks never hard-code ``../params``)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent

# What a department's folder holds, by output format (one place for every file name).
NOTEBOOK_FILE = "evaluation.ipynb"
RESULT_FILE = "result.json"
REPORT_DOCX = "自评报告.docx"
REPORT_HTML = "自评报告.html"
TABLE_XLSX = "绩效自评表.xlsx"
FORMAT_FILES = {"html": ("appendix.html",), "pdf": ("appendix.pdf",), "docx": (REPORT_DOCX, REPORT_HTML),
                "xlsx": (TABLE_XLSX,)}


def output_files(formats) -> list[str]:
    """The files a successful department run leaves for ``formats``."""
    return [NOTEBOOK_FILE, RESULT_FILE, *(name for f in formats for name in FORMAT_FILES.get(f, ()))]


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
    """A shipped notebook: ``notebooks/<name>.ipynb`` in the checkout."""
    root = project_root()
    if root is None or not (root / "notebooks" / f"{name}.ipynb").is_file():
        raise FileNotFoundError(f"notebooks/{name}.ipynb not found; run evalkit from the project checkout")
    return root / "notebooks" / f"{name}.ipynb"


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
