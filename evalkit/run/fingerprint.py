"""Input fingerprints for incremental runs: params, side tables, scheme, notebook, evalkit itself."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from pathlib import Path

from ..core.evaluation import Evaluation
from ..core.provenance import version_of


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
        "notebook": hashlib.sha256(notebook.read_bytes()).hexdigest(),
        "evalkit": {"version": version_of("evalkit"), "code": package_digest()},
        "formats": sorted(formats),
    }
