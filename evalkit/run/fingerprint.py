"""Input fingerprints for incremental runs: params, side tables, scheme, notebook, evalkit itself."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path

from ..core.model import Params
from ..core.provenance import version_of
from ..core.scheme import Scheme


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


def fingerprint(params: Params, scheme: Scheme, notebook: Path, formats: tuple[str, ...]) -> dict:
    """Everything a department's outputs depend on; equal fingerprints mean nothing to redo.

    ``params`` names the params file that produced the outputs (its name inside the params folder,
    so ``run params/`` and ``run /abs/params`` agree): a file that no longer parses is matched to its
    old folder by it, and a folder no file produces any more is found stale (:mod:`evalkit.run.batch`).
    """
    base = Path(params.source).resolve().parent
    inputs = {os.path.relpath(Path(path).resolve(), base): digest for path, digest in params.inputs.items()}
    return {
        "params": Path(params.source).name,
        "inputs": dict(sorted(inputs.items())),  # relative: `run params/` and `run /abs/params` agree
        "scheme": {"id": scheme.id, "sha256": scheme.sha256},
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "evalkit": {"version": version_of("evalkit"), "code": package_digest()},
        "formats": sorted(formats),
    }
