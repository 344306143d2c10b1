"""What a result was computed from: input hashes, versions, time.

Package versions are read once per process (``importlib.metadata`` parses each package's METADATA
file: about a millisecond a package, more than all the scoring of a department).
"""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from functools import cache
from importlib import metadata

PACKAGES = ("pandas", "matplotlib", "pyyaml", "papermill", "nbconvert", "nbclient", "weasyprint", "openpyxl", "python-docx")


@cache
def version_of(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


@cache
def _versions() -> tuple[str, str, tuple[tuple[str, str], ...]]:
    packages = tuple((name, version_of(name)) for name in PACKAGES if version_of(name))
    return version_of("evalkit") or "0+unknown", platform.python_version(), packages


def describe(inputs: dict[str, str]) -> dict:
    """The ``provenance`` block of ``evalkit-result/v1``."""
    evalkit_version, python, packages = _versions()
    return {
        "inputs": dict(sorted(inputs.items())),
        "evalkit": evalkit_version,
        "python": python,
        "packages": dict(packages),
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
