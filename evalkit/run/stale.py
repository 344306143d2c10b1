"""Which params file produced which department folder, and the folders no params file of a run
produces any more.

Every department folder names the params file that produced it: the stamp of a finished run and
the ``error.json`` of a failed one carry it (``params``; its name inside the params folder is what
counts, so ``run params/`` and ``run /abs/params`` agree). With that, an ``evalkit run``:

- matches a params file that no longer parses (it has no department id any more) to the folder it
  produced, and replaces that folder's appendix by ``error.json``;
- marks every other department folder of the output tree that none of this run's params files
  produced with ``stale.json`` (``{"reason": ..., "params": ...}``, reasons in
  :data:`evalkit.outputs.STALE_REASONS`): a params file deleted or renamed, a ``department.id``
  changed, or a run of other params files into the same output folder. The index lists those
  folders as 已过期 outside the ranking, never as 成功; their files stay for reference, and the
  next run that produces the folder again removes the mark (an unchanged department is not rerun).

So the index pages of a run describe exactly the departments of that run's params files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .. import outputs
from ..iorw import os_error_text, read_regular, write_atomic
from ..stamps.fingerprint import department_folders


@dataclass(frozen=True)
class StaleFolder:
    """A department folder no params file of the run produced, and why (see the module docstring)."""

    folder: Path
    reason: str  # absent | reassigned | unknown
    params: str | None  # the params file that last produced it, if the folder says


def producer(folder: Path) -> str | None:
    """The name of the params file that produced ``folder``, from its stamp or its ``error.json``;
    None if neither says (or neither can be read)."""
    for output in (outputs.STAMP, outputs.ERROR):
        try:  # never a FIFO or a device under the name: it would block the run
            name = json.loads(read_regular(folder / output.filename, 5_000_000).decode("utf-8")).get("params")
        except (OSError, ValueError, AttributeError, RecursionError):
            continue
        if isinstance(name, str) and name:
            return Path(name).name
    return None


def produced_by(out: Path, params_name: str) -> list[Path]:
    """The department folders (not already marked stale) that the params file ``params_name`` produced."""
    return [f for f in department_folders(out) if not (f / outputs.STALE.filename).exists() and producer(f) == params_name]


def mark_stale(out: Path, claimed: set[Path], run_params: set[str], *, problems: list[str]) -> list[StaleFolder]:
    """Mark every department folder outside ``claimed`` stale and unmark the claimed ones.

    ``run_params`` are the names of this run's params files (a folder whose params file is among
    them now belongs to another department). A marker that cannot be written (a full disk) is
    added to ``problems`` and the folder is still returned.
    """
    claimed = {Path(c).resolve() for c in claimed}
    stale = []
    for folder in department_folders(out):
        marker = folder / outputs.STALE.filename
        if folder.resolve() in claimed:
            marker.unlink(missing_ok=True)
            continue
        name = producer(folder)
        reason = "unknown" if name is None else "reassigned" if name in run_params else "absent"
        stale.append(StaleFolder(folder, reason, name))
        data = json.dumps({"reason": reason, "params": name}, ensure_ascii=False, indent=2).encode("utf-8")
        try:
            if not marker.is_file() or marker.read_bytes() != data:
                write_atomic(marker, data)
        except OSError as exc:
            problems.append(os_error_text(exc))
    return stale
