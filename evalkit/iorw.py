"""Writing output files so that a reader never sees half of one, and saying plainly when one cannot
be written.

Every failure is an ``OSError`` whose ``filename`` is the file that was meant to be written and
whose ``strerror`` says what went wrong; :func:`os_error_text` turns it into the one line a person
reads (the CLI prints it, a department's ``error.json`` keeps it).

>>> import errno
>>> os_error_text(OSError(errno.ENOSPC, "cannot write: No space left on device", "reports/2023/index.html"))
'reports/2023/index.html: cannot write: No space left on device'
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path

#: What a path that is not a regular file is, in the words of an error message.
_SPECIAL = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
            (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


def write_atomic(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``target``, fsync it, then rename it over ``target``.

    A reader sees the old file or the new one, never half of one; on failure the temporary file is
    removed and ``target`` is left as it was.

    Raises
    ------
    IsADirectoryError
        ``target`` is a folder.
    OSError
        ``target`` exists and is not a regular file (a device such as ``/dev/full``, a named pipe, a
        socket: renaming over it would replace the device node), or creating, writing, syncing
        (``ENOSPC``, ``EDQUOT``, ``EIO``) or renaming failed. ``filename`` is ``target``.

    Examples
    --------
    >>> write_atomic("/dev/null", b"x")
    Traceback (most recent call last):
    ...
    OSError: [Errno 22] cannot write: it is a character device, not a regular file; expected the path of a regular file: '/dev/null'
    """
    target = Path(target)
    _refuse_special(target)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _cannot_write(exc, target) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:  # ENOSPC and EIO surface here, on write, flush, fsync or close
        tmp.unlink(missing_ok=True)
        raise _cannot_write(exc, target) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def os_error_text(exc: OSError) -> str:
    """One line for a person: the file, then what went wrong (no errno, no traceback)."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{exc.filename}: {reason}" if exc.filename else reason


def _refuse_special(target: Path) -> None:
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise _cannot_write(exc, target) from None
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _SPECIAL if test(mode)), "not a regular file")
    code = errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL
    raise OSError(code, f"cannot write: it is {kind}, not a regular file; expected the path of a regular file",
                  str(target))


def _cannot_write(exc: OSError, target: Path) -> OSError:
    """The same kind of error (``ENOSPC`` stays ``ENOSPC``), naming ``target`` and saying it was a write."""
    return OSError(exc.errno, f"cannot write: {exc.strerror or exc}", str(target))


def read_regular(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit`` + 1 of them when ``limit`` is given,
    so a caller can tell "too large"), opened without blocking: a FIFO, a device, a socket or a folder
    under the name is refused with an ``OSError`` saying what it is, never waited on or read forever.

    >>> read_regular("/dev/zero")
    Traceback (most recent call last):
    ...
    OSError: [Errno 22] it is a character device, not a regular file: '/dev/zero'
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _SPECIAL if test(mode)), "not a regular file")
            raise OSError(errno.EISDIR if stat.S_ISDIR(mode) else errno.EINVAL,
                          f"it is {kind}, not a regular file", str(path))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            return handle.read() if limit is None else handle.read(limit + 1)
    finally:
        if fd >= 0:
            os.close(fd)


#: The date of every entry of an Office file evalkit writes (the earliest a zip entry can carry), so
#: that identical inputs give identical bytes: a zip otherwise dates each entry with the minute it was written.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def reproducible_office(data: bytes, generated_at: str | None) -> bytes:
    """An Office file (``.docx``, ``.xlsx``) rewritten so that its bytes depend on its content alone
    and the generation time: every zip entry dated :data:`ZIP_DATE` and the core properties'
    ``dcterms:created`` and ``dcterms:modified`` set to ``generated_at`` (the evaluation's
    ``provenance.generated_at``; python-docx would otherwise write its template's 2013 date, openpyxl
    the second it saved). Entry order, names, compression and content are kept as they are.

    >>> import io, zipfile
    >>> book = io.BytesIO()
    >>> with zipfile.ZipFile(book, "w") as z:
    ...     z.writestr("docProps/core.xml", '<dcterms:created x="1">2013-12-23T23:15:00Z</dcterms:created>')
    >>> fixed = zipfile.ZipFile(io.BytesIO(reproducible_office(book.getvalue(), "2024-05-10T08:00:00+00:00")))
    >>> fixed.read("docProps/core.xml").decode(), fixed.infolist()[0].date_time
    ('<dcterms:created x="1">2024-05-10T08:00:00Z</dcterms:created>', (1980, 1, 1, 0, 0, 0))
    """
    import io
    import re
    import zipfile

    stamp = None
    if generated_at:  # W3CDTF in UTC, as Office writes it: 2024-05-10T08:00:00Z
        stamp = re.sub(r"(\.\d+)?(\+00:00|Z)?$", "", str(generated_at)) + "Z"
    times = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml" and stamp is not None:
                content = times.sub(lambda m: m.group(1) + stamp.encode() + m.group(3), content)
            entry = zipfile.ZipInfo(info.filename, ZIP_DATE)
            entry.compress_type = info.compress_type
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()
