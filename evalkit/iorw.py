"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``target``, fsync it, then rename it over ``target``."""
    target = Path(target)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
