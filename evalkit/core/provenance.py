"""What a result was computed from: input hashes, versions, time."""

from __future__ import annotations

import platform
from datetime import datetime, timezone
from importlib import metadata

PACKAGES = ("pandas", "matplotlib", "pyyaml", "papermill", "nbconvert", "nbclient", "weasyprint", "openpyxl", "python-docx")


def version_of(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe(inputs: dict[str, str]) -> dict:
    """The ``provenance`` block of ``evalkit-result/v1``."""
    return {
        "inputs": dict(sorted(inputs.items())),
        "evalkit": version_of("evalkit") or "0+unknown",
        "python": platform.python_version(),
        "packages": {name: version_of(name) for name in PACKAGES if version_of(name)},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
