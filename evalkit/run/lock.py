"""One ``evalkit run`` at a time per output folder.

The run holds an exclusive ``flock`` on ``<out>/.evalkit-run.lock`` and writes its pid into it. A
second run does not wait: it refuses at once, naming the first run's pid, before writing anything.
The kernel releases the lock when the holding process ends, however it ends (SIGKILL included), so
a killed run never blocks the next one; the file itself stays (removing it would race with a run
that has just opened it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from .. import outputs
from ..exceptions import OutputLockedError


@contextlib.contextmanager
def output_lock(out: str | Path):
    """Hold the lock of ``out`` (created if missing) for the block; ``OutputLockedError`` if another
    run holds it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / outputs.LOCK.filename
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder(fd)
        os.close(fd)
        who = f"another evalkit run (pid {holder})" if holder else "another evalkit run"
        raise OutputLockedError(f"{who} is writing to {out}/ (it holds {path}); wait until it has finished, "
                                "or give this run another --out") from None
    except BaseException:
        os.close(fd)
        raise
    try:
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError:  # a full disk: the lock holds all the same, only the pid goes unrecorded
            pass
        yield path
    finally:
        os.close(fd)


def _holder(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
