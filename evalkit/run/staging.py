"""How a notebook run's files replace the previous run's: all at once, or not at all.

A run writes its new files into a staging folder inside the output folder (``.evalkit-staging``,
same file system) and, once every one is written, renames them over the previous run's files:
renames need no disk space, and the files that say "finished" (``result.json``, then the stamp)
move last, so no moment shows a mix that passes for a finished run.

When the run fails, whose failure it is decides what the previous files become:

- the department's own (its notebook raised on its data, :class:`~evalkit.exceptions.CellExecutionError`):
  they are removed; the partial notebook takes the notebook's name and ``error.json`` says why.
  Nothing older can pass for this run's verdict on the department.
- the run's (a timeout, the kernel dying, a notebook without the runner's parameters, a full disk,
  an interruption): they stay as they were and ``error.json`` is written beside them; the stamp
  goes, so the index lists the department as failed and the next run retries it. A misconfigured
  run can never delete good outputs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .. import outputs
from ..iorw import write_atomic
from ..outputs import FORMATS, Output


@dataclass(frozen=True)
class FileSet:
    """The files one notebook run owns in its output folder."""

    notebook: Output
    error: Output
    #: Everything a previous run may have left there (removed when a new run replaces them).
    files: tuple[Output, ...]
    #: The machine-readable result, moved in after everything else.
    result: Output | None = None
    #: The fingerprint that makes the next run skip the folder: moved in last, removed first.
    stamp: Output | None = None

    @property
    def last(self) -> tuple[Output, ...]:
        """The files whose presence says "finished", in the order they are moved in."""
        return tuple(o for o in (self.result, self.stamp) if o is not None)

    @property
    def partial(self) -> str:
        """The name the notebook has while it executes: ``evaluation.partial.ipynb``."""
        return outputs.partial_notebook(Path(self.notebook.filename).stem)


#: A department's folder, ``reports/<year>/<department-id>/``.
DEPARTMENT = FileSet(outputs.NOTEBOOK, outputs.ERROR,
                     (*outputs.department_outputs(FORMATS), outputs.STAMP, outputs.ERROR, outputs.STALE),
                     result=outputs.RESULT, stamp=outputs.STAMP)
#: The district overview's files in ``reports/<year>/``.
OVERVIEW = FileSet(outputs.OVERVIEW_NOTEBOOK, outputs.OVERVIEW_ERROR, (outputs.OVERVIEW_NOTEBOOK, *outputs.OVERVIEW))


def open_staging(target: Path) -> Path:
    """A fresh, empty staging folder in ``target``; an interrupted run's leftovers are removed."""
    target.mkdir(parents=True, exist_ok=True)
    staging = target / outputs.STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def swap_in(staging: Path, target: Path, files: FileSet) -> None:
    """Replace the previous run's files in ``target`` by the staged ones (renames only)."""
    staged = {p.name for p in staging.iterdir()}
    for output in reversed(files.last):  # from here on nothing in target says "finished"
        (target / output.filename).unlink(missing_ok=True)
    for output in files.files:
        if output.filename not in staged:
            (target / output.filename).unlink(missing_ok=True)
    (target / files.partial).unlink(missing_ok=True)
    last = [o.filename for o in files.last if o.filename in staged]
    for name in [*sorted(staged - set(last)), *last]:
        os.replace(staging / name, target / name)
    shutil.rmtree(staging, ignore_errors=True)


def leave_failure(target: Path, record: bytes, files: FileSet, *, staging: Path | None = None,
                  keep_previous: bool = False, keep_partial: bool = True) -> None:
    """Write ``record`` as the error file and keep this run's partial notebook (from ``staging``)
    unless ``keep_partial`` is false (a full disk truncated it, and the record needs the room);
    ``keep_previous`` says the failure is the run's (see the module docstring).

    Raises ``OSError`` when the error file cannot be written (a full disk); everything else has
    been done by then.
    """
    target.mkdir(parents=True, exist_ok=True)
    if files.stamp is not None:  # the next run retries
        (target / files.stamp.filename).unlink(missing_ok=True)
    if not keep_previous:
        for output in files.files:
            if output != files.error:
                (target / output.filename).unlink(missing_ok=True)
        (target / files.partial).unlink(missing_ok=True)  # an older run's
    partial = staging / files.partial if staging is not None else None
    if keep_partial and partial is not None and partial.exists():
        kept = files.notebook.filename
        if keep_previous and (target / kept).exists():  # never over a previous run's notebook
            kept = files.partial
        os.replace(partial, target / kept)
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)  # frees the space a full disk needs for the record
    write_atomic(target / files.error.filename, record)
